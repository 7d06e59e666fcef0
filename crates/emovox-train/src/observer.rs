//! [`TrainObserver`]: how a training run tells its progress. The library prints nothing; a
//! program registers an observer in [`crate::TrainOptions::observer`], e.g. the terminal
//! [`ProgressBar`].

use std::io::IsTerminal;

use indicatif::{ProgressDrawTarget, ProgressStyle};

use crate::EpochRecord;

/// Receives the progress of a training run (of the first view and first ensemble member when
/// several train at once). Every method does nothing by default.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use emovox_train::{EpochRecord, TrainObserver};
///
/// /// Counts epochs.
/// #[derive(Default)]
/// struct Epochs(AtomicUsize);
///
/// impl TrainObserver for Epochs {
///     fn epoch_done(&self, _: &EpochRecord) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
/// ```
pub trait TrainObserver: Send + Sync {
    /// A run of `total_steps` optimisation steps starts.
    fn run_started(&self, total_steps: usize) {
        let _ = total_steps;
    }

    /// One optimisation step of epoch `epoch` (1-based, of `epochs`) is done, with its loss.
    fn step_done(&self, epoch: usize, epochs: usize, loss: f64) {
        let _ = (epoch, epochs, loss);
    }

    /// An epoch is done (validated when there is validation data).
    fn epoch_done(&self, record: &EpochRecord) {
        let _ = record;
    }

    /// The run is over.
    fn run_finished(&self) {}
}

/// A progress bar on stderr with a summary line per epoch; hidden when stderr is not a
/// terminal.
#[derive(Debug)]
pub struct ProgressBar {
    bar: indicatif::ProgressBar,
}

impl Default for ProgressBar {
    fn default() -> Self {
        Self::new()
    }
}

impl ProgressBar {
    /// A bar drawn on stderr when it is a terminal.
    pub fn new() -> Self {
        let bar = if std::io::stderr().is_terminal() {
            let style =
                ProgressStyle::with_template("{bar:30} {pos}/{len} steps  {msg}  ETA {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
            indicatif::ProgressBar::new(0).with_style(style)
        } else {
            indicatif::ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden())
        };
        Self { bar }
    }
}

impl TrainObserver for ProgressBar {
    fn run_started(&self, total_steps: usize) {
        self.bar.set_length(total_steps as u64);
        self.bar.set_position(0);
    }

    fn step_done(&self, epoch: usize, epochs: usize, loss: f64) {
        self.bar
            .set_message(format!("epoch {epoch}/{epochs} loss {loss:.3}"));
        self.bar.inc(1);
    }

    fn epoch_done(&self, record: &EpochRecord) {
        self.bar.println(summary(record));
    }

    fn run_finished(&self) {
        self.bar.finish_and_clear();
    }
}

/// One line per epoch: losses, validation scores, learning rate, seconds.
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
