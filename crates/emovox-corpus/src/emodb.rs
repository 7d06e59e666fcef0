//! EmoDB, the Berlin Database of Emotional Speech (Burkhardt et al. 2005): `03a01Fa.wav`.
//!
//! Fields: speaker (two digits; `03 10 11 12 15` male, `08 09 13 14 16` female), text code
//! (`a01`..`b10`), emotion letter (`W` anger, `L` boredom, `E` disgust, `A` fear, `F` happiness,
//! `T` sadness, `N` neutral) and a version letter.

use std::path::Path;

use super::named::{load_named, speaker_and_stem, stem, NameInfo};
use super::{Corpus, CorpusError, Gender};

/// EmoDB emotion letters (German initials) and the native labels they stand for.
pub const EMODB_EMOTIONS: [(char, &str); 7] = [
    ('W', "anger"),
    ('L', "boredom"),
    ('E', "disgust"),
    ('A', "fear"),
    ('F', "happiness"),
    ('T', "sadness"),
    ('N', "neutral"),
];

/// The ten EmoDB speakers and their sex.
pub const EMODB_SPEAKERS: [(&str, Gender); 10] = [
    ("03", Gender::Male),
    ("08", Gender::Female),
    ("09", Gender::Female),
    ("10", Gender::Male),
    ("11", Gender::Male),
    ("12", Gender::Male),
    ("13", Gender::Female),
    ("14", Gender::Female),
    ("15", Gender::Male),
    ("16", Gender::Female),
];

/// The label, speaker and sex an EmoDB file stem such as `03a01Fa` encodes, or why it does not.
pub fn parse_emodb_name(stem: &str) -> Result<NameInfo, String> {
    let chars: Vec<char> = stem.chars().collect();
    let [s1, s2, t1, t2, t3, emotion, version] = chars[..] else {
        return Err("not an EmoDB name (seven characters SSTTTEV, e.g. 03a01Fa)".into());
    };
    let speaker: String = [s1, s2].iter().collect();
    let Some(&(_, gender)) = EMODB_SPEAKERS.iter().find(|(id, _)| *id == speaker) else {
        return Err(format!("EmoDB speaker {speaker:?} does not exist"));
    };
    if !matches!(t1, 'a' | 'b') || !t2.is_ascii_digit() || !t3.is_ascii_digit() {
        return Err(format!(
            "EmoDB text code {:?} is not a00-b99",
            [t1, t2, t3].iter().collect::<String>()
        ));
    }
    let Some(&(_, label)) = EMODB_EMOTIONS.iter().find(|(letter, _)| *letter == emotion) else {
        return Err(format!("unknown EmoDB emotion letter {emotion:?}"));
    };
    if !version.is_ascii_lowercase() {
        return Err(format!(
            "EmoDB version {version:?} is not a lower-case letter"
        ));
    }
    Ok(NameInfo::new(label, speaker, Some(gender)))
}

/// Loads every EmoDB clip below `dir` (the download's root or its `wav/` folder), each once.
/// Files whose names do not parse are listed in [`Corpus::skipped`].
pub fn load_emodb(dir: &Path) -> Result<Corpus, CorpusError> {
    load_named(
        dir,
        "emodb",
        |path| parse_emodb_name(&stem(path)),
        speaker_and_stem,
    )
}
