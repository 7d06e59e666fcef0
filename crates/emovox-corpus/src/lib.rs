//! Emotional speech corpora: labelled utterances with speaker ids, read from each corpus' own
//! layout, label schemes across corpora, and speaker-independent protocols ([`protocol`]).
//! Evaluating a model on a corpus needs this crate, not the training stack.
//!
//! One loader per corpus (RAVDESS, CREMA-D, TESS, SAVEE, EmoDB, folder-per-label, CSV
//! manifest), each keeping the corpus' own label words lower-cased; [`load_corpus`] picks the
//! loader by [`CorpusKind`] or [`detect_corpus`]. [`apply_scheme`] maps native labels to the
//! classes a model is trained on ([`LabelScheme`]). Files that cannot be used are never dropped
//! silently: they are listed in [`Corpus::skipped`] with the reason, among them macOS metadata
//! named like audio (`__MACOSX/`, `._x.wav`), Git LFS pointers left by a download without Git
//! LFS, and further copies of a recording a corpus' file names identify (CREMA-D's `AudioMP3/`
//! beside `AudioWAV/`, RAVDESS or TESS held twice as Kaggle's copies hold them).

#![warn(missing_docs)]

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

mod crema_d;
mod csv;
mod emodb;
mod error;
mod folders;
mod kind;
mod manifest;
mod named;
pub mod protocol;
mod ravdess;
mod savee;
mod scheme;
mod skip_report;
mod tess;
mod walk;

pub use crema_d::{
    load_crema_d, parse_crema_d_name, read_demographics, CREMA_D_DEMOGRAPHICS, CREMA_D_EMOTIONS,
    CREMA_D_SENTENCES,
};
pub use emodb::{load_emodb, parse_emodb_name, EMODB_EMOTIONS, EMODB_SPEAKERS};
pub use error::CorpusError;
pub use folders::{load_folders, parse_folder_path, UNKNOWN_SPEAKER};
pub use kind::{detect_corpus, load_corpora, load_corpus, CorpusKind};
pub use manifest::load_manifest;
pub use named::NameInfo;
pub use ravdess::{load_ravdess, parse_ravdess_name, RAVDESS_EMOTIONS};
pub use savee::{load_savee, parse_savee_name, SAVEE_EMOTIONS, SAVEE_SPEAKERS};
pub use scheme::{apply_scheme, common_emotion, restrict_to_labels, LabelScheme, COMMON_EMOTIONS};
pub use skip_report::SkipReport;
pub use tess::{load_tess, parse_tess_name, TESS_EMOTIONS};
pub use walk::{audio_files, is_audio_file, is_macos_metadata, mirrored_path, AUDIO_EXTENSIONS};

/// A speaker's sex as a corpus documents it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// Male speaker.
    Male,
    /// Female speaker.
    Female,
}

impl Gender {
    /// The lower-case name used in labels: `male` or `female`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
        }
    }
}

/// One labelled recording of a corpus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Utterance {
    /// Where the audio file is.
    pub path: PathBuf,
    /// The corpus' own (native) emotion label, lower case, e.g. `angry`.
    pub label: String,
    /// Speaker id, unique within the corpus, e.g. `01` for RAVDESS actor 1.
    pub speaker: String,
    /// The speaker's sex, when the corpus says it.
    pub gender: Option<Gender>,
    /// The corpus this utterance comes from, e.g. `ravdess`.
    pub corpus: String,
}

/// A file found while loading a corpus that could not be used, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkippedFile {
    /// The file.
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: String,
}

impl SkippedFile {
    /// The file at `path`, skipped for `reason`.
    pub fn new(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

/// The utterances of one corpus, plus the files that were skipped while reading it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Corpus {
    /// Corpus name, e.g. `ravdess`.
    pub name: String,
    /// Usable utterances, sorted by path.
    pub utterances: Vec<Utterance>,
    /// Files that were found but not used.
    pub skipped: Vec<SkippedFile>,
}

impl Corpus {
    /// The distinct labels of the utterances, sorted.
    pub fn labels(&self) -> Vec<String> {
        Self::labels_of(&self.utterances)
    }

    /// The distinct labels of `utterances` (e.g. after a label scheme), sorted.
    pub fn labels_of(utterances: &[Utterance]) -> Vec<String> {
        let mut labels: Vec<String> = utterances.iter().map(|u| u.label.clone()).collect();
        labels.sort();
        labels.dedup();
        labels
    }

    /// The distinct speaker ids, sorted.
    pub fn speakers(&self) -> Vec<String> {
        let mut speakers: Vec<String> = self.utterances.iter().map(|u| u.speaker.clone()).collect();
        speakers.sort();
        speakers.dedup();
        speakers
    }
}
