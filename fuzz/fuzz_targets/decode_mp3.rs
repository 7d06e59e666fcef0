//! Arbitrary MP3 (with or without an ID3v2 tag) bytes fed to `emovox_audio::decode_audio` and, in small chunks, to
//! `AudioStream`: each must return samples or a typed error, never panic (a panic inside
//! symphonia is a crash too, but for the known ones `common.rs` lists), abort or allocate without bound. Inputs of another format are skipped, to keep the fuzzer on this container.
#![no_main]

use emovox_audio::AudioFormat;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if !(data.starts_with(b"ID3")
        || matches!(emovox_audio::detect_format(data), Some(AudioFormat::Mp3)))
    {
        return;
    }
    common::check_decoders(data);
});
