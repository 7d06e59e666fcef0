//! A feature spec read from JSON (a model file, a training recipe) is untrusted input: a field
//! this version does not know is refused at every level, never skipped.

use emovox_features::{
    FeatureKind, FeatureSpec, LevelNormalisation, MelConfig, MfccConfig, PitchConfig, Preprocessing,
};

/// The spec of the bundled model's first view, as its file stores it.
const BUNDLED: &str = r#"{"kind":{"type":"log_mel","sample_rate":16000,"n_fft":512,
    "win_length":400,"hop_length":160,"n_mels":64,"fmin":0.0,"fmax":8000.0,"top_db":80.0},
    "delta_orders":2,"delta_width":9,"utterance_norm":false,
    "pitch":{"fmin":75.0,"fmax":600.0,"win_length":640,"voicing_threshold":0.45,"silence_db":40.0},
    "preprocessing":{"remove_dc":true,"high_pass_hz":null,"trim_top_db":null,
    "level":{"target_dbfs":-26.0,"gate_db":10.0},"balance":null}}"#;

/// An edit of a spec's JSON.
type Edit = fn(&mut serde_json::Value);

fn with(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value: serde_json::Value = serde_json::from_str(BUNDLED).unwrap();
    edit(&mut value);
    value.to_string()
}

#[test]
fn specs_as_model_files_store_them_still_read() {
    let spec: FeatureSpec = serde_json::from_str(BUNDLED).unwrap();
    spec.validate().unwrap();
    assert_eq!(spec.n_bins(), 66);
    // Files from before `pitch` and `preprocessing` leave them out.
    let older: FeatureSpec = serde_json::from_str(&with(|v| {
        let map = v.as_object_mut().unwrap();
        map.remove("pitch");
        map.remove("preprocessing");
    }))
    .unwrap();
    assert_eq!(older.pitch, None);
    assert_eq!(older.preprocessing, Preprocessing::default());
    // Every kind and option survives a round trip.
    let mfcc = FeatureSpec {
        kind: FeatureKind::Mfcc(MfccConfig {
            lifter: 22.0,
            ..MfccConfig::speech()
        }),
        pitch: Some(PitchConfig::speech()),
        preprocessing: Preprocessing {
            trim_top_db: Some(40.0),
            level: Some(LevelNormalisation::default()),
            ..Preprocessing::default()
        },
        ..spec
    };
    let text = serde_json::to_string(&mfcc).unwrap();
    assert_eq!(serde_json::from_str::<FeatureSpec>(&text).unwrap(), mfcc);
    let mel: MelConfig =
        serde_json::from_str(&serde_json::to_string(&MelConfig::speech()).unwrap()).unwrap();
    assert_eq!(mel, MelConfig::speech());
}

/// A misspelt or newer field used to be skipped: `"preprocesing"` served the bundled model
/// without its mean removal and level normalisation, `"f_max"` gave a filterbank to Nyquist.
#[test]
fn an_unknown_field_is_refused_at_every_level_of_a_spec() {
    let edits: [(&str, Edit); 5] = [
        ("preprocesing", |v| {
            let pre = v["preprocessing"].take();
            v.as_object_mut().unwrap().remove("preprocessing");
            v["preprocesing"] = pre;
        }),
        ("f_max", |v| v["kind"]["f_max"] = serde_json::json!(4000.0)),
        ("voicing", |v| {
            v["pitch"]["voicing"] = serde_json::json!(0.3)
        }),
        ("energy", |v| v["energy"] = serde_json::json!({"rows": 1})),
        ("dereverberate", |v| {
            v["preprocessing"]["dereverberate"] = serde_json::json!(true)
        }),
    ];
    for (field, edit) in edits {
        let text = with(edit);
        let err = serde_json::from_str::<FeatureSpec>(&text).unwrap_err();
        assert!(err.to_string().contains(field), "{field}: {err}");
    }
    let mfcc = r#"{"type":"mfcc","mel":{"sample_rate":16000,"n_fft":512,"win_length":400,
        "hop_length":160,"n_mels":40,"fmin":0.0,"fmax":8000.0,"top_db":80.0},
        "n_mfcc":40,"lifter":0.0,"dct":"htk"}"#;
    let err = serde_json::from_str::<FeatureKind>(mfcc).unwrap_err();
    assert!(err.to_string().contains("dct"), "{err}");
    let nested = mfcc.replace(r#""dct":"htk""#, r#""n_fft_typo":1"#);
    assert!(serde_json::from_str::<FeatureKind>(&nested).is_err());
    let inner = mfcc
        .replace(r#","dct":"htk""#, "")
        .replace(r#""top_db":80.0"#, r#""top_db":80.0,"htk":true"#);
    let err = serde_json::from_str::<FeatureKind>(&inner).unwrap_err();
    assert!(err.to_string().contains("htk"), "{err}");
}

/// Deserialising checks shapes, not ranges; `validate` (which every pipeline runs) refuses
/// what JSON can still say, an f32 overflowing to infinity among it.
#[test]
fn a_spec_read_from_json_is_refused_by_validate_when_out_of_range() {
    for edit in [
        (|v: &mut serde_json::Value| v["kind"]["fmax"] = serde_json::json!(1e39)) as Edit,
        |v| v["kind"]["n_mels"] = serde_json::json!(0),
        |v| v["pitch"]["fmin"] = serde_json::json!(0.0),
        |v| v["preprocessing"]["level"]["target_dbfs"] = serde_json::json!(3.0),
        |v| v["preprocessing"]["trim_top_db"] = serde_json::json!(-10.0),
    ] {
        let spec: FeatureSpec = serde_json::from_str(&with(edit)).unwrap();
        assert!(spec.validate().is_err(), "{spec:?}");
    }
}
