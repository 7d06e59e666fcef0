//! Finding audio files below a folder.

use std::path::{Path, PathBuf};

use super::CorpusError;

/// The extensions (compared in any case) of the files corpus folders are searched for: every
/// format `emovox_audio::read_audio` decodes. The decoder tells the format from the content, so
/// the extension only decides which files are looked at.
pub const AUDIO_EXTENSIONS: &[&str] = &["wav", "flac", "mp3", "ogg", "opus", "webm", "m4a", "mp4"];

/// Whether `path` has one of the [`AUDIO_EXTENSIONS`] (any case).
pub fn is_audio_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(e)))
}

/// Every audio file ([`AUDIO_EXTENSIONS`], any case) below `dir`, recursively, sorted by path;
/// other files are ignored. Symbolic links to folders are followed, each real folder visited
/// once (so link cycles end).
pub fn audio_files(dir: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    if !dir.is_dir() {
        return Err(CorpusError::MissingDir(dir.to_owned()));
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| CorpusError::Io { path, source }
    };
    let mut files = Vec::new();
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
            if path.is_dir() {
                pending.push(path);
            } else if is_audio_file(&path) {
                files.push(path);
            }
        }
    }
    if files.is_empty() {
        return Err(CorpusError::NoAudio(dir.to_owned()));
    }
    files.sort();
    Ok(files)
}

/// The former name of [`audio_files`], which finds every supported format, not only WAV.
pub fn wav_files(dir: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    audio_files(dir)
}
