//! The emovox CNN: convolution blocks over time, temporal pooling and a classifier head.

use candle_core::{Module, ModuleT, Result, Tensor};
use candle_nn::{BatchNorm, Linear, VarBuilder};
use rand::{Rng, RngCore};

use crate::conv::TimeConv;
use crate::pooling::TemporalPooling;
use crate::ModelConfig;

/// A convolution followed by batch normalisation.
#[derive(Clone, Debug)]
struct ConvBn {
    conv: TimeConv,
    bn: BatchNorm,
}

impl ConvBn {
    fn new(in_ch: usize, out_ch: usize, kernel: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            conv: TimeConv::new(in_ch, out_ch, kernel, vb.pp("conv"))?,
            bn: candle_nn::batch_norm(out_ch, 1e-5, vb.pp("bn"))?,
        })
    }
}

impl ModuleT for ConvBn {
    fn forward_t(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        let h = self.conv.forward(x)?;
        if train && h.device().is_cpu() {
            crate::batch_norm::batch_norm_train(&self.bn, &h)
        } else {
            self.bn.forward_t(&h, train)
        }
    }
}

/// One block: conv-BN-ReLU, or a residual pair of them with a projected shortcut.
#[derive(Clone, Debug)]
struct ConvBlock {
    first: ConvBn,
    second: Option<ConvBn>,
    shortcut: Option<ConvBn>,
}

impl ConvBlock {
    fn new(in_ch: usize, out_ch: usize, cfg: &ModelConfig, vb: VarBuilder) -> Result<Self> {
        let k = cfg.kernel_size;
        let first = ConvBn::new(in_ch, out_ch, k, vb.pp("first"))?;
        if !cfg.residual {
            return Ok(Self {
                first,
                second: None,
                shortcut: None,
            });
        }
        let second = Some(ConvBn::new(out_ch, out_ch, k, vb.pp("second"))?);
        let shortcut = if in_ch == out_ch {
            None
        } else {
            Some(ConvBn::new(in_ch, out_ch, 1, vb.pp("shortcut"))?)
        };
        Ok(Self {
            first,
            second,
            shortcut,
        })
    }
}

impl ModuleT for ConvBlock {
    fn forward_t(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        let h = self.first.forward_t(x, train)?.relu()?;
        let Some(second) = &self.second else {
            return Ok(h);
        };
        let h = second.forward_t(&h, train)?;
        let skip = match &self.shortcut {
            Some(proj) => proj.forward_t(x, train)?,
            None => x.clone(),
        };
        (h + skip)?.relu()
    }
}

/// The layers of one block, for [`crate::InferenceNetwork`] to absorb its batch norms.
pub(crate) struct ConvBlockParts<'a> {
    pub(crate) first: (&'a TimeConv, &'a BatchNorm),
    pub(crate) second: Option<(&'a TimeConv, &'a BatchNorm)>,
    pub(crate) shortcut: Option<(&'a TimeConv, &'a BatchNorm)>,
}

impl ConvBlock {
    fn parts(&self) -> ConvBlockParts<'_> {
        ConvBlockParts {
            first: (&self.first.conv, &self.first.bn),
            second: self.second.as_ref().map(|l| (&l.conv, &l.bn)),
            shortcut: self.shortcut.as_ref().map(|l| (&l.conv, &l.bn)),
        }
    }
}

/// Max-pooling by `factor` along `axis` (the time axis: 2 for the network's channels-first
/// activations, 1 for the inference network's frames-last ones) of a 3-D tensor, dropping
/// trailing frames that do not fill a window.
pub(crate) fn max_pool_time(x: &Tensor, axis: usize, factor: usize) -> Result<Tensor> {
    match pooling_windows(x, axis, factor)? {
        Some(windows) => windows.max(axis + 1),
        None => Ok(x.clone()),
    }
}

/// Average-pooling over time, as [`max_pool_time`].
pub(crate) fn mean_pool_time(x: &Tensor, axis: usize, factor: usize) -> Result<Tensor> {
    match pooling_windows(x, axis, factor)? {
        Some(windows) => windows.mean(axis + 1),
        None => Ok(x.clone()),
    }
}

/// `x` with `axis` split into (windows, factor), trailing frames dropped; `None` for factor 1.
fn pooling_windows(x: &Tensor, axis: usize, factor: usize) -> Result<Option<Tensor>> {
    if factor == 1 {
        return Ok(None);
    }
    let mut dims = x.dims3().map(|(a, b, c)| vec![a, b, c])?;
    let kept = dims[axis] / factor;
    dims[axis] = kept;
    dims.insert(axis + 1, factor);
    Ok(Some(x.narrow(axis, 0, kept * factor)?.reshape(dims)?))
}

/// Inverted dropout whose masks come from a caller-supplied random generator, so training is
/// reproducible (candle's own dropout draws from an unseedable generator).
fn dropout<R: RngCore + ?Sized>(x: &Tensor, p: f32, rng: Option<&mut R>) -> Result<Tensor> {
    let Some(rng) = rng else {
        return Ok(x.clone());
    };
    if p <= 0.0 {
        return Ok(x.clone());
    }
    let scale = 1.0 / (1.0 - p);
    let mask: Vec<f32> = (0..x.elem_count())
        .map(|_| if rng.gen::<f32>() < p { 0.0 } else { scale })
        .collect();
    x.mul(&Tensor::from_vec(mask, x.shape(), x.device())?)
}

/// Dense classifier on the pooled vector.
#[derive(Clone, Debug)]
pub(crate) struct Head {
    dropout: f32,
    hidden: Option<Linear>,
    output: Linear,
}

impl Head {
    fn new(in_width: usize, cfg: &ModelConfig, vb: VarBuilder) -> Result<Self> {
        let (hidden, out_in) = if cfg.head_hidden > 0 {
            let layer = candle_nn::linear(in_width, cfg.head_hidden, vb.pp("hidden"))?;
            (Some(layer), cfg.head_hidden)
        } else {
            (None, in_width)
        };
        Ok(Self {
            dropout: cfg.dropout,
            hidden,
            output: candle_nn::linear(out_in, cfg.n_classes, vb.pp("output"))?,
        })
    }

    /// Inference only: the activations the output layer reads (the hidden layer after its
    /// ReLU, or the pooled vector when there is none), and the logits computed from them.
    pub(crate) fn activations_and_logits(&self, pooled: &Tensor) -> Result<(Tensor, Tensor)> {
        let activations = match &self.hidden {
            Some(hidden) => hidden.forward(pooled)?.relu()?,
            None => pooled.clone(),
        };
        let logits = self.output.forward(&activations)?;
        Ok((activations, logits))
    }

    pub(crate) fn forward(&self, x: &Tensor, mut rng: Option<&mut dyn RngCore>) -> Result<Tensor> {
        let mut h = dropout(x, self.dropout, rng.as_deref_mut())?;
        if let Some(hidden) = &self.hidden {
            h = dropout(&hidden.forward(&h)?.relu()?, self.dropout, rng)?;
        }
        self.output.forward(&h)
    }
}

/// The emovox CNN as a candle module (see [`ModelConfig`] for the architecture).
///
/// It is a [`ModuleT`]: `forward_t(x, train)` maps `x`, (batch, channels, bins, frames)
/// normalised features, to logits (batch, classes). In inference mode (`train = false`) batch
/// normalisation uses its running statistics and there is no dropout. In training mode batch
/// normalisation uses batch statistics and updates its running statistics, and dropout is
/// active: [`Network::forward_train`] draws the dropout masks from the given generator
/// (reproducible training), `forward_t(x, true)` from one seeded by the system.
///
/// Its layers read their weights from a [`VarBuilder`] and live on its device.
#[derive(Clone, Debug)]
pub struct Network {
    config: ModelConfig,
    blocks: Vec<ConvBlock>,
    pooling: TemporalPooling,
    head: Head,
}

impl Network {
    /// Builds the network, reading (or, with a `VarMap` builder, initialising) its weights.
    ///
    /// The configuration must be valid ([`ModelConfig::validate`]).
    pub fn new(config: &ModelConfig, vb: VarBuilder) -> Result<Self> {
        let mut blocks = Vec::with_capacity(config.block_channels.len());
        let mut in_ch = config.input_width();
        for (i, &out_ch) in config.block_channels.iter().enumerate() {
            blocks.push(ConvBlock::new(
                in_ch,
                out_ch,
                config,
                vb.pp(format!("blocks.{i}")),
            )?);
            in_ch = out_ch;
        }
        let pooling = TemporalPooling::new(
            config.pooling,
            in_ch,
            config.attention_hidden,
            vb.pp("pooling"),
        )?;
        let pooled = TemporalPooling::output_width(config.pooling, in_ch);
        let head = Head::new(pooled, config, vb.pp("head"))?;
        Ok(Self {
            config: config.clone(),
            blocks,
            pooling,
            head,
        })
    }

    /// The architecture.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// The network compiled for inference (batch norm absorbed, frames-last activations):
    /// the same function as `forward_t(x, false)`, about twice as fast on the CPU. It is a
    /// snapshot of the current weights.
    pub fn for_inference(&self) -> Result<crate::InferenceNetwork> {
        crate::InferenceNetwork::new(self)
    }

    pub(crate) fn block_parts(&self) -> impl Iterator<Item = ConvBlockParts<'_>> {
        self.blocks.iter().map(ConvBlock::parts)
    }

    pub(crate) fn pooling(&self) -> &TemporalPooling {
        &self.pooling
    }

    pub(crate) fn head(&self) -> &Head {
        &self.head
    }

    /// Training-mode forward pass with dropout masks drawn from `rng`.
    pub fn forward_train(&self, x: &Tensor, rng: &mut dyn RngCore) -> Result<Tensor> {
        self.forward_rng(x, Some(rng))
    }

    fn forward_rng(&self, x: &Tensor, rng: Option<&mut dyn RngCore>) -> Result<Tensor> {
        let train = rng.is_some();
        let (batch, channels, bins, frames) = x.dims4()?;
        let x = x.reshape((batch, channels * bins, frames))?;
        let mut h = mean_pool_time(&x, 2, self.config.input_pool)?;
        let last = self.blocks.len() - 1;
        for (i, block) in self.blocks.iter().enumerate() {
            h = block.forward_t(&h, train)?;
            if i < last {
                h = max_pool_time(&h, 2, self.config.time_pool)?;
            }
        }
        self.head.forward(&self.pooling.forward(&h)?, rng)
    }
}

impl ModuleT for Network {
    /// `x`: (batch, channels, bins, frames) normalised features -> logits (batch, classes).
    fn forward_t(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        if train {
            self.forward_rng(x, Some(&mut rand::thread_rng()))
        } else {
            self.forward_rng(x, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use candle_core::Device;

    use super::*;

    #[test]
    fn time_pooling_takes_each_window_and_drops_the_rest() {
        // (1, 2, 5): two channels of five frames; windows of two frames, the fifth dropped.
        let x = Tensor::new(
            &[[[1f32, 2., 3., 4., 5.], [0., -2., 6., 2., 9.]]],
            &Device::Cpu,
        )
        .unwrap();
        let mean = mean_pool_time(&x, 2, 2).unwrap().to_vec3::<f32>().unwrap();
        assert_eq!(mean, [[[1.5, 3.5], [-1.0, 4.0]]]);
        let max = max_pool_time(&x, 2, 2).unwrap().to_vec3::<f32>().unwrap();
        assert_eq!(max, [[[2.0, 4.0], [0.0, 6.0]]]);
        // Frames-last, pooled along axis 1.
        let frames_last = x.transpose(1, 2).unwrap().contiguous().unwrap();
        let mean = mean_pool_time(&frames_last, 1, 2).unwrap();
        assert_eq!(mean.to_vec3::<f32>().unwrap(), [[[1.5, -1.0], [3.5, 4.0]]]);
        assert_eq!(
            mean_pool_time(&x, 2, 1).unwrap().to_vec3::<f32>().unwrap(),
            x.to_vec3::<f32>().unwrap()
        );
    }
}
