//! Speaker-independent evaluation protocols: which speakers train, which are held out.
//!
//! [`SpeakerSet`] names speakers by list (`1-18`); [`k_fold_speakers`] and
//! [`leave_one_speaker_out`] make cross-validation [`Fold`]s with no speaker in both train and
//! test; [`combine`] and [`shared_labels`] prepare cross-corpus experiments.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{Corpus, CorpusError, Gender, Utterance};

/// A set of speakers given as a list such as `1-18`, `19,20` or `01,03,5-7`.
///
/// Numeric items match numeric speaker ids whatever their zero padding (`1` matches RAVDESS
/// actor `01`); other items match speaker ids exactly (`DC`, `1001`). Speakers of combined
/// corpora are named `corpus:id` ([`combine`]): an item `corpus:ITEM` (`ravdess:1-18`,
/// `turev16k:1984`) matches only that corpus's speakers, a bare item those of every corpus.
///
/// ```
/// use emovox_corpus::protocol::SpeakerSet;
///
/// let train = SpeakerSet::parse("1-18")?;
/// assert!(train.contains("07") && !train.contains("19"));
/// let held_out = SpeakerSet::parse("ravdess:19-20,turev16k:1984,turev16k:7895")?;
/// assert!(held_out.contains("ravdess:20") && held_out.contains("turev16k:1984"));
/// assert!(!held_out.contains("ravdess:1984") && !held_out.contains("20"));
/// # Ok::<(), emovox_corpus::CorpusError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpeakerSet {
    /// The list as given.
    list: String,
    items: Vec<SpeakerItem>,
}

/// One item of a [`SpeakerSet`], optionally scoped to a corpus.
#[derive(Clone, Debug, PartialEq, Eq)]
struct SpeakerItem {
    /// The item as given.
    text: String,
    corpus: Option<String>,
    id: SpeakerId,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum SpeakerId {
    /// Numeric ids `a..=b`.
    Range(u64, u64),
    /// One id, matched exactly.
    Name(String),
}

impl SpeakerSet {
    /// Parses a comma-separated list of speaker ids and inclusive numeric ranges `a-b`, each
    /// optionally prefixed by `corpus:`.
    pub fn parse(list: &str) -> Result<Self, CorpusError> {
        let bad = |reason: String| CorpusError::BadSpeakerList {
            list: list.to_owned(),
            reason,
        };
        let mut items = Vec::new();
        for item in list.split(',').map(str::trim) {
            let (corpus, spec) = match item.split_once(':') {
                Some((corpus, spec)) => (Some(corpus.trim().to_owned()), spec.trim()),
                None => (None, item),
            };
            if spec.is_empty() || corpus.as_deref() == Some("") {
                return Err(bad(format!("empty item {item:?}")));
            }
            let id = match spec.split_once('-') {
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
                    SpeakerId::Range(a, b)
                }
                None => match spec.parse::<u64>() {
                    Ok(n) => SpeakerId::Range(n, n),
                    Err(_) => SpeakerId::Name(spec.to_owned()),
                },
            };
            items.push(SpeakerItem {
                text: item.to_owned(),
                corpus,
                id,
            });
        }
        Ok(Self {
            list: list.to_owned(),
            items,
        })
    }

    /// Whether `speaker` (an id, or `corpus:id` for combined corpora) is in the set.
    pub fn contains(&self, speaker: &str) -> bool {
        self.items.iter().any(|item| item.matches(speaker))
    }

    /// The distinct speakers of `utterances` in the set, sorted. An item of the set that
    /// matches none of them (a range, at least one) is [`CorpusError::UnmatchedSpeakers`].
    pub fn speakers_of(&self, utterances: &[Utterance]) -> Result<Vec<String>, CorpusError> {
        self.check_matches(utterances)?;
        let mut speakers: Vec<String> = utterances
            .iter()
            .filter(|u| self.contains(&u.speaker))
            .map(|u| u.speaker.clone())
            .collect();
        speakers.sort();
        speakers.dedup();
        Ok(speakers)
    }

    /// The utterances whose speaker is in the set, in their order; an item that matches no
    /// speaker of `utterances` is an error, as for [`SpeakerSet::speakers_of`].
    pub fn select(&self, utterances: &[Utterance]) -> Result<Vec<Utterance>, CorpusError> {
        self.check_matches(utterances)?;
        Ok(utterances
            .iter()
            .filter(|u| self.contains(&u.speaker))
            .cloned()
            .collect())
    }

    /// Refuses items that match no speaker of `utterances`.
    fn check_matches(&self, utterances: &[Utterance]) -> Result<(), CorpusError> {
        let mut speakers: Vec<&str> = utterances.iter().map(|u| u.speaker.as_str()).collect();
        speakers.sort_unstable();
        speakers.dedup();
        let items: Vec<String> = (self.items.iter())
            .filter(|item| !speakers.iter().any(|s| item.matches(s)))
            .map(|item| item.text.clone())
            .collect();
        if items.is_empty() {
            Ok(())
        } else {
            Err(CorpusError::UnmatchedSpeakers {
                list: self.list.clone(),
                items,
            })
        }
    }
}

impl SpeakerItem {
    /// Whether `speaker` (an id, or `corpus:id`) is this item's.
    fn matches(&self, speaker: &str) -> bool {
        let (corpus, id) = match speaker.split_once(':') {
            Some((corpus, id)) => (Some(corpus), id),
            None => (None, speaker),
        };
        let scope_matches = match (&self.corpus, corpus) {
            (None, _) => true,
            (Some(wanted), Some(corpus)) => wanted == corpus,
            (Some(_), None) => false,
        };
        scope_matches
            && match &self.id {
                SpeakerId::Range(a, b) => id.parse::<u64>().is_ok_and(|n| (*a..=*b).contains(&n)),
                SpeakerId::Name(name) => name == id,
            }
    }
}

impl std::str::FromStr for SpeakerSet {
    type Err = CorpusError;

    fn from_str(list: &str) -> Result<Self, Self::Err> {
        Self::parse(list)
    }
}

/// One train/test split of a speaker-independent cross-validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fold {
    /// The fold's name, e.g. `fold-1` or `speaker-DC`.
    pub name: String,
    /// Speakers whose utterances train, sorted.
    pub train_speakers: Vec<String>,
    /// Held-out speakers whose utterances test, sorted.
    pub test_speakers: Vec<String>,
}

impl Fold {
    /// The utterances of the train speakers and of the test speakers, each in their order;
    /// utterances of other speakers are in neither.
    pub fn split(&self, utterances: &[Utterance]) -> (Vec<Utterance>, Vec<Utterance>) {
        let pick = |speakers: &[String]| -> Vec<Utterance> {
            utterances
                .iter()
                .filter(|u| speakers.contains(&u.speaker))
                .cloned()
                .collect()
        };
        (pick(&self.train_speakers), pick(&self.test_speakers))
    }
}

/// Sort key putting numeric speaker ids first, in numeric order, then the others by name.
fn speaker_order(speaker: &str) -> (bool, u64, String) {
    match speaker.parse::<u64>() {
        Ok(n) => (false, n, speaker.to_owned()),
        Err(_) => (true, 0, speaker.to_owned()),
    }
}

/// Every speaker with its gender (`None` when unknown or inconsistent), in [`speaker_order`].
fn speaker_genders(utterances: &[Utterance]) -> Vec<(String, Option<Gender>)> {
    let mut genders: BTreeMap<(bool, u64, String), Option<Gender>> = BTreeMap::new();
    for u in utterances {
        genders
            .entry(speaker_order(&u.speaker))
            .and_modify(|g| {
                if *g != u.gender {
                    *g = None;
                }
            })
            .or_insert(u.gender);
    }
    genders.into_iter().map(|((_, _, s), g)| (s, g)).collect()
}

/// Builds the folds whose test speakers are `groups[i]`; every other speaker trains.
fn folds_from_groups(all: &[String], groups: Vec<(String, Vec<String>)>) -> Vec<Fold> {
    groups
        .into_iter()
        .map(|(name, test_speakers)| Fold {
            name,
            train_speakers: all
                .iter()
                .filter(|s| !test_speakers.contains(s))
                .cloned()
                .collect(),
            test_speakers,
        })
        .collect()
}

/// Splits the speakers of `utterances` into `k` speaker-independent folds, deterministically.
///
/// Speakers are dealt round-robin over the folds, males first, then females, then speakers of
/// unknown gender, each group in speaker order; so fold sizes differ by at most one and, when
/// genders are known, each fold gets as even a share of each gender as possible (RAVDESS
/// actors 01-20 with `k = 5`: four actors per fold, two male and two female).
/// Fails unless `2 <= k <= number of speakers`.
///
/// ```
/// use emovox_corpus::{Gender, Utterance};
/// use emovox_corpus::protocol::k_fold_speakers;
///
/// let utterances: Vec<Utterance> = (1..=4)
///     .map(|actor| Utterance {
///         path: format!("{actor}.wav").into(),
///         label: "happy".into(),
///         speaker: format!("{actor:02}"),
///         gender: Some(if actor % 2 == 1 { Gender::Male } else { Gender::Female }),
///         corpus: "ravdess".into(),
///     })
///     .collect();
/// let folds = k_fold_speakers(&utterances, 2)?;
/// assert_eq!(folds[0].test_speakers, ["01", "02"]);
/// assert_eq!(folds[1].train_speakers, ["01", "02"]);
/// # Ok::<(), emovox_corpus::CorpusError>(())
/// ```
pub fn k_fold_speakers(utterances: &[Utterance], k: usize) -> Result<Vec<Fold>, CorpusError> {
    let speakers = speaker_genders(utterances);
    if k < 2 || k > speakers.len() {
        return Err(CorpusError::BadFolds(format!(
            "{k} folds asked for {} speakers (need 2 <= k <= speakers)",
            speakers.len()
        )));
    }
    let group_rank = |g: &Option<Gender>| match g {
        Some(Gender::Male) => 0,
        Some(Gender::Female) => 1,
        None => 2,
    };
    let mut dealt: Vec<&(String, Option<Gender>)> = speakers.iter().collect();
    dealt.sort_by_key(|(_, g)| group_rank(g)); // stable: speaker order within each group
    let mut groups: Vec<Vec<(bool, u64, String)>> = vec![Vec::new(); k];
    for (i, (speaker, _)) in dealt.into_iter().enumerate() {
        groups[i % k].push(speaker_order(speaker));
    }
    let all: Vec<String> = speakers.into_iter().map(|(s, _)| s).collect();
    let groups = groups
        .into_iter()
        .enumerate()
        .map(|(i, mut group)| {
            group.sort();
            let test = group.into_iter().map(|(_, _, s)| s).collect();
            (format!("fold-{}", i + 1), test)
        })
        .collect();
    Ok(folds_from_groups(&all, groups))
}

/// One fold per speaker, holding that speaker out (named `speaker-<id>`), in speaker order.
/// Fails with fewer than two speakers.
pub fn leave_one_speaker_out(utterances: &[Utterance]) -> Result<Vec<Fold>, CorpusError> {
    let all: Vec<String> = speaker_genders(utterances)
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    if all.len() < 2 {
        return Err(CorpusError::BadFolds(format!(
            "leave-one-speaker-out needs at least 2 speakers, found {}",
            all.len()
        )));
    }
    let groups = all
        .iter()
        .map(|s| (format!("speaker-{s}"), vec![s.clone()]))
        .collect();
    Ok(folds_from_groups(&all, groups))
}

/// The labels present in both `a` and `b`, sorted: the classes a cross-corpus test can score
/// (apply the same [`crate::LabelScheme`] to both first).
pub fn shared_labels(a: &[Utterance], b: &[Utterance]) -> Vec<String> {
    let labels =
        |u: &[Utterance]| -> BTreeSet<String> { u.iter().map(|u| u.label.clone()).collect() };
    labels(a).intersection(&labels(b)).cloned().collect()
}

/// Merges corpora into one, named by their names joined with `+`. Speaker ids are prefixed
/// with their utterance's corpus name (`ravdess:01`, `savee:DC`; not twice) so speakers of
/// different corpora never merge. Utterances and skipped files are sorted by path.
pub fn combine(corpora: &[Corpus]) -> Corpus {
    let mut combined = Corpus {
        name: corpora
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join("+"),
        ..Corpus::default()
    };
    for corpus in corpora {
        combined
            .utterances
            .extend(corpus.utterances.iter().map(|u| {
                let prefix = format!("{}:", u.corpus);
                let speaker = if u.speaker.starts_with(&prefix) {
                    u.speaker.clone()
                } else {
                    prefix + &u.speaker
                };
                Utterance {
                    speaker,
                    ..u.clone()
                }
            }));
        combined.skipped.extend(corpus.skipped.iter().cloned());
    }
    combined.utterances.sort_by(|a, b| a.path.cmp(&b.path));
    combined.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    combined
}
