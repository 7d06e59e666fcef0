//! Rust errors as Python exceptions: the message is the Rust error's own.
//!
//! An I/O failure anywhere in the error's source chain becomes the `OSError` subclass Python
//! raises for it (`FileNotFoundError` for a missing file, `IsADirectoryError` for a folder,
//! `PermissionError`, `NotADirectoryError`), else `OSError`; every other error is bad input
//! (audio, features, model file, settings) and becomes `ValueError`.

use std::error::Error;
use std::io::ErrorKind;

use pyo3::exceptions::{
    PyFileNotFoundError, PyIsADirectoryError, PyNotADirectoryError, PyOSError, PyPermissionError,
    PyValueError,
};
use pyo3::PyErr;

/// The Python exception for `error`, with `error`'s message.
pub fn to_py_err(error: &(dyn Error + 'static)) -> PyErr {
    let message = error.to_string();
    match io_kind(error) {
        Some(ErrorKind::NotFound) => PyFileNotFoundError::new_err(message),
        Some(ErrorKind::IsADirectory) => PyIsADirectoryError::new_err(message),
        Some(ErrorKind::NotADirectory) => PyNotADirectoryError::new_err(message),
        Some(ErrorKind::PermissionDenied) => PyPermissionError::new_err(message),
        Some(_) => PyOSError::new_err(message),
        None => PyValueError::new_err(message),
    }
}

/// The kind of the first `std::io::Error` in `error`'s source chain, if any.
fn io_kind(error: &(dyn Error + 'static)) -> Option<ErrorKind> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        current = e.source();
    }
    None
}

/// Converts a `Result` with any Rust error into a `PyResult`.
pub trait IntoPyResult<T> {
    /// `Ok` unchanged, `Err` through [`to_py_err`].
    fn py(self) -> pyo3::PyResult<T>;
}

impl<T, E: Error + 'static> IntoPyResult<T> for Result<T, E> {
    fn py(self) -> pyo3::PyResult<T> {
        self.map_err(|e| to_py_err(&e))
    }
}
