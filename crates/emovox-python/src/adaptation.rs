//! `emovox.adapt_to_speakers`' native half: [`emovox::adaptation::adapt_to_speakers`] on rows of
//! probabilities, with the checks that turn bad input into `ValueError` instead of a panic.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// Each row of `probabilities` (one per clip, every row over the same labels) adapted to its
/// speaker, `speakers[i]` being row `i`'s.
#[pyfunction]
fn adapt_to_speakers(
    py: Python<'_>,
    mut probabilities: Vec<Vec<f32>>,
    speakers: Vec<String>,
) -> PyResult<Vec<Vec<f32>>> {
    if probabilities.len() != speakers.len() {
        return Err(PyValueError::new_err(format!(
            "adapt_to_speakers: {} predictions but {} speakers",
            probabilities.len(),
            speakers.len()
        )));
    }
    let labels = probabilities.first().map_or(0, Vec::len);
    if let Some(row) = probabilities.iter().position(|p| p.len() != labels) {
        return Err(PyValueError::new_err(format!(
            "adapt_to_speakers: prediction {row} has {} probabilities, prediction 0 has {labels}",
            probabilities[row].len()
        )));
    }
    let bad = |p: &f32| !(p.is_finite() && *p >= 0.0);
    if let Some(row) = probabilities.iter().position(|p| p.iter().any(bad)) {
        return Err(PyValueError::new_err(format!(
            "adapt_to_speakers: prediction {row} has a probability that is negative, NaN or infinite"
        )));
    }
    py.detach(|| emovox::adaptation::adapt_to_speakers(&mut probabilities, &speakers))
        .map_err(|e| PyValueError::new_err(format!("adapt_to_speakers: {e}")))?;
    Ok(probabilities)
}

/// Adds the function to the native module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(adapt_to_speakers, module)?)
}
