//! G.711, the 8-bit logarithmic codings of telephony (mu-law in North America and Japan,
//! A-law elsewhere), and WAV files that store it (format tags 7 and 6): what call recorders,
//! telephone systems and contact-centre archives keep. hound reads PCM only, so these files are
//! read here: the RIFF chunks walked, each byte expanded to the 16-bit value of ITU-T G.711
//! (libsndfile's tables) and scaled by 1/32768, so the samples equal `soundfile.read`, hence
//! `librosa.load`, exactly; channels are averaged as for PCM.

use std::io::{Read, Seek, SeekFrom};

use crate::{validate_sample_rate, AudioError, Channels};

/// WAV format tags of the two laws, and the extensible header's.
const TAG_ALAW: u16 = 6;
const TAG_MULAW: u16 = 7;
const TAG_EXTENSIBLE: u16 = 0xFFFE;

/// The bias of mu-law's segments.
const ULAW_BIAS: i32 = 0x84;

/// Which G.711 law a file is coded with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Law {
    /// A-law (format tag 6).
    A,
    /// Mu-law (format tag 7).
    Mu,
}

/// G.711 mu-law encoding of a 16-bit sample (the classic segment-table form).
pub(crate) fn linear_to_ulaw(sample: i16) -> u8 {
    const CLIP: i32 = 32_635;
    let mut pcm = sample as i32;
    let sign = if pcm < 0 {
        pcm = -pcm;
        0x80
    } else {
        0
    };
    let pcm = pcm.min(CLIP) + ULAW_BIAS;
    // pcm is in 132..=32767, so pcm >> 7 is in 1..=255.
    let exponent = 31 - ((pcm >> 7) as u32).leading_zeros() as i32;
    let mantissa = (pcm >> (exponent + 3)) & 0x0F;
    !((sign | (exponent << 4) | mantissa) as u8)
}

/// G.711 mu-law decoding to a 16-bit sample.
pub(crate) const fn ulaw_to_linear(code: u8) -> i16 {
    let code = !code;
    let exponent = ((code >> 4) & 0x07) as i32;
    let mantissa = (code & 0x0F) as i32;
    let magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
    if code & 0x80 != 0 {
        -magnitude as i16
    } else {
        magnitude as i16
    }
}

/// G.711 A-law decoding to a 16-bit sample.
pub(crate) const fn alaw_to_linear(code: u8) -> i16 {
    let code = code ^ 0x55;
    let segment = ((code >> 4) & 0x07) as i32;
    let mut magnitude = ((code & 0x0F) as i32) << 4;
    magnitude += if segment == 0 { 8 } else { 0x108 };
    if segment > 1 {
        magnitude <<= segment - 1;
    }
    if code & 0x80 != 0 {
        magnitude as i16
    } else {
        -magnitude as i16
    }
}

/// Every code's sample, scaled by 1/32768 as libsndfile scales 16-bit values.
const fn table(law: Law) -> [f32; 256] {
    let mut out = [0.0f32; 256];
    let mut code = 0;
    while code < 256 {
        let linear = match law {
            Law::A => alaw_to_linear(code as u8),
            Law::Mu => ulaw_to_linear(code as u8),
        };
        out[code] = linear as f32 / 32_768.0;
        code += 1;
    }
    out
}

static ALAW: [f32; 256] = table(Law::A);
static MULAW: [f32; 256] = table(Law::Mu);

/// What a G.711 WAV file's header says.
#[derive(Clone, Copy, Debug)]
pub(crate) struct G711Format {
    law: Law,
    channels: usize,
    sample_rate: u32,
    /// Where the data chunk's bytes begin, and how many frames it declares.
    data_start: u64,
    frames: u64,
}

impl G711Format {
    /// Samples per second.
    pub(crate) fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Frames (mono samples once channels are averaged) the data chunk declares.
    pub(crate) fn frames(&self) -> u64 {
        self.frames
    }
}

fn read_bytes<const N: usize>(reader: &mut impl Read) -> Result<[u8; N], AudioError> {
    let mut bytes = [0u8; N];
    reader.read_exact(&mut bytes).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            AudioError::CorruptHeader("the WAV header ends early".into())
        }
        _ => stream_error(e),
    })?;
    Ok(bytes)
}

fn stream_error(source: std::io::Error) -> AudioError {
    AudioError::Io {
        path: "<stream>".into(),
        source,
    }
}

/// The G.711 coding of a `fmt ` chunk's body, if it declares one (an extensible header's
/// sub-format counts); `None` for every other coding.
fn law_of(fmt: &[u8]) -> Option<Law> {
    let tag = u16::from_le_bytes([fmt[0], fmt[1]]);
    let tag = if tag == TAG_EXTENSIBLE && fmt.len() >= 26 {
        // cbSize (2), valid bits (2), channel mask (4), then the sub-format GUID, whose first
        // two bytes are the format tag.
        u16::from_le_bytes([fmt[24], fmt[25]])
    } else {
        tag
    };
    match tag {
        TAG_ALAW => Some(Law::A),
        TAG_MULAW => Some(Law::Mu),
        _ => None,
    }
}

/// Reads a WAV stream's header and says whether its samples are G.711, leaving the stream
/// where it was. `Ok(None)` for anything else (PCM and float are hound's; other codings and
/// broken headers get hound's errors), and an error for a G.711 file emovox cannot read: not
/// 8 bits per sample, no channels, an unusable rate, no samples, or a data chunk declaring
/// more bytes than the stream holds.
pub(crate) fn probe<R: Read + Seek>(reader: &mut R) -> Result<Option<G711Format>, AudioError> {
    let start = reader.stream_position().map_err(stream_error)?;
    let end = reader.seek(SeekFrom::End(0)).map_err(stream_error)?;
    reader.seek(SeekFrom::Start(start)).map_err(stream_error)?;
    let found = find_format(reader, end);
    reader.seek(SeekFrom::Start(start)).map_err(stream_error)?;
    let Some((law, fmt, data_start, data_len)) = found? else {
        return Ok(None);
    };
    let channels = usize::from(u16::from_le_bytes([fmt[2], fmt[3]]));
    let sample_rate = u32::from_le_bytes([fmt[4], fmt[5], fmt[6], fmt[7]]);
    let bits = u16::from_le_bytes([fmt[14], fmt[15]]);
    if channels == 0 {
        return Err(AudioError::CorruptHeader("zero channels".into()));
    }
    if bits != 8 {
        return Err(AudioError::UnsupportedEncoding(format!(
            "{bits}-bit G.711 samples (G.711 is 8-bit)"
        )));
    }
    validate_sample_rate(sample_rate)?;
    let frames = data_len / channels as u64;
    if frames == 0 {
        return Err(AudioError::NoSamples);
    }
    let present = end.saturating_sub(data_start);
    if data_len > present {
        return Err(AudioError::Truncated {
            declared: frames as usize,
            read: (present / channels as u64) as usize,
        });
    }
    Ok(Some(G711Format {
        law,
        channels,
        sample_rate,
        data_start,
        frames,
    }))
}

/// Walks the RIFF chunks from the stream's position: the law and `fmt ` body of a G.711 file
/// with its data chunk's start and length, or `None` when the stream is not RIFF/WAVE or its
/// `fmt ` chunk declares another coding.
#[allow(clippy::type_complexity)]
fn find_format<R: Read + Seek>(
    reader: &mut R,
    end: u64,
) -> Result<Option<(Law, Vec<u8>, u64, u64)>, AudioError> {
    let Ok(riff) = read_bytes::<12>(reader) else {
        return Ok(None);
    };
    if &riff[..4] != b"RIFF" || &riff[8..] != b"WAVE" {
        return Ok(None);
    }
    let mut format: Option<(Law, Vec<u8>)> = None;
    loop {
        let Ok(header) = read_bytes::<8>(reader) else {
            return Ok(None); // no data chunk: hound says what is wrong
        };
        let size = u64::from(u32::from_le_bytes([
            header[4], header[5], header[6], header[7],
        ]));
        let body_start = reader.stream_position().map_err(stream_error)?;
        match &header[..4] {
            b"fmt " => {
                if !(16..=1024).contains(&size) {
                    return Ok(None);
                }
                let mut fmt = vec![0u8; size as usize];
                if reader.read_exact(&mut fmt).is_err() {
                    return Ok(None);
                }
                match law_of(&fmt) {
                    Some(law) => format = Some((law, fmt)),
                    None => return Ok(None),
                }
            }
            b"data" => {
                return Ok(format.map(|(law, fmt)| (law, fmt, body_start, size)));
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        let next = body_start + size + (size & 1);
        if next >= end {
            return Ok(None);
        }
        reader.seek(SeekFrom::Start(next)).map_err(stream_error)?;
    }
}

/// A G.711 WAV stream's samples, decoded chunk by chunk to mono f32.
pub(crate) struct G711Reader<R> {
    reader: R,
    format: G711Format,
    channels: Channels,
    /// Frames handed out so far.
    read: u64,
    bytes: Vec<u8>,
    interleaved: Vec<f32>,
}

impl<R> G711Reader<R> {
    /// The header's format.
    pub(crate) fn format(&self) -> &G711Format {
        &self.format
    }
}

impl<R: Read + Seek> G711Reader<R> {
    /// Positions `reader` at the samples `format` ([`probe`]) found, to read `channels` of
    /// them (checked against the file's).
    pub(crate) fn new(
        mut reader: R,
        format: G711Format,
        channels: Channels,
    ) -> Result<Self, AudioError> {
        channels.check(format.channels)?;
        reader
            .seek(SeekFrom::Start(format.data_start))
            .map_err(stream_error)?;
        Ok(Self {
            reader,
            format,
            channels,
            read: 0,
            bytes: Vec::new(),
            interleaved: Vec::new(),
        })
    }

    /// Appends the next (at most) `frames` mono samples to `out`; false once every declared
    /// frame has been read.
    pub(crate) fn read_frames(
        &mut self,
        frames: usize,
        out: &mut Vec<f32>,
    ) -> Result<bool, AudioError> {
        let left = self.format.frames - self.read;
        let take = (frames as u64).min(left) as usize;
        if take == 0 {
            return Ok(false);
        }
        let channels = self.format.channels;
        self.bytes.resize(take * channels, 0);
        self.reader
            .read_exact(&mut self.bytes)
            .map_err(|e| match e.kind() {
                // `probe` checked the length; a stream that shrank since is truncated.
                std::io::ErrorKind::UnexpectedEof => AudioError::Truncated {
                    declared: self.format.frames as usize,
                    read: self.read as usize,
                },
                _ => stream_error(e),
            })?;
        let table = match self.format.law {
            Law::A => &ALAW,
            Law::Mu => &MULAW,
        };
        let decoded = self.bytes.iter().map(|&code| table[usize::from(code)]);
        if channels == 1 {
            out.extend(decoded);
        } else {
            self.interleaved.clear();
            self.interleaved.extend(decoded);
            self.channels.mono_into(&self.interleaved, channels, out)?;
        }
        self.read += take as u64;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_are_libsndfiles() {
        // Ends and middles of libsndfile's ulaw_decode / alaw_decode (and ITU-T G.711's).
        assert_eq!(ulaw_to_linear(0x00), -32_124);
        assert_eq!(ulaw_to_linear(0x7F), 0);
        assert_eq!(ulaw_to_linear(0x80), 32_124);
        assert_eq!(ulaw_to_linear(0xFF), 0);
        assert_eq!(ulaw_to_linear(0x70), -120);
        assert_eq!(alaw_to_linear(0x00), -5_504);
        assert_eq!(alaw_to_linear(0x55), -8);
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(alaw_to_linear(0x2A), -32_256);
        assert_eq!(alaw_to_linear(0xAA), 32_256);
        // Every mu-law code survives encoding its own value.
        for code in 0..=255u8 {
            let linear = ulaw_to_linear(code);
            assert_eq!(ulaw_to_linear(linear_to_ulaw(linear)), linear, "{code:#x}");
        }
    }
}
