use thiserror::Error;

/// Why a feature configuration or a feature computation was refused.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum FeatureError {
    /// A configuration value is out of its valid range.
    #[error("invalid feature configuration: {0}")]
    InvalidConfig(String),
    /// The input signal has no samples.
    #[error("the signal is empty")]
    EmptySignal,
    /// The input signal holds a NaN or infinite sample.
    #[error("the signal holds a non-finite sample at index {index}")]
    NonFiniteSample {
        /// Index of the first offending sample.
        index: usize,
    },
}
