//! Any-format decoding: the format is told from the content ([`crate::detect_format_of`]), WAV
//! goes to emovox's own reader (as [`crate::read_wav`]) unless it is ADPCM, which goes to
//! symphonia's WAV reader, as FLAC, MP3, OGG Vorbis, MP4 (AAC-LC, ALAC), AIFF, CAF and ADTS go to
//! symphonia, OGG Opus to symphonia's OGG demuxer and libopus, WebM to emovox's own demuxer
//! (`webm.rs`) and libopus. Every path gives mono f32 at the
//! file's own rate, channels averaged as [`crate::read_wav`] averages them, or one channel
//! ([`Channels`], the `_with` functions).

use std::io::{Read, Seek};
use std::path::Path;

use crate::sniff::{detect_format_of, AudioFormat};
use crate::stream::WavStream;
use crate::wav::decode_wav_with;
use crate::{Audio, AudioError, Channels};

/// A seekable byte source that can move between threads (what symphonia asks of a source).
pub trait ReadSeek: Read + Seek + Send + Sync {}
impl<T: Read + Seek + Send + Sync> ReadSeek for T {}

/// Reads an audio file of any supported format into mono samples at its own rate.
///
/// The format comes from the content, not the extension: a WAV named `.mp3` decodes as WAV, a
/// text file named `.flac` is an [`AudioError::UnsupportedFormat`]. WAV and FLAC samples equal
/// `librosa.load(path, sr=None)` (soundfile) bit for bit; lossy formats are within the
/// tolerances stated in the crate documentation of ffmpeg's decode.
///
/// A path that is not a regular file (a pipe, a FIFO, `/dev/stdin`) cannot seek, so its bytes
/// are read into memory first, at most 1 GiB ([`AudioError::LimitExceeded`] beyond, for an
/// endless device such as `/dev/zero`); [`open_audio_stream`] reads such paths the same way.
///
/// ```no_run
/// let audio = emovox_audio::read_audio("voice-memo.m4a")?;
/// println!("{:.1} s at {} Hz", audio.duration_seconds(), audio.sample_rate);
/// # Ok::<(), emovox_audio::AudioError>(())
/// ```
pub fn read_audio(path: impl AsRef<Path>) -> Result<Audio, AudioError> {
    read_audio_with(path, Channels::Average)
}

/// [`read_audio`] of the `channels` chosen: their mean, or one of them (an error when the file
/// does not have it).
///
/// ```no_run
/// use emovox_audio::{read_audio_with, Channels};
///
/// // A stereo call recording, agent left and customer right.
/// let customer = read_audio_with("call.wav", Channels::Only(1))?;
/// # Ok::<(), emovox_audio::AudioError>(())
/// ```
pub fn read_audio_with(path: impl AsRef<Path>, channels: Channels) -> Result<Audio, AudioError> {
    let path = path.as_ref();
    let reader = crate::input::open(path)?;
    decode_audio_with(reader, channels).map_err(|e| with_path(e, path))
}

/// Decodes audio of any supported format from a seekable reader (a file, a `Cursor` over a
/// `Vec<u8>` ...). See [`read_audio`].
///
/// ```
/// // A FLAC, MP3 ... file in memory decodes the same way; here a tiny WAV.
/// let mut wav = Vec::new();
/// let spec = hound::WavSpec {
///     channels: 1,
///     sample_rate: 16_000,
///     bits_per_sample: 16,
///     sample_format: hound::SampleFormat::Int,
/// };
/// let mut writer = hound::WavWriter::new(std::io::Cursor::new(&mut wav), spec).unwrap();
/// writer.write_sample(16_384i16).unwrap();
/// writer.finalize().unwrap();
/// let audio = emovox_audio::decode_audio(std::io::Cursor::new(wav))?;
/// assert_eq!(audio.samples, [0.5]);
/// # Ok::<(), emovox_audio::AudioError>(())
/// ```
pub fn decode_audio<R: ReadSeek + 'static>(reader: R) -> Result<Audio, AudioError> {
    decode_audio_with(reader, Channels::Average)
}

/// [`decode_audio`] of the `channels` chosen (see [`Channels`]).
pub fn decode_audio_with<R: ReadSeek + 'static>(
    mut reader: R,
    channels: Channels,
) -> Result<Audio, AudioError> {
    let format = detect_format_of(&mut reader)?;
    if format == AudioFormat::Wav && !crate::riff::is_adpcm(&mut reader)? {
        return decode_wav_with(reader, channels);
    }
    decode_packets(Box::new(reader), format, channels)
}

#[cfg(feature = "_symphonia")]
fn decode_packets(
    reader: Box<dyn ReadSeek>,
    format: AudioFormat,
    channels: Channels,
) -> Result<Audio, AudioError> {
    let mut source = packets::PacketSource::open(reader, format, channels)?;
    let mut samples = Vec::new();
    while source.decode_next(&mut samples)? {}
    crate::validate_samples(&samples)?;
    Ok(Audio {
        samples,
        sample_rate: source.sample_rate(),
    })
}

#[cfg(not(feature = "_symphonia"))]
fn decode_packets(
    _: Box<dyn ReadSeek>,
    format: AudioFormat,
    _: Channels,
) -> Result<Audio, AudioError> {
    // detect_format_of refuses formats whose feature is off, so this is not reached.
    Err(AudioError::UnsupportedFormat(format.name().into()))
}

/// Opens an audio file of any supported format for streaming in chunks of `chunk_samples` mono
/// samples (the last may be shorter; 0 is taken as 1). Memory stays at about one chunk plus one
/// codec packet whatever the length of the file: MP3, AAC and the others are decoded packet by
/// packet, sequentially, without seeking.
///
/// ```no_run
/// let mut stream = emovox_audio::open_audio_stream("podcast.mp3", 16_000)?;
/// let mut chunk = Vec::new();
/// while stream.read_chunk(&mut chunk)? {
///     println!("{} samples at {} Hz", chunk.len(), stream.sample_rate());
/// }
/// # Ok::<(), emovox_audio::AudioError>(())
/// ```
pub fn open_audio_stream(
    path: impl AsRef<Path>,
    chunk_samples: usize,
) -> Result<AudioStream, AudioError> {
    open_audio_stream_with(path, chunk_samples, Channels::Average)
}

/// [`open_audio_stream`] of the `channels` chosen (see [`Channels`]).
pub fn open_audio_stream_with(
    path: impl AsRef<Path>,
    chunk_samples: usize,
    channels: Channels,
) -> Result<AudioStream, AudioError> {
    let path = path.as_ref();
    let reader = crate::input::open(path)?;
    AudioStream::from_reader_with(reader, chunk_samples, channels).map_err(|e| with_path(e, path))
}

use crate::input::with_path;

/// An audio file of any supported format, read chunk by chunk as mono f32 at its own rate.
///
/// Iterating gives `Result<Vec<f32>, AudioError>` chunks; [`AudioStream::read_chunk`] fills a
/// buffer of the caller's instead. A stream that turns out truncated or corrupt part-way gives
/// the chunks decoded before the damage, then the error.
#[cfg_attr(not(feature = "_symphonia"), allow(dead_code))]
pub struct AudioStream {
    source: Source,
    format: AudioFormat,
    sample_rate: u32,
    chunk: usize,
    /// Decoded mono samples not handed out yet: `pending[start..]`.
    pending: Vec<f32>,
    start: usize,
    /// Mono samples handed out so far.
    emitted: usize,
    finished: bool,
    /// The iterator has given its one error.
    failed: bool,
}

enum Source {
    Wav(WavStream<Box<dyn ReadSeek>>),
    #[cfg(feature = "_symphonia")]
    Packets(Box<packets::PacketSource>),
}

impl std::fmt::Debug for AudioStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioStream")
            .field("format", &self.format)
            .field("sample_rate", &self.sample_rate)
            .field("emitted", &self.emitted)
            .finish()
    }
}

impl AudioStream {
    /// Streams audio of any supported format from a seekable reader; see [`open_audio_stream`].
    pub fn from_reader<R: ReadSeek + 'static>(
        reader: R,
        chunk_samples: usize,
    ) -> Result<Self, AudioError> {
        Self::from_reader_with(reader, chunk_samples, Channels::Average)
    }

    /// [`AudioStream::from_reader`] of the `channels` chosen (see [`Channels`]).
    pub fn from_reader_with<R: ReadSeek + 'static>(
        mut reader: R,
        chunk_samples: usize,
        channels: Channels,
    ) -> Result<Self, AudioError> {
        let format = detect_format_of(&mut reader)?;
        let chunk = chunk_samples.max(1);
        let mut reader: Box<dyn ReadSeek> = Box::new(reader);
        let pcm_wav = format == AudioFormat::Wav && !crate::riff::is_adpcm(&mut reader)?;
        let (source, sample_rate) = match format {
            AudioFormat::Wav if pcm_wav => {
                let wav = WavStream::from_reader(reader, chunk, channels)?;
                let rate = wav.sample_rate();
                (Source::Wav(wav), rate)
            }
            #[cfg(feature = "_symphonia")]
            _ => {
                let packets = packets::PacketSource::open(reader, format, channels)?;
                let rate = packets.sample_rate();
                (Source::Packets(Box::new(packets)), rate)
            }
            #[cfg(not(feature = "_symphonia"))]
            _ => return Err(AudioError::UnsupportedFormat(format.name().into())),
        };
        Ok(AudioStream {
            source,
            format,
            sample_rate,
            chunk,
            pending: Vec::new(),
            start: 0,
            emitted: 0,
            finished: false,
            failed: false,
        })
    }

    /// Samples per second of the audio.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The format told from the content.
    pub fn format(&self) -> AudioFormat {
        self.format
    }

    /// Mono samples the container declares, when it does: a hint for progress bars, never
    /// trusted (nothing is allocated from it, and a stream shorter than declared is an error).
    pub fn declared_samples(&self) -> Option<u64> {
        match &self.source {
            Source::Wav(wav) => Some(wav.total_samples() as u64),
            #[cfg(feature = "_symphonia")]
            Source::Packets(p) => p.declared_frames(),
        }
    }

    /// Mono samples handed out so far.
    pub fn samples_read(&self) -> usize {
        self.emitted
    }

    /// Reads the next chunk (at most `chunk_samples`) into `out`, cleared first; returns false
    /// at the end of the audio. A truncated or corrupt stream is an error once reached; a
    /// stream that yields no sample at all is [`AudioError::NoSamples`].
    pub fn read_chunk(&mut self, out: &mut Vec<f32>) -> Result<bool, AudioError> {
        out.clear();
        match &mut self.source {
            Source::Wav(wav) => {
                let more = wav.read_chunk(out)?;
                self.emitted += out.len();
                Ok(more)
            }
            #[cfg(feature = "_symphonia")]
            Source::Packets(_) => self.read_packets(out),
        }
    }

    /// [`AudioStream::read_chunk`] for the packet formats: decodes packets until a chunk is
    /// full or the stream ends.
    #[cfg(feature = "_symphonia")]
    fn read_packets(&mut self, out: &mut Vec<f32>) -> Result<bool, AudioError> {
        let Source::Packets(packets) = &mut self.source else {
            return Ok(false);
        };
        while !self.finished && self.pending.len() - self.start < self.chunk {
            if self.start > 0 {
                self.pending.drain(..self.start);
                self.start = 0;
            }
            if !packets.decode_next(&mut self.pending)? {
                self.finished = true;
            }
        }
        let take = self.chunk.min(self.pending.len() - self.start);
        if take == 0 {
            return if self.emitted == 0 {
                Err(AudioError::NoSamples)
            } else {
                Ok(false)
            };
        }
        let chunk = &self.pending[self.start..self.start + take];
        if let Some(index) = crate::first_non_finite(chunk) {
            return Err(AudioError::NonFiniteSample {
                index: self.emitted + index,
            });
        }
        out.extend_from_slice(chunk);
        self.start += take;
        self.emitted += take;
        Ok(true)
    }
}

impl Iterator for AudioStream {
    type Item = Result<Vec<f32>, AudioError>;

    /// The next chunk; after an error, the end (`None`).
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let mut chunk = Vec::new();
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

#[cfg(feature = "_symphonia")]
mod packets;
