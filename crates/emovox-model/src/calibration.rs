//! [`ProbabilityCalibration`]: temperature scaling of a model's output probabilities.

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// Temperature scaling of a model's (view-averaged) class probabilities:
/// `p_k^(1/T) / sum_j p_j^(1/T)`, i.e. a softmax of `log p / T`. `T > 1` softens over-confident
/// outputs, `T < 1` sharpens them; the most probable label never changes. Stored in the model
/// file under [`crate::CALIBRATION_KEY`].
///
/// With a model whose views have a [`crate::FeatureDensity`], the temperature of a clip grows
/// with its novelty `s`: `T(s) = temperature * (1 + novelty_slope * sqrt(max(0, s - 1)))`, so a
/// clip unlike the training clips is given less confidence than a typical one (both numbers
/// fitted together on validation speakers).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbabilityCalibration {
    /// The temperature `T` (positive) of a clip as typical as the training clips.
    pub temperature: f32,
    /// How fast the temperature grows with a clip's novelty (0: not at all).
    #[serde(default)]
    pub novelty_slope: f32,
    /// The novelty above which a clip is unlike what the model was trained and validated on:
    /// the 99th percentile over the validation clips.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub novelty_threshold: Option<f32>,
    /// Speakers whose clips the temperature was fitted on (minimum log-loss).
    pub fitted_on: Vec<String>,
    /// The recording conditions those clips were scored under (names such as `clean`,
    /// `white10`, `telephone`); empty when they were scored as recorded only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fitted_under: Vec<String>,
}

/// The range of temperatures accepted.
const TEMPERATURES: std::ops::RangeInclusive<f32> = 0.01..=100.0;

impl ProbabilityCalibration {
    /// A calibration with temperature `temperature`, fitted on `fitted_on`.
    pub fn new(temperature: f32, fitted_on: Vec<String>) -> Result<Self, ModelError> {
        let calibration = Self {
            temperature,
            novelty_slope: 0.0,
            novelty_threshold: None,
            fitted_on,
            fitted_under: Vec::new(),
        };
        calibration.validate()?;
        Ok(calibration)
    }

    /// The same calibration with the temperature growing with novelty at `slope`, and
    /// `threshold` as the novelty beyond which a clip is unfamiliar.
    pub fn with_novelty(self, slope: f32, threshold: f32) -> Result<Self, ModelError> {
        let calibration = Self {
            novelty_slope: slope,
            novelty_threshold: Some(threshold),
            ..self
        };
        calibration.validate()?;
        Ok(calibration)
    }

    /// Checks the temperature is finite and in 0.01..=100, the novelty slope in 0..=100 and
    /// the threshold, if any, finite and positive.
    pub fn validate(&self) -> Result<(), ModelError> {
        let invalid = |what: String| Err(ModelError::InvalidMetadata(what));
        if !(self.temperature.is_finite() && TEMPERATURES.contains(&self.temperature)) {
            return invalid(format!(
                "calibration temperature {} is outside 0.01..=100",
                self.temperature
            ));
        }
        if !(0.0..=100.0).contains(&self.novelty_slope) {
            return invalid(format!(
                "calibration novelty slope {} is outside 0..=100",
                self.novelty_slope
            ));
        }
        match self.novelty_threshold {
            Some(t) if !(t.is_finite() && t > 0.0) => {
                invalid(format!("novelty threshold {t} is not a positive number"))
            }
            _ => Ok(()),
        }
    }

    /// The temperature of a clip of novelty `novelty` (`None`: the plain temperature).
    pub fn temperature_at(&self, novelty: Option<f32>) -> f32 {
        let excess = novelty.map_or(0.0, |s| (s - 1.0).max(0.0));
        self.temperature * (1.0 + self.novelty_slope * excess.sqrt())
    }

    /// The calibrated probabilities of `probabilities`, a clip of novelty `novelty` (computed
    /// in log space; a zero stays 0).
    pub fn apply(&self, probabilities: &[f32], novelty: Option<f32>) -> Vec<f32> {
        let inv = 1.0 / self.temperature_at(novelty) as f64;
        let scaled: Vec<f64> = probabilities
            .iter()
            .map(|&p| {
                if p > 0.0 {
                    (p as f64).ln() * inv
                } else {
                    f64::NEG_INFINITY
                }
            })
            .collect();
        let max = scaled.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !max.is_finite() {
            return probabilities.to_vec();
        }
        let exp: Vec<f64> = scaled.iter().map(|z| (z - max).exp()).collect();
        let total: f64 = exp.iter().sum();
        exp.iter().map(|e| (e / total) as f32).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temperature_softens_or_sharpens_without_changing_the_winner() {
        let p = [0.7f32, 0.2, 0.1, 0.0];
        let soft = ProbabilityCalibration::new(2.0, vec![])
            .unwrap()
            .apply(&p, None);
        // sqrt(0.7), sqrt(0.2), sqrt(0.1) renormalised.
        let norm = 0.7f32.sqrt() + 0.2f32.sqrt() + 0.1f32.sqrt();
        assert!((soft[0] - 0.7f32.sqrt() / norm).abs() < 1e-6, "{soft:?}");
        assert_eq!(soft[3], 0.0);
        let sharp = ProbabilityCalibration::new(0.5, vec![])
            .unwrap()
            .apply(&p, None);
        assert!(sharp[0] > 0.7 && soft[0] < 0.7);
        let identity = ProbabilityCalibration::new(1.0, vec![])
            .unwrap()
            .apply(&p, None);
        assert!(identity.iter().zip(&p).all(|(a, b)| (a - b).abs() < 1e-6));
        assert!((soft.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(ProbabilityCalibration::new(0.0, vec![]).is_err());
        // The temperature grows with novelty above 1 only, as the square root of the excess.
        let novel = ProbabilityCalibration::new(2.0, vec![])
            .unwrap()
            .with_novelty(0.5, 3.0)
            .unwrap();
        assert_eq!(novel.temperature_at(None), 2.0);
        assert_eq!(novel.temperature_at(Some(0.5)), 2.0);
        assert!((novel.temperature_at(Some(5.0)) - 4.0).abs() < 1e-6);
        let far = novel.apply(&p, Some(17.0)); // T = 2 * (1 + 0.5 * 4) = 6
        assert!(far[0] < soft[0] && far[0] > 1.0 / 3.0, "{far:?}");
        assert!(ProbabilityCalibration::new(1.0, vec![])
            .unwrap()
            .with_novelty(-1.0, 3.0)
            .is_err());
        assert!(ProbabilityCalibration::new(1.0, vec![])
            .unwrap()
            .with_novelty(1.0, f32::NAN)
            .is_err());
        assert!(ProbabilityCalibration::new(f32::NAN, vec![]).is_err());
    }
}
