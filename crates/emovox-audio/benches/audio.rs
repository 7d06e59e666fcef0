//! Speed of the audio front end: decoding a 3 s clip from memory and resampling it to 16 kHz.

use std::io::Cursor;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use emovox_audio::{decode_wav, trim_silence, Resampler};

/// A 3 s 16-bit mono tone at `rate`, as WAV bytes.
fn tone_wav(rate: u32) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut bytes = Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut bytes, spec).unwrap();
    for i in 0..3 * rate {
        let phase = 2.0 * std::f32::consts::PI * 440.0 * i as f32 / rate as f32;
        writer.write_sample((8_000.0 * phase.sin()) as i16).unwrap();
    }
    writer.finalize().unwrap();
    bytes.into_inner()
}

fn bench(c: &mut Criterion) {
    let wav = tone_wav(16_000);
    c.bench_function("decode_wav 3 s 16 kHz", |b| {
        b.iter(|| decode_wav(Cursor::new(black_box(&wav))).unwrap())
    });
    for from in [44_100u32, 48_000] {
        let clip = decode_wav(Cursor::new(tone_wav(from))).unwrap().samples;
        let mut resampler = Resampler::new(from, 16_000).unwrap();
        c.bench_function(&format!("resample 3 s {from} -> 16000"), |b| {
            b.iter(|| resampler.process(black_box(&clip)).unwrap())
        });
    }
    let clip = decode_wav(Cursor::new(wav)).unwrap().samples;
    c.bench_function("trim_silence 3 s", |b| {
        b.iter(|| trim_silence(black_box(&clip), 60.0))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
