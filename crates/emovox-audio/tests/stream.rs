//! Streaming a file in chunks gives the same samples as decoding it whole.

use std::path::Path;

use emovox_audio::{open_wav_stream, read_wav};

#[test]
fn chunks_concatenate_to_the_whole_file() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pcm24_stereo.wav");
    let whole = read_wav(&path).unwrap();
    let mut stream = open_wav_stream(&path, 128).unwrap();
    assert_eq!(stream.sample_rate(), whole.sample_rate);
    assert_eq!(stream.total_samples(), whole.samples.len());
    let mut joined = Vec::new();
    let mut chunk = Vec::new();
    while stream.read_chunk(&mut chunk).unwrap() {
        assert!(chunk.len() <= 128);
        joined.extend_from_slice(&chunk);
    }
    assert_eq!(joined, whole.samples);
}

#[test]
fn streaming_a_missing_file_is_an_error() {
    assert!(open_wav_stream("/no/such/file.wav", 1024).is_err());
}
