//! Streaming a file in chunks gives the same samples as decoding it whole.

use std::path::Path;

use emovox_audio::{open_wav_stream, read_wav};

#[test]
fn chunks_concatenate_to_the_whole_file() {
    for name in ["pcm24_stereo", "ulaw_mono", "alaw_stereo"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(format!("{name}.wav"));
        let whole = read_wav(&path).unwrap();
        let mut stream = open_wav_stream(&path, 128).unwrap();
        assert_eq!(stream.sample_rate(), whole.sample_rate, "{name}");
        assert_eq!(stream.total_samples(), whole.samples.len(), "{name}");
        let mut joined = Vec::new();
        let mut chunk = Vec::new();
        while stream.read_chunk(&mut chunk).unwrap() {
            assert!(chunk.len() <= 128 && !chunk.is_empty(), "{name}");
            joined.extend_from_slice(&chunk);
        }
        assert_eq!(joined, whole.samples, "{name}");
        // The any-format stream reads it the same way.
        let any: Vec<f32> = emovox_audio::open_audio_stream(&path, 100)
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
            .concat();
        assert_eq!(any, whole.samples, "{name}");
    }
}

#[test]
fn streaming_a_missing_file_is_an_error() {
    assert!(open_wav_stream("/no/such/file.wav", 1024).is_err());
}

#[test]
fn a_long_file_streams_in_bounded_chunks() {
    // 60 s of 16 kHz stereo noise-like PCM written to a temporary file, streamed 4000 at a time.
    let path = std::env::temp_dir().join(format!("emovox-audio-long-{}.wav", std::process::id()));
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let frames = 60 * 16_000;
    let mut writer = hound::WavWriter::create(&path, spec).unwrap();
    let mut state = 12345u32;
    for _ in 0..frames * 2 {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        writer.write_sample((state >> 16) as i16).unwrap();
    }
    writer.finalize().unwrap();
    let stream = open_wav_stream(&path, 4_000).unwrap();
    assert_eq!(stream.total_samples(), frames);
    let mut total = 0;
    let mut chunks = 0;
    for chunk in stream {
        let chunk = chunk.unwrap();
        assert!(chunk.len() <= 4_000 && !chunk.is_empty());
        assert!(chunk.iter().all(|s| (-1.0..1.0).contains(s)));
        total += chunk.len();
        chunks += 1;
    }
    assert_eq!(total, frames);
    assert_eq!(chunks, frames / 4_000);
    let whole = read_wav(&path).unwrap();
    assert_eq!(whole.samples.len(), frames);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn absurd_chunk_sizes_are_safe() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pcm16_3ch_extensible.wav");
    let whole = read_wav(&path).unwrap();
    let chunks: Vec<Vec<f32>> = open_wav_stream(&path, usize::MAX)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(chunks, vec![whole.samples.clone()]);
    let ones = open_wav_stream(&path, 0).unwrap().count();
    assert_eq!(ones, whole.samples.len());
}
