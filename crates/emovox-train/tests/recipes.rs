//! Every recipe committed under `models/recipes/` is a valid [`TrainConfig`], so the README's
//! commands that pass one with `--recipe` cannot fail on it.

use emovox_features::{BalanceNormalisation, FeatureKind, FeatureSpec, SpeechTrim};
use emovox_train::{TrainConfig, DEFAULT_TOP_DB};

/// `spec`'s log-mel floor set to `top_db` dB under the clip's maximum.
fn with_floor(spec: &mut FeatureSpec, top_db: f32) {
    let mel = match &mut spec.kind {
        FeatureKind::LogMel(mel) => mel,
        FeatureKind::Mfcc(mfcc) => &mut mfcc.mel,
    };
    mel.top_db = Some(top_db);
}

/// The log-mel floor of the default recipe before R71 (`docs/experiments.md`), with which the
/// recipes measured before it, the bundled model's among them, were trained.
const FLOOR_BEFORE_R71: f32 = 80.0;

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
            "bundle_joint.json",
            "bundle_joint_two_views.json",
            "bundle_two_views.json",
            "joint.json",
            "ravdess_balanced.json",
            "ravdess_short_crops.json",
            "ravdess_tilt.json"
        ]
    );
}

/// `ravdess_balanced.json` is what README says it is: the default recipe as it was measured with
/// it (before the default trimmed to speech, R58, and floored its log-mel at 60 dB, R71) with
/// spectral balance normalisation (the default settings) in every view, nothing else changed.
#[test]
fn the_balanced_recipe_is_the_untrimmed_default_one_with_balance_in_every_view() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../models/recipes/ravdess_balanced.json");
    let recipe: TrainConfig =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut expected = default_before_r71();
    for spec in std::iter::once(&mut expected.features).chain(expected.extra_views.iter_mut()) {
        assert_eq!(spec.preprocessing.balance, None);
        spec.preprocessing.balance = Some(BalanceNormalisation::default());
        spec.preprocessing.trim_to_speech = None;
    }
    assert_eq!(recipe, expected);
}

fn recipe(name: &str) -> TrainConfig {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../models/recipes")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `recipe` as the bundled model's networks were trained: without the step that removes each
/// clip's mean, and trimmed to the speech with 0.3 s either side (as the default recipe is since
/// R58; `joint.json` is not), in every view.
fn as_bundled(mut recipe: TrainConfig) -> TrainConfig {
    for spec in std::iter::once(&mut recipe.features).chain(recipe.extra_views.iter_mut()) {
        assert!(spec.preprocessing.remove_dc);
        spec.preprocessing.remove_dc = false;
        spec.preprocessing.trim_to_speech = Some(SpeechTrim { margin_s: 0.3 });
    }
    recipe
}

/// The default recipe as it was before R71: its log-mel floored 80 dB under the maximum, and
/// short clips run at their own length (the default repeats them to the crop's since R77).
fn default_before_r71() -> TrainConfig {
    let mut recipe = TrainConfig::two_views();
    assert!(recipe.repeat_short_clips);
    recipe.repeat_short_clips = false;
    for spec in std::iter::once(&mut recipe.features).chain(recipe.extra_views.iter_mut()) {
        assert_eq!(spec.kind.mel().top_db, Some(DEFAULT_TOP_DB));
        with_floor(spec, FLOOR_BEFORE_R71);
    }
    recipe
}

/// `recipe` with an AMR-NB round trip in a fifth of its degraded crops, as the bundled model's
/// joint networks were trained (R67).
fn with_mobile_calls(mut recipe: TrainConfig) -> TrainConfig {
    let conditions = recipe
        .augment
        .wave
        .conditions
        .as_mut()
        .expect("multi-condition");
    assert_eq!(conditions.amr_prob, 0.0);
    conditions.amr_prob = 0.2;
    recipe
}

/// The three `bundle_*.json` recipes are what README says the bundled model's networks were
/// trained with: the default recipe (as it was before R71) and `joint.json` without
/// `remove_dc` (the networks learnt without it; `ensemble --remove-dc` adds it to the bundle)
/// and with every view trimmed to its speech (R57; the default recipe trims so since R58); the
/// two joint ones with AMR-NB in training (R67); nothing else changed (the RAVDESS network is
/// `bundle_two_views.json` with `--epochs 60`).
#[test]
fn the_bundle_recipes_are_the_default_and_joint_ones_trimmed_to_speech_without_remove_dc() {
    assert_eq!(
        recipe("bundle_two_views.json"),
        as_bundled(default_before_r71())
    );
    assert_eq!(
        recipe("bundle_joint.json"),
        with_mobile_calls(as_bundled(recipe("joint.json")))
    );
    assert_eq!(
        recipe("bundle_joint_two_views.json"),
        with_mobile_calls(as_bundled(default_before_r71()))
    );
}
