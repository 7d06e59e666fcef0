//! The CPU kernel of the inference network's convolutions: one matrix product per clip that
//! reads its 'same'-padded, frames-last input in place, with bias, ReLU and max-pooling over
//! time fused into it.
//!
//! With activations frames-last, (frames, channels) row-major, the `kernel` consecutive rows
//! starting at frame `t` of the padded input are one contiguous run of `kernel * channels`
//! values: exactly row `t` of the im2col matrix. So the im2col matrix is the padded input read
//! with a row stride of `channels` (rows overlap), and the convolution is one
//! `(frames, kernel * in) x (kernel * in, out)` product with no copy of the shifted input
//! (the tensor-operation version builds that `kernel`-times larger matrix with a `cat`).

use candle_core::{CpuStorage, CustomOp1, CustomOp3, Layout, Result, Shape};
use gemm::Parallelism;

use crate::cpu_kernel::{contiguous_f32, transpose_into};

const KERNEL: &str = "the inference convolution kernel";

/// `relu(conv(x) + bias)` (or without the ReLU), max-pooled over time by `pool`, for
/// `x`: (batch, frames, in) contiguous, weight (kernel * in, out) with row `i * in + c` for
/// input channel `c` at shift `i`, bias (out,) -> (batch, frames / pool, out). Trailing frames
/// that do not fill a pooling window are dropped.
pub(crate) struct FusedConvKernel {
    /// Temporal kernel size (odd).
    pub(crate) kernel: usize,
    /// Whether a ReLU follows the bias.
    pub(crate) relu: bool,
    /// Max-pooling factor over time (1: none).
    pub(crate) pool: usize,
}

impl CustomOp3 for FusedConvKernel {
    fn name(&self) -> &'static str {
        "emovox-fused-conv"
    }

    fn cpu_fwd(
        &self,
        x: &CpuStorage,
        x_layout: &Layout,
        weight: &CpuStorage,
        weight_layout: &Layout,
        bias: &CpuStorage,
        bias_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (batch, frames, in_ch) = x_layout.shape().dims3()?;
        let (rows, out_ch) = weight_layout.shape().dims2()?;
        if rows != self.kernel * in_ch || bias_layout.shape().dims1()? != out_ch {
            candle_core::bail!(
                "{KERNEL}: weight {:?} and bias {:?} do not fit kernel {} over {in_ch} channels",
                weight_layout.shape(),
                bias_layout.shape(),
                self.kernel
            )
        }
        if self.kernel.is_multiple_of(2) || self.pool == 0 || in_ch == 0 {
            candle_core::bail!(
                "{KERNEL}: kernel {} (must be odd), pool {} or {in_ch} input channels",
                self.kernel,
                self.pool
            )
        }
        let x = contiguous_f32(KERNEL, x, x_layout)?;
        let weight = contiguous_f32(KERNEL, weight, weight_layout)?;
        let bias = contiguous_f32(KERNEL, bias, bias_layout)?;
        let kept = frames / self.pool;
        let mut out = Vec::with_capacity(batch * kept * out_ch);
        if kept > 0 && out_ch > 0 {
            let pad = self.kernel / 2;
            let mut padded = Vec::with_capacity((frames + 2 * pad) * in_ch);
            let mut product = Vec::with_capacity(frames * out_ch);
            for clip in x.chunks_exact(frames * in_ch) {
                padded.clear();
                padded.resize(pad * in_ch, 0.0);
                padded.extend_from_slice(clip);
                padded.resize((frames + 2 * pad) * in_ch, 0.0);
                product.clear();
                (0..frames).for_each(|_| product.extend_from_slice(bias));
                self.convolve(&padded, weight, in_ch, &mut product);
                self.epilogue(&product, out_ch, &mut out);
            }
        }
        Ok((CpuStorage::F32(out), Shape::from((batch, kept, out_ch))))
    }
}

impl FusedConvKernel {
    /// `product` (frames, out), holding the bias on every row, += the im2col view of `padded`
    /// times `weight`.
    fn convolve(&self, padded: &[f32], weight: &[f32], in_ch: usize, product: &mut [f32]) {
        let depth = self.kernel * in_ch;
        let out_ch = weight.len() / depth;
        let frames = product.len() / out_ch;
        debug_assert!(padded.len() >= (frames - 1) * in_ch + depth);
        debug_assert_eq!(weight.len(), depth * out_ch);
        let threads = rayon::current_num_threads();
        let parallelism = if threads > 1 {
            Parallelism::Rayon(threads)
        } else {
            Parallelism::None
        };
        // SAFETY: every pointer is valid for the strides and extents given: the lhs reads rows
        // `t * in_ch .. t * in_ch + depth` for `t < frames`, inside `padded` (it holds
        // (frames + kernel - 1) * in_ch values by construction); the rhs is the (depth, out)
        // weight; the destination is the (frames, out) `product`, written by this call only.
        unsafe {
            gemm::gemm(
                frames,
                out_ch,
                depth,
                product.as_mut_ptr(),
                1,
                out_ch as isize,
                true,
                padded.as_ptr(),
                1,
                in_ch as isize,
                weight.as_ptr(),
                1,
                out_ch as isize,
                1.0,
                1.0,
                false,
                false,
                false,
                parallelism,
            );
        }
    }

    /// Appends to `out` (frames / pool, out) the ReLU (if any) of the maximum of each pooling
    /// window of `product` (the two commute: both are monotone).
    fn epilogue(&self, product: &[f32], out_ch: usize, out: &mut Vec<f32>) {
        for window in product.chunks_exact(self.pool * out_ch) {
            let start = out.len();
            out.extend_from_slice(&window[..out_ch]);
            let row = &mut out[start..];
            for frame in window.chunks_exact(out_ch).skip(1) {
                row.iter_mut().zip(frame).for_each(|(m, &v)| *m = m.max(v));
            }
            if self.relu {
                row.iter_mut().for_each(|v| *v = v.max(0.0));
            }
        }
    }
}

/// (batch, channels, frames) contiguous -> (batch, frames / pool, channels), each output frame
/// the mean of `pool` input frames (trailing frames that do not fill a window dropped): the
/// network's input average-pooled over time ([`crate::ModelConfig::input_pool`]) in the
/// frames-last layout of the inference kernels, one pass per clip (candle's strided copy moves
/// one value at a time, and its pooling is a reshape and a reduction).
pub(crate) struct FramesLast {
    /// Average-pooling factor over time (1: a plain transpose).
    pub(crate) pool: usize,
}

impl CustomOp1 for FramesLast {
    fn name(&self) -> &'static str {
        "emovox-frames-last"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let (batch, channels, frames) = layout.shape().dims3()?;
        if self.pool == 0 {
            candle_core::bail!("{KERNEL}: pool 0")
        }
        let x = contiguous_f32(KERNEL, storage, layout)?;
        let kept = frames / self.pool;
        let mut out = vec![0f32; batch * kept * channels];
        if kept > 0 && channels > 0 {
            let mut pooled = vec![0f32; channels * kept];
            let clips = x.chunks_exact(channels * frames);
            for (src, dst) in clips.zip(out.chunks_exact_mut(kept * channels)) {
                if self.pool == 1 {
                    transpose_into(src, channels, frames, dst);
                } else {
                    self.pool_rows(src, frames, &mut pooled);
                    transpose_into(&pooled, channels, kept, dst);
                }
            }
        }
        Ok((CpuStorage::F32(out), Shape::from((batch, kept, channels))))
    }
}

impl FramesLast {
    /// `pooled` (channels, kept) = each window's mean of `src` (channels, frames), as candle's
    /// `mean` computes it: the sum in order, times the reciprocal of `pool`.
    fn pool_rows(&self, src: &[f32], frames: usize, pooled: &mut [f32]) {
        let kept = pooled.len() / (src.len() / frames);
        let scale = 1.0 / self.pool as f32;
        for (row, out) in src.chunks_exact(frames).zip(pooled.chunks_exact_mut(kept)) {
            if self.pool == 2 {
                // The same sum, written so that it vectorises (the model's usual factor).
                for (o, pair) in out.iter_mut().zip(row.chunks_exact(2)) {
                    *o = (pair[0] + pair[1]) * scale;
                }
            } else {
                for (o, window) in out.iter_mut().zip(row.chunks_exact(self.pool)) {
                    *o = window.iter().sum::<f32>() * scale;
                }
            }
        }
    }
}
