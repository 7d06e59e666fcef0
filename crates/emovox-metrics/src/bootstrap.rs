//! Bootstrap confidence intervals: how much a UAR measured on a few hundred clips could move
//! on other clips like them, whether one classifier's UAR is above another's on the same
//! clips, and what calibration error a perfectly calibrated classifier would show on them.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::calibration::{check_bins, check_probabilities, check_row_lengths, top, BinSums};
use crate::MetricsError;

/// The most resamples a [`Bootstrap`] takes (each keeps one number in memory).
pub const MAX_RESAMPLES: usize = 1_000_000;

/// A two-sided confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Confidence level (e.g. 0.95).
    pub level: f64,
}

impl Interval {
    /// Whether `value` lies in the interval (ends included).
    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }
}

/// Stratified percentile bootstrap over clips: each resample draws, for every true class, as
/// many clips of that class as it has, with replacement; the interval is the central `level`
/// share of the statistic over `resamples` resamples, from a generator seeded with `seed`
/// (the same inputs give the same interval).
///
/// Resampling clips treats them as independent. Clips of one speaker are not: the interval is
/// the uncertainty from the finite clips of the speakers evaluated, and differences between
/// speakers add to it (two held-out speakers are two draws of a speaker).
///
/// ```
/// use emovox_metrics::Bootstrap;
/// let truth = [0, 0, 0, 0, 1, 1, 1, 1];
/// let a = [0, 0, 0, 1, 1, 1, 1, 0]; // UAR 0.75
/// let interval = Bootstrap::default().uar(&truth, &a).unwrap();
/// assert!(interval.contains(0.75) && interval.low < interval.high);
/// // The same predictions: a difference of exactly 0.
/// let same = Bootstrap::default().uar_difference(&truth, &a, &a).unwrap();
/// assert_eq!((same.low, same.high), (0.0, 0.0));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bootstrap {
    /// Number of resamples.
    pub resamples: usize,
    /// Confidence level, in (0, 1).
    pub level: f64,
    /// Seed of the resampling.
    pub seed: u64,
}

impl Default for Bootstrap {
    /// 2,000 resamples, 95 %, seed 0.
    fn default() -> Self {
        Self {
            resamples: 2_000,
            level: 0.95,
            seed: 0,
        }
    }
}

impl Bootstrap {
    /// Checks there are 1 to [`MAX_RESAMPLES`] resamples and the level lies in (0, 1).
    pub fn validate(&self) -> Result<(), MetricsError> {
        let resamples_ok = (1..=MAX_RESAMPLES).contains(&self.resamples);
        if !(resamples_ok && self.level > 0.0 && self.level < 1.0) {
            return Err(MetricsError::InvalidBootstrap {
                resamples: self.resamples,
                level: self.level,
            });
        }
        Ok(())
    }

    /// Interval of the UAR of `predicted` against `truth` (class indices; UAR over the classes
    /// that have clips, as [`crate::ConfusionMatrix::uar`]).
    pub fn uar(&self, truth: &[usize], predicted: &[usize]) -> Result<Interval, MetricsError> {
        check_lengths(truth, predicted)?;
        let correct: Vec<f64> = truth
            .iter()
            .zip(predicted)
            .map(|(t, p)| f64::from(u8::from(t == p)))
            .collect();
        self.class_mean(truth, &correct)
    }

    /// Interval of UAR(`a`) - UAR(`b`), two classifiers' predictions of the same clips
    /// (paired: each resample scores both on the same clips). An interval above 0 says `a`
    /// is better on clips like these.
    pub fn uar_difference(
        &self,
        truth: &[usize],
        a: &[usize],
        b: &[usize],
    ) -> Result<Interval, MetricsError> {
        check_lengths(truth, a)?;
        check_lengths(truth, b)?;
        let difference: Vec<f64> = truth
            .iter()
            .zip(a.iter().zip(b))
            .map(|(t, (a, b))| f64::from(u8::from(t == a)) - f64::from(u8::from(t == b)))
            .collect();
        self.class_mean(truth, &difference)
    }

    /// Interval of the expected calibration error (`n_bins` equal-width bins, as
    /// [`crate::Calibration`]) that a perfectly calibrated classifier would show on clips with
    /// these `probabilities` (rows checked as [`crate::Calibration::from_probabilities`] checks
    /// them; their top-label confidences resampled: consistency resampling, Bröcker and Smith 2007): each
    /// resample draws the clips again with replacement and each one's correctness with
    /// probability its confidence. A measured ECE inside the interval is what chance gives a
    /// calibrated classifier on so few clips; one above it is evidence of miscalibration.
    ///
    /// Errors on an invalid bootstrap ([`MetricsError::InvalidBootstrap`]), no rows or a first
    /// row without classes ([`MetricsError::EmptyInput`]), `n_bins` 0 or above
    /// [`MAX_BINS`](crate::calibration::MAX_BINS), rows of different lengths
    /// ([`MetricsError::RowLength`]) and rows that are no probabilities.
    pub fn calibrated_ece(
        &self,
        probabilities: &[Vec<f32>],
        n_bins: usize,
    ) -> Result<Interval, MetricsError> {
        self.validate()?;
        if probabilities.is_empty() {
            return Err(MetricsError::EmptyInput("no probabilities to resample"));
        }
        check_bins(n_bins)?;
        check_row_lengths(probabilities)?;
        check_probabilities(probabilities)?;
        let confidences: Vec<f32> = probabilities.iter().map(|row| top(row).1).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let n = confidences.len();
        let mut statistics: Vec<f64> = (0..self.resamples)
            .map(|_| {
                let mut sums = BinSums::new(n_bins);
                for _ in 0..n {
                    let confidence = confidences[rng.gen_range(0..n)];
                    sums.add(confidence, rng.gen::<f32>() < confidence);
                }
                sums.ece()
            })
            .collect();
        Ok(self.percentile_interval(&mut statistics))
    }

    /// The central `level` share of `statistics` (sorted here).
    fn percentile_interval(&self, statistics: &mut [f64]) -> Interval {
        statistics.sort_by(f64::total_cmp);
        let tail = (1.0 - self.level) / 2.0;
        Interval {
            low: quantile(statistics, tail),
            high: quantile(statistics, 1.0 - tail),
            level: self.level,
        }
    }

    /// Interval of the mean over classes of the mean per-clip `score` within each class.
    fn class_mean(&self, truth: &[usize], score: &[f64]) -> Result<Interval, MetricsError> {
        self.validate()?;
        if truth.is_empty() {
            return Err(MetricsError::EmptyInput("no clips to resample"));
        }
        let mut by_class: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
        for (&t, &s) in truth.iter().zip(score) {
            by_class.entry(t).or_default().push(s);
        }
        let classes: Vec<Vec<f64>> = by_class.into_values().collect();
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut statistics: Vec<f64> = (0..self.resamples)
            .map(|_| {
                let total: f64 = classes
                    .iter()
                    .map(|c| {
                        let sum: f64 = (0..c.len()).map(|_| c[rng.gen_range(0..c.len())]).sum();
                        sum / c.len() as f64
                    })
                    .sum();
                total / classes.len() as f64
            })
            .collect();
        Ok(self.percentile_interval(&mut statistics))
    }
}

fn check_lengths(truth: &[usize], predicted: &[usize]) -> Result<(), MetricsError> {
    if truth.len() == predicted.len() {
        Ok(())
    } else {
        Err(MetricsError::LengthMismatch {
            truth: truth.len(),
            predicted: predicted.len(),
        })
    }
}

/// The `q` quantile of sorted `values` (linear interpolation between order statistics).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    let weight = position - below as f64;
    sorted[below] * (1.0 - weight) + sorted[above] * weight
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ConfusionMatrix;

    /// `n` clips per class of 4 classes, class `c` recalled with probability `recall[c]`.
    fn predictions(n: usize, recall: [f64; 4], seed: u64) -> (Vec<usize>, Vec<usize>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut truth = Vec::new();
        let mut predicted = Vec::new();
        for (c, r) in recall.iter().enumerate() {
            for _ in 0..n {
                truth.push(c);
                predicted.push(if rng.gen::<f64>() < *r {
                    c
                } else {
                    (c + 1) % 4
                });
            }
        }
        (truth, predicted)
    }

    #[test]
    fn the_uar_interval_holds_the_uar_and_shrinks_with_more_clips() {
        let recall = [0.8, 0.6, 0.5, 0.7];
        let width = |n: usize| {
            let (truth, predicted) = predictions(n, recall, 1);
            let labels = (0..4).map(|c| c.to_string()).collect();
            let uar = ConfusionMatrix::from_predictions(labels, &truth, &predicted)
                .unwrap()
                .uar();
            let interval = Bootstrap::default().uar(&truth, &predicted).unwrap();
            assert!(interval.contains(uar), "{uar} outside {interval:?}");
            interval.high - interval.low
        };
        let (small, large) = (width(30), width(480));
        // The standard error falls as 1 / sqrt(n): 16x the clips, about a quarter the width.
        assert!(
            (large / small - 0.25).abs() < 0.08,
            "widths {small} and {large}"
        );
        // Analytic check at n = 480 per class: the UAR's standard deviation is
        // sqrt(sum r(1-r)/n) / 4; the 95 % interval is about 3.92 of them.
        let sd = recall
            .iter()
            .map(|r| r * (1.0 - r) / 480.0)
            .sum::<f64>()
            .sqrt()
            / 4.0;
        assert!(
            (large / (3.92 * sd) - 1.0).abs() < 0.1,
            "{large} vs {}",
            3.92 * sd
        );
    }

    #[test]
    fn a_paired_difference_sees_what_two_separate_intervals_do_not() {
        // b is a with 12 of 400 wrong answers made right: a small, consistent gain.
        let (truth, a) = predictions(100, [0.6; 4], 2);
        let mut b = a.clone();
        let mut fixed = 0;
        for (i, p) in b.iter_mut().enumerate() {
            if *p != truth[i] && fixed < 12 {
                *p = truth[i];
                fixed += 1;
            }
        }
        let bootstrap = Bootstrap::default();
        let (ia, ib) = (
            bootstrap.uar(&truth, &a).unwrap(),
            bootstrap.uar(&truth, &b).unwrap(),
        );
        assert!(ib.low < ia.high, "the separate intervals overlap");
        let difference = bootstrap.uar_difference(&truth, &b, &a).unwrap();
        assert!(difference.low > 0.0, "{difference:?}");
        let reversed = bootstrap.uar_difference(&truth, &a, &b).unwrap();
        assert!((reversed.low + difference.high).abs() < 1e-12);
        assert!((reversed.high + difference.low).abs() < 1e-12);
    }

    #[test]
    fn a_calibrated_classifier_falls_inside_the_calibrated_ece_interval_and_an_overconfident_one_does_not(
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let confidences: Vec<f32> = (0..120).map(|_| 0.3 + 0.65 * rng.gen::<f32>()).collect();
        let ece_of = |correct: &dyn Fn(f32, &mut ChaCha8Rng) -> bool, rng: &mut ChaCha8Rng| {
            let mut sums = BinSums::new(10);
            for &c in &confidences {
                sums.add(c, correct(c, rng));
            }
            sums.ece()
        };
        // Rows of four classes whose top probability is the confidence.
        let rows = |confidences: &[f32]| -> Vec<Vec<f32>> {
            (confidences.iter())
                .map(|&c| vec![c, (1.0 - c) / 3.0, (1.0 - c) / 3.0, (1.0 - c) / 3.0])
                .collect()
        };
        let interval = Bootstrap::default()
            .calibrated_ece(&rows(&confidences), 10)
            .unwrap();
        // Even a calibrated classifier shows an ECE of several hundredths on 120 clips.
        assert!(interval.low > 0.02 && interval.high < 0.2, "{interval:?}");
        let inside = (0..200)
            .filter(|_| interval.contains(ece_of(&|c, r| r.gen::<f32>() < c, &mut rng)))
            .count();
        assert!(
            (180..=200).contains(&inside),
            "{inside} of 200 calibrated draws inside"
        );
        // Right half the time whatever it says: far above.
        let overconfident = ece_of(&|_, r| r.gen::<f32>() < 0.3, &mut rng);
        assert!(
            overconfident > interval.high,
            "{overconfident} vs {interval:?}"
        );
        // More clips, a narrower interval, nearer 0.
        let many: Vec<f32> = confidences.iter().cycle().take(1_920).copied().collect();
        let narrow = Bootstrap::default()
            .calibrated_ece(&rows(&many), 10)
            .unwrap();
        assert!(narrow.high < interval.low, "{narrow:?} vs {interval:?}");
        let b = Bootstrap::default();
        assert!(matches!(
            b.calibrated_ece(&[], 10),
            Err(MetricsError::EmptyInput(_))
        ));
        let half = vec![0.5, 0.5];
        assert!(matches!(
            b.calibrated_ece(std::slice::from_ref(&half), 0),
            Err(MetricsError::ZeroBins)
        ));
        assert!(matches!(
            b.calibrated_ece(&[half.clone(), vec![1.5, -0.5]], 10),
            Err(MetricsError::InvalidProbability { row: 1, .. })
        ));
        // An empty row is no distribution (and has no top label).
        assert!(matches!(
            b.calibrated_ece(&[half.clone(), vec![]], 10),
            Err(MetricsError::RowLength { row: 1, .. })
        ));
        assert!(matches!(
            b.calibrated_ece(std::slice::from_ref(&half), usize::MAX),
            Err(MetricsError::TooManyBins { n_bins: usize::MAX })
        ));
    }

    #[test]
    fn same_seed_same_interval_and_bad_input_is_an_error() {
        let (truth, predicted) = predictions(37, [0.7; 4], 3);
        let b = Bootstrap::default();
        assert_eq!(
            b.uar(&truth, &predicted).unwrap(),
            b.uar(&truth, &predicted).unwrap()
        );
        // Few resamples, so that the ends fall between the UAR's discrete values.
        let few = Bootstrap { resamples: 9, ..b };
        let other = Bootstrap { seed: 1, ..few };
        assert_ne!(
            few.uar(&truth, &predicted).unwrap(),
            other.uar(&truth, &predicted).unwrap()
        );
        assert!(matches!(
            b.uar(&truth, &predicted[1..]),
            Err(MetricsError::LengthMismatch { .. })
        ));
        assert!(matches!(b.uar(&[], &[]), Err(MetricsError::EmptyInput(_))));
        // Any class index is a class: no dense table sized by the largest.
        let far = b.uar(&[usize::MAX, 0], &[usize::MAX, 1]).unwrap();
        assert_eq!((far.low, far.high), (0.5, 0.5));
        for bad in [
            Bootstrap { resamples: 0, ..b },
            Bootstrap {
                resamples: MAX_RESAMPLES + 1,
                ..b
            },
            Bootstrap { level: 1.0, ..b },
            Bootstrap {
                level: f64::NAN,
                ..b
            },
        ] {
            assert!(matches!(
                bad.uar(&truth, &predicted),
                Err(MetricsError::InvalidBootstrap { .. })
            ));
        }
        // Every answer right: nothing to resample away.
        let perfect = b.uar(&truth, &truth).unwrap();
        assert_eq!((perfect.low, perfect.high), (1.0, 1.0));
    }
}
