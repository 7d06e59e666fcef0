//! The small network the model tests build: 16 bins, two input channels, three classes.

use emovox_features::{FeatureKind, FeatureSpec, MelConfig};
use emovox_model::{ModelConfig, PoolingKind};

/// Feature bins of the test networks.
pub const BINS: usize = 16;

/// A two-block network of `pooling`, with or without residual connections.
pub fn config(pooling: PoolingKind, residual: bool) -> ModelConfig {
    ModelConfig {
        in_channels: 2,
        n_bins: BINS,
        n_classes: 3,
        block_channels: vec![8, 12],
        kernel_size: 3,
        residual,
        time_pool: 2,
        input_pool: 1,
        pooling,
        attention_hidden: 4,
        head_hidden: 6,
        dropout: 0.5,
        members: 1,
    }
}

/// The features the test networks take: a log-mel of BINS bands with its first delta.
pub fn spec() -> FeatureSpec {
    FeatureSpec {
        kind: FeatureKind::LogMel(MelConfig::speech_with_mels(BINS)),
        delta_orders: 1,
        delta_width: 9,
        utterance_norm: false,
        pitch: None,
        preprocessing: Default::default(),
    }
}
