//! Resampling agrees with what Python users get: `librosa.load(path, sr=16000)` resamples with
//! soxr's "HQ" recipe (fixtures/resample/make.py made the references).

mod common;
use std::path::Path;

use emovox_audio::{read_wav, Resampler};

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/resample")
        .join(name)
}

/// Largest and RMS difference between emovox's resampling of `{name}{rate}.wav` to 16 kHz and
/// soxr HQ's (`{name}{rate}.soxr16k.f32`), away from the clip edges (where the two filters see
/// different amounts of the implicit silence).
fn difference_from_soxr(name: &str, rate: u32) -> (f32, f64) {
    let audio = read_wav(fixture(&format!("{name}{rate}.wav"))).unwrap();
    let soxr = common::read_f32(&fixture(&format!("{name}{rate}.soxr16k.f32")));
    let ours = Resampler::new(rate, 16_000)
        .unwrap()
        .process(&audio.samples)
        .unwrap();
    assert_eq!(ours.len(), soxr.len(), "{name}{rate}: length");
    let edge = 400;
    let middle = edge..ours.len() - edge;
    let worst = middle
        .clone()
        .map(|i| (ours[i] - soxr[i]).abs())
        .fold(0.0, f32::max);
    let rms = (middle
        .clone()
        .map(|i| f64::from(ours[i] - soxr[i]).powi(2))
        .sum::<f64>()
        / middle.len() as f64)
        .sqrt();
    eprintln!("{name} {rate} -> 16000 Hz: max |emovox - soxr| {worst:e}, rms {rms:e}");
    (worst, rms)
}

#[test]
fn resampling_to_16k_matches_soxr_hq() {
    // Signals of sines and a chirp up to 6 kHz (3 kHz at 8 kHz), peak 0.7: in the pass band,
    // where the two resamplers differ only by their filters' ripple and phase. Measured:
    // 3.6e-5 (44.1 kHz) and 3.0e-7 (8 kHz). Tolerance 1e-4 (-77 dB re peak).
    for rate in [44_100, 8_000] {
        let (worst, _) = difference_from_soxr("signal", rate);
        assert!(worst < 1e-4, "{rate} Hz: {worst}");
    }
}

#[test]
fn wideband_noise_resampled_to_16k_matches_soxr_hq() {
    // White noise (RMS 0.1) fills the transition band (7.3-8 kHz) and the stop band too, as
    // bright speech does: there the filters' shapes count. With a Kaiser-windowed sinc cut in
    // the middle of soxr's transition band, spanning 186 input samples per unit of the rate
    // ratio: 5.7e-4, 3.8e-4, 3.7e-4 at 22.05, 44.1 and 48 kHz (the squared Blackman-Harris sinc
    // over 256 samples cut at 0.95 used before: about 1e-2, RMS 3e-3). Tolerance 1e-3.
    for rate in [22_050, 44_100, 48_000] {
        let (worst, rms) = difference_from_soxr("noise", rate);
        assert!(worst < 1e-3 && rms < 3e-4, "{rate} Hz: {worst}, rms {rms}");
    }
}
