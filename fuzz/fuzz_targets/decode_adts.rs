//! Arbitrary raw AAC in ADTS frames (symphonia's `AdtsReader`, the frame headers followed first by `header_checks.rs` `inspect_adts`) bytes fed to `emovox_audio::decode_audio` and, in small chunks, to
//! `AudioStream`: each must return samples or a typed error, never panic, abort or allocate
//! without bound. Unlike the older targets, a panic inside symphonia is a crash here too
//! (emovox catches it, but the project counts it as a defect to prevent before symphonia sees
//! the bytes). Inputs of another format are skipped, to keep the fuzzer on this format.
#![no_main]

use emovox_audio::AudioFormat;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if !(matches!(emovox_audio::detect_format(data), Some(AudioFormat::Adts))) {
        return;
    }
    common::check_decoders(data);
});
