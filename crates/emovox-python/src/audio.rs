//! `emovox.load`: decode any format emovox reads, cut, resample as `librosa.load` does.

use std::io::Cursor;
use std::path::PathBuf;

use emovox_audio::{decode_audio, read_audio, Audio, AudioError, Resampler};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;

use crate::error::IntoPyResult;

/// Which part of the decoded signal to keep and at which rate, as `librosa.load` takes it.
#[derive(Clone, Copy)]
struct LoadOptions {
    /// Target rate; `None` keeps the file's rate.
    sr: Option<u32>,
    /// Seconds skipped at the start.
    offset: f64,
    /// Seconds kept; `None` keeps everything after `offset`.
    duration: Option<f64>,
}

impl LoadOptions {
    /// Cuts `audio` to `offset .. offset + duration` (librosa: `int(seconds * native_rate)`
    /// samples), then resamples it to `sr`. An offset past the end keeps nothing; a duration
    /// past the end keeps the rest of the signal, however large either is.
    fn apply(self, audio: Audio) -> Result<(Vec<f32>, u32), AudioError> {
        let native = audio.sample_rate;
        let len = audio.samples.len();
        let start = samples_in(self.offset, native).min(len);
        let end = match self.duration {
            Some(seconds) => start.saturating_add(samples_in(seconds, native)).min(len),
            None => len,
        };
        let mut samples = audio.samples;
        samples.truncate(end);
        samples.drain(..start);
        match self.sr {
            Some(target) if target != native => {
                Ok((resample_like_librosa(&samples, native, target)?, target))
            }
            _ => Ok((samples, native)),
        }
    }
}

/// `int(seconds * rate)`, the whole samples in `seconds` (finite, >= 0: the Python layer
/// checks), saturating at `usize::MAX` for absurd durations (`1e300` s) instead of wrapping.
fn samples_in(seconds: f64, rate: u32) -> usize {
    // `as` truncates towards zero and saturates (NaN gives 0).
    (seconds * f64::from(rate)) as usize
}

/// Resamples to `ceil(len · to / from)` samples, the length `librosa.resample` gives (emovox's
/// resampler gives `round(...)`; the missing sample, if any, is a zero as librosa's
/// `fix_length` pads).
fn resample_like_librosa(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>, AudioError> {
    let mut out = Resampler::new(from, to)?.process(samples)?;
    let expected = (samples.len() as f64 * f64::from(to) / f64::from(from)).ceil() as usize;
    out.resize(expected, 0.0);
    Ok(out)
}

/// Decodes the file at `path` (format told from its content).
#[pyfunction]
#[pyo3(signature = (path, sr, offset, duration))]
fn load_path(
    py: Python<'_>,
    path: PathBuf,
    sr: Option<u32>,
    offset: f64,
    duration: Option<f64>,
) -> PyResult<(Bound<'_, PyArray1<f32>>, u32)> {
    let options = LoadOptions {
        sr,
        offset,
        duration,
    };
    let (samples, rate) = py.detach(|| options.apply(read_audio(&path)?)).py()?;
    Ok((samples.into_pyarray(py), rate))
}

/// Decodes an encoded file held in memory (format told from its content).
#[pyfunction]
#[pyo3(signature = (data, sr, offset, duration))]
fn load_bytes(
    py: Python<'_>,
    data: Vec<u8>,
    sr: Option<u32>,
    offset: f64,
    duration: Option<f64>,
) -> PyResult<(Bound<'_, PyArray1<f32>>, u32)> {
    let options = LoadOptions {
        sr,
        offset,
        duration,
    };
    let (samples, rate) = py
        .detach(|| options.apply(decode_audio(Cursor::new(data))?))
        .py()?;
    Ok((samples.into_pyarray(py), rate))
}

/// Adds the loading functions to the native module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(load_path, module)?)?;
    module.add_function(wrap_pyfunction!(load_bytes, module)?)?;
    Ok(())
}
