//! What a trained model's provenance says about a corpus: which of its speakers the model
//! was trained on, so that an evaluation can say when its figures are not speaker-independent.

use emovox_corpus::{LabelScheme, Utterance};
use emovox_model::{MultiViewModel, TrainingProvenance};

/// Whether `provenance` lists the speaker of `utterance` among its training speakers: the same
/// corpus and speaker id, or the `corpus:id` a run over combined corpora recorded. A speaker of
/// another corpus with the same id (`1` of a folder corpus and RAVDESS actor `1`) is not.
pub fn trained_on(provenance: &TrainingProvenance, utterance: &Utterance) -> bool {
    let prefix = format!("{}:", utterance.corpus);
    let (bare, qualified) = match utterance.speaker.strip_prefix(&prefix) {
        Some(bare) => (bare.to_string(), utterance.speaker.clone()),
        None => (
            utterance.speaker.clone(),
            format!("{prefix}{}", utterance.speaker),
        ),
    };
    provenance
        .train_speakers
        .iter()
        .any(|s| *s == qualified || (*s == bare && provenance.corpus == utterance.corpus))
}

/// The distinct speakers of `utterances` (sorted) that any view of `model` was trained on
/// ([`trained_on`]); empty for a model without provenance. Figures over their clips measure
/// voices the model has heard, not new ones.
pub fn training_speakers_among(model: &MultiViewModel, utterances: &[Utterance]) -> Vec<String> {
    let provenances: Vec<&TrainingProvenance> = (model.views().iter())
        .filter_map(|view| view.metadata().training.as_ref())
        .collect();
    let mut speakers: Vec<String> = utterances
        .iter()
        .filter(|u| provenances.iter().any(|p| trained_on(p, u)))
        .map(|u| u.speaker.clone())
        .collect();
    speakers.sort();
    speakers.dedup();
    speakers
}

/// The label scheme `model` was trained with, as its provenance records it (the same in every
/// view that records one); `None` when no view records one, they disagree, or the name is not a
/// scheme this build knows. Evaluating with it maps a corpus's labels as training did.
pub fn recorded_label_scheme(model: &MultiViewModel) -> Option<LabelScheme> {
    let mut names = (model.views().iter())
        .filter_map(|view| view.metadata().training.as_ref()?.label_scheme.as_deref());
    let first = names.next()?;
    if names.any(|name| name != first) {
        return None;
    }
    first.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provenance(corpus: &str, speakers: &[&str]) -> TrainingProvenance {
        TrainingProvenance {
            corpus: corpus.into(),
            train_speakers: speakers.iter().map(|s| s.to_string()).collect(),
            val_speakers: Vec::new(),
            seed: 0,
            epochs: 1,
            best_epoch: 1,
            val_accuracy: None,
            val_uar: None,
            recipe: None,
            label_scheme: None,
        }
    }

    fn utterance(corpus: &str, speaker: &str) -> Utterance {
        Utterance {
            path: "x.wav".into(),
            label: "angry".into(),
            speaker: speaker.into(),
            gender: None,
            corpus: corpus.into(),
        }
    }

    #[test]
    fn speakers_match_within_their_corpus_only() {
        let single = provenance("ravdess", &["01", "02"]);
        assert!(trained_on(&single, &utterance("ravdess", "01")));
        assert!(trained_on(&single, &utterance("ravdess", "ravdess:02")));
        assert!(!trained_on(&single, &utterance("ravdess", "19")));
        assert!(!trained_on(&single, &utterance("mine", "01")));
        let joint = provenance("ravdess+turev16k", &["ravdess:01", "turev16k:1157"]);
        assert!(trained_on(&joint, &utterance("ravdess", "01")));
        assert!(trained_on(&joint, &utterance("turev16k", "turev16k:1157")));
        assert!(!trained_on(&joint, &utterance("turev16k", "01")));
    }
}
