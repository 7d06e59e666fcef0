//! WAV decoding: PCM integer 8/16/24/32-bit, 32- and 64-bit float and G.711 (A-law, mu-law),
//! RIFF or RF64, any channel count, down-mixed to mono and scaled exactly as `soundfile`
//! (hence `librosa.load`) does. The header and the samples are read by [`crate::riff`].

use std::io::{Read, Seek};
use std::path::Path;

use crate::riff::FrameReader;
use crate::{validate_samples, AudioError, Channels};

/// Mono audio: samples in [-1, 1) and their rate.
#[derive(Clone, Debug, PartialEq)]
pub struct Audio {
    /// Mono samples, integer PCM scaled by 1 / 2^(bits - 1).
    pub samples: Vec<f32>,
    /// Samples per second.
    pub sample_rate: u32,
}

impl Audio {
    /// Duration in seconds.
    pub fn duration_seconds(&self) -> f64 {
        self.samples.len() as f64 / self.sample_rate as f64
    }
}

/// Reads a WAV file into mono samples, as `librosa.load(path, sr=None)` returns them. A path
/// that is not a regular file (a pipe, `/dev/stdin`) is read into memory first (at most 1 GiB).
///
/// ```no_run
/// let audio = emovox_audio::read_wav("speech.wav")?;
/// println!("{} samples at {} Hz", audio.samples.len(), audio.sample_rate);
/// # Ok::<(), emovox_audio::AudioError>(())
/// ```
pub fn read_wav(path: impl AsRef<Path>) -> Result<Audio, AudioError> {
    let path = path.as_ref();
    let reader = crate::input::open(path)?;
    decode_wav(reader).map_err(|e| crate::input::with_path(e, path))
}

/// Decodes WAV data from any seekable reader (a file, a `Cursor` over bytes, ...).
///
/// ```
/// // A 16-bit mono file of two samples, built in memory.
/// let mut bytes = Vec::new();
/// bytes.extend_from_slice(b"RIFF");
/// bytes.extend_from_slice(&40u32.to_le_bytes());
/// bytes.extend_from_slice(b"WAVEfmt ");
/// for field in [16u32, 0x0001_0001, 16_000, 32_000, 0x0010_0002] {
///     bytes.extend_from_slice(&field.to_le_bytes());
/// }
/// bytes.extend_from_slice(b"data");
/// bytes.extend_from_slice(&4u32.to_le_bytes());
/// bytes.extend_from_slice(&[0x00, 0x40, 0x00, 0xc0]); // 16384, -16384
/// let audio = emovox_audio::decode_wav(std::io::Cursor::new(bytes))?;
/// assert_eq!(audio.samples, [0.5, -0.5]);
/// assert_eq!(audio.sample_rate, 16_000);
/// # Ok::<(), emovox_audio::AudioError>(())
/// ```
pub fn decode_wav<R: Read + Seek>(reader: R) -> Result<Audio, AudioError> {
    decode_wav_with(reader, Channels::Average)
}

/// [`decode_wav`] of the `channels` chosen.
pub(crate) fn decode_wav_with<R: Read + Seek>(
    reader: R,
    channels: Channels,
) -> Result<Audio, AudioError> {
    let mut frames = FrameReader::open(reader, channels)?;
    let format = *frames.format();
    // `parse` counted the whole frames present, so this is bounded by the input.
    let mut samples = Vec::with_capacity(format.frames as usize);
    while frames.read_frames(READ_FRAMES, &mut samples)? {}
    if format.coding.is_float() {
        validate_samples(&samples)?;
    }
    Ok(Audio {
        samples,
        sample_rate: format.sample_rate,
    })
}

/// Frames decoded at a time when a whole file is read (bounds the byte buffer).
const READ_FRAMES: usize = 1 << 16;
