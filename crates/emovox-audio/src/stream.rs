//! Streaming a WAV file from disk in chunks, for recordings larger than memory.

use std::io::{Read, Seek};
use std::path::Path;

use crate::riff::FrameReader;
use crate::{AudioError, Channels, ReadSeek};

/// A WAV file read chunk by chunk as mono f32; memory stays at one chunk whatever the length.
///
/// ```no_run
/// let mut stream = emovox_audio::open_wav_stream("long.wav", 16_000)?;
/// let rate = stream.sample_rate();
/// for chunk in &mut stream {
///     let chunk = chunk?;
///     println!("{} samples ({:.2} s)", chunk.len(), chunk.len() as f64 / rate as f64);
/// }
/// # Ok::<(), emovox_audio::AudioError>(())
/// ```
///
/// The type parameter is the reader: for [`open_wav_stream`], a buffered file (or, for a path
/// that is not a regular file, its bytes in memory); [`crate::AudioStream`] uses other readers
/// for the WAV files it streams.
///
/// When the channels are averaged ([`Channels::Average`]), the energies of the mix and of the
/// channels are summed as the chunks go, and a file whose channels cancel out (opposite phase)
/// is [`AudioError::ChannelsCancel`] at its end: the read that would return false (or end the
/// iteration) gives the error instead, after the chunks.
pub struct WavStream<R = Box<dyn ReadSeek>> {
    frames: FrameReader<R>,
    chunk_frames: usize,
    /// Mono samples handed out so far.
    emitted: usize,
    /// The iterator has given its one error.
    failed: bool,
}

impl<R> std::fmt::Debug for WavStream<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavStream")
            .field("format", self.frames.format())
            .field("emitted", &self.emitted)
            .finish()
    }
}

/// Opens `path` for streaming in chunks of `chunk_samples` mono samples (the last may be shorter;
/// 0 is taken as 1). The header is checked as [`crate::read_wav`] checks it, including a data
/// chunk declaring more bytes than the file holds. A path that is not a regular file (a pipe,
/// `/dev/stdin`) is read into memory first, as [`crate::read_audio`] reads it.
pub fn open_wav_stream(
    path: impl AsRef<Path>,
    chunk_samples: usize,
) -> Result<WavStream, AudioError> {
    let path = path.as_ref();
    let reader = crate::input::open(path)?;
    WavStream::from_reader(reader, chunk_samples, Channels::Average)
        .map_err(|e| crate::input::with_path(e, path))
}

impl<R: Read + Seek> WavStream<R> {
    /// Streams the `channels` chosen of WAV data from any seekable reader, checked as
    /// [`open_wav_stream`] checks a file.
    pub(crate) fn from_reader(
        reader: R,
        chunk_samples: usize,
        channels: Channels,
    ) -> Result<Self, AudioError> {
        Ok(WavStream {
            frames: FrameReader::open(reader, channels)?,
            chunk_frames: chunk_samples.max(1),
            emitted: 0,
            failed: false,
        })
    }

    /// Samples per second of the file.
    pub fn sample_rate(&self) -> u32 {
        self.frames.format().sample_rate
    }

    /// Mono samples in the whole file (its whole frames: the data chunk's declared length, or
    /// up to the end of the file for a streamed WAV whose header could not say it).
    pub fn total_samples(&self) -> usize {
        self.frames.format().frames as usize
    }

    /// Reads the next chunk into `out` (cleared first); returns false at the end of the data.
    pub fn read_chunk(&mut self, out: &mut Vec<f32>) -> Result<bool, AudioError> {
        out.clear();
        let more = self.frames.read_frames(self.chunk_frames, out)?;
        if self.frames.format().coding.is_float() {
            if let Some(index) = crate::first_non_finite(out) {
                return Err(AudioError::NonFiniteSample {
                    index: self.emitted + index,
                });
            }
        }
        self.emitted += out.len();
        Ok(more)
    }
}

impl<R: Read + Seek> Iterator for WavStream<R> {
    type Item = Result<Vec<f32>, AudioError>;

    /// The next chunk; after an error, the end (`None`).
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let remaining = self.total_samples().saturating_sub(self.emitted);
        let mut chunk = Vec::with_capacity(self.chunk_frames.min(remaining));
        match self.read_chunk(&mut chunk) {
            Ok(true) => Some(Ok(chunk)),
            Ok(false) => None,
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}
