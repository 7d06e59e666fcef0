//! Every recipe committed under `models/recipes/` is a valid [`TrainConfig`], so the README's
//! commands that pass one with `--recipe` cannot fail on it.

use emovox_train::TrainConfig;

#[test]
fn committed_recipes_parse_and_validate() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/recipes");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("models/recipes exists") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            let recipe: TrainConfig =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            recipe
                .validate()
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            names.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    names.sort();
    assert_eq!(
        names,
        [
            "joint.json",
            "ravdess_short_crops.json",
            "ravdess_tilt.json"
        ]
    );
}
