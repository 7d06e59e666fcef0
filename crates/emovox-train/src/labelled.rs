//! A corpus relabelled under a label scheme: what a training run starts from.

use std::collections::BTreeMap;
use std::fmt;

use emovox_corpus::{apply_scheme, Corpus, LabelScheme, Utterance};

/// A corpus's utterances relabelled under a [`LabelScheme`] ([`apply_scheme`]), with the
/// labels and speakers left: the data a run under `--labels` trains and validates on.
///
/// ```
/// use emovox_train::corpus::{Corpus, Gender, LabelScheme, Utterance};
/// use emovox_train::LabelledCorpus;
///
/// let clip = |speaker: &str, gender| Utterance {
///     path: format!("{speaker}.wav").into(),
///     label: "angry".into(),
///     speaker: speaker.into(),
///     gender,
///     corpus: "mine".into(),
/// };
/// let corpus = Corpus {
///     name: "mine".into(),
///     utterances: vec![clip("a", Some(Gender::Female)), clip("b", None)],
///     skipped: Vec::new(),
/// };
/// let labelled = LabelledCorpus::new(&corpus, LabelScheme::Gender);
/// assert_eq!(labelled.speakers, ["a"]); // `b` has no gender: none of their clips is kept
/// assert_eq!(labelled.labels, ["female"]);
/// ```
#[derive(Clone, Debug)]
pub struct LabelledCorpus {
    /// The corpus name.
    pub name: String,
    /// The scheme applied.
    pub scheme: LabelScheme,
    /// The utterances the scheme keeps, relabelled, in the corpus' order.
    pub utterances: Vec<Utterance>,
    /// How many utterances the scheme left out, per original label.
    pub dropped: BTreeMap<String, usize>,
    /// The distinct labels of the kept utterances, sorted.
    pub labels: Vec<String>,
    /// The distinct speakers of the kept utterances, sorted: a speaker all of whose clips the
    /// scheme leaves out (e.g. of unknown gender under `gender`) is not among them.
    pub speakers: Vec<String>,
}

impl LabelledCorpus {
    /// `corpus` under `scheme`.
    pub fn new(corpus: &Corpus, scheme: LabelScheme) -> Self {
        let (utterances, dropped) = apply_scheme(&corpus.utterances, scheme);
        let mut speakers: Vec<String> = utterances.iter().map(|u| u.speaker.clone()).collect();
        speakers.sort();
        speakers.dedup();
        Self {
            name: corpus.name.clone(),
            scheme,
            labels: Corpus::labels_of(&utterances),
            utterances,
            dropped,
            speakers,
        }
    }
}

impl fmt::Display for LabelledCorpus {
    /// One line per label the scheme left out, then the clips, speakers and labels left.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (label, count) in &self.dropped {
            let scheme = self.scheme;
            writeln!(
                f,
                "label scheme {scheme}: left out {count} clips labelled {label}"
            )?;
        }
        writeln!(
            f,
            "{}: {} clips, {} speakers, {} labels",
            self.name,
            self.utterances.len(),
            self.speakers.len(),
            self.labels.len()
        )
    }
}
