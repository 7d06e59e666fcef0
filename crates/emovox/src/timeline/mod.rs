//! Emotion timelines of long recordings: sliding windows, energy-based voice activity
//! detection, label smoothing and streaming.
//!
//! - [`predict_segments`] computes a [`Timeline`] of a recording in memory;
//! - [`SegmentStream`] does the same incrementally, chunk by chunk, in bounded memory, for
//!   audio at any sample rate (resampled as it arrives), and [`stream_file`] runs it over an
//!   audio file of any supported format on disk ([`stream_file`]);
//! - [`Vad`] is the voice activity detector, [`smooth`] the smoothing, [`clip_to_speech`] and
//!   [`absorb_slivers`] fit the smoothed segments to the speech;
//! - any model implementing [`WindowClassifier`] can be used.
//!
//! Configuration is the serde type [`SegmentConfig`].

mod classifier;
mod config;
mod error;
mod plan;
mod segments;
mod smoothing;
mod stream;
mod vad;

pub use classifier::WindowClassifier;
pub use config::{SegmentConfig, SmoothingConfig, VadConfig, MAX_BATCH_SIZE, MAX_WINDOW_SECONDS};
pub use error::TimelineError;
pub use segments::{predict_segments, Segment, Timeline};
pub use smoothing::{absorb_slivers, clip_to_speech, smooth};
pub use stream::{stream_audio, stream_file, SegmentStream};
pub use vad::{SpeechRegion, Vad, VadDecisions};
