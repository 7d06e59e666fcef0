//! Learning-rate schedules, evaluated per optimisation step.

use serde::{Deserialize, Serialize};

/// How the learning rate evolves over a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LrSchedule {
    /// The peak rate throughout.
    Constant,
    /// Linear warm-up over `warmup_fraction` of the steps, then cosine decay to
    /// `final_fraction` of the peak.
    Cosine {
        /// Fraction of all steps spent warming up.
        warmup_fraction: f64,
        /// Final rate as a fraction of the peak.
        final_fraction: f64,
    },
    /// One-cycle: cosine rise from `peak / div_factor` to the peak over `pct_start` of the
    /// steps, then cosine fall to `peak / final_div_factor`.
    OneCycle {
        /// Fraction of the steps spent rising.
        pct_start: f64,
        /// Initial rate = peak / div_factor.
        div_factor: f64,
        /// Final rate = peak / final_div_factor.
        final_div_factor: f64,
    },
}

impl LrSchedule {
    /// Rate at `step` (0-based) of `total` steps for peak rate `peak`.
    pub fn rate(&self, peak: f64, step: usize, total: usize) -> f64 {
        let progress = if total <= 1 {
            0.0
        } else {
            step.min(total - 1) as f64 / (total - 1) as f64
        };
        let cosine = |from: f64, to: f64, t: f64| {
            to + (from - to) * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
        };
        match *self {
            LrSchedule::Constant => peak,
            LrSchedule::Cosine {
                warmup_fraction,
                final_fraction,
            } => {
                if warmup_fraction > 0.0 && progress < warmup_fraction {
                    peak * (progress / warmup_fraction).max(0.01)
                } else {
                    let t = (progress - warmup_fraction) / (1.0 - warmup_fraction).max(1e-9);
                    cosine(peak, peak * final_fraction, t.clamp(0.0, 1.0))
                }
            }
            LrSchedule::OneCycle {
                pct_start,
                div_factor,
                final_div_factor,
            } => {
                if progress < pct_start {
                    cosine(peak / div_factor, peak, progress / pct_start)
                } else {
                    let t = (progress - pct_start) / (1.0 - pct_start).max(1e-9);
                    cosine(peak, peak / final_div_factor, t.clamp(0.0, 1.0))
                }
            }
        }
    }

    /// Checks fractions and factors are in range.
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            LrSchedule::Constant => Ok(()),
            LrSchedule::Cosine {
                warmup_fraction,
                final_fraction,
            } if (0.0..1.0).contains(&warmup_fraction) && (0.0..=1.0).contains(&final_fraction) => {
                Ok(())
            }
            LrSchedule::OneCycle {
                pct_start,
                div_factor,
                final_div_factor,
            } if pct_start > 0.0
                && pct_start < 1.0
                && div_factor >= 1.0
                && final_div_factor >= 1.0 =>
            {
                Ok(())
            }
            _ => Err(format!("learning-rate schedule out of range: {self:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cycle_rises_to_peak_then_falls() {
        let s = LrSchedule::OneCycle {
            pct_start: 0.3,
            div_factor: 10.0,
            final_div_factor: 100.0,
        };
        assert!((s.rate(1.0, 0, 101) - 0.1).abs() < 1e-9);
        assert!((s.rate(1.0, 30, 101) - 1.0).abs() < 1e-9);
        assert!((s.rate(1.0, 100, 101) - 0.01).abs() < 1e-9);
        assert!(s.rate(1.0, 60, 101) < 1.0 && s.rate(1.0, 60, 101) > 0.01);
    }

    #[test]
    fn cosine_warms_up_then_decays() {
        let s = LrSchedule::Cosine {
            warmup_fraction: 0.1,
            final_fraction: 0.0,
        };
        assert!(s.rate(1.0, 5, 101) < s.rate(1.0, 10, 101));
        assert!((s.rate(1.0, 10, 101) - 1.0).abs() < 1e-9);
        assert!(s.rate(1.0, 100, 101).abs() < 1e-9);
        assert!(s.validate().is_ok());
        assert!(LrSchedule::Cosine {
            warmup_fraction: 1.5,
            final_fraction: 0.0
        }
        .validate()
        .is_err());
    }
}
