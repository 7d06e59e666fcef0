//! RAVDESS (Livingstone & Russo 2018): labels and actors from `MM-VV-EE-II-SS-RR-AA.wav`.
//!
//! Fields: modality (01 audio-video, 02 video-only, 03 audio-only), vocal channel (01 speech,
//! 02 song), emotion `EE` (01 neutral, 02 calm, 03 happy, 04 sad, 05 angry, 06 fearful,
//! 07 disgust, 08 surprised), intensity, statement, repetition, actor `AA` (odd male, even female).
//!
//! Video-only files (modality 02, in the corpus' `Video_*` downloads) have no audio and are
//! skipped; a full audio-video file (01) holds the recording of the audio-only file (03) with
//! the same other fields, and one recording found twice (as in Kaggle's copy, which holds every
//! actor's folder twice) is read once.

use std::path::Path;

use super::named::{load_named, stem, NameInfo};
use super::{Corpus, CorpusError, Gender};

/// RAVDESS emotion labels, in the order of their codes 01..08.
pub const RAVDESS_EMOTIONS: [&str; 8] = [
    "neutral",
    "calm",
    "happy",
    "sad",
    "angry",
    "fearful",
    "disgust",
    "surprised",
];

/// The label, speaker id (two digits) and gender a RAVDESS file name encodes, or why it does not
/// (a video-only name, modality 02, parses: [`load_ravdess`] skips such files).
pub fn parse_ravdess_name(stem: &str) -> Result<(&'static str, String, Gender), String> {
    let fields: Vec<&str> = stem.split('-').collect();
    if fields.len() != 7
        || fields
            .iter()
            .any(|f| f.len() != 2 || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("not a RAVDESS name (seven two-digit fields MM-VV-EE-II-SS-RR-AA)".into());
    }
    let number = |i: usize| {
        fields[i]
            .parse::<usize>()
            .expect("checked to be two digits")
    };
    if !(1..=3).contains(&number(0)) {
        return Err(format!("unknown RAVDESS modality {:02}", number(0)));
    }
    let label = match number(2) {
        code @ 1..=8 => RAVDESS_EMOTIONS[code - 1],
        code => return Err(format!("unknown RAVDESS emotion code {code:02}")),
    };
    let actor = number(6);
    if actor == 0 {
        return Err("RAVDESS actor 00 does not exist".into());
    }
    let gender = if actor % 2 == 1 {
        Gender::Male
    } else {
        Gender::Female
    };
    Ok((label, format!("{actor:02}"), gender))
}

/// Loads every RAVDESS clip below `dir` (speech and song, any folder nesting such as
/// `Actor_12/`), each recording once: the audio-only file (`03-...`) rather than the
/// audio-video one (`01-...`), one copy of a file found twice. Files whose names do not parse,
/// video-only files and the copies left out are listed in [`Corpus::skipped`].
pub fn load_ravdess(dir: &Path) -> Result<Corpus, CorpusError> {
    let parse = |path: &Path| {
        let stem = stem(path);
        let (label, speaker, gender) = parse_ravdess_name(&stem)?;
        if stem.starts_with("02-") {
            return Err("RAVDESS modality 02 is video-only: the file has no audio".into());
        }
        Ok(NameInfo::new(label, speaker, Some(gender)))
    };
    // The recording is every field but the modality.
    load_named(dir, "ravdess", parse, |path, _| {
        stem(path).split_once('-').map(|(_, rest)| rest.to_owned())
    })
}
