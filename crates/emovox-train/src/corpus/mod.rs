//! Corpus loaders: labelled utterances with speaker ids, read from each corpus' own layout.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

mod error;
mod ravdess;
mod walk;

pub use error::CorpusError;
pub use ravdess::{load_ravdess, parse_ravdess_name, RAVDESS_EMOTIONS};
pub use walk::wav_files;

/// A speaker's sex as a corpus documents it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// Male speaker.
    Male,
    /// Female speaker.
    Female,
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
        let mut labels: Vec<String> = self.utterances.iter().map(|u| u.label.clone()).collect();
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
