//! [`ProbabilityCalibration`]: temperature scaling of a model's output probabilities.

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// Temperature scaling of a model's (view-averaged) class probabilities:
/// `p_k^(1/T) / sum_j p_j^(1/T)`, i.e. a softmax of `log p / T`. `T > 1` softens over-confident
/// outputs, `T < 1` sharpens them; the most probable label never changes. Stored in the model
/// file under [`crate::CALIBRATION_KEY`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbabilityCalibration {
    /// The temperature `T` (positive).
    pub temperature: f32,
    /// Speakers whose clips the temperature was fitted on (minimum log-loss).
    pub fitted_on: Vec<String>,
}

/// The range of temperatures accepted.
const TEMPERATURES: std::ops::RangeInclusive<f32> = 0.01..=100.0;

impl ProbabilityCalibration {
    /// A calibration with temperature `temperature`, fitted on `fitted_on`.
    pub fn new(temperature: f32, fitted_on: Vec<String>) -> Result<Self, ModelError> {
        let calibration = Self {
            temperature,
            fitted_on,
        };
        calibration.validate()?;
        Ok(calibration)
    }

    /// Checks the temperature is finite and in 0.01..=100.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.temperature.is_finite() && TEMPERATURES.contains(&self.temperature) {
            Ok(())
        } else {
            Err(ModelError::InvalidMetadata(format!(
                "calibration temperature {} is outside 0.01..=100",
                self.temperature
            )))
        }
    }

    /// The calibrated probabilities of `probabilities` (computed in log space; a zero stays 0).
    pub fn apply(&self, probabilities: &[f32]) -> Vec<f32> {
        let inv = 1.0 / self.temperature as f64;
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
        let soft = ProbabilityCalibration::new(2.0, vec![]).unwrap().apply(&p);
        // sqrt(0.7), sqrt(0.2), sqrt(0.1) renormalised.
        let norm = 0.7f32.sqrt() + 0.2f32.sqrt() + 0.1f32.sqrt();
        assert!((soft[0] - 0.7f32.sqrt() / norm).abs() < 1e-6, "{soft:?}");
        assert_eq!(soft[3], 0.0);
        let sharp = ProbabilityCalibration::new(0.5, vec![]).unwrap().apply(&p);
        assert!(sharp[0] > 0.7 && soft[0] < 0.7);
        let identity = ProbabilityCalibration::new(1.0, vec![]).unwrap().apply(&p);
        assert!(identity.iter().zip(&p).all(|(a, b)| (a - b).abs() < 1e-6));
        assert!((soft.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(ProbabilityCalibration::new(0.0, vec![]).is_err());
        assert!(ProbabilityCalibration::new(f32::NAN, vec![]).is_err());
    }
}
