//! Decoded samples equal `librosa.load(path, sr=None)` for every supported encoding.
//!
//! Fixtures were written with soundfile and decoded by librosa 0.11 (see `fixtures/manifest.json`).

mod common;
#[path = "../../../tests/support/corpus_env.rs"]
mod corpus_env;
use std::path::{Path, PathBuf};

use emovox_audio::{decode_wav, read_wav};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn every_encoding_decodes_exactly_as_librosa() {
    for name in [
        "pcm_u8_mono",
        "pcm16_mono",
        "pcm24_stereo",
        "pcm32_mono",
        "float32_stereo",
        "pcm16_3ch_extensible",
        "ulaw_mono",
        "alaw_stereo",
        "ulaw_stereo_extensible",
    ] {
        let audio = read_wav(fixture(&format!("{name}.wav"))).unwrap();
        let expected = common::read_f32(&fixture(&format!("{name}.librosa.f32")));
        assert_eq!(audio.sample_rate, 8000, "{name}");
        assert_eq!(audio.samples.len(), expected.len(), "{name}");
        // Bit-exact: same scaling constants and the same f32 channel mean as numpy.
        assert_eq!(audio.samples, expected, "{name}");
    }
}

#[test]
fn decoding_from_memory_equals_decoding_the_file() {
    let path = fixture("pcm24_stereo.wav");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        decode_wav(std::io::Cursor::new(bytes)).unwrap(),
        read_wav(&path).unwrap()
    );
}

#[test]
fn corpus_clip_decodes_bit_exactly_as_librosa() {
    let Some(reference) = corpus_env::data_dir("EMOVOX_REFERENCE", "the corpus decoding check")
    else {
        return;
    };
    let librosa = reference.join("librosa");
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(librosa.join("clip1_input.json")).unwrap()).unwrap();
    let wav = reference
        .join("../datasets/ravdess16k")
        .join(meta["input_file"].as_str().unwrap());
    let audio = read_wav(&wav).unwrap();
    assert_eq!(audio.sample_rate, 16_000);
    assert_eq!(
        audio.samples,
        common::read_f32(&librosa.join("clip1_input.f32"))
    );
}
