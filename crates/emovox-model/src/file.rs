//! One-file model storage: safetensors tensors plus the metadata JSON in the header.

use std::collections::HashMap;
use std::path::Path;

use candle_core::safetensors::Load;
use candle_core::Device;
use safetensors::{Dtype, SafeTensors};

use crate::weights::{all_finite, NamedTensors};
use crate::{ModelError, ModelMetadata, ProbabilityCalibration};

/// Key of the safetensors `__metadata__` entry holding the [`ModelMetadata`] JSON.
pub const METADATA_KEY: &str = "emovox";

/// Key of the `__metadata__` entry of a multi-view model file: a JSON list with the
/// [`ModelMetadata`] of every view, whose tensors are named `view{v}.<name>`.
pub const VIEWS_KEY: &str = "emovox.views";

/// Key of the optional `__metadata__` entry holding the model's
/// [`crate::ProbabilityCalibration`] JSON (applied to the averaged probabilities of every view).
pub const CALIBRATION_KEY: &str = "emovox.calibration";

/// Tensor-name prefix of view `v` in a multi-view model file.
pub(crate) fn view_prefix(v: usize) -> String {
    format!("view{v}.")
}

/// The metadata a model file holds: one model's, or one per view.
pub(crate) enum FileMetadata {
    Single(Box<ModelMetadata>),
    Views(Vec<ModelMetadata>),
}

/// The bytes of the model file at `path`.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, ModelError> {
    std::fs::read(path).map_err(|source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes model file bytes to `path`.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<(), ModelError> {
    std::fs::write(path, bytes).map_err(|source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Serialises tensors (copied to the CPU as they are written) and metadata into safetensors
/// bytes.
pub(crate) fn encode(
    metadata: &FileMetadata,
    tensors: &NamedTensors,
    calibration: Option<&ProbabilityCalibration>,
) -> Result<Vec<u8>, ModelError> {
    let to_json =
        |r: serde_json::Result<String>| r.map_err(|e| ModelError::InvalidMetadata(e.to_string()));
    let mut header = match metadata {
        FileMetadata::Single(m) => {
            HashMap::from([(METADATA_KEY.to_string(), to_json(serde_json::to_string(m))?)])
        }
        FileMetadata::Views(views) => HashMap::from([(
            VIEWS_KEY.to_string(),
            to_json(serde_json::to_string(views))?,
        )]),
    };
    if let Some(calibration) = calibration {
        header.insert(
            CALIBRATION_KEY.to_string(),
            to_json(serde_json::to_string(calibration))?,
        );
    }
    let entries = sorted_entries(&header)?;
    let bytes = safetensors::serialize(
        tensors.iter().map(|(name, t)| (name.as_str(), t)),
        Some(header),
    )
    .map_err(|e| ModelError::MalformedFile(e.to_string()))?;
    Ok(with_metadata_entries(bytes, &entries))
}

/// Start of every header safetensors writes with metadata.
const HEADER_START: &[u8] = br#"{"__metadata__":{"#;

/// The `__metadata__` entries as JSON (`"key":"value"`, comma-separated) in key order.
fn sorted_entries(header: &HashMap<String, String>) -> Result<String, ModelError> {
    let mut entries: Vec<(&String, &String)> = header.iter().collect();
    entries.sort();
    let json = |s: &String| {
        serde_json::to_string(s).map_err(|e| ModelError::InvalidMetadata(e.to_string()))
    };
    let entries = entries
        .into_iter()
        .map(|(key, value)| Ok(format!("{}:{}", json(key)?, json(value)?)))
        .collect::<Result<Vec<_>, ModelError>>()?;
    Ok(entries.join(","))
}

/// `bytes` with its `__metadata__` entries written in key order. safetensors writes them in
/// hash-map order, which changes from process to process, so a model with two entries
/// (metadata and calibration) had two possible files; now the same model always gives the
/// same bytes. The entries are the same, so the header keeps its length; a layout other than
/// the expected one is left as written.
fn with_metadata_entries(mut bytes: Vec<u8>, entries: &str) -> Vec<u8> {
    let start = 8 + HEADER_START.len();
    let end = start + entries.len();
    let permutation = |written: &[u8]| {
        let (mut a, mut b) = (written.to_vec(), entries.as_bytes().to_vec());
        a.sort_unstable();
        b.sort_unstable();
        a == b
    };
    let expected_layout = bytes.get(8..start) == Some(HEADER_START)
        && bytes.get(end) == Some(&b'}')
        && permutation(&bytes[start..end]);
    if expected_layout {
        bytes[start..end].copy_from_slice(entries.as_bytes());
    }
    bytes
}

/// The calibration a model file holds, if any.
pub(crate) fn decode_calibration(
    bytes: &[u8],
) -> Result<Option<ProbabilityCalibration>, ModelError> {
    let (_, header) =
        SafeTensors::read_metadata(bytes).map_err(|e| ModelError::MalformedFile(e.to_string()))?;
    let Some(json) = header
        .metadata()
        .as_ref()
        .and_then(|m| m.get(CALIBRATION_KEY))
    else {
        return Ok(None);
    };
    let calibration: ProbabilityCalibration =
        serde_json::from_str(json).map_err(|e| ModelError::InvalidMetadata(e.to_string()))?;
    calibration.validate()?;
    Ok(Some(calibration))
}

/// Parses safetensors bytes into metadata and f32 tensors loaded by candle onto `device`,
/// checking dtypes and finiteness.
pub(crate) fn decode(
    bytes: &[u8],
    device: &Device,
) -> Result<(FileMetadata, NamedTensors), ModelError> {
    let file =
        SafeTensors::deserialize(bytes).map_err(|e| ModelError::MalformedFile(e.to_string()))?;
    let (_, header) =
        SafeTensors::read_metadata(bytes).map_err(|e| ModelError::MalformedFile(e.to_string()))?;
    let entries = header.metadata().as_ref();
    let parse_error = |e: serde_json::Error| ModelError::InvalidMetadata(e.to_string());
    let metadata = match (
        entries.and_then(|m| m.get(VIEWS_KEY)),
        entries.and_then(|m| m.get(METADATA_KEY)),
    ) {
        (Some(json), _) => FileMetadata::Views(serde_json::from_str(json).map_err(parse_error)?),
        (None, Some(json)) => {
            FileMetadata::Single(Box::new(serde_json::from_str(json).map_err(parse_error)?))
        }
        (None, None) => return Err(ModelError::MissingMetadata { key: METADATA_KEY }),
    };
    let mut tensors = NamedTensors::new();
    for (name, view) in file.tensors() {
        if view.dtype() != Dtype::F32 {
            return Err(ModelError::TensorDtype {
                name,
                dtype: format!("{:?}", view.dtype()),
            });
        }
        let tensor = view.load(device)?;
        if !all_finite(&tensor)? {
            return Err(ModelError::NonFiniteTensor(name));
        }
        tensors.insert(name, tensor);
    }
    Ok((metadata, tensors))
}
