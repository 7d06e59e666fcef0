//! The resampling low-pass tabulated exactly at every output phase of a rational rate ratio:
//! one dot product of [`TAPS`] input samples per output sample.
//!
//! The filter is the one emovox has always resampled with (rubato's parameters in
//! [`crate::resample`]): a windowed sinc spanning 256 input samples, squared Blackman-Harris
//! window, cut at 0.95 of the lower Nyquist frequency. rubato interpolates it (cubically, between
//! four dot products) from a 256x oversampled table; for a ratio `to / from = L / M` in lowest
//! terms there are only `L` distinct output phases, so for the common rates (at most
//! [`MAX_PHASES`] phases: 160 for 44.1 -> 16 kHz, 1 for 48 -> 16 kHz) the taps of each phase are
//! computed exactly once, when the resampler is built, and each output costs one 256-tap product.

/// Input samples the filter spans (its length in taps).
pub(crate) const TAPS: usize = 256;

/// Taps before the output instant: output time `t` uses inputs `floor(t) - 127 ..= floor(t) + 128`.
const BEFORE: usize = TAPS / 2 - 1;

/// Cut-off of the low-pass, as a fraction of the lower of the two Nyquist frequencies.
pub(crate) const CUTOFF: f64 = 0.95;

/// The most phases tabulated (2,048 phases of 256 f32 taps = 2 MiB); rate pairs with more (none
/// of 8, 11.025, 16, 22.05, 24, 32, 44.1, 48, 88.2, 96 kHz between each other) interpolate
/// rubato's oversampled table instead.
pub(crate) const MAX_PHASES: usize = 2_048;

/// A stream resampled through the per-phase taps: output `n` is the input at time
/// `n · from / to`, zeros taken before the first and after the last input sample.
pub(crate) struct Polyphase {
    /// Input samples per `phases` outputs (`from / gcd`).
    step: usize,
    /// Output samples per `step` inputs (`to / gcd`): the number of distinct phases.
    phases: usize,
    /// `phases` rows of [`TAPS`] taps; row `r` serves output times `j + r / phases`.
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
    /// Tabulates the filter for `from` -> `to` Hz, or `None` when the ratio has more than
    /// [`MAX_PHASES`] phases.
    pub fn new(from: u32, to: u32) -> Option<Self> {
        let g = crate::resample::gcd(from, to);
        let (step, phases) = ((from / g) as usize, (to / g) as usize);
        if phases > MAX_PHASES {
            return None;
        }
        // Cut-off in cycles per input sample, times two (sinc's unit): 0.95 of the output's
        // Nyquist frequency when going down, of the input's when going up.
        let cutoff = CUTOFF * (f64::from(to) / f64::from(from)).min(1.0);
        let mut taps = Vec::with_capacity(phases * TAPS);
        let mut row = vec![0.0f64; TAPS];
        for r in 0..phases {
            let fraction = r as f64 / phases as f64;
            for (m, tap) in row.iter_mut().enumerate() {
                // Distance of input sample `floor(t) - BEFORE + m` from the output time `t`.
                let d = m as f64 - BEFORE as f64 - fraction;
                *tap = window(d) * sinc(cutoff * d);
            }
            // Unit gain at DC for every phase.
            let sum: f64 = row.iter().sum();
            taps.extend(row.iter().map(|&t| (t / sum) as f32));
        }
        let mut polyphase = Self {
            step,
            phases,
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
        self.history.resize(BEFORE, 0.0);
        self.base = -(BEFORE as i64);
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
            self.history.resize(self.history.len() + TAPS, 0.0);
            left -= self.produce(left, out);
        }
    }

    /// Appends at most `limit` outputs whose inputs are in the history; returns how many.
    fn produce(&mut self, limit: usize, out: &mut Vec<f32>) -> usize {
        let end = self.base + self.history.len() as i64;
        let mut produced = 0;
        while produced < limit && self.whole + ((TAPS - BEFORE) as i64) <= end {
            let start = (self.whole - BEFORE as i64 - self.base) as usize;
            let taps = &self.taps[self.phase * TAPS..(self.phase + 1) * TAPS];
            out.push(dot(&self.history[start..start + TAPS], taps));
            produced += 1;
            let advanced = self.phase + self.step;
            self.whole += (advanced / self.phases) as i64;
            self.phase = advanced % self.phases;
        }
        // Keep only what later outputs can still use.
        let first_needed = self.whole - BEFORE as i64 - self.base;
        let drop = first_needed.clamp(0, self.history.len() as i64) as usize;
        self.history.drain(..drop);
        self.base += drop as i64;
        produced
    }
}

/// `sum(a[i] · b[i])` over [`TAPS`] values, in 16 interleaved partial sums (the same order on
/// every call, so a stream's output does not depend on how it was chunked; the compiler turns
/// the partial sums into SIMD lanes).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 16;
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

/// The squared Blackman-Harris window over `d` in `[-128, 128]` input samples (as rubato's
/// `BlackmanHarris2` over the filter's span, centred on the output instant).
fn window(d: f64) -> f64 {
    let x = std::f64::consts::TAU * (d + (TAPS / 2) as f64) / TAPS as f64;
    let bh = 0.35875 - 0.48829 * x.cos() + 0.14128 * (2.0 * x).cos() - 0.01168 * (3.0 * x).cos();
    bh * bh
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_of_common_rate_pairs() {
        let phases = |from, to| Polyphase::new(from, to).map(|p| p.phases);
        assert_eq!(phases(44_100, 16_000), Some(160));
        assert_eq!(phases(48_000, 16_000), Some(1));
        assert_eq!(phases(16_000, 44_100), Some(441));
        assert_eq!(phases(44_101, 16_000), None);
    }

    #[test]
    fn every_phase_has_unit_dc_gain_and_peaks_at_its_instant() {
        let p = Polyphase::new(44_100, 16_000).unwrap();
        for r in 0..p.phases {
            let row = &p.taps[r * TAPS..(r + 1) * TAPS];
            let sum: f32 = row.iter().sum();
            assert!((sum - 1.0).abs() < 1e-5, "phase {r}: {sum}");
            let peak = (0..TAPS)
                .max_by(|&a, &b| row[a].total_cmp(&row[b]))
                .unwrap();
            // The instant lies between taps BEFORE and BEFORE + 1.
            assert!(peak == BEFORE || peak == BEFORE + 1, "phase {r}: {peak}");
        }
    }
}
