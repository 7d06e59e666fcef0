//! Loading a corpus whose labels and speakers are encoded in its file names.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use super::walk::walk_audio;
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

/// Which recording a corpus file holds, by the corpus' own name for it (e.g. the CREMA-D stem
/// `1001_DFA_ANG_XX`): two files with one key are copies of one recording (in another folder or
/// format); `None` when the layout cannot tell (each file is then its own recording).
pub(crate) type RecordingKey = fn(&Path, &NameInfo) -> Option<String>;

/// The default [`RecordingKey`] of a named corpus: the speaker and the lower-cased file stem.
pub(crate) fn speaker_and_stem(path: &Path, info: &NameInfo) -> Option<String> {
    Some(format!("{}/{}", info.speaker, stem(path).to_lowercase()))
}

/// The first bytes of every Git LFS pointer file.
const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/";

/// Why `path` is not audio although named like it: a Git LFS pointer (a small text file that
/// stands in for the audio in a repository cloned or zipped without Git LFS, as CREMA-D's
/// GitHub zip is), or `None`.
pub(crate) fn not_audio(path: &Path) -> Option<String> {
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= 1024);
    let mut head = [0u8; LFS_POINTER.len()];
    let pointer = small
        && std::fs::File::open(path).is_ok_and(|mut f| f.read_exact(&mut head).is_ok())
        && head == LFS_POINTER;
    pointer.then(|| {
        "a Git LFS pointer, not audio: the corpus was downloaded without Git LFS (install \
         git-lfs and run `git lfs pull` in its repository, or `git lfs clone` it)"
            .to_owned()
    })
}

/// Reads every audio file ([`crate::AUDIO_EXTENSIONS`]) below `dir` (sorted), keeping
/// those `parse` accepts as utterances of corpus `name` and listing the others in
/// [`Corpus::skipped`] with `parse`'s reason, as well as macOS metadata and Git LFS pointers
/// named like audio. Files of one `recording` (the same clip in two folders or formats, as a
/// corpus' WAV and MP3 folders) are used once, a WAV file rather than another format.
pub(crate) fn load_named(
    dir: &Path,
    name: &str,
    parse: impl Fn(&Path) -> Result<NameInfo, String>,
    recording: RecordingKey,
) -> Result<Corpus, CorpusError> {
    let walk = walk_audio(dir)?;
    let mut corpus = Corpus {
        name: name.into(),
        skipped: walk.ignored,
        ..Corpus::default()
    };
    let mut seen = HashMap::new();
    for path in walk.audio {
        let parsed = match not_audio(&path) {
            Some(reason) => Err(reason),
            None => parse(&path),
        };
        let info = match parsed {
            Ok(info) => info,
            Err(reason) => {
                corpus.skipped.push(SkippedFile { path, reason });
                continue;
            }
        };
        let key = recording(&path, &info);
        let utterance = Utterance {
            path,
            label: info.label,
            speaker: info.speaker,
            gender: info.gender,
            corpus: name.into(),
        };
        match key {
            Some(key) => corpus.skipped.extend(keep_one_copy(
                &mut corpus.utterances,
                &mut seen,
                key,
                utterance,
            )),
            None => corpus.utterances.push(utterance),
        }
    }
    corpus.utterances.sort_by(|a, b| a.path.cmp(&b.path));
    corpus.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(corpus)
}

/// Whether `path` has the `.wav` extension (any case).
fn is_wav(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("wav"))
}

/// Adds `new` to `kept` unless a copy of its recording `key` is there already (`seen` maps keys
/// to positions in `kept`); of two copies the WAV file is kept, else the one met first. Returns
/// the copy left out, with the reason.
fn keep_one_copy(
    kept: &mut Vec<Utterance>,
    seen: &mut HashMap<String, usize>,
    key: String,
    new: Utterance,
) -> Option<SkippedFile> {
    let Some(&at) = seen.get(&key) else {
        seen.insert(key, kept.len());
        kept.push(new);
        return None;
    };
    let left_out = if is_wav(&new.path) && !is_wav(&kept[at].path) {
        std::mem::replace(&mut kept[at], new)
    } else {
        new
    };
    // One reason for every copy (no path in it), so a report can count them as one.
    let reason = "another copy of a recording found in another folder or format too: the \
                  recording is used once (its WAV copy, else the first found)";
    Some(SkippedFile::new(left_out.path, reason))
}
