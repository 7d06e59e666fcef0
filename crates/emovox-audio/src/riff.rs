//! RIFF/WAVE and RF64 files: one chunk walker that turns the header into a [`WavFormat`]
//! (coding, channels, rate, where the samples are and how many whole frames there are), and a
//! [`FrameReader`] that decodes them chunk by chunk to mono f32, for whole-file decoding
//! ([`crate::decode_wav`]) and streaming ([`crate::WavStream`]) alike.
//!
//! What it reads as `soundfile` (libsndfile) does, sample for sample:
//!
//! - integer PCM in containers of 1 to 4 bytes (the block align's width per channel), scaled
//!   by 1 / 2^(8 * width - 1); 8-bit samples are unsigned, centred on 128;
//! - IEEE float, 32-bit, and 64-bit cast to f32 (as soundfile's float32 read does);
//! - G.711 A-law and mu-law ([`crate::g711`]'s tables);
//! - `WAVE_FORMAT_EXTENSIBLE` headers of those codings (the sub-format GUID's tag);
//! - RF64 files (the 64-bit sizes of their `ds64` chunk);
//! - chunks of odd size, with their pad byte or (as some writers leave them) without;
//! - a data chunk whose size is a streaming writer's placeholder: `0xFFFFFFFF` (ffmpeg writing
//!   to a pipe), 0 (recorders that never came back to fill it in) and `0x7FFFF000` (sox's
//!   "unspecified"), when the file is shorter than that: the samples then run to the end of
//!   the file. A data chunk of another size that is longer than the file is
//!   [`AudioError::Truncated`].
//!
//! Only whole frames are read: a last partial frame (an odd byte count) is left out, as
//! soundfile leaves it. Nothing is allocated from a size field the file's length does not back.

use std::io::{Read, Seek, SeekFrom};

use crate::channels::Downmix;
use crate::g711::Law;
use crate::{validate_sample_rate, AudioError, Channels};

/// The last 14 bytes of every `KSDATAFORMAT_SUBTYPE_*` GUID whose first two bytes are a
/// format tag (PCM, IEEE float, A-law, mu-law ...).
const KS_GUID_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
];

/// sox's "length unspecified" data size, written when its output cannot be seeked.
const SOX_UNSPECIFIED: u32 = 0x7FFF_F000;

/// How a WAV file's samples are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Coding {
    /// Integer PCM in little-endian containers of `width` bytes (1: unsigned).
    Int {
        /// Bytes per sample: 1 to 4.
        width: usize,
    },
    /// 32-bit IEEE float.
    Float32,
    /// 64-bit IEEE float, read as f32.
    Float64,
    /// G.711, one byte per sample.
    G711(Law),
}

impl Coding {
    /// Bytes per sample.
    fn width(self) -> usize {
        match self {
            Coding::Int { width } => width,
            Coding::Float32 => 4,
            Coding::Float64 => 8,
            Coding::G711(_) => 1,
        }
    }

    /// Whether a sample can be NaN or infinite.
    pub(crate) fn is_float(self) -> bool {
        matches!(self, Coding::Float32 | Coding::Float64)
    }

    /// Appends the samples coded in `bytes` (whole samples) to `out`, scaled as soundfile
    /// scales them.
    fn decode(self, bytes: &[u8], out: &mut Vec<f32>) {
        match self {
            Coding::Int { width: 1 } => {
                out.extend(
                    bytes
                        .iter()
                        .map(|&b| (i32::from(b) - 128) as f32 * (1.0 / 128.0)),
                );
            }
            Coding::Int { width: 2 } => out.extend(
                bytes
                    .chunks_exact(2)
                    .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) * (1.0 / 32_768.0)),
            ),
            Coding::Int { width: 3 } => out.extend(bytes.chunks_exact(3).map(|b| {
                (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 * (1.0 / 8_388_608.0)
            })),
            Coding::Int { .. } => out.extend(bytes.chunks_exact(4).map(|b| {
                i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32 * (1.0 / 2_147_483_648.0)
            })),
            Coding::Float32 => out.extend(
                bytes
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            ),
            Coding::Float64 => out.extend(bytes.chunks_exact(8).map(|b| {
                f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32
            })),
            Coding::G711(law) => {
                let table = crate::g711::table_of(law);
                out.extend(bytes.iter().map(|&code| table[usize::from(code)]));
            }
        }
    }
}

/// What a WAV file's header says, checked against the file.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WavFormat {
    /// How the samples are stored.
    pub(crate) coding: Coding,
    /// Channels per frame (at least 1).
    pub(crate) channels: usize,
    /// Frames per second (checked with [`validate_sample_rate`]).
    pub(crate) sample_rate: u32,
    /// Where the first frame begins.
    pub(crate) data_start: u64,
    /// Whole frames present (at least 1).
    pub(crate) frames: u64,
}

impl WavFormat {
    /// Bytes per frame.
    fn block(&self) -> usize {
        self.coding.width() * self.channels
    }
}

/// The fields of a `fmt ` chunk emovox uses.
#[derive(Clone, Copy, Debug)]
struct Fmt {
    /// The format tag (an extensible header's sub-format tag).
    tag: u16,
    /// The sub-format GUID's last 14 bytes agree with the format-tag GUIDs (always true
    /// without an extensible header).
    guid_ok: bool,
    channels: u16,
    sample_rate: u32,
    block_align: u16,
    bits: u16,
    /// The chunk's size is what its fields take: 16 (WAVEFORMAT), or 18 plus the `cbSize` it
    /// declares (WAVEFORMATEX and its extensions).
    fields_fill_it: bool,
}

fn stream_error(source: std::io::Error) -> AudioError {
    AudioError::Io {
        path: "<stream>".into(),
        source,
    }
}

fn corrupt(reason: impl Into<String>) -> AudioError {
    AudioError::CorruptHeader(reason.into())
}

/// Reads exactly `buf.len()` bytes at `at`; the header ending first is `cut_short`.
fn read_at<R: Read + Seek>(
    reader: &mut R,
    at: u64,
    buf: &mut [u8],
    cut_short: &str,
) -> Result<(), AudioError> {
    reader.seek(SeekFrom::Start(at)).map_err(stream_error)?;
    reader.read_exact(buf).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            corrupt(format!("the header is cut short ({cut_short})"))
        }
        _ => stream_error(e),
    })
}

/// A RIFF chunk ID: four printable ASCII characters.
fn looks_like_id(id: &[u8]) -> bool {
    id.iter().all(|b| (0x20..=0x7e).contains(b))
}

/// Parses the header of a seekable WAV stream (from its start) and checks it against the
/// stream's length: an empty stream, a stream that is not RIFF/WAVE or RF64, a malformed or
/// unsupported header, no whole frame, and a data chunk longer than the stream (unless its size
/// is a streaming placeholder) are errors before any sample is read.
pub(crate) fn parse<R: Read + Seek>(reader: &mut R) -> Result<WavFormat, AudioError> {
    let end = reader.seek(SeekFrom::End(0)).map_err(stream_error)?;
    if end == 0 {
        return Err(AudioError::EmptyFile);
    }
    let mut head = [0u8; 12];
    let n = end.min(12) as usize;
    read_at(reader, 0, &mut head[..n], "")?;
    let rf64 = match (&head[..n.min(4)], head.get(8..12)) {
        (b"RIFF", Some(b"WAVE")) if n == 12 => false,
        (b"RF64" | b"BW64", Some(b"WAVE")) if n == 12 => true,
        (b"RIFF" | b"RF64" | b"BW64", _) if n < 12 => {
            return Err(corrupt(format!("the header is cut short ({end} bytes)")))
        }
        _ => return Err(AudioError::NotWav("no RIFF/WAVE or RF64 signature".into())),
    };
    let mut fmt: Option<Fmt> = None;
    let mut ds64: Option<u64> = None;
    let mut pos = 12u64;
    loop {
        if pos + 8 > end {
            return Err(corrupt(match fmt {
                None => "the header is cut short: no fmt chunk",
                Some(_) => "the header is cut short: no data chunk",
            }));
        }
        let mut header = [0u8; 8];
        read_at(reader, pos, &mut header, "a chunk header")?;
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        let body = pos + 8;
        match &header[..4] {
            b"ds64" if rf64 => ds64 = Some(read_ds64(reader, body, size)?),
            b"fmt " => fmt = Some(read_fmt(reader, body, size, end)?),
            b"data" => {
                let fmt =
                    fmt.ok_or_else(|| corrupt("the data chunk comes before the fmt chunk"))?;
                return data_format(fmt, (body, size, end), rf64.then_some(ds64));
            }
            _ => {}
        }
        pos = next_chunk(reader, body, size, end)?;
    }
}

/// Whether a WAV stream's samples are IMA or Microsoft ADPCM (format tag 0x0011 or 0x0002),
/// which symphonia decodes for emovox (the `adpcm` feature); false for any other stream, and
/// for a header too damaged to say (the WAV reader then names the damage). The stream is left
/// at its start.
///
/// ADPCM of other than one or two channels is [`AudioError::UnsupportedEncoding`]: symphonia's
/// decoder reads only those (and panics on others).
pub(crate) fn is_adpcm<R: Read + Seek>(reader: &mut R) -> Result<bool, AudioError> {
    let (fmts, reached_data) = wave_fmts(reader);
    let _ = reader.seek(SeekFrom::Start(0));
    let adpcm = |f: &Fmt| cfg!(feature = "adpcm") && matches!(f.tag, 0x0002 | 0x0011);
    // emovox's reader takes the last `fmt ` before the data; every one symphonia may parse is
    // checked.
    if !fmts.last().is_some_and(adpcm) {
        return Ok(false);
    }
    // A header whose walk stops short of the data chunk (a chunk declaring more bytes than the
    // file holds) is where symphonia's walk and this one part: symphonia reads the next chunk
    // header right after the fields it parsed, inside such a chunk, and would meet `fmt `
    // chunks never checked here.
    if !reached_data {
        return Err(corrupt(
            "an ADPCM header whose chunks run past the end of the file before the data chunk",
        ));
    }
    // Nor does symphonia skip what a `fmt ` chunk holds past the fields it reads (18 bytes and
    // the `cbSize` declared): the next chunk header it reads would be inside that chunk.
    if let Some(fmt) = fmts.iter().find(|f| !f.fields_fill_it) {
        return Err(corrupt(format!(
            "an ADPCM header with a fmt chunk (format {:#06x}) larger than its fields",
            fmt.tag
        )));
    }
    fmts.iter().filter(|f| adpcm(f)).try_for_each(check_adpcm)?;
    Ok(true)
}

/// An ADPCM `fmt ` symphonia's WAV reader and decoder can take, or the typed error saying why
/// not.
fn check_adpcm(fmt: &Fmt) -> Result<(), AudioError> {
    let (name, header) = if fmt.tag == 0x0011 {
        ("IMA", 4)
    } else {
        ("MS", 7)
    };
    let unsupported = |what: String| {
        AudioError::UnsupportedEncoding(format!(
            "{name} ADPCM {what}: convert to PCM, e.g. ffmpeg -i in.wav -c:a pcm_s16le out.wav"
        ))
    };
    if !(1..=2).contains(&fmt.channels) {
        let what = format!(
            "of {} channels (mono and stereo ADPCM are read)",
            fmt.channels
        );
        return Err(unsupported(what));
    }
    if fmt.bits != 4 {
        return Err(unsupported(format!(
            "of {} bits a sample (4 are read)",
            fmt.bits
        )));
    }
    // symphonia's time base of a rate of 0 panics.
    validate_sample_rate(fmt.sample_rate)?;
    // symphonia computes the frames of a block in u16: the block's header must fit in it, and
    // the rest, in bits, in 16 bits.
    // IMA's data comes in 4-byte words per channel (interleaved for stereo: symphonia writes
    // past its buffer otherwise).
    let channels = u32::from(fmt.channels);
    let data = u32::from(fmt.block_align).checked_sub(header * channels);
    let whole_words = |bytes: u32| fmt.tag != 0x0011 || bytes.is_multiple_of(4 * channels);
    if !data.is_some_and(|bytes| (1..=8_191).contains(&bytes) && whole_words(bytes)) {
        return Err(corrupt(format!(
            "{name} ADPCM blocks of {} bytes for {} channel(s)",
            fmt.block_align, fmt.channels
        )));
    }
    Ok(())
}

/// The `fmt ` chunks of a RIFF/WAVE stream before its data chunk, in order (none for a stream
/// that is not RIFF/WAVE or a header too damaged to walk), and whether the walk reached the
/// data chunk.
fn wave_fmts<R: Read + Seek>(reader: &mut R) -> (Vec<Fmt>, bool) {
    let mut fmts = Vec::new();
    let reached_data = walk_fmts(reader, &mut fmts).is_some();
    (fmts, reached_data)
}

/// Appends the `fmt ` chunks met before the data chunk to `fmts`; `Some` when the walk reached
/// the data chunk, `None` where it stopped before.
fn walk_fmts<R: Read + Seek>(reader: &mut R, fmts: &mut Vec<Fmt>) -> Option<()> {
    let end = reader.seek(SeekFrom::End(0)).ok()?;
    let mut head = [0u8; 12];
    read_at(reader, 0, &mut head, "").ok()?;
    if &head[..4] != b"RIFF" || &head[8..] != b"WAVE" {
        return None;
    }
    let mut pos = 12u64;
    while pos + 8 <= end {
        let mut header = [0u8; 8];
        read_at(reader, pos, &mut header, "a chunk header").ok()?;
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        match &header[..4] {
            b"data" => return Some(()),
            b"fmt " => fmts.push(read_fmt(reader, pos + 8, size, end).ok()?),
            _ => {}
        }
        pos = next_chunk(reader, pos + 8, size, end).ok()?;
    }
    None
}

/// Where the chunk after the one whose body starts at `body` begins: chunks are padded to an
/// even length, but some writers leave an odd chunk unpadded; the pad is skipped unless the
/// bytes say it is missing (a chunk ID right after the body, none one byte later).
fn next_chunk<R: Read + Seek>(
    reader: &mut R,
    body: u64,
    size: u32,
    end: u64,
) -> Result<u64, AudioError> {
    let after = body + u64::from(size);
    if after > end {
        return Err(corrupt(format!(
            "the header is cut short: a chunk declares {size} bytes, {} remain",
            end - body
        )));
    }
    if size & 1 == 0 || after + 5 > end {
        return Ok(after + u64::from(size % 2));
    }
    let mut ids = [0u8; 5];
    read_at(reader, after, &mut ids, "a chunk header")?;
    let unpadded = looks_like_id(&ids[..4]) && !looks_like_id(&ids[1..]);
    Ok(if unpadded { after } else { after + 1 })
}

/// The data size an RF64 file's `ds64` chunk declares.
fn read_ds64<R: Read + Seek>(reader: &mut R, body: u64, size: u32) -> Result<u64, AudioError> {
    if size < 24 {
        return Err(corrupt(format!(
            "a ds64 chunk of {size} bytes (at least 24 expected)"
        )));
    }
    let mut fields = [0u8; 16];
    read_at(reader, body, &mut fields, "the ds64 chunk")?;
    let mut data = [0u8; 8];
    data.copy_from_slice(&fields[8..16]);
    Ok(u64::from_le_bytes(data))
}

/// Reads the `fmt ` chunk whose body (`size` bytes) starts at `body`.
fn read_fmt<R: Read + Seek>(
    reader: &mut R,
    body: u64,
    size: u32,
    end: u64,
) -> Result<Fmt, AudioError> {
    if size < 16 {
        return Err(corrupt(format!(
            "a fmt chunk of {size} bytes (at least 16 expected)"
        )));
    }
    if body + u64::from(size) > end {
        return Err(corrupt(format!(
            "the header is cut short: the fmt chunk declares {size} bytes, {} remain",
            end - body
        )));
    }
    let mut b = [0u8; 40];
    let n = (size as usize).min(40);
    read_at(reader, body, &mut b[..n], "the fmt chunk")?;
    let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    let mut fmt = Fmt {
        tag: u16_at(0),
        guid_ok: true,
        channels: u16_at(2),
        sample_rate: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        block_align: u16_at(12),
        bits: u16_at(14),
        fields_fill_it: size == 16 || (size >= 18 && size == 18 + u32::from(u16_at(16))),
    };
    if fmt.tag == 0xFFFE {
        if size < 40 {
            return Err(corrupt(format!(
                "an extensible fmt chunk of {size} bytes (40 expected)"
            )));
        }
        // cbSize (2), valid bits (2), channel mask (4), then the sub-format GUID, whose first
        // two bytes are the format tag. soundfile reads the container's width (the bits per
        // sample field), not the valid bits.
        fmt.tag = u16_at(24);
        fmt.guid_ok = b[26..40] == KS_GUID_TAIL;
    }
    Ok(fmt)
}

/// The coding of `fmt`, or why emovox does not read it.
fn coding_of(fmt: Fmt) -> Result<Coding, AudioError> {
    if !fmt.guid_ok {
        return Err(AudioError::UnsupportedEncoding(
            "an extensible header whose sub-format GUID is not PCM, float or G.711 (ambisonic \
             B-format?): convert to PCM, e.g. ffmpeg -i in.wav -c:a pcm_s16le out.wav"
                .into(),
        ));
    }
    let bits = fmt.bits;
    let (coding, natural, widest) = match fmt.tag {
        1 if bits & 7 == 0 && (8..=32).contains(&bits) => (None, bits / 8, 4),
        1 => {
            return Err(AudioError::UnsupportedEncoding(format!(
                "{bits}-bit integer PCM samples (8, 16, 24 and 32 bits are read)"
            )))
        }
        3 if bits == 32 => (Some(Coding::Float32), 4, 4),
        3 if bits == 64 => (Some(Coding::Float64), 8, 8),
        3 => {
            return Err(AudioError::UnsupportedEncoding(format!(
                "{bits}-bit float samples (32 and 64 bits are read)"
            )))
        }
        6 | 7 if bits != 8 => {
            return Err(AudioError::UnsupportedEncoding(format!(
                "{bits}-bit G.711 samples (G.711 is 8-bit)"
            )))
        }
        6 => (Some(Coding::G711(Law::A)), 1, 1),
        7 => (Some(Coding::G711(Law::Mu)), 1, 1),
        tag => return Err(AudioError::UnsupportedEncoding(unsupported_tag(tag))),
    };
    if fmt.channels == 0 {
        return Err(corrupt("zero channels"));
    }
    let channels = fmt.channels;
    let width = match fmt.block_align {
        // soundfile reads such files by the bits per sample alone.
        0 => natural,
        align if align % channels == 0 && (natural..=widest).contains(&(align / channels)) => {
            align / channels
        }
        align => {
            return Err(corrupt(format!(
                "block align {align} does not fit {channels} channel(s) of {bits}-bit samples"
            )))
        }
    };
    Ok(coding.unwrap_or(Coding::Int {
        width: usize::from(width),
    }))
}

/// Why a format tag other than PCM, float and G.711 is refused, naming the coding when it is a
/// common one.
fn unsupported_tag(tag: u16) -> String {
    let name = match tag {
        0x0002 => "MS ADPCM",
        0x0011 => "IMA ADPCM",
        0x0031 => "GSM 6.10",
        0x0040 => "G.721 ADPCM",
        0x0050 => "MPEG audio (layer I/II)",
        0x0055 => "MP3",
        0x0064 => "G.726 ADPCM",
        0x00FF | 0x1610 => "AAC",
        0x0161..=0x0163 => "Windows Media Audio",
        0x2000 => "AC-3",
        _ => "format tag",
    };
    let what = match name {
        "format tag" => format!("format tag 0x{tag:04X} is not PCM, float or G.711"),
        name => format!("{name} (format tag 0x{tag:04X})"),
    };
    format!("{what}: convert to PCM, e.g. ffmpeg -i in.wav -c:a pcm_s16le out.wav")
}

/// The format of a file whose `fmt ` chunk is `fmt` and whose data chunk's body starts at
/// `body` with the 32-bit `size` field, in a file of `end` bytes; `ds64` is `Some` for RF64
/// (with the data size of its `ds64` chunk, if it had one).
fn data_format(
    fmt: Fmt,
    (body, size, end): (u64, u32, u64),
    ds64: Option<Option<u64>>,
) -> Result<WavFormat, AudioError> {
    let coding = coding_of(fmt)?;
    validate_sample_rate(fmt.sample_rate)?;
    let channels = usize::from(fmt.channels);
    let width = coding.width() as u64;
    let present = end - body;
    let declared = match (size, ds64) {
        (u32::MAX, Some(None)) => {
            return Err(corrupt(
                "an RF64 data chunk whose size is in a ds64 chunk the file lacks",
            ))
        }
        (u32::MAX, Some(Some(data))) if data != 0 && data != u64::MAX => Some(data),
        (u32::MAX | 0, _) => None,
        (SOX_UNSPECIFIED, _) if present < u64::from(SOX_UNSPECIFIED) => None,
        (size, _) => Some(u64::from(size)),
    };
    let bytes = match declared {
        Some(declared) if declared > present => {
            return Err(AudioError::Truncated {
                declared: usize::try_from(declared / width).unwrap_or(usize::MAX),
                read: usize::try_from(present / width).unwrap_or(usize::MAX),
            })
        }
        Some(declared) => declared,
        None => present,
    };
    let frames = bytes / (width * channels as u64);
    if frames == 0 {
        return Err(AudioError::NoSamples);
    }
    Ok(WavFormat {
        coding,
        channels,
        sample_rate: fmt.sample_rate,
        data_start: body,
        frames,
    })
}

/// A WAV stream's samples, decoded chunk by chunk to mono f32.
pub(crate) struct FrameReader<R> {
    reader: R,
    format: WavFormat,
    downmix: Downmix,
    /// Frames handed out so far.
    read: u64,
    bytes: Vec<u8>,
    interleaved: Vec<f32>,
}

impl<R> FrameReader<R> {
    /// The header's format.
    pub(crate) fn format(&self) -> &WavFormat {
        &self.format
    }
}

impl<R: Read + Seek> FrameReader<R> {
    /// Parses the header ([`parse`]) and positions `reader` at the samples, to read `channels`
    /// of them (checked against the file's).
    pub(crate) fn open(mut reader: R, channels: Channels) -> Result<Self, AudioError> {
        let format = parse(&mut reader)?;
        channels.check(format.channels)?;
        reader
            .seek(SeekFrom::Start(format.data_start))
            .map_err(stream_error)?;
        Ok(Self {
            reader,
            format,
            downmix: Downmix::new(channels),
            read: 0,
            bytes: Vec::new(),
            interleaved: Vec::new(),
        })
    }

    /// Appends the next (at most) `frames` mono samples to `out`; false once every frame has
    /// been read, after checking that averaged channels did not cancel out
    /// ([`AudioError::ChannelsCancel`]).
    pub(crate) fn read_frames(
        &mut self,
        frames: usize,
        out: &mut Vec<f32>,
    ) -> Result<bool, AudioError> {
        let left = self.format.frames - self.read;
        let take = (frames as u64).min(left) as usize;
        if take == 0 {
            self.downmix.check()?;
            return Ok(false);
        }
        let channels = self.format.channels;
        self.bytes.resize(take * self.format.block(), 0);
        self.reader
            .read_exact(&mut self.bytes)
            .map_err(|e| match e.kind() {
                // `parse` checked the length; a stream that shrank since is truncated.
                std::io::ErrorKind::UnexpectedEof => AudioError::Truncated {
                    declared: (self.format.frames as usize).saturating_mul(channels),
                    read: (self.read as usize).saturating_mul(channels),
                },
                _ => stream_error(e),
            })?;
        self.interleaved.clear();
        self.format
            .coding
            .decode(&self.bytes, &mut self.interleaved);
        self.downmix.mono_into(&self.interleaved, channels, out)?;
        self.read += take as u64;
        Ok(true)
    }
}
