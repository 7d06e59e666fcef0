//! Calibration of predicted probabilities: reliability bins, expected and maximum calibration
//! error (ECE, MCE), negative log-likelihood, Brier score, and temperature scaling.
//!
//! Calibration is measured on the *top label*: an example's confidence is its largest
//! probability (ties go to the lowest class index, like `argmax`), and it counts as correct
//! when that class is the true one. Confidences are put in `n_bins` equal-width bins over
//! `[0, 1]`; bin `i` covers `(i/n, (i+1)/n]`, except that the first bin also holds a confidence
//! of exactly 0. A confidence is compared with the bin edges in the inputs' `f32` precision, so
//! `0.6_f32` with 5 bins falls in `(0.4, 0.6]`, not in the next bin.
//!
//! [`fit_temperature`] fits temperature scaling (Guo et al.,
//! 2017), the standard post-hoc calibration: one scalar `T` divides the scores before the
//! softmax; `T > 1` softens over-confident predictions, `T < 1` sharpens under-confident ones,
//! and the argmax (hence accuracy, UAR and F1) is unchanged.
//!
//! ```
//! use emovox_metrics::{fit_temperature, Calibration};
//! let probabilities = vec![vec![0.9, 0.1], vec![0.8, 0.2], vec![0.3, 0.7], vec![0.6, 0.4]];
//! let truth = [0, 1, 1, 0];
//! let c = Calibration::from_probabilities(&probabilities, &truth, 5).unwrap();
//! assert!((c.accuracy - 0.75).abs() < 1e-12);
//! println!("{}", c.to_text());
//!
//! // Fit T on validation log-probabilities, then apply it to new probabilities.
//! let scores: Vec<Vec<f32>> = probabilities
//!     .iter()
//!     .map(|p| p.iter().map(|q| q.ln()).collect())
//!     .collect();
//! let t = fit_temperature(&scores, &truth).unwrap();
//! assert!(t > 0.0);
//! ```
//!
//! A fitted temperature is applied at inference by `emovox_model::ProbabilityCalibration`,
//! stored in the model file.

use crate::error::MetricsError;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// How far (absolute) a probability row's sum may be from 1 in
/// [`Calibration::from_probabilities`] before it is rejected with
/// [`MetricsError::UnnormalisedProbabilities`].
pub const PROBABILITY_SUM_TOLERANCE: f64 = 1e-3;

/// Probabilities are clamped below at this value before taking a logarithm, in
/// [`Calibration::nll`] and in the objective of [`fit_temperature`].
pub const PROBABILITY_FLOOR: f64 = 1e-12;

/// Smallest temperature [`fit_temperature`] returns.
pub const MIN_TEMPERATURE: f32 = 0.05;

/// Largest temperature [`fit_temperature`] returns.
pub const MAX_TEMPERATURE: f32 = 20.0;

/// Most confidence bins [`Calibration::from_probabilities`] and
/// [`Bootstrap::calibrated_ece`](crate::Bootstrap::calibrated_ece) accept (each bin keeps three
/// numbers in memory); more is [`MetricsError::TooManyBins`].
pub const MAX_BINS: usize = 100_000;

/// Width of the final bracket of [`fit_temperature`]'s search, in `ln T`.
pub const LOG_TEMPERATURE_TOLERANCE: f64 = 1e-4;

/// One confidence bin of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Lower edge, `i / n_bins` (exclusive, except 0 for the first bin).
    pub lower: f64,
    /// Upper edge, `(i + 1) / n_bins` (inclusive).
    pub upper: f64,
    /// Number of examples whose confidence falls in the bin.
    pub count: u64,
    /// Mean confidence of those examples (0 for an empty bin).
    pub mean_confidence: f64,
    /// Fraction of those examples predicted correctly (0 for an empty bin).
    pub accuracy: f64,
}

impl ReliabilityBin {
    /// `|accuracy - mean_confidence|`, 0 for an empty bin.
    pub fn gap(&self) -> f64 {
        (self.accuracy - self.mean_confidence).abs()
    }
}

/// Top-label calibration of a set of probabilistic predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Number of equal-width confidence bins.
    pub n_bins: usize,
    /// The bins in increasing order of confidence; empty ones are kept.
    pub bins: Vec<ReliabilityBin>,
    /// Expected calibration error: `sum over bins of count / N * |accuracy - mean_confidence|`.
    pub ece: f64,
    /// Maximum calibration error: the largest `|accuracy - mean_confidence|` over non-empty bins.
    pub mce: f64,
    /// Mean top-label confidence over all examples.
    pub mean_confidence: f64,
    /// Fraction of examples whose most probable class is the true one.
    pub accuracy: f64,
    /// Mean negative log-likelihood (natural log) of the true class, probabilities clamped
    /// below at [`PROBABILITY_FLOOR`].
    pub nll: f64,
    /// Multi-class Brier score: mean over examples of `sum_k (p_k - y_k)^2`, `y` one-hot
    /// (between 0 and 2).
    pub brier: f64,
    /// Number of examples.
    pub n: u64,
}

/// Index of the largest value (the first one on ties) and that value.
pub(crate) fn top(row: &[f32]) -> (usize, f32) {
    let mut best = (0, row[0]);
    for (k, &p) in row.iter().enumerate().skip(1) {
        if p > best.1 {
            best = (k, p);
        }
    }
    best
}

/// The bin of `confidence` among `n_bins` bins `(i/n, (i+1)/n]`, edges compared in `f32`.
pub(crate) fn bin_index(confidence: f32, n_bins: usize) -> usize {
    let edge = |i: usize| i as f32 / n_bins as f32;
    let estimate = (f64::from(confidence) * n_bins as f64).ceil() as isize - 1;
    let mut i = estimate.clamp(0, n_bins as isize - 1) as usize;
    while i > 0 && confidence <= edge(i) {
        i -= 1;
    }
    while i + 1 < n_bins && confidence > edge(i + 1) {
        i += 1;
    }
    i
}

/// Checks that `n_bins` is between 1 and [`MAX_BINS`].
pub(crate) fn check_bins(n_bins: usize) -> Result<(), MetricsError> {
    match n_bins {
        0 => Err(MetricsError::ZeroBins),
        n if n > MAX_BINS => Err(MetricsError::TooManyBins { n_bins }),
        _ => Ok(()),
    }
}

/// Checks that there is at least one row, that the first has at least one class and that
/// every row has as many as the first; returns the number of classes.
pub(crate) fn check_row_lengths(rows: &[Vec<f32>]) -> Result<usize, MetricsError> {
    let Some(first) = rows.first() else {
        return Err(MetricsError::EmptyInput("no examples"));
    };
    let n_classes = first.len();
    if n_classes == 0 {
        return Err(MetricsError::EmptyInput("no classes"));
    }
    if let Some((row, values)) = rows
        .iter()
        .enumerate()
        .find(|(_, values)| values.len() != n_classes)
    {
        return Err(MetricsError::RowLength {
            row,
            expected: n_classes,
            found: values.len(),
        });
    }
    Ok(n_classes)
}

/// Checks the parallel row / label slices shared by every function of this module and returns
/// the number of classes.
fn check_rows(rows: &[Vec<f32>], truth: &[usize]) -> Result<usize, MetricsError> {
    if rows.len() != truth.len() {
        return Err(MetricsError::LengthMismatch {
            truth: truth.len(),
            predicted: rows.len(),
        });
    }
    let n_classes = check_row_lengths(rows)?;
    for &label in truth {
        if label >= n_classes {
            return Err(MetricsError::IndexOutOfRange {
                index: label,
                n_classes,
            });
        }
    }
    Ok(n_classes)
}

/// Checks that every row holds probabilities: finite, non-negative, summing to 1 within
/// [`PROBABILITY_SUM_TOLERANCE`].
pub(crate) fn check_probabilities(probabilities: &[Vec<f32>]) -> Result<(), MetricsError> {
    for (row, values) in probabilities.iter().enumerate() {
        if let Some((class, &value)) = values
            .iter()
            .enumerate()
            .find(|(_, p)| !p.is_finite() || **p < 0.0)
        {
            return Err(MetricsError::InvalidProbability { row, class, value });
        }
        let sum: f64 = values.iter().map(|&p| f64::from(p)).sum();
        if (sum - 1.0).abs() > PROBABILITY_SUM_TOLERANCE {
            return Err(MetricsError::UnnormalisedProbabilities { row, sum });
        }
    }
    Ok(())
}

/// The squared distance between a row of probabilities and the one-hot row of `label`.
fn brier_score(values: &[f32], label: usize) -> f64 {
    values
        .iter()
        .enumerate()
        .map(|(k, &p)| {
            let target = if k == label { 1.0 } else { 0.0 };
            (f64::from(p) - target).powi(2)
        })
        .sum::<f64>()
}

/// Per confidence bin: the examples, their confidences and their correct predictions.
pub(crate) struct BinSums {
    counts: Vec<u64>,
    confidence_sums: Vec<f64>,
    correct_counts: Vec<u64>,
}

impl BinSums {
    pub(crate) fn new(n_bins: usize) -> Self {
        Self {
            counts: vec![0; n_bins],
            confidence_sums: vec![0.0; n_bins],
            correct_counts: vec![0; n_bins],
        }
    }

    /// Counts one example of top-label `confidence`, `correct` or not.
    pub(crate) fn add(&mut self, confidence: f32, correct: bool) {
        let bin = bin_index(confidence, self.counts.len());
        self.counts[bin] += 1;
        self.confidence_sums[bin] += f64::from(confidence);
        self.correct_counts[bin] += u64::from(correct);
    }

    /// The bins, with their mean confidence and accuracy (0 for an empty bin).
    fn bins(&self) -> Vec<ReliabilityBin> {
        let n_bins = self.counts.len();
        (0..n_bins)
            .map(|i| {
                let count = self.counts[i];
                let (mean_confidence, accuracy) = if count == 0 {
                    (0.0, 0.0)
                } else {
                    (
                        self.confidence_sums[i] / count as f64,
                        self.correct_counts[i] as f64 / count as f64,
                    )
                };
                ReliabilityBin {
                    lower: i as f64 / n_bins as f64,
                    upper: (i + 1) as f64 / n_bins as f64,
                    count,
                    mean_confidence,
                    accuracy,
                }
            })
            .collect()
    }

    /// The expected calibration error of `bins` (from [`BinSums::bins`]) over `total` examples.
    fn ece_of(bins: &[ReliabilityBin], total: f64) -> f64 {
        bins.iter().map(|b| b.count as f64 / total * b.gap()).sum()
    }

    /// The expected calibration error of the examples counted (0 without any).
    pub(crate) fn ece(&self) -> f64 {
        let total = self.counts.iter().sum::<u64>() as f64;
        if total == 0.0 {
            return 0.0;
        }
        Self::ece_of(&self.bins(), total)
    }
}

/// The running sums of [`Calibration::from_probabilities`]: the confidence bins; over all
/// examples, the negative log-likelihood and the Brier score.
struct Tally {
    bins: BinSums,
    nll: f64,
    brier: f64,
}

impl Tally {
    fn new(n_bins: usize) -> Self {
        Self {
            bins: BinSums::new(n_bins),
            nll: 0.0,
            brier: 0.0,
        }
    }

    /// Counts one example: its row of probabilities (checked) and its true class.
    fn add(&mut self, values: &[f32], label: usize) {
        let (predicted, confidence) = top(values);
        self.bins.add(confidence, predicted == label);
        self.nll -= f64::from(values[label]).max(PROBABILITY_FLOOR).ln();
        self.brier += brier_score(values, label);
    }

    /// The calibration of the examples counted (at least one).
    fn into_calibration(self) -> Calibration {
        let sums = &self.bins;
        let n = sums.counts.iter().sum::<u64>();
        let total = n as f64;
        let bins = sums.bins();
        let ece = BinSums::ece_of(&bins, total);
        let mce = bins
            .iter()
            .filter(|b| b.count > 0)
            .map(ReliabilityBin::gap)
            .fold(0.0, f64::max);
        Calibration {
            n_bins: bins.len(),
            ece,
            mce,
            mean_confidence: sums.confidence_sums.iter().sum::<f64>() / total,
            accuracy: sums.correct_counts.iter().sum::<u64>() as f64 / total,
            nll: self.nll / total,
            brier: self.brier / total,
            n,
            bins,
        }
    }
}

impl Calibration {
    /// Computes the calibration of `probabilities` (one row of class probabilities per example,
    /// each summing to 1) against the true class indices `truth`, with `n_bins` equal-width
    /// confidence bins (see the [module documentation](self) for the binning).
    ///
    /// Errors on a length mismatch ([`MetricsError::LengthMismatch`]), no examples or no classes
    /// ([`MetricsError::EmptyInput`]), `n_bins == 0` ([`MetricsError::ZeroBins`]) or above
    /// [`MAX_BINS`] ([`MetricsError::TooManyBins`]), rows of
    /// different lengths ([`MetricsError::RowLength`]), a true class outside the row
    /// ([`MetricsError::IndexOutOfRange`]), a NaN, infinite or negative probability
    /// ([`MetricsError::InvalidProbability`]) or a row whose sum is more than
    /// [`PROBABILITY_SUM_TOLERANCE`] away from 1 ([`MetricsError::UnnormalisedProbabilities`]).
    pub fn from_probabilities(
        probabilities: &[Vec<f32>],
        truth: &[usize],
        n_bins: usize,
    ) -> Result<Self, MetricsError> {
        check_rows(probabilities, truth)?;
        check_bins(n_bins)?;
        check_probabilities(probabilities)?;
        let mut tally = Tally::new(n_bins);
        for (values, &label) in probabilities.iter().zip(truth) {
            tally.add(values, label);
        }
        Ok(tally.into_calibration())
    }

    /// A small text table, one line per bin (range, count, mean confidence, accuracy; `-` for
    /// empty bins), followed by the number of examples, accuracy, mean confidence, ECE, MCE,
    /// NLL and Brier score, with 4 decimals.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<16} {:>7} {:>10} {:>9}",
            "confidence bin", "count", "confidence", "accuracy"
        );
        for (i, b) in self.bins.iter().enumerate() {
            let open = if i == 0 { '[' } else { '(' };
            let range = format!("{open}{:.2}, {:.2}]", b.lower, b.upper);
            if b.count == 0 {
                let _ = writeln!(out, "{range:<16} {:>7} {:>10} {:>9}", 0, "-", "-");
            } else {
                let _ = writeln!(
                    out,
                    "{range:<16} {:>7} {:>10.4} {:>9.4}",
                    b.count, b.mean_confidence, b.accuracy
                );
            }
        }
        let _ = writeln!(out);
        let lines = [
            ("accuracy", self.accuracy),
            ("mean confidence", self.mean_confidence),
            ("ECE", self.ece),
            ("MCE", self.mce),
            ("NLL", self.nll),
            ("Brier", self.brier),
        ];
        let _ = writeln!(out, "{:<16} {:>7}", "n", self.n);
        for (name, value) in lines {
            let _ = writeln!(out, "{name:<16} {value:>7.4}");
        }
        out
    }
}

/// Checks scores (logits or log-probabilities): each finite or `-inf`, not a whole row `-inf`.
fn check_scores(scores: &[Vec<f32>]) -> Result<(), MetricsError> {
    for (row, values) in scores.iter().enumerate() {
        if let Some((class, &value)) = values
            .iter()
            .enumerate()
            .find(|(_, z)| z.is_nan() || **z == f32::INFINITY)
        {
            return Err(MetricsError::InvalidScore { row, class, value });
        }
        if values.iter().all(|&z| z == f32::NEG_INFINITY) {
            return Err(MetricsError::InvalidScore {
                row,
                class: 0,
                value: f32::NEG_INFINITY,
            });
        }
    }
    Ok(())
}

/// Weighted mean over examples of `-ln softmax(z / T)[truth]` (every weight 1 when `weights`
/// is `None`), the log-probability clamped below at `ln(PROBABILITY_FLOOR)`; rows already checked.
fn mean_nll(
    scores: &[Vec<f32>],
    truth: &[usize],
    weights: Option<&[f32]>,
    temperature: f64,
) -> f64 {
    let floor = PROBABILITY_FLOOR.ln();
    let (mut total, mut weight_sum) = (0.0f64, 0.0f64);
    for (i, (z, &label)) in scores.iter().zip(truth).enumerate() {
        let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let max = f64::from(max) / temperature;
        let log_sum = z
            .iter()
            .map(|&v| (f64::from(v) / temperature - max).exp())
            .sum::<f64>()
            .ln()
            + max;
        let log_p = f64::from(z[label]) / temperature - log_sum;
        let w = weights.map_or(1.0, |w| f64::from(w[i]));
        total += w * -log_p.max(floor);
        weight_sum += w;
    }
    total / weight_sum
}

/// Fits the temperature of temperature scaling: the `T` in
/// between [`MIN_TEMPERATURE`] and [`MAX_TEMPERATURE`] minimising the mean negative log-likelihood of
/// the true classes under `softmax(z / T)`, by golden-section search on `ln T` down to a
/// bracket of [`LOG_TEMPERATURE_TOLERANCE`] (the NLL is unimodal in `T` for fixed scores).
///
/// The scores `z` are one row per example of either logits or log-probabilities (`ln p`; a
/// zero probability as `-inf` is allowed): both work, because
/// `softmax(ln p / T) = p^(1/T) / sum_k p_k^(1/T)`. To calibrate an ensemble, such as the
/// average of several networks' (or feature views') probabilities, pass the logarithm of the
/// *averaged* probabilities and calibrate that average (`p^(1/T)`, renormalised); fitting on
/// each network's logits would calibrate the members, not their average. Fit on held-out
/// (validation) predictions, not on the training set.
///
/// Errors as [`Calibration::from_probabilities`] on mismatched, empty or ragged input and
/// out-of-range labels, and with [`MetricsError::InvalidScore`] on a NaN or `+inf` score or a
/// row that is all `-inf`.
pub fn fit_temperature(
    log_probabilities_or_logits: &[Vec<f32>],
    truth: &[usize],
) -> Result<f32, MetricsError> {
    fit(log_probabilities_or_logits, truth, None)
}

/// [`fit_temperature`] minimising the *weighted* mean negative log-likelihood: example `i`
/// counts `weights[i]` times. With weights that give every group the same total (e.g. each
/// corpus of a validation set made of several, or each class), a group with more clips does
/// not choose the temperature alone.
///
/// Errors as [`fit_temperature`], and with [`MetricsError::InvalidWeight`] on a weight that is
/// negative or not finite, or weights that sum to zero (reported at row 0), and
/// [`MetricsError::LengthMismatch`] when `weights` and `truth` differ in length.
pub fn fit_temperature_weighted(
    log_probabilities_or_logits: &[Vec<f32>],
    truth: &[usize],
    weights: &[f32],
) -> Result<f32, MetricsError> {
    check_weights(weights, truth)?;
    fit(log_probabilities_or_logits, truth, Some(weights))
}

/// Checks that there is one weight per example, each finite and `>= 0`, not all 0.
fn check_weights(weights: &[f32], truth: &[usize]) -> Result<(), MetricsError> {
    if weights.len() != truth.len() {
        return Err(MetricsError::LengthMismatch {
            truth: truth.len(),
            predicted: weights.len(),
        });
    }
    if let Some((row, &value)) = weights
        .iter()
        .enumerate()
        .find(|(_, w)| !w.is_finite() || **w < 0.0)
    {
        return Err(MetricsError::InvalidWeight { row, value });
    }
    if !weights.iter().any(|&w| w > 0.0) {
        return Err(MetricsError::InvalidWeight { row: 0, value: 0.0 });
    }
    Ok(())
}

/// The weighted mean negative log-likelihood of the true classes under `softmax(z / T)`, what
/// [`fit_temperature_weighted`] minimises (probabilities floored as there), e.g. to compare
/// temperatures fitted to differently transformed scores. Errors as
/// [`fit_temperature_weighted`], and [`MetricsError::InvalidWeight`] for a temperature that
/// is not positive and finite (reported as row 0).
pub fn weighted_log_loss(
    log_probabilities_or_logits: &[Vec<f32>],
    truth: &[usize],
    weights: &[f32],
    temperature: f32,
) -> Result<f64, MetricsError> {
    check_rows(log_probabilities_or_logits, truth)?;
    check_scores(log_probabilities_or_logits)?;
    check_weights(weights, truth)?;
    if !(temperature.is_finite() && temperature > 0.0) {
        return Err(MetricsError::InvalidWeight {
            row: 0,
            value: temperature,
        });
    }
    Ok(mean_nll(
        log_probabilities_or_logits,
        truth,
        Some(weights),
        f64::from(temperature),
    ))
}

/// Golden-section search of the temperature (see [`fit_temperature`]).
fn fit(scores: &[Vec<f32>], truth: &[usize], weights: Option<&[f32]>) -> Result<f32, MetricsError> {
    check_rows(scores, truth)?;
    check_scores(scores)?;
    let objective = |log_t: f64| mean_nll(scores, truth, weights, log_t.exp());
    let inv_phi = (5.0_f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (
        f64::from(MIN_TEMPERATURE).ln(),
        f64::from(MAX_TEMPERATURE).ln(),
    );
    let mut c = b - inv_phi * (b - a);
    let mut d = a + inv_phi * (b - a);
    let (mut fc, mut fd) = (objective(c), objective(d));
    while b - a > LOG_TEMPERATURE_TOLERANCE {
        if fc <= fd {
            b = d;
            d = c;
            fd = fc;
            c = b - inv_phi * (b - a);
            fc = objective(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + inv_phi * (b - a);
            fd = objective(d);
        }
    }
    let t = ((a + b) / 2.0).exp() as f32;
    Ok(t.clamp(MIN_TEMPERATURE, MAX_TEMPERATURE))
}
