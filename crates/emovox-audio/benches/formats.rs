//! Decoding plus resampling to 16 kHz of a 3-minute 44.1 kHz stereo MP3, as the timeline streams
//! it: [`emovox_audio::AudioStream`] chunks into a [`emovox_audio::StreamResampler`].
//!
//! The MP3 is made at bench time without an encoder: the audio frames of the committed fixture
//! `tests/fixtures/formats/stereo44k_128k.mp3` (128 kbps libmp3lame, tones and pink noise)
//! repeated to 180 s. For every format against `ffmpeg -i f -f f32le -ar 16000 -`, timed the
//! same way on one core, see `scripts/bench_formats.sh` and the crate README.
//!
//! Measured (`cargo bench -p emovox-audio --bench formats`, release, one core of the 2-core
//! machine while another process trained on the other): see the README's table.

#[path = "../tests/common/mp3.rs"]
mod mp3;

use std::io::Cursor;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use emovox_audio::{AudioStream, StreamResampler};

fn decode_and_resample(bytes: &[u8]) -> usize {
    let mut stream = AudioStream::from_reader(Cursor::new(bytes.to_vec()), 65_536).unwrap();
    let mut resampler = StreamResampler::new(stream.sample_rate(), 16_000).unwrap();
    let (mut chunk, mut out) = (Vec::new(), Vec::with_capacity(1 << 16));
    let mut total = 0;
    while stream.read_chunk(&mut chunk).unwrap() {
        resampler.process_into(&chunk, &mut out).unwrap();
        total += out.len();
        out.clear();
    }
    total + resampler.flush(&mut out).unwrap()
}

fn bench(c: &mut Criterion) {
    let fixture = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/formats/stereo44k_128k.mp3"),
    )
    .unwrap();
    let mp3 = mp3::long_mp3(&fixture, 180.0, 44_100.0);
    assert!(decode_and_resample(&mp3) >= 180 * 16_000);
    let mut group = c.benchmark_group("formats");
    group.sample_size(10);
    // One element = one second of audio: criterion's "elem/s" is the real-time factor.
    group.throughput(Throughput::Elements(180));
    group.bench_function("mp3 180 s 44.1 kHz stereo -> 16 kHz mono", |b| {
        b.iter(|| decode_and_resample(&mp3))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
