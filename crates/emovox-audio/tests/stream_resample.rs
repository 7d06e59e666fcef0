//! The chunked resampler gives the whole-signal resampler's output exactly, for any chunking.

use emovox_audio::{AudioError, Resampler, StreamResampler};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const RATES: [u32; 7] = [8_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000];

/// 1.1 s of two sines and noise at `rate`.
fn signal(rate: u32, rng: &mut ChaCha8Rng) -> Vec<f32> {
    let n = (1.1 * rate as f64) as usize;
    (0..n)
        .map(|i| {
            let t = i as f32 / rate as f32;
            0.4 * (2.0 * std::f32::consts::PI * 330.0 * t).sin()
                + 0.2 * (2.0 * std::f32::consts::PI * 2_900.0 * t).sin()
                + rng.gen_range(-0.05..0.05)
        })
        .collect()
}

/// Pushes `signal` in random chunks of 0..=max_chunk samples, then flushes.
fn chunked(
    stream: &mut StreamResampler,
    signal: &[f32],
    max_chunk: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<f32> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < signal.len() {
        let n = rng.gen_range(0..=max_chunk).min(signal.len() - at);
        let appended = stream.process_into(&signal[at..at + n], &mut out).unwrap();
        assert!(appended <= out.len());
        at += n;
    }
    stream.flush(&mut out).unwrap();
    out
}

#[test]
fn any_chunking_at_any_common_rate_equals_the_whole_signal_path() {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    for from in RATES {
        for to in [16_000, 48_000] {
            let x = signal(from, &mut rng);
            let whole = Resampler::new(from, to).unwrap().process(&x).unwrap();
            let mut stream = StreamResampler::new(from, to).unwrap();
            for max_chunk in [1, 37, 2_000, 100_000] {
                let out = chunked(&mut stream, &x, max_chunk, &mut rng);
                // Tolerance 0: the same rubato calls on the same input blocks.
                assert_eq!(
                    out.len(),
                    whole.len(),
                    "{from} -> {to}, chunks <= {max_chunk}"
                );
                assert_eq!(out, whole, "{from} -> {to}, chunks <= {max_chunk}");
            }
        }
    }
}

#[test]
fn short_and_empty_streams() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut stream = StreamResampler::new(44_100, 16_000).unwrap();
    let mut out = Vec::new();
    assert_eq!(stream.flush(&mut out).unwrap(), 0);
    for len in [1, 2, 3, 100, 1_023, 1_024, 1_025, 4_410] {
        let x: Vec<f32> = (0..len).map(|_| rng.gen_range(-0.5..0.5)).collect();
        let whole = Resampler::new(44_100, 16_000).unwrap().process(&x).unwrap();
        let out = chunked(&mut stream, &x, 300, &mut rng);
        assert_eq!(out, whole, "{len} samples");
    }
}

#[test]
fn the_output_keeps_up_with_the_input() {
    // After 1 s pushed in 10 ms chunks, all but the filter delay and one rubato chunk is out.
    let mut stream = StreamResampler::new(48_000, 16_000).unwrap();
    let mut out = Vec::new();
    let x = vec![0.1f32; 48_000];
    for chunk in x.chunks(480) {
        stream.process_into(chunk, &mut out).unwrap();
    }
    assert_eq!(stream.samples_in(), 48_000);
    assert!(out.len() > 16_000 - (1_024 + 128) / 3 - 1, "{}", out.len());
    assert_eq!(stream.samples_out(), out.len() as u64);
    stream.flush(&mut out).unwrap();
    assert_eq!(out.len(), 16_000);
}

#[test]
fn equal_rates_copy_and_bad_input_is_an_error() {
    let mut same = StreamResampler::new(16_000, 16_000).unwrap();
    let mut out = Vec::new();
    same.process_into(&[0.1, 0.2], &mut out).unwrap();
    same.process_into(&[0.3], &mut out).unwrap();
    assert_eq!(same.flush(&mut out).unwrap(), 0);
    assert_eq!(out, [0.1, 0.2, 0.3]);

    let mut stream = StreamResampler::new(22_050, 16_000).unwrap();
    stream.process_into(&[0.0; 10], &mut out).unwrap();
    let err = stream.process_into(&[0.0, f32::NAN], &mut out).unwrap_err();
    assert!(
        matches!(err, AudioError::NonFiniteSample { index: 11 }),
        "{err:?}"
    );
    assert!(matches!(
        StreamResampler::new(0, 16_000),
        Err(AudioError::SampleRate(0))
    ));
}
