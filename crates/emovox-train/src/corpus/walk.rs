//! Finding audio files below a folder.

use std::path::{Path, PathBuf};

use super::CorpusError;

/// Every `.wav` file (any case) below `dir`, recursively, sorted by path; other files are ignored.
/// Symbolic links to folders are followed, each real folder visited once (so link cycles end).
pub fn wav_files(dir: &Path) -> Result<Vec<PathBuf>, CorpusError> {
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
            } else if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("wav"))
            {
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
