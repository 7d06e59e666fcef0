//! Fixture helpers shared by the corpus and protocol tests: tiny generated WAV files in
//! per-process temporary folders (no corpus audio is ever committed).

use std::path::{Path, PathBuf};

/// Writes a 50 ms 16 kHz mono tone to `path`, creating its folders.
#[allow(dead_code)] // not every test file that includes this module writes tones
pub fn tiny_wav(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..800 {
        writer
            .write_sample(((i as f32 * 0.07).sin() * 6000.0) as i16)
            .unwrap();
    }
    writer.finalize().unwrap();
}

/// A fresh, empty folder unique to this test process and `name`.
#[allow(dead_code)] // not every test file that includes this module makes folders
pub fn fixture_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("emovox-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
