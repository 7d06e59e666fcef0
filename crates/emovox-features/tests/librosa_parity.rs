//! Parity with librosa 0.11: every coefficient of every frame within 2e-3 absolute.
//!
//! The synthetic goldens are committed and always run; the RAVDESS-derived goldens are read from
//! `$EMOVOX_REFERENCE/librosa` when it is set (CI sets it).

mod common;

use std::path::Path;

use common::{load, max_abs_diff, shared_librosa_dir, synthetic_dir, Reference};
use emovox_features::{delta, LogMelSpectrogram, MelConfig, Mfcc, MfccConfig};

/// The tolerance the project promises on MFCC and log-mel values.
const TOLERANCE: f32 = 2e-3;

fn input(dir: &Path, name: &str) -> Vec<f32> {
    load(dir, name).array.iter().copied().collect()
}

fn check(label: &str, actual: &ndarray::Array2<f32>, expected: &Reference, tolerance: f32) {
    let values: Vec<f32> = actual.iter().copied().collect();
    let err = max_abs_diff(&values, actual.shape(), expected);
    println!("{label}: max abs error {err:.2e}");
    assert!(
        err <= tolerance,
        "{label}: max abs error {err} > {tolerance}"
    );
}

#[test]
fn synthetic_mfcc_speech_matches_librosa() {
    let dir = synthetic_dir();
    let y = input(&dir, "synth_input");
    let mfcc = Mfcc::new(MfccConfig::speech())
        .unwrap()
        .compute(&y)
        .unwrap();
    check(
        "synth_mfcc_speech",
        &mfcc,
        &load(&dir, "synth_mfcc_speech"),
        TOLERANCE,
    );
}

#[test]
fn synthetic_mfcc_default_matches_librosa() {
    let dir = synthetic_dir();
    let y = input(&dir, "synth_input");
    let mfcc = Mfcc::new(MfccConfig::librosa(16_000))
        .unwrap()
        .compute(&y)
        .unwrap();
    check(
        "synth_mfcc_default",
        &mfcc,
        &load(&dir, "synth_mfcc_default"),
        TOLERANCE,
    );
}

#[test]
fn synthetic_log_mel_matches_librosa() {
    let dir = synthetic_dir();
    let y = input(&dir, "synth_input");
    let log_mel = LogMelSpectrogram::new(MelConfig::speech())
        .unwrap()
        .compute(&y)
        .unwrap();
    check(
        "synth_logmel_speech_db",
        &log_mel,
        &load(&dir, "synth_logmel_speech_db"),
        TOLERANCE,
    );
}

#[test]
fn synthetic_lifter_matches_librosa() {
    let dir = synthetic_dir();
    let y = input(&dir, "synth_input");
    let config = MfccConfig {
        lifter: 22.0,
        ..MfccConfig::speech()
    };
    let mfcc = Mfcc::new(config).unwrap().compute(&y).unwrap();
    check(
        "synth_mfcc_speech_lifter22",
        &mfcc,
        &load(&dir, "synth_mfcc_speech_lifter22"),
        TOLERANCE,
    );
}

#[test]
fn synthetic_delta_matches_librosa() {
    let dir = synthetic_dir();
    // Delta of librosa's own MFCC, so this isolates the delta filter.
    let reference_mfcc = load(&dir, "synth_mfcc_speech")
        .array
        .into_dimensionality()
        .unwrap();
    let d = delta(&reference_mfcc, 9, 1).unwrap();
    check(
        "synth_delta_speech",
        &d,
        &load(&dir, "synth_delta_speech"),
        1e-4,
    );
}

#[test]
fn corpus_clips_match_librosa_in_both_settings() {
    let Some(dir) = shared_librosa_dir() else {
        return;
    };
    let speech = Mfcc::new(MfccConfig::speech()).unwrap();
    let default = Mfcc::new(MfccConfig::librosa(16_000)).unwrap();
    for clip in 1..=4 {
        let y = input(&dir, &format!("clip{clip}_input"));
        let name = format!("clip{clip}_mfcc_speech");
        check(
            &name,
            &speech.compute(&y).unwrap(),
            &load(&dir, &name),
            TOLERANCE,
        );
        let name = format!("clip{clip}_mfcc_default");
        check(
            &name,
            &default.compute(&y).unwrap(),
            &load(&dir, &name),
            TOLERANCE,
        );
    }
}

#[test]
fn corpus_clip_intermediate_steps_match_librosa() {
    let Some(dir) = shared_librosa_dir() else {
        return;
    };
    let y = input(&dir, "clip1_input");
    let log_mel = LogMelSpectrogram::new(MelConfig::speech()).unwrap();
    check(
        "clip1_speech_logmel_db",
        &log_mel.compute(&y).unwrap(),
        &load(&dir, "clip1_speech_logmel_db"),
        TOLERANCE,
    );

    // Power values span many decades: compare them relative to each reference value, as well as
    // absolutely.
    let relative = |label: &str, actual: &ndarray::Array2<f32>, expected: &Reference| {
        check(label, actual, expected, TOLERANCE);
        let worst = actual
            .iter()
            .zip(expected.array.iter())
            .map(|(a, e)| (a - e).abs() / (e.abs() + 1e-6))
            .fold(0.0f32, f32::max);
        println!("{label}: max relative error {worst:.2e}");
        assert!(worst < 1e-3, "{label}: relative error {worst}");
    };
    relative(
        "clip1_speech_power_spec",
        &log_mel.power_spectrogram().compute(&y).unwrap(),
        &load(&dir, "clip1_speech_power_spec"),
    );
    relative(
        "clip1_speech_mel_power",
        &log_mel.mel_power(&y).unwrap(),
        &load(&dir, "clip1_speech_mel_power"),
    );

    let filterbank = log_mel.filterbank().to_dense();
    check(
        "speech_mel_filterbank",
        &filterbank,
        &load(&dir, "speech_mel_filterbank"),
        1e-7,
    );
    let window =
        ndarray::Array2::from_shape_vec((1, 400), emovox_features::hann_periodic(400)).unwrap();
    let mut expected = load(&dir, "speech_hann_window_400");
    expected.array = expected
        .array
        .into_shape_with_order(ndarray::IxDyn(&[1, 400]))
        .unwrap();
    check("speech_hann_window_400", &window, &expected, 1e-7);
}
