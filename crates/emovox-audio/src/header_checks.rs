//! What AIFF, CAF and raw AAC (ADTS) headers say, read before symphonia sees them: the facts
//! it gets wrong (AIFF's frame count, where ADTS ends) and the values it panics on (a sample
//! rate of 0 becomes a time base of 0; a PCM packet of 0 bytes a division by zero), refused
//! as typed errors. Each reader is left at its start.

use std::io::{Read, Seek, SeekFrom};

use crate::AudioError;

/// Chunks walked at most (real files have a handful; a hostile one may hold thousands).
const MAX_CHUNKS: usize = 4_096;

fn io(source: std::io::Error) -> AudioError {
    AudioError::Io {
        path: "<stream>".into(),
        source,
    }
}

fn corrupt(format: &'static str, reason: String) -> AudioError {
    AudioError::CorruptStream { format, reason }
}

/// The value of an 80-bit IEEE 754 extended-precision number (AIFF's sample rate).
fn extended_to_f64(b: [u8; 10]) -> f64 {
    let exponent = i32::from(u16::from_be_bytes([b[0], b[1]]) & 0x7fff);
    let mantissa = u64::from_be_bytes([b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9]]);
    let sign = if b[0] & 0x80 != 0 { -1.0 } else { 1.0 };
    if exponent == 0x7fff {
        return f64::NAN;
    }
    sign * mantissa as f64 * 2f64.powi(exponent - 16_383 - 63)
}

/// Checks every `COMM` chunk symphonia 0.5's AIFF reader would parse (channels, sample rate,
/// an AIFF-C compression name) and returns the sample frames the last one declares (symphonia
/// counts them from the `SSND` chunk's size, its 8 bytes of offset and block size included: 4
/// frames too many for 16-bit mono); `None` without a `COMM` chunk, which symphonia then
/// reports. The chunks are walked as symphonia walks them: against the `FORM` size, and past a
/// `COMM` chunk by the bytes its fields take, whatever size it declares (so a chunk that
/// declares more is followed by whatever its tail holds, maybe another `COMM`).
pub(crate) fn inspect_aiff<R: Read + Seek>(
    reader: &mut R,
    len: u64,
) -> Result<Option<u64>, AudioError> {
    let mut head = [0u8; 12];
    reader.seek(SeekFrom::Start(0)).map_err(io)?;
    if len < 12 || reader.read_exact(&mut head).is_err() {
        reader.seek(SeekFrom::Start(0)).map_err(io)?;
        return Ok(None);
    }
    let form = u64::from(u32::from_be_bytes([head[4], head[5], head[6], head[7]]));
    let aifc = &head[8..12] == b"AIFC";
    // Where the reader is, and what symphonia counts against the FORM size.
    let (mut at, mut consumed, mut frames) = (12u64, 0u64, None);
    for _ in 0..MAX_CHUNKS {
        at += consumed % 2;
        consumed += consumed % 2;
        let mut header = [0u8; 8];
        reader.seek(SeekFrom::Start(at)).map_err(io)?;
        if consumed + 8 > form || at + 8 > len || reader.read_exact(&mut header).is_err() {
            break;
        }
        let size = u64::from(u32::from_be_bytes([
            header[4], header[5], header[6], header[7],
        ]));
        (at, consumed) = (at + 8, consumed + 8);
        if form - consumed < size && !(form == size && size == u64::from(u32::MAX)) {
            break; // symphonia reports a chunk overrunning the FORM chunk
        }
        consumed = (consumed + size).min(u64::from(u32::MAX));
        match &header[..4] {
            b"COMM" => {
                let Some((declared, taken)) = check_comm(reader, aifc)? else {
                    break; // cut short: symphonia reports it
                };
                frames = Some(declared);
                at += taken;
            }
            b"SSND" => break,
            _ => at += size,
        }
    }
    reader.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(frames)
}

/// Checks the `COMM` chunk body the reader is at (channels, sample rate, and for AIFF-C the
/// length of the compression name); returns the frames it declares and the bytes symphonia
/// reads of it, or `None` when the file ends inside it.
fn check_comm<R: Read>(reader: &mut R, aifc: bool) -> Result<Option<(u64, u64)>, AudioError> {
    let mut comm = [0u8; 23];
    let fields = if aifc { 23 } else { 18 };
    if reader.read_exact(&mut comm[..fields]).is_err() {
        return Ok(None);
    }
    let channels = i16::from_be_bytes([comm[0], comm[1]]);
    let frames = u32::from_be_bytes([comm[2], comm[3], comm[4], comm[5]]);
    let rate = extended_to_f64(comm[8..18].try_into().unwrap_or_default());
    if channels < 1 {
        return Err(corrupt(
            "AIFF",
            format!("the COMM chunk declares {channels} channels"),
        ));
    }
    // symphonia takes the rate `as u32`: anything under 1 Hz (or NaN) would be 0.
    if rate.is_nan() || rate < 1.0 {
        return Err(corrupt(
            "AIFF",
            format!("the COMM chunk declares a sample rate of {rate} Hz"),
        ));
    }
    if !aifc {
        return Ok(Some((u64::from(frames), 18)));
    }
    // AIFF-C: the compression type, then its name as a Pascal string padded to an even length.
    // symphonia 0.5 computes that padding as `name length + 1` in a byte, which overflows at
    // 255 (a panic in builds with overflow checks): no encoder writes a name that long.
    let name = u64::from(comm[22]);
    if name == 255 {
        return Err(corrupt(
            "AIFF",
            "the AIFF-C COMM chunk declares a compression name of 255 bytes".into(),
        ));
    }
    Ok(Some((u64::from(frames), 23 + name + (name + 1) % 2)))
}

/// Checks a CAF file's chunks as symphonia 0.5's reader reads them, each from where the one
/// before left the reader (which for `chan` and `pakt` is where their fields end, whatever size
/// they declare): the audio description (a sample rate of at least 1 Hz, 1 to 32 channels,
/// for PCM and G.711 a packet of 1 to 8 bytes a channel), sizes that fit the file (symphonia
/// allocates a magic cookie at its declared size), and the packet table (symphonia reserves its
/// declared packet count, then allocates each packet at its declared size).
pub(crate) fn check_caf<R: Read + Seek>(reader: &mut R, len: u64) -> Result<(), AudioError> {
    reader.seek(SeekFrom::Start(8)).map_err(io)?;
    let mut walk = CafWalk {
        reader: std::io::BufReader::new(&mut *reader),
        at: 8,
        len,
        desc: None,
    };
    let result = walk.chunks();
    reader.seek(SeekFrom::Start(0)).map_err(io)?;
    result
}

/// A CAF audio description: bytes and frames a packet, channels.
#[derive(Clone, Copy)]
struct CafDesc {
    bytes_per_packet: u32,
    frames_per_packet: u32,
}

/// The reader of [`check_caf`], with where it is.
struct CafWalk<R: Read> {
    reader: R,
    at: u64,
    len: u64,
    desc: Option<CafDesc>,
}

impl<R: Read> CafWalk<R> {
    /// Reads `buf` whole; false when the file ends first (symphonia then stops: its error).
    fn read(&mut self, buf: &mut [u8]) -> bool {
        self.at += buf.len() as u64;
        self.reader.read_exact(buf).is_ok()
    }

    /// Skips `n` bytes (less at the end of the file).
    fn skip(&mut self, n: u64) -> Result<(), AudioError> {
        self.at += n;
        std::io::copy(&mut (&mut self.reader).take(n), &mut std::io::sink()).map_err(io)?;
        Ok(())
    }

    /// A CAF variable-length integer (7 bits a byte, at most 9 bytes).
    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for _ in 0..9 {
            let mut byte = [0u8];
            if !self.read(&mut byte) {
                return None;
            }
            value = (value << 7) | u64::from(byte[0] & 0x7f);
            if byte[0] & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    /// The audio description (`desc`), checked; kept for the packet table.
    fn desc(&mut self) -> Result<(), AudioError> {
        let mut d = [0u8; 32];
        if !self.read(&mut d) {
            return Ok(());
        }
        let be_u32 = |at: usize| u32::from_be_bytes([d[at], d[at + 1], d[at + 2], d[at + 3]]);
        let rate = f64::from_be_bytes(d[..8].try_into().unwrap_or_default());
        let (bytes_per_packet, channels, bits) = (be_u32(16), be_u32(24), be_u32(28));
        if rate.is_nan() || rate < 1.0 {
            return Err(corrupt(
                "CAF",
                format!("the description declares a sample rate of {rate} Hz"),
            ));
        }
        // symphonia 0.5 shifts a bit by the channel count (which overflows from 64 on) and
        // multiplies the packet size by 8 (which overflows from 2^29 on).
        if !(1..=32).contains(&channels) {
            return Err(corrupt(
                "CAF",
                format!("the description declares {channels} channels (1 to 32 are read)"),
            ));
        }
        // symphonia reads a description with bits per channel as PCM, whatever its format (an
        // `opus` one too): 1,152 frames a packet, allocated at the declared frame size, which
        // it also divides the data's length by.
        let pcm = bits != 0;
        let most = if pcm { 8 * channels } else { 1 << 28 };
        if (pcm && bytes_per_packet == 0) || bytes_per_packet > most {
            return Err(corrupt(
                "CAF",
                format!("the description declares packets of {bytes_per_packet} bytes"),
            ));
        }
        self.desc = Some(CafDesc {
            bytes_per_packet,
            frames_per_packet: be_u32(20),
        });
        Ok(())
    }

    /// The packet table (`pakt`): a packet count the chunk can hold (symphonia reserves it),
    /// packet sizes within the file (it allocates each), frame counts within 32 bits.
    fn packet_table(&mut self) -> Result<(), AudioError> {
        let mut fields = [0u8; 24];
        let Some(desc) = self.desc else {
            return Ok(()); // symphonia refuses a table before the description
        };
        if !self.read(&mut fields) {
            return Ok(());
        }
        let packets = i64::from_be_bytes(fields[..8].try_into().unwrap_or_default());
        let variable = (desc.bytes_per_packet == 0, desc.frames_per_packet == 0);
        if packets <= 0 || variable == (false, false) {
            return Ok(()); // nothing to read, or symphonia refuses it
        }
        let left = self.len.saturating_sub(self.at);
        if packets as u64 > left {
            return Err(corrupt(
                "CAF",
                format!("the packet table declares {packets} packets in {left} bytes"),
            ));
        }
        for _ in 0..packets {
            let size = if variable.0 { self.varint() } else { Some(0) };
            let frames = if variable.1 { self.varint() } else { Some(0) };
            let (Some(size), Some(frames)) = (size, frames) else {
                return Ok(()); // cut short: symphonia reports it
            };
            if size > self.len || frames > u64::from(u32::MAX) {
                return Err(corrupt(
                    "CAF",
                    format!("the packet table declares a packet of {size} bytes, {frames} frames"),
                ));
            }
        }
        Ok(())
    }

    fn chunks(&mut self) -> Result<(), AudioError> {
        for _ in 0..MAX_CHUNKS {
            let mut header = [0u8; 12];
            if self.at >= self.len || !self.read(&mut header) {
                return Ok(());
            }
            let size = i64::from_be_bytes(header[4..12].try_into().unwrap_or_default());
            let left = self.len.saturating_sub(self.at);
            let fits = u64::try_from(size).is_ok_and(|s| s <= left);
            match &header[..4] {
                b"desc" if size == 32 => self.desc()?,
                b"data" if size == -1 => self.skip(4)?, // to the end: its audio is walked on
                b"pakt" if size >= 24 => self.packet_table()?,
                b"chan" if size >= 12 => {
                    let mut fields = [0u8; 12];
                    if !self.read(&mut fields) {
                        return Ok(());
                    }
                    let count = u32::from_be_bytes([fields[8], fields[9], fields[10], fields[11]]);
                    self.skip(20 * u64::from(count))?;
                }
                b"desc" | b"pakt" | b"chan" => return Ok(()), // symphonia refuses these sizes
                _ if fits => self.skip(size as u64)?,
                name => {
                    let name = String::from_utf8_lossy(name).into_owned();
                    return Err(corrupt(
                        "CAF",
                        format!("a {name} chunk declares {size} bytes, {left} remain"),
                    ));
                }
            }
        }
        Ok(())
    }
}
/// Checks raw AAC (ADTS) and tells whether it ends inside a frame: the first frame must be
/// AAC-LC (symphonia's decoder reads no other profile, and fails on some), and the frame
/// headers are followed from the start, each giving its frame's length, until one declares more
/// bytes than remain (`true`: cut short) or a header is missing where one should be (damage,
/// which the decoder resyncs past: `false`).
pub(crate) fn inspect_adts<R: Read + Seek>(reader: &mut R, len: u64) -> Result<bool, AudioError> {
    let mut at = 0u64;
    let mut cut = false;
    while at < len {
        let mut header = [0u8; 7];
        reader.seek(SeekFrom::Start(at)).map_err(io)?;
        if reader.read_exact(&mut header).is_err() {
            cut = true; // a header itself cut short
            break;
        }
        if header[0] != 0xff || header[1] != 0xf1 {
            break;
        }
        if at == 0 && header[2] >> 6 != 1 {
            let profile = ["Main", "LC", "SSR", "LTP"][usize::from(header[2] >> 6)];
            reader.seek(SeekFrom::Start(0)).map_err(io)?;
            return Err(AudioError::UnsupportedCodec(format!(
                "AAC {profile} in ADTS (emovox reads AAC-LC)"
            )));
        }
        let frame = (u64::from(header[3] & 0x03) << 11)
            | (u64::from(header[4]) << 3)
            | u64::from(header[5] >> 5);
        if frame < 7 {
            break;
        }
        at += frame;
        cut = at > len;
    }
    reader.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(cut)
}

/// The sampling rate an AAC AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1; an MP4 track's
/// decoder configuration) declares: its 4-bit frequency index, or the explicit 24-bit rate
/// after index 15. An MP4 sample entry holds the rate as 16.16 fixed point, which cannot say
/// 88.2 or 96 kHz (ffmpeg writes 0 there), so for AAC this is where the rate is.
pub(crate) fn aac_config_rate(config: &[u8]) -> Option<u32> {
    const RATES: [u32; 13] = [
        96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025,
        8_000, 7_350,
    ];
    // The first 6 bytes, left-aligned in a u64 (an empty config shifts by 64: nothing left).
    let bits = config
        .iter()
        .take(6)
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
        .checked_shl(8 * (8 - config.len().min(6)) as u32)
        .unwrap_or(0);
    let take = |from: u32, n: u32| ((bits >> (64 - from - n)) & ((1 << n) - 1)) as u32;
    // The object type: 5 bits, or 31 then 6 more.
    let at = if take(0, 5) == 31 { 11 } else { 5 };
    let needed = if take(at, 4) == 15 { at + 28 } else { at + 4 };
    if (config.len() as u32) * 8 < needed {
        return None;
    }
    match take(at, 4) {
        15 => Some(take(at + 4, 24)),
        index => RATES.get(index as usize).copied(),
    }
}

/// The channels a FLAC frame's header says it codes (its 4-bit channel assignment: 1 to 8
/// independent channels, or a left/side, right/side or mid/side pair), or None when `frame`
/// does not start with a frame header or the assignment is reserved. A frame must code its
/// stream's channels; symphonia 0.5 decodes a pair into a one-channel buffer by `assert!`.
pub(crate) fn flac_frame_channels(frame: &[u8]) -> Option<u32> {
    match frame {
        [0xFF, sync, _, assignment, ..] if sync & 0xFE == 0xF8 => match assignment >> 4 {
            a @ 0..=7 => Some(u32::from(a) + 1),
            8..=10 => Some(2),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flac_frame_header_channels() {
        // Mono and eight independent channels, the three stereo pairs, a reserved assignment,
        // no sync, too short.
        assert_eq!(flac_frame_channels(&[0xFF, 0xF8, 0x39, 0x08, 0]), Some(1));
        assert_eq!(flac_frame_channels(&[0xFF, 0xF9, 0x39, 0x78]), Some(8));
        for pair in [0x88, 0x98, 0xA8] {
            assert_eq!(flac_frame_channels(&[0xFF, 0xF8, 0x39, pair]), Some(2));
        }
        assert_eq!(flac_frame_channels(&[0xFF, 0xF8, 0x39, 0xB8]), None);
        assert_eq!(flac_frame_channels(&[0xFF, 0xF0, 0x39, 0x08]), None);
        assert_eq!(flac_frame_channels(&[0xFF, 0xF8, 0x39]), None);
    }

    #[test]
    fn aac_config_rates() {
        // AAC-LC at 96 kHz mono (what ffmpeg writes), at 16 kHz, and an explicit 50 kHz.
        assert_eq!(aac_config_rate(&[0x10, 0x08]), Some(96_000));
        assert_eq!(aac_config_rate(&[0x14, 0x08]), Some(16_000));
        let explicit = [0x17, 0x80, 0x61, 0xa8, 0x08];
        assert_eq!(aac_config_rate(&explicit), Some(50_000));
        // Reserved indices, a config cut short, an empty one.
        assert_eq!(aac_config_rate(&[0x16, 0x88]), None);
        assert_eq!(aac_config_rate(&[0x17, 0x80]), None);
        assert_eq!(aac_config_rate(&[]), None);
    }

    #[test]
    fn extended_precision_rates() {
        // 16000 and 44100 as AIFF writers store them; 0; infinity's exponent.
        assert_eq!(
            extended_to_f64([0x40, 0x0c, 0xfa, 0, 0, 0, 0, 0, 0, 0]),
            16_000.0
        );
        assert_eq!(
            extended_to_f64([0x40, 0x0e, 0xac, 0x44, 0, 0, 0, 0, 0, 0]),
            44_100.0
        );
        assert_eq!(extended_to_f64([0; 10]), 0.0);
        assert!(extended_to_f64([0x7f, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0]).is_nan());
    }
}
