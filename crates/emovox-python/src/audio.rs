//! `emovox.load`: decode any format emovox reads, cut, resample as `librosa.load` does.

use std::io::Cursor;
use std::path::PathBuf;

use emovox_audio::{decode_audio_with, read_audio_with, Audio, AudioError, Channels, Resampler};
use numpy::{IntoPyArray, PyArray2};
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

/// The signal `decode` gives: mono (the channels' mean) as one array, or every channel, one
/// decode each (`Channels::Only(0)`, `Only(1)`, ... until the file has no more), cut and
/// resampled alike, as rows of a 2-D array (one row for a mono file).
fn load_with(
    py: Python<'_>,
    decode: impl Fn(Channels) -> Result<Audio, AudioError> + Send + Sync,
    options: LoadOptions,
    mono: bool,
) -> PyResult<(Bound<'_, PyAny>, u32)> {
    if mono {
        let (samples, rate) = py
            .detach(|| options.apply(decode(Channels::Average)?))
            .py()?;
        return Ok((samples.into_pyarray(py).into_any(), rate));
    }
    let (rows, rate) = py
        .detach(|| {
            let mut rows = Vec::new();
            let mut rate = 0;
            for channel in 0.. {
                match decode(Channels::Only(channel)) {
                    Ok(audio) => {
                        let (samples, r) = options.apply(audio)?;
                        rows.push(samples);
                        rate = r;
                    }
                    Err(AudioError::NoSuchChannel { .. }) if channel > 0 => break,
                    Err(err) => return Err(err),
                }
            }
            Ok((rows, rate))
        })
        .py()?;
    let array = PyArray2::from_vec2(py, &rows)?;
    Ok((array.into_any(), rate))
}

/// Decodes the file at `path` (format told from its content).
#[pyfunction]
#[pyo3(signature = (path, sr, offset, duration, mono))]
fn load_path(
    py: Python<'_>,
    path: PathBuf,
    sr: Option<u32>,
    offset: f64,
    duration: Option<f64>,
    mono: bool,
) -> PyResult<(Bound<'_, PyAny>, u32)> {
    let options = LoadOptions {
        sr,
        offset,
        duration,
    };
    load_with(
        py,
        |channels| read_audio_with(&path, channels),
        options,
        mono,
    )
}

/// Decodes an encoded file held in memory (format told from its content).
#[pyfunction]
#[pyo3(signature = (data, sr, offset, duration, mono))]
fn load_bytes(
    py: Python<'_>,
    data: Vec<u8>,
    sr: Option<u32>,
    offset: f64,
    duration: Option<f64>,
    mono: bool,
) -> PyResult<(Bound<'_, PyAny>, u32)> {
    let options = LoadOptions {
        sr,
        offset,
        duration,
    };
    let decode = |channels| decode_audio_with(Cursor::new(data.clone()), channels);
    load_with(py, decode, options, mono)
}

/// Adds the loading functions to the native module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(load_path, module)?)?;
    module.add_function(wrap_pyfunction!(load_bytes, module)?)?;
    Ok(())
}
