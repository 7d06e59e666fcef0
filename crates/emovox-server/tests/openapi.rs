//! `/openapi.json` is kept in sync with the router: the document's paths and methods are
//! exactly the documented routes of `ROUTES` (from which the router is built), and each one
//! answers on a real server with something else than 404 / 405.

mod common;

use std::collections::BTreeSet;

use common::TestServer;
use emovox_server::{ServerConfig, ROUTES};
use serde_json::Value;

#[test]
fn the_document_lists_exactly_the_documented_routes() {
    let doc: Value = serde_json::from_str(emovox_server::routes::info::OPENAPI).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (path.clone(), method.to_uppercase()))
        })
        .collect();
    let routes: BTreeSet<(String, String)> = ROUTES
        .iter()
        .filter(|r| r.documented)
        .map(|r| (r.path.to_string(), r.method.to_string()))
        .collect();
    assert_eq!(documented, routes);
    // Every reference points at a component that exists.
    let text = emovox_server::routes::info::OPENAPI;
    for reference in text.split("\"$ref\": \"#/").skip(1) {
        let pointer = format!("/{}", &reference[..reference.find('"').unwrap()]);
        assert!(doc.pointer(&pointer).is_some(), "dangling $ref {pointer}");
    }
}

#[tokio::test]
async fn every_route_answers_on_a_real_server() {
    let server = TestServer::start(ServerConfig::default()).await;
    let client = reqwest::Client::new();
    for route in ROUTES {
        let path = route.path.replace("{name}", "app.js");
        let request = match route.method {
            "GET" => client.get(server.url(&path)),
            "POST" => client.post(server.url(&path)).body(Vec::new()),
            other => panic!("unexpected method {other}"),
        };
        let status = request.send().await.unwrap().status();
        assert!(
            status != 404 && status != 405,
            "{} {} answered {status}",
            route.method,
            route.path
        );
    }
    server.stop().await;
}
