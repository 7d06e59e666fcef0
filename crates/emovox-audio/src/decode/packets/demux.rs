//! symphonia's demuxer over the audio's bytes, and the track it decodes.

use std::io::{Read, Seek, SeekFrom};

use symphonia::core::codecs::{CodecParameters, CODEC_TYPE_NULL};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::{FormatOptions, FormatReader, Track};
use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};

use super::container_name;
use super::errors::{guarded, stream_io, symphonia_error};
use super::facts::ContainerFacts;
use crate::decode::ReadSeek;
use crate::header_checks;
use crate::sniff::AudioFormat;
use crate::{validate_sample_rate, AudioError};

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

/// The length of `reader` in bytes; the reader is left at its start.
pub(super) fn byte_len(reader: &mut dyn ReadSeek) -> Result<u64, AudioError> {
    let len = reader.seek(SeekFrom::End(0)).map_err(stream_io)?;
    reader.seek(SeekFrom::Start(0)).map_err(stream_io)?;
    Ok(len)
}

/// Opens symphonia's demuxer for `format` on the bytes from where the audio starts (past
/// an ID3v2 tag) to the end of the source, `len` bytes long.
pub(super) fn open_demuxer(
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
pub(super) fn audio_track(
    reader: &dyn FormatReader,
    facts: &ContainerFacts,
) -> Result<(u32, CodecParameters), AudioError> {
    #[cfg(feature = "amr")]
    if let Some(entry) = facts.mp4.sample_entry {
        let track = (reader.tracks().iter()).find(|t| t.id == facts.mp4.track_index);
        if let Some(params) = track.and_then(|t| crate::amr::mp4_params(entry, &t.codec_params)) {
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
pub(super) fn track_sample_rate(
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
