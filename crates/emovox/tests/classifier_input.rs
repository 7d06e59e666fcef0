//! What `Classifier` says of clips at odd rates and lengths, and of files in a batch.

use emovox::audio::{read_audio, Channels};
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

#[test]
fn files_are_predicted_channel_by_channel_as_asked() {
    let classifier = Classifier::bundled().unwrap();
    // A stereo file: one sentence left, another right.
    let (left, right) = (
        read_audio(fixture(1)).unwrap(),
        read_audio(fixture(2)).unwrap(),
    );
    assert_eq!(left.sample_rate, right.sample_rate);
    let rate = left.sample_rate;
    let (left, right) = (left.samples, right.samples);
    let frames = left.len().min(right.len());
    let stereo = std::env::temp_dir().join(format!("emovox_stereo_{}.wav", std::process::id()));
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(&stereo, spec).unwrap();
    for i in 0..frames {
        writer.write_sample(left[i]).unwrap();
        writer.write_sample(right[i]).unwrap();
    }
    writer.finalize().unwrap();
    let paths = [stereo.clone(), fixture(3)];
    for channels in [Channels::Average, Channels::Only(0), Channels::Only(1)] {
        let results = classifier.predict_files_with(&paths, channels);
        for (path, result) in paths.iter().zip(&results) {
            match classifier.predict_file_with(path, channels) {
                Ok(alone) => assert_eq!(result.as_ref().unwrap(), &alone, "{path:?}"),
                Err(alone) => {
                    assert_eq!(result.as_ref().unwrap_err().to_string(), alone.to_string())
                }
            }
        }
    }
    // The mono file has no channel 1: its own error; the stereo file's right channel is the
    // right sentence alone.
    let results = classifier.predict_files_with(&paths, Channels::Only(1));
    assert!(results[1].is_err());
    let right_alone = classifier.predict(&right[..frames], rate).unwrap();
    assert_eq!(results[0].as_ref().unwrap(), &right_alone);
    std::fs::remove_file(&stereo).ok();
}

#[test]
fn a_classifier_survives_a_panic_caught_while_it_was_in_use() {
    // Compiles only while `Classifier` is `UnwindSafe` and `RefUnwindSafe` (what
    // `catch_unwind` asks of what a closure captures), without `AssertUnwindSafe`.
    fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>(_: &T) {}
    let classifier = Classifier::bundled().unwrap();
    unwind_safe(&classifier);
    let clip = read_audio(fixture(1)).unwrap();
    let before = classifier.predict(&clip.samples, clip.sample_rate).unwrap();
    let caught = std::panic::catch_unwind(|| {
        let during = classifier.predict(&clip.samples, clip.sample_rate);
        assert!(during.is_ok());
        panic!("the caller's own panic, the classifier borrowed");
    });
    assert!(caught.is_err());
    let after = classifier.predict(&clip.samples, clip.sample_rate).unwrap();
    assert_eq!(before, after);
}
