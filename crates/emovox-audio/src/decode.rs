//! Any-format decoding: the format is told from the content ([`crate::detect_format_of`]), WAV
//! goes to hound (as [`crate::read_wav`]), FLAC, MP3, OGG Vorbis and MP4 (AAC-LC, ALAC) to
//! symphonia, OGG Opus to symphonia's OGG demuxer and libopus. Every path gives mono f32 at the
//! file's own rate, channels averaged, as [`crate::read_wav`] does.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

use crate::sniff::{detect_format_of, AudioFormat};
use crate::stream::WavStream;
use crate::{decode_wav, Audio, AudioError};

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
/// ```no_run
/// let audio = emovox_audio::read_audio("voice-memo.m4a")?;
/// println!("{:.1} s at {} Hz", audio.duration_seconds(), audio.sample_rate);
/// # Ok::<(), emovox_audio::AudioError>(())
/// ```
pub fn read_audio(path: impl AsRef<Path>) -> Result<Audio, AudioError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|source| AudioError::Io {
        path: path.to_owned(),
        source,
    })?;
    decode_audio(BufReader::new(file)).map_err(|e| with_path(e, path))
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
pub fn decode_audio<R: ReadSeek + 'static>(mut reader: R) -> Result<Audio, AudioError> {
    let format = detect_format_of(&mut reader)?;
    if format == AudioFormat::Wav {
        return decode_wav(reader);
    }
    decode_packets(Box::new(reader), format)
}

#[cfg(feature = "_symphonia")]
fn decode_packets(reader: Box<dyn ReadSeek>, format: AudioFormat) -> Result<Audio, AudioError> {
    let mut source = packets::PacketSource::open(reader, format)?;
    let mut samples = Vec::new();
    while source.decode_next(&mut samples)? {}
    crate::validate_samples(&samples)?;
    Ok(Audio {
        samples,
        sample_rate: source.sample_rate(),
    })
}

#[cfg(not(feature = "_symphonia"))]
fn decode_packets(_: Box<dyn ReadSeek>, format: AudioFormat) -> Result<Audio, AudioError> {
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
    let path = path.as_ref();
    let file = File::open(path).map_err(|source| AudioError::Io {
        path: path.to_owned(),
        source,
    })?;
    AudioStream::from_reader(BufReader::new(file), chunk_samples).map_err(|e| with_path(e, path))
}

/// Names the file in I/O errors raised while it was read as a stream.
fn with_path(err: AudioError, path: &Path) -> AudioError {
    match err {
        AudioError::Io { source, .. } => AudioError::Io {
            path: path.to_owned(),
            source,
        },
        other => other,
    }
}

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
        mut reader: R,
        chunk_samples: usize,
    ) -> Result<Self, AudioError> {
        let format = detect_format_of(&mut reader)?;
        let chunk = chunk_samples.max(1);
        let reader: Box<dyn ReadSeek> = Box::new(reader);
        let (source, sample_rate) = match format {
            AudioFormat::Wav => {
                let wav = WavStream::from_reader(reader, chunk)?;
                let rate = wav.sample_rate();
                (Source::Wav(wav), rate)
            }
            #[cfg(feature = "_symphonia")]
            _ => {
                let packets = packets::PacketSource::open(reader, format)?;
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
        if let Some(index) = chunk.iter().position(|s| !s.is_finite()) {
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
mod packets {
    //! Symphonia's demuxers and decoders (libopus for Opus), one packet at a time.

    use std::io::{Read, Seek, SeekFrom};

    use symphonia::core::audio::SampleBuffer;
    use symphonia::core::codecs::{Decoder, DecoderOptions, CODEC_TYPE_NULL};
    use symphonia::core::errors::Error as SymError;
    use symphonia::core::formats::{FormatOptions, FormatReader};
    use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};

    use super::ReadSeek;
    use crate::container;
    use crate::sniff::AudioFormat;
    use crate::{validate_sample_rate, AudioError};

    /// A source with its length known, as symphonia's demuxers want it.
    /// The bytes of a file from `base` (past an ID3v2 tag) to its end, as a source of known
    /// length.
    struct Sized {
        inner: Box<dyn ReadSeek>,
        base: u64,
        len: u64,
    }

    impl Read for Sized {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.inner.read(buf)
        }
    }

    impl Seek for Sized {
        fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
            let target = match pos {
                SeekFrom::Start(n) => Some(self.base.saturating_add(n)),
                SeekFrom::End(d) => (self.base + self.len).checked_add_signed(d),
                SeekFrom::Current(d) => self.inner.stream_position()?.checked_add_signed(d),
            };
            match target.filter(|&t| t >= self.base) {
                Some(t) => Ok(self.inner.seek(SeekFrom::Start(t))? - self.base),
                None => Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "seek before the start of the audio",
                )),
            }
        }
    }

    impl MediaSource for Sized {
        fn is_seekable(&self) -> bool {
            true
        }

        fn byte_len(&self) -> Option<u64> {
            Some(self.len)
        }
    }

    /// The demuxer of the format told from the content (symphonia's probe is not used: it
    /// scans for any registered format's marker, and may pick one the content is not, such as
    /// ADTS inside an MP3).
    fn demuxer(
        format: AudioFormat,
        stream: MediaSourceStream,
        options: &FormatOptions,
    ) -> symphonia::core::errors::Result<Box<dyn FormatReader>> {
        #[allow(unused_imports)]
        use symphonia::default::formats::*;
        Ok(match format {
            #[cfg(feature = "flac")]
            AudioFormat::Flac => Box::new(FlacReader::try_new(stream, options)?),
            #[cfg(feature = "mp3")]
            AudioFormat::Mp3 => Box::new(MpaReader::try_new(stream, options)?),
            #[cfg(any(feature = "vorbis", feature = "opus"))]
            AudioFormat::OggVorbis | AudioFormat::OggOpus => {
                Box::new(OggReader::try_new(stream, options)?)
            }
            #[cfg(any(feature = "aac", feature = "alac"))]
            AudioFormat::Mp4 => Box::new(IsoMp4Reader::try_new(stream, options)?),
            _ => return Err(SymError::Unsupported("format not enabled")),
        })
    }

    enum Codec {
        Symphonia(Box<dyn Decoder>),
        #[cfg(feature = "opus")]
        Opus(crate::opus::OpusPackets),
    }

    /// One audio track of a container, decoded packet by packet into mono samples.
    pub(crate) struct PacketSource {
        reader: Box<dyn FormatReader>,
        codec: Codec,
        track_id: u32,
        container: &'static str,
        sample_rate: u32,
        /// Frames the container declares (symphonia's count, before emovox's trimming).
        declared: Option<u64>,
        /// Mono frames out of the decoder, before trimming.
        raw: u64,
        /// Mono frames handed out, after trimming.
        decoded: u64,
        /// Frames still to drop at the start (MP4 edit list, Opus pre-skip).
        skip: u64,
        /// Frames to hand out at most (MP4 edit list, Opus end granule).
        keep: Option<u64>,
        /// How far short of `declared` a complete stream may end: an MP4 edit's length is in
        /// the movie's timescale, so it can round the track's true length up by one movie tick
        /// (ffmpeg: 1 ms, 22 frames at 22.05 kHz).
        slack: u64,
        /// An OGG file ends inside a page (reported once the packets run out).
        ogg_cut: bool,
        /// An OGG file's last page lacks the end-of-stream flag.
        ogg_no_eos: bool,
        /// Interleaved samples of the last packet (reused; grown to the largest packet).
        interleaved: Option<SampleBuffer<f32>>,
        done: bool,
    }

    impl PacketSource {
        /// Opens the container, picks its first audio track and builds its decoder.
        pub(crate) fn open(
            mut reader: Box<dyn ReadSeek>,
            format: AudioFormat,
        ) -> Result<Self, AudioError> {
            let container = container_name(format);
            let io = |source| AudioError::Io {
                path: "<stream>".into(),
                source,
            };
            let len = reader.seek(SeekFrom::End(0)).map_err(io)?;
            reader.seek(SeekFrom::Start(0)).map_err(io)?;
            let ogg = match format {
                AudioFormat::OggVorbis | AudioFormat::OggOpus => {
                    container::check_ogg_comments(&mut reader, len)?;
                    container::ogg_end(&mut reader, len).map_err(io)?
                }
                _ => None,
            };
            let mp4 = match format {
                AudioFormat::Mp4 => container::inspect_mp4(&mut reader, len)?,
                _ => container::Mp4Audio::default(),
            };
            let flac_total = match format {
                AudioFormat::Flac => {
                    container::check_flac_blocks(&mut reader, len)?;
                    container::flac_total_samples(&mut reader).map_err(io)?
                }
                _ => None,
            };
            // An audio track of zero frames: symphonia meets the end of the file while it still
            // looks for the first packet, or finds no track it can describe.
            let declares_nothing = flac_total == Some(0)
                || ogg.is_some_and(|end| end.granule == 0 && end.whole)
                || mp4.packets == Some(0);
            let base = container::audio_start(&mut reader, len).map_err(io)?;
            reader.seek(SeekFrom::Start(base)).map_err(io)?;
            let stream = MediaSourceStream::new(
                Box::new(Sized {
                    inner: reader,
                    base,
                    len: len - base,
                }),
                MediaSourceStreamOptions::default(),
            );
            let format_options = FormatOptions {
                enable_gapless: true,
                ..FormatOptions::default()
            };
            if mp4.zero_timescale {
                // symphonia 0.5 panics on it (a time base of 0).
                return Err(AudioError::CorruptStream {
                    format: container,
                    reason: "a track or the movie declares a timescale of 0".into(),
                });
            }
            let reader =
                guarded(container, || demuxer(format, stream, &format_options))?.map_err(|e| {
                    match e {
                        SymError::IoError(ref io)
                            if declares_nothing
                                && io.kind() == std::io::ErrorKind::UnexpectedEof =>
                        {
                            AudioError::NoSamples
                        }
                        SymError::Unsupported(_) => AudioError::UnsupportedFormat(format!(
                            "{container} signature, but no {container} stream symphonia can read"
                        )),
                        e => symphonia_error(e, container),
                    }
                })?;
            let Some(track) = reader
                .tracks()
                .iter()
                .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
            else {
                return Err(if mp4.has_audio_track && declares_nothing {
                    AudioError::NoSamples
                } else if mp4.has_audio_track {
                    AudioError::UnsupportedCodec(
                        "MP4 audio track of a codec other than AAC-LC or ALAC".into(),
                    )
                } else {
                    AudioError::NoAudioTrack
                });
            };
            let params = &track.codec_params;
            let track_id = track.id;
            let sample_rate = params
                .sample_rate
                .ok_or_else(|| AudioError::CorruptStream {
                    format: container,
                    reason: "the audio track declares no sample rate".into(),
                })?;
            validate_sample_rate(sample_rate)?;
            let codec = make_codec(params, container)?;
            let mut declared = params.n_frames;
            let (mut skip, mut keep, mut slack) = (0, None, 0);
            if let Some((start, length)) = mp4.edit {
                // Edit-list units are the track's timescale; emovox counts in samples.
                skip = media_to_frames(start, mp4.timescale, sample_rate);
                keep = length.map(|l| media_to_frames(l, mp4.timescale, sample_rate));
                if keep.is_some() && mp4.movie_timescale > 0 {
                    slack = u64::from(sample_rate.div_ceil(mp4.movie_timescale));
                }
            }
            #[cfg(feature = "opus")]
            if let Codec::Opus(opus) = &codec {
                skip = opus.pre_skip();
                // RFC 7845: the last page's granule position counts every sample, pre-skip
                // included; what lies beyond it in the last packet is padding.
                declared = ogg
                    .filter(|end| end.whole && end.eos && end.serial == track_id)
                    .map(|end| end.granule.saturating_sub(skip));
                keep = declared;
            }
            if keep.is_some() {
                declared = keep;
            }
            Ok(PacketSource {
                reader,
                codec,
                track_id,
                container,
                sample_rate,
                declared,
                raw: 0,
                decoded: 0,
                skip,
                keep,
                slack,
                ogg_cut: matches!(format, AudioFormat::OggVorbis | AudioFormat::OggOpus)
                    && !ogg.is_some_and(|end| end.whole),
                ogg_no_eos: matches!(format, AudioFormat::OggVorbis | AudioFormat::OggOpus)
                    && !ogg.is_some_and(|end| end.eos),
                interleaved: None,
                done: false,
            })
        }

        pub(crate) fn sample_rate(&self) -> u32 {
            self.sample_rate
        }

        pub(crate) fn declared_frames(&self) -> Option<u64> {
            self.declared
        }

        /// Decodes the next packet of the track, appending its mono samples to `out` (maybe
        /// none). Returns false at the end of the stream, after the end-of-stream checks.
        pub(crate) fn decode_next(&mut self, out: &mut Vec<f32>) -> Result<bool, AudioError> {
            if self.done {
                return Ok(false);
            }
            let before = out.len();
            let container = self.container;
            match guarded(container, || self.decode_packet(out)) {
                Ok(result) => result,
                Err(panic) => {
                    // The demuxer or decoder state is not to be trusted after a panic.
                    self.done = true;
                    out.truncate(before);
                    Err(panic)
                }
            }
        }

        fn decode_packet(&mut self, out: &mut Vec<f32>) -> Result<bool, AudioError> {
            if self.keep.is_some_and(|keep| self.decoded >= keep) {
                // The edit list or the end granule says the rest is padding.
                self.done = true;
                self.finish()?;
                return Ok(false);
            }
            let packet = match self.reader.next_packet() {
                Ok(packet) => packet,
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    self.done = true;
                    self.finish()?;
                    return Ok(false);
                }
                Err(e) => {
                    self.done = true;
                    return Err(symphonia_error(e, self.container));
                }
            };
            if packet.track_id() != self.track_id {
                return Ok(true);
            }
            let before = out.len();
            let at = self.raw as f64 / self.sample_rate as f64;
            let container = self.container;
            match &mut self.codec {
                Codec::Symphonia(decoder) => {
                    let decoded = decoder.decode(&packet).map_err(|e| {
                        self.done = true;
                        at_time(symphonia_error(e, container), at)
                    })?;
                    let spec = *decoded.spec();
                    if spec.rate != self.sample_rate {
                        self.done = true;
                        return Err(AudioError::CorruptStream {
                            format: container,
                            reason: format!(
                                "the sample rate changes from {} Hz to {} Hz at {at:.3} s",
                                self.sample_rate, spec.rate
                            ),
                        });
                    }
                    let channels = spec.channels.count();
                    if decoded.frames() == 0 {
                        return Ok(true);
                    }
                    if channels == 0 {
                        self.done = true;
                        return Err(AudioError::CorruptStream {
                            format: container,
                            reason: "a packet of zero channels".into(),
                        });
                    }
                    let buffer = match &mut self.interleaved {
                        Some(b) if b.capacity() >= decoded.frames() * channels => b,
                        slot => slot.insert(SampleBuffer::new(decoded.capacity() as u64, spec)),
                    };
                    buffer.copy_interleaved_ref(decoded);
                    let samples = buffer.samples();
                    if channels == 1 {
                        out.extend_from_slice(samples);
                    } else {
                        crate::wav::down_mix_into(samples, channels, out);
                    }
                }
                #[cfg(feature = "opus")]
                Codec::Opus(opus) => opus.decode(&packet, out).map_err(|e| {
                    self.done = true;
                    at_time(e, at)
                })?,
            }
            let produced = (out.len() - before) as u64;
            self.raw += produced;
            // Trim: the start (priming, pre-skip), then anything past what is to be kept.
            let dropped = self.skip.min(produced);
            if dropped > 0 {
                out.drain(before..before + dropped as usize);
                self.skip -= dropped;
            }
            if let Some(keep) = self.keep {
                let room = keep.saturating_sub(self.decoded);
                let have = (out.len() - before) as u64;
                if have > room {
                    out.truncate(before + room as usize);
                }
            }
            self.decoded += (out.len() - before) as u64;
            Ok(true)
        }

        /// The end-of-stream checks: nothing decoded, fewer frames than declared, an OGG file
        /// without its last page, a failed checksum.
        fn finish(&mut self) -> Result<(), AudioError> {
            let cut = |container| AudioError::CorruptStream {
                format: container,
                reason: "cut short: the last OGG page is incomplete".into(),
            };
            if let Some(declared) = self.declared.filter(|&d| d > 0) {
                if self.decoded + self.slack < declared {
                    return Err(AudioError::Truncated {
                        declared: declared as usize,
                        read: self.decoded as usize,
                    });
                }
            }
            if self.ogg_cut {
                return Err(cut(self.container));
            }
            if self.decoded == 0 {
                return Err(AudioError::NoSamples);
            }
            if self.ogg_no_eos {
                return Err(AudioError::CorruptStream {
                    format: self.container,
                    reason: "cut short: the last OGG page lacks the end-of-stream flag".into(),
                });
            }
            #[allow(irrefutable_let_patterns)] // without the `opus` feature
            if let Codec::Symphonia(decoder) = &mut self.codec {
                if decoder.finalize().verify_ok == Some(false) {
                    return Err(AudioError::CorruptStream {
                        format: self.container,
                        reason: "the decoded audio fails the stream's MD5 checksum".into(),
                    });
                }
            }
            Ok(())
        }
    }

    /// A duration in an MP4 track's timescale, in frames of `sample_rate`.
    fn media_to_frames(t: u64, timescale: u32, sample_rate: u32) -> u64 {
        if timescale == 0 || timescale == sample_rate {
            t
        } else {
            (u128::from(t) * u128::from(sample_rate) / u128::from(timescale)).min(u64::MAX as u128)
                as u64
        }
    }

    fn container_name(format: AudioFormat) -> &'static str {
        match format {
            AudioFormat::Wav => "WAV",
            AudioFormat::Flac => "FLAC",
            AudioFormat::Mp3 => "MP3",
            AudioFormat::OggVorbis | AudioFormat::OggOpus => "OGG",
            AudioFormat::Mp4 => "MP4",
        }
    }

    /// Builds the track's decoder: libopus for Opus, symphonia's for the rest.
    fn make_codec(
        params: &symphonia::core::codecs::CodecParameters,
        container: &'static str,
    ) -> Result<Codec, AudioError> {
        if params.codec == symphonia::core::codecs::CODEC_TYPE_OPUS {
            #[cfg(feature = "opus")]
            return Ok(Codec::Opus(crate::opus::OpusPackets::new(params)?));
            #[cfg(not(feature = "opus"))]
            return Err(AudioError::UnsupportedCodec(
                "Opus (this build of emovox-audio has its `opus` feature off)".into(),
            ));
        }
        let options = DecoderOptions { verify: true };
        match guarded(container, || {
            symphonia::default::get_codecs().make(params, &options)
        })? {
            Ok(decoder) => Ok(Codec::Symphonia(decoder)),
            Err(SymError::Unsupported(what)) => {
                let name = symphonia::default::get_codecs()
                    .get_codec(params.codec)
                    .map_or("unknown", |d| d.short_name);
                Err(AudioError::UnsupportedCodec(format!(
                    "{container} track of codec {name} ({what})"
                )))
            }
            Err(e) => Err(symphonia_error(e, container)),
        }
    }

    /// Runs symphonia code, turning a panic of its own on malformed input into
    /// [`AudioError::CorruptStream`]: symphonia 0.5 still has a few, which emovox's fuzzing
    /// meets (FUZZING.md), and a caller's batch must go on past such a file. Nothing of emovox's
    /// state is shared with the closure beyond what the caller drops after an error.
    fn guarded<T>(container: &'static str, f: impl FnOnce() -> T) -> Result<T, AudioError> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            AudioError::CorruptStream {
                format: container,
                reason: format!("the decoder failed on malformed data ({what})"),
            }
        })
    }

    /// Adds where it happened to a corrupt-stream error.
    fn at_time(err: AudioError, seconds: f64) -> AudioError {
        match err {
            AudioError::CorruptStream { format, reason } => AudioError::CorruptStream {
                format,
                reason: format!("{reason} (at {seconds:.3} s)"),
            },
            other => other,
        }
    }

    /// Maps symphonia's errors onto emovox's.
    pub(crate) fn symphonia_error(err: SymError, container: &'static str) -> AudioError {
        match err {
            SymError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                AudioError::CorruptStream {
                    format: container,
                    reason: "cut short (the data ends inside a structure)".into(),
                }
            }
            SymError::IoError(e) if e.kind() == std::io::ErrorKind::Other => {
                // symphonia reports some malformed structures as "other" I/O errors.
                AudioError::CorruptStream {
                    format: container,
                    reason: e.to_string(),
                }
            }
            SymError::IoError(source) => AudioError::Io {
                path: "<stream>".into(),
                source,
            },
            SymError::DecodeError(reason) => AudioError::CorruptStream {
                format: container,
                reason: reason.into(),
            },
            SymError::SeekError(kind) => AudioError::CorruptStream {
                format: container,
                reason: format!("seek failed ({kind:?})"),
            },
            SymError::Unsupported(what) => {
                AudioError::UnsupportedCodec(format!("{container}: {what}"))
            }
            SymError::LimitError(what) => AudioError::LimitExceeded(format!("{container}: {what}")),
            SymError::ResetRequired => AudioError::UnsupportedCodec(format!(
                "{container}: the stream changes its parameters mid-way (chained streams)"
            )),
        }
    }
}
