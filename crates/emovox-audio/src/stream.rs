//! Streaming a WAV file from disk in chunks, for recordings larger than memory.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use hound::{WavReader, WavSpec};

use crate::wav::{checked_spec, down_mix, header_error, read_samples};
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
pub struct WavStream {
    reader: WavReader<BufReader<File>>,
    spec: WavSpec,
    chunk_frames: usize,
    read: usize,
    interleaved: Vec<f32>,
}

impl std::fmt::Debug for WavStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavStream")
            .field("spec", &self.spec)
            .field("read", &self.read)
            .finish()
    }
}

/// Opens `path` for streaming in chunks of `chunk_samples` mono samples (the last may be shorter).
pub fn open_wav_stream(
    path: impl AsRef<Path>,
    chunk_samples: usize,
) -> Result<WavStream, AudioError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|source| AudioError::Io {
        path: path.to_owned(),
        source,
    })?;
    let length = file
        .metadata()
        .map_err(|source| AudioError::Io {
            path: path.to_owned(),
            source,
        })?
        .len();
    if length == 0 {
        return Err(AudioError::EmptyFile);
    }
    let reader = WavReader::new(BufReader::new(file)).map_err(header_error)?;
    let spec = checked_spec(&reader)?;
    if reader.len() == 0 {
        return Err(AudioError::NoSamples);
    }
    let chunk_frames = chunk_samples.max(1);
    Ok(WavStream {
        reader,
        spec,
        chunk_frames,
        read: 0,
        interleaved: Vec::with_capacity(chunk_frames * spec.channels as usize),
    })
}

impl WavStream {
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
            self.chunk_frames * channels,
            self.read,
        )?;
        self.read += read;
        if read == 0 {
            return Ok(false);
        }
        if channels == 1 {
            out.extend_from_slice(&self.interleaved);
        } else {
            out.extend(down_mix(&self.interleaved, channels));
        }
        if let Some(index) = out.iter().position(|s| !s.is_finite()) {
            return Err(AudioError::NonFiniteSample {
                index: self.read / channels - out.len() + index,
            });
        }
        Ok(true)
    }
}

impl Iterator for WavStream {
    type Item = Result<Vec<f32>, AudioError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut chunk = Vec::with_capacity(self.chunk_frames);
        match self.read_chunk(&mut chunk) {
            Ok(true) => Some(Ok(chunk)),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        }
    }
}
