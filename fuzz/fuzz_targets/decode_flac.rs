//! Arbitrary FLAC bytes fed to `emovox_audio::decode_audio` and, in small chunks, to
//! `AudioStream`: each must return samples or a typed error, never panic (symphonia's own
//! panics, which emovox catches, are logged: `common.rs`), abort or allocate without bound. Inputs of another format are skipped, to keep the fuzzer on this container.
#![no_main]

use emovox_audio::AudioFormat;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::tolerate_symphonia_panics();
    if !(matches!(emovox_audio::detect_format(data), Some(AudioFormat::Flac))) {
        return;
    }
    if let Ok(audio) = emovox_audio::decode_audio(std::io::Cursor::new(data.to_vec())) {
        // Whatever decodes must satisfy the crate's own guarantees.
        assert!(!audio.samples.is_empty());
        assert!(audio.samples.iter().all(|s| s.is_finite()));
        assert!(emovox_audio::validate_sample_rate(audio.sample_rate).is_ok());
    }
    if let Ok(mut stream) =
        emovox_audio::AudioStream::from_reader(std::io::Cursor::new(data.to_vec()), 997)
    {
        let mut chunk = Vec::new();
        while let Ok(true) = stream.read_chunk(&mut chunk) {
            assert!(!chunk.is_empty() && chunk.len() <= 997);
        }
    }
});
