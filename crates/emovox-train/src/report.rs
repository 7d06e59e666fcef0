//! Progress bar and per-epoch JSON-lines log of a training run.

use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::{EpochRecord, TrainError, TrainOptions};

/// Reports a run as it goes: a progress bar on a terminal (unless quiet) and a JSON line
/// per epoch in the log file, if one was asked for.
pub(crate) struct RunReport {
    bar: ProgressBar,
    log: Option<(PathBuf, File)>,
}

impl RunReport {
    /// Opens the log and sets up the bar for `total_steps` optimisation steps.
    pub fn new(total_steps: usize, options: &TrainOptions) -> Result<Self, TrainError> {
        let bar = if options.quiet || !std::io::stderr().is_terminal() {
            ProgressBar::with_draw_target(Some(total_steps as u64), ProgressDrawTarget::hidden())
        } else {
            let style =
                ProgressStyle::with_template("{bar:30} {pos}/{len} steps  {msg}  ETA {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
            ProgressBar::new(total_steps as u64).with_style(style)
        };
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
        Ok(Self { bar, log })
    }

    /// One optimisation step is done.
    pub fn step(&self, epoch: usize, epochs: usize, loss: f64) {
        self.bar
            .set_message(format!("epoch {epoch}/{epochs} loss {loss:.3}"));
        self.bar.inc(1);
    }

    /// An epoch is done: print its summary above the bar and log it.
    pub fn epoch(&mut self, record: &EpochRecord) -> Result<(), TrainError> {
        self.bar.println(summary(record));
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

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn summary(r: &EpochRecord) -> String {
    let fmt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
    format!(
        "epoch {:>3}  loss {:.3}  val_loss {}  val_acc {}  val_uar {}  lr {:.2e}  {:.1}s",
        r.epoch,
        r.train_loss,
        fmt(r.val_loss),
        fmt(r.val_accuracy),
        fmt(r.val_uar),
        r.learning_rate,
        r.seconds
    )
}
