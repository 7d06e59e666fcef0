//! TESS, the Toronto Emotional Speech Set (Dupuis & Pichora-Fuller 2010): `OAF_back_angry.wav`.
//!
//! Fields: speaker (`OAF` older, `YAF` younger adult female; both women), the target word, and
//! the emotion (`angry`, `disgust`, `fear`, `happy`, `neutral`, `ps` pleasant surprise, `sad`).
//! Labels are read from the file names, never from the folder names (which are inconsistent
//! between distributions).

use std::path::Path;

use super::named::{load_named, stem, NameInfo};
use super::{Corpus, CorpusError, Gender};

/// The native TESS emotion labels (`ps` is pleasant surprise).
pub const TESS_EMOTIONS: [&str; 7] = ["angry", "disgust", "fear", "happy", "neutral", "ps", "sad"];

/// The label and speaker a TESS file stem such as `OAF_back_angry` encodes, or why it does not.
/// Matching is case-insensitive; the speaker id is upper case, the label lower case.
pub fn parse_tess_name(stem: &str) -> Result<NameInfo, String> {
    let fields: Vec<&str> = stem.split('_').collect();
    let [speaker, word, emotion] = fields[..] else {
        return Err("not a TESS name (three fields SPEAKER_WORD_EMOTION)".into());
    };
    let speaker = speaker.to_uppercase();
    if speaker != "OAF" && speaker != "YAF" {
        return Err(format!("TESS speaker {speaker:?} is not OAF or YAF"));
    }
    if word.is_empty() || !word.chars().all(char::is_alphabetic) {
        return Err(format!("TESS word {word:?} is not a word"));
    }
    let label = emotion.to_lowercase();
    if !TESS_EMOTIONS.contains(&label.as_str()) {
        return Err(format!("unknown TESS emotion {emotion:?}"));
    }
    Ok(NameInfo::new(label, speaker, Some(Gender::Female)))
}

/// Loads every TESS clip below `dir` (any folder layout). Files whose names do not parse are
/// listed in [`Corpus::skipped`].
pub fn load_tess(dir: &Path) -> Result<Corpus, CorpusError> {
    load_named(dir, "tess", |path| parse_tess_name(&stem(path)))
}
