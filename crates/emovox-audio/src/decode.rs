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
mod packets {
    //! Symphonia's demuxers and decoders (libopus for Opus), one packet at a time.

    use std::io::{Read, Seek, SeekFrom};

    use symphonia::core::audio::SampleBuffer;
    use symphonia::core::codecs::{
        CodecParameters, Decoder, DecoderOptions, CODEC_TYPE_FLAC, CODEC_TYPE_NULL,
    };
    use symphonia::core::errors::Error as SymError;
    use symphonia::core::formats::{FormatOptions, FormatReader, Packet, Track};
    use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};

    use super::ReadSeek;
    use crate::channels::Downmix;
    use crate::container;
    use crate::header_checks;
    use crate::sniff::AudioFormat;
    use crate::{validate_sample_rate, AudioError, Channels};

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
            #[cfg(feature = "webm")]
            AudioFormat::WebM => Box::new(crate::webm::WebmReader::try_new(stream, options)?),
            // Only ADPCM WAV comes here: emovox reads every other WAV itself.
            #[cfg(feature = "adpcm")]
            AudioFormat::Wav => Box::new(WavReader::try_new(stream, options)?),
            #[cfg(feature = "aiff")]
            AudioFormat::Aiff => Box::new(AiffReader::try_new(stream, options)?),
            #[cfg(feature = "caf")]
            AudioFormat::Caf => Box::new(CafReader::try_new(stream, options)?),
            #[cfg(feature = "aac")]
            AudioFormat::Adts => Box::new(AdtsReader::try_new(stream, options)?),
            #[cfg(feature = "amr")]
            AudioFormat::Amr => Box::new(crate::amr::AmrReader::try_new(stream, options)?),
            #[allow(unreachable_patterns)] // with every format's feature on
            _ => return Err(SymError::Unsupported("format not enabled")),
        })
    }

    enum Codec {
        Symphonia(SymphoniaCodec),
        #[cfg(feature = "opus")]
        Opus(crate::opus::OpusPackets),
        #[cfg(feature = "amr")]
        Amr(crate::amr::AmrPackets),
    }

    /// Symphonia's decoder of a track, with the buffer its packets are interleaved into.
    struct SymphoniaCodec {
        decoder: Box<dyn Decoder>,
        /// Interleaved samples of the last packet (reused; grown to the largest packet).
        interleaved: Option<SampleBuffer<f32>>,
    }

    impl SymphoniaCodec {
        /// Decodes `packet`, appending the mono samples of its `channels` to `out`. A packet
        /// at another rate than the track's `sample_rate`, or of zero channels, is corrupt;
        /// `at` (seconds into the stream) places the error.
        fn decode_mono(
            &mut self,
            packet: &Packet,
            (sample_rate, channels): (u32, &mut Downmix),
            container: &'static str,
            at: f64,
            out: &mut Vec<f32>,
        ) -> Result<(), AudioError> {
            // symphonia's FLAC decoder sizes its buffer by STREAMINFO's channels (its parameters
            // carry them) and asserts a frame's pair into it: a frame must code that many.
            let params = self.decoder.codec_params();
            if params.codec == CODEC_TYPE_FLAC {
                let stream = params.channels.map(|c| c.count() as u32);
                let frame = header_checks::flac_frame_channels(&packet.data);
                if let (Some(stream), Some(frame)) = (stream, frame) {
                    if frame != stream {
                        return Err(AudioError::CorruptStream {
                            format: container,
                            reason: format!(
                                "a FLAC frame of {frame} channels in a stream of {stream} at {at:.3} s"
                            ),
                        });
                    }
                }
            }
            let decoded = self
                .decoder
                .decode(packet)
                .map_err(|e| at_time(symphonia_error(e, container), at))?;
            let spec = *decoded.spec();
            if spec.rate != sample_rate {
                return Err(AudioError::CorruptStream {
                    format: container,
                    reason: format!(
                        "the sample rate changes from {sample_rate} Hz to {} Hz at {at:.3} s",
                        spec.rate
                    ),
                });
            }
            let count = spec.channels.count();
            if decoded.frames() == 0 {
                return Ok(());
            }
            if count == 0 {
                return Err(AudioError::CorruptStream {
                    format: container,
                    reason: "a packet of zero channels".into(),
                });
            }
            let buffer = match &mut self.interleaved {
                Some(b) if b.capacity() >= decoded.frames() * count => b,
                slot => slot.insert(SampleBuffer::new(decoded.capacity() as u64, spec)),
            };
            buffer.copy_interleaved_ref(decoded);
            channels.mono_into(buffer.samples(), count, out)
        }
    }

    /// One audio track of a container, decoded packet by packet into mono samples.
    pub(crate) struct PacketSource {
        reader: Box<dyn FormatReader>,
        codec: Codec,
        track_id: u32,
        container: &'static str,
        sample_rate: u32,
        /// The channels chosen, with the energies that tell averaged channels cancelling out.
        channels: Downmix,
        /// Frames the container declares (symphonia's count, before emovox's trimming).
        declared: Option<u64>,
        /// Mono frames out of the decoder, before trimming.
        raw: u64,
        /// Mono frames handed out, after trimming.
        decoded: u64,
        /// What is cut from the decoder's output.
        trim: Trim,
        /// How the file ends inside a page (OGG) or frame (ADTS), reported once the packets
        /// run out.
        cut_short: Option<&'static str>,
        /// An OGG file's last page lacks the end-of-stream flag.
        ogg_no_eos: bool,
        /// The container is OGG: its packets are read to the end of the file, past the end
        /// granule, so that a chained stream after them is not dropped unseen.
        ogg: bool,
        /// For MP3: the timestamp (after the encoder delay) past the last MPEG frame the
        /// Xing/LAME tag counts, its declared frames plus the encoder padding.
        mpeg_end: Option<u64>,
        /// Where the packets' timestamps first skipped ahead (FLAC and OGG).
        gaps: Gaps,
        done: bool,
    }

    /// What the container's own structures say, read before symphonia sees the file (see
    /// [`container`]).
    struct ContainerFacts {
        /// Where the audio starts: past an ID3v2 tag, or 0 ([`container::audio_start`]).
        audio_start: u64,
        /// The last page of an OGG file (`None` for other formats).
        ogg: Option<container::OggEnd>,
        /// The first audio track of an MP4 file (the default for other formats).
        mp4: container::Mp4Audio,
        /// The audio track declares zero frames: symphonia then meets the end of the file
        /// while it still looks for the first packet, or finds no track it can describe.
        declares_nothing: bool,
        /// The frames an AIFF file's `COMM` chunk declares (symphonia's own count is off).
        aiff_frames: Option<u64>,
        /// Raw AAC (ADTS) whose last frame is cut short (symphonia takes it for the end).
        adts_cut: bool,
    }

    impl ContainerFacts {
        /// Checks what symphonia 0.5 would misread (OGG comment headers, MP4 boxes and
        /// tables, FLAC metadata blocks) and reads the facts it does not act on. The reader is
        /// left at its start.
        fn inspect<R: Read + Seek>(
            reader: &mut R,
            format: AudioFormat,
            len: u64,
        ) -> Result<Self, AudioError> {
            let audio_start = container::audio_start(reader, len).map_err(stream_io)?;
            let ogg = match format {
                AudioFormat::OggVorbis | AudioFormat::OggOpus => {
                    container::check_ogg_headers(reader, len)?;
                    container::ogg_end(reader, len).map_err(stream_io)?
                }
                _ => None,
            };
            let mp4 = match format {
                AudioFormat::Mp4 => container::inspect_mp4(reader, len)?,
                _ => container::Mp4Audio::default(),
            };
            let aiff_frames = match format {
                AudioFormat::Aiff => header_checks::inspect_aiff(reader, len)?,
                _ => None,
            };
            if format == AudioFormat::Caf {
                header_checks::check_caf(reader, len)?;
            }
            let adts_cut = format == AudioFormat::Adts && header_checks::inspect_adts(reader, len)?;
            let flac_total = match format {
                AudioFormat::Flac => {
                    container::check_flac_blocks(reader, audio_start, len)?;
                    container::flac_total_samples(reader).map_err(stream_io)?
                }
                _ => None,
            };
            // An OGG file whose last page is its first holds only the identification header: a
            // file cut short, not an empty stream (whose header pages come whole).
            let declares_nothing = flac_total == Some(0)
                || ogg.is_some_and(|end| end.granule == 0 && end.whole && !end.bos)
                || mp4.packets == Some(0)
                || aiff_frames == Some(0);
            Ok(Self {
                audio_start,
                ogg,
                mp4,
                declares_nothing,
                aiff_frames,
                adts_cut,
            })
        }

        /// How the file ends inside its last OGG page (either codec) or ADTS frame, if it does.
        fn cut_short(&self, format: AudioFormat) -> Option<&'static str> {
            if is_ogg(format) && !self.ogg.is_some_and(|end| end.whole) {
                Some("cut short: the last OGG page is incomplete")
            } else if self.adts_cut {
                Some("cut short: the last ADTS frame is incomplete")
            } else {
                None
            }
        }

        /// An OGG file (of either codec) lacks the end-of-stream flag on its last page.
        fn ogg_no_eos(&self, format: AudioFormat) -> bool {
            is_ogg(format) && !self.ogg.is_some_and(|end| end.eos)
        }
    }

    /// OGG Vorbis or OGG Opus.
    fn is_ogg(format: AudioFormat) -> bool {
        matches!(format, AudioFormat::OggVorbis | AudioFormat::OggOpus)
    }

    /// What is cut from a track's decoded frames: the encoder's priming at the start and its
    /// padding at the end, as the container declares them.
    #[derive(Debug, Default)]
    struct Trim {
        /// Frames still to drop at the start (MP4 edit list, Opus pre-skip).
        skip: u64,
        /// Frames to hand out at most (MP4 edit list, Opus end granule).
        keep: Option<u64>,
        /// How far short of the declared length a complete stream may end: an MP4 edit's length
        /// is in the movie's timescale, so it can round the track's true length up by one movie
        /// tick (ffmpeg: 1 ms, 22 frames at 22.05 kHz).
        slack: u64,
    }

    impl Trim {
        /// The trimming of an MP4 audio track's edit list, in frames of `sample_rate` (none
        /// without an edit, as for the other containers).
        fn of_edit_list(mp4: &container::Mp4Audio, sample_rate: u32) -> Self {
            let Some((start, length)) = mp4.edit else {
                return Self::default();
            };
            // Edit-list units are the track's timescale; emovox counts in samples.
            let keep = length.map(|l| media_to_frames(l, mp4.timescale, sample_rate));
            let slack = if keep.is_some() && mp4.movie_timescale > 0 {
                u64::from(sample_rate.div_ceil(mp4.movie_timescale))
            } else {
                0
            };
            Self {
                skip: media_to_frames(start, mp4.timescale, sample_rate),
                keep,
                slack,
            }
        }

        /// The track's trimming and the frames it declares once trimmed: the MP4 edit list,
        /// then for Opus the pre-skip and the end granule (RFC 7845), over symphonia's
        /// `n_frames`.
        #[cfg_attr(not(feature = "opus"), allow(unused_mut, unused_variables))]
        fn of_track(
            facts: &ContainerFacts,
            codec: &Codec,
            track_id: u32,
            sample_rate: u32,
            n_frames: Option<u64>,
        ) -> (Self, Option<u64>) {
            let mut trim = Self::of_edit_list(&facts.mp4, sample_rate);
            let mut declared = n_frames;
            #[cfg(feature = "opus")]
            if let Codec::Opus(opus) = codec {
                trim.skip = opus.pre_skip();
                // RFC 7845: the last page's granule position counts every sample, pre-skip
                // included; what lies beyond it in the last packet is padding.
                declared = facts
                    .ogg
                    .filter(|end| end.whole && end.eos && end.serial == track_id)
                    .map(|end| end.granule.saturating_sub(trim.skip));
                trim.keep = declared;
            }
            if trim.keep.is_some() {
                declared = trim.keep;
            }
            (trim, declared)
        }

        /// Everything to keep has been handed out (`handed_out` frames): the rest is padding.
        fn all_kept(&self, handed_out: u64) -> bool {
            self.keep.is_some_and(|keep| handed_out >= keep)
        }

        /// Cuts the new frames `out[from..]` (after `handed_out` frames already handed out):
        /// first what is still to skip at the start, then anything past what is to be kept.
        fn apply(&mut self, out: &mut Vec<f32>, from: usize, handed_out: u64) {
            let produced = (out.len() - from) as u64;
            let dropped = self.skip.min(produced);
            if dropped > 0 {
                out.drain(from..from + dropped as usize);
                self.skip -= dropped;
            }
            if let Some(keep) = self.keep {
                let room = keep.saturating_sub(handed_out);
                let have = (out.len() - from) as u64;
                if have > room {
                    out.truncate(from + room as usize);
                }
            }
        }
    }

    /// The length of `reader` in bytes; the reader is left at its start.
    fn byte_len(reader: &mut dyn ReadSeek) -> Result<u64, AudioError> {
        let len = reader.seek(SeekFrom::End(0)).map_err(stream_io)?;
        reader.seek(SeekFrom::Start(0)).map_err(stream_io)?;
        Ok(len)
    }

    /// An I/O error of the byte source.
    fn stream_io(source: std::io::Error) -> AudioError {
        AudioError::Io {
            path: "<stream>".into(),
            source,
        }
    }

    /// Opens symphonia's demuxer for `format` on the bytes from where the audio starts (past
    /// an ID3v2 tag) to the end of the source, `len` bytes long.
    fn open_demuxer(
        mut reader: Box<dyn ReadSeek>,
        format: AudioFormat,
        len: u64,
        facts: &ContainerFacts,
    ) -> Result<Box<dyn FormatReader>, AudioError> {
        let container = container_name(format);
        let base = facts.audio_start;
        reader.seek(SeekFrom::Start(base)).map_err(stream_io)?;
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
        if facts.mp4.zero_timescale {
            // symphonia 0.5 panics on it (a time base of 0).
            return Err(AudioError::CorruptStream {
                format: container,
                reason: "a track or the movie declares a timescale of 0".into(),
            });
        }
        guarded(container, || demuxer(format, stream, &format_options))?.map_err(|e| match e {
            SymError::IoError(ref io)
                if facts.declares_nothing && io.kind() == std::io::ErrorKind::UnexpectedEof =>
            {
                AudioError::NoSamples
            }
            // emovox's WebM demuxer names what it does not support (a codec other than Opus).
            SymError::Unsupported(what) if format == AudioFormat::WebM => {
                AudioError::UnsupportedCodec(format!("{container}: {what}"))
            }
            SymError::Unsupported(_) => AudioError::UnsupportedFormat(format!(
                "{container} signature, but no {container} stream symphonia can read"
            )),
            e => symphonia_error(e, container),
        })
    }

    /// The track to decode (its ID) and its decoder parameters: an MP4 (3GP) sound track of AMR,
    /// whose sample entry symphonia does not read (`amr::mp4_params`), or else the first track
    /// whose codec symphonia knows.
    fn audio_track(
        reader: &dyn FormatReader,
        facts: &ContainerFacts,
    ) -> Result<(u32, CodecParameters), AudioError> {
        #[cfg(feature = "amr")]
        if let Some(entry) = facts.mp4.sample_entry {
            let track = (reader.tracks().iter()).find(|t| t.id == facts.mp4.track_index);
            if let Some(params) = track.and_then(|t| crate::amr::mp4_params(entry, &t.codec_params))
            {
                return Ok((facts.mp4.track_index, params));
            }
        }
        first_audio_track(reader, facts).map(|t| (t.id, t.codec_params.clone()))
    }

    /// The MP4 audio codecs read, as the error for any other names them.
    #[cfg(feature = "amr")]
    const MP4_CODECS_READ: &str = "AAC-LC, ALAC or AMR";
    /// The MP4 audio codecs read, as the error for any other names them.
    #[cfg(not(feature = "amr"))]
    const MP4_CODECS_READ: &str = "AAC-LC or ALAC (AMR needs the `amr` feature)";

    /// The first track whose codec symphonia knows, or why there is none: no samples, an MP4
    /// audio codec other than those read, or no audio track at all.
    fn first_audio_track<'a>(
        reader: &'a dyn FormatReader,
        facts: &ContainerFacts,
    ) -> Result<&'a Track, AudioError> {
        let has_audio_track = facts.mp4.has_audio_track;
        reader
            .tracks()
            .iter()
            .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
            .ok_or_else(|| {
                if has_audio_track && facts.declares_nothing {
                    AudioError::NoSamples
                } else if has_audio_track {
                    AudioError::UnsupportedCodec(format!(
                        "MP4 audio track of a codec other than {MP4_CODECS_READ}"
                    ))
                } else {
                    AudioError::NoAudioTrack
                }
            })
    }

    /// The sample rate a track declares, checked.
    fn track_sample_rate(
        params: &CodecParameters,
        container: &'static str,
    ) -> Result<u32, AudioError> {
        // An MP4 sample entry cannot hold 88.2 or 96 kHz (16.16 fixed point): for AAC, the
        // decoder configuration says the rate (what the decoder decodes at; ffmpeg reads it
        // there too).
        let aac_config = || {
            (params.codec == symphonia::core::codecs::CODEC_TYPE_AAC)
                .then_some(params.extra_data.as_deref())
                .flatten()
                .and_then(header_checks::aac_config_rate)
        };
        let sample_rate =
            aac_config()
                .or(params.sample_rate)
                .ok_or_else(|| AudioError::CorruptStream {
                    format: container,
                    reason: "the audio track declares no sample rate".into(),
                })?;
        validate_sample_rate(sample_rate)?;
        Ok(sample_rate)
    }

    impl PacketSource {
        /// Opens the container, picks its first audio track and builds its decoder: the
        /// container is inspected ahead of symphonia, its demuxer opened, the track picked
        /// and its trimming worked out.
        pub(crate) fn open(
            mut reader: Box<dyn ReadSeek>,
            format: AudioFormat,
            channels: Channels,
        ) -> Result<Self, AudioError> {
            let container = container_name(format);
            let len = byte_len(&mut *reader)?;
            let facts = ContainerFacts::inspect(&mut reader, format, len)?;
            let reader = open_demuxer(reader, format, len, &facts)?;
            let (track_id, params) = audio_track(&*reader, &facts)?;
            let sample_rate = track_sample_rate(&params, container)?;
            let codec = make_codec(&params, container)?;
            let mpeg_end = (format == AudioFormat::Mp3)
                .then_some(params.n_frames)
                .flatten()
                .map(|n| n.saturating_add(u64::from(params.padding.unwrap_or(0))));
            let n_frames = match format {
                AudioFormat::Aiff => facts.aiff_frames.or(params.n_frames),
                // symphonia estimates it from the first frames' mean length: no count to hold
                // the stream to.
                AudioFormat::Adts => None,
                _ => params.n_frames,
            };
            let (trim, declared) = Trim::of_track(&facts, &codec, track_id, sample_rate, n_frames);
            Ok(PacketSource {
                reader,
                codec,
                track_id,
                container,
                sample_rate,
                channels: Downmix::new(channels),
                declared,
                raw: 0,
                decoded: 0,
                trim,
                cut_short: facts.cut_short(format),
                ogg_no_eos: facts.ogg_no_eos(format),
                ogg: is_ogg(format),
                mpeg_end,
                gaps: Gaps {
                    on: format == AudioFormat::Flac || is_ogg(format),
                    next: Some(0),
                    first: None,
                },
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

        /// [`PacketSource::decode_next`] but for panics: reads the next packet, decodes it if
        /// it is of the track and trims it. Every error ends the stream (`done`).
        fn decode_packet(&mut self, out: &mut Vec<f32>) -> Result<bool, AudioError> {
            if self.trim.all_kept(self.decoded) && !self.ogg {
                // The edit list says the rest is padding.
                return self.end();
            }
            let mut packet = match self.reader.next_packet() {
                Ok(packet) => packet,
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return self.end();
                }
                Err(e) => {
                    self.done = true;
                    return Err(symphonia_error(e, self.container));
                }
            };
            if packet.track_id() != self.track_id || self.trim.all_kept(self.decoded) {
                // Past an OGG Opus end granule, the packets left are padding, read to the end
                // of the file only to find a chained stream that would follow them (symphonia
                // then reports a reset, an error).
                return Ok(true);
            }
            self.gaps.see(&packet);
            if self.mpeg_end.is_some_and(|end| packet.ts >= end) {
                // A frame past every one the Xing/LAME tag counts: the next part of MP3 files
                // joined end to end (symphonia's gapless mode would trim it to nothing).
                packet.trim_end = 0;
            }
            let before = out.len();
            if let Err(e) = self.decode_untrimmed(&packet, out) {
                self.done = true;
                return Err(e);
            }
            self.raw += (out.len() - before) as u64;
            self.trim.apply(out, before, self.decoded);
            self.decoded += (out.len() - before) as u64;
            Ok(true)
        }

        /// Decodes one packet of the track, appending its mono samples, untrimmed, to `out`.
        fn decode_untrimmed(
            &mut self,
            packet: &Packet,
            out: &mut Vec<f32>,
        ) -> Result<(), AudioError> {
            let at = self.raw as f64 / self.sample_rate as f64;
            match &mut self.codec {
                Codec::Symphonia(codec) => codec.decode_mono(
                    packet,
                    (self.sample_rate, &mut self.channels),
                    self.container,
                    at,
                    out,
                ),
                #[cfg(feature = "amr")]
                Codec::Amr(amr) => amr
                    .decode(packet, &mut self.channels, out)
                    .map_err(|e| at_time(e, at)),
                #[cfg(feature = "opus")]
                Codec::Opus(opus) => {
                    let before = out.len();
                    opus.decode(packet, &mut self.channels, out)
                        .map_err(|e| at_time(e, at))?;
                    // WebM's DiscardPadding: the encoder's padding at the end of the stream.
                    let padding = (packet.trim_end as usize).min(out.len() - before);
                    out.truncate(out.len() - padding);
                    Ok(())
                }
            }
        }

        /// Ends the stream (`done`) once its checks pass: false, the end.
        fn end(&mut self) -> Result<bool, AudioError> {
            self.done = true;
            self.finish()?;
            Ok(false)
        }

        /// The end-of-stream checks: nothing decoded, fewer frames than declared, an OGG file
        /// without its last page, a failed checksum, averaged channels that cancel out.
        fn finish(&mut self) -> Result<(), AudioError> {
            if let Some(declared) = self.declared.filter(|&d| d > 0) {
                if let (true, Some(at)) =
                    (self.decoded + self.trim.slack < declared, self.gaps.first)
                {
                    return Err(AudioError::CorruptStream {
                        format: self.container,
                        reason: format!(
                            "damaged data: {} of the {declared} samples declared are missing, \
                             from about {:.3} s on (frames the demuxer skipped; the file is not \
                             cut short)",
                            declared - self.decoded,
                            at as f64 / f64::from(self.sample_rate)
                        ),
                    });
                }
                if self.decoded + self.trim.slack < declared {
                    return Err(AudioError::Truncated {
                        declared: declared as usize,
                        read: self.decoded as usize,
                    });
                }
            }
            if let Some(reason) = self.cut_short {
                return Err(AudioError::CorruptStream {
                    format: self.container,
                    reason: reason.into(),
                });
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
            if let Codec::Symphonia(codec) = &mut self.codec {
                if codec.decoder.finalize().verify_ok == Some(false) {
                    return Err(AudioError::CorruptStream {
                        format: self.container,
                        reason: "the decoded audio fails the stream's MD5 checksum".into(),
                    });
                }
            }
            self.channels.check()
        }
    }

    /// Gaps in a track's packet timestamps: FLAC frame headers and OGG granule positions place
    /// every packet, so a packet later than where the last one ended means the demuxer skipped
    /// damaged data (a frame or page failing its CRC), which a file cut short never does.
    struct Gaps {
        /// Whether the container's timestamps are read from the file (FLAC, OGG).
        on: bool,
        /// Where the last packet ended (0 before the first).
        next: Option<u64>,
        /// Where the first gap began.
        first: Option<u64>,
    }

    impl Gaps {
        fn see(&mut self, packet: &Packet) {
            if !self.on {
                return;
            }
            if self.next.is_some_and(|next| packet.ts > next) && self.first.is_none() {
                self.first = self.next;
            }
            self.next = Some(packet.ts + packet.dur);
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
            AudioFormat::WebM => "WebM",
            AudioFormat::Aiff => "AIFF",
            AudioFormat::Caf => "CAF",
            AudioFormat::Adts => "ADTS",
            AudioFormat::Amr => "AMR",
        }
    }

    /// Builds the track's decoder: libopus for Opus, symphonia's for the rest.
    fn make_codec(params: &CodecParameters, container: &'static str) -> Result<Codec, AudioError> {
        #[cfg(feature = "amr")]
        if let Some(amr) = crate::amr::AmrPackets::new(params) {
            return Ok(Codec::Amr(amr?));
        }
        if params.codec == symphonia::core::codecs::CODEC_TYPE_OPUS {
            #[cfg(feature = "opus")]
            return Ok(Codec::Opus(crate::opus::OpusPackets::new(params)?));
            #[cfg(not(feature = "opus"))]
            return Err(AudioError::UnsupportedCodec(
                "Opus (this build of emovox-audio has its `opus` feature off)".into(),
            ));
        }
        check_alac_frame_length(params, container)?;
        let options = DecoderOptions { verify: true };
        match guarded(container, || {
            symphonia::default::get_codecs().make(params, &options)
        })? {
            Ok(decoder) => Ok(Codec::Symphonia(SymphoniaCodec {
                decoder,
                interleaved: None,
            })),
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

    /// The most frames an ALAC packet may declare (its magic cookie's `frameLength`; Apple's
    /// encoder writes 4096): symphonia allocates that many frames for every channel when it
    /// makes the decoder, so a forged cookie asked it for 16.7 GB (found by fuzzing).
    const MAX_ALAC_FRAME_LENGTH: u32 = 1 << 16;

    /// Refuses an ALAC track (in MP4 or CAF) whose magic cookie declares frames longer than
    /// [`MAX_ALAC_FRAME_LENGTH`] before symphonia allocates them.
    fn check_alac_frame_length(
        params: &CodecParameters,
        container: &'static str,
    ) -> Result<(), AudioError> {
        if params.codec != symphonia::core::codecs::CODEC_TYPE_ALAC {
            return Ok(());
        }
        let cookie = params.extra_data.as_deref().unwrap_or_default();
        let Some(&length) = cookie.first_chunk::<4>() else {
            return Ok(()); // symphonia refuses a cookie this short itself
        };
        let frame_length = u32::from_be_bytes(length);
        if frame_length > MAX_ALAC_FRAME_LENGTH {
            return Err(AudioError::CorruptStream {
                format: container,
                reason: format!(
                    "ALAC frames of {frame_length} samples declared (at most \
                     {MAX_ALAC_FRAME_LENGTH} read)"
                ),
            });
        }
        Ok(())
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
            SymError::ResetRequired if container == "OGG" => AudioError::UnsupportedCodec(
                "a chained OGG file: a second stream starts after the first (as when files are \
                 joined with cat); decode the parts separately, or re-encode the whole, e.g. \
                 ffmpeg -i in.ogg out.wav"
                    .into(),
            ),
            SymError::ResetRequired => AudioError::UnsupportedCodec(format!(
                "{container}: the stream changes its parameters mid-way (chained streams)"
            )),
        }
    }
}
