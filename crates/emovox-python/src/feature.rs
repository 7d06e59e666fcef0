//! Features as librosa computes them: MFCC, mel power spectrogram, deltas, `power_to_db`, and
//! the filterbank and DCT matrices for spectrograms given directly (`S=`).
//!
//! The plans here accept what librosa computes ([`Acceptance::Librosa`]: signals shorter than
//! a window, more mel bands than FFT bins, `fmax` above Nyquist); the classifier's own plans
//! (`emovox::Classifier`) keep emovox's strict checks.

use emovox_features::{
    dct_matrix, fast_log10, Acceptance, FeatureError, LogMelSpectrogram, MelConfig, Mfcc,
    MfccConfig,
};
use std::ops::{Mul, Sub};

use ndarray::ArrayD;
use numpy::{
    Element, IntoPyArray, PyArray2, PyArrayDyn, PyReadonlyArray1, PyReadonlyArray2,
    PyReadonlyArrayDyn,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::arrays::contiguous;
use crate::error::IntoPyResult;
use crate::plans::PlanCache;

static MFCC_PLANS: PlanCache<MfccConfig, Mfcc> = PlanCache::new();
static MEL_PLANS: PlanCache<MelConfig, LogMelSpectrogram> = PlanCache::new();

/// The librosa-compatible log-mel plan of `config`.
fn mel_plan(config: MelConfig) -> Result<LogMelSpectrogram, FeatureError> {
    LogMelSpectrogram::with_acceptance(config, Acceptance::Librosa)
}

/// The librosa-compatible MFCC plan of `config`.
fn mfcc_plan(config: MfccConfig) -> Result<Mfcc, FeatureError> {
    Mfcc::with_acceptance(config, Acceptance::Librosa)
}

/// librosa's `power_to_db` dynamic range for the log-mel under an MFCC (`top_db=80`).
const MFCC_TOP_DB: f32 = 80.0;

/// The mel settings of a librosa call (`center=True`, Hann window, Slaney mel).
#[allow(clippy::too_many_arguments)]
fn mel_config(
    sr: u32,
    n_fft: usize,
    hop_length: usize,
    win_length: usize,
    n_mels: usize,
    fmin: f32,
    fmax: Option<f32>,
) -> MelConfig {
    MelConfig {
        sample_rate: sr,
        n_fft,
        win_length,
        hop_length,
        n_mels,
        fmin,
        fmax,
        top_db: Some(MFCC_TOP_DB),
    }
}

/// MFCCs of a mono float32 signal, shape (n_mfcc, frames).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (y, sr, n_mfcc, n_fft, hop_length, win_length, n_mels, fmin, fmax, lifter))]
fn mfcc<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f32>,
    sr: u32,
    n_mfcc: usize,
    n_fft: usize,
    hop_length: usize,
    win_length: usize,
    n_mels: usize,
    fmin: f32,
    fmax: Option<f32>,
    lifter: f32,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let samples = contiguous(&y)?;
    let config = MfccConfig {
        mel: mel_config(sr, n_fft, hop_length, win_length, n_mels, fmin, fmax),
        n_mfcc,
        lifter,
    };
    let out = py
        .detach(|| MFCC_PLANS.get(&config, mfcc_plan)?.compute(samples))
        .py()?;
    Ok(out.into_pyarray(py))
}

/// The mel power spectrogram of a mono float32 signal, shape (n_mels, frames).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (y, sr, n_fft, hop_length, win_length, n_mels, fmin, fmax))]
fn melspectrogram<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f32>,
    sr: u32,
    n_fft: usize,
    hop_length: usize,
    win_length: usize,
    n_mels: usize,
    fmin: f32,
    fmax: Option<f32>,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let samples = contiguous(&y)?;
    let config = mel_config(sr, n_fft, hop_length, win_length, n_mels, fmin, fmax);
    let out = py
        .detach(|| MEL_PLANS.get(&config, mel_plan)?.mel_power(samples))
        .py()?;
    Ok(out.into_pyarray(py))
}

/// The Slaney mel filterbank `librosa.filters.mel(sr=sr, n_fft=n_fft, ...)`, (n_mels, 1 + n_fft/2).
#[pyfunction]
#[pyo3(signature = (sr, n_fft, n_mels, fmin, fmax))]
fn mel_filterbank(
    py: Python<'_>,
    sr: u32,
    n_fft: usize,
    n_mels: usize,
    fmin: f32,
    fmax: Option<f32>,
) -> PyResult<Bound<'_, PyArray2<f32>>> {
    let config = mel_config(sr, n_fft, 1, n_fft, n_mels, fmin, fmax);
    let plan = MEL_PLANS.get(&config, mel_plan).py()?;
    Ok(plan.filterbank().to_dense().into_pyarray(py))
}

/// Whether librosa warns of empty filters ("Empty filters detected in mel frequency basis")
/// for these mel settings; the plan is the one `melspectrogram` (or, with `hop_length=1,
/// win_length=n_fft`, `mel_filterbank`) computes with.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (sr, n_fft, hop_length, win_length, n_mels, fmin, fmax))]
fn empty_mel_filters(
    sr: u32,
    n_fft: usize,
    hop_length: usize,
    win_length: usize,
    n_mels: usize,
    fmin: f32,
    fmax: Option<f32>,
) -> PyResult<bool> {
    let config = mel_config(sr, n_fft, hop_length, win_length, n_mels, fmin, fmax);
    let plan = MEL_PLANS.get(&config, mel_plan).py()?;
    Ok(plan.filterbank().has_empty_filters())
}

/// The orthonormal DCT-II matrix (with liftering) taking `n_mels` log-mel bands to `n_mfcc`
/// coefficients, (n_mfcc, n_mels).
#[pyfunction]
#[pyo3(signature = (n_mfcc, n_mels, lifter))]
fn dct(
    py: Python<'_>,
    n_mfcc: usize,
    n_mels: usize,
    lifter: f32,
) -> PyResult<Bound<'_, PyArray2<f32>>> {
    let matrix =
        dct_matrix(n_mfcc, n_mels, lifter).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(matrix.into_pyarray(py))
}

/// Deltas of `order` (1 or 2) along the last axis of a (rows, frames) float32 array.
#[pyfunction]
#[pyo3(signature = (data, width, order))]
fn delta<'py>(
    py: Python<'py>,
    data: PyReadonlyArray2<'py, f32>,
    width: usize,
    order: usize,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    // emovox_features::delta takes an owned array: one copy of the (small) feature matrix.
    let data = data.as_array().to_owned();
    let out = py
        .detach(|| emovox_features::delta(&data, width, order))
        .py()?;
    Ok(out.into_pyarray(py))
}

/// A float type `power_to_db` works in.
trait DbFloat:
    Element + Copy + PartialOrd + Send + Sync + From<f32> + Sub<Output = Self> + Mul<Output = Self>
{
    /// `log10(x)` for `x >= amin > 0`.
    fn log10(self) -> Self;
}

impl DbFloat for f32 {
    fn log10(self) -> Self {
        // emovox's vectorisable logarithm is accurate for normal numbers only.
        if self >= f32::MIN_POSITIVE {
            fast_log10(self)
        } else {
            f32::log10(self)
        }
    }
}

impl DbFloat for f64 {
    fn log10(self) -> Self {
        f64::log10(self)
    }
}

/// `librosa.power_to_db(S, ref=reference, amin=amin, top_db=top_db)` in `S`'s float type.
fn power_to_db<'py, T: DbFloat>(
    py: Python<'py>,
    s: PyReadonlyArrayDyn<'py, T>,
    reference: T,
    amin: T,
    top_db: Option<T>,
) -> Bound<'py, PyArrayDyn<T>> {
    let mut values: ArrayD<T> = s.as_array().to_owned();
    py.detach(|| {
        let db = |x: T| T::from(10.0) * (if x < amin { amin } else { x }).log10();
        let offset = db(reference);
        let mut max = None::<T>;
        values.map_inplace(|v| {
            *v = db(*v) - offset;
            if max.is_none_or(|m| *v > m) {
                max = Some(*v);
            }
        });
        if let (Some(top_db), Some(max)) = (top_db, max) {
            let floor = max - top_db;
            // As numpy.maximum: NaN stays NaN.
            values.map_inplace(|v| {
                if *v < floor {
                    *v = floor;
                }
            });
        }
    });
    values.into_pyarray(py)
}

/// `power_to_db` of a float32 array.
#[pyfunction]
#[pyo3(signature = (s, reference, amin, top_db))]
fn power_to_db_f32<'py>(
    py: Python<'py>,
    s: PyReadonlyArrayDyn<'py, f32>,
    reference: f32,
    amin: f32,
    top_db: Option<f32>,
) -> Bound<'py, PyArrayDyn<f32>> {
    power_to_db(py, s, reference, amin, top_db)
}

/// `power_to_db` of a float64 array.
#[pyfunction]
#[pyo3(signature = (s, reference, amin, top_db))]
fn power_to_db_f64<'py>(
    py: Python<'py>,
    s: PyReadonlyArrayDyn<'py, f64>,
    reference: f64,
    amin: f64,
    top_db: Option<f64>,
) -> Bound<'py, PyArrayDyn<f64>> {
    power_to_db(py, s, reference, amin, top_db)
}

/// Adds the feature functions to the native module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(mfcc, module)?)?;
    module.add_function(wrap_pyfunction!(melspectrogram, module)?)?;
    module.add_function(wrap_pyfunction!(mel_filterbank, module)?)?;
    module.add_function(wrap_pyfunction!(empty_mel_filters, module)?)?;
    module.add_function(wrap_pyfunction!(dct, module)?)?;
    module.add_function(wrap_pyfunction!(delta, module)?)?;
    module.add_function(wrap_pyfunction!(power_to_db_f32, module)?)?;
    module.add_function(wrap_pyfunction!(power_to_db_f64, module)?)?;
    Ok(())
}
