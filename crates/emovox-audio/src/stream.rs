//! Streaming a WAV file from disk in chunks, for recordings larger than memory.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

use hound::{WavReader, WavSpec};

use crate::g711::{self, G711Reader};
use crate::wav::{open_reader, read_samples};
use crate::{AudioError, Channels};

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
    samples: Samples<R>,
    chunk_frames: usize,
    /// Mono samples handed out so far.
    emitted: usize,
}

/// Where a WAV stream's samples come from: hound for PCM and float, emovox's own reader for
/// G.711 (A-law, mu-law).
enum Samples<R> {
    Pcm {
        reader: WavReader<R>,
        spec: WavSpec,
        channels: Channels,
        /// Interleaved samples read so far.
        read: usize,
        interleaved: Vec<f32>,
    },
    G711(G711Reader<R>),
}

impl<R> std::fmt::Debug for WavStream<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let coding = match &self.samples {
            Samples::Pcm { spec, .. } => format!("{spec:?}"),
            Samples::G711(g711) => format!("{:?}", g711.format()),
        };
        f.debug_struct("WavStream")
            .field("coding", &coding)
            .field("emitted", &self.emitted)
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
    WavStream::from_reader(BufReader::new(file), chunk_samples, Channels::Average)
}

impl<R: Read + Seek> WavStream<R> {
    /// Streams the `channels` chosen of WAV data from any seekable reader, checked as
    /// [`open_wav_stream`] checks a file.
    pub(crate) fn from_reader(
        mut reader: R,
        chunk_samples: usize,
        channels: Channels,
    ) -> Result<Self, AudioError> {
        let samples = match g711::probe(&mut reader)? {
            Some(format) => Samples::G711(G711Reader::new(reader, format, channels)?),
            None => {
                let (reader, spec) = open_reader(reader)?;
                channels.check(usize::from(spec.channels))?;
                Samples::Pcm {
                    reader,
                    spec,
                    channels,
                    read: 0,
                    interleaved: Vec::new(),
                }
            }
        };
        Ok(WavStream {
            samples,
            chunk_frames: chunk_samples.max(1),
            emitted: 0,
        })
    }

    /// Samples per second of the file.
    pub fn sample_rate(&self) -> u32 {
        match &self.samples {
            Samples::Pcm { spec, .. } => spec.sample_rate,
            Samples::G711(g711) => g711.format().sample_rate(),
        }
    }

    /// Mono samples the header declares in the whole file.
    pub fn total_samples(&self) -> usize {
        match &self.samples {
            Samples::Pcm { reader, .. } => reader.duration() as usize,
            Samples::G711(g711) => g711.format().frames() as usize,
        }
    }

    /// Reads the next chunk into `out` (cleared first); returns false at the end of the data.
    pub fn read_chunk(&mut self, out: &mut Vec<f32>) -> Result<bool, AudioError> {
        out.clear();
        let more = match &mut self.samples {
            // Every G.711 code decodes to a finite sample.
            Samples::G711(g711) => g711.read_frames(self.chunk_frames, out)?,
            Samples::Pcm {
                reader,
                spec,
                channels,
                read,
                interleaved,
            } => {
                let width = spec.channels as usize;
                interleaved.clear();
                let count = read_samples(
                    reader,
                    *spec,
                    interleaved,
                    self.chunk_frames.saturating_mul(width),
                    *read,
                )?;
                *read += count;
                channels.mono_into(interleaved, width, out)?;
                if let Some(index) = crate::first_non_finite(out) {
                    return Err(AudioError::NonFiniteSample {
                        index: self.emitted + index,
                    });
                }
                count > 0
            }
        };
        self.emitted += out.len();
        Ok(more)
    }
}

impl<R: Read + Seek> Iterator for WavStream<R> {
    type Item = Result<Vec<f32>, AudioError>;

    fn next(&mut self) -> Option<Self::Item> {
        let remaining = self.total_samples().saturating_sub(self.emitted);
        let mut chunk = Vec::with_capacity(self.chunk_frames.min(remaining));
        match self.read_chunk(&mut chunk) {
            Ok(true) => Some(Ok(chunk)),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        }
    }
}
