//! Temporal pooling: frame-level activations (batch, channels, frames) to one vector per clip.

use candle_core::{Result, Tensor, D};
use candle_nn::{Module, VarBuilder};

use crate::PoolingKind;

const VAR_FLOOR: f64 = 1e-5;

/// Summarises activations over time, as chosen by [`PoolingKind`].
#[derive(Clone, Debug)]
pub struct TemporalPooling {
    kind: PoolingKind,
    attention: Option<(candle_nn::Linear, candle_nn::Linear)>,
}

impl TemporalPooling {
    /// Builds the pooling for `channels` input channels.
    pub fn new(kind: PoolingKind, channels: usize, hidden: usize, vb: VarBuilder) -> Result<Self> {
        let attention = match kind {
            PoolingKind::Attentive => Some((
                candle_nn::linear(channels, hidden, vb.pp("attention.hidden"))?,
                candle_nn::linear(hidden, 1, vb.pp("attention.score"))?,
            )),
            _ => None,
        };
        Ok(Self { kind, attention })
    }

    /// Width of the pooled vector.
    pub fn output_width(kind: PoolingKind, channels: usize) -> usize {
        match kind {
            PoolingKind::Mean => channels,
            PoolingKind::MeanStd | PoolingKind::Attentive => 2 * channels,
        }
    }

    /// `x`: (batch, channels, frames) -> (batch, output_width).
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match (self.kind, &self.attention) {
            (PoolingKind::Mean, _) => x.mean(D::Minus1),
            (PoolingKind::MeanStd, _) => {
                let mean = x.mean_keepdim(D::Minus1)?;
                let var = x.broadcast_sub(&mean)?.sqr()?.mean(D::Minus1)?;
                let std = (var + VAR_FLOOR)?.sqrt()?;
                Tensor::cat(&[mean.squeeze(D::Minus1)?, std], 1)
            }
            (PoolingKind::Attentive, Some((hidden, score))) => {
                // (batch, frames, channels), contiguous: candle's CPU batched matmul (in
                // `Linear`) mixes up the clips of a batch given the transposed view.
                let frames_first = x.transpose(1, 2)?.contiguous()?;
                let logits = score.forward(&hidden.forward(&frames_first)?.tanh()?)?;
                let weights = candle_nn::ops::softmax(&logits.transpose(1, 2)?, D::Minus1)?;
                let mean = x.broadcast_mul(&weights)?.sum_keepdim(D::Minus1)?;
                let var = x
                    .broadcast_sub(&mean)?
                    .sqr()?
                    .broadcast_mul(&weights)?
                    .sum(D::Minus1)?;
                let std = (var + VAR_FLOOR)?.sqrt()?;
                Tensor::cat(&[mean.squeeze(D::Minus1)?, std], 1)
            }
            (PoolingKind::Attentive, None) => {
                candle_core::bail!("attentive pooling built without attention weights")
            }
        }
    }
}
