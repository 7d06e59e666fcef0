//! Additive noises (white, pink, babble, mains hum) scaled to a signal-to-noise ratio.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{mean_power, DegradeError};
use crate::validate_sample_rate;

/// Shortest clip a [`BabblePool`] keeps, in seconds.
const MIN_BABBLE_SECONDS: f64 = 0.1;

/// Random offsets tried per babble talker before its excerpt starts at the clip's loudest
/// sample instead.
const BABBLE_DRAWS: usize = 4;
/// Mean power (of a clip at unit RMS) below which a babble excerpt counts as a pause.
const MIN_EXCERPT_POWER: f64 = 1e-12;

/// Samples run through the pink filter before the output starts, so that its slow poles
/// (time constant about 900 samples) have settled.
const PINK_WARM_UP: usize = 4096;

/// Fills `out` with independent standard Gaussian samples (a ziggurat fed by one bulk fill of
/// 32-bit words; the rare rejections draw more words from `rng`).
pub(crate) fn fill_gaussian<R: Rng + ?Sized>(out: &mut [f32], rng: &mut R) {
    let tables = ziggurat();
    let mut words = vec![0u32; out.len()];
    rng.fill(&mut words[..]);
    for (slot, &word) in out.iter_mut().zip(&words) {
        *slot = tables.sample(word, rng);
    }
}

/// Layers of the ziggurat.
const LAYERS: usize = 128;
/// Start of the tail of the 128-layer ziggurat.
const ZIGGURAT_R: f64 = 3.442_619_855_899;
/// Scale of the signed 25-bit value drawn per sample (2^24).
const VALUE_SCALE: f64 = 16_777_216.0;

/// Tables of Marsaglia and Tsang's ziggurat (2000) for the standard normal, 128 layers.
struct Ziggurat {
    /// Acceptance thresholds on the |25-bit value| per layer.
    k: [u32; LAYERS],
    /// Scale from the signed value to x per layer.
    w: [f32; LAYERS],
    /// exp(-x²/2) at each layer's edge.
    f: [f32; LAYERS],
}

fn ziggurat() -> &'static Ziggurat {
    static TABLES: std::sync::OnceLock<Ziggurat> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        let m = VALUE_SCALE;
        let area = 9.912_563_035_262_17e-3; // area of each layer
        let mut d = ZIGGURAT_R;
        let mut t = d;
        let q = area / (-0.5 * d * d).exp();
        let mut z = Ziggurat {
            k: [0; LAYERS],
            w: [0.0; LAYERS],
            f: [0.0; LAYERS],
        };
        z.k[0] = ((d / q) * m) as u32;
        z.k[1] = 0;
        z.w[0] = (q / m) as f32;
        z.w[LAYERS - 1] = (d / m) as f32;
        z.f[0] = 1.0;
        z.f[LAYERS - 1] = (-0.5 * d * d).exp() as f32;
        for i in (1..LAYERS - 1).rev() {
            d = (-2.0 * (area / d + (-0.5 * d * d).exp()).ln()).sqrt();
            z.k[i + 1] = ((d / t) * m) as u32;
            t = d;
            z.f[i] = (-0.5 * d * d).exp() as f32;
            z.w[i] = (d / m) as f32;
        }
        z
    })
}

impl Ziggurat {
    /// One standard Gaussian sample from a random 32-bit `word`: the signed value from its
    /// high 25 bits, the layer from its low 7 bits (independent bits).
    fn sample<R: Rng + ?Sized>(&self, mut word: u32, rng: &mut R) -> f32 {
        loop {
            let value = (word as i32) >> 7;
            let layer = (word as usize) & (LAYERS - 1);
            let x = value as f32 * self.w[layer];
            if value.unsigned_abs() < self.k[layer] {
                return x;
            }
            if layer == 0 {
                // The tail beyond R (Marsaglia's method).
                loop {
                    let x = -(1.0 - rng.gen::<f64>()).ln() / ZIGGURAT_R;
                    let y = -(1.0 - rng.gen::<f64>()).ln();
                    if y + y >= x * x {
                        let tail = (ZIGGURAT_R + x) as f32;
                        return if value > 0 { tail } else { -tail };
                    }
                }
            }
            let (f_low, f_high) = (self.f[layer], self.f[layer - 1]);
            if f_low + rng.gen::<f32>() * (f_high - f_low) < (-0.5 * x * x).exp() {
                return x;
            }
            word = rng.next_u32();
        }
    }
}

/// Paul Kellet's refined pink filter (within ±0.05 dB of 1/f above 1/2000 of the sample
/// rate), run over `white` in place.
fn pink_filter(white: &mut [f32], warm_up: &[f32]) {
    let mut b = [0.0f32; 7];
    let mut step = |w: f32| -> f32 {
        b[0] = 0.99886 * b[0] + w * 0.055_517_9;
        b[1] = 0.99332 * b[1] + w * 0.075_075_9;
        b[2] = 0.96900 * b[2] + w * 0.153_852;
        b[3] = 0.86650 * b[3] + w * 0.310_485_6;
        b[4] = 0.55000 * b[4] + w * 0.532_952_2;
        b[5] = -0.7616 * b[5] - w * 0.016_898;
        let pink = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + w * 0.5362;
        b[6] = w * 0.115_926;
        pink
    };
    for &w in warm_up {
        step(w);
    }
    for s in white.iter_mut() {
        *s = step(*s);
    }
}

/// Scales `samples` to unit RMS (left alone when silent).
fn normalise(samples: &mut [f32]) {
    let power = mean_power(samples);
    if power > 0.0 && power.is_finite() {
        let scale = (1.0 / power.sqrt()) as f32;
        samples.iter_mut().for_each(|s| *s *= scale);
    }
}

/// `len` samples of Gaussian white noise at unit RMS (exactly, over the samples), seeded.
pub fn white_noise(len: usize, seed: u64) -> Vec<f32> {
    let mut out = vec![0.0; len];
    fill_gaussian(&mut out, &mut ChaCha8Rng::seed_from_u64(seed));
    normalise(&mut out);
    out
}

/// `len` samples of pink (1/f, -3 dB per octave) noise at unit RMS, seeded: Paul Kellet's
/// refined filter on Gaussian white noise, started in its steady state.
pub fn pink_noise(len: usize, seed: u64) -> Vec<f32> {
    let mut out = pink_raw(len, &mut ChaCha8Rng::seed_from_u64(seed));
    normalise(&mut out);
    out
}

fn pink_raw<R: Rng + ?Sized>(len: usize, rng: &mut R) -> Vec<f32> {
    let mut warm_up = vec![0.0; PINK_WARM_UP];
    fill_gaussian(&mut warm_up, rng);
    let mut out = vec![0.0; len];
    fill_gaussian(&mut out, rng);
    pink_filter(&mut out, &warm_up);
    out
}

/// Adds `noise` to `x` scaled so that mean power of `x` / mean power of the added noise is
/// `snr_db` (both over all samples). Leaves `x` alone when either is silent.
pub(crate) fn add_at_snr(x: &mut [f32], noise: &[f32], signal_power: f64, snr_db: f32) {
    let noise_power = mean_power(noise);
    if !(signal_power > 0.0 && noise_power > 0.0 && noise_power.is_finite()) {
        return;
    }
    let target = signal_power / 10f64.powf(snr_db as f64 / 10.0);
    let scale = (target / noise_power).sqrt() as f32;
    for (s, n) in x.iter_mut().zip(noise) {
        *s += scale * n;
    }
}

pub(crate) fn add_white<R: Rng + ?Sized>(x: &mut [f32], snr_db: f32, rng: &mut R) {
    let power = mean_power(x);
    if power <= 0.0 {
        return;
    }
    let mut noise = vec![0.0; x.len()];
    fill_gaussian(&mut noise, rng);
    add_at_snr(x, &noise, power, snr_db);
}

pub(crate) fn add_pink<R: Rng + ?Sized>(x: &mut [f32], snr_db: f32, rng: &mut R) {
    let power = mean_power(x);
    if power <= 0.0 {
        return;
    }
    let noise = pink_raw(x.len(), rng);
    add_at_snr(x, &noise, power, snr_db);
}

/// Adds [`super::Condition::Hum`]: harmonics `k` = 1..=[`super::HUM_HARMONICS`] of `hz` at
/// amplitudes 1/`k`, phases uniform from `rng`.
pub(crate) fn add_hum<R: Rng + ?Sized>(
    x: &mut [f32],
    hz: f32,
    snr_db: f32,
    sample_rate: u32,
    rng: &mut R,
) {
    let power = mean_power(x);
    if power <= 0.0 {
        return;
    }
    let phases: Vec<f64> = (0..super::HUM_HARMONICS)
        .map(|_| rng.gen::<f64>() * std::f64::consts::TAU)
        .collect();
    let step = std::f64::consts::TAU * f64::from(hz) / f64::from(sample_rate);
    let hum: Vec<f32> = (0..x.len())
        .map(|n| {
            let angle = step * n as f64;
            phases
                .iter()
                .enumerate()
                .map(|(i, phase)| ((i + 1) as f64 * angle + phase).sin() / (i + 1) as f64)
                .sum::<f64>() as f32
        })
        .collect();
    add_at_snr(x, &hum, power, snr_db);
}

pub(crate) fn add_babble<R: Rng + ?Sized>(
    x: &mut [f32],
    snr_db: f32,
    talkers: usize,
    pool: &BabblePool,
    rng: &mut R,
) {
    let power = mean_power(x);
    if power <= 0.0 {
        return;
    }
    let noise = pool.sample(x.len(), talkers, rng);
    add_at_snr(x, &noise, power, snr_db);
}

/// Speech clips to draw babble from, each normalised to unit RMS.
///
/// A babble sample of length `n` sums `talkers` clips drawn at random (distinct when the pool
/// holds enough), each read from a random offset and looped to `n` samples, each excerpt
/// normalised to unit power; the sum is then scaled to the requested SNR. An excerpt that
/// falls on digital silence is drawn again (up to 4 offsets, then it starts at the clip's
/// loudest sample), so every talker is in the sum.
#[derive(Clone, Debug)]
pub struct BabblePool {
    clips: Vec<Vec<f32>>,
    sample_rate: u32,
}

impl BabblePool {
    /// Builds a pool from speech clips at `sample_rate` Hz. Clips shorter than 0.1 s, silent
    /// or holding a non-finite sample are skipped; the rest are normalised to unit RMS.
    /// Errors: an unsupported sample rate, or no usable clip
    /// ([`DegradeError::EmptyBabblePool`]).
    pub fn new(clips: Vec<Vec<f32>>, sample_rate: u32) -> Result<Self, DegradeError> {
        validate_sample_rate(sample_rate).map_err(DegradeError::from)?;
        let min_len = (MIN_BABBLE_SECONDS * sample_rate as f64).ceil() as usize;
        let clips: Vec<Vec<f32>> = clips
            .into_iter()
            .filter(|clip| clip.len() >= min_len && clip.iter().all(|s| s.is_finite()))
            .filter_map(|mut clip| {
                let power = mean_power(&clip);
                (power > 0.0 && power.is_finite()).then(|| {
                    normalise(&mut clip);
                    clip
                })
            })
            .collect();
        if clips.is_empty() {
            return Err(DegradeError::EmptyBabblePool);
        }
        Ok(Self { clips, sample_rate })
    }

    /// The sample rate of the clips, in Hz (babble applies only to clips at this rate).
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Number of usable clips kept.
    pub fn len(&self) -> usize {
        self.clips.len()
    }

    /// Whether the pool is empty (never true for a built pool).
    pub fn is_empty(&self) -> bool {
        self.clips.is_empty()
    }

    /// Babble of `len` samples with `talkers` talkers (before SNR scaling: each talker at
    /// unit power).
    fn sample<R: Rng + ?Sized>(&self, len: usize, talkers: usize, rng: &mut R) -> Vec<f32> {
        let mut out = vec![0.0f32; len];
        if self.clips.is_empty() || len == 0 {
            return out;
        }
        let picks: Vec<usize> = if talkers <= self.clips.len() {
            rand::seq::index::sample(rng, self.clips.len(), talkers).into_vec()
        } else {
            (0..talkers)
                .map(|_| rng.gen_range(0..self.clips.len()))
                .collect()
        };
        let mut excerpt = vec![0.0f32; len];
        for pick in picks {
            let clip = &self.clips[pick];
            // An excerpt may fall on a pause: re-draw the offset a few times, then start it at
            // the clip's loudest sample, so that every talker is heard.
            let drawn = (0..BABBLE_DRAWS).find_map(|_| {
                tile(clip, rng.gen_range(0..clip.len()), &mut excerpt);
                let power = mean_power(&excerpt);
                (power > MIN_EXCERPT_POWER).then_some(power)
            });
            let power = drawn.unwrap_or_else(|| {
                tile(clip, loudest(clip), &mut excerpt);
                mean_power(&excerpt)
            });
            let scale = (1.0 / power.sqrt()) as f32;
            for (o, e) in out.iter_mut().zip(&excerpt) {
                *o += scale * e;
            }
        }
        out
    }
}

/// The index of the largest |sample| of `clip` (0 for an empty clip).
fn loudest(clip: &[f32]) -> usize {
    clip.iter()
        .enumerate()
        .fold((0, 0.0f32), |(at, peak), (i, s)| {
            if s.abs() > peak {
                (i, s.abs())
            } else {
                (at, peak)
            }
        })
        .0
}

/// Fills `out` with `clip` read from `offset`, looped.
fn tile(clip: &[f32], offset: usize, out: &mut [f32]) {
    let mut written = 0;
    let mut from = offset;
    while written < out.len() {
        let count = (clip.len() - from).min(out.len() - written);
        out[written..written + count].copy_from_slice(&clip[from..from + count]);
        written += count;
        from = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaussian_moments_and_tails() {
        let n = 1 << 20;
        let mut x = vec![0.0f32; n];
        fill_gaussian(&mut x, &mut ChaCha8Rng::seed_from_u64(1));
        let moment = |k: i32| x.iter().map(|&v| (v as f64).powi(k)).sum::<f64>() / n as f64;
        assert!(moment(1).abs() < 0.005, "mean {}", moment(1));
        assert!((moment(2) - 1.0).abs() < 0.005, "variance {}", moment(2));
        assert!(moment(3).abs() < 0.02, "skew {}", moment(3));
        assert!((moment(4) - 3.0).abs() < 0.05, "kurtosis {}", moment(4));
        // P(|x| > 1) = 0.3173, P(|x| > 2) = 0.0455, P(|x| > 3) = 0.0027, P(|x| > 4) = 6.3e-5.
        for (threshold, expected) in [(1.0, 0.3173), (2.0, 0.0455), (3.0, 0.0027), (4.0, 6.3e-5)] {
            let count = x.iter().filter(|v| v.abs() > threshold).count() as f64;
            let mean = expected * n as f64;
            // Within 4 standard deviations of the binomial count.
            assert!(
                (count - mean).abs() < 4.0 * mean.sqrt(),
                "P(|x| > {threshold}): {count} of {n}, expected {mean:.0}"
            );
        }
        assert!(
            x.iter().any(|v| v.abs() > ZIGGURAT_R as f32),
            "the tail is sampled"
        );
    }
}
