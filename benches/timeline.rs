//! Overhead of the emotion timeline around the model: voice activity detection, windowing,
//! window copies and smoothing, over 10 minutes of 16 kHz audio (speech-like bursts and pauses).
//!
//! The classifier is a stand-in that does no work (constant probabilities), so the figures are
//! the timeline's own cost; the real model's per-window cost adds on top.
//!
//! - `timeline_10min/vad`: [`Vad::detect`] alone.
//! - `timeline_10min/predict_segments`: the whole-recording path (2 s windows, 0.5 s hop).
//! - `timeline_10min/stream_30ms_chunks`: [`SegmentStream`] fed 480-sample (30 ms) chunks.
//!
//! - `timeline_bundled_1min/predict_segments`: the whole-recording path with the bundled
//!   model over 1 minute (the windows of equal length go through one batched forward pass per
//!   [`SegmentConfig::batch_size`] windows).
//!
//! Throughput is in samples; x real time = samples/s / 16,000.

use std::convert::Infallible;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use emovox::timeline::{predict_segments, SegmentConfig, SegmentStream, Vad, WindowClassifier};

const RATE: u32 = 16_000;

/// A classifier doing no work: the timeline's overhead is what is left to measure.
struct Constant(Vec<String>);

impl WindowClassifier for Constant {
    type Error = Infallible;
    fn sample_rate(&self) -> u32 {
        RATE
    }
    fn labels(&self) -> &[String] {
        &self.0
    }
    fn probabilities(&self, window: &[f32]) -> Result<Vec<f32>, Infallible> {
        let p = if window[0] > 0.0 { 0.7 } else { 0.3 };
        Ok(vec![p, 1.0 - p])
    }
}

/// 3 s speech-like bursts (a 4 Hz-modulated harmonic tone) separated by 1 s pauses, over
/// low noise.
fn recording(seconds: usize) -> Vec<f32> {
    let mut state = 1u32;
    (0..seconds * RATE as usize)
        .map(|i| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = 1e-3 * ((state >> 8) as f32 / (1u32 << 24) as f32 - 0.5);
            let t = i as f32 / RATE as f32;
            let voiced = (t % 4.0) < 3.0;
            let tau = std::f32::consts::TAU;
            let envelope = 0.6 + 0.4 * (tau * 4.0 * t).sin();
            let tone = 0.3 * (tau * 180.0 * t).sin() + 0.1 * (tau * 540.0 * t).sin();
            noise + if voiced { envelope * tone } else { 0.0 }
        })
        .collect()
}

fn bench_timeline(c: &mut Criterion) {
    let samples = recording(600);
    let classifier = Constant(vec!["a".into(), "b".into()]);
    let config = SegmentConfig::default();
    let vad = Vad::new(&config.vad, RATE).expect("default VAD config is valid");

    let mut group = c.benchmark_group("timeline_10min");
    group.sample_size(10);
    group.throughput(Throughput::Elements(samples.len() as u64));
    group.bench_function("vad", |b| b.iter(|| vad.detect(&samples)));
    group.bench_function("predict_segments", |b| {
        b.iter(|| predict_segments(&classifier, &samples, RATE, &config).expect("timeline"))
    });
    group.bench_function("stream_30ms_chunks", |b| {
        b.iter(|| {
            let mut stream = SegmentStream::new(&classifier, RATE, &config).expect("stream");
            let mut windows = Vec::new();
            for chunk in samples.chunks(480) {
                windows.extend(stream.push(chunk).expect("push"));
            }
            windows.extend(stream.finish().expect("finish"));
            windows
        })
    });
    group.finish();
}

fn bench_bundled_timeline(c: &mut Criterion) {
    let samples = recording(60);
    let classifier = emovox::Classifier::bundled().expect("the bundled model loads");
    let config = SegmentConfig::default();
    let mut group = c.benchmark_group("timeline_bundled_1min");
    group.sample_size(10);
    group.throughput(Throughput::Elements(samples.len() as u64));
    group.bench_function("predict_segments", |b| {
        b.iter(|| predict_segments(&classifier, &samples, RATE, &config).expect("timeline"))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Plots need system fonts, which the CI machine does not have; the figures are printed.
    config = Criterion::default().without_plots();
    targets = bench_timeline, bench_bundled_timeline
}
criterion_main!(benches);
