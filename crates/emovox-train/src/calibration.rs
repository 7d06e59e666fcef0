//! Fitting a model's [`ProbabilityCalibration`] on validation speakers: on features already
//! extracted ([`calibrate`]), or on their audio as recorded and under recording conditions
//! ([`calibrate_under`]), so that the confidence it gives noisy, band-limited or reverberant
//! speech is fitted on such speech too.

use std::borrow::Cow;
use std::collections::BTreeMap;

use emovox_audio::degrade::{BabblePool, Condition};
use emovox_audio::Audio;
use emovox_features::{FeatureSpec, FrontEnd};
use emovox_model::{MultiViewModel, ProbabilityCalibration, Scores};
use rayon::prelude::*;

use crate::corpus::{SkippedFile, Utterance};
use crate::{TrainError, ViewsDataset};

/// `model` (uncalibrated: any calibration it has is replaced) with the temperature of minimum
/// corpus-balanced log-loss of its view-averaged probabilities on `val`, which must be extracted
/// with the model's own feature views (e.g. [`ViewsDataset::extract`] with each view's
/// `metadata().features`); also returns the calibrated validation probabilities. How an
/// ensemble of separately trained models ([`MultiViewModel::new`] over their views) gets one
/// calibration.
///
/// When every view has a [`emovox_model::FeatureDensity`], the temperature's growth with a
/// clip's novelty ([`ProbabilityCalibration::novelty_slope`]) is fitted with it (the slope of
/// least log-loss among [`NOVELTY_SLOPES`], each with its best temperature), and the 99th
/// percentile of the validation clips' novelty becomes the model's novelty threshold.
pub fn calibrate(
    model: MultiViewModel,
    val: &ViewsDataset,
) -> Result<(MultiViewModel, Vec<Vec<f32>>), TrainError> {
    let specs: Vec<FeatureSpec> = model
        .views()
        .iter()
        .map(|v| v.metadata().features.clone())
        .collect();
    if val.specs() != specs.as_slice() {
        return Err(TrainError::InvalidData(
            "the validation set was not extracted with the model's feature views".into(),
        ));
    }
    if val.is_empty() || val.labels() != model.labels() {
        return Err(TrainError::InvalidData(
            "calibration needs validation clips labelled with the model's labels".into(),
        ));
    }
    let model = model.with_calibration(None);
    let scores: Vec<Scores> = (0..val.len())
        .into_par_iter()
        .map(|i| {
            let features: Vec<_> = val
                .views()
                .iter()
                .map(|d| d.examples[i].features.clone())
                .collect();
            model.scores(&features)
        })
        .collect::<Result<_, _>>()?;
    let examples = &val.views()[0].examples;
    let truth: Vec<usize> = examples.iter().map(|e| e.label).collect();
    let corpora: Vec<&str> = examples.iter().map(|e| e.corpus.as_str()).collect();
    let calibration = fit_calibration(&scores, &truth, &corpora)?;
    let calibration = ProbabilityCalibration {
        fitted_on: val.speakers(),
        ..calibration
    };
    let calibrated = calibrated_probabilities(&calibration, &scores);
    Ok((model.with_calibration(Some(calibration)), calibrated))
}

/// What [`calibrate_under`] gives: the calibrated model and the clips it was fitted on.
#[derive(Debug)]
pub struct CalibrationOutcome {
    /// The model with its new calibration.
    pub model: MultiViewModel,
    /// The calibrated probabilities of every scored clip, condition after condition (each
    /// condition's clips in the order of the utterances).
    pub probabilities: Vec<Vec<f32>>,
    /// The true label index of each row of `probabilities`.
    pub truth: Vec<usize>,
    /// Files that could not be decoded, and clips a condition or the model refused (the
    /// reason names the condition); neither is in the fit.
    pub skipped: Vec<SkippedFile>,
}

/// `model` calibrated as [`calibrate`] does, on the audio of `utterances` (the validation
/// speakers) as recorded and under each of `conditions`: every file is decoded once, clip `i`
/// is degraded with seed `seed + i` under every condition (babble made of the clips of the
/// other speakers of its corpus, as `emovox::evaluation` makes it), and every degraded clip is
/// scored, so the temperature and its growth with novelty are fitted on all of them, every
/// corpus weighing the same, and the novelty threshold is the 99th percentile over all of them
/// (noisy copies of familiar speech are not unfamiliar). The conditions' names are stored in
/// the calibration ([`ProbabilityCalibration::fitted_under`]). Babble pools copy the audio of
/// the other speakers of each speaker's corpus: meant for validation sets, not whole corpora.
/// With `conditions` holding only
/// [`Condition::Clean`] this is [`calibrate`] on freshly extracted features.
///
/// Utterances whose label is not one of the model's are skipped (reported in the outcome); it
/// is an error if no clip is left.
pub fn calibrate_under(
    model: MultiViewModel,
    utterances: &[Utterance],
    conditions: &[(String, Condition)],
    seed: u64,
) -> Result<CalibrationOutcome, TrainError> {
    if conditions.is_empty() {
        return Err(TrainError::InvalidConfig(
            "calibration needs at least one recording condition".into(),
        ));
    }
    let model = model.with_calibration(None);
    let (clips, mut skipped) = decode_labelled(utterances, model.labels());
    let pools = if conditions.iter().any(|(_, c)| c.uses_babble()) {
        babble_pools(&clips)?
    } else {
        BTreeMap::new()
    };
    let front_end = FrontEnd::new(model.views().iter().map(|v| v.metadata().features.clone()))?;
    let (mut scores, mut truth, mut corpora) = (Vec::new(), Vec::new(), Vec::new());
    for (name, condition) in conditions {
        let scored = score_under(&model, &front_end, &clips, &pools, condition, seed);
        for (clip, result) in clips.iter().zip(scored) {
            match result {
                Ok(s) => {
                    scores.push(s);
                    truth.push(clip.label);
                    corpora.push(clip.utterance.corpus.as_str());
                }
                Err(reason) => skipped.push(SkippedFile {
                    path: clip.utterance.path.clone(),
                    reason: format!("under {name}: {reason}"),
                }),
            }
        }
    }
    if scores.is_empty() {
        return Err(TrainError::InvalidData(
            "no clip to calibrate on (check the utterances and their labels)".into(),
        ));
    }
    let mut speakers: Vec<String> = clips.iter().map(|c| c.speaker().to_string()).collect();
    speakers.sort();
    speakers.dedup();
    let calibration = ProbabilityCalibration {
        fitted_on: speakers,
        fitted_under: conditions.iter().map(|(name, _)| name.clone()).collect(),
        ..fit_calibration(&scores, &truth, &corpora)?
    };
    calibration.validate()?;
    let probabilities = calibrated_probabilities(&calibration, &scores);
    Ok(CalibrationOutcome {
        model: model.with_calibration(Some(calibration)),
        probabilities,
        truth,
        skipped,
    })
}

/// The scores of every clip under `condition` (clip `i` degraded with seed `seed + i`, babble
/// from its pool), or why a clip could not be scored.
fn score_under(
    model: &MultiViewModel,
    front_end: &FrontEnd,
    clips: &[DecodedClip],
    pools: &BTreeMap<(&str, &str), BabblePool>,
    condition: &Condition,
    seed: u64,
) -> Vec<Result<Scores, String>> {
    clips
        .par_iter()
        .enumerate()
        .map(|(i, clip)| {
            let pool = pools.get(&(clip.utterance.corpus.as_str(), clip.speaker()));
            let audio = &clip.audio;
            let degraded = match condition {
                Condition::Clean => Cow::Borrowed(audio.samples.as_slice()),
                _ => Cow::Owned(
                    condition
                        .apply(
                            &audio.samples,
                            audio.sample_rate,
                            seed.wrapping_add(i as u64),
                            pool,
                        )
                        .map_err(|e| e.to_string())?,
                ),
            };
            let features = front_end
                .compute(&degraded, audio.sample_rate)
                .map_err(|e| e.to_string())?;
            model.scores(&features).map_err(|e| e.to_string())
        })
        .collect()
}

/// A validation clip decoded for [`calibrate_under`].
struct DecodedClip<'a> {
    utterance: &'a Utterance,
    audio: Audio,
    /// Index of its label among the model's.
    label: usize,
}

impl DecodedClip<'_> {
    fn speaker(&self) -> &str {
        &self.utterance.speaker
    }
}

/// The utterances labelled with one of `labels`, decoded in parallel, and those skipped.
fn decode_labelled<'a>(
    utterances: &'a [Utterance],
    labels: &[String],
) -> (Vec<DecodedClip<'a>>, Vec<SkippedFile>) {
    let decoded: Vec<Result<DecodedClip, SkippedFile>> = utterances
        .par_iter()
        .map(|utterance| {
            let skip = |reason: String| SkippedFile {
                path: utterance.path.clone(),
                reason,
            };
            let label = labels
                .iter()
                .position(|l| *l == utterance.label)
                .ok_or_else(|| skip(format!("label `{}` is not the model's", utterance.label)))?;
            let audio =
                emovox_audio::read_audio(&utterance.path).map_err(|e| skip(e.to_string()))?;
            Ok(DecodedClip {
                utterance,
                audio,
                label,
            })
        })
        .collect();
    let (mut clips, mut skipped) = (Vec::new(), Vec::new());
    for result in decoded {
        match result {
            Ok(clip) => clips.push(clip),
            Err(skip) => skipped.push(skip),
        }
    }
    (clips, skipped)
}

/// One babble pool per (corpus, speaker): the clips of the other speakers of that corpus (all
/// of its clips when it has one speaker) at the rate of the first of them.
fn babble_pools<'a>(
    clips: &'a [DecodedClip],
) -> Result<BTreeMap<(&'a str, &'a str), BabblePool>, TrainError> {
    let mut pools = BTreeMap::new();
    for clip in clips {
        let key = (clip.utterance.corpus.as_str(), clip.speaker());
        if pools.contains_key(&key) {
            continue;
        }
        let corpus: Vec<&DecodedClip> = clips
            .iter()
            .filter(|c| c.utterance.corpus == clip.utterance.corpus)
            .collect();
        let single_speaker = corpus.iter().all(|c| c.speaker() == clip.speaker());
        let others: Vec<&DecodedClip> = corpus
            .into_iter()
            .filter(|c| single_speaker || c.speaker() != clip.speaker())
            .collect();
        let rate = others[0].audio.sample_rate;
        let samples = others
            .iter()
            .filter(|c| c.audio.sample_rate == rate)
            .map(|c| c.audio.samples.clone())
            .collect();
        let pool = BabblePool::new(samples, rate).map_err(|e| {
            TrainError::InvalidData(format!("babble for speaker {}: {e}", clip.speaker()))
        })?;
        pools.insert(key, pool);
    }
    Ok(pools)
}

/// `scores`' probabilities under `calibration`.
fn calibrated_probabilities(
    calibration: &ProbabilityCalibration,
    scores: &[Scores],
) -> Vec<Vec<f32>> {
    scores
        .iter()
        .map(|s| calibration.apply(&s.probabilities, s.novelty))
        .collect()
}

/// The novelty slopes [`calibrate`] chooses from (0: one temperature for every clip).
pub const NOVELTY_SLOPES: [f32; 11] = [0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5];

/// The calibration of minimum log-loss of `scores` (the views' mean; clip `i` from corpus
/// `corpora[i]`), every corpus weighing the same in total ([`corpus_weights`]), so that a
/// validation set of one large and one small corpus calibrates both (with one corpus: the
/// plain log-loss): the temperature alone, or with the novelty slope and threshold when every
/// clip has a novelty. Its `fitted_on` is left empty for the caller.
fn fit_calibration(
    scores: &[Scores],
    truth: &[usize],
    corpora: &[&str],
) -> Result<ProbabilityCalibration, TrainError> {
    let log_probabilities: Vec<Vec<f32>> = scores
        .iter()
        .map(|s| s.probabilities.iter().map(|&q| q.max(1e-12).ln()).collect())
        .collect();
    let weights = corpus_weights(corpora);
    let novelty: Option<Vec<f32>> = scores.iter().map(|s| s.novelty).collect();
    let Some(novelty) = novelty else {
        let temperature =
            emovox_metrics::fit_temperature_weighted(&log_probabilities, truth, &weights)?;
        return Ok(ProbabilityCalibration::new(temperature, Vec::new())?);
    };
    let mut best: Option<(f64, f32, f32)> = None;
    for slope in NOVELTY_SLOPES {
        // T(s) = T * g(s): dividing each clip's scores by g(s) leaves one temperature to fit.
        let unit = ProbabilityCalibration::new(1.0, Vec::new())?.with_novelty(slope, 1.0)?;
        let scaled: Vec<Vec<f32>> = log_probabilities
            .iter()
            .zip(&novelty)
            .map(|(row, &s)| {
                let g = unit.temperature_at(Some(s));
                row.iter().map(|v| v / g).collect()
            })
            .collect();
        let temperature = emovox_metrics::fit_temperature_weighted(&scaled, truth, &weights)?;
        let loss = emovox_metrics::weighted_log_loss(&scaled, truth, &weights, temperature)?;
        if best.is_none_or(|(l, _, _)| loss < l) {
            best = Some((loss, temperature, slope));
        }
    }
    let (_, temperature, slope) = best.expect("at least one slope");
    let mut sorted = novelty;
    sorted.sort_by(f32::total_cmp);
    let threshold = sorted[((sorted.len() - 1) as f64 * 0.99).round() as usize];
    Ok(ProbabilityCalibration::new(temperature, Vec::new())?.with_novelty(slope, threshold)?)
}

/// Weights giving every corpus the same total, `n / (corpora * clips of the corpus)` (all 1
/// with one corpus), for clips from `corpora`.
fn corpus_weights(corpora: &[&str]) -> Vec<f32> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for corpus in corpora {
        *counts.entry(corpus).or_default() += 1;
    }
    let n = corpora.len() as f32;
    corpora
        .iter()
        .map(|corpus| n / (counts.len() as f32 * counts[corpus] as f32))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_corpus_weighs_the_same_in_calibration() {
        assert_eq!(
            corpus_weights(&["x", "x", "x", "y"]),
            vec![2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0, 2.0]
        );
        assert_eq!(corpus_weights(&["x", "x"]), vec![1.0, 1.0]);
    }
}
