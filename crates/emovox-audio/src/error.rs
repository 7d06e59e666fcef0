use std::path::PathBuf;

use thiserror::Error;

/// Why audio could not be read, validated or resampled.
#[derive(Debug, Error)]
pub enum AudioError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file or stream has no bytes at all.
    #[error("the file is empty (0 bytes)")]
    EmptyFile,
    /// The data is not a RIFF/WAVE file.
    #[error("not a WAV file: {0}")]
    NotWav(String),
    /// The WAV header is malformed or cut short.
    #[error("corrupt WAV header: {0}")]
    CorruptHeader(String),
    /// The WAV encoding is valid but not supported (e.g. 64-bit float, A-law, 12-bit PCM).
    #[error("unsupported WAV encoding: {0}")]
    UnsupportedEncoding(String),
    /// The data chunk declares more samples than the file holds.
    #[error("truncated audio data: the header declares {declared} samples, the file holds {read}")]
    Truncated {
        /// Samples the header declares (all channels).
        declared: usize,
        /// Samples actually present.
        read: usize,
    },
    /// The audio holds no samples.
    #[error("the audio holds no samples")]
    NoSamples,
    /// A sample is NaN or infinite.
    #[error("non-finite sample (NaN or infinity) at index {index}")]
    NonFiniteSample {
        /// Index of the first offending (mono) sample.
        index: usize,
    },
    /// The sample rate is zero or outside what any real recording uses.
    #[error("unsupported sample rate {0} Hz (expected {min}..={max} Hz)", min = crate::MIN_SAMPLE_RATE, max = crate::MAX_SAMPLE_RATE)]
    SampleRate(u32),
    /// The resampler could not be built or failed.
    #[error("resampling failed: {0}")]
    Resample(String),
}
