//! Arbitrary AMR-NB and AMR-WB files (`#!AMR`, `#!AMR-WB`: emovox's reader, `crates/emovox-audio/src/amr.rs`, and opencore-amr's C decoders) fed to `emovox_audio::decode_audio` and, in small chunks, to
//! `AudioStream`: each must return samples or a typed error, never panic, abort or allocate
//! without bound. (The system's C decoders are not instrumented: what keeps them inside the
//! frame is the zeroed buffer larger than any frame that emovox hands them.) Inputs of another
//! format are skipped, to keep the fuzzer on this format.
#![no_main]

use emovox_audio::AudioFormat;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if !(matches!(emovox_audio::detect_format(data), Some(AudioFormat::Amr))) {
        return;
    }
    common::check_decoders(data);
});
