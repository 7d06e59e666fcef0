//! Why a timeline could not be computed.

use thiserror::Error;

/// A duration in seconds to three decimals, or to three significant digits under a millisecond
/// (one sample is not "0.000 s").
fn short_duration(seconds: f64) -> String {
    if seconds > 0.0 && seconds < 1e-3 {
        format!("{seconds:.2e}")
    } else {
        format!("{seconds:.3}")
    }
}

/// Why [`predict_segments`](super::predict_segments) or a [`SegmentStream`](super::SegmentStream)
/// failed.
#[derive(Debug, Error)]
pub enum TimelineError {
    /// The recording holds no samples at all.
    #[error("the recording holds no samples")]
    Empty,
    /// A sample is NaN or infinite.
    #[error("non-finite sample (NaN or infinity) at index {index}")]
    NonFiniteSample {
        /// Index of the first offending sample (counted from the start of the recording).
        index: usize,
    },
    /// The recording is shorter than the shortest window the configuration allows classifying.
    #[error(
        "the recording lasts {} s, shorter than the minimum window of {min_seconds:.3} s",
        short_duration(*seconds)
    )]
    TooShort {
        /// Duration of the recording.
        seconds: f64,
        /// [`SegmentConfig::min_window_seconds`](super::SegmentConfig::min_window_seconds).
        min_seconds: f64,
    },
    /// The configuration is inconsistent (non-positive durations, hop longer than window...).
    #[error("invalid segment configuration: {0}")]
    Config(String),
    /// The windows are shorter than the model can classify (one frame of its features).
    #[error(
        "window={window_seconds:?} s is shorter than the {min_seconds:.3} s the model needs to \
         classify a window (at least one frame of its features)"
    )]
    WindowTooShort {
        /// The window asked for.
        window_seconds: f64,
        /// The model's shortest clip ([`crate::Classifier::min_samples`]), in seconds.
        min_seconds: f64,
    },
    /// The classifier returned a probability vector of the wrong length or with non-finite values.
    #[error(
        "the classifier returned {got} probabilities for {expected} labels (or non-finite values)"
    )]
    BadProbabilities {
        /// Number of labels.
        expected: usize,
        /// Number of values returned.
        got: usize,
    },
    /// A window given to [`Timeline::from_windows`](super::Timeline::from_windows) or
    /// [`smooth`](super::smooth) does not fit: its probabilities are not one finite value per
    /// label, or its label index is not one of them.
    #[error("window {window} does not fit {labels} labels: {problem}")]
    InvalidWindow {
        /// Index of the window.
        window: usize,
        /// Number of labels (of the timeline, or of the first window's probabilities).
        labels: usize,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// Adapting a timeline's windows to the recording failed.
    #[error(transparent)]
    Adaptation(#[from] crate::adaptation::AdaptationError),
    /// [`SegmentStream::push`](super::SegmentStream::push) or
    /// [`finish`](super::SegmentStream::finish) was called after a `finish` (whatever that
    /// first `finish` gave: a stream is finished once).
    #[error("the stream is finished; start a new SegmentStream")]
    StreamFinished,
    /// Decoding or resampling the audio failed.
    #[error(transparent)]
    Audio(#[from] emovox_audio::AudioError),
    /// The classifier failed on a window.
    #[error("classifier failed: {0}")]
    Classifier(Box<dyn std::error::Error + Send + Sync>),
}
