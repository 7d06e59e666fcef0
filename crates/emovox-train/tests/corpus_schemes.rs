//! Label schemes (`native`, `common`, `gender_emotion`, `gender`) and label restriction.

use std::collections::BTreeMap;

use emovox_train::corpus::{
    apply_scheme, common_emotion, restrict_to_labels, CorpusError, Gender, LabelScheme, Utterance,
    COMMON_EMOTIONS,
};

fn utterance(corpus: &str, label: &str, speaker: &str, gender: Option<Gender>) -> Utterance {
    Utterance {
        path: format!("{corpus}/{speaker}/{label}.wav").into(),
        label: label.into(),
        speaker: speaker.into(),
        gender,
        corpus: corpus.into(),
    }
}

/// A mix of native labels from several corpora, one of unknown gender.
fn mixed() -> Vec<Utterance> {
    let (m, f) = (Some(Gender::Male), Some(Gender::Female));
    vec![
        utterance("ravdess", "calm", "01", m),
        utterance("ravdess", "surprised", "02", f),
        utterance("savee", "anger", "DC", m),
        utterance("tess", "ps", "OAF", f),
        utterance("tess", "fear", "YAF", f),
        utterance("emodb", "boredom", "03", m),
        utterance("emodb", "happiness", "08", f),
        utterance("crema-d", "sad", "1001", None),
    ]
}

fn labels(utterances: &[Utterance]) -> Vec<&str> {
    utterances.iter().map(|u| u.label.as_str()).collect()
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|&(l, n)| (l.to_owned(), n)).collect()
}

#[test]
fn native_keeps_everything() {
    let (kept, dropped) = apply_scheme(&mixed(), LabelScheme::Native);
    assert_eq!(kept, mixed());
    assert!(dropped.is_empty());
}

#[test]
fn common_maps_synonyms_and_drops_boredom() {
    let (kept, dropped) = apply_scheme(&mixed(), LabelScheme::Common);
    assert_eq!(
        labels(&kept),
        vec![
            "neutral",
            "surprised",
            "angry",
            "surprised",
            "fearful",
            "happy",
            "sad"
        ]
    );
    assert_eq!(dropped, counts(&[("boredom", 1)]));
    // Everything but the label is kept.
    assert_eq!(kept[2].speaker, "DC");
    assert_eq!(kept[2].corpus, "savee");
    // Every corpus' native words land in the 7 common classes.
    for native in [
        "neutral",
        "calm",
        "happy",
        "happiness",
        "sad",
        "sadness",
        "angry",
        "anger",
        "fearful",
        "fear",
        "disgust",
        "surprised",
        "surprise",
        "ps",
    ] {
        let common = common_emotion(native).unwrap();
        assert!(COMMON_EMOTIONS.contains(&common), "{native}");
    }
    assert_eq!(common_emotion("boredom"), None);
    assert_eq!(common_emotion("contempt"), None);
}

#[test]
fn gender_emotion_needs_a_known_gender_and_a_common_emotion() {
    let (kept, dropped) = apply_scheme(&mixed(), LabelScheme::GenderEmotion);
    assert_eq!(
        labels(&kept),
        vec![
            "male_neutral",
            "female_surprised",
            "male_angry",
            "female_surprised",
            "female_fearful",
            "female_happy",
        ]
    );
    assert_eq!(dropped, counts(&[("boredom", 1), ("sad", 1)]));
    let classes = LabelScheme::GenderEmotion.classes().unwrap();
    assert_eq!(classes.len(), 14);
    assert_eq!(classes[0], "female_neutral");
    assert_eq!(classes[13], "male_surprised");
    assert!(kept.iter().all(|u| classes.contains(&u.label)));
}

#[test]
fn gender_keeps_every_emotion_of_known_speakers() {
    let (kept, dropped) = apply_scheme(&mixed(), LabelScheme::Gender);
    assert_eq!(
        labels(&kept),
        vec!["male", "female", "male", "female", "female", "male", "female"]
    );
    assert_eq!(dropped, counts(&[("sad", 1)]));
    assert_eq!(
        LabelScheme::Gender.classes().unwrap(),
        vec!["female", "male"]
    );
    assert_eq!(LabelScheme::Native.classes(), None);
}

#[test]
fn restriction_keeps_only_model_labels() {
    let (common, _) = apply_scheme(&mixed(), LabelScheme::Common);
    let model = vec!["angry".to_owned(), "happy".to_owned(), "sad".to_owned()];
    let (kept, dropped) = restrict_to_labels(&common, &model);
    assert_eq!(labels(&kept), vec!["angry", "happy", "sad"]);
    assert_eq!(
        dropped,
        counts(&[("fearful", 1), ("neutral", 1), ("surprised", 2)])
    );
}

#[test]
fn schemes_parse_print_and_serialise() {
    for scheme in LabelScheme::ALL {
        assert_eq!(scheme.to_string().parse::<LabelScheme>().unwrap(), scheme);
        let json = serde_json::to_string(&scheme).unwrap();
        assert_eq!(json, format!("\"{scheme}\""));
        assert_eq!(serde_json::from_str::<LabelScheme>(&json).unwrap(), scheme);
    }
    assert_eq!(
        "Gender-Emotion".parse::<LabelScheme>().unwrap(),
        LabelScheme::GenderEmotion
    );
    assert!(matches!(
        "arousal".parse::<LabelScheme>(),
        Err(CorpusError::UnknownScheme(_))
    ));
}
