//! Random multi-condition augmentation for training.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::{
    Condition, DegradeError, AMR_NB_KBPS, GAIN_DB_RANGE, OPUS_KBPS_RANGE, RT60_RANGE, SNR_DB_RANGE,
    TALKERS_RANGE, TILT_DB_RANGE,
};

/// Relative weights of the noise colours drawn by [`MultiConditionConfig::draw`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoiseWeights {
    /// Weight of Gaussian white noise.
    pub white: f32,
    /// Weight of pink noise.
    pub pink: f32,
    /// Weight of babble (needs a [`super::BabblePool`] at apply time, or
    /// [`Condition::without_babble`]).
    pub babble: f32,
}

impl Default for NoiseWeights {
    /// Equal weights: white 1, pink 1, babble 1.
    fn default() -> Self {
        Self {
            white: 1.0,
            pink: 1.0,
            babble: 1.0,
        }
    }
}

/// A random multi-condition augmenter: [`MultiConditionConfig::draw`] gives the condition of
/// one training crop. Missing fields take their [`Default`] values when deserialised.
///
/// A crop is degraded with probability `prob`; a degraded crop gets, in this order: reverb
/// (probability `reverb_prob`, RT60 uniform in `rt60`), additive noise (probability
/// `noise_prob`, colour by `noise_weights`, SNR uniform in `snr_db`, babble talkers uniform
/// in `babble_talkers`), a spectral tilt uniform in ±`tilt_db` (probability `tilt_prob`: the
/// colour of another microphone), the telephone channel (probability `telephone_prob`), an
/// AMR-NB round trip at one of its eight bitrates, uniformly (probability `amr_prob`: a mobile
/// phone call, [`Condition::Amr`]), an Opus round trip at a bitrate uniform in `opus_kbps` (probability `opus_prob`: a voice message or
/// a VoIP call), and a gain uniform in ±`gain_db` (when `gain_db > 0`). A degraded crop for
/// which none of the first three was drawn gets noise anyway (if any noise weight is
/// positive), so that it differs from the clean crop.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MultiConditionConfig {
    /// Probability that a crop is degraded at all (default 0.7).
    pub prob: f32,
    /// SNR range (dB, uniform) of the additive noise (default 0..30).
    pub snr_db: (f32, f32),
    /// Probability of additive noise in a degraded crop (default 0.8).
    pub noise_prob: f32,
    /// Relative weights of the noise colours (default 1, 1, 1).
    pub noise_weights: NoiseWeights,
    /// Range (inclusive, uniform) of babble talkers (default 2..=8).
    pub babble_talkers: (usize, usize),
    /// Probability of the telephone channel in a degraded crop (default 0.2).
    pub telephone_prob: f32,
    /// Probability of reverberation in a degraded crop (default 0.3).
    pub reverb_prob: f32,
    /// RT60 range (seconds, uniform) of the reverberation (default 0.2..1.0).
    pub rt60: (f32, f32),
    /// Gain range: uniform in -`gain_db`..=`gain_db` dB, none when 0 (default 0).
    pub gain_db: f32,
    /// Probability of a spectral tilt ([`Condition::Tilt`]) in a degraded crop (default 0: no
    /// random number is drawn for it, so recipes without it draw what they drew before).
    pub tilt_prob: f32,
    /// Tilt range: uniform in -`tilt_db`..=`tilt_db` dB (default 12).
    pub tilt_db: f32,
    /// Probability of an Opus round trip ([`Condition::Opus`]) in a degraded crop (default 0:
    /// no random number is drawn for it, as for `tilt_prob`).
    pub opus_prob: f32,
    /// Bitrate range (kbit/s, inclusive, uniform) of the Opus round trip (default 6..=16).
    pub opus_kbps: (u32, u32),
    /// Probability of an AMR-NB round trip ([`Condition::Amr`], a bitrate drawn uniformly from
    /// [`AMR_NB_KBPS`]) in a degraded crop (default 0: no random number is drawn for it, as for
    /// `tilt_prob`). Applying it needs the `amr` feature.
    pub amr_prob: f32,
}

impl Default for MultiConditionConfig {
    fn default() -> Self {
        Self {
            prob: 0.7,
            snr_db: (0.0, 30.0),
            noise_prob: 0.8,
            noise_weights: NoiseWeights::default(),
            babble_talkers: (2, 8),
            telephone_prob: 0.2,
            reverb_prob: 0.3,
            rt60: (0.2, 1.0),
            gain_db: 0.0,
            tilt_prob: 0.0,
            tilt_db: 12.0,
            opus_prob: 0.0,
            opus_kbps: (6, 16),
            amr_prob: 0.0,
        }
    }
}

fn bad_config(message: String) -> DegradeError {
    DegradeError::BadConfig(message)
}

fn check_probability(name: &str, p: f32) -> Result<(), DegradeError> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(bad_config(format!(
            "{name} = {p} is not a probability in 0..=1"
        )))
    }
}

/// Checks an inclusive range drawn uniformly: ordered, both ends in `allowed`.
fn check_range<T: PartialOrd + std::fmt::Display>(
    name: &str,
    (lo, hi): (T, T),
    allowed: &std::ops::RangeInclusive<T>,
) -> Result<(), DegradeError> {
    if allowed.contains(&lo) && allowed.contains(&hi) && lo <= hi {
        Ok(())
    } else {
        Err(bad_config(format!(
            "{name} = ({lo}, {hi}) must be an ordered range within {}..={}",
            allowed.start(),
            allowed.end()
        )))
    }
}

/// Uniform integer in `lo..=hi` (`lo <= hi`).
fn uniform_count<R: Rng + ?Sized>(rng: &mut R, (lo, hi): (usize, usize)) -> usize {
    let span = hi.saturating_sub(lo).saturating_add(1);
    let offset = ((rng.gen::<f64>() * span as f64) as usize).min(span - 1);
    lo.saturating_add(offset)
}

/// Checks a half-width `w` drawn as uniform in `-w..=w`: both ends must lie in `allowed`.
fn check_half_width(
    name: &str,
    w: f32,
    allowed: &std::ops::RangeInclusive<f32>,
) -> Result<(), DegradeError> {
    if w >= 0.0 && allowed.contains(&w) && allowed.contains(&-w) {
        Ok(())
    } else {
        Err(bad_config(format!(
            "{name} = {w} must be within 0..={}",
            allowed.end().min(-allowed.start())
        )))
    }
}

/// Uniform in `lo..=hi` (plain arithmetic: never panics, even on a bad range).
fn uniform<R: Rng + ?Sized>(rng: &mut R, (lo, hi): (f32, f32)) -> f32 {
    lo + (hi - lo) * rng.gen::<f32>()
}

impl MultiConditionConfig {
    /// Checks the probabilities (0..=1), the ranges (ordered; SNR within -20..=60 dB, RT60
    /// within 0.05..=3 s, talkers within 1..=16, `gain_db` within 0..=40, `tilt_db` within
    /// 0..=24) and the weights (finite, non-negative, positive sum when `noise_prob > 0`).
    pub fn validate(&self) -> Result<(), DegradeError> {
        check_probability("prob", self.prob)?;
        check_probability("noise_prob", self.noise_prob)?;
        check_probability("telephone_prob", self.telephone_prob)?;
        check_probability("reverb_prob", self.reverb_prob)?;
        check_probability("tilt_prob", self.tilt_prob)?;
        check_probability("opus_prob", self.opus_prob)?;
        check_probability("amr_prob", self.amr_prob)?;
        check_half_width("tilt_db", self.tilt_db, &TILT_DB_RANGE)?;
        check_range("snr_db", self.snr_db, &SNR_DB_RANGE)?;
        check_range("rt60", self.rt60, &RT60_RANGE)?;
        check_range("babble_talkers", self.babble_talkers, &TALKERS_RANGE)?;
        check_range("opus_kbps", self.opus_kbps, &OPUS_KBPS_RANGE)?;
        check_half_width("gain_db", self.gain_db, &GAIN_DB_RANGE)?;
        let NoiseWeights {
            white,
            pink,
            babble,
        } = self.noise_weights;
        if ![white, pink, babble]
            .iter()
            .all(|w| w.is_finite() && *w >= 0.0)
        {
            return Err(bad_config(format!(
                "noise_weights ({white}, {pink}, {babble}) must be finite and non-negative"
            )));
        }
        if self.noise_prob > 0.0 && white + pink + babble <= 0.0 {
            return Err(bad_config(
                "noise_weights must have a positive sum when noise_prob > 0".to_string(),
            ));
        }
        Ok(())
    }

    /// Draws the condition of one crop (a [`Condition::Chain`] when it has several stages,
    /// [`Condition::Clean`] when not degraded). A valid config only draws valid conditions.
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> Condition {
        if rng.gen::<f32>() >= self.prob {
            return Condition::Clean;
        }
        let reverb = rng.gen::<f32>() < self.reverb_prob;
        let mut noise = rng.gen::<f32>() < self.noise_prob;
        let telephone = rng.gen::<f32>() < self.telephone_prob;
        let weights = self.noise_weights;
        let total = weights.white + weights.pink + weights.babble;
        if !(reverb || noise || telephone) && total > 0.0 {
            noise = true;
        }
        let mut stages = Vec::with_capacity(7);
        if reverb {
            stages.push(Condition::Reverb {
                rt60: uniform(rng, self.rt60),
            });
        }
        if noise && total > 0.0 {
            let snr_db = uniform(rng, self.snr_db);
            let pick = rng.gen::<f32>() * total;
            stages.push(if pick < weights.white {
                Condition::White { snr_db }
            } else if pick < weights.white + weights.pink || weights.babble <= 0.0 {
                Condition::Pink { snr_db }
            } else {
                Condition::Babble {
                    snr_db,
                    talkers: uniform_count(rng, self.babble_talkers),
                }
            });
        }
        if self.tilt_prob > 0.0 && rng.gen::<f32>() < self.tilt_prob {
            stages.push(Condition::Tilt {
                db: uniform(rng, (-self.tilt_db, self.tilt_db)),
            });
        }
        if telephone {
            stages.push(Condition::Telephone);
        }
        if self.amr_prob > 0.0 && rng.gen::<f32>() < self.amr_prob {
            let mode = uniform_count(rng, (0, AMR_NB_KBPS.len() - 1));
            stages.push(Condition::Amr {
                kbps: AMR_NB_KBPS[mode],
            });
        }
        if self.opus_prob > 0.0 && rng.gen::<f32>() < self.opus_prob {
            let (lo, hi) = self.opus_kbps;
            let kbps = uniform_count(rng, (lo as usize, hi as usize)) as u32;
            stages.push(Condition::Opus { kbps, loss: 0.0 });
        }
        if self.gain_db > 0.0 {
            stages.push(Condition::Gain {
                db: uniform(rng, (-self.gain_db, self.gain_db)),
            });
        }
        match stages.len() {
            0 => Condition::Clean,
            1 => stages.remove(0),
            _ => Condition::Chain { stages },
        }
    }
}
