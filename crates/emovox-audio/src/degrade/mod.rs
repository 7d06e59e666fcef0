//! Named, seeded recording conditions: the same clip "recorded differently".
//!
//! A [`Condition`] degrades a mono clip: gain, clipping, additive noise (white, pink, babble)
//! at a signal-to-noise ratio, a telephone channel, room reverberation, a spectral tilt, a DC
//! offset, mains hum, a lossy codec (Opus, AMR-NB), silence around the clip, or a chain of
//! these. It is
//! used to evaluate a model's robustness on [`standard_conditions`] and, through
//! [`MultiConditionConfig::draw`], as multi-condition training augmentation.
//!
//! Every condition is deterministic: the same (condition, input, seed, babble pool) always
//! gives the same output (the random numbers come from a `ChaCha8Rng` seeded with the seed;
//! the stages of a chain get sub-seeds derived from it). The output has the input's length
//! (but for [`Condition::Pad`], which lengthens the clip by its silence), an empty input gives an empty output (after the condition and the sample rate are
//! checked), and bad parameters are a typed [`DegradeError`], never a panic.
//!
//! Conditions have a short text form (`clean`, `gain:-20`, `clipping:12`, `white:20`, `pink:10`,
//! `babble:10` or `babble:10:6`, `telephone`, `reverb:0.5`, `tilt:-6`, `offset:-6`, `hum:50:30`, `opus:12`, `amr:12.2`, `pad:3`, chains
//! joined by `+` such as `reverb:0.4+babble:10`) parsed by [`Condition::parse`] and printed by
//! `Display`.
//!
//! ```
//! use emovox_audio::degrade::Condition;
//!
//! let condition: Condition = "reverb:0.4+white:10".parse()?;
//! assert_eq!(condition.to_string(), "reverb:0.4+white:10");
//! let clip: Vec<f32> = (0..16_000).map(|i| (i as f32 * 0.05).sin() * 0.1).collect();
//! let degraded = condition.apply(&clip, 16_000, 7, None)?;
//! assert_eq!(degraded.len(), clip.len());
//! assert_eq!(degraded, condition.apply(&clip, 16_000, 7, None)?);
//! # Ok::<(), emovox_audio::degrade::DegradeError>(())
//! ```

mod channel;
mod codec;
mod multi;
mod noise;
mod reverb;
mod text;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub(crate) use crate::mean_power;
use thiserror::Error;

use crate::{validate_sample_rate, AudioError};

pub use multi::{MultiConditionConfig, NoiseWeights};
pub use noise::{pink_noise, white_noise, BabblePool};
pub use text::parse_conditions;

/// Accepted signal-to-noise ratios, in dB.
pub const SNR_DB_RANGE: std::ops::RangeInclusive<f32> = -20.0..=60.0;
/// Accepted gains, in dB.
pub const GAIN_DB_RANGE: std::ops::RangeInclusive<f32> = -60.0..=40.0;
/// Accepted reverberation times (RT60), in seconds.
pub const RT60_RANGE: std::ops::RangeInclusive<f32> = 0.05..=3.0;
/// Valid spectral tilts of [`Condition::Tilt`], in dB.
pub const TILT_DB_RANGE: std::ops::RangeInclusive<f32> = -24.0..=24.0;
/// Accepted offsets of [`Condition::Offset`], in dB relative to the clip's RMS.
pub const OFFSET_DB_RANGE: std::ops::RangeInclusive<f32> = -60.0..=20.0;
/// Accepted mains frequencies of [`Condition::Hum`], in Hz (50 and 60 Hz grids, with room for
/// generators and drifting supplies).
pub const HUM_HZ_RANGE: std::ops::RangeInclusive<f32> = 40.0..=70.0;
/// Harmonics in [`Condition::Hum`]: the mains frequency and its multiples up to this one.
pub const HUM_HARMONICS: usize = 5;
/// Accepted clipping depths of [`Condition::Clipping`], in dB below the peak.
pub const CLIPPING_DB_RANGE: std::ops::RangeInclusive<f32> = 0.0..=40.0;
/// Accepted ratios of [`Condition::Compression`] (1 leaves the clip unchanged).
pub const COMPRESSION_RATIO_RANGE: std::ops::RangeInclusive<f32> = 1.0..=100.0;
/// Threshold of [`Condition::Compression`], in dB below the clip's loudest envelope value.
pub const COMPRESSION_THRESHOLD_DB: f32 = 20.0;
/// Attack and release times of [`Condition::Compression`]'s level detector, in seconds.
pub const COMPRESSION_ATTACK_SECONDS: f32 = 0.005;
/// See [`COMPRESSION_ATTACK_SECONDS`].
pub const COMPRESSION_RELEASE_SECONDS: f32 = 0.15;
/// Accepted packet losses of [`Condition::Opus`], in percent.
pub const OPUS_LOSS_RANGE: std::ops::RangeInclusive<f32> = 0.0..=50.0;
/// Accepted Opus bitrates of [`Condition::Opus`], in kbit/s (libopus codes 6 to 510).
pub const OPUS_KBPS_RANGE: std::ops::RangeInclusive<u32> = 6..=256;
/// AMR-NB's eight bitrates of [`Condition::Amr`], in kbit/s, in the order of its modes (MR475
/// .. MR122).
pub const AMR_NB_KBPS: [f32; 8] = [4.75, 5.15, 5.9, 6.7, 7.4, 7.95, 10.2, 12.2];
/// Accepted lengths of [`Condition::Pad`]'s silence at each end, in seconds.
pub const PAD_SECONDS_RANGE: std::ops::RangeInclusive<f32> = 0.0..=30.0;
/// Accepted numbers of babble talkers.
pub const TALKERS_RANGE: std::ops::RangeInclusive<usize> = 1..=16;
/// Babble talkers when the text form gives none (`babble:10`).
pub const DEFAULT_TALKERS: usize = 4;

/// Why a condition could not be parsed, built or applied.
#[derive(Debug, Error)]
pub enum DegradeError {
    /// The text names no known condition.
    #[error("unknown condition {0:?} (expected clean, gain, clipping, compression, white, pink, babble, telephone, reverb, tilt, offset, hum, opus, amr, pad, or stages joined by '+')")]
    UnknownCondition(String),
    /// A parameter is missing, unparsable or out of range.
    #[error("bad parameter for {condition}: {message}")]
    BadParameter {
        /// The condition (e.g. `white`).
        condition: String,
        /// What is wrong.
        message: String,
    },
    /// A babble condition was applied without a [`BabblePool`].
    #[error("babble noise needs a BabblePool (or use Condition::without_babble)")]
    NeedsBabble,
    /// The babble pool and the clip have different sample rates.
    #[error("the babble pool is at {pool} Hz but the clip is at {clip} Hz")]
    BabbleSampleRate {
        /// The pool's rate, in Hz.
        pool: u32,
        /// The clip's rate, in Hz.
        clip: u32,
    },
    /// No clip given to [`BabblePool::new`] is usable (all shorter than 0.1 s, silent or
    /// holding non-finite samples).
    #[error(
        "the babble pool holds no usable clip (each must be at least 0.1 s, finite, not silent)"
    )]
    EmptyBabblePool,
    /// A [`MultiConditionConfig`] is invalid.
    #[error("invalid multi-condition config: {0}")]
    BadConfig(String),
    /// The sample rate is unsupported, a sample is not finite, or resampling failed.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// The Opus codec of [`Condition::Opus`] failed, or emovox-audio was built without its
    /// `opus` feature.
    #[error("Opus codec: {0}")]
    Codec(String),
    /// The degraded clip would hold a NaN or infinite sample: a finite input so loud that the
    /// condition overflows `f32` (e.g. `gain:+40` on samples near `f32::MAX`).
    #[error("the degraded clip has a non-finite sample at index {index} (the input is too loud for the condition)")]
    NonFiniteOutput {
        /// Index of the first non-finite output sample.
        index: usize,
    },
    /// The FFT failed (an internal error; not expected).
    #[error("FFT failed: {0}")]
    Fft(String),
}

/// One recording condition.
///
/// SNRs are measured against the clip's mean power over all its samples (silences
/// included), so `white:10` adds noise of exactly a tenth of the clip's mean power. A silent
/// clip stays silent under every SNR-based noise. Samples may go beyond ±1 (a gain, noise at a
/// low SNR); only three stages saturate at full scale: the telephone's mu-law coding, and the
/// Opus and AMR codecs (their decoders limit their output to ±1).
///
/// Serialised (serde) as an internally tagged map, e.g. `{"type":"white","snr_db":20.0}`;
/// a chain is `{"type":"chain","stages":[...]}`. Deserialising checks the ranges.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", tag = "type", rename_all = "snake_case")]
pub enum Condition {
    /// The clip unchanged.
    Clean,
    /// Multiplies by `10^(db / 20)` (computed in `f32`), `db` in -60..=40.
    Gain {
        /// Gain in dB.
        db: f32,
    },
    /// An overdriven recording: every sample limited to ±(peak · 10^(-`db`/20)), i.e. hard
    /// clipping `db` dB (0..=40) below the clip's peak, as when a recorder's gain was set `db`
    /// dB too high for the loudest moment; the output is rescaled to the input's mean power.
    /// Scale-invariant (the same distortion at any input level); `clipping:0` is the clip
    /// unchanged. On a full-scale sine, `clipping:6` flattens about two thirds of the samples.
    Clipping {
        /// Depth of the clipping below the peak, in dB.
        db: f32,
    },
    /// A dynamic range compressor, or the automatic gain control of a phone, a conferencing
    /// app or a broadcast chain: the level above a threshold
    /// [`COMPRESSION_THRESHOLD_DB`] (20) dB below the clip's loudest moment is divided by
    /// `ratio` (1..=100; 4 is a typical voice compressor, 20 and more an AGC or limiter that
    /// flattens loud and soft speech alike). The level is the smoothed power (a one-pole
    /// detector with [`COMPRESSION_ATTACK_SECONDS`] 5 ms attack and
    /// [`COMPRESSION_RELEASE_SECONDS`] 150 ms release, run forward as a real compressor runs);
    /// the output is rescaled to the input's mean power. Scale-invariant; `compression:1` is the
    /// clip unchanged. Loudness changes within a clip, a cue to emotion, shrink: a steady
    /// passage 30 dB under the loudest comes out about 30 - 20 (1 - 1/`ratio`) dB under it
    /// (within 1 dB on tones: the detector rides nearer a tone's peaks than its mean).
    Compression {
        /// Compression ratio (input dB over the threshold per output dB).
        ratio: f32,
    },
    /// Adds Gaussian white noise at `snr_db` (-20..=60).
    White {
        /// Signal-to-noise ratio in dB.
        snr_db: f32,
    },
    /// Adds pink (1/f, -3 dB per octave) noise at `snr_db` (-20..=60): Paul Kellet's refined
    /// filter on Gaussian white noise.
    Pink {
        /// Signal-to-noise ratio in dB.
        snr_db: f32,
    },
    /// Adds babble: `talkers` (1..=16) random excerpts of other speech from a
    /// [`BabblePool`], each at equal power, summed and scaled to `snr_db` (-20..=60).
    Babble {
        /// Signal-to-noise ratio in dB.
        snr_db: f32,
        /// Number of simultaneous talkers.
        #[serde(default = "default_talkers")]
        talkers: usize,
    },
    /// A narrow-band telephone channel: resampling to 8 kHz (skipped at 8 kHz), band-pass
    /// 300–3400 Hz (4th-order Butterworth high-pass and low-pass, cascaded biquads), G.711
    /// mu-law 8-bit coding, back to the original rate.
    Telephone,
    /// Convolution with a synthetic room impulse response of reverberation time `rt60`
    /// seconds (0.05..=3): a direct path, then after 2–5 ms an exponentially decaying
    /// Gaussian tail (60 dB in `rt60`) whose energy relative to the direct path follows
    /// Sabine's diffuse-field estimate for a talker 1 m from the microphone in a 60 m³ room
    /// (direct-to-reverberant ratio about +5.9 dB at 0.05 s, -4.1 dB at 0.5 s, -7.2 dB at
    /// 1 s). The output is truncated to the input's length and rescaled to the input's RMS.
    Reverb {
        /// Reverberation time (decay of 60 dB), in seconds.
        rt60: f32,
    },
    /// A microphone's or channel's spectral tilt: a high-shelf filter (RBJ cookbook, shelf
    /// slope 1) at 1 kHz with gain `db` (-24..=24): the band above about 3 kHz raised by `db`
    /// (within 0.15 dB at 9 dB) against the band below about 250 Hz, half of it at 1 kHz and
    /// about 94 % of it at 2 kHz (negative: a darker, muffled recording; positive: a brighter,
    /// thinner one). The output is rescaled to the input's RMS. Needs a sample rate
    /// above 2 kHz (the shelf's corner below the Nyquist frequency).
    Tilt {
        /// Gain of the high band against the low band, in dB.
        db: f32,
    },
    /// A constant (DC) offset added to every sample, of `db` dB (-60..=20) relative to the
    /// clip's RMS: `offset:-6` adds half the clip's RMS, `offset:0` its RMS. What a cheap
    /// converter or a microphone preamplifier's bias does; inaudible, but every sample moves.
    Offset {
        /// Size of the offset relative to the clip's RMS, in dB.
        db: f32,
    },
    /// Mains hum added at `snr_db` (-20..=60): a ground loop's or an unshielded cable's buzz at
    /// the mains frequency `hz` (40..=70; 50 Hz in most of the world, 60 Hz in the Americas)
    /// and its multiples up to the [`HUM_HARMONICS`]th, the `k`th at amplitude 1/`k` and a
    /// phase drawn from the seed. Below the speech band's pitch (the 1st to 3rd harmonics) and
    /// steady: unlike noise, every frame gets the same low-frequency energy.
    Hum {
        /// Mains frequency, in Hz.
        hz: f32,
        /// Signal-to-noise ratio in dB.
        snr_db: f32,
    },
    /// A lossy speech codec: the clip encoded with libopus (`OPUS_APPLICATION_VOIP`, 20 ms
    /// frames, variable bitrate `kbps` kbit/s, 6..=256, complexity 5 of 0-10) and decoded
    /// again, `loss` percent (0..=50) of the 20 ms packets lost on the way, each independently
    /// (drawn from the seed), and concealed by the decoder (libopus's packet loss
    /// concealment: the last pitch period extended and faded), aligned to the input (a clip at a rate Opus does not code, i.e. not 8, 12,
    /// 16, 24 or 48 kHz, goes through 48 kHz): what a voice message or a VoIP call does to
    /// speech. libopus chooses the coded band from the bitrate: 16 kHz speech at 6-8 kbit/s
    /// is coded narrow-band (nothing above 4 kHz), from 12 kbit/s wide-band. Deterministic on
    /// one machine; libopus picks SIMD code by CPU, so the bits may differ between machines.
    /// Needs the `opus` feature.
    Opus {
        /// Target bitrate, in kbit/s.
        kbps: u32,
        /// Share of packets lost, in percent (0 when not given).
        #[serde(default)]
        loss: f32,
    },
    /// A mobile phone call's codec: the clip resampled to 8 kHz, encoded with AMR-NB (the GSM
    /// and UMTS speech codec; opencore-amr's 3GPP reference encoder, no discontinuous
    /// transmission) at `kbps` kbit/s, one of its eight modes (4.75, 5.15, 5.9, 6.7, 7.4, 7.95,
    /// 10.2, 12.2), decoded and resampled back: narrow band (nothing above 4 kHz) and the
    /// codec's own distortion, as a call recorded at either end is heard. Deterministic
    /// (fixed-point reference code). Needs the `amr` feature.
    Amr {
        /// Bitrate, in kbit/s.
        kbps: f32,
    },
    /// The clip placed in a longer recording: `seconds` (0..=30) of digital silence before it
    /// and as much after it, as when speech is cut loosely from a recording or a voice memo
    /// runs on before and after the words. The one condition that changes a clip's length (by
    /// twice `seconds`, rounded to whole samples). Chained with noise (`pad:3+white:20`) the
    /// noise runs through the whole recording, the silence included, as room tone does; its
    /// SNR is then against the longer clip's mean power, so the speech is louder than `snr_db`
    /// over the noise by the padding's dilution (`10 log10(padded / clip length)` dB).
    Pad {
        /// Silence at each end, in seconds.
        seconds: f32,
    },
    /// The stages applied in order (e.g. reverb then noise), each with its own sub-seed.
    Chain {
        /// The stages, first applied first.
        stages: Vec<Condition>,
    },
}

fn default_talkers() -> usize {
    DEFAULT_TALKERS
}

// The derive above (`remote = "Self"`) writes inherent `Condition::serialize` and
// `Condition::deserialize`; the trait impls go through them, deserialising checked.
impl Serialize for Condition {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Condition::serialize(self, serializer)
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let condition = Condition::deserialize(deserializer)?;
        condition.validate().map_err(serde::de::Error::custom)?;
        Ok(condition)
    }
}

fn bad(condition: &str, message: impl Into<String>) -> DegradeError {
    DegradeError::BadParameter {
        condition: condition.to_string(),
        message: message.into(),
    }
}

fn check_f32(
    condition: &str,
    what: &str,
    value: f32,
    range: &std::ops::RangeInclusive<f32>,
) -> Result<(), DegradeError> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(bad(
            condition,
            format!(
                "{what} {value} is outside {}..={}",
                range.start(),
                range.end()
            ),
        ))
    }
}

/// A well-mixed 64-bit hash (SplitMix64's finaliser).
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of stage `index` of a chain seeded with `seed`.
fn stage_seed(seed: u64, index: usize) -> u64 {
    mix64(seed ^ mix64(index as u64 ^ 0x5EED_C4A1_0000_0000))
}

/// Scales `samples` to the mean power `power` (a degraded clip back to its input's level);
/// left alone when silent or not finite.
pub(crate) fn rescale_to_power(samples: &mut [f32], power: f64) {
    let current = mean_power(samples);
    if current > 0.0 && current.is_finite() {
        let scale = (power / current).sqrt() as f32;
        samples.iter_mut().for_each(|s| *s *= scale);
    }
}

impl Condition {
    /// Checks every parameter's range (SNR -20..=60 dB, gain -60..=40 dB, clipping 0..=40 dB,
    /// compression ratio 1..=100, RT60
    /// 0.05..=3 s, talkers 1..=16, tilt -24..=24 dB, offset -60..=20 dB, hum 40..=70 Hz, Opus
    /// 6..=256 kbit/s and 0..=50 % loss, AMR-NB one of its eight bitrates), recursively
    /// through chains.
    pub fn validate(&self) -> Result<(), DegradeError> {
        match self {
            Condition::Clean | Condition::Telephone => Ok(()),
            Condition::Gain { db } => check_f32("gain", "gain (dB)", *db, &GAIN_DB_RANGE),
            Condition::Clipping { db } => {
                check_f32("clipping", "depth (dB)", *db, &CLIPPING_DB_RANGE)
            }
            Condition::Compression { ratio } => {
                check_f32("compression", "ratio", *ratio, &COMPRESSION_RATIO_RANGE)
            }
            Condition::White { snr_db } => check_f32("white", "SNR (dB)", *snr_db, &SNR_DB_RANGE),
            Condition::Pink { snr_db } => check_f32("pink", "SNR (dB)", *snr_db, &SNR_DB_RANGE),
            Condition::Babble { snr_db, talkers } => {
                check_f32("babble", "SNR (dB)", *snr_db, &SNR_DB_RANGE)?;
                if TALKERS_RANGE.contains(talkers) {
                    Ok(())
                } else {
                    Err(bad(
                        "babble",
                        format!(
                            "{talkers} talkers is outside {}..={}",
                            TALKERS_RANGE.start(),
                            TALKERS_RANGE.end()
                        ),
                    ))
                }
            }
            Condition::Reverb { rt60 } => check_f32("reverb", "RT60 (s)", *rt60, &RT60_RANGE),
            Condition::Tilt { db } => check_f32("tilt", "tilt (dB)", *db, &TILT_DB_RANGE),
            Condition::Offset { db } => check_f32("offset", "offset (dB)", *db, &OFFSET_DB_RANGE),
            Condition::Hum { hz, snr_db } => {
                check_f32("hum", "mains frequency (Hz)", *hz, &HUM_HZ_RANGE)?;
                check_f32("hum", "SNR (dB)", *snr_db, &SNR_DB_RANGE)
            }
            Condition::Opus { kbps, loss } if OPUS_KBPS_RANGE.contains(kbps) => {
                check_f32("opus", "packet loss (%)", *loss, &OPUS_LOSS_RANGE)
            }
            Condition::Pad { seconds } => {
                check_f32("pad", "silence (s)", *seconds, &PAD_SECONDS_RANGE)
            }
            Condition::Amr { kbps } if AMR_NB_KBPS.contains(kbps) => Ok(()),
            Condition::Amr { kbps } => Err(bad(
                "amr",
                format!(
                    "bitrate {kbps} kbit/s is not one of AMR-NB's ({})",
                    AMR_NB_KBPS.map(|k| k.to_string()).join(", ")
                ),
            )),
            Condition::Opus { kbps, .. } => Err(bad(
                "opus",
                format!(
                    "bitrate {kbps} kbit/s is outside {}..={}",
                    OPUS_KBPS_RANGE.start(),
                    OPUS_KBPS_RANGE.end()
                ),
            )),
            Condition::Chain { stages } => stages.iter().try_for_each(Condition::validate),
        }
    }

    /// Whether the condition (or a stage of it) is babble, i.e. needs a [`BabblePool`].
    pub fn uses_babble(&self) -> bool {
        match self {
            Condition::Babble { .. } => true,
            Condition::Chain { stages } => stages.iter().any(Condition::uses_babble),
            _ => false,
        }
    }

    /// The condition with every babble stage replaced by pink noise at the same SNR: the
    /// fallback when no [`BabblePool`] is available.
    pub fn without_babble(self) -> Condition {
        match self {
            Condition::Babble { snr_db, .. } => Condition::Pink { snr_db },
            Condition::Chain { stages } => {
                let stages = stages.into_iter().map(Condition::without_babble).collect();
                Condition::Chain { stages }
            }
            other => other,
        }
    }

    /// Degrades `samples` (mono, at `sample_rate` Hz) and returns a clip of the same length
    /// (longer by its silence for [`Condition::Pad`]).
    ///
    /// The same (condition, samples, seed, pool) always gives the same output. An empty
    /// input gives an empty output. Errors: a parameter out of range, an unsupported sample
    /// rate or a non-finite sample ([`DegradeError::Audio`]), babble without a pool
    /// ([`DegradeError::NeedsBabble`]) or with a pool at another rate
    /// ([`DegradeError::BabbleSampleRate`]), a tilt at a sample rate of 2 kHz or less
    /// ([`DegradeError::BadParameter`]), or an output that overflows `f32`
    /// ([`DegradeError::NonFiniteOutput`]): a returned clip is always finite.
    pub fn apply(
        &self,
        samples: &[f32],
        sample_rate: u32,
        seed: u64,
        babble: Option<&BabblePool>,
    ) -> Result<Vec<f32>, DegradeError> {
        self.validate()?;
        validate_sample_rate(sample_rate)?;
        if let Some(index) = crate::first_non_finite(samples) {
            return Err(AudioError::NonFiniteSample { index }.into());
        }
        if self.uses_babble() {
            let pool = babble.ok_or(DegradeError::NeedsBabble)?;
            if pool.sample_rate() != sample_rate {
                return Err(DegradeError::BabbleSampleRate {
                    pool: pool.sample_rate(),
                    clip: sample_rate,
                });
            }
        }
        if samples.is_empty() {
            return Ok(Vec::new());
        }
        let out = self.run(samples.to_vec(), sample_rate, seed, babble)?;
        match crate::first_non_finite(&out) {
            Some(index) => Err(DegradeError::NonFiniteOutput { index }),
            None => Ok(out),
        }
    }

    /// Applies a checked condition to a non-empty clip.
    fn run(
        &self,
        mut x: Vec<f32>,
        sample_rate: u32,
        seed: u64,
        babble: Option<&BabblePool>,
    ) -> Result<Vec<f32>, DegradeError> {
        let rng = || ChaCha8Rng::seed_from_u64(seed);
        match self {
            Condition::Clean => Ok(x),
            Condition::Gain { db } => {
                channel::gain(&mut x, *db);
                Ok(x)
            }
            Condition::Clipping { db } => {
                channel::clip(&mut x, *db);
                Ok(x)
            }
            Condition::Compression { ratio } => {
                channel::compress(&mut x, *ratio, sample_rate);
                Ok(x)
            }
            Condition::White { snr_db } => {
                noise::add_white(&mut x, *snr_db, &mut rng());
                Ok(x)
            }
            Condition::Pink { snr_db } => {
                noise::add_pink(&mut x, *snr_db, &mut rng());
                Ok(x)
            }
            Condition::Babble { snr_db, talkers } => {
                let pool = babble.ok_or(DegradeError::NeedsBabble)?;
                noise::add_babble(&mut x, *snr_db, *talkers, pool, &mut rng());
                Ok(x)
            }
            Condition::Telephone => channel::telephone(x, sample_rate),
            Condition::Reverb { rt60 } => reverb::reverberate(x, sample_rate, *rt60, &mut rng()),
            Condition::Tilt { db } => {
                channel::tilt(&mut x, *db, sample_rate)?;
                Ok(x)
            }
            Condition::Offset { db } => {
                channel::offset(&mut x, *db);
                Ok(x)
            }
            Condition::Hum { hz, snr_db } => {
                noise::add_hum(&mut x, *hz, *snr_db, sample_rate, &mut rng());
                Ok(x)
            }
            Condition::Opus { kbps, loss } => {
                codec::opus_round_trip(x, sample_rate, *kbps, *loss, &mut rng())
            }
            Condition::Amr { kbps } => codec::amr_round_trip(x, sample_rate, *kbps),
            Condition::Pad { seconds } => {
                let silence = (f64::from(*seconds) * f64::from(sample_rate)).round() as usize;
                let mut padded = vec![0.0; silence];
                padded.extend_from_slice(&x);
                padded.resize(x.len() + 2 * silence, 0.0);
                Ok(padded)
            }
            Condition::Chain { stages } => {
                for (index, stage) in stages.iter().enumerate() {
                    x = stage.run(x, sample_rate, stage_seed(seed, index), babble)?;
                }
                Ok(x)
            }
        }
    }
}

/// The named evaluation conditions, in this order:
///
/// | name                | definition                                   |
/// |---------------------|----------------------------------------------|
/// | `clean`             | `clean`                                      |
/// | `gain-30`           | `gain:-30`                                   |
/// | `gain-20`           | `gain:-20`                                   |
/// | `gain-10`           | `gain:-10`                                   |
/// | `gain+6`            | `gain:+6`                                    |
/// | `gain+12`           | `gain:+12`                                   |
/// | `white20`           | `white:20` (white noise, 20 dB SNR)          |
/// | `white10`           | `white:10`                                   |
/// | `pink10`            | `pink:10`                                    |
/// | `babble10`          | `babble:10` (4 talkers, 10 dB SNR)           |
/// | `telephone`         | `telephone`                                  |
/// | `reverb`            | `reverb:0.5` (RT60 0.5 s)                    |
/// | `telephone+white20` | `telephone+white:20` (channel, then noise)   |
/// | `reverb+babble10`   | `reverb:0.5+babble:10` (room, then babble)   |
/// | `clipping12`        | `clipping:12` (hard clipping 12 dB below the peak) |
/// | `tilt-9`            | `tilt:-9` (9 dB less above 1 kHz: a dark microphone) |
/// | `tilt+9`            | `tilt:+9` (9 dB more above 1 kHz: a bright one) |
/// | `hum50`             | `hum:50:20` (50 Hz mains hum and harmonics, 20 dB SNR) |
/// | `opus8`             | `opus:8` (Opus at 8 kbit/s: narrow-band)     |
///
/// The babble conditions need a [`BabblePool`] (or [`Condition::without_babble`]); `opus8` is
/// in the table when the `opus` feature (libopus, on by default) is.
pub fn standard_conditions() -> Vec<(String, Condition)> {
    use Condition::*;
    let babble10 = Babble {
        snr_db: 10.0,
        talkers: DEFAULT_TALKERS,
    };
    let reverb = Reverb { rt60: 0.5 };
    [
        ("clean", Clean),
        ("gain-30", Gain { db: -30.0 }),
        ("gain-20", Gain { db: -20.0 }),
        ("gain-10", Gain { db: -10.0 }),
        ("gain+6", Gain { db: 6.0 }),
        ("gain+12", Gain { db: 12.0 }),
        ("white20", White { snr_db: 20.0 }),
        ("white10", White { snr_db: 10.0 }),
        ("pink10", Pink { snr_db: 10.0 }),
        ("babble10", babble10.clone()),
        ("telephone", Telephone),
        ("reverb", reverb.clone()),
        (
            "telephone+white20",
            Chain {
                stages: vec![Telephone, White { snr_db: 20.0 }],
            },
        ),
        (
            "reverb+babble10",
            Chain {
                stages: vec![reverb, babble10],
            },
        ),
        ("clipping12", Clipping { db: 12.0 }),
        ("tilt-9", Tilt { db: -9.0 }),
        ("tilt+9", Tilt { db: 9.0 }),
        (
            "hum50",
            Hum {
                hz: 50.0,
                snr_db: 20.0,
            },
        ),
        #[cfg(feature = "opus")]
        ("opus8", Opus { kbps: 8, loss: 0.0 }),
    ]
    .into_iter()
    .map(|(name, condition)| (name.to_string(), condition))
    .collect()
}
