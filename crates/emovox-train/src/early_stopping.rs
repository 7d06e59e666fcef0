//! Early stopping as a strategy a program registers ([`crate::TrainOptions::early_stopping`]),
//! in the style of burn-train's `EarlyStoppingStrategy`; cross-validation registers none (its
//! validation speakers are its test speakers).

use crate::EpochRecord;

/// Decides, after each epoch, whether training stops before the recipe's last epoch.
pub trait EarlyStopping: Send + Sync {
    /// Whether to stop now, given the records of the epochs run so far (at least one).
    fn should_stop(&self, history: &[EpochRecord]) -> bool;

    /// The patience recorded in the trained model's provenance (`recipe.patience`), if the
    /// strategy has one.
    fn patience(&self) -> Option<usize> {
        None
    }
}

/// Stops once `epochs` epochs have passed without a better validation UAR (ties broken by a
/// lower validation loss: the rule by which `keep_best` keeps weights). Never stops without
/// validation data.
///
/// ```
/// use std::sync::Arc;
/// use emovox_train::{NoImprovementSince, TrainOptions};
///
/// let options = TrainOptions {
///     early_stopping: Some(Arc::new(NoImprovementSince::new(5)?)),
///     ..TrainOptions::default()
/// };
/// # Ok::<(), emovox_train::TrainError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoImprovementSince {
    epochs: usize,
}

impl NoImprovementSince {
    /// Stops after `epochs` (at least 1) epochs without improvement.
    pub fn new(epochs: usize) -> Result<Self, crate::TrainError> {
        if epochs == 0 {
            return Err(crate::TrainError::InvalidConfig(
                "early stopping patience must be positive".into(),
            ));
        }
        Ok(Self { epochs })
    }
}

impl EarlyStopping for NoImprovementSince {
    fn should_stop(&self, history: &[EpochRecord]) -> bool {
        let Some(last) = history.last() else {
            return false;
        };
        let mut best: Option<(usize, f64, f64)> = None;
        for record in history {
            let (Some(uar), Some(loss)) = (record.val_uar, record.val_loss) else {
                return false;
            };
            if best.is_none_or(|(_, u, l)| uar > u || (uar == u && loss < l)) {
                best = Some((record.epoch, uar, loss));
            }
        }
        best.is_some_and(|(epoch, _, _)| last.epoch - epoch >= self.epochs)
    }

    fn patience(&self) -> Option<usize> {
        Some(self.epochs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(epoch: usize, uar: f64, loss: f64) -> EpochRecord {
        EpochRecord {
            epoch,
            train_loss: 1.0,
            val_loss: Some(loss),
            val_accuracy: Some(uar),
            val_uar: Some(uar),
            learning_rate: 1e-3,
            seconds: 1.0,
        }
    }

    #[test]
    fn stops_after_patience_epochs_without_a_better_uar() {
        let rule = NoImprovementSince::new(2).unwrap();
        let mut history = vec![record(1, 0.5, 1.0), record(2, 0.6, 1.0)];
        assert!(!rule.should_stop(&history));
        history.push(record(3, 0.6, 1.1)); // equal UAR, higher loss: no improvement
        assert!(!rule.should_stop(&history));
        history.push(record(4, 0.55, 0.9));
        assert!(rule.should_stop(&history));
        // An equal UAR with a lower loss is an improvement.
        let history = vec![
            record(1, 0.6, 1.0),
            record(2, 0.6, 0.9),
            record(3, 0.5, 1.0),
        ];
        assert!(!rule.should_stop(&history));
        assert!(NoImprovementSince::new(0).is_err());
    }
}
