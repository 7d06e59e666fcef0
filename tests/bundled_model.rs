//! The bundled model: it loads, describes itself, and (with EMOVOX_DATA pointing at the RAVDESS
//! folder) reaches its documented floor on the validation actors 19-20, which it never trained on.

#[path = "support/corpus_env.rs"]
mod corpus_env;
use emovox::Classifier;
use emovox_metrics::ConfusionMatrix;
use emovox_train::corpus::load_ravdess;
use emovox_train::protocol::SpeakerSet;
use rayon::prelude::*;

#[test]
fn bundled_model_describes_itself() {
    let classifier = Classifier::bundled().unwrap();
    let metadata = classifier.model().views()[0].metadata();
    assert_eq!(classifier.labels().len(), 8);
    assert_eq!(classifier.sample_rate(), 16_000);
    let training = metadata
        .training
        .as_ref()
        .expect("the bundled model records its training");
    assert_eq!(training.corpus, "ravdess");
    assert!(training.val_speakers.iter().all(|s| s == "19" || s == "20"));
    assert!(!training
        .train_speakers
        .iter()
        .any(|s| s == "19" || s == "20"));
}

#[test]
fn bundled_model_predicts_the_committed_speech_fixture() {
    let classifier = Classifier::bundled().unwrap();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/speech/kids_talking.wav"
    );
    let prediction = classifier.predict_file(fixture).unwrap();
    // The file path is the sample path: decoding then predicting gives the same answer.
    let audio = emovox_audio::read_audio(fixture).unwrap();
    let direct = classifier
        .predict(&audio.samples, audio.sample_rate)
        .unwrap();
    assert_eq!(prediction, direct);
    // The same speech at 44.1 kHz is resampled to the model's rate and says the same.
    let resampled = emovox_audio::resample(&audio.samples, audio.sample_rate, 44_100).unwrap();
    let at_44k = classifier.predict(&resampled, 44_100).unwrap();
    assert_eq!(at_44k.label, prediction.label);
    for ((_, a), (_, b)) in at_44k.probabilities.iter().zip(&prediction.probabilities) {
        assert!((a - b).abs() < 0.05, "{:?} vs {:?}", at_44k, prediction);
    }
    let total: f32 = prediction.probabilities.iter().map(|(_, p)| p).sum();
    assert!((total - 1.0).abs() < 1e-4);
}

#[test]
fn bundled_model_reaches_its_floor_on_unseen_actors() {
    let Some(root) = corpus_env::data_dir("EMOVOX_DATA", "the bundled model on actors 19-20")
    else {
        return;
    };
    let classifier = Classifier::bundled().unwrap();
    let corpus = load_ravdess(std::path::Path::new(&root)).unwrap();
    let clips = SpeakerSet::parse("19-20")
        .unwrap()
        .select(&corpus.utterances);
    assert_eq!(clips.len(), 120);
    let labels = classifier.labels().to_vec();
    let index = |label: &str| labels.iter().position(|l| l == label).unwrap();
    let pairs: Vec<(usize, usize)> = clips
        .par_iter()
        .map(|u| {
            (
                index(&u.label),
                index(&classifier.predict_file(&u.path).unwrap().label),
            )
        })
        .collect();
    let (truth, predicted): (Vec<usize>, Vec<usize>) = pairs.into_iter().unzip();
    let matrix = ConfusionMatrix::from_predictions(labels, &truth, &predicted).unwrap();
    println!(
        "bundled model on actors 19-20: accuracy {:.3}, UAR {:.3}",
        matrix.accuracy(),
        matrix.uar()
    );
    // Issue 5's floor for the bundled model is 0.60 (chance is 0.125; the README reports 0.680,
    // with the epoch selected on these actors).
    assert!(matrix.uar() >= 0.60, "UAR {}", matrix.uar());
}
