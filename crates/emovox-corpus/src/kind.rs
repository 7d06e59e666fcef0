//! Which corpus a folder holds: named kinds, detection from file names, and loading by kind.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::named::stem;
use super::walk::audio_files;
use super::{
    load_crema_d, load_emodb, load_folders, load_manifest, load_ravdess, load_savee, load_tess,
    parse_crema_d_name, parse_emodb_name, parse_folder_path, parse_ravdess_name, parse_tess_name,
    savee::parse_savee_path, Corpus, CorpusError,
};

/// A corpus layout emovox can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CorpusKind {
    /// RAVDESS, `03-01-05-01-01-01-12.wav`.
    Ravdess,
    /// CREMA-D, `1001_DFA_ANG_XX.wav`.
    CremaD,
    /// TESS, `OAF_back_angry.wav`.
    Tess,
    /// SAVEE, `DC_a01.wav` or `DC/a01.wav`.
    Savee,
    /// EmoDB, `03a01Fa.wav`.
    Emodb,
    /// One folder per label, `DIR/<label>/*.wav`.
    Folders,
    /// A CSV manifest `path,label[,speaker][,gender]`.
    Csv,
}

impl CorpusKind {
    /// Every kind, in a fixed order.
    pub const ALL: [CorpusKind; 7] = [
        Self::Ravdess,
        Self::CremaD,
        Self::Tess,
        Self::Savee,
        Self::Emodb,
        Self::Folders,
        Self::Csv,
    ];

    /// The kinds whose labels are encoded in file names, tried in this order by detection.
    const NAMED: [CorpusKind; 5] = [
        Self::Ravdess,
        Self::CremaD,
        Self::Tess,
        Self::Savee,
        Self::Emodb,
    ];

    /// The kind's name as written on command lines and in configs, e.g. `crema-d`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ravdess => "ravdess",
            Self::CremaD => "crema-d",
            Self::Tess => "tess",
            Self::Savee => "savee",
            Self::Emodb => "emodb",
            Self::Folders => "folders",
            Self::Csv => "csv",
        }
    }

    /// Loads the corpus of this kind at `path` (a folder, or the manifest file for `Csv`).
    pub fn load(self, path: &Path) -> Result<Corpus, CorpusError> {
        match self {
            Self::Ravdess => load_ravdess(path),
            Self::CremaD => load_crema_d(path),
            Self::Tess => load_tess(path),
            Self::Savee => load_savee(path),
            Self::Emodb => load_emodb(path),
            Self::Folders => load_folders(path),
            Self::Csv => load_manifest(path),
        }
    }

    /// Whether this named kind's parser accepts `path` (always false for folders and csv).
    fn parses(self, path: &Path) -> bool {
        let stem = stem(path);
        match self {
            Self::Ravdess => parse_ravdess_name(&stem).is_ok(),
            Self::CremaD => parse_crema_d_name(&stem).is_ok(),
            Self::Tess => parse_tess_name(&stem).is_ok(),
            Self::Savee => parse_savee_path(path).is_ok(),
            Self::Emodb => parse_emodb_name(&stem).is_ok(),
            Self::Folders | Self::Csv => false,
        }
    }
}

impl fmt::Display for CorpusKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for CorpusKind {
    type Err = CorpusError;

    /// Accepts the kind names case-insensitively, plus `cremad`, `crema_d` and `emo-db`.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let wanted = name.trim().to_lowercase().replace('_', "-");
        let wanted = match wanted.as_str() {
            "cremad" => "crema-d",
            "emo-db" => "emodb",
            other => other,
        };
        Self::ALL
            .into_iter()
            .find(|kind| kind.name() == wanted)
            .ok_or_else(|| CorpusError::UnknownKind(name.to_owned()))
    }
}

/// Whether `path` names a CSV manifest (by its `.csv` extension).
fn is_manifest(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

/// Tells which corpus `path` holds: `Csv` for a `.csv` file; otherwise the named corpus whose
/// file-name pattern more than half of the `.wav` files below the folder match; otherwise
/// `Folders` when more than half of the files sit in label folders; otherwise an error.
pub fn detect_corpus(path: &Path) -> Result<CorpusKind, CorpusError> {
    if is_manifest(path) {
        return Ok(CorpusKind::Csv);
    }
    let files = audio_files(path)?;
    let count = |accepts: &dyn Fn(&Path) -> bool| files.iter().filter(|f| accepts(f)).count();
    let (best, matched) = CorpusKind::NAMED
        .into_iter()
        .map(|kind| (kind, count(&|f| kind.parses(f))))
        .max_by_key(|&(kind, n)| (n, std::cmp::Reverse(kind)))
        .expect("NAMED is not empty");
    if 2 * matched > files.len() {
        return Ok(best);
    }
    let in_folders = count(&|f| parse_folder_path(path, f).is_ok());
    if 2 * in_folders > files.len() {
        return Ok(CorpusKind::Folders);
    }
    Err(CorpusError::Undetected {
        dir: path.to_owned(),
        reason: format!(
            "of {} .wav files, at most {matched} match one corpus' names ({best}) and \
             {in_folders} sit in label folders",
            files.len()
        ),
    })
}

/// Loads the corpus at `path` as `kind`, or as the kind [`detect_corpus`] finds when `kind` is
/// `None`; returns the corpus with the kind used. A `.csv` path is always read as a manifest.
/// A corpus whose every file is skipped is [`CorpusError::NothingUsable`], naming the first.
pub fn load_corpus(
    path: &Path,
    kind: Option<CorpusKind>,
) -> Result<(Corpus, CorpusKind), CorpusError> {
    let kind = match kind {
        _ if is_manifest(path) => CorpusKind::Csv,
        Some(kind) => kind,
        None => detect_corpus(path)?,
    };
    let corpus = without_duplicates(kind.load(path)?);
    if let (true, Some(first)) = (corpus.utterances.is_empty(), corpus.skipped.first()) {
        return Err(CorpusError::NothingUsable {
            path: path.to_owned(),
            kind: kind.to_string(),
            skipped: corpus.skipped.len(),
            first: first.path.clone(),
            reason: first.reason.clone(),
        });
    }
    Ok((corpus, kind))
}

/// `corpus` with each audio file used once: a file listed again (a manifest's repeated row,
/// one folder given twice) is skipped with the reason, not counted twice.
fn without_duplicates(mut corpus: Corpus) -> Corpus {
    let mut seen = std::collections::HashSet::new();
    let (mut kept, mut skipped) = (Vec::new(), Vec::new());
    for utterance in std::mem::take(&mut corpus.utterances) {
        let file = std::fs::canonicalize(&utterance.path).unwrap_or(utterance.path.clone());
        if seen.insert(file) {
            kept.push(utterance);
        } else {
            skipped.push(crate::SkippedFile {
                path: utterance.path,
                reason: "listed more than once: used once".into(),
            });
        }
    }
    corpus.utterances = kept;
    corpus.skipped.extend(skipped);
    corpus
}

/// Loads every corpus of `paths` as [`load_corpus`] does and combines them
/// ([`crate::protocol::combine`]: speakers become `corpus:id`) when there are several; returns
/// the corpus with the kind used for each path.
pub fn load_corpora(
    paths: &[std::path::PathBuf],
    kind: Option<CorpusKind>,
) -> Result<(Corpus, Vec<CorpusKind>), CorpusError> {
    let mut corpora = Vec::with_capacity(paths.len());
    let mut kinds = Vec::with_capacity(paths.len());
    for path in paths {
        let (corpus, used) = load_corpus(path, kind)?;
        corpora.push(corpus);
        kinds.push(used);
    }
    let corpus = match corpora.len() {
        0 => return Err(CorpusError::NoCorpus),
        1 => corpora.remove(0),
        _ => without_duplicates(crate::protocol::combine(&corpora)),
    };
    Ok((corpus, kinds))
}
