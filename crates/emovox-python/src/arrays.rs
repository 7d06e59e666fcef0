//! Borrowing numpy arrays without copying them.

use numpy::{Element, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::PyResult;

/// The elements of a contiguous 1-D array, borrowed in place (zero-copy). The Python layer
/// makes every array contiguous first (`numpy.ascontiguousarray`, a no-op when it already is).
pub fn contiguous<'a, T: Element>(array: &'a PyReadonlyArray1<'_, T>) -> PyResult<&'a [T]> {
    array
        .as_slice()
        .map_err(|e| PyValueError::new_err(format!("the array must be contiguous: {e}")))
}
