//! What `Classifier` says of clips at odd rates and lengths, and of files in a batch.

use emovox::features::FeatureError;
use emovox::{Classifier, Error};

/// `n` samples of a 220 Hz tone at `rate` Hz.
fn tone(n: usize, rate: u32) -> Vec<f32> {
    (0..n)
        .map(|i| 0.3 * (std::f32::consts::TAU * 220.0 * i as f32 / rate as f32).sin())
        .collect()
}

fn fixture(n: usize) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/fixtures/espeak_sentence{n}.wav"))
}

#[test]
fn a_clip_too_short_is_told_in_the_samples_and_rate_it_was_given_at() {
    let classifier = Classifier::bundled().unwrap();
    let rate = classifier.sample_rate();
    assert_eq!(
        classifier.min_samples_at(rate).unwrap(),
        classifier.min_samples()
    );
    for given in [1_000u32, 8_000, 22_050, 44_100, 48_000, 768_000] {
        let shortest = classifier.min_samples_at(given).unwrap();
        // The fewest samples that resample to the model's shortest clip, to the sample.
        let resampled = |n: usize| emovox::audio::resample(&tone(n, given), given, rate).unwrap();
        assert!(
            resampled(shortest).len() >= classifier.min_samples(),
            "{given} Hz"
        );
        assert!(
            resampled(shortest - 1).len() < classifier.min_samples(),
            "{given} Hz"
        );
        assert!(
            classifier.predict(&tone(shortest, given), given).is_ok(),
            "{given} Hz"
        );
        for samples in [1, shortest - 1] {
            // Was "the signal has 16 samples, shorter than one frame of 1280 samples" for one
            // sample at 1 kHz: the resampled count, not the caller's.
            match classifier.predict(&tone(samples, given), given) {
                Err(Error::Features(FeatureError::TooShort { samples: s, frame })) => {
                    assert_eq!((s, frame), (samples, shortest), "{given} Hz");
                }
                other => panic!("{given} Hz, {samples} samples: {other:?}"),
            }
        }
    }
    assert!(matches!(
        classifier.min_samples_at(0),
        Err(Error::Audio(emovox::audio::AudioError::SampleRate(0)))
    ));
}

#[test]
fn files_are_predicted_together_each_with_its_own_result() {
    let classifier = Classifier::bundled().unwrap();
    let missing = std::env::temp_dir().join("emovox_no_such_file.wav");
    let not_audio = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let paths = [fixture(1), missing, fixture(2), not_audio, fixture(3)];
    let results = classifier.predict_files(&paths);
    assert_eq!(results.len(), paths.len());
    for (path, result) in paths.iter().zip(&results) {
        match classifier.predict_file(path) {
            Ok(alone) => assert_eq!(result.as_ref().unwrap(), &alone, "{path:?}"),
            Err(alone) => assert_eq!(
                result.as_ref().unwrap_err().to_string(),
                alone.to_string(),
                "{path:?}"
            ),
        }
    }
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 3);
    assert!(classifier.predict_files::<&str>(&[]).is_empty());
}
