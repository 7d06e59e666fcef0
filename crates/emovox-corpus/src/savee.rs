//! SAVEE, Surrey Audio-Visual Expressed Emotion (Haq & Jackson 2009): `DC_a01.wav` or `DC/a01.wav`.
//!
//! Speakers `DC`, `JE`, `JK`, `KL` (all male). The letters before the sentence number give the
//! emotion: `a` anger, `d` disgust, `f` fear, `h` happiness, `n` neutral, `sa` sadness,
//! `su` surprise.

use std::path::Path;

use super::named::{load_named, parent_name, stem, NameInfo};
use super::{Corpus, CorpusError, Gender};

/// The four SAVEE speakers.
pub const SAVEE_SPEAKERS: [&str; 4] = ["DC", "JE", "JK", "KL"];

/// SAVEE emotion prefixes and the native labels they stand for.
pub const SAVEE_EMOTIONS: [(&str, &str); 7] = [
    ("a", "anger"),
    ("d", "disgust"),
    ("f", "fear"),
    ("h", "happiness"),
    ("n", "neutral"),
    ("sa", "sadness"),
    ("su", "surprise"),
];

/// The label and speaker of a SAVEE file: its stem is `DC_a01` (flat layout), or `a01` with the
/// speaker given by the enclosing folder (`folder` = `DC`). Returns why it does not parse.
pub fn parse_savee_name(stem: &str, folder: Option<&str>) -> Result<NameInfo, String> {
    let (speaker, code) = match stem.split_once('_') {
        Some((speaker, code)) => (speaker, code),
        None => match folder {
            Some(folder) => (folder, stem),
            None => return Err("not a SAVEE name (SPEAKER_CODE or SPEAKER/CODE)".into()),
        },
    };
    if !SAVEE_SPEAKERS.contains(&speaker) {
        return Err(format!(
            "SAVEE speaker {speaker:?} is not one of DC, JE, JK, KL"
        ));
    }
    let prefix_len = code
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(code.len());
    let (prefix, number) = code.split_at(prefix_len);
    let Some(&(_, label)) = SAVEE_EMOTIONS.iter().find(|(p, _)| *p == prefix) else {
        return Err(format!("unknown SAVEE emotion prefix {prefix:?}"));
    };
    if number.len() != 2 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "SAVEE sentence number {number:?} is not two digits"
        ));
    }
    Ok(NameInfo::new(label, speaker, Some(Gender::Male)))
}

/// Loads every SAVEE clip below `dir`, flat (`DC_a01.wav`) or per speaker (`DC/a01.wav`), each
/// once (`DC_a01.wav` and `DC/a01.wav` are one clip). Files whose names do not parse are listed
/// in [`Corpus::skipped`].
pub fn load_savee(dir: &Path) -> Result<Corpus, CorpusError> {
    load_named(dir, "savee", parse_savee_path, |path, info| {
        let stem = stem(path);
        let code = stem.split_once('_').map_or(stem.as_str(), |(_, code)| code);
        Some(format!("{}/{code}", info.speaker))
    })
}

/// [`parse_savee_name`] for a file path (its stem and enclosing folder).
pub(crate) fn parse_savee_path(path: &Path) -> Result<NameInfo, String> {
    parse_savee_name(&stem(path), Some(&parent_name(path)))
}
