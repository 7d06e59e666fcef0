//! What the CPU kernels (`conv.rs` and `batch_norm.rs` for training, `conv_kernel.rs` for
//! inference) share.

use candle_core::{CpuStorage, Layout, Result};

/// The data of a CPU kernel's operand: contiguous f32, or an error naming `kernel`.
pub(crate) fn contiguous_f32<'a>(
    kernel: &str,
    storage: &'a CpuStorage,
    layout: &Layout,
) -> Result<&'a [f32]> {
    let CpuStorage::F32(data) = storage else {
        candle_core::bail!("{kernel} runs on f32 tensors only")
    };
    let Some((start, end)) = layout.contiguous_offsets() else {
        candle_core::bail!("{kernel} needs contiguous tensors")
    };
    Ok(&data[start..end])
}

/// `out` (cols x rows) = the transpose of `x` (rows x cols), both row-major.
pub(crate) fn transpose_into(x: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    const BLOCK: usize = 32;
    for r0 in (0..rows).step_by(BLOCK) {
        for c0 in (0..cols).step_by(BLOCK) {
            for r in r0..(r0 + BLOCK).min(rows) {
                for c in c0..(c0 + BLOCK).min(cols) {
                    out[c * rows + r] = x[r * cols + c];
                }
            }
        }
    }
}

/// The largest absolute difference between two tensors of the same shape (for tests).
#[cfg(test)]
pub(crate) fn max_difference(a: &candle_core::Tensor, b: &candle_core::Tensor) -> f32 {
    (a - b)
        .unwrap()
        .abs()
        .unwrap()
        .max_all()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
}
