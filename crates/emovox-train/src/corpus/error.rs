//! Why a corpus could not be loaded.

use std::path::PathBuf;

use thiserror::Error;

/// Why a corpus folder, manifest or speaker list was refused.
#[derive(Debug, Error)]
pub enum CorpusError {
    /// The corpus folder does not exist or is not a folder.
    #[error("corpus folder {0} does not exist or is not a folder")]
    MissingDir(PathBuf),
    /// No `.wav` file was found below the folder.
    #[error("no .wav files below {0}")]
    NoAudio(PathBuf),
    /// A folder or file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A speaker list such as `1-18` or `1,3,5-7` could not be parsed.
    #[error("invalid speaker list {list:?}: {reason}")]
    BadSpeakerList {
        /// The list as given.
        list: String,
        /// What is wrong with it.
        reason: String,
    },
}
