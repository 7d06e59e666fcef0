//! Resampling keeps frequency and level; trimming finds speech as librosa does.

use std::path::Path;

use emovox_audio::{read_wav, resample, trim_silence, Resampler};

/// Frequency of a sine by counting upward zero crossings over the steady middle part.
fn frequency(samples: &[f32], rate: u32) -> f64 {
    let middle = &samples[samples.len() / 10..samples.len() * 9 / 10];
    let crossings: Vec<usize> = (1..middle.len())
        .filter(|&i| middle[i - 1] < 0.0 && middle[i] >= 0.0)
        .collect();
    let periods = (crossings.len() - 1) as f64;
    periods * rate as f64 / (crossings[crossings.len() - 1] - crossings[0]) as f64
}

fn rms(samples: &[f32]) -> f64 {
    let middle = &samples[samples.len() / 10..samples.len() * 9 / 10];
    (middle.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / middle.len() as f64).sqrt()
}

#[test]
fn a_resampled_sine_keeps_its_frequency_and_level() {
    // Tolerances: frequency within 0.1 %, RMS level within 0.1 dB.
    for from in [8_000u32, 22_050, 44_100, 48_000] {
        let tone_hz = 1_000.0;
        let seconds = 1.5;
        let n = (from as f64 * seconds) as usize;
        let sine: Vec<f32> = (0..n)
            .map(|i| {
                (0.5 * (2.0 * std::f64::consts::PI * tone_hz * i as f64 / from as f64).sin()) as f32
            })
            .collect();
        let out = resample(&sine, from, 16_000).unwrap();
        assert_eq!(
            out.len(),
            (n as f64 * 16_000.0 / from as f64).round() as usize,
            "{from}"
        );
        let f = frequency(&out, 16_000);
        assert!(
            (f - tone_hz).abs() / tone_hz < 1e-3,
            "{from} Hz: frequency {f}"
        );
        let level_db = 20.0 * (rms(&out) / rms(&sine)).log10();
        assert!(
            level_db.abs() < 0.1,
            "{from} Hz: level change {level_db} dB"
        );
    }
}

#[test]
fn resampled_output_is_aligned_with_the_input() {
    // An impulse in the middle stays in the middle: the filter delay is removed.
    for from in [8_000u32, 22_050, 44_100, 48_000] {
        let mut clip = vec![0.0f32; from as usize];
        clip[from as usize / 2] = 1.0;
        let out = Resampler::new(from, 16_000)
            .unwrap()
            .process(&clip)
            .unwrap();
        let peak = out
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .unwrap()
            .0;
        assert!(
            (peak as i64 - 8_000).abs() <= 1,
            "{from} Hz: peak at {peak}"
        );
    }
}

#[test]
fn a_resampler_is_reusable_and_equal_rates_copy() {
    let mut resampler = Resampler::new(44_100, 16_000).unwrap();
    let clip: Vec<f32> = (0..44_100).map(|i| (i as f32 * 0.01).sin()).collect();
    let first = resampler.process(&clip).unwrap();
    assert_eq!(resampler.process(&clip).unwrap(), first);
    assert_eq!(resample(&clip, 16_000, 16_000).unwrap(), clip);
}

#[test]
fn trimming_matches_librosa() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    // Silence, a tone at -40 dB, a loud burst, a tail at -70 dB, silence: each threshold keeps
    // a different part, as librosa.effects.trim does (fixtures/generate.py).
    let audio = read_wav(dir.join("trim_levels.wav")).unwrap();
    for top_db in [20.0f32, 30.0, 60.0, 80.0] {
        let key = format!("top_db_{top_db}");
        let expected = &manifest["trim_levels"][&key];
        let range = trim_silence(&audio.samples, top_db);
        assert_eq!(range.start as u64, expected[0].as_u64().unwrap(), "{key}");
        assert_eq!(range.end as u64, expected[1].as_u64().unwrap(), "{key}");
    }
    assert_eq!(
        trim_silence(&[0.0; 5000], 60.0),
        0..5000,
        "librosa keeps an all-zero signal"
    );
    assert_eq!(trim_silence(&[], 60.0), 0..0);
}

#[test]
fn a_resampled_sine_matches_the_sine_sampled_at_the_new_rate() {
    // Sample-by-sample agreement with the ideal output (away from the clip edges) shows there is
    // no leftover filter delay: a delay of one output sample would give errors near 0.04 here.
    for from in [8_000u32, 22_050, 44_100, 48_000] {
        let tone = |rate: u32, i: usize| {
            0.5 * (2.0 * std::f64::consts::PI * 100.0 * i as f64 / rate as f64).sin()
        };
        let sine: Vec<f32> = (0..from as usize).map(|i| tone(from, i) as f32).collect();
        let out = resample(&sine, from, 16_000).unwrap();
        let worst = (1_000..15_000)
            .map(|i| (out[i] as f64 - tone(16_000, i)).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-3, "{from} Hz: max deviation {worst}");
    }
}

#[test]
fn resampling_refuses_non_finite_samples() {
    let mut clip = vec![0.0f32; 1000];
    clip[10] = f32::NAN;
    assert!(matches!(
        resample(&clip, 48_000, 16_000),
        Err(emovox_audio::AudioError::NonFiniteSample { index: 10 })
    ));
    assert_eq!(resample(&[], 48_000, 16_000).unwrap(), Vec::<f32>::new());
}
