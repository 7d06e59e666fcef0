//! One-file model storage: safetensors tensors plus the metadata JSON in the header.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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

/// Writes model file bytes to `path` atomically: into a temporary file beside it, flushed to
/// the disk, then renamed over it. An interrupted or failed write (a full disk, a read-only
/// folder, a directory of that name) leaves the file that was there as it was, and no
/// temporary file behind. A symbolic link is followed: the file it points to is replaced.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<(), ModelError> {
    write_with(path, |file| file.write_all(bytes))
}

/// Numbers the temporary files of one process.
static TEMPORARY_FILES: AtomicU64 = AtomicU64::new(0);

/// [`write`] with the temporary file's content written by `fill` (a failure injected there is
/// a failure in the middle of the write).
fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<(), ModelError> {
    let io_error = |source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    };
    let target = link_target(path);
    let (mut file, temporary) = create_temporary(&target).map_err(io_error)?;
    if let Ok(existing) = std::fs::metadata(&target) {
        // The replaced file's permissions, as writing it in place kept them.
        let _ = file.set_permissions(existing.permissions());
    }
    let written = fill(&mut file).and_then(|()| file.sync_all());
    drop(file);
    let written = written.and_then(|()| std::fs::rename(&temporary, &target));
    if let Err(source) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(io_error(source));
    }
    sync_parent(&target);
    Ok(())
}

/// The file a chain of symbolic links at `path` ends at (`path` itself when it is no link).
fn link_target(path: &Path) -> PathBuf {
    let mut target = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&target) {
            // `join` keeps an absolute link as it is; a relative one is relative to its folder.
            Ok(link) => target = target.parent().unwrap_or(Path::new("")).join(link),
            Err(_) => break,
        }
    }
    target
}

/// A new file `.<name>.<process>.<n>.tmp` beside `target`, open for writing, and its path.
fn create_temporary(target: &Path) -> io::Result<(File, PathBuf)> {
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    loop {
        let n = TEMPORARY_FILES.fetch_add(1, Ordering::Relaxed);
        let temporary = target.with_file_name(format!(
            ".{}.{}.{n}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
        {
            Ok(file) => return Ok((file, temporary)),
            // Left by a crashed process of the same id: take the next number.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Flushes the rename into `target`'s folder to the disk where the platform allows (best
/// effort: the file's content is already synced).
fn sync_parent(target: &Path) {
    #[cfg(unix)]
    {
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if let Ok(dir) = File::open(parent) {
            let _ = dir.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = target;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh empty folder for one test.
    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("emovox-file-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// The names of the files in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_write_failing_midway_leaves_the_old_file_and_no_temporary_file() {
        let dir = folder("midway");
        let path = dir.join("model.safetensors");
        std::fs::write(&path, b"the good model").unwrap();
        let result = write_with(&path, |file| {
            file.write_all(b"half of a ne")?;
            Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"))
        });
        match result {
            Err(ModelError::Io { path: p, source }) => {
                assert_eq!(p, path);
                assert_eq!(source.kind(), io::ErrorKind::StorageFull);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(std::fs::read(&path).unwrap(), b"the good model");
        assert_eq!(names(&dir), ["model.safetensors"]);
        write(&path, b"the new model").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"the new model");
        assert_eq!(names(&dir), ["model.safetensors"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_and_kept() {
        let dir = folder("link");
        std::fs::write(dir.join("real.safetensors"), b"old").unwrap();
        std::os::unix::fs::symlink("real.safetensors", dir.join("link.safetensors")).unwrap();
        write(&dir.join("link.safetensors"), b"new").unwrap();
        assert_eq!(std::fs::read(dir.join("real.safetensors")).unwrap(), b"new");
        let link = std::fs::symlink_metadata(dir.join("link.safetensors")).unwrap();
        assert!(link.file_type().is_symlink());
        assert_eq!(names(&dir), ["link.safetensors", "real.safetensors"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
