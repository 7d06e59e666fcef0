//! Why a corpus could not be loaded.

use std::path::PathBuf;

use thiserror::Error;

/// Why a corpus folder, manifest or speaker list was refused.
#[derive(Debug, Error)]
pub enum CorpusError {
    /// No corpus path was given.
    #[error("no corpus was given")]
    NoCorpus,
    /// The corpus folder does not exist or is not a folder.
    #[error("corpus folder {0} does not exist or is not a folder")]
    MissingDir(PathBuf),
    /// No audio file (`.wav`, `.flac`, `.mp3`, `.ogg`, `.opus`, `.m4a`, `.mp4`) was found
    /// below the folder.
    #[error("no audio files (.wav, .flac, .mp3, .ogg, .opus, .m4a, .mp4) below {0}")]
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
    /// Items of a speaker list that match no speaker of the corpus (a typo, a speaker of
    /// another corpus): selecting with them would silently leave those speakers out.
    #[error("speakers {items:?} of the list {list:?} match no speaker of the corpus")]
    UnmatchedSpeakers {
        /// The list as given.
        list: String,
        /// Its items that match nothing.
        items: Vec<String>,
    },
    /// A line of a CSV file (manifest or speaker demographics) could not be used.
    #[error("{path}:{line}: {reason}")]
    BadCsv {
        /// The CSV file.
        path: PathBuf,
        /// The 1-based line number (1 is the header row).
        line: usize,
        /// What is wrong with the line.
        reason: String,
    },
    /// A corpus kind name such as `crema-d` was not recognised.
    #[error("unknown corpus kind {0:?} (expected one of ravdess, crema-d, tess, savee, emodb, folders, csv)")]
    UnknownKind(String),
    /// A label scheme name such as `common` was not recognised.
    #[error("unknown label scheme {0:?} (expected one of native, common, gender_emotion, gender)")]
    UnknownScheme(String),
    /// The corpus layout of a folder could not be recognised from its file names.
    #[error("cannot tell which corpus {dir} holds: {reason}")]
    Undetected {
        /// The folder.
        dir: PathBuf,
        /// Why no corpus kind fits.
        reason: String,
    },
    /// A folder-per-label tree whose label folders are dataset splits (`train/`, `test/`, ...):
    /// read as it is, `train` would be a label and each emotion folder a speaker.
    #[error(
        "the folders of {dir} are dataset splits ({splits:?}), not labels: load one split's \
         folder (e.g. {dir}/{first}), whose folders are the labels",
        first = splits[0]
    )]
    SplitFolders {
        /// The corpus folder.
        dir: PathBuf,
        /// Its folders named like splits.
        splits: Vec<String>,
    },
    /// Every audio file of a corpus was skipped: nothing in it can be used (e.g. a layout
    /// given with `--corpus` that is not the folder's, or a download of Git LFS pointers).
    #[error(
        "no usable clip in {path} read as {kind}: all {skipped} audio files were skipped, the \
         first ({first}) because: {reason}"
    )]
    NothingUsable {
        /// The corpus folder or manifest.
        path: PathBuf,
        /// The layout it was read as.
        kind: String,
        /// How many files were skipped.
        skipped: usize,
        /// The first skipped file.
        first: PathBuf,
        /// Why it was skipped.
        reason: String,
    },
    /// Speaker folds were asked for that cannot be made, e.g. more folds than speakers.
    #[error("cannot make speaker folds: {0}")]
    BadFolds(String),
}
