//! Finding audio files below a folder.

use std::path::{Path, PathBuf};

use super::{CorpusError, SkippedFile};

/// The extensions (compared in any case) of the files corpus folders are searched for: every
/// format `emovox_audio::read_audio` decodes. The decoder tells the format from the content, so
/// the extension only decides which files are looked at.
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "wav", "flac", "mp3", "ogg", "oga", "opus", "webm", "mkv", "mka", "m4a", "mp4", "aif", "aiff",
    "aifc", "caf", "aac", "amr", "awb", "3gp",
];

/// Whether `path` has one of the [`AUDIO_EXTENSIONS`] (any case).
pub fn is_audio_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(e)))
}

/// Whether `path` is metadata macOS leaves in archives and on foreign disks rather than audio:
/// an AppleDouble file (`._x.wav`, the resource fork of `x.wav`) or a `__MACOSX` folder (which
/// holds the AppleDouble files of a zip made on a Mac).
pub fn is_macos_metadata(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("._") || n == "__MACOSX")
}

/// The audio files below a folder, and the macOS metadata ([`is_macos_metadata`]) named like
/// audio that was left out, each with the reason.
pub(crate) struct Walk {
    /// Every audio file, sorted by path.
    pub audio: Vec<PathBuf>,
    /// `__MACOSX` folders and AppleDouble `._*` files with an audio extension, sorted by path.
    pub ignored: Vec<SkippedFile>,
}

/// Every audio file ([`AUDIO_EXTENSIONS`], any case) below `dir`, recursively, sorted by path;
/// other files are ignored, and so is macOS metadata ([`is_macos_metadata`]: `._x.wav` files
/// and `__MACOSX` folders, which hold no audio). Symbolic links to folders are followed, each
/// real folder visited once (so link cycles end).
pub fn audio_files(dir: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    walk_audio(dir).map(|walk| walk.audio)
}

/// [`audio_files`], plus the macOS metadata it leaves out, each with the reason.
pub(crate) fn walk_audio(dir: &Path) -> Result<Walk, CorpusError> {
    if !dir.is_dir() {
        return Err(CorpusError::MissingDir(dir.to_owned()));
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| CorpusError::Io { path, source }
    };
    let (mut files, mut ignored) = (Vec::new(), Vec::new());
    let mut visited = std::collections::BTreeSet::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        if !visited.insert(folder.canonicalize().map_err(io(&folder))?) {
            continue;
        }
        let mut entries = std::fs::read_dir(&folder)
            .map_err(io(&folder))?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(io(&folder))?;
        // Sorted, so which of two links to one folder is walked is deterministic.
        entries.sort_unstable_by(|a, b| b.cmp(a));
        for path in entries {
            let (is_dir, metadata) = (path.is_dir(), is_macos_metadata(&path));
            if is_dir && metadata {
                let reason = "macOS archive metadata folder (__MACOSX), not audio: ignored";
                ignored.push(SkippedFile::new(path, reason));
            } else if is_dir {
                pending.push(path);
            } else if is_audio_file(&path) && metadata {
                let reason = "macOS AppleDouble metadata (a \"._\" file), not audio: ignored";
                ignored.push(SkippedFile::new(path, reason));
            } else if is_audio_file(&path) {
                files.push(path);
            }
        }
    }
    if files.is_empty() {
        return Err(CorpusError::NoAudio(dir.to_owned()));
    }
    files.sort();
    ignored.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Walk {
        audio: files,
        ignored,
    })
}

/// Where something derived from `file`, one of the [`audio_files`] below `root`, goes in a
/// folder `out` that mirrors `root`: `file`'s path relative to `root` with `suffix` appended
/// (`root/Actor_01/x.wav` with `.npy` is `out/Actor_01/x.wav.npy`), so `x.wav` and `x.flac`
/// keep one output each. A `file` not below `root` goes to `out` under its file name.
pub fn mirrored_path(out: &Path, root: &Path, file: &Path, suffix: &str) -> PathBuf {
    let relative = match file.strip_prefix(root) {
        Ok(relative) => relative.as_os_str().to_owned(),
        Err(_) => file.file_name().unwrap_or(file.as_os_str()).to_owned(),
    };
    let mut name = relative;
    name.push(suffix);
    out.join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrored_paths_keep_one_output_per_file() {
        let (root, out) = (Path::new("/corpus"), Path::new("/out"));
        let path = |name: &str| mirrored_path(out, root, &root.join(name), ".npy");
        assert_eq!(path("a/x.wav"), Path::new("/out/a/x.wav.npy"));
        assert_ne!(path("a/x.wav"), path("a/x.flac"));
        assert_ne!(path("angry/01.wav"), path("sad/01.wav"));
        let elsewhere = mirrored_path(out, root, Path::new("/else/y.mp3"), ".npy");
        assert_eq!(elsewhere, Path::new("/out/y.mp3.npy"));
    }
}
