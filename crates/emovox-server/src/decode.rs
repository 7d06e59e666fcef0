//! Decoding request bodies: any format emovox reads, told from the content, within a
//! duration limit checked while decoding (so a small compressed file cannot expand into
//! hours of samples in memory).

use std::io::Cursor;
use std::sync::{Mutex, PoisonError};

use bytes::Bytes;
use emovox::audio::{Audio, AudioStream, Channels};
use serde::Deserialize;

use crate::ApiError;

/// Mono samples decoded per step.
pub const CHUNK_SAMPLES: usize = 16_384;

/// `?channel=N`: one channel of a multichannel upload (counted from 0; a stereo call recording's
/// one party), instead of the channels' mean. Another parameter (a misspelt `chanel=1`) is
/// refused rather than ignored, which would answer for the channels' mean.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelQuery {
    /// The channel; all of them averaged when absent.
    pub channel: Option<usize>,
}

impl ChannelQuery {
    /// The channels to decode.
    pub fn channels(&self) -> Channels {
        self.channel.map_or(Channels::Average, Channels::Only)
    }
}

/// Opens `bytes` as an audio stream of `channels` (the format from its content).
pub fn open(bytes: Bytes, channels: Channels) -> Result<AudioStream, ApiError> {
    Ok(AudioStream::from_reader_with(
        Cursor::new(bytes),
        CHUNK_SAMPLES,
        channels,
    )?)
}

/// Decodes a whole clip of `channels`, refusing one longer than `max_seconds` as soon as
/// decoding passes it.
pub fn decode_clip(bytes: Bytes, channels: Channels, max_seconds: f64) -> Result<Audio, ApiError> {
    let mut stream = open(bytes, channels)?;
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

/// Seconds of audio a multipart batch may still decode, shared by its parts (which decode in
/// parallel): each takes what it decoded, and a part that finds too little left is refused.
#[derive(Debug)]
pub struct AudioBudget {
    limit: f64,
    remaining: Mutex<f64>,
}

impl AudioBudget {
    /// A budget of `limit` seconds.
    pub fn new(limit: f64) -> Self {
        Self {
            limit,
            remaining: Mutex::new(limit),
        }
    }

    /// Seconds left.
    pub fn remaining(&self) -> f64 {
        *self
            .remaining
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes `seconds`, or refuses with [`ApiError::BatchTooLong`] when fewer are left.
    pub fn take(&self, seconds: f64) -> Result<(), ApiError> {
        let mut remaining = self
            .remaining
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if seconds > *remaining {
            return Err(ApiError::BatchTooLong { limit: self.limit });
        }
        *remaining -= seconds;
        Ok(())
    }

    /// Decodes a part's `channels` within both its own limit (`max_seconds`) and what is left
    /// of the budget, and takes its duration.
    pub fn decode(
        &self,
        bytes: Bytes,
        channels: Channels,
        max_seconds: f64,
    ) -> Result<Audio, ApiError> {
        let left = self.remaining();
        let decoded = decode_clip(bytes, channels, max_seconds.min(left));
        let audio = decoded.map_err(|err| match err {
            ApiError::AudioTooLong { .. } if left < max_seconds => {
                ApiError::BatchTooLong { limit: self.limit }
            }
            other => other,
        })?;
        self.take(audio.duration_seconds())?;
        Ok(audio)
    }
}
