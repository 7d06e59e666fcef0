//! Label schemes: which classes a model is trained on, mapped from each corpus' native labels.
//!
//! * `native`: the corpus' own labels, unchanged.
//! * `common`: 7 emotions shared across corpora, `neutral, happy, sad, angry, fearful, disgust,
//!   surprised`, mapped as below; labels without a counterpart are dropped (and counted).
//! * `gender_emotion`: `<gender>_<common emotion>`, 14 classes such as `female_angry` or
//!   `male_neutral`; utterances whose speaker's gender is unknown, or whose label has no common
//!   counterpart, are dropped.
//! * `gender`: `female` or `male`, whatever the emotion; unknown gender is dropped.
//!
//! The `common` mapping from native labels (the same word means the same class in every corpus;
//! folder-per-label and CSV corpora use it too):
//!
//! | native label | used by                              | common      |
//! |--------------|--------------------------------------|-------------|
//! | `neutral`    | RAVDESS, CREMA-D, TESS, SAVEE, EmoDB | `neutral`   |
//! | `calm`       | RAVDESS                              | `neutral`   |
//! | `happy`      | RAVDESS, CREMA-D, TESS               | `happy`     |
//! | `happiness`  | SAVEE, EmoDB                         | `happy`     |
//! | `sad`        | RAVDESS, CREMA-D, TESS               | `sad`       |
//! | `sadness`    | SAVEE, EmoDB                         | `sad`       |
//! | `angry`      | RAVDESS, CREMA-D, TESS               | `angry`     |
//! | `anger`      | SAVEE, EmoDB                         | `angry`     |
//! | `fearful`    | RAVDESS, CREMA-D                     | `fearful`   |
//! | `fear`       | TESS, SAVEE, EmoDB                   | `fearful`   |
//! | `disgust`    | RAVDESS, CREMA-D, TESS, SAVEE, EmoDB | `disgust`   |
//! | `surprised`  | RAVDESS                              | `surprised` |
//! | `surprise`   | SAVEE                                | `surprised` |
//! | `ps` (pleasant surprise) | TESS                     | `surprised` |
//! | `boredom`    | EmoDB                                | dropped     |
//! | anything else | folders, CSV                        | dropped     |

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{CorpusError, Gender, Utterance};

/// The 7 emotions of the `common` scheme, in class order.
pub const COMMON_EMOTIONS: [&str; 7] = [
    "neutral",
    "happy",
    "sad",
    "angry",
    "fearful",
    "disgust",
    "surprised",
];

/// The common emotion a native label stands for (see the module table), or `None`.
pub fn common_emotion(native: &str) -> Option<&'static str> {
    Some(match native {
        "neutral" | "calm" => "neutral",
        "happy" | "happiness" => "happy",
        "sad" | "sadness" => "sad",
        "angry" | "anger" => "angry",
        "fearful" | "fear" => "fearful",
        "disgust" => "disgust",
        "surprised" | "surprise" | "ps" => "surprised",
        _ => return None,
    })
}

/// Which classes utterances are labelled with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelScheme {
    /// The corpus' own labels.
    #[default]
    Native,
    /// The 7 [`COMMON_EMOTIONS`].
    Common,
    /// `female_<common emotion>` / `male_<common emotion>`, 14 classes.
    GenderEmotion,
    /// `female` / `male`.
    Gender,
}

impl LabelScheme {
    /// Every scheme, in a fixed order.
    pub const ALL: [LabelScheme; 4] = [
        Self::Native,
        Self::Common,
        Self::GenderEmotion,
        Self::Gender,
    ];

    /// How this scheme merges a model's `labels`, as it merges a corpus': (label, merged
    /// label) for each label it renames (under `common`, a RAVDESS model's `calm` becomes
    /// `neutral`, so `calm` and `neutral` are scored as one class); none for the other schemes.
    ///
    /// ```
    /// use emovox_corpus::LabelScheme;
    ///
    /// let labels = ["calm".to_string(), "angry".to_string()];
    /// let merges = LabelScheme::Common.merges(&labels);
    /// assert!(merges.contains(&("calm".to_string(), "neutral".to_string())));
    /// assert!(LabelScheme::Native.merges(&labels).is_empty());
    /// ```
    pub fn merges(self, labels: &[String]) -> Vec<(String, String)> {
        match self {
            Self::Common => (labels.iter())
                .filter_map(|label| common_emotion(label).map(|c| (label.clone(), c.to_string())))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The scheme's name as written on command lines and in configs, e.g. `gender_emotion`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::Common => "common",
            Self::GenderEmotion => "gender_emotion",
            Self::Gender => "gender",
        }
    }

    /// The scheme's label for `utterance`, or `None` when the scheme drops it.
    pub fn label(self, utterance: &Utterance) -> Option<String> {
        let gender = || utterance.gender.map(Gender::name);
        match self {
            Self::Native => Some(utterance.label.clone()),
            Self::Common => common_emotion(&utterance.label).map(str::to_owned),
            Self::GenderEmotion => {
                let emotion = common_emotion(&utterance.label)?;
                Some(format!("{}_{emotion}", gender()?))
            }
            Self::Gender => gender().map(str::to_owned),
        }
    }

    /// The scheme's fixed classes in order, or `None` for `native` (whose classes depend on the
    /// corpus).
    pub fn classes(self) -> Option<Vec<String>> {
        let genders = [Gender::Female, Gender::Male].map(Gender::name);
        match self {
            Self::Native => None,
            Self::Common => Some(COMMON_EMOTIONS.map(str::to_owned).to_vec()),
            Self::GenderEmotion => Some(
                genders
                    .iter()
                    .flat_map(|g| COMMON_EMOTIONS.iter().map(move |e| format!("{g}_{e}")))
                    .collect(),
            ),
            Self::Gender => Some(genders.map(str::to_owned).to_vec()),
        }
    }
}

impl fmt::Display for LabelScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for LabelScheme {
    type Err = CorpusError;

    /// Accepts the scheme names case-insensitively, with `-` or `_` (`gender-emotion`).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let wanted = name.trim().to_lowercase().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|scheme| scheme.name() == wanted)
            .ok_or_else(|| CorpusError::UnknownScheme(name.to_owned()))
    }
}

/// Relabels `utterances` under `scheme`: the kept utterances (in order, with their new label)
/// and how many were dropped per original (native) label.
///
/// ```
/// use emovox_corpus::{apply_scheme, Gender, LabelScheme, Utterance};
///
/// let clip = |label: &str| Utterance {
///     path: format!("{label}.wav").into(),
///     label: label.into(),
///     speaker: "03".into(),
///     gender: Some(Gender::Male),
///     corpus: "emodb".into(),
/// };
/// let (kept, dropped) = apply_scheme(&[clip("anger"), clip("boredom")], LabelScheme::GenderEmotion);
/// assert_eq!(kept[0].label, "male_angry");
/// assert_eq!(dropped["boredom"], 1);
/// ```
pub fn apply_scheme(
    utterances: &[Utterance],
    scheme: LabelScheme,
) -> (Vec<Utterance>, BTreeMap<String, usize>) {
    keep_counting(utterances, |u| {
        scheme
            .label(u)
            .map(|label| Utterance { label, ..u.clone() })
    })
}

/// Keeps the utterances whose label is one of `model_labels` (e.g. a trained model's classes,
/// for cross-corpus testing): the kept utterances in order and the dropped count per label.
pub fn restrict_to_labels(
    utterances: &[Utterance],
    model_labels: &[String],
) -> (Vec<Utterance>, BTreeMap<String, usize>) {
    keep_counting(utterances, |u| {
        model_labels.contains(&u.label).then(|| u.clone())
    })
}

/// The utterances `keep` maps to `Some`, in order, and the count per label of those it drops.
fn keep_counting(
    utterances: &[Utterance],
    keep: impl Fn(&Utterance) -> Option<Utterance>,
) -> (Vec<Utterance>, BTreeMap<String, usize>) {
    let mut dropped = BTreeMap::new();
    let kept = utterances
        .iter()
        .filter_map(|u| {
            let kept = keep(u);
            if kept.is_none() {
                *dropped.entry(u.label.clone()).or_insert(0) += 1;
            }
            kept
        })
        .collect();
    (kept, dropped)
}
