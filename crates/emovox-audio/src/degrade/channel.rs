//! Channel conditions: gain, clipping, compression, spectral tilt and the narrow-band
//! telephone channel.

use std::cell::RefCell;

use super::DegradeError;
use crate::biquad::{butterworth4, Biquad, Pass};
use crate::g711::{linear_to_ulaw, ulaw_to_linear};
use crate::Resampler;

/// The telephone channel's sample rate, in Hz.
const TELEPHONE_RATE: u32 = 8_000;
/// Band edges of the telephone band-pass, in Hz.
const TELEPHONE_LOW_HZ: f64 = 300.0;
const TELEPHONE_HIGH_HZ: f64 = 3_400.0;
/// Corner frequency of the spectral tilt's shelf, in Hz.
const TILT_SHELF_HZ: f64 = 1_000.0;
/// Resamplers kept per thread (one per rate pair).
const RESAMPLER_CACHE: usize = 8;

/// Multiplies by `10^(db / 20)`.
pub(crate) fn gain(x: &mut [f32], db: f32) {
    let factor = 10f32.powf(db / 20.0);
    x.iter_mut().for_each(|s| *s *= factor);
}

/// Hard clipping `db` dB below the clip's peak (every sample limited to ±threshold), then
/// rescaled to the input's mean power. A silent clip stays silent.
pub(crate) fn clip(x: &mut [f32], db: f32) {
    let peak = x.iter().fold(0.0f32, |peak, s| peak.max(s.abs()));
    if peak == 0.0 {
        return;
    }
    let power = super::mean_power(x);
    let threshold = peak * 10f32.powf(-db / 20.0);
    x.iter_mut()
        .for_each(|s| *s = s.clamp(-threshold, threshold));
    super::rescale_to_power(x, power);
}

/// [`super::Condition::Compression`]: the level above the threshold divided by `ratio`, then
/// rescaled to the input's mean power. A silent clip stays silent.
pub(crate) fn compress(x: &mut [f32], ratio: f32, sample_rate: u32) {
    let envelope = power_envelope(x, sample_rate);
    let loudest = envelope.iter().fold(0.0f64, |m, &e| m.max(e));
    if !(loudest > 0.0 && loudest.is_finite()) {
        return;
    }
    let power = super::mean_power(x);
    let threshold_db = 10.0 * loudest.log10() - f64::from(super::COMPRESSION_THRESHOLD_DB);
    let slope = 1.0 - 1.0 / f64::from(ratio);
    for (s, &e) in x.iter_mut().zip(&envelope) {
        let over = 10.0 * e.max(f64::MIN_POSITIVE).log10() - threshold_db;
        if over > 0.0 {
            *s *= 10f64.powf(-over * slope / 20.0) as f32;
        }
    }
    super::rescale_to_power(x, power);
}

/// The compressor's level detector: each sample's power smoothed by a one-pole filter whose
/// time constant is the attack time while the power rises and the release time while it falls.
fn power_envelope(x: &[f32], sample_rate: u32) -> Vec<f64> {
    let coefficient = |seconds: f32| (-1.0 / (f64::from(seconds) * f64::from(sample_rate))).exp();
    let attack = coefficient(super::COMPRESSION_ATTACK_SECONDS);
    let release = coefficient(super::COMPRESSION_RELEASE_SECONDS);
    let mut level = 0.0f64;
    x.iter()
        .map(|&s| {
            let power = f64::from(s) * f64::from(s);
            let a = if power > level { attack } else { release };
            level = a * level + (1.0 - a) * power;
            level
        })
        .collect()
}

/// A spectral tilt of `db` (a high shelf at 1 kHz), rescaled to the input's RMS. Errors at a
/// sample rate of 2 kHz or less, where the shelf's corner is not below the Nyquist frequency
/// (the filter's poles would sit on or outside the unit circle).
pub(crate) fn tilt(x: &mut [f32], db: f32, sample_rate: u32) -> Result<(), DegradeError> {
    if f64::from(sample_rate) <= 2.0 * TILT_SHELF_HZ {
        return Err(DegradeError::BadParameter {
            condition: "tilt".to_string(),
            message: format!(
                "the shelf at {TILT_SHELF_HZ} Hz needs a sample rate above {} Hz, not {sample_rate} Hz",
                2.0 * TILT_SHELF_HZ
            ),
        });
    }
    let power = super::mean_power(x);
    Biquad::high_shelf(TILT_SHELF_HZ, f64::from(db), f64::from(sample_rate)).run(x);
    super::rescale_to_power(x, power);
    Ok(())
}

/// Adds a constant of `db` dB relative to the clip's RMS to every sample; a silent clip stays
/// silent.
pub(crate) fn offset(x: &mut [f32], db: f32) {
    let offset = (super::mean_power(x).sqrt() * 10f64.powf(f64::from(db) / 20.0)) as f32;
    x.iter_mut().for_each(|s| *s += offset);
}

/// Mu-law codes and decodes `x` in place (full scale ±1 maps to ±32768; beyond saturates).
fn mu_law(x: &mut [f32]) {
    let mut table = [0.0f32; 256];
    for (code, slot) in table.iter_mut().enumerate() {
        *slot = ulaw_to_linear(code as u8) as f32 / 32_768.0;
    }
    for s in x.iter_mut() {
        let pcm = (*s * 32_768.0).round().clamp(-32_768.0, 32_767.0) as i16;
        *s = table[linear_to_ulaw(pcm) as usize];
    }
}

thread_local! {
    /// Resamplers by rate pair, reused across calls (building one costs more than running it
    /// on a short clip).
    static RESAMPLERS: RefCell<Vec<Resampler>> = const { RefCell::new(Vec::new()) };
}

pub(super) fn resample_cached(x: &[f32], from: u32, to: u32) -> Result<Vec<f32>, DegradeError> {
    RESAMPLERS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let index = match cache
            .iter()
            .position(|r| r.from_rate() == from && r.to_rate() == to)
        {
            Some(index) => index,
            None => {
                if cache.len() >= RESAMPLER_CACHE {
                    cache.remove(0);
                }
                cache.push(Resampler::new(from, to)?);
                cache.len() - 1
            }
        };
        Ok(cache[index].process(x)?)
    })
}

/// Half-width (in taps either side of the centre) of the low-pass of the exact 2:1 path: 64
/// keeps the channel's upper -3 dB point at 3400 Hz as on the general path (at 32 the two
/// passes of the wider transition band put it at 3380 Hz, -3.7 dB at 3400 Hz).
const HALFBAND_HALF_WIDTH: usize = 64;

/// The low-pass of the exact 2:1 rate change (16 kHz <-> 8 kHz): a Blackman-windowed sinc
/// cut at 0.95 of the low rate's Nyquist, unit gain at DC.
fn halfband() -> &'static [f32] {
    static TAPS: std::sync::OnceLock<Vec<f32>> = std::sync::OnceLock::new();
    TAPS.get_or_init(|| {
        let m = HALFBAND_HALF_WIDTH as f64;
        let n = 2 * HALFBAND_HALF_WIDTH + 1;
        let cutoff = 0.95 * 0.25; // cycles per sample at the high rate
        let taps: Vec<f64> = (0..n)
            .map(|i| {
                let t = i as f64 - m;
                let sinc = if t == 0.0 {
                    2.0 * cutoff
                } else {
                    (std::f64::consts::TAU * cutoff * t).sin() / (std::f64::consts::PI * t)
                };
                let phase = std::f64::consts::TAU * i as f64 / (n - 1) as f64;
                sinc * (0.42 - 0.5 * phase.cos() + 0.08 * (2.0 * phase).cos())
            })
            .collect();
        let total: f64 = taps.iter().sum();
        taps.iter().map(|t| (t / total) as f32).collect()
    })
}

/// Every other sample of `x` after the half-band low-pass (centred, zero outside the clip).
fn decimate_by_two(x: &[f32]) -> Vec<f32> {
    let h = halfband();
    let m = HALFBAND_HALF_WIDTH;
    let mut padded = vec![0.0f32; x.len() + 2 * m + 1];
    padded[m..m + x.len()].copy_from_slice(x);
    // Output k is sum_j h[j] x[2k + m - j] = sum_j h[j] padded[2k + 2m - j]; h is symmetric.
    (0..x.len().div_ceil(2))
        .map(|k| dot(h, &padded[2 * k..2 * k + h.len()]))
        .collect()
}

/// `y` at twice its rate, `len` samples: zeros between samples, then the half-band low-pass
/// with gain 2 (as two polyphase filters of the even and odd taps).
fn interpolate_by_two(y: &[f32], len: usize) -> Vec<f32> {
    let h = halfband();
    let m = HALFBAND_HALF_WIDTH;
    let even: Vec<f32> = h.iter().step_by(2).map(|t| 2.0 * t).collect();
    let odd: Vec<f32> = h.iter().skip(1).step_by(2).map(|t| 2.0 * t).collect();
    let half = m / 2 + 1;
    let mut padded = vec![0.0f32; y.len() + 2 * half + 1];
    padded[half..half + y.len()].copy_from_slice(y);
    (0..len)
        .map(|n| {
            // Output n is sum_j h[j] u[n + m - j], u the zero-stuffed y: only taps j with
            // n + m - j even count, landing on y[(n + m - j) / 2].
            let (taps, first) = if (n + m).is_multiple_of(2) {
                (&even, (n + m) / 2)
            } else {
                (&odd, (n + m - 1) / 2)
            };
            // taps[i] multiplies y[first - i] = padded[first - i + half].
            let start = first + half + 1 - taps.len();
            dot_reversed(taps, &padded[start..start + taps.len()])
        })
        .collect()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `sum_i a[i] * b[len - 1 - i]`.
fn dot_reversed(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b.iter().rev()).map(|(x, y)| x * y).sum()
}

/// The telephone channel; the output has the input's length. At 16 kHz the rate changes to
/// and from 8 kHz use an exact 2:1 half-band filter (the channel's response the same as
/// through the general resampler within 0.05 dB up to 3.5 kHz); at other rates
/// [`crate::Resampler`].
pub(crate) fn telephone(x: Vec<f32>, sample_rate: u32) -> Result<Vec<f32>, DegradeError> {
    let len = x.len();
    let two_to_one = sample_rate == 2 * TELEPHONE_RATE;
    let mut narrow = if sample_rate == TELEPHONE_RATE {
        x
    } else if two_to_one {
        decimate_by_two(&x)
    } else {
        resample_cached(&x, sample_rate, TELEPHONE_RATE)?
    };
    let rate = TELEPHONE_RATE as f64;
    for section in butterworth4(Pass::High, TELEPHONE_LOW_HZ, rate)
        .iter()
        .chain(&butterworth4(Pass::Low, TELEPHONE_HIGH_HZ, rate))
    {
        section.run(&mut narrow);
    }
    mu_law(&mut narrow);
    let mut out = if sample_rate == TELEPHONE_RATE {
        narrow
    } else if two_to_one {
        interpolate_by_two(&narrow, len)
    } else {
        resample_cached(&narrow, TELEPHONE_RATE, sample_rate)?
    };
    out.resize(len, 0.0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mu_law_round_trip_is_within_a_segment_step() {
        for pcm in (-32_768i32..=32_767).step_by(7) {
            let pcm = pcm as i16;
            let back = ulaw_to_linear(linear_to_ulaw(pcm)) as i32;
            let error = (back - pcm as i32).abs();
            // Step size doubles per segment: 8 near zero up to 1024 at the top (plus clipping).
            let allowed = (pcm as i32).abs() / 16 + 8;
            assert!(
                error <= allowed.max(140),
                "pcm {pcm} -> {back} (error {error})"
            );
        }
        assert_eq!(ulaw_to_linear(linear_to_ulaw(0)), 0);
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(ulaw_to_linear(linear_to_ulaw(32_767)), 32_124);
        assert_eq!(ulaw_to_linear(linear_to_ulaw(-32_768)), -32_124);
    }

    #[test]
    fn a_tilt_keeps_the_rms_and_moves_the_balance_of_low_and_high_tones() {
        use super::super::mean_power;
        let tone = |hz: f32| -> Vec<f32> {
            (0..16_000)
                .map(|i| (std::f32::consts::TAU * hz * i as f32 / 16_000.0).sin())
                .collect()
        };
        for db in [-9.0f32, 9.0] {
            let mut mix: Vec<f32> = tone(200.0)
                .iter()
                .zip(tone(5_000.0))
                .map(|(a, b)| a + b)
                .collect();
            let before = mean_power(&mix);
            tilt(&mut mix, db, 16_000).unwrap();
            assert!(
                (mean_power(&mix) / before - 1.0).abs() < 1e-4,
                "{db} dB: RMS changed"
            );
            // The tones' levels after the same shelf, past its transient: 5 kHz against 200 Hz.
            let shelf = Biquad::high_shelf(TILT_SHELF_HZ, f64::from(db), 16_000.0);
            let (mut high, mut low) = (tone(5_000.0), tone(200.0));
            shelf.run(&mut high);
            shelf.run(&mut low);
            let balance = 10.0 * (mean_power(&high[4_000..]) / mean_power(&low[4_000..])).log10();
            assert!(
                (f64::from(db.abs()) - 2.0..=f64::from(db.abs()) + 0.5)
                    .contains(&(balance * f64::from(db.signum()))),
                "{db} dB tilt: 5 kHz against 200 Hz {balance} dB"
            );
        }
    }

    #[test]
    fn butterworth_sections_have_unit_passband_gain() {
        // DC gain of the low-pass sections and Nyquist gain of the high-pass ones are 1.
        for s in butterworth4(Pass::Low, 3_400.0, 8_000.0) {
            let dc = s.gain_at_dc();
            assert!((dc - 1.0).abs() < 1e-5, "{dc}");
        }
        for s in butterworth4(Pass::High, 300.0, 8_000.0) {
            let nyquist = s.gain_at_nyquist();
            assert!((nyquist - 1.0).abs() < 1e-5, "{nyquist}");
        }
    }
}
