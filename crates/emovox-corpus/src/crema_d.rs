//! CREMA-D (Cao et al. 2014): labels and actors from `1001_DFA_ANG_XX.wav`.
//!
//! Fields: actor `1001`..`1091`, sentence (one of the 12 codes such as `DFA`, `IEO`), emotion
//! (`ANG` angry, `DIS` disgust, `FEA` fearful, `HAP` happy, `NEU` neutral, `SAD` sad) and
//! intensity (`LO`, `MD`, `HI`, `XX` unspecified). The actors' sex is read from the corpus'
//! `VideoDemographics.csv` (columns `ActorID,Age,Sex,Race,Ethnicity`) when that file is in the
//! corpus folder or one of its parents; otherwise it is unknown.
//!
//! The GitHub repository holds every clip twice, `AudioWAV/*.wav` (16 kHz) and `AudioMP3/*.mp3`
//! (what the raters heard, some of them blank): given the repository's root, each clip is read
//! once, from its WAV file. `1040_ITH_SAD_X.wav`, misnamed in copies of the corpus made before
//! 2022 (Kaggle's among them), is read as `1040_ITH_SAD_XX`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::csv::{column, read_csv};
use super::named::{load_named, stem, NameInfo};
use super::{Corpus, CorpusError, Gender};

/// CREMA-D emotion codes and the native labels they stand for.
pub const CREMA_D_EMOTIONS: [(&str, &str); 6] = [
    ("ANG", "angry"),
    ("DIS", "disgust"),
    ("FEA", "fearful"),
    ("HAP", "happy"),
    ("NEU", "neutral"),
    ("SAD", "sad"),
];

/// The 12 sentence codes of CREMA-D.
pub const CREMA_D_SENTENCES: [&str; 12] = [
    "IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI",
];

/// The file holding CREMA-D's actor demographics.
pub const CREMA_D_DEMOGRAPHICS: &str = "VideoDemographics.csv";

/// Files of the published CREMA-D whose names break its convention, and the names they stand
/// for (CREMA-D issue 6: renamed in the repository in 2022, not in the copies made before).
const CREMA_D_MISNAMED: [(&str, &str); 1] = [("1040_ITH_SAD_X", "1040_ITH_SAD_XX")];

/// The name a CREMA-D file stem stands for: `stem` itself, or the right name of a file the
/// corpus misnamed ([`CREMA_D_MISNAMED`]).
fn canonical_name(stem: &str) -> &str {
    CREMA_D_MISNAMED
        .iter()
        .find(|(misnamed, _)| *misnamed == stem)
        .map_or(stem, |(_, name)| name)
}

/// The label and actor id a CREMA-D file stem such as `1001_DFA_ANG_XX` encodes (gender is
/// left unknown: it comes from the demographics table), or why it does not. The one file the
/// published corpus misnamed, `1040_ITH_SAD_X`, is read as `1040_ITH_SAD_XX`.
pub fn parse_crema_d_name(stem: &str) -> Result<NameInfo, String> {
    let fields: Vec<&str> = canonical_name(stem).split('_').collect();
    let [actor, sentence, emotion, intensity] = fields[..] else {
        return Err("not a CREMA-D name (four fields ACTOR_SENTENCE_EMOTION_INTENSITY)".into());
    };
    match actor.parse::<u32>() {
        Ok(1001..=1091) if actor.len() == 4 => {}
        _ => return Err(format!("CREMA-D actor {actor:?} is not in 1001-1091")),
    }
    if !CREMA_D_SENTENCES.contains(&sentence) {
        return Err(format!("unknown CREMA-D sentence code {sentence:?}"));
    }
    let Some(&(_, label)) = CREMA_D_EMOTIONS.iter().find(|(code, _)| *code == emotion) else {
        return Err(format!("unknown CREMA-D emotion code {emotion:?}"));
    };
    if !["LO", "MD", "HI", "XX"].contains(&intensity) {
        return Err(format!("unknown CREMA-D intensity {intensity:?}"));
    }
    Ok(NameInfo::new(label, actor, None))
}

/// Loads every CREMA-D clip below `dir` (the repository's root, or its `AudioWAV` folder), each
/// once (from its WAV file when the MP3 is there too). Actor sex comes from
/// `VideoDemographics.csv` found in `dir` or a parent folder (absent: unknown). Files whose
/// names do not parse, and copies of a clip already read, are listed in [`Corpus::skipped`].
pub fn load_crema_d(dir: &Path) -> Result<Corpus, CorpusError> {
    let sexes = match find_demographics(dir) {
        Some(path) => read_demographics(&path)?,
        None => BTreeMap::new(),
    };
    let parse = |path: &Path| {
        let mut info = parse_crema_d_name(&stem(path))?;
        info.gender = sexes.get(&info.speaker).copied();
        Ok(info)
    };
    load_named(dir, "crema-d", parse, |path, _| {
        Some(canonical_name(&stem(path)).to_owned())
    })
}

/// The demographics file in `dir` or its nearest parent folder holding one.
fn find_demographics(dir: &Path) -> Option<PathBuf> {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
    dir.ancestors()
        .map(|folder| folder.join(CREMA_D_DEMOGRAPHICS))
        .find(|path| path.is_file())
}

/// Reads actor id -> sex from a CREMA-D demographics table.
pub fn read_demographics(path: &Path) -> Result<BTreeMap<String, Gender>, CorpusError> {
    let (columns, records) = read_csv(path)?;
    let bad = |line: usize, reason: String| CorpusError::BadCsv {
        path: path.to_owned(),
        line,
        reason,
    };
    let (Some(id_col), Some(sex_col)) = (column(&columns, "actorid"), column(&columns, "sex"))
    else {
        return Err(bad(1, "the header needs ActorID and Sex columns".into()));
    };
    let mut sexes = BTreeMap::new();
    for record in records {
        let (Some(id), Some(sex)) = (record.fields.get(id_col), record.fields.get(sex_col)) else {
            return Err(bad(record.line, "too few fields".into()));
        };
        let gender = match sex.to_lowercase().as_str() {
            "male" => Gender::Male,
            "female" => Gender::Female,
            _ => {
                return Err(bad(
                    record.line,
                    format!("Sex {sex:?} is not Male or Female"),
                ))
            }
        };
        sexes.insert(id.clone(), gender);
    }
    Ok(sexes)
}
