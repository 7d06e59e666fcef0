//! `emovox.assess`' native half: [`emovox_audio::assess`] of a clip, as a Python dict.

use emovox_audio::RecordingQuality;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::contiguous;
use crate::error::IntoPyResult;

/// `{"duration_s", "active_speech_s", "clipped_fraction", "snr_db", "bandwidth_hz",
/// "dc_offset", "concerns": [name, ...]}` of a clip's quality (SNR and bandwidth `None` when
/// unknown; the concerns' names in [`RecordingQuality::concerns`]' order).
fn quality_dict<'py>(py: Python<'py>, quality: &RecordingQuality) -> PyResult<Bound<'py, PyDict>> {
    let concerns: Vec<&str> = quality.concerns().into_iter().map(|c| c.name()).collect();
    let dict = PyDict::new(py);
    dict.set_item("duration_s", quality.duration_s)?;
    dict.set_item("active_speech_s", quality.active_speech_s)?;
    dict.set_item("clipped_fraction", quality.clipped_fraction)?;
    dict.set_item("snr_db", quality.snr_db)?;
    dict.set_item("bandwidth_hz", quality.bandwidth_hz)?;
    dict.set_item("dc_offset", quality.dc_offset)?;
    dict.set_item("concerns", concerns)?;
    Ok(dict)
}

/// The recording quality of a mono float32 clip at `sr` Hz.
#[pyfunction]
#[pyo3(signature = (y, sr))]
fn assess<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f32>,
    sr: u32,
) -> PyResult<Bound<'py, PyDict>> {
    let samples = contiguous(&y)?;
    let quality = py.detach(|| emovox_audio::assess(samples, sr)).py()?;
    quality_dict(py, &quality)
}

/// Adds the function to the native module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(assess, module)?)
}
