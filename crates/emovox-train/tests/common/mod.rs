//! Fixture helpers shared by the corpus and protocol tests: tiny generated WAV files in
//! per-process temporary folders (no corpus audio is ever committed).

use std::path::{Path, PathBuf};

use emovox_features::{FeatureKind, FeatureSpec, MelConfig};
use emovox_train::{Example, FeatureDataset};
use ndarray::Array3;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Writes a 50 ms 16 kHz mono tone to `path`, creating its folders.
#[allow(dead_code)] // not every test file that includes this module writes tones
pub fn tiny_wav(path: &Path) {
    write_wav(
        path,
        (0..800).map(|i| (i as f32 * 0.07).sin() * 6000.0 / 32767.0),
    );
}

/// Writes `samples` as a 16 kHz 16-bit mono WAV file, creating its folders.
#[allow(dead_code)] // not every test file that includes this module writes audio
pub fn write_wav(path: &Path, samples: impl Iterator<Item = f32>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for s in samples {
        writer.write_sample((s * 32767.0).round() as i16).unwrap();
    }
    writer.finalize().unwrap();
}

/// Feature bins of the synthetic examples.
#[allow(dead_code)]
pub const BINS: usize = 12;
/// Labels of the synthetic examples: a band of energy low, in the middle or high.
#[allow(dead_code)]
pub const LABELS: [&str; 3] = ["low", "mid", "high"];

/// The feature specification of the synthetic examples: [`BINS`] log-mel bands, nothing else.
#[allow(dead_code)]
pub fn spec() -> FeatureSpec {
    FeatureSpec {
        kind: FeatureKind::LogMel(MelConfig::speech_with_mels(BINS)),
        delta_orders: 0,
        delta_width: 9,
        utterance_norm: false,
        pitch: None,
        preprocessing: Default::default(),
    }
}

/// A clip of class `label`: a band centred at 2 + 4 * label, moving by up to one bin,
/// in dB-like units over Gaussian-ish noise; random length.
#[allow(dead_code)]
pub fn band_clip(label: usize, speaker: usize, corpus: &str, rng: &mut ChaCha8Rng) -> Example {
    let frames = rng.gen_range(24..48);
    let centre = 2.0 + 4.0 * label as f32 + rng.gen_range(-1.0..1.0);
    let level = rng.gen_range(-5.0..5.0);
    let features = Array3::from_shape_fn((1, BINS, frames), |(_, b, t)| {
        let wobble = (t as f32 * 0.3).sin();
        let d = b as f32 - centre - wobble;
        -40.0 + level + 25.0 * (-d * d / 2.0).exp() + rng.gen_range(-6.0..6.0)
    });
    Example {
        features,
        label,
        speaker: format!("{speaker:02}"),
        corpus: corpus.into(),
        path: format!("{corpus}/{speaker}-{label}.wav").into(),
        waveform: None,
    }
}

/// [`band_clip`]s of `speakers` of corpus `corpus`, `per_class` of each label of `labels`
/// (indices into [`LABELS`]), drawn from `seed`.
#[allow(dead_code)]
pub fn band_dataset(
    speakers: std::ops::Range<usize>,
    labels: &[usize],
    per_class: usize,
    corpus: &str,
    seed: u64,
) -> FeatureDataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut examples = Vec::new();
    for speaker in speakers {
        for &label in labels {
            for _ in 0..per_class {
                examples.push(band_clip(label, speaker, corpus, &mut rng));
            }
        }
    }
    FeatureDataset::new(LABELS.iter().map(|s| s.to_string()).collect(), examples).unwrap()
}

/// A fresh, empty folder unique to this test process and `name`.
#[allow(dead_code)] // not every test file that includes this module makes folders
pub fn fixture_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("emovox-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
