//! Arbitrary WebM (Matroska, Opus inside) bytes fed to `emovox_audio::decode_audio` and, in
//! small chunks, to `AudioStream`: each must return samples or a typed error, never panic,
//! abort or allocate without bound (emovox's own EBML demuxer checks every declared size
//! before it reads: `crates/emovox-audio/src/webm.rs`). Inputs of another format are skipped,
//! to keep the fuzzer on this container.
#![no_main]

use emovox_audio::AudioFormat;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if emovox_audio::detect_format(data) != Some(AudioFormat::WebM) {
        return;
    }
    common::check_decoders(data);
});
