//! [`InferenceNetwork`]: a [`Network`] compiled for prediction.
//!
//! Three changes make inference several times faster on the CPU without changing its result
//! beyond float rounding:
//! - batch normalisation (running statistics) is absorbed into the convolution before it, as
//!   candle-nn's `Conv2d::absorb_bn` does: one matrix product and one bias per layer;
//! - activations are kept frames-last, (batch, frames, channels), so the shifted copies of a
//!   convolution's input are contiguous rows and its matrix product writes the next layer's
//!   input directly, instead of transposing every layer's input and output through strided
//!   copies;
//! - on the CPU each convolution is one fused kernel (`conv_kernel.rs`): its matrix product
//!   reads the padded input in place as its im2col matrix, with bias, ReLU and max-pooling in
//!   one pass; other devices run the same function as candle tensor operations.

use candle_core::{Module, Result, Tensor};
use candle_nn::BatchNorm;

use crate::conv_kernel::{FramesLast, FusedConvKernel};
use crate::network::{ConvBlockParts, Head, Network};
use crate::pooling::TemporalPooling;
use crate::TimeConv;

/// A convolution with its batch normalisation absorbed, reading and writing frames-last
/// activations.
#[derive(Clone, Debug)]
struct FusedConv {
    /// (kernel * in, out): row `i * in + c` is input channel `c` at shift `i`.
    weight: Tensor,
    /// (out,)
    bias: Tensor,
    kernel: usize,
}

impl FusedConv {
    fn new(conv: &TimeConv, bn: &BatchNorm) -> Result<Self> {
        let Some((gamma, beta)) = bn.weight_and_bias() else {
            candle_core::bail!("batch norm without affine weights cannot be absorbed")
        };
        let scale = gamma.div(&(bn.running_var() + bn.eps())?.sqrt()?)?;
        let bias = beta.sub(&scale.mul(bn.running_mean())?)?;
        let weight = conv.weight();
        let (out_ch, in_ch, kernel) = weight.dims3()?;
        let weight = weight
            .broadcast_mul(&scale.reshape((out_ch, 1, 1))?)?
            .permute((2, 1, 0))? // (kernel, in, out)
            .contiguous()?
            .reshape((kernel * in_ch, out_ch))?;
        Ok(Self {
            weight,
            bias,
            kernel,
        })
    }

    /// `x`: (batch, frames, in) -> (batch, frames / pool, out), contiguous: the convolution
    /// plus bias, then the ReLU if `relu`, then max-pooling over time by `pool`. On the CPU one
    /// fused kernel ([`FusedConvKernel`]); elsewhere candle's tensor operations.
    fn forward(&self, x: &Tensor, relu: bool, pool: usize) -> Result<Tensor> {
        if x.device().is_cpu() {
            let kernel = FusedConvKernel {
                kernel: self.kernel,
                relu,
                pool,
            };
            return x
                .contiguous()?
                .apply_op3_no_bwd(&self.weight, &self.bias, &kernel);
        }
        by_tensor_ops(x, &self.weight, &self.bias, self.kernel, relu, pool)
    }
}

/// [`FusedConv::forward`] from candle's tensor operations, for devices without the CPU kernel.
fn by_tensor_ops(
    x: &Tensor,
    weight: &Tensor,
    bias: &Tensor,
    kernel: usize,
    relu: bool,
    pool: usize,
) -> Result<Tensor> {
    let (batch, frames, in_ch) = x.dims3()?;
    let cols = if kernel == 1 {
        x.clone()
    } else {
        let pad = kernel / 2;
        let padded = x.pad_with_zeros(1, pad, pad)?;
        let shifted = (0..kernel)
            .map(|i| padded.narrow(1, i, frames))
            .collect::<Result<Vec<_>>>()?;
        Tensor::cat(&shifted, 2)? // (batch, frames, kernel * in), shift-major
    };
    let out_ch = weight.dim(1)?;
    let h = cols
        .reshape((batch * frames, kernel * in_ch))?
        .matmul(weight)?
        .broadcast_add(bias)?
        .reshape((batch, frames, out_ch))?;
    let h = if relu { h.relu()? } else { h };
    crate::network::max_pool_time(&h, 1, pool)
}

/// A convolution block with absorbed batch normalisation (see `ConvBlock` in the network).
#[derive(Clone, Debug)]
struct FusedBlock {
    first: FusedConv,
    second: Option<FusedConv>,
    shortcut: Option<FusedConv>,
}

impl FusedBlock {
    /// `x`: (batch, frames, in) -> (batch, frames / pool, out), max-pooled by `pool`.
    fn forward(&self, x: &Tensor, pool: usize) -> Result<Tensor> {
        let Some(second) = &self.second else {
            return self.first.forward(x, true, pool);
        };
        let h = self.first.forward(x, true, 1)?;
        let h = second.forward(&h, false, 1)?;
        let skip = match &self.shortcut {
            Some(proj) => proj.forward(x, false, 1)?,
            None => x.clone(),
        };
        crate::network::max_pool_time(&(h + skip)?.relu()?, 1, pool)
    }
}

/// A [`Network`] in inference mode, compiled for speed: the same function as
/// `network.forward_t(x, false)` (equal within float rounding), built once by
/// [`Network::for_inference`] from the network's current weights.
///
/// It holds its own (transformed) copy of the convolution weights, so later training of the
/// network's variables does not change it.
#[derive(Clone, Debug)]
pub struct InferenceNetwork {
    blocks: Vec<FusedBlock>,
    time_pool: usize,
    input_pool: usize,
    pooling: TemporalPooling,
    head: Head,
}

impl InferenceNetwork {
    pub(crate) fn new(network: &Network) -> Result<Self> {
        let fuse = |(conv, bn): (&TimeConv, &BatchNorm)| FusedConv::new(conv, bn);
        let blocks = network
            .block_parts()
            .map(|parts: ConvBlockParts| {
                Ok(FusedBlock {
                    first: fuse(parts.first)?,
                    second: parts.second.map(fuse).transpose()?,
                    shortcut: parts.shortcut.map(fuse).transpose()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            blocks,
            time_pool: network.config().time_pool,
            input_pool: network.config().input_pool,
            pooling: network.pooling().clone(),
            head: network.head().clone(),
        })
    }
}

impl Module for InferenceNetwork {
    /// `x`: (batch, channels, bins, frames) normalised features -> logits (batch, classes).
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.forward_with_activations(x)?.0)
    }
}

impl InferenceNetwork {
    /// [`Module::forward`]'s logits, and the activations the output layer reads (batch,
    /// width): the penultimate layer, which [`crate::FeatureDensity`] models.
    pub fn forward_with_activations(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        let (batch, channels, bins, frames) = x.dims4()?;
        let x = x.reshape((batch, channels * bins, frames))?;
        let mut h = if x.device().is_cpu() {
            let frames_last = FramesLast {
                pool: self.input_pool,
            };
            x.contiguous()?.apply_op1_no_bwd(&frames_last)?
        } else {
            let x = crate::network::mean_pool_time(&x, 2, self.input_pool)?;
            x.transpose(1, 2)?.contiguous()?
        };
        let last = self.blocks.len() - 1;
        for (i, block) in self.blocks.iter().enumerate() {
            let pool = if i < last { self.time_pool } else { 1 };
            h = block.forward(&h, pool)?;
        }
        let channels_first = h.transpose(1, 2)?.contiguous()?;
        let pooled = self.pooling.forward(&channels_first)?;
        let (activations, logits) = self.head.activations_and_logits(&pooled)?;
        Ok((logits, activations))
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{DType, Device, ModuleT};
    use candle_nn::{VarBuilder, VarMap};

    use super::*;
    use crate::cpu_kernel::max_difference;
    use crate::{ModelConfig, PoolingKind};

    /// A trained-looking network: random weights and batch-norm statistics far from the
    /// identity, so absorbing them is actually exercised.
    fn network(residual: bool, pooling: PoolingKind, input_pool: usize) -> Network {
        let config = ModelConfig {
            in_channels: 2,
            n_bins: 5,
            n_classes: 4,
            block_channels: vec![6, 8, 8],
            kernel_size: 5,
            residual,
            time_pool: 2,
            input_pool,
            pooling,
            attention_hidden: 4,
            head_hidden: 7,
            dropout: 0.3,
            members: 1,
        };
        let dev = Device::Cpu;
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, &dev);
        let net = Network::new(&config, vb).unwrap();
        for (name, var) in varmap.data().lock().unwrap().iter() {
            let shape = var.as_tensor().shape().clone();
            let value = if name.ends_with("running_var") {
                Tensor::rand(0.5f32, 2.0, shape, &dev)
            } else {
                Tensor::randn(0f32, 0.5, shape, &dev)
            };
            var.set(&value.unwrap()).unwrap();
        }
        net
    }

    #[test]
    fn equals_the_network_in_inference_mode() {
        for (residual, pooling, input_pool) in [
            (false, PoolingKind::MeanStd, 1),
            (true, PoolingKind::MeanStd, 1),
            (true, PoolingKind::Attentive, 1),
            (false, PoolingKind::Mean, 1),
            (false, PoolingKind::MeanStd, 2),
        ] {
            let net = network(residual, pooling, input_pool);
            let fast = net.for_inference().unwrap();
            // Odd frame counts exercise the dropped trailing frame of each pooling.
            for frames in [8, 13, 37] {
                let x = Tensor::randn(0f32, 1.0, (3, 2, 5, frames), &Device::Cpu).unwrap();
                let reference = net.forward_t(&x, false).unwrap();
                let ours = fast.forward(&x).unwrap();
                assert_eq!(ours.dims(), reference.dims());
                let diff = max_difference(&ours, &reference);
                assert!(
                    diff < 1e-4,
                    "residual {residual}, {pooling:?}, input pool {input_pool}, {frames} frames: {diff}"
                );
            }
        }
    }

    #[test]
    fn the_cpu_kernel_equals_the_tensor_operations() {
        let dev = Device::Cpu;
        for (kernel, relu, pool, frames) in [(5, true, 2, 13), (3, false, 3, 10), (1, false, 1, 4)]
        {
            let (in_ch, out_ch) = (6, 7);
            let x = Tensor::randn(0f32, 1.0, (2, frames, in_ch), &dev).unwrap();
            let weight = Tensor::randn(0f32, 1.0, (kernel * in_ch, out_ch), &dev).unwrap();
            let bias = Tensor::randn(0f32, 1.0, out_ch, &dev).unwrap();
            let op = FusedConvKernel { kernel, relu, pool };
            let ours = x.apply_op3_no_bwd(&weight, &bias, &op).unwrap();
            let reference = by_tensor_ops(&x, &weight, &bias, kernel, relu, pool).unwrap();
            assert_eq!(ours.dims(), reference.dims());
            let diff = max_difference(&ours, &reference);
            assert!(
                diff < 1e-5,
                "kernel {kernel}, relu {relu}, pool {pool}: {diff}"
            );
        }
    }

    #[test]
    fn frames_last_is_a_transpose_of_the_pooled_input() {
        let x = Tensor::randn(0f32, 1.0, (3, 37, 45), &Device::Cpu).unwrap();
        for pool in [1, 2, 3] {
            let ours = x.apply_op1_no_bwd(&FramesLast { pool }).unwrap();
            let pooled = crate::network::mean_pool_time(&x, 2, pool).unwrap();
            let reference = pooled.transpose(1, 2).unwrap().contiguous().unwrap();
            assert_eq!(ours.dims(), reference.dims());
            let diff = max_difference(&ours, &reference);
            assert!(diff < 1e-6, "pool {pool}: {diff}");
        }
    }

    #[test]
    fn each_clip_of_a_batch_is_its_own() {
        let net = network(true, PoolingKind::Attentive, 1);
        let fast = net.for_inference().unwrap();
        let x = Tensor::randn(0f32, 1.0, (4, 2, 5, 20), &Device::Cpu).unwrap();
        let batched = fast.forward(&x).unwrap();
        for i in 0..4 {
            let single = fast.forward(&x.narrow(0, i, 1).unwrap()).unwrap();
            let row = batched.narrow(0, i, 1).unwrap();
            assert!(max_difference(&single, &row) < 1e-5, "clip {i}");
        }
    }
}
