//! One-file model storage: safetensors tensors plus the metadata JSON in the header.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use safetensors::{Dtype, SafeTensors, View};

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

/// A named f32 tensor as raw little-endian bytes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RawTensor {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

struct F32View<'a>(&'a RawTensor);

impl View for F32View<'_> {
    fn dtype(&self) -> Dtype {
        Dtype::F32
    }
    fn shape(&self) -> &[usize] {
        &self.0.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Owned(self.0.values.iter().flat_map(|v| v.to_le_bytes()).collect())
    }
    fn data_len(&self) -> usize {
        self.0.values.len() * 4
    }
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

/// Serialises tensors and metadata into safetensors bytes.
pub(crate) fn encode(
    metadata: &FileMetadata,
    tensors: &BTreeMap<String, RawTensor>,
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
    safetensors::serialize(
        tensors.iter().map(|(name, t)| (name.as_str(), F32View(t))),
        Some(header),
    )
    .map_err(|e| ModelError::MalformedFile(e.to_string()))
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

/// Parses safetensors bytes into metadata and f32 tensors, checking dtypes and finiteness.
pub(crate) fn decode(
    bytes: &[u8],
) -> Result<(FileMetadata, BTreeMap<String, RawTensor>), ModelError> {
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
    let mut tensors = BTreeMap::new();
    for (name, view) in file.tensors() {
        if view.dtype() != Dtype::F32 {
            return Err(ModelError::TensorDtype {
                name,
                dtype: format!("{:?}", view.dtype()),
            });
        }
        let values: Vec<f32> = view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        if values.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::NonFiniteTensor(name));
        }
        let shape = view.shape().to_vec();
        tensors.insert(name, RawTensor { shape, values });
    }
    Ok((metadata, tensors))
}
