//! A build without the `amr` feature (no opencore-amr on the system): AMR files, alone or
//! inside 3GP, are refused with an error that says the feature is what is missing. `.ci/run`
//! runs this file with every default feature but `amr`; with `amr` on it holds no test.
#![cfg(not(feature = "amr"))]

mod common;

use common::fixture;
use emovox_audio::{read_audio, AudioError};

#[test]
fn amr_files_name_the_missing_feature() {
    for name in ["speech8k_122k.amr", "speech16k_2385k.awb"] {
        match read_audio(fixture(name)) {
            Err(AudioError::UnsupportedFormat(what)) => {
                assert!(
                    what.contains("AMR") && what.contains("feature"),
                    "{name}: {what}"
                )
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn amr_in_3gp_names_the_missing_feature() {
    match read_audio(fixture("speech8k_122k.3gp")) {
        Err(AudioError::UnsupportedCodec(what)) => {
            assert!(what.contains("`amr` feature"), "{what}")
        }
        other => panic!("{other:?}"),
    }
}
