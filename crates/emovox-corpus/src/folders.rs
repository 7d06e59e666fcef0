//! Any corpus laid out one folder per label: `DIR/<label>/*.wav`.
//!
//! The label is the folder name, lower-cased. The speaker is `unknown`, except with one more
//! level, `DIR/<label>/<speaker>/*.wav`, where the inner folder names the speaker. Gender is
//! unknown. Files directly in `DIR` or nested deeper are listed in [`Corpus::skipped`].

use std::path::{Component, Path};

use super::named::{load_named, NameInfo};
use super::{Corpus, CorpusError};

/// The speaker id of utterances whose speaker the layout does not tell.
pub const UNKNOWN_SPEAKER: &str = "unknown";

/// The label and speaker the position of `path` below `dir` gives, or why it gives none.
pub fn parse_folder_path(dir: &Path, path: &Path) -> Result<NameInfo, String> {
    let relative = path
        .strip_prefix(dir)
        .map_err(|_| format!("{} is not below {}", path.display(), dir.display()))?;
    let folders: Vec<String> = relative
        .parent()
        .into_iter()
        .flat_map(Path::components)
        .filter_map(|c| match c {
            Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    match &folders[..] {
        [] => Err("not inside a label folder (expected DIR/<label>/file.wav)".into()),
        [label] => Ok(NameInfo::new(label.to_lowercase(), UNKNOWN_SPEAKER, None)),
        [label, speaker] => Ok(NameInfo::new(label.to_lowercase(), speaker.clone(), None)),
        _ => Err("nested deeper than DIR/<label>/<speaker>/file.wav".into()),
    }
}

/// Folder names of dataset splits (compared in any case), which are never emotion labels.
const SPLIT_NAMES: &[&str] = &[
    "train",
    "training",
    "test",
    "testing",
    "val",
    "valid",
    "validation",
    "dev",
    "eval",
];

/// Loads a folder-per-label corpus; its name is `dir`'s folder name, lower-cased. A tree split
/// into `train/`, `test/`, ... folders is [`CorpusError::SplitFolders`]: each split is a corpus.
pub fn load_folders(dir: &Path) -> Result<Corpus, CorpusError> {
    if !dir.is_dir() {
        return Err(CorpusError::MissingDir(dir.to_owned()));
    }
    let io = |source| CorpusError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut splits = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if let Some(name) = name.filter(|n| path.is_dir() && is_split(n)) {
            splits.push(name);
        }
    }
    if !splits.is_empty() {
        splits.sort();
        return Err(CorpusError::SplitFolders {
            dir: dir.to_owned(),
            splits,
        });
    }
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_else(|| "folders".into());
    // Files of one name in two label folders are two recordings.
    load_named(dir, &name, |path| parse_folder_path(dir, path), |_, _| None)
}

/// Whether a folder name is a dataset split's ([`SPLIT_NAMES`], any case).
fn is_split(name: &str) -> bool {
    SPLIT_NAMES.iter().any(|s| s.eq_ignore_ascii_case(name))
}
