//! The Slaney mel scale and the Slaney-normalised triangular filterbank of `librosa.filters.mel`.

use ndarray::Array2;

use crate::{Acceptance, FeatureError};

const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;
const MIN_LOG_MEL: f64 = MIN_LOG_HZ / F_SP;

fn log_step() -> f64 {
    6.4f64.ln() / 27.0
}

/// Hz to mel on the Slaney (Auditory Toolbox) scale: linear below 1 kHz, logarithmic above.
pub(crate) fn hz_to_mel(hz: f64) -> f64 {
    if hz >= MIN_LOG_HZ {
        MIN_LOG_MEL + (hz / MIN_LOG_HZ).ln() / log_step()
    } else {
        hz / F_SP
    }
}

/// Mel to Hz on the Slaney scale; the inverse of [`hz_to_mel`].
pub(crate) fn mel_to_hz(mel: f64) -> f64 {
    if mel >= MIN_LOG_MEL {
        MIN_LOG_HZ * (log_step() * (mel - MIN_LOG_MEL)).exp()
    } else {
        F_SP * mel
    }
}

/// Frames per block in [`MelFilterbank::apply_block`].
pub(crate) const MEL_BLOCK: usize = 8;

/// One triangular filter: its weights over the contiguous FFT bins where it is non-zero.
#[derive(Clone, Debug, PartialEq)]
struct Band {
    first_bin: usize,
    weights: Vec<f32>,
}

/// A mel filterbank stored sparsely: each band keeps only its non-zero FFT bins.
#[derive(Clone, Debug, PartialEq)]
pub struct MelFilterbank {
    n_bins: usize,
    bands: Vec<Band>,
    /// Whether librosa warns of empty filters for this filterbank.
    empty_filters: bool,
}

impl MelFilterbank {
    /// Builds the filterbank of `librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax)` with
    /// `htk=False, norm='slaney'`, computed in f64 and stored as f32 as librosa does; fails
    /// unless `2 <= n_fft <= 65536` (the range of [`crate::MelConfig::validate`]),
    /// `1 <= n_mels <= n_fft / 2 + 1` and `0 <= fmin < fmax <= sample_rate / 2`.
    pub fn new(
        sample_rate: u32,
        n_fft: usize,
        n_mels: usize,
        fmin: f64,
        fmax: f64,
    ) -> Result<Self, FeatureError> {
        Self::with_acceptance(sample_rate, n_fft, n_mels, fmin, fmax, Acceptance::Strict)
    }

    /// [`MelFilterbank::new`] with the checks of `acceptance`: with [`Acceptance::Librosa`],
    /// `n_mels` up to [`crate::MAX_DCT_BANDS`] and `fmax` above `sample_rate / 2` are accepted
    /// and computed as librosa computes them (bands that cover no FFT bin are all zero).
    pub fn with_acceptance(
        sample_rate: u32,
        n_fft: usize,
        n_mels: usize,
        fmin: f64,
        fmax: f64,
        acceptance: Acceptance,
    ) -> Result<Self, FeatureError> {
        let n_bins = n_fft / 2 + 1;
        let (most_mels, top) = match acceptance {
            Acceptance::Strict => (n_bins, sample_rate as f64 / 2.0),
            Acceptance::Librosa => (crate::MAX_DCT_BANDS, f64::INFINITY),
        };
        let frequencies_ok =
            fmin.is_finite() && fmin >= 0.0 && fmax.is_finite() && fmin < fmax && fmax <= top;
        let sizes_ok = (2..=65_536).contains(&n_fft) && (1..=most_mels).contains(&n_mels);
        if !(sizes_ok && frequencies_ok) {
            let limits = match acceptance {
                Acceptance::Strict => {
                    "1 <= n_mels <= n_fft / 2 + 1 and 0 <= fmin < fmax <= sample_rate / 2"
                        .to_string()
                }
                Acceptance::Librosa => format!(
                    "1 <= n_mels <= {} and 0 <= fmin < fmax (finite)",
                    crate::MAX_DCT_BANDS
                ),
            };
            return Err(FeatureError::InvalidConfig(format!(
                "mel filterbank of {n_mels} bands over {fmin}-{fmax} Hz, n_fft {n_fft}, \
                 {sample_rate} Hz: needs 2 <= n_fft <= 65536, {limits}"
            )));
        }
        let sr = sample_rate as f64;
        let fft_freqs: Vec<f64> = (0..n_bins)
            .map(|i| i as f64 * (sr / n_fft as f64))
            .collect();
        let (min_mel, max_mel) = (hz_to_mel(fmin), hz_to_mel(fmax));
        let step = (max_mel - min_mel) / (n_mels + 1) as f64;
        let mel_f: Vec<f64> = (0..n_mels + 2)
            .map(|i| mel_to_hz(min_mel + i as f64 * step))
            .collect();
        let bands = (0..n_mels)
            .map(|m| {
                let (lo, centre, hi) = (mel_f[m], mel_f[m + 1], mel_f[m + 2]);
                let enorm = 2.0 / (hi - lo);
                let dense: Vec<f32> = fft_freqs
                    .iter()
                    .map(|&f| {
                        let lower = (f - lo) / (centre - lo);
                        let upper = (hi - f) / (hi - centre);
                        // librosa rounds the triangle to f32 before scaling it.
                        let triangle = lower.min(upper).max(0.0) as f32;
                        (triangle as f64 * enorm) as f32
                    })
                    .collect();
                let first = dense.iter().position(|&w| w != 0.0).unwrap_or(0);
                let last = dense
                    .iter()
                    .rposition(|&w| w != 0.0)
                    .map_or(first, |l| l + 1);
                Band {
                    first_bin: first,
                    weights: dense[first..last].to_vec(),
                }
            })
            .collect::<Vec<Band>>();
        // librosa's check: a band is empty when none of its weights is positive, unless its
        // lower edge is at 0 Hz.
        let empty_filters = bands
            .iter()
            .zip(&mel_f)
            .any(|(band, &lower)| band.weights.is_empty() && lower != 0.0);
        Ok(Self {
            n_bins,
            bands,
            empty_filters,
        })
    }

    /// Whether a band whose lower edge is above 0 Hz has no non-zero weight (it covers no FFT
    /// bin, e.g. more bands than bins, or a band above Nyquist): the condition of librosa's
    /// "Empty filters detected in mel frequency basis" warning, which the librosa-compatible
    /// functions repeat.
    pub fn has_empty_filters(&self) -> bool {
        self.empty_filters
    }

    /// Number of mel bands.
    pub fn n_mels(&self) -> usize {
        self.bands.len()
    }

    /// Number of FFT bins the filterbank expects (`n_fft / 2 + 1`).
    pub fn n_bins(&self) -> usize {
        self.n_bins
    }

    /// Applies the filterbank to [`MEL_BLOCK`] power spectra at once. `block` holds them
    /// bin-major, frame-minor (`block[bin * MEL_BLOCK + frame]`), so the inner loop runs over
    /// frames and vectorises; the first `frames` results are written frame after frame into
    /// `out` (`out[frame * n_mels + band]`).
    #[inline(always)]
    pub(crate) fn apply_block(&self, block: &[f32], frames: usize, out: &mut [f32]) {
        let n_mels = self.n_mels();
        for (m, band) in self.bands.iter().enumerate() {
            let mut acc = [0.0f32; MEL_BLOCK];
            for (k, &w) in band.weights.iter().enumerate() {
                let column = &block[(band.first_bin + k) * MEL_BLOCK..][..MEL_BLOCK];
                for (a, &p) in acc.iter_mut().zip(column) {
                    *a += w * p;
                }
            }
            for (j, &a) in acc.iter().enumerate().take(frames) {
                out[j * n_mels + m] = a;
            }
        }
    }

    /// The filterbank as a dense (n_mels, n_bins) matrix, librosa's layout.
    pub fn to_dense(&self) -> Array2<f32> {
        let mut dense = Array2::zeros((self.n_mels(), self.n_bins));
        for (m, band) in self.bands.iter().enumerate() {
            for (k, &w) in band.weights.iter().enumerate() {
                dense[[m, band.first_bin + k]] = w;
            }
        }
        dense
    }
}
