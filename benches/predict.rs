//! Prediction latency of the bundled model: one 4 s clip, feature extraction included, on one
//! core (run with `RAYON_NUM_THREADS=1` to pin candle's matmuls to one thread as well).
//!
//! - `predict_4s_clip`: `Classifier::predict`, features and network;
//! - `features_4s_clip`: the features of the four views as the classifier computes them (one
//!   shared `FrontEnd`, caller-owned buffers); the network's share is the difference;
//! - `features_4s_clip_per_view`: the same features from four independent, allocating
//!   `FeaturePipeline::compute` calls (how they were computed before the front end);
//! - `assess_4s_clip`: the clip's recording quality (`QualityAnalyzer::analyze`, the analyzer
//!   reused), what a prediction costs more when its concerns are asked for too.
//!
//! `RAYON_NUM_THREADS=1 cargo bench --bench predict`; compare with librosa's MFCC of a 4 s clip:
//! `python3 scripts/librosa_mfcc_bench.py --clip-seconds 4`, or, both timed in turn in one
//! process so that a change in the machine's speed hits both alike,
//! `python examples/python/bench.py --only predict` (needs the emovox Python package).

use criterion::{criterion_group, criterion_main, Criterion};
use emovox::Classifier;
use emovox_features::{FeaturePipeline, FeatureScratch, FeatureSpec, FrontEnd};

/// A deterministic 4 s speech-like signal at 16 kHz (a gliding harmonic tone with noise).
fn clip() -> Vec<f32> {
    let mut state = 12345u32;
    (0..64_000)
        .map(|i| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let t = i as f32 / 16_000.0;
            let pitch = 150.0 + 40.0 * (2.0 * t).sin();
            let voiced: f32 = (1..6)
                .map(|h| (2.0 * std::f32::consts::PI * pitch * h as f32 * t).sin() / h as f32)
                .sum();
            0.2 * voiced + 0.01 * ((state >> 8) as f32 / (1u32 << 24) as f32 - 0.5)
        })
        .collect()
}

fn bench_predict(c: &mut Criterion) {
    let classifier = Classifier::bundled().expect("the bundled model loads");
    let samples = clip();
    c.bench_function("predict_4s_clip", |b| {
        b.iter(|| classifier.predict(&samples, 16_000).unwrap())
    });
    let mut analyzer = emovox::audio::QualityAnalyzer::new(16_000).unwrap();
    c.bench_function("assess_4s_clip", |b| {
        b.iter(|| analyzer.analyze(&samples).unwrap())
    });
    let specs: Vec<FeatureSpec> = classifier
        .model()
        .views()
        .iter()
        .map(|view| view.metadata().features.clone())
        .collect();
    // What the classifier computes: the views' shared front end, buffers reused.
    let front_end = FrontEnd::new(specs.clone()).unwrap();
    let mut scratch = FeatureScratch::new();
    let mut views = Vec::new();
    c.bench_function("features_4s_clip", |b| {
        b.iter(|| {
            front_end
                .compute_into(&samples, 16_000, &mut scratch, &mut views)
                .unwrap()
        })
    });
    // Each view on its own, allocating: what the classifier computed before the front end.
    let pipelines: Vec<_> = specs
        .into_iter()
        .map(FeaturePipeline::new)
        .collect::<Result<_, _>>()
        .unwrap();
    c.bench_function("features_4s_clip_per_view", |b| {
        b.iter(|| {
            pipelines
                .iter()
                .map(|p| p.compute(&samples, 16_000).unwrap())
                .collect::<Vec<_>>()
        })
    });
}

criterion_group! {
    name = benches;
    // Plots need system fonts, which the CI machine does not have; the figures are printed.
    config = Criterion::default().without_plots();
    targets = bench_predict
}
criterion_main!(benches);
