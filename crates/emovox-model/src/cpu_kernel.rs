//! What the CPU kernels of training (`conv.rs`, `batch_norm.rs`) share.

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
