//! The recording level is not a cue: the bundled model gives the same probabilities (within
//! 0.02) for a clip scaled by any gain from -30 dB to +12 dB that does not clip, on generated
//! signals, espeak-ng speech fixtures and, when `EMOVOX_DATA` points at RAVDESS, real clips of
//! held-out actors 19-20. Nor is a constant offset (a cheap converter's DC): the bundled model
//! removes each clip's mean first.

#[path = "../../../tests/support/corpus_env.rs"]
mod corpus_env;
#[path = "../../../tests/support/speech.rs"]
mod speech;
use std::path::Path;

use emovox::Classifier;

const RATE: u32 = 16_000;
/// The largest change of any probability allowed under a gain.
const TOLERANCE: f32 = 0.02;

/// Gains every 1.5 dB from -30 to +12 dB, plus a few off the grid.
fn gains_db() -> Vec<f32> {
    let mut gains: Vec<f32> = (0..=28).map(|i| -30.0 + 1.5 * i as f32).collect();
    gains.extend([-27.3, -13.7, -0.4, 0.7, 5.9, 11.2]);
    gains
}

/// The largest probability change of `clip` over every gain that keeps its peak below 1.
fn worst_change(classifier: &Classifier, clip: &[f32]) -> (f32, f32) {
    let reference = classifier.probabilities(clip, RATE).unwrap();
    let peak = clip.iter().fold(0f32, |m, s| m.max(s.abs()));
    let mut worst = (0.0f32, 0.0f32);
    for db in gains_db() {
        let gain = 10f32.powf(db / 20.0);
        if peak * gain >= 1.0 {
            continue;
        }
        let scaled: Vec<f32> = clip.iter().map(|s| s * gain).collect();
        let change = largest_change(
            &reference,
            &classifier.probabilities(&scaled, RATE).unwrap(),
        );
        if change > worst.0 {
            worst = (change, db);
        }
    }
    worst
}

/// The largest difference between two probability vectors.
fn largest_change(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max)
}

/// The espeak-ng sentence fixture `n` (16 kHz).
fn espeak_sentence(n: u32) -> Vec<f32> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/fixtures/espeak_sentence{n}.wav"));
    let audio = emovox_audio::read_wav(path).unwrap();
    assert_eq!(audio.sample_rate, RATE);
    audio.samples
}

fn check(classifier: &Classifier, name: &str, clip: &[f32]) {
    let (change, db) = worst_change(classifier, clip);
    assert!(
        change <= TOLERANCE,
        "{name}: a gain of {db} dB moved a probability by {change:.4}"
    );
}

#[test]
fn generated_signals_get_the_same_probabilities_at_any_level() {
    let classifier = Classifier::bundled().unwrap();
    for (k, (f0, level)) in [(110.0, 0.3), (220.0, 0.05), (180.0, 0.6)]
        .iter()
        .enumerate()
    {
        let clip = speech::synthetic_speech(2.5, *f0, *level, k as u32 + 1, RATE);
        check(&classifier, &format!("synthetic {f0} Hz"), &clip);
    }
}

#[test]
fn espeak_speech_gets_the_same_probabilities_at_any_level() {
    let classifier = Classifier::bundled().unwrap();
    for n in 1..=3 {
        check(
            &classifier,
            &format!("espeak sentence {n}"),
            &espeak_sentence(n),
        );
    }
}

#[test]
fn a_dc_offset_changes_no_probability() {
    let classifier = Classifier::bundled().unwrap();
    for n in 1..=3 {
        let clip = espeak_sentence(n);
        let reference = classifier.probabilities(&clip, RATE).unwrap();
        let peak = clip.iter().fold(0f32, |m, s| m.max(s.abs()));
        for offset in [-0.2f32, -0.02, 0.001, 0.01, 0.1] {
            if peak + offset.abs() >= 1.0 {
                continue;
            }
            let shifted: Vec<f32> = clip.iter().map(|s| s + offset).collect();
            let change = largest_change(
                &reference,
                &classifier.probabilities(&shifted, RATE).unwrap(),
            );
            assert!(
                change <= 1e-3,
                "espeak sentence {n}: an offset of {offset} moved a probability by {change:.4}"
            );
        }
    }
}

#[test]
fn ravdess_clips_get_the_same_probabilities_at_any_level() {
    let Some(root) = corpus_env::data_dir("EMOVOX_DATA", "RAVDESS clips at 35 gains") else {
        return;
    };
    let classifier = Classifier::bundled().unwrap();
    let mut checked = 0;
    for actor in ["19", "20"] {
        let files = speech::actor_clips(Path::new(&root), actor);
        // Every 6th clip: all eight emotions, both statements.
        for path in files.iter().step_by(6) {
            let audio = emovox_audio::read_wav(path).unwrap();
            check(&classifier, &path.display().to_string(), &audio.samples);
            checked += 1;
        }
        // And the actor's quietest clip, which -30 dB brings nearest the silence floor.
        let quietest = files
            .iter()
            .map(|path| {
                (
                    loudest_20ms_db(&emovox_audio::read_wav(path).unwrap().samples),
                    path,
                )
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap();
        let audio = emovox_audio::read_wav(quietest.1).unwrap();
        check(
            &classifier,
            &quietest.1.display().to_string(),
            &audio.samples,
        );
        checked += 1;
    }
    assert_eq!(checked, 22);
}

/// The level of a clip's loudest 20 ms (mean square), in dBFS.
fn loudest_20ms_db(samples: &[f32]) -> f32 {
    let loudest = samples
        .chunks(RATE as usize / 50)
        .map(|frame| frame.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / frame.len() as f64)
        .fold(0.0, f64::max);
    (10.0 * loudest.log10()) as f32
}
