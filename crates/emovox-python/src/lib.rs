//! Python bindings of emovox: the native module `emovox._emovox`.
//!
//! The Python package (`python/emovox`) gives these functions librosa's signatures, defaults and
//! docstrings and refuses the arguments emovox does not implement; the functions here take
//! arguments already checked and converted (contiguous float32 arrays, plain numbers), release
//! the GIL for the work, and turn every Rust error into a Python exception carrying the same
//! message (the `error` module).

mod adaptation;
mod arrays;
mod audio;
mod classifier;
mod error;
mod feature;
mod plans;
mod quality;

use pyo3::prelude::*;

/// The native half of the `emovox` package (use the `emovox` package, not this module).
#[pymodule]
fn _emovox(module: &Bound<'_, PyModule>) -> PyResult<()> {
    audio::register(module)?;
    feature::register(module)?;
    classifier::register(module)?;
    adaptation::register(module)?;
    quality::register(module)?;
    // The sample rates emovox accepts anywhere (decoding, resampling, features, classifier):
    // the Python layer refuses others with a ValueError naming the argument.
    module.add("MIN_SAMPLE_RATE", emovox_audio::MIN_SAMPLE_RATE)?;
    module.add("MAX_SAMPLE_RATE", emovox_audio::MAX_SAMPLE_RATE)?;
    Ok(())
}
