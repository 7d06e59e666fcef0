//! A CSV manifest listing clips: header `path,label[,speaker][,gender]`, one clip a line.
//!
//! Columns are found by their header names (any order, case-insensitive); `path` and `label`
//! are required. Relative paths are taken from the manifest's folder. `speaker` defaults to
//! `unknown`; `gender` is `male`/`m`, `female`/`f`, or empty/`unknown`. A malformed line is a
//! [`CorpusError::BadCsv`] naming its line; listed files that are missing, not audio by their
//! extension ([`AUDIO_EXTENSIONS`]: WAV, FLAC, MP3, OGG, Opus, WebM, MKV, M4A, MP4, AIFF, CAF, AAC, AMR, as the folder
//! loaders take) or Git LFS pointers are listed in [`Corpus::skipped`]. The corpus name is the
//! manifest's file stem, lower-cased.

use std::path::Path;

use super::csv::{column, read_csv};
use super::folders::UNKNOWN_SPEAKER;
use super::named::{not_audio, stem};
use super::walk::{is_audio_file, AUDIO_EXTENSIONS};
use super::{Corpus, CorpusError, Gender, SkippedFile, Utterance};

/// Parses a manifest gender cell: `Ok(None)` for empty or `unknown`.
fn parse_gender(cell: &str) -> Result<Option<Gender>, String> {
    match cell.to_lowercase().as_str() {
        "" | "unknown" => Ok(None),
        "male" | "m" => Ok(Some(Gender::Male)),
        "female" | "f" => Ok(Some(Gender::Female)),
        other => Err(format!("gender {other:?} is not male, female or unknown")),
    }
}

/// Why a listed file with none of the [`AUDIO_EXTENSIONS`] is skipped.
fn not_audio_extension() -> String {
    let dotted: Vec<String> = AUDIO_EXTENSIONS.iter().map(|e| format!(".{e}")).collect();
    let (last, others) = dotted.split_last().expect("AUDIO_EXTENSIONS is not empty");
    format!("not a {} or {last} file", others.join(", "))
}

/// Loads the clips a CSV manifest lists.
pub fn load_manifest(csv: &Path) -> Result<Corpus, CorpusError> {
    let (columns, records) = read_csv(csv)?;
    let bad = |line: usize, reason: String| CorpusError::BadCsv {
        path: csv.to_owned(),
        line,
        reason,
    };
    let (Some(path_col), Some(label_col)) = (column(&columns, "path"), column(&columns, "label"))
    else {
        return Err(bad(1, "the header needs path and label columns".into()));
    };
    let speaker_col = column(&columns, "speaker");
    let gender_col = column(&columns, "gender");
    let base = csv.parent().unwrap_or(Path::new(""));
    // A file called `manifest.csv` is named after its folder (`turev16k/manifest.csv`).
    let name = match stem(csv).to_lowercase() {
        s if s == "manifest" => base
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or(s),
        s => s,
    };
    let mut corpus = Corpus {
        name: name.clone(),
        ..Corpus::default()
    };
    for record in records {
        let line = record.line;
        if record.fields.len() != columns.len() {
            return Err(bad(
                line,
                format!(
                    "{} fields, the header has {}",
                    record.fields.len(),
                    columns.len()
                ),
            ));
        }
        let cell = |col: Option<usize>| col.map_or("", |c| record.fields[c].as_str());
        let (path, label) = (cell(Some(path_col)), cell(Some(label_col)).to_lowercase());
        if path.is_empty() || label.is_empty() {
            return Err(bad(line, "empty path or label".into()));
        }
        let gender = parse_gender(cell(gender_col)).map_err(|reason| bad(line, reason))?;
        let speaker = match cell(speaker_col) {
            "" => UNKNOWN_SPEAKER.to_owned(),
            speaker => speaker.to_owned(),
        };
        let path = base.join(path);
        let reason = if !is_audio_file(&path) {
            Some(format!("line {line}: {}", not_audio_extension()))
        } else if !path.is_file() {
            Some(format!("line {line}: file does not exist"))
        } else {
            not_audio(&path).map(|reason| format!("line {line}: {reason}"))
        };
        match reason {
            Some(reason) => corpus.skipped.push(SkippedFile { path, reason }),
            None => corpus.utterances.push(Utterance {
                path,
                label,
                speaker,
                gender,
                corpus: name.clone(),
            }),
        }
    }
    if corpus.utterances.is_empty() && corpus.skipped.is_empty() {
        return Err(CorpusError::NoAudio(csv.to_owned()));
    }
    corpus.utterances.sort_by(|a, b| a.path.cmp(&b.path));
    corpus.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(corpus)
}
