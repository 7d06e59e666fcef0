//! Loading a corpus whose labels and speakers are encoded in its file names.

use std::path::Path;

use super::walk::audio_files;
use super::{Corpus, CorpusError, Gender, SkippedFile, Utterance};

/// What one corpus file name says about its recording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameInfo {
    /// The corpus' own emotion label, lower case.
    pub label: String,
    /// Speaker id, unique within the corpus.
    pub speaker: String,
    /// The speaker's sex, when the name (or the corpus documentation) tells it.
    pub gender: Option<Gender>,
}

impl NameInfo {
    /// Bundles a label, speaker id and gender.
    pub fn new(
        label: impl Into<String>,
        speaker: impl Into<String>,
        gender: Option<Gender>,
    ) -> Self {
        Self {
            label: label.into(),
            speaker: speaker.into(),
            gender,
        }
    }
}

/// The file name of `path` without its extension, or an empty string.
pub(crate) fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The name of the folder holding `path`, or an empty string.
pub(crate) fn parent_name(path: &Path) -> String {
    path.parent()
        .and_then(Path::file_name)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads every audio file (WAV, FLAC, MP3, OGG, Opus, M4A, MP4) below `dir` (sorted), keeping those `parse` accepts as utterances
/// of corpus `name` and listing the others in [`Corpus::skipped`] with `parse`'s reason.
pub(crate) fn load_named(
    dir: &Path,
    name: &str,
    parse: impl Fn(&Path) -> Result<NameInfo, String>,
) -> Result<Corpus, CorpusError> {
    let mut corpus = Corpus {
        name: name.into(),
        ..Corpus::default()
    };
    for path in audio_files(dir)? {
        match parse(&path) {
            Ok(info) => corpus.utterances.push(Utterance {
                path,
                label: info.label,
                speaker: info.speaker,
                gender: info.gender,
                corpus: name.into(),
            }),
            Err(reason) => corpus.skipped.push(SkippedFile { path, reason }),
        }
    }
    Ok(corpus)
}
