//! What a training run reports as it goes: to the registered [`TrainObserver`], and a JSON
//! line per epoch in the log file.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use crate::{EpochRecord, TrainError, TrainObserver, TrainOptions};

/// Reports a run to `options.observer` (if any) and logs its epochs to `options.log_path`
/// (if any).
pub(crate) struct RunReport {
    observer: Option<Arc<dyn TrainObserver>>,
    log: Option<(PathBuf, File)>,
}

impl RunReport {
    /// Opens the log and tells the observer a run of `total_steps` steps starts.
    pub fn new(total_steps: usize, options: &TrainOptions) -> Result<Self, TrainError> {
        let log = match &options.log_path {
            None => None,
            Some(path) => {
                let file = File::create(path).map_err(|source| TrainError::Write {
                    path: path.clone(),
                    source,
                })?;
                Some((path.clone(), file))
            }
        };
        let observer = options.observer.clone();
        if let Some(observer) = &observer {
            observer.run_started(total_steps);
        }
        Ok(Self { observer, log })
    }

    /// One optimisation step is done.
    pub fn step(&self, epoch: usize, epochs: usize, loss: f64) {
        if let Some(observer) = &self.observer {
            observer.step_done(epoch, epochs, loss);
        }
    }

    /// An epoch is done: tell the observer and log it.
    pub fn epoch(&mut self, record: &EpochRecord) -> Result<(), TrainError> {
        if let Some(observer) = &self.observer {
            observer.epoch_done(record);
        }
        let Some((path, file)) = &mut self.log else {
            return Ok(());
        };
        let line = serde_json::to_string(record).map_err(|e| TrainError::Write {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
        writeln!(file, "{line}").map_err(|source| TrainError::Write {
            path: path.clone(),
            source,
        })
    }

    /// The run is over.
    pub fn finish(&self) {
        if let Some(observer) = &self.observer {
            observer.run_finished();
        }
    }
}
