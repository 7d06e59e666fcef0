//! Reading librosa reference arrays: raw little-endian f32 plus a JSON sidecar with the shape.

#[path = "../../../../tests/support/corpus_env.rs"]
mod corpus_env;
use std::path::{Path, PathBuf};

use ndarray::{ArrayD, IxDyn};

/// A reference array.
pub struct Reference {
    pub array: ArrayD<f32>,
}

/// Loads `NAME.f32` with the shape given in `NAME.json`.
pub fn load(dir: &Path, name: &str) -> Reference {
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join(format!("{name}.json"))).unwrap()).unwrap();
    let shape: Vec<usize> = meta["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let bytes = std::fs::read(dir.join(format!("{name}.f32"))).unwrap();
    let values: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Reference {
        array: ArrayD::from_shape_vec(IxDyn(&shape), values).unwrap(),
    }
}

/// The committed synthetic fixtures (librosa outputs for a generated signal).
pub fn synthetic_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/synthetic")
}

/// `$EMOVOX_REFERENCE/librosa`, or `None` (with a note) when the variable is unset.
pub fn shared_librosa_dir() -> Option<PathBuf> {
    corpus_env::data_dir("EMOVOX_REFERENCE", "the corpus-derived librosa goldens")
        .map(|dir| dir.join("librosa"))
}

/// Largest absolute difference; panics if the shapes differ.
pub fn max_abs_diff(actual: &[f32], shape: &[usize], expected: &Reference) -> f32 {
    assert_eq!(
        shape,
        expected.array.shape(),
        "shape differs from librosa's"
    );
    actual
        .iter()
        .zip(expected.array.iter())
        .map(|(a, e)| (a - e).abs())
        .fold(0.0, f32::max)
}
