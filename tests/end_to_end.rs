//! End to end on a tiny generated corpus: WAV files -> features -> training -> one model file ->
//! `Classifier::load` -> predictions, in seconds. Three "emotions" differ by pitch and timbre.

use std::path::{Path, PathBuf};

use emovox::audio::degrade::{parse_conditions, Condition};
use emovox::Classifier;
use emovox_features::{FeatureKind, FeaturePipeline, FeatureSpec, MelConfig, MfccConfig};
use emovox_model::{ModelConfig, MultiViewModel, PoolingKind};
use emovox_train::corpus::{Gender, Utterance};
use emovox_train::{
    calibrate, calibrate_under, extract_dataset, train, train_views, AugmentConfig, ExtractConfig,
    FeatureDataset, LrSchedule, TrainConfig, TrainOptions, ViewsDataset, WaveAugmentConfig,
};

const LABELS: [&str; 3] = ["calm", "happy", "angry"];
const RATE: u32 = 16_000;

/// A 0.8 s harmonic tone whose pitch and brightness depend on the class, with random jitter.
fn clip(class: usize, variant: u32) -> Vec<f32> {
    let mut state = 0x9e37_79b9u32
        .wrapping_mul(variant + 1)
        .wrapping_add(class as u32 * 7919);
    let mut random = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state as f32 / u32::MAX as f32
    };
    let pitch = [140.0, 260.0, 420.0][class] * (0.9 + 0.2 * random());
    let harmonics = [2, 5, 9][class];
    let level = 0.2 + 0.2 * random();
    (0..(0.8 * RATE as f32) as usize)
        .map(|i| {
            let t = i as f32 / RATE as f32;
            let tone: f32 = (1..=harmonics)
                .map(|h| (2.0 * std::f32::consts::PI * pitch * h as f32 * t).sin() / h as f32)
                .sum();
            level * tone * (3.0 * t).sin().abs().max(0.3) + 0.01 * (random() - 0.5)
        })
        .collect()
}

fn write_wav(path: &Path, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        writer
            .write_sample((s.clamp(-1.0, 1.0) * 32767.0) as i16)
            .unwrap();
    }
    writer.finalize().unwrap();
}

/// Writes `per_class` clips of each class for each speaker and returns their utterances.
fn corpus(dir: &Path, speakers: std::ops::Range<u32>, per_class: u32) -> Vec<Utterance> {
    let mut utterances = Vec::new();
    for speaker in speakers {
        for (class, label) in LABELS.iter().enumerate() {
            for k in 0..per_class {
                let path = dir.join(format!("{speaker:02}_{label}_{k}.wav"));
                write_wav(&path, &clip(class, speaker * 100 + k));
                utterances.push(Utterance {
                    path,
                    label: label.to_string(),
                    speaker: format!("{speaker:02}"),
                    gender: Some(if speaker % 2 == 1 {
                        Gender::Male
                    } else {
                        Gender::Female
                    }),
                    corpus: "generated".into(),
                });
            }
        }
    }
    utterances
}

fn spec() -> FeatureSpec {
    FeatureSpec {
        kind: FeatureKind::Mfcc(MfccConfig {
            mel: MelConfig::speech_with_mels(32),
            n_mfcc: 20,
            lifter: 0.0,
        }),
        delta_orders: 0,
        delta_width: 9,
        utterance_norm: false,
        pitch: None,
        preprocessing: Default::default(),
    }
}

fn small_recipe() -> TrainConfig {
    TrainConfig {
        features: spec(),
        model: ModelConfig {
            block_channels: vec![16, 16],
            kernel_size: 3,
            head_hidden: 16,
            dropout: 0.1,
            pooling: PoolingKind::MeanStd,
            ..ModelConfig::default()
        },
        epochs: 8,
        batch_size: 8,
        learning_rate: 3e-3,
        schedule: LrSchedule::Cosine {
            warmup_fraction: 0.1,
            final_fraction: 0.1,
        },
        crop_frames: 40,
        // Stored-feature crops (SpecAugment only): these tests are about the file round trip.
        augment: AugmentConfig::default(),
        seed: 7,
        ..TrainConfig::default()
    }
}

/// Generated training (speakers 1-4), validation (5) and held-out test (6-7) data in `dir`.
struct GeneratedData {
    train_set: FeatureDataset,
    val_set: FeatureDataset,
    test_utts: Vec<Utterance>,
    labels: Vec<String>,
}

fn generated_data(dir: &Path, keep_waveforms: bool) -> GeneratedData {
    std::fs::create_dir_all(dir).unwrap();
    let train_utts = corpus(dir, 1..5, 4);
    let val_utts = corpus(dir, 5..6, 4);
    let test_utts = corpus(dir, 6..8, 3);
    let labels: Vec<String> = LABELS.iter().map(|s| s.to_string()).collect();
    let pipeline = FeaturePipeline::new(spec()).unwrap();
    let extract = ExtractConfig { keep_waveforms };
    let (train_set, skipped) = extract_dataset(&train_utts, &labels, &pipeline, &extract).unwrap();
    assert!(skipped.is_empty());
    let (val_set, _) = extract_dataset(&val_utts, &labels, &pipeline, &extract).unwrap();
    GeneratedData {
        train_set,
        val_set,
        test_utts,
        labels,
    }
}

/// Accuracy of `classifier` on `utts` through the public file API.
fn file_accuracy(classifier: &Classifier, utts: &[Utterance]) -> f64 {
    let correct = utts
        .iter()
        .filter(|u| classifier.predict_file(&u.path).unwrap().label == u.label)
        .count();
    correct as f64 / utts.len() as f64
}

fn quiet() -> TrainOptions {
    TrainOptions {
        log_path: None,
        corpus: "generated".into(),
        ..TrainOptions::default()
    }
}

#[test]
fn train_save_load_and_predict_on_generated_speech() {
    let dir: PathBuf = std::env::temp_dir().join(format!("emovox-e2e-{}", std::process::id()));
    let GeneratedData {
        train_set,
        val_set,
        test_utts,
        labels,
    } = generated_data(&dir, false);
    let outcome = train(&small_recipe(), &train_set, &val_set, &quiet()).unwrap();

    let model_path = dir.join("model.safetensors");
    outcome.model.save(&model_path).unwrap();
    // Onto a device given as a parameter (the CPU here: the machines have no GPU).
    let classifier = Classifier::load_on(&model_path, &candle_core::Device::Cpu).unwrap();
    assert_eq!(classifier.labels(), labels.as_slice());
    assert_eq!(classifier.sample_rate(), RATE);

    // Held-out speakers, through the public file API: far above chance (1/3).
    let accuracy = file_accuracy(&classifier, &test_utts);
    assert!(accuracy >= 0.8, "held-out accuracy {accuracy}");

    // Probabilities are a distribution; batch and single predictions agree, and a bad clip
    // in a batch is its own error while the others are still predicted.
    let mut clips: Vec<Vec<f32>> = (0..3).map(|c| clip(c, 999)).collect();
    clips.insert(1, vec![f32::NAN; 8_000]);
    clips.insert(3, Vec::new());
    let batch = classifier.predict_batch(&clips, RATE);
    assert_eq!(batch.len(), 5);
    assert!(
        matches!(batch[1], Err(emovox::Error::Audio(_))),
        "{:?}",
        batch[1]
    );
    assert!(batch[3].is_err());
    for (clip, from_batch) in clips.iter().zip(&batch).filter(|(_, b)| b.is_ok()) {
        let from_batch = from_batch.as_ref().unwrap();
        let single = classifier.predict(clip, RATE).unwrap();
        assert_eq!(single.label, from_batch.label);
        // The batch goes through one forward pass: the same sums, possibly in another order.
        for ((a, p), (b, q)) in single.probabilities.iter().zip(&from_batch.probabilities) {
            assert!(a == b && (p - q).abs() < 1e-5, "{a} {p} vs {b} {q}");
        }
        let sum: f32 = single.probabilities.iter().map(|(_, p)| p).sum();
        assert!((sum - 1.0).abs() < 1e-4);
        assert_eq!(
            single.confidence,
            single
                .probabilities
                .iter()
                .map(|(_, p)| *p)
                .fold(0.0, f32::max)
        );
    }
    // Another sample rate is resampled, not refused.
    let resampled = emovox_audio::resample(&clips[0], RATE, 44_100).unwrap();
    assert_eq!(
        classifier.predict(&resampled, 44_100).unwrap().label,
        batch[0].as_ref().unwrap().label
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn waveform_augmented_ensemble_trains_on_generated_speech() {
    let dir: PathBuf = std::env::temp_dir().join(format!("emovox-e2e-wave-{}", std::process::id()));
    let data = generated_data(&dir, true);
    let recipe = TrainConfig {
        model: ModelConfig {
            members: 2,
            ..small_recipe().model
        },
        augment: AugmentConfig {
            wave: WaveAugmentConfig {
                speed: 0.1,
                gain_db: 6.0,
                noise_prob: 0.5,
                noise_snr_db: (10.0, 30.0),
                conditions: None,
            },
            ..AugmentConfig::default()
        },
        ..small_recipe()
    };
    let outcome = train(&recipe, &data.train_set, &data.val_set, &quiet()).unwrap();
    assert_eq!(outcome.model.networks().len(), 2);
    let classifier = Classifier::from_model(outcome.model).unwrap();
    let accuracy = file_accuracy(&classifier, &data.test_utts);
    assert!(accuracy >= 0.8, "held-out accuracy {accuracy}");

    // Waveform augmentation needs the waveforms: a clear error without them.
    let without = generated_data(&dir, false);
    let err = train(&recipe, &without.train_set, &without.val_set, &quiet()).unwrap_err();
    assert!(err.to_string().contains("keep_waveforms"), "{err}");
    assert!(data.labels == without.labels);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_is_a_clear_error() {
    let classifier = Classifier::bundled().unwrap();
    assert!(matches!(
        classifier.predict(&[], 16_000),
        Err(emovox::Error::Audio(_))
    ));
    assert!(matches!(
        classifier.predict(&[0.0, f32::NAN, 0.0], 16_000),
        Err(emovox::Error::Audio(_))
    ));
    assert!(matches!(
        classifier.predict(&[0.1; 16_000], 0),
        Err(emovox::Error::Audio(_))
    ));
    assert!(matches!(
        classifier.predict(&[0.1; 16_000], 50_000_000),
        Err(emovox::Error::Audio(_))
    ));
    assert!(
        classifier.predict(&[0.1; 100], 16_000).is_err(),
        "shorter than one frame"
    );
    assert!(matches!(
        classifier.predict_file("/no/such.wav"),
        Err(emovox::Error::Audio(_))
    ));
    assert!(Classifier::load("/no/such/model.safetensors").is_err());
}

#[test]
fn silence_is_refused_not_named_an_emotion() {
    let classifier = Classifier::bundled().unwrap();
    let tone = |rms_db: f32, len: usize| -> Vec<f32> {
        // A 1 kHz sine whose mean square over any 20 ms (20 whole periods) is `rms_db` dBFS.
        let amplitude = 10f32.powf(rms_db / 20.0) * std::f32::consts::SQRT_2;
        (0..len)
            .map(|i| amplitude * (std::f32::consts::TAU * 1_000.0 * i as f32 / 16_000.0).sin())
            .collect()
    };
    let silent = |result: Result<emovox::Prediction, emovox::Error>| match result {
        Err(emovox::Error::Silent { loudest_db }) => Some(loudest_db),
        _ => None,
    };
    // Digital silence, and one-step dither of 16-bit audio (about -92 dBFS).
    let zeros = vec![0.0f32; 32_000];
    assert_eq!(
        silent(classifier.predict(&zeros, 16_000)),
        Some(f32::NEG_INFINITY)
    );
    let dither: Vec<f32> = (0..32_000u32)
        .map(|i| [1.0f32, -1.0, 0.0][(i.wrapping_mul(2_654_435_761) >> 30) as usize % 3] / 32_768.0)
        .collect();
    let level = silent(classifier.predict(&dither, 16_000)).expect("dither is silent");
    assert!((-100.0..-85.0).contains(&level), "{level}");
    let error = classifier.predict(&zeros, 16_000).unwrap_err().to_string();
    assert!(error.contains("silent") && error.contains("-90"), "{error}");
    // The floor is the loudest 20 ms against emovox::SILENCE_LEVEL_DB (-90 dBFS), at any rate.
    assert_eq!(emovox::SILENCE_LEVEL_DB, -90.0);
    let below = silent(classifier.predict(&tone(-91.0, 32_000), 16_000)).expect("-91 dBFS");
    assert!((below + 91.0).abs() < 0.05, "{below}");
    assert!(classifier.predict(&tone(-89.0, 32_000), 16_000).is_ok());
    // Too short is said before silent (a clip shorter than 20 ms has no loudest 20 ms): the
    // shortest clip classified is `min_samples`, one sample less is a feature error.
    let min = classifier.min_samples();
    assert!(min > 1 && min < 16_000, "{min}");
    assert!(classifier.predict(&tone(-30.0, min), 16_000).is_ok());
    for short in [vec![1.0f32], vec![0.0; min - 1], tone(-30.0, min - 1)] {
        let error = classifier.predict(&short, 16_000).unwrap_err();
        assert!(
            matches!(error, emovox::Error::Features(_)) && error.to_string().contains("frame"),
            "{error}"
        );
    }
    let mut quiet_then_silent = tone(-89.0, 3_200);
    quiet_then_silent.extend(&zeros);
    assert!(classifier.predict(&quiet_then_silent, 16_000).is_ok());
    // A constant offset carries no sound: alone (or with dither) it is silence, under a tone
    // it does not change the tone's level.
    for offset in [0.05f32, -0.3] {
        let constant = vec![offset; 16_000];
        assert!(
            silent(classifier.predict(&constant, 16_000)).is_some(),
            "{offset}"
        );
        let dithered: Vec<f32> = dither.iter().map(|s| s + offset).collect();
        assert!(
            silent(classifier.predict(&dithered, 16_000)).is_some(),
            "{offset}"
        );
        let shifted: Vec<f32> = tone(-89.0, 32_000).iter().map(|s| s + offset).collect();
        assert!(classifier.predict(&shifted, 16_000).is_ok(), "{offset}");
    }
    // In a batch the silent clip is its own error.
    let clips = vec![tone(-30.0, 32_000), zeros.clone(), tone(-60.0, 32_000)];
    let batch = classifier.predict_batch(&clips, 16_000);
    assert!(batch[0].is_ok() && batch[2].is_ok());
    assert!(matches!(batch[1], Err(emovox::Error::Silent { .. })));
}

#[test]
fn timeline_settings_are_checked_against_the_model() {
    use emovox::timeline::TimelineError;
    let classifier = Classifier::bundled().unwrap();
    let shortest = classifier.min_samples() as f64 / f64::from(classifier.sample_rate());
    // The shortest audio classified follows a window under the default second, down to the
    // model's shortest clip, and stays at the default for longer windows.
    let config = classifier.segment_config(2.0, 0.5).unwrap();
    assert_eq!((config.window_seconds, config.hop_seconds), (2.0, 0.5));
    assert_eq!(config.min_window_seconds, 1.0);
    assert_eq!(
        classifier
            .segment_config(0.5, 0.25)
            .unwrap()
            .min_window_seconds,
        0.5
    );
    let at_least = classifier.segment_config(0.1, 0.1).unwrap();
    assert!(at_least.min_window_samples(RATE).unwrap() >= classifier.min_samples());
    match classifier.segment_config(0.05, 0.05) {
        Err(TimelineError::WindowTooShort {
            window_seconds,
            min_seconds,
        }) => assert_eq!((window_seconds, min_seconds), (0.05, shortest)),
        other => panic!("{other:?}"),
    }
    for (window, hop) in [(2.0, 3.0), (f64::NAN, 0.5), (0.0, 0.5), (1e10, 0.5)] {
        let result = classifier.segment_config(window, hop);
        assert!(
            matches!(result, Err(TimelineError::Config(_))),
            "{window} {hop}: {result:?}"
        );
    }
}

#[test]
fn classifier_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Classifier>();
}

#[test]
fn two_feature_views_train_save_load_and_predict_together() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("emovox-e2e-views-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (train_utts, val_utts) = (corpus(&dir, 1..5, 4), corpus(&dir, 5..6, 4));
    let test_utts = corpus(&dir, 6..8, 3);
    let labels: Vec<String> = LABELS.iter().map(|s| s.to_string()).collect();
    let log_mel = FeatureSpec {
        kind: FeatureKind::LogMel(MelConfig::speech_with_mels(24)),
        pitch: Some(emovox_features::PitchConfig::speech()),
        ..spec()
    };
    let recipe = TrainConfig {
        extra_views: vec![log_mel],
        ..small_recipe()
    };
    let extract = ExtractConfig::default();
    let specs = recipe.view_features();
    let (train_set, _) = ViewsDataset::extract(&train_utts, &labels, &specs, &extract).unwrap();
    let (val_set, _) = ViewsDataset::extract(&val_utts, &labels, &specs, &extract).unwrap();
    let outcome = train_views(&recipe, &train_set, &val_set, &quiet()).unwrap();
    let path = dir.join("two-views.safetensors");
    outcome.model.save(&path).unwrap();

    let classifier = Classifier::load(&path).unwrap();
    assert_eq!(classifier.model().views().len(), 2);
    let accuracy = file_accuracy(&classifier, &test_utts);
    assert!(accuracy >= 0.8, "held-out accuracy {accuracy}");
    // The classifier averages what each view alone says.
    let singles: Vec<Classifier> = MultiViewModel::load(&path)
        .unwrap()
        .into_views()
        .into_iter()
        .map(|view| Classifier::from_model(view).unwrap())
        .collect();
    let samples = clip(1, 555);
    let both = classifier.probabilities(&samples, RATE).unwrap();
    let alone: Vec<Vec<f32>> = singles
        .iter()
        .map(|c| c.probabilities(&samples, RATE).unwrap())
        .collect();
    // ... calibrated by the temperature the recipe fitted on the validation clips, at the
    // views' mean novelty (every trained view carries the density of its training clips).
    let mean: Vec<f32> = (0..both.len())
        .map(|i| (alone[0][i] + alone[1][i]) / 2.0)
        .collect();
    let novelty: Vec<f32> = singles
        .iter()
        .map(|c| {
            c.predict(&samples, RATE)
                .unwrap()
                .novelty
                .expect("a density")
        })
        .collect();
    let novelty = (novelty[0] + novelty[1]) / 2.0;
    assert_eq!(
        classifier.predict(&samples, RATE).unwrap().novelty,
        Some(novelty)
    );
    let calibration = classifier
        .model()
        .calibration()
        .expect("the recipe calibrates");
    for (p, q) in both.iter().zip(calibration.apply(&mean, Some(novelty))) {
        assert!((p - q).abs() < 1e-5);
    }
    // The single-model API refuses the two-view file with a clear error.
    let err = emovox_model::EmotionModel::load(&path).unwrap_err();
    assert!(err.to_string().contains("2 feature views"), "{err}");
    calibrates_under_conditions(&path, &val_utts, &val_set);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `calibrate_under` on the audio as recorded is `calibrate` on the extracted features; under
/// conditions it scores every clip under each (babble from the one speaker's own clips), fits
/// another calibration and says what it was fitted under; files it cannot use are reported.
fn calibrates_under_conditions(path: &Path, utts: &[Utterance], val: &ViewsDataset) {
    let model = || MultiViewModel::load(path).unwrap();
    let clean = [("clean".to_string(), Condition::Clean)];
    let (expected, probabilities) = calibrate(model(), val).unwrap();
    let recorded = calibrate_under(model(), utts, &clean, 1).unwrap();
    let calibration = recorded.model.calibration().unwrap();
    assert_eq!(
        calibration.temperature,
        expected.calibration().unwrap().temperature
    );
    assert_eq!(
        calibration.novelty_slope,
        expected.calibration().unwrap().novelty_slope
    );
    assert_eq!(calibration.fitted_under, ["clean"]);
    assert_eq!(recorded.probabilities, probabilities);
    assert!(recorded.skipped.is_empty());

    let mut with_bad = utts.to_vec();
    with_bad.push(Utterance {
        path: "no/such/file.wav".into(),
        ..utts[0].clone()
    });
    with_bad.push(Utterance {
        label: "bored".into(),
        ..utts[0].clone()
    });
    let conditions = parse_conditions(&["clean", "white:5", "babble:5"]).unwrap();
    let noisy = calibrate_under(model(), &with_bad, &conditions, 1).unwrap();
    assert_eq!(noisy.truth.len(), 3 * utts.len());
    assert_eq!(noisy.probabilities.len(), noisy.truth.len());
    assert_eq!(
        noisy.truth[..utts.len()],
        noisy.truth[utts.len()..2 * utts.len()]
    );
    let fitted = noisy.model.calibration().unwrap();
    assert_eq!(fitted.fitted_under, ["clean", "white:5", "babble:5"]);
    assert_eq!(fitted.fitted_on, calibration.fitted_on);
    // The noisy copies were scored as noisy (not the clean clips again).
    let n = utts.len();
    assert_ne!(noisy.probabilities[n..2 * n], noisy.probabilities[..n]);
    assert_ne!(noisy.probabilities[2 * n..], noisy.probabilities[n..2 * n]);
    assert_eq!(noisy.skipped.len(), 2, "{:?}", noisy.skipped);
    assert!(noisy.skipped[1].reason.contains("`bored`"));
    // Nothing to fit on, or no condition, is an error.
    assert!(calibrate_under(model(), &with_bad[utts.len()..], &conditions, 1).is_err());
    assert!(calibrate_under(model(), utts, &[], 1).is_err());
}
