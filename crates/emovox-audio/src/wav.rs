//! WAV decoding with hound: PCM integer 8/16/24/32-bit and 32-bit float, any channel count,
//! down-mixed to mono and scaled exactly as `soundfile` (hence `librosa.load`) does; G.711
//! (A-law, mu-law) WAV files are read by [`crate::g711`] the same way.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use hound::{SampleFormat, WavReader, WavSpec};

use crate::{validate_sample_rate, validate_samples, AudioError, Channels};

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

/// Reads a WAV file into mono samples, as `librosa.load(path, sr=None)` returns them.
///
/// ```no_run
/// let audio = emovox_audio::read_wav("speech.wav")?;
/// println!("{} samples at {} Hz", audio.samples.len(), audio.sample_rate);
/// # Ok::<(), emovox_audio::AudioError>(())
/// ```
pub fn read_wav(path: impl AsRef<Path>) -> Result<Audio, AudioError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|source| AudioError::Io {
        path: path.to_owned(),
        source,
    })?;
    decode_wav(BufReader::new(file))
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
    mut reader: R,
    channels: Channels,
) -> Result<Audio, AudioError> {
    if let Some(format) = crate::g711::probe(&mut reader)? {
        let sample_rate = format.sample_rate();
        // `probe` checked the declared frames against the bytes present.
        let mut samples = Vec::with_capacity(format.frames() as usize);
        crate::g711::G711Reader::new(reader, format, channels)?
            .read_frames(usize::MAX, &mut samples)?;
        return Ok(Audio {
            samples,
            sample_rate,
        });
    }
    let (mut wav, spec) = open_reader(reader)?;
    channels.check(usize::from(spec.channels))?;
    let declared = wav.len() as usize;
    let count = spec.channels as usize;
    // `open_reader` checked `declared` against the bytes present, so this is bounded by the input.
    let mut interleaved = Vec::with_capacity(declared);
    read_samples(&mut wav, spec, &mut interleaved, declared, 0)?;
    let samples = if count == 1 {
        interleaved
    } else {
        let mut mono = Vec::with_capacity(interleaved.len() / count);
        channels.mono_into(&interleaved, count, &mut mono)?;
        mono
    };
    validate_samples(&samples)?;
    Ok(Audio {
        samples,
        sample_rate: spec.sample_rate,
    })
}

/// Parses the header of a seekable WAV stream and refuses, before any sample is read: an empty
/// stream, a bad or unsupported header, zero samples, and a data chunk declaring more bytes than
/// the stream holds (hound alone would only notice that when the samples run out).
pub(crate) fn open_reader<R: Read + Seek>(
    mut reader: R,
) -> Result<(WavReader<R>, WavSpec), AudioError> {
    let end = reader.seek(SeekFrom::End(0)).map_err(stream_error)?;
    if end == 0 {
        return Err(AudioError::EmptyFile);
    }
    reader.seek(SeekFrom::Start(0)).map_err(stream_error)?;
    let wav = WavReader::new(reader).map_err(header_error)?;
    let spec = checked_spec(&wav)?;
    let declared = u64::from(wav.len());
    if declared == 0 {
        return Err(AudioError::NoSamples);
    }
    // hound has read exactly the header, so the data starts where the reader now stands. hound
    // offers no access to its reader, hence the second (cheap) parse of the header afterwards.
    let mut reader = wav.into_inner();
    let data_start = reader.stream_position().map_err(stream_error)?;
    let present_bytes = end.saturating_sub(data_start);
    // Every sample takes at least ceil(bits / 8) bytes (more when stored in a wider container).
    let sample_bytes = u64::from(spec.bits_per_sample.div_ceil(8));
    if declared * sample_bytes > present_bytes {
        return Err(AudioError::Truncated {
            declared: declared as usize,
            read: (present_bytes / sample_bytes) as usize,
        });
    }
    reader.seek(SeekFrom::Start(0)).map_err(stream_error)?;
    let wav = WavReader::new(reader).map_err(header_error)?;
    Ok((wav, spec))
}

/// The stream's spec, refused when its encoding or rate is not one emovox reads.
pub(crate) fn checked_spec<R: Read>(wav: &WavReader<R>) -> Result<WavSpec, AudioError> {
    let spec = wav.spec();
    validate_sample_rate(spec.sample_rate)?;
    if spec.channels == 0 {
        return Err(AudioError::CorruptHeader("zero channels".into()));
    }
    match (spec.sample_format, spec.bits_per_sample) {
        (SampleFormat::Int, 8 | 16 | 24 | 32) | (SampleFormat::Float, 32) => Ok(spec),
        (format, bits) => Err(AudioError::UnsupportedEncoding(format!(
            "{bits}-bit {format:?} samples"
        ))),
    }
}

/// Reads up to `limit` interleaved samples, scaled to f32, appending them to `out`; `already`
/// is how many samples of this stream were read before (for the truncation report).
/// Returns how many were read; fewer than `limit` only at the end of the data.
pub(crate) fn read_samples<R: Read>(
    wav: &mut WavReader<R>,
    spec: WavSpec,
    out: &mut Vec<f32>,
    limit: usize,
    already: usize,
) -> Result<usize, AudioError> {
    let declared = wav.len() as usize;
    let mut read = 0usize;
    let truncated = |read: usize| AudioError::Truncated {
        declared,
        read: already + read,
    };
    match spec.sample_format {
        SampleFormat::Float => {
            for sample in wav.samples::<f32>().take(limit) {
                out.push(sample.map_err(|_| truncated(read))?);
                read += 1;
            }
        }
        SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            for sample in wav.samples::<i32>().take(limit) {
                out.push(sample.map_err(|_| truncated(read))? as f32 * scale);
                read += 1;
            }
        }
    }
    Ok(read)
}

fn stream_error(source: std::io::Error) -> AudioError {
    AudioError::Io {
        path: "<stream>".into(),
        source,
    }
}

/// Maps hound's header errors onto the variants users can act on.
pub(crate) fn header_error(err: hound::Error) -> AudioError {
    match err {
        hound::Error::FormatError(msg) if msg.contains("RIFF") || msg.contains("WAVE") => {
            AudioError::NotWav(msg.to_string())
        }
        hound::Error::FormatError(msg) if msg.contains("bits per sample") => {
            AudioError::UnsupportedEncoding(msg.to_string())
        }
        hound::Error::FormatError(msg) => AudioError::CorruptHeader(msg.to_string()),
        hound::Error::Unsupported => {
            AudioError::UnsupportedEncoding("format tag not supported (e.g. ADPCM, GSM)".into())
        }
        hound::Error::TooWide => {
            AudioError::UnsupportedEncoding("samples wider than 32 bits".into())
        }
        hound::Error::InvalidSampleFormat => {
            AudioError::UnsupportedEncoding("invalid sample format for its bit depth".into())
        }
        hound::Error::UnfinishedSample => AudioError::CorruptHeader("unfinished sample".into()),
        // The whole stream is seekable and non-empty here, so a read failure while parsing the
        // header means the header is cut short.
        hound::Error::IoError(e) => {
            AudioError::CorruptHeader(format!("the header is cut short ({e})"))
        }
    }
}
