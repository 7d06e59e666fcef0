//! TESS, the Toronto Emotional Speech Set (Dupuis & Pichora-Fuller 2010): `OAF_back_angry.wav`.
//!
//! Fields: speaker (`OAF` older, `YAF` younger adult female; both women), the target word, and
//! the emotion (`angry`, `disgust`, `fear`, `happy`, `neutral`, `ps` pleasant surprise, `sad`).
//! Labels are read from the file names, never from the folder names (which are inconsistent
//! between distributions: `OAF_Pleasant_surprise` beside `YAF_pleasant_surprised`, `OAF_Fear`
//! beside `YAF_fear`). Pleasant surprise spelt out (`OAF_back_pleasant_surprise`, as some copies
//! rename it) is `ps` too, and the one file the corpus misnamed, `OAF_neutral/OA_bite_neutral`,
//! is speaker `OAF`'s. A clip found twice (Kaggle's copy holds the corpus twice, in two
//! folders) is read once.

use std::path::Path;

use super::named::{load_named, speaker_and_stem, stem, NameInfo};
use super::{Corpus, CorpusError, Gender};

/// The native TESS emotion labels (`ps` is pleasant surprise).
pub const TESS_EMOTIONS: [&str; 7] = ["angry", "disgust", "fear", "happy", "neutral", "ps", "sad"];

/// Files of the published TESS whose names break its convention (lower case), and the names
/// they stand for.
const TESS_MISNAMED: [(&str, &str); 1] = [("oa_bite_neutral", "oaf_bite_neutral")];

/// Spellings of pleasant surprise (lower case) read as the native label `ps`.
const PLEASANT_SURPRISE: [&str; 3] = ["ps", "pleasant_surprise", "pleasant_surprised"];

/// The label and speaker a TESS file stem such as `OAF_back_angry` encodes, or why it does not.
/// Matching is case-insensitive; the speaker id is upper case, the label lower case. The
/// emotion `pleasant_surprise(d)` is `ps`; the misnamed `OA_bite_neutral` is speaker `OAF`'s.
pub fn parse_tess_name(stem: &str) -> Result<NameInfo, String> {
    let lower = stem.to_lowercase();
    let lower = TESS_MISNAMED
        .iter()
        .find(|(misnamed, _)| *misnamed == lower)
        .map_or(lower.as_str(), |(_, name)| name);
    let fields: Vec<&str> = lower.splitn(3, '_').collect();
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
    let label = match emotion {
        e if PLEASANT_SURPRISE.contains(&e) => "ps",
        e if TESS_EMOTIONS.contains(&e) => e,
        _ => return Err(format!("unknown TESS emotion {emotion:?}")),
    };
    Ok(NameInfo::new(label, speaker, Some(Gender::Female)))
}

/// Loads every TESS clip below `dir` (any folder layout), each once. Files whose names do not
/// parse, and copies of a clip already read, are listed in [`Corpus::skipped`].
pub fn load_tess(dir: &Path) -> Result<Corpus, CorpusError> {
    load_named(
        dir,
        "tess",
        |path| parse_tess_name(&stem(path)),
        speaker_and_stem,
    )
}
