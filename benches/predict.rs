//! Prediction latency of the bundled model: one 4 s clip, feature extraction included, on one
//! core (run with `RAYON_NUM_THREADS=1` to pin candle's matmuls to one thread as well).
//!
//! `cargo bench --bench predict`

use criterion::{criterion_group, criterion_main, Criterion};
use emovox::Classifier;

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
    let pipelines: Vec<_> = classifier
        .model()
        .views()
        .iter()
        .map(|view| emovox_features::FeaturePipeline::new(view.metadata().features.clone()))
        .collect::<Result<_, _>>()
        .unwrap();
    c.bench_function("features_4s_clip", |b| {
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
