//! Scoring a [`Classifier`] on labelled clips, as recorded or under a named recording
//! condition ([`Condition`]: gain, noise, babble, telephone, reverberation), with accuracy,
//! UAR, a confusion matrix, calibration, and the share of clips that raised each
//! recording-quality concern ([`emovox_audio::quality`]).
//!
//! ```no_run
//! use emovox::audio::degrade::Condition;
//! use emovox::adaptation::Adaptation;
//! use emovox::evaluation::{evaluate, LabelledClip, Scoring};
//! use emovox::Classifier;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let classifier = Classifier::bundled()?;
//! let audio = emovox::audio::read_audio("angry.wav")?;
//! let clips = vec![LabelledClip {
//!     samples: audio.samples,
//!     sample_rate: audio.sample_rate,
//!     label: "angry".into(),
//!     speaker: "s1".into(),
//! }];
//! let noisy: Condition = "white:10".parse()?;
//! let result = evaluate(&classifier, &clips, &noisy, 7, &Scoring::model(), Adaptation::None)?;
//! println!("UAR {:.3}, ECE {:.3}", result.matrix.uar(), result.calibration.ece);
//! # Ok(())
//! # }
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;

use emovox_audio::degrade::{BabblePool, Condition};
use emovox_audio::quality::{assess, QualityConcern};
use emovox_metrics::{Bootstrap, Calibration, ConfusionMatrix, Interval};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::adaptation::{adapt_to_speakers, Adaptation};
use crate::{Classifier, Error};

mod table;
pub use table::{evaluate_conditions, Comparison, ConditionTable};

/// Bins of the reliability table in every [`Evaluation`].
pub const CALIBRATION_BINS: usize = 10;

/// One clip with its true label.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelledClip {
    /// Mono samples.
    pub samples: Vec<f32>,
    /// Their sample rate, in Hz.
    pub sample_rate: u32,
    /// The true label (a label of the classifier, or the clip is not scored).
    pub label: String,
    /// Who speaks: babble for a clip is made of the other speakers' clips, and
    /// [`Adaptation::PerSpeaker`] compares a clip with the same speaker's clips.
    pub speaker: String,
}

impl LabelledClip {
    /// Decodes the audio file at `path` (any format [`emovox_audio::read_audio`] reads) as a
    /// clip of `label` spoken by `speaker`.
    pub fn read(
        path: impl AsRef<std::path::Path>,
        label: &str,
        speaker: &str,
    ) -> Result<Self, Error> {
        let audio = emovox_audio::read_audio(path)?;
        Ok(Self {
            samples: audio.samples,
            sample_rate: audio.sample_rate,
            label: label.to_string(),
            speaker: speaker.to_string(),
        })
    }
}

/// Which of the classifier's labels are scored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelSubset {
    /// Every label of the model; the prediction is the most probable of them all.
    #[default]
    Model,
    /// Only the model's labels that some clip carries (a corpus with 4 of the model's 8
    /// emotions is scored over those 4): probabilities are renormalised over them and the
    /// prediction is the most probable of them, as cross-corpus studies score a model.
    Present,
}

/// How the classifier's labels are merged before scoring: a model label with an entry is
/// scored as its target, the probabilities of the labels merged into one summed. For clips
/// labelled with a scheme that does not tell some of the model's labels apart, e.g. a RAVDESS
/// model's `calm` and `neutral`, both `neutral` under the `common` scheme of `emovox-corpus`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelMerge(BTreeMap<String, String>);

impl LabelMerge {
    /// Every label scored as it is.
    pub fn none() -> Self {
        Self::default()
    }

    /// Model label `from` scored as `to`, for each pair.
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        Self(pairs.into_iter().collect())
    }

    /// The label `label` is scored as.
    pub fn target<'a>(&'a self, label: &'a str) -> &'a str {
        self.0.get(label).map_or(label, String::as_str)
    }

    /// The merged labels of `labels`, in order of first appearance, and each label's column
    /// among them.
    fn apply(&self, labels: &[String]) -> (Vec<String>, Vec<usize>) {
        let mut merged: Vec<String> = Vec::new();
        let columns = labels
            .iter()
            .map(|label| {
                let target = self.target(label);
                match merged.iter().position(|m| m == target) {
                    Some(column) => column,
                    None => {
                        merged.push(target.to_string());
                        merged.len() - 1
                    }
                }
            })
            .collect();
        (merged, columns)
    }
}

/// Which labels are scored, and how the classifier's labels are merged into them first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scoring {
    /// The labels scored (of the merged labels).
    pub subset: LabelSubset,
    /// How the classifier's labels are merged.
    pub merge: LabelMerge,
}

impl Scoring {
    /// Every label of the model, as it is.
    pub fn model() -> Self {
        Self::default()
    }

    /// The model's labels that some clip carries (cross-corpus).
    pub fn present() -> Self {
        Self {
            subset: LabelSubset::Present,
            merge: LabelMerge::none(),
        }
    }

    /// The same scoring with the model's labels merged as `merge` says.
    pub fn merged(self, merge: LabelMerge) -> Self {
        Self { merge, ..self }
    }
}

/// The scores of a classifier on a set of clips under one condition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The condition, as [`Condition`]'s display form (`clean`, `white:10`, ...).
    pub condition: String,
    /// Rows are true labels, columns predictions, over the scored labels.
    pub matrix: ConfusionMatrix,
    /// 95 % interval of the UAR: stratified bootstrap over the scored clips
    /// ([`Bootstrap::default`]; the uncertainty from the finite clips of these speakers).
    pub uar_interval: Interval,
    /// The true label (index into the matrix's labels) of every scored clip, in clip order.
    pub truth: Vec<usize>,
    /// The predicted label of every scored clip, aligned with `truth`.
    pub predicted: Vec<usize>,
    /// Top-label calibration of the (renormalised) probabilities.
    pub calibration: Calibration,
    /// 95 % interval of the expected calibration error a perfectly calibrated classifier would
    /// show on clips of these probabilities ([`Bootstrap::calibrated_ece`]): an ECE above it is
    /// evidence of miscalibration, one inside it is what so few clips give anyway.
    pub calibrated_ece: Interval,
    /// Clips whose label is not among the scored labels.
    pub unscored: usize,
    /// Clips the classifier refused (too short, ...), with the reason.
    pub failed: Vec<String>,
    /// How novel the scored clips were to the model, if it has a feature density.
    pub novelty: Option<NoveltySummary>,
    /// For every [`QualityConcern`] (by [`QualityConcern::name`]), the share of the scored
    /// clips (0..=1) that raised it, measured on each clip as the classifier heard it (after
    /// the condition): what a user of [`emovox_audio::assess`] would have been told.
    #[serde(default)]
    pub concerns: BTreeMap<String, f32>,
}

/// The novelty ([`crate::Prediction::novelty`]) of a set of clips.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoveltySummary {
    /// The median novelty (about 1 for clips like the training clips).
    pub median: f32,
    /// The share of clips that were [`crate::Prediction::unfamiliar`].
    pub unfamiliar: f32,
}

impl NoveltySummary {
    /// The summary of clips of novelty `novelty` (`None` when there are none), the model's
    /// threshold being `threshold` (no clip is unfamiliar without one).
    fn of(mut novelty: Vec<f32>, threshold: Option<f32>) -> Option<Self> {
        if novelty.is_empty() {
            return None;
        }
        novelty.sort_by(f32::total_cmp);
        let n = novelty.len();
        let median = if n % 2 == 1 {
            novelty[n / 2]
        } else {
            (novelty[n / 2 - 1] + novelty[n / 2]) / 2.0
        };
        let unfamiliar = threshold.map_or(0, |t| novelty.iter().filter(|&&s| s > t).count());
        Some(Self {
            median,
            unfamiliar: unfamiliar as f32 / n as f32,
        })
    }
}

impl Evaluation {
    /// The interval of this evaluation's UAR minus `baseline`'s, paired over the same clips
    /// ([`Bootstrap::uar_difference`]): both must have scored the same clips with the same
    /// labels (two classifiers evaluated on the same clips with the same condition, seed and
    /// scoring), else [`Error::NotPaired`].
    pub fn uar_difference(
        &self,
        baseline: &Evaluation,
        bootstrap: &Bootstrap,
    ) -> Result<Interval, Error> {
        if self.matrix.labels() != baseline.matrix.labels() {
            return Err(Error::NotPaired("they score different labels"));
        }
        if self.truth != baseline.truth {
            return Err(Error::NotPaired("they scored different clips"));
        }
        Ok(bootstrap.uar_difference(&self.truth, &self.predicted, &baseline.predicted)?)
    }

    /// This evaluation as one JSON object named `name`: accuracy, UAR and its 95 % interval
    /// (`uar_interval`, `[low, high]`), macro-F1, n, labels, confusion matrix, ECE and the
    /// interval of a calibrated classifier's (`calibrated_ece`), the reliability table, the
    /// number of failed clips, the novelty summary (`null` for a model without a feature
    /// density) and the share of clips per recording-quality concern (`concerns`).
    pub fn to_json(&self, name: &str) -> serde_json::Value {
        let summary = self.matrix.summary();
        serde_json::json!({
            "condition": name,
            "definition": self.condition,
            "accuracy": summary.accuracy,
            "uar": summary.uar,
            "uar_interval": [self.uar_interval.low, self.uar_interval.high],
            "macro_f1": summary.macro_f1,
            "n": summary.n,
            "labels": summary.labels,
            "confusion": summary.confusion,
            "ece": self.calibration.ece,
            "calibrated_ece": [self.calibrated_ece.low, self.calibrated_ece.high],
            "calibration": self.calibration,
            "failed": self.failed.len(),
            "novelty": self.novelty,
            "concerns": self.concerns,
        })
    }
}

/// Scores `classifier` on `clips` degraded by `condition` (clip `i` with seed
/// `seed + i`; babble made of the clips of the other speakers, resampled to the clip's rate),
/// its labels merged and scored as `scoring` says, with the probabilities (over the scored
/// labels) adapted to each speaker as `adaptation` says.
///
/// A clip that cannot be degraded or classified is counted in [`Evaluation::failed`] with its
/// reason, and the others are still scored. Errors: no clips ([`Error::NoClips`]), no clip of
/// a label scored ([`Error::NoScoredLabels`]), or every clip of one refused
/// ([`Error::NothingScored`], with the first reason).
pub fn evaluate(
    classifier: &Classifier,
    clips: &[LabelledClip],
    condition: &Condition,
    seed: u64,
    scoring: &Scoring,
    adaptation: Adaptation,
) -> Result<Evaluation, Error> {
    let (merged, merged_column) = scoring.merge.apply(classifier.labels());
    if clips.is_empty() {
        return Err(Error::NoClips);
    }
    let labels = scored_labels(&merged, clips, scoring.subset);
    let columns: Vec<usize> = labels
        .iter()
        .map(|l| merged.iter().position(|m| m == l))
        .collect::<Option<_>>()
        .expect("scored labels are merged labels");
    if !clips.iter().any(|clip| labels.contains(&clip.label)) {
        let mut clip_labels: Vec<String> = clips.iter().map(|c| c.label.clone()).collect();
        clip_labels.sort();
        clip_labels.dedup();
        return Err(Error::NoScoredLabels {
            clip_labels,
            model_labels: merged,
        });
    }
    let pools = if condition.uses_babble() {
        babble_pools(clips)
    } else {
        BTreeMap::new()
    };
    let mut outcomes: Vec<ClipOutcome> = clips
        .par_iter()
        .enumerate()
        .map(|(i, clip)| {
            let Some(truth) = labels.iter().position(|l| *l == clip.label) else {
                return ClipOutcome::Unscored;
            };
            let scored =
                degrade(clip, condition, seed.wrapping_add(i as u64), &pools).and_then(|audio| {
                    let prediction = classifier
                        .predict(&audio, clip.sample_rate)
                        .map_err(|e| e.to_string())?;
                    // What the classifier accepted, `assess` measures (same checks).
                    let quality = assess(&audio, clip.sample_rate).map_err(|e| e.to_string())?;
                    Ok((prediction, quality.concerns()))
                });
            match scored {
                Ok((prediction, concerns)) => {
                    let mut p = vec![0.0f32; merged.len()];
                    for ((_, q), &column) in prediction.probabilities.iter().zip(&merged_column) {
                        p[column] += q;
                    }
                    let p = renormalised(&p, &columns);
                    ClipOutcome::Scored(truth, p, prediction.novelty, concerns)
                }
                Err(reason) => ClipOutcome::Failed(reason),
            }
        })
        .collect();
    if adaptation == Adaptation::PerSpeaker {
        adapt_scored(&mut outcomes, clips);
    }
    tally(outcomes, labels, condition, classifier.novelty_threshold())
}

/// The evaluation of the clips' outcomes over the scored `labels`.
fn tally(
    outcomes: Vec<ClipOutcome>,
    labels: Vec<String>,
    condition: &Condition,
    novelty_threshold: Option<f32>,
) -> Result<Evaluation, Error> {
    let (mut truth, mut predicted, mut probabilities) = (Vec::new(), Vec::new(), Vec::new());
    let (mut failed, mut unscored, mut novelty) = (Vec::new(), 0, Vec::new());
    let mut flagged = [0usize; QualityConcern::ALL.len()];
    for outcome in outcomes {
        match outcome {
            ClipOutcome::Unscored => unscored += 1,
            ClipOutcome::Failed(reason) => failed.push(reason),
            ClipOutcome::Scored(t, p, clip_novelty, concerns) => {
                truth.push(t);
                predicted.push(emovox_metrics::argmax(&p));
                probabilities.push(p);
                novelty.extend(clip_novelty);
                for (count, concern) in flagged.iter_mut().zip(QualityConcern::ALL) {
                    *count += usize::from(concerns.contains(&concern));
                }
            }
        }
    }
    if truth.is_empty() {
        // Every clip of a scored label was refused: say why rather than that nothing was given.
        return Err(Error::NothingScored {
            failed: failed.len(),
            first: failed.into_iter().next().unwrap_or_default(),
        });
    }
    let scored = truth.len();
    let calibration = Calibration::from_probabilities(&probabilities, &truth, CALIBRATION_BINS)?;
    let bootstrap = Bootstrap::default();
    Ok(Evaluation {
        condition: condition.to_string(),
        matrix: ConfusionMatrix::from_predictions(labels, &truth, &predicted)?,
        uar_interval: bootstrap.uar(&truth, &predicted)?,
        calibrated_ece: bootstrap.calibrated_ece(&probabilities, CALIBRATION_BINS)?,
        truth,
        predicted,
        calibration,
        unscored,
        failed,
        novelty: NoveltySummary::of(novelty, novelty_threshold),
        concerns: QualityConcern::ALL
            .iter()
            .zip(flagged)
            .map(|(c, n)| (c.name().to_string(), n as f32 / scored as f32))
            .collect(),
    })
}

/// What became of one clip.
enum ClipOutcome {
    /// Its label is not among the scored labels.
    Unscored,
    /// The classifier refused it, with the reason.
    Failed(String),
    /// True label index, probabilities over the scored labels, novelty, and the clip's
    /// recording-quality concerns.
    Scored(usize, Vec<f32>, Option<f32>, Vec<QualityConcern>),
}

/// Adapts the probabilities of the scored clips (`outcomes[i]` is `clips[i]`'s) to their
/// speakers ([`adapt_to_speakers`]).
fn adapt_scored(outcomes: &mut [ClipOutcome], clips: &[LabelledClip]) {
    let (mut probabilities, mut speakers) = (Vec::new(), Vec::new());
    for (outcome, clip) in outcomes.iter_mut().zip(clips) {
        if let ClipOutcome::Scored(_, p, _, _) = outcome {
            probabilities.push(std::mem::take(p));
            speakers.push(clip.speaker.as_str());
        }
    }
    if let Err(e) = adapt_to_speakers(&mut probabilities, &speakers) {
        // Not reached with a classifier's probabilities (finite, one per label); were it, the
        // clips could not be scored adapted.
        for outcome in outcomes.iter_mut() {
            if matches!(outcome, ClipOutcome::Scored(..)) {
                *outcome = ClipOutcome::Failed(e.to_string());
            }
        }
        return;
    }
    let mut adapted = probabilities.into_iter();
    for outcome in outcomes.iter_mut() {
        if let ClipOutcome::Scored(_, p, _, _) = outcome {
            *p = adapted.next().expect("one adapted row per scored clip");
        }
    }
}

/// The labels scored: the model's, or those of its labels some clip carries (model order).
fn scored_labels(model: &[String], clips: &[LabelledClip], subset: LabelSubset) -> Vec<String> {
    match subset {
        LabelSubset::Model => model.to_vec(),
        LabelSubset::Present => model
            .iter()
            .filter(|l| clips.iter().any(|c| &c.label == *l))
            .cloned()
            .collect(),
    }
}

/// The probabilities of `columns`, renormalised to sum to 1.
fn renormalised(probabilities: &[f32], columns: &[usize]) -> Vec<f32> {
    let kept: Vec<f32> = columns.iter().map(|&c| probabilities[c]).collect();
    let total: f32 = kept.iter().sum();
    if total > 0.0 {
        kept.iter().map(|p| p / total).collect()
    } else {
        vec![1.0 / kept.len() as f32; kept.len()]
    }
}

/// Babble pools by speaker and sample rate, or why one could not be made (the reason its
/// clips fail with).
type Pools<'a> = BTreeMap<(&'a str, u32), Result<BabblePool, String>>;

/// One babble pool per speaker and per sample rate that speaker's clips come at, made of every
/// other speaker's clips (all clips when there is a single speaker), those at another rate
/// resampled to it. A pool that cannot be made (no other clip long enough, a rate out of range)
/// fails only the clips that need it: the others are still scored.
fn babble_pools(clips: &[LabelledClip]) -> Pools<'_> {
    let mut rates: Vec<u32> = clips.iter().map(|c| c.sample_rate).collect();
    rates.sort_unstable();
    rates.dedup();
    let one_speaker = clips.iter().all(|c| c.speaker == clips[0].speaker);
    let mut pools = BTreeMap::new();
    for rate in rates {
        // Every clip at `rate`; `None` for one that cannot be resampled (it fails on its own).
        let at_rate: Vec<Option<Cow<[f32]>>> = clips
            .par_iter()
            .map(|c| {
                if c.sample_rate == rate {
                    Some(Cow::Borrowed(c.samples.as_slice()))
                } else {
                    emovox_audio::resample(&c.samples, c.sample_rate, rate)
                        .ok()
                        .map(Cow::Owned)
                }
            })
            .collect();
        let mut speakers: Vec<&str> = clips
            .iter()
            .filter(|c| c.sample_rate == rate)
            .map(|c| c.speaker.as_str())
            .collect();
        speakers.sort_unstable();
        speakers.dedup();
        for speaker in speakers {
            let others = clips
                .iter()
                .zip(&at_rate)
                .filter(|(c, _)| one_speaker || c.speaker != speaker)
                .filter_map(|(_, samples)| samples.as_deref().map(<[f32]>::to_vec))
                .collect();
            let pool = BabblePool::new(others, rate)
                .map_err(|e| format!("no babble at {rate} Hz from the other speakers' clips: {e}"));
            pools.insert((speaker, rate), pool);
        }
    }
    pools
}

/// The clip under `condition`, with the babble pool of its speaker and rate; the reason it
/// cannot be degraded otherwise.
fn degrade<'a>(
    clip: &'a LabelledClip,
    condition: &Condition,
    seed: u64,
    pools: &Pools,
) -> Result<Cow<'a, [f32]>, String> {
    if *condition == Condition::Clean {
        return Ok(Cow::Borrowed(&clip.samples));
    }
    let pool = match pools.get(&(clip.speaker.as_str(), clip.sample_rate)) {
        Some(Err(reason)) => return Err(reason.clone()),
        Some(Ok(pool)) => Some(pool),
        None => None,
    };
    let degraded = condition
        .apply(&clip.samples, clip.sample_rate, seed, pool)
        .map_err(|e| Error::from(e).to_string())?;
    Ok(Cow::Owned(degraded))
}
