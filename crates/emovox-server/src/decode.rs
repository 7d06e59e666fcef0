//! Decoding request bodies: any format emovox reads, told from the content, within a
//! duration limit checked while decoding (so a small compressed file cannot expand into
//! hours of samples in memory).

use std::io::Cursor;

use bytes::Bytes;
use emovox::audio::{Audio, AudioStream};

use crate::ApiError;

/// Mono samples decoded per step.
pub const CHUNK_SAMPLES: usize = 16_384;

/// Opens `bytes` as an audio stream (the format from its content).
pub fn open(bytes: Bytes) -> Result<AudioStream, ApiError> {
    Ok(AudioStream::from_reader(Cursor::new(bytes), CHUNK_SAMPLES)?)
}

/// Decodes a whole clip, refusing one longer than `max_seconds` as soon as decoding passes it.
pub fn decode_clip(bytes: Bytes, max_seconds: f64) -> Result<Audio, ApiError> {
    let mut stream = open(bytes)?;
    let rate = stream.sample_rate();
    let mut samples = Vec::new();
    let mut chunk = Vec::with_capacity(CHUNK_SAMPLES);
    while stream.read_chunk(&mut chunk)? {
        samples.extend_from_slice(&chunk);
        check_duration(samples.len(), rate, max_seconds)?;
    }
    Ok(Audio {
        samples,
        sample_rate: rate,
    })
}

/// Errors with [`ApiError::AudioTooLong`] once `samples` at `rate` Hz exceed `max_seconds`.
pub fn check_duration(samples: usize, rate: u32, max_seconds: f64) -> Result<(), ApiError> {
    if samples as f64 > max_seconds * f64::from(rate) {
        Err(ApiError::AudioTooLong { limit: max_seconds })
    } else {
        Ok(())
    }
}
