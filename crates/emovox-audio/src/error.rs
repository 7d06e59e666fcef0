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
    /// The WAV encoding is valid but not supported (e.g. ADPCM, MP3 in WAV, 12-bit PCM); the
    /// message names the coding.
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
    /// The audio holds no samples (for compressed formats: an audio track of zero frames).
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
    /// The content is of no format emovox reads, or of one whose Cargo feature is off. The
    /// format is told from the bytes, never from the file name, so a lying extension lands here
    /// (or decodes as what it really is).
    #[error("unsupported audio format: {0}")]
    UnsupportedFormat(String),
    /// The container is supported, its codec is not (AC-3 in MP4, HE-AAC, surround Opus ...).
    #[error("unsupported codec: {0}")]
    UnsupportedCodec(String),
    /// The container holds no audio track (a video-only MP4, say).
    #[error("the file holds no audio track")]
    NoAudioTrack,
    /// A compressed stream is malformed: a bad frame or packet, a failed checksum, a container
    /// cut short or damaged. `format` is the container or codec that refused it.
    #[error("corrupt {format} stream: {reason}")]
    CorruptStream {
        /// The container or codec ("FLAC", "MP3", "OGG", "MP4", "Opus" ...).
        format: &'static str,
        /// What was wrong, as the decoder put it.
        reason: String,
    },
    /// A safety limit of the demuxer was reached (a metadata block or packet larger than it
    /// will hold in memory).
    #[error("limit exceeded: {0}")]
    LimitExceeded(String),
    /// One channel was asked for ([`crate::Channels::Only`]) that the file does not have.
    #[error(
        "channel {channel} was asked for, but the file has {channels} channel(s), numbered 0 to {}",
        channels.saturating_sub(1)
    )]
    NoSuchChannel {
        /// The channel asked for.
        channel: usize,
        /// The channels the file has.
        channels: usize,
    },
    /// The channels were averaged ([`crate::Channels::Average`]) and cancel out: their mean is
    /// over 60 dB quieter than the channels themselves, which are not silent (a stereo file
    /// whose channels are in opposite phase, one of them inverted). Read one channel instead
    /// ([`crate::Channels::Only`]).
    #[error("the {channels} channels cancel out when averaged (their mean is {mix_db:.1} dB below the channels: opposite phase); read one channel instead (Channels::Only(n), n < {channels})")]
    ChannelsCancel {
        /// The channels of the file.
        channels: usize,
        /// The level of the mean relative to the channels' mean level, in dB (negative;
        /// `-inf` when the mean is digital silence).
        mix_db: f64,
    },
    /// The resampler could not be built or failed.
    #[error("resampling failed: {0}")]
    Resample(String),
}
