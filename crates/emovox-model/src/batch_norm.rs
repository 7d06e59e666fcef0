//! Batch normalisation in training mode as one CPU kernel with its own backward pass.
//!
//! candle-nn's `BatchNorm::forward_train` is eight operations over the whole activation
//! (a transposed copy, mean, subtraction, square, mean, division, scale, shift), and candle's
//! backward pass allocates, zeroes and adds a gradient for each. Here the forward pass is one
//! read for the statistics and one write, and the backward pass two reads and one write. The
//! statistics and the running averages follow candle-nn exactly: normalisation by the biased
//! variance, running variance updated with the unbiased one.

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Storage, Tensor, Var};
use candle_nn::BatchNorm;

use crate::cpu_kernel::contiguous_f32;

const KERNEL: &str = "the batch-norm kernel";

/// `bn` in training mode on `x` (batch, channels, frames) on the CPU: normalises each channel
/// by its mean and variance over the batch and frames, scales and shifts it by the layer's
/// weight and bias, and updates the layer's running mean and variance.
pub(crate) fn batch_norm_train(bn: &BatchNorm, x: &Tensor) -> Result<Tensor> {
    let Some((weight, bias)) = bn.weight_and_bias() else {
        candle_core::bail!("the emovox network's batch norms have a weight and a bias")
    };
    let x = x.contiguous()?;
    let (batch, channels, frames) = x.dims3()?;
    let count = batch * frames;
    if count < 2 {
        candle_core::bail!("batch normalisation needs two values per channel, got {count}")
    }
    let (mean, variance) = channel_statistics(&x)?;
    let kernel = BatchNormKernel {
        invstd: variance
            .iter()
            .map(|v| 1.0 / (v + bn.eps() as f32).sqrt())
            .collect(),
        mean: mean.clone(),
    };
    let y = x.apply_op3(weight, bias, kernel)?;
    let momentum = bn.momentum();
    let unbiased = count as f64 / (count as f64 - 1.0);
    let batch_mean = Tensor::from_vec(mean, channels, x.device())?;
    let batch_var = Tensor::from_vec(variance, channels, x.device())?;
    let running_mean = (bn.running_mean() * (1.0 - momentum))? + (batch_mean * momentum)?;
    let running_var = (bn.running_var() * (1.0 - momentum))? + (batch_var * (momentum * unbiased))?;
    // The layer's running statistics are variables: these write into their storage.
    Var::from_tensor(bn.running_mean())?.set(&running_mean?)?;
    Var::from_tensor(bn.running_var())?.set(&running_var?)?;
    Ok(y)
}

/// Per-channel mean and biased variance of a contiguous (batch, channels, frames) tensor,
/// accumulated in f64.
fn channel_statistics(x: &Tensor) -> Result<(Vec<f32>, Vec<f32>)> {
    let (_, channels, frames) = x.dims3()?;
    let (storage, layout) = x.storage_and_layout();
    let Storage::Cpu(storage) = &*storage else {
        candle_core::bail!("the batch-norm kernel runs on the CPU")
    };
    let data = contiguous_f32(KERNEL, storage, layout)?;
    let count = (data.len() / channels) as f64;
    let mut sums = vec![(0f64, 0f64); channels];
    for (i, row) in data.chunks_exact(frames).enumerate() {
        let (sum, squares) = &mut sums[i % channels];
        for &v in row {
            *sum += f64::from(v);
            *squares += f64::from(v) * f64::from(v);
        }
    }
    Ok(sums
        .into_iter()
        .map(|(sum, squares)| {
            let mean = sum / count;
            (
                (mean as f32),
                ((squares / count - mean * mean).max(0.0)) as f32,
            )
        })
        .unzip())
}

/// `y = (x - mean) * invstd * weight + bias` per channel, with the batch's statistics fixed.
struct BatchNormKernel {
    mean: Vec<f32>,
    invstd: Vec<f32>,
}

impl CustomOp3 for BatchNormKernel {
    fn name(&self) -> &'static str {
        "emovox-batch-norm"
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
        let (_, channels, frames) = x_layout.shape().dims3()?;
        let x = contiguous_f32(KERNEL, x, x_layout)?;
        let (weight, bias) = (
            contiguous_f32(KERNEL, weight, weight_layout)?,
            contiguous_f32(KERNEL, bias, bias_layout)?,
        );
        let mut y = vec![0f32; x.len()];
        for (i, (row_in, row_out)) in x
            .chunks_exact(frames)
            .zip(y.chunks_exact_mut(frames))
            .enumerate()
        {
            let c = i % channels;
            let scale = self.invstd[c] * weight[c];
            let shift = bias[c] - self.mean[c] * scale;
            for (o, &v) in row_out.iter_mut().zip(row_in) {
                *o = v * scale + shift;
            }
        }
        Ok((CpuStorage::F32(y), x_layout.shape().clone()))
    }

    fn bwd(
        &self,
        x: &Tensor,
        weight: &Tensor,
        _bias: &Tensor,
        _y: &Tensor,
        grad_y: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (_, channels, frames) = x.dims3()?;
        let x_data = x.flatten_all()?.to_vec1::<f32>()?;
        let dy = grad_y.contiguous()?.flatten_all()?.to_vec1::<f32>()?;
        let weight = weight.to_vec1::<f32>()?;
        let count = (x_data.len() / channels) as f32;
        // d bias = sum dy, d weight = sum dy * x_hat, per channel.
        let mut sums = vec![(0f32, 0f32); channels];
        for (i, (row_x, row_dy)) in x_data
            .chunks_exact(frames)
            .zip(dy.chunks_exact(frames))
            .enumerate()
        {
            let c = i % channels;
            let (mean, invstd) = (self.mean[c], self.invstd[c]);
            let (d_bias, d_weight) = &mut sums[c];
            for (&v, &g) in row_x.iter().zip(row_dy) {
                *d_bias += g;
                *d_weight += g * (v - mean) * invstd;
            }
        }
        // dx = weight * invstd / n * (n * dy - d_bias - x_hat * d_weight).
        let mut dx = dy;
        for (i, (row_x, row_dx)) in x_data
            .chunks_exact(frames)
            .zip(dx.chunks_exact_mut(frames))
            .enumerate()
        {
            let c = i % channels;
            let (mean, invstd) = (self.mean[c], self.invstd[c]);
            let (d_bias, d_weight) = sums[c];
            let scale = weight[c] * invstd / count;
            for (&v, g) in row_x.iter().zip(row_dx.iter_mut()) {
                let x_hat = (v - mean) * invstd;
                *g = scale * (count * *g - d_bias - x_hat * d_weight);
            }
        }
        let device = x.device();
        let (d_bias, d_weight): (Vec<f32>, Vec<f32>) = sums.into_iter().unzip();
        Ok((
            Some(Tensor::from_vec(dx, x.shape(), device)?),
            Some(Tensor::from_vec(d_weight, channels, device)?),
            Some(Tensor::from_vec(d_bias, channels, device)?),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu_kernel::max_difference;
    use candle_core::{DType, Device, ModuleT};
    use candle_nn::{VarBuilder, VarMap};

    /// A batch norm with random weight, bias and running statistics, and its variables.
    fn layer(channels: usize) -> (BatchNorm, VarMap) {
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
        let bn = candle_nn::batch_norm(channels, 1e-5, vb).unwrap();
        for (name, var) in varmap.data().lock().unwrap().iter() {
            let offset = if name.contains("var") { 1.0 } else { 0.0 };
            let values = Tensor::rand(0f32, 1.0, var.shape(), &Device::Cpu).unwrap() + offset;
            var.set(&values.unwrap()).unwrap();
        }
        (bn, varmap)
    }

    #[test]
    fn equals_candle_nn_in_values_gradients_and_running_statistics() {
        let dev = Device::Cpu;
        for (batch, channels, frames) in [(2, 3, 7), (4, 5, 1), (1, 2, 9)] {
            let (ours, ours_vars) = layer(channels);
            let trainable = |t: &Tensor| Var::from_tensor(&t.copy().unwrap()).unwrap();
            let (weight, bias) = ours.weight_and_bias().unwrap();
            let (weight, bias) = (trainable(weight), trainable(bias));
            let reference = BatchNorm::new(
                channels,
                ours.running_mean().copy().unwrap(),
                ours.running_var().copy().unwrap(),
                weight.as_tensor().clone(),
                bias.as_tensor().clone(),
                1e-5,
            )
            .unwrap();
            let x = candle_core::Var::randn(1f32, 2.0, (batch, channels, frames), &dev).unwrap();
            let probe = Tensor::randn(0f32, 1.0, (batch, channels, frames), &dev).unwrap();
            let y_ours = batch_norm_train(&ours, x.as_tensor()).unwrap();
            let y_ref = reference.forward_t(x.as_tensor(), true).unwrap();
            assert!(max_difference(&y_ours, &y_ref) < 1e-5);
            assert!(max_difference(ours.running_mean(), reference.running_mean()) < 1e-6);
            assert!(max_difference(ours.running_var(), reference.running_var()) < 1e-5);
            let loss = |y: &Tensor| (y * &probe).unwrap().sum_all().unwrap();
            let grads_ours = loss(&y_ours).backward().unwrap();
            let grads_ref = loss(&y_ref).backward().unwrap();
            let dx = |g: &candle_core::backprop::GradStore| g.get(x.as_tensor()).unwrap().clone();
            let diff = max_difference(&dx(&grads_ours), &dx(&grads_ref));
            assert!(diff < 1e-4, "{batch}x{channels}x{frames}: dx {diff}");
            let (w_ours, b_ours) = ours.weight_and_bias().unwrap();
            let (w_ref, b_ref) = reference.weight_and_bias().unwrap();
            for (a, b) in [(w_ours, w_ref), (b_ours, b_ref)] {
                let diff = max_difference(grads_ours.get(a).unwrap(), grads_ref.get(b).unwrap());
                assert!(diff < 1e-4, "{batch}x{channels}x{frames}: {diff}");
            }
            drop(ours_vars);
        }
    }
}
