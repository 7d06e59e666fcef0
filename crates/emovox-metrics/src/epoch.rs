//! Per-epoch training history record.

use serde::{Deserialize, Serialize};

/// Losses and validation metrics after one training epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Epoch number (1-based by convention).
    pub epoch: usize,
    /// Mean training loss over the epoch.
    pub train_loss: f64,
    /// Validation loss, if computed.
    pub val_loss: Option<f64>,
    /// Validation accuracy.
    pub val_accuracy: f64,
    /// Validation UAR.
    pub val_uar: f64,
}
