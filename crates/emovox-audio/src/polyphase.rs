//! The resampling low-pass tabulated exactly at every output phase of a rational rate ratio:
//! one dot product of a phase's taps with the input per output sample.
//!
//! The filter is designed to give what `librosa.load(sr=...)` gives (soxr's "HQ" recipe: pass
//! band to 91.3 % of the lower Nyquist frequency, stop band from 100 %, linear phase): a
//! Kaiser-windowed sinc (beta [`KAISER_BETA`]) cut at [`CUTOFF`], the middle of soxr's
//! transition band, spanning [`SPAN_PER_RATIO`] input samples times `max(1, from / to)`, so the
//! transition band keeps its width in hertz at every ratio (256 input samples for 22.05 -> 16
//! kHz, 512 for 44.1 -> 16 kHz). For a ratio `to / from = L / M` in lowest terms there are
//! only `L` distinct output phases (160 for 44.1 -> 16 kHz, 1 for 48 -> 16 kHz); the taps of
//! each phase are computed exactly once, when the resampler is built.

/// Cut-off of the low-pass, as a fraction of the lower of the two Nyquist frequencies: the
/// middle of soxr HQ's transition band (0.913 to 1).
const CUTOFF: f64 = 0.9565;

/// Kaiser window parameter (side lobes about 90 dB down).
const KAISER_BETA: f64 = 12.0;

/// Input samples the filter spans per unit of `max(1, from / to)`.
const SPAN_PER_RATIO: f64 = 186.0;

/// Taps are stored in groups of this many (the dot product's lanes); taps past the filter's
/// span are zero.
const LANES: usize = 16;

/// The largest table tabulated, in taps over all phases (4 MiB of f32); rate pairs with more
/// (none of 8, 11.025, 16, 22.05, 24, 32, 44.1, 48, 88.2, 96 kHz between each other)
/// interpolate rubato's oversampled table instead ([`crate::interpolated`]).
const MAX_TABLE: usize = 1 << 20;

/// A stream resampled through the per-phase taps: output `n` is the input at time
/// `n · from / to`, zeros taken before the first and after the last input sample.
pub(crate) struct Polyphase {
    /// Input samples per `phases` outputs (`from / gcd`).
    step: usize,
    /// Output samples per `step` inputs (`to / gcd`): the number of distinct phases.
    phases: usize,
    /// Taps per phase (a multiple of [`LANES`]).
    len: usize,
    /// Taps before the output instant: output time `t` uses inputs from `floor(t) - before`.
    before: usize,
    /// `phases` rows of `len` taps; row `r` serves output times `j + r / phases`.
    taps: Vec<f32>,
    /// Input samples kept: `history[i]` is input sample `base + i` (negative: the zeros before
    /// the stream).
    history: Vec<f32>,
    base: i64,
    /// The next output's time is `whole + phase / phases` input samples.
    whole: i64,
    phase: usize,
}

impl Polyphase {
    /// Tabulates the filter for `from` -> `to` Hz, or `None` when its table would hold more
    /// than [`MAX_TABLE`] taps.
    pub fn new(from: u32, to: u32) -> Option<Self> {
        let g = crate::resample::gcd(from, to);
        let (step, phases) = ((from / g) as usize, (to / g) as usize);
        let ratio = f64::from(from) / f64::from(to);
        let half_span = SPAN_PER_RATIO * ratio.max(1.0) / 2.0;
        let len = (2.0 * half_span.ceil() + 1.0) as usize;
        let len = len.div_ceil(LANES) * LANES;
        if phases.saturating_mul(len) > MAX_TABLE {
            return None;
        }
        let before = len / 2 - 1;
        // Cut-off in cycles per input sample, times two (sinc's unit): of the output's Nyquist
        // frequency when going down, of the input's when going up.
        let cutoff = CUTOFF * (1.0 / ratio).min(1.0);
        let mut taps = Vec::with_capacity(phases * len);
        let mut row = vec![0.0f64; len];
        for r in 0..phases {
            let fraction = r as f64 / phases as f64;
            for (m, tap) in row.iter_mut().enumerate() {
                // Distance of input sample `floor(t) - before + m` from the output time `t`.
                let d = m as f64 - before as f64 - fraction;
                *tap = kaiser(d / half_span) * sinc(cutoff * d);
            }
            // Unit gain at DC for every phase.
            let sum: f64 = row.iter().sum();
            taps.extend(row.iter().map(|&t| (t / sum) as f32));
        }
        let mut polyphase = Self {
            step,
            phases,
            len,
            before,
            taps,
            history: Vec::new(),
            base: 0,
            whole: 0,
            phase: 0,
        };
        polyphase.reset();
        Some(polyphase)
    }

    /// Forgets the stream: the next input is sample 0.
    pub fn reset(&mut self) {
        self.history.clear();
        self.history.resize(self.before, 0.0);
        self.base = -(self.before as i64);
        self.whole = 0;
        self.phase = 0;
    }

    /// Appends `chunk` to the stream and the outputs whose inputs have all arrived to `out`.
    pub fn process_into(&mut self, chunk: &[f32], out: &mut Vec<f32>) {
        self.history.extend_from_slice(chunk);
        self.produce(usize::MAX, out);
    }

    /// Ends the stream with zeros until `count` more outputs are appended to `out`.
    pub fn finish(&mut self, count: usize, out: &mut Vec<f32>) {
        let mut left = count;
        while left > 0 {
            self.history.resize(self.history.len() + self.len, 0.0);
            left -= self.produce(left, out);
        }
    }

    /// Appends at most `limit` outputs whose inputs are in the history; returns how many.
    fn produce(&mut self, limit: usize, out: &mut Vec<f32>) -> usize {
        let end = self.base + self.history.len() as i64;
        let mut produced = 0;
        let (len, before) = (self.len, self.before);
        while produced < limit && self.whole + ((len - before) as i64) <= end {
            let start = (self.whole - before as i64 - self.base) as usize;
            let taps = &self.taps[self.phase * len..(self.phase + 1) * len];
            out.push(dot(&self.history[start..start + len], taps));
            produced += 1;
            let advanced = self.phase + self.step;
            self.whole += (advanced / self.phases) as i64;
            self.phase = advanced % self.phases;
        }
        // Keep only what later outputs can still use.
        let first_needed = self.whole - before as i64 - self.base;
        let drop = first_needed.clamp(0, self.history.len() as i64) as usize;
        self.history.drain(..drop);
        self.base += drop as i64;
        produced
    }
}

/// `sum(a[i] · b[i])` over a multiple of [`LANES`] values, in that many interleaved partial
/// sums (the same order on every call, so a stream's output does not depend on how it was
/// chunked; the compiler turns the partial sums into SIMD lanes).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    for (x, y) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum()
}

/// `sin(πx) / (πx)`.
fn sinc(x: f64) -> f64 {
    if x == 0.0 {
        1.0
    } else {
        let px = std::f64::consts::PI * x;
        px.sin() / px
    }
}

/// The Kaiser window at `x` (-1 to 1 over the filter's span; 0 outside it).
fn kaiser(x: f64) -> f64 {
    if x.abs() >= 1.0 {
        return 0.0;
    }
    bessel_i0(KAISER_BETA * (1.0 - x * x).sqrt()) / bessel_i0(KAISER_BETA)
}

/// The modified Bessel function of the first kind, order 0, for `x >= 0`: the polynomial
/// approximations of Abramowitz and Stegun 9.8.1 and 9.8.2 (relative error under 2e-7, below
/// what f32 taps hold), a few operations per tap where the power series takes some thirty
/// terms: building a resampler's table is most of the cost of resampling one short clip.
fn bessel_i0(x: f64) -> f64 {
    if x < 3.75 {
        let t = (x / 3.75) * (x / 3.75);
        1.0 + t
            * (3.5156229
                + t * (3.0899424
                    + t * (1.2067492 + t * (0.2659732 + t * (0.0360768 + t * 0.0045813)))))
    } else {
        let t = 3.75 / x;
        let p = 0.39894228
            + t * (0.01328592
                + t * (0.00225319
                    + t * (-0.00157565
                        + t * (0.00916281
                            + t * (-0.02057706
                                + t * (0.02635537 + t * (-0.01647633 + t * 0.00392377)))))));
        p * x.exp() / x.sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bessel_i0_agrees_with_its_power_series() {
        let series = |x: f64| {
            let (mut sum, mut term) = (1.0f64, 1.0f64);
            for k in 1..200 {
                term *= (x * x / 4.0) / (k * k) as f64;
                sum += term;
            }
            sum
        };
        for i in 0..=240 {
            let x = i as f64 * 0.05;
            let (a, b) = (bessel_i0(x), series(x));
            assert!((a - b).abs() <= 2e-7 * b, "I0({x}): {a} against {b}");
        }
    }

    #[test]
    fn phases_of_common_rate_pairs() {
        let phases = |from, to| Polyphase::new(from, to).map(|p| p.phases);
        assert_eq!(phases(44_100, 16_000), Some(160));
        assert_eq!(phases(48_000, 16_000), Some(1));
        assert_eq!(phases(16_000, 44_100), Some(441));
        assert_eq!(phases(44_101, 16_000), None);
        // The span grows with the ratio, so the transition band keeps its width in hertz.
        let len = |from, to| Polyphase::new(from, to).map(|p| p.len);
        assert_eq!(len(22_050, 16_000), Some(272));
        assert_eq!(len(44_100, 16_000), Some(528));
        assert_eq!(len(8_000, 16_000), Some(192));
    }

    #[test]
    fn every_phase_has_unit_dc_gain_and_peaks_at_its_instant() {
        let p = Polyphase::new(44_100, 16_000).unwrap();
        for r in 0..p.phases {
            let row = &p.taps[r * p.len..(r + 1) * p.len];
            let sum: f32 = row.iter().sum();
            assert!((sum - 1.0).abs() < 1e-5, "phase {r}: {sum}");
            let peak = (0..p.len)
                .max_by(|&a, &b| row[a].total_cmp(&row[b]))
                .unwrap();
            // The instant lies between taps `before` and `before + 1`.
            assert!(
                peak == p.before || peak == p.before + 1,
                "phase {r}: {peak}"
            );
        }
    }
}
