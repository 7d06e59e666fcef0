//! Streaming a WAV file from disk in chunks, for recordings larger than memory.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

use hound::{WavReader, WavSpec};

use crate::wav::{down_mix_into, open_reader, read_samples};
use crate::AudioError;

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
/// The type parameter is the reader: a buffered file for [`open_wav_stream`]; [`crate::AudioStream`]
/// uses other readers for the WAV files it streams.
pub struct WavStream<R = BufReader<File>> {
    reader: WavReader<R>,
    spec: WavSpec,
    chunk_frames: usize,
    read: usize,
    interleaved: Vec<f32>,
}

impl<R> std::fmt::Debug for WavStream<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavStream")
            .field("spec", &self.spec)
            .field("read", &self.read)
            .finish()
    }
}

/// Opens `path` for streaming in chunks of `chunk_samples` mono samples (the last may be shorter;
/// 0 is taken as 1). The header is checked as [`crate::read_wav`] checks it, including a data
/// chunk declaring more bytes than the file holds.
pub fn open_wav_stream(
    path: impl AsRef<Path>,
    chunk_samples: usize,
) -> Result<WavStream, AudioError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|source| AudioError::Io {
        path: path.to_owned(),
        source,
    })?;
    WavStream::from_reader(BufReader::new(file), chunk_samples)
}

impl<R: Read + Seek> WavStream<R> {
    /// Streams WAV data from any seekable reader, checked as [`open_wav_stream`] checks a file.
    pub(crate) fn from_reader(reader: R, chunk_samples: usize) -> Result<Self, AudioError> {
        let (reader, spec) = open_reader(reader)?;
        Ok(WavStream {
            reader,
            spec,
            chunk_frames: chunk_samples.max(1),
            read: 0,
            interleaved: Vec::new(),
        })
    }

    /// Samples per second of the file.
    pub fn sample_rate(&self) -> u32 {
        self.spec.sample_rate
    }

    /// Mono samples the header declares in the whole file.
    pub fn total_samples(&self) -> usize {
        self.reader.duration() as usize
    }

    /// Reads the next chunk into `out` (cleared first); returns false at the end of the data.
    pub fn read_chunk(&mut self, out: &mut Vec<f32>) -> Result<bool, AudioError> {
        out.clear();
        let channels = self.spec.channels as usize;
        self.interleaved.clear();
        let read = read_samples(
            &mut self.reader,
            self.spec,
            &mut self.interleaved,
            self.chunk_frames.saturating_mul(channels),
            self.read,
        )?;
        self.read += read;
        if read == 0 {
            return Ok(false);
        }
        if channels == 1 {
            out.extend_from_slice(&self.interleaved);
        } else {
            down_mix_into(&self.interleaved, channels, out);
        }
        if let Some(index) = crate::first_non_finite(out) {
            return Err(AudioError::NonFiniteSample {
                index: self.read / channels - out.len() + index,
            });
        }
        Ok(true)
    }
}

impl<R: Read + Seek> Iterator for WavStream<R> {
    type Item = Result<Vec<f32>, AudioError>;

    fn next(&mut self) -> Option<Self::Item> {
        let remaining = self.total_samples() - self.read / self.spec.channels as usize;
        let mut chunk = Vec::with_capacity(self.chunk_frames.min(remaining));
        match self.read_chunk(&mut chunk) {
            Ok(true) => Some(Ok(chunk)),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        }
    }
}
