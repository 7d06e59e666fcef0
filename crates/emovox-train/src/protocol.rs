//! Speaker-independent evaluation protocols: which speakers train, which are held out.

use std::collections::BTreeSet;

use crate::corpus::{CorpusError, Utterance};

/// A set of speakers given as a list such as `1-18`, `19,20` or `01,03,5-7`.
///
/// Numeric items match numeric speaker ids whatever their zero padding (`1` matches RAVDESS
/// actor `01`); other items match speaker ids exactly (`DC`, `1001`).
///
/// ```
/// use emovox_train::protocol::SpeakerSet;
///
/// let train = SpeakerSet::parse("1-18")?;
/// assert!(train.contains("07") && !train.contains("19"));
/// # Ok::<(), emovox_train::corpus::CorpusError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpeakerSet {
    numbers: BTreeSet<u64>,
    names: BTreeSet<String>,
}

impl SpeakerSet {
    /// Parses a comma-separated list of speaker ids and inclusive numeric ranges `a-b`.
    pub fn parse(list: &str) -> Result<Self, CorpusError> {
        let bad = |reason: String| CorpusError::BadSpeakerList {
            list: list.to_owned(),
            reason,
        };
        let mut set = Self {
            numbers: BTreeSet::new(),
            names: BTreeSet::new(),
        };
        for item in list.split(',').map(str::trim) {
            if item.is_empty() {
                return Err(bad("empty item".into()));
            }
            match item.split_once('-') {
                Some((a, b)) => {
                    let parse = |s: &str| {
                        s.trim()
                            .parse::<u64>()
                            .map_err(|_| bad(format!("{item:?} is not a range of numbers")))
                    };
                    let (a, b) = (parse(a)?, parse(b)?);
                    if a > b {
                        return Err(bad(format!("range {item:?} runs backwards")));
                    }
                    set.numbers.extend(a..=b);
                }
                None => match item.parse::<u64>() {
                    Ok(n) => {
                        set.numbers.insert(n);
                    }
                    Err(_) => {
                        set.names.insert(item.to_owned());
                    }
                },
            }
        }
        Ok(set)
    }

    /// Whether `speaker` is in the set.
    pub fn contains(&self, speaker: &str) -> bool {
        match speaker.parse::<u64>() {
            Ok(n) => self.numbers.contains(&n) || self.names.contains(speaker),
            Err(_) => self.names.contains(speaker),
        }
    }

    /// The utterances whose speaker is in the set, in their order.
    pub fn select(&self, utterances: &[Utterance]) -> Vec<Utterance> {
        utterances
            .iter()
            .filter(|u| self.contains(&u.speaker))
            .cloned()
            .collect()
    }
}

impl std::str::FromStr for SpeakerSet {
    type Err = CorpusError;

    fn from_str(list: &str) -> Result<Self, Self::Err> {
        Self::parse(list)
    }
}
