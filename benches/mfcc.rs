//! MFCC throughput, speech preset (16 kHz, n_fft 512, win 400, hop 160, 40 mels, 40 MFCC).
//!
//! - `mfcc_speech/single_10s`: one 10 s clip on one thread.
//! - `mfcc_speech/batch_1000x10s`: 1,000 such clips spread over all cores with rayon.
//!
//! Throughput is reported in frames (1,001 frames per 10 s clip); x real time = frames/s / 100.
//! Compare with librosa on the same machine: `python3 scripts/librosa_mfcc_bench.py`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use emovox_features::{Mfcc, MfccConfig};
use rayon::prelude::*;

/// A deterministic speech-like test signal: two drifting tones plus pseudo-random noise.
fn clip(seconds: f32, seed: u32) -> Vec<f32> {
    let n = (16_000.0 * seconds) as usize;
    let mut state = seed.wrapping_mul(747_796_405).wrapping_add(2_891_336_453);
    (0..n)
        .map(|i| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
            let t = i as f32 / 16_000.0;
            0.4 * (2.0 * std::f32::consts::PI * 220.0 * t).sin()
                + 0.2 * (2.0 * std::f32::consts::PI * (300.0 + 150.0 * t) * t).sin()
                + 0.05 * noise
        })
        .collect()
}

fn bench_mfcc(c: &mut Criterion) {
    let mfcc = Mfcc::new(MfccConfig::speech()).expect("speech preset is valid");
    let single = clip(10.0, 1);
    let frames_per_clip = mfcc.log_mel().frames_for(single.len()) as u64;

    let mut group = c.benchmark_group("mfcc_speech");
    group.throughput(Throughput::Elements(frames_per_clip));
    group.bench_function("single_10s", |b| b.iter(|| mfcc.compute(&single).unwrap()));

    let batch: Vec<Vec<f32>> = (0..1_000).map(|i| clip(10.0, i)).collect();
    group.throughput(Throughput::Elements(frames_per_clip * batch.len() as u64));
    group.sample_size(10);
    group.bench_function("batch_1000x10s", |b| {
        b.iter(|| {
            batch
                .par_iter()
                .map(|y| mfcc.compute(y).unwrap().ncols())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Plots need system fonts, which the CI machine does not have; the figures are printed.
    config = Criterion::default().without_plots();
    targets = bench_mfcc
}
criterion_main!(benches);
