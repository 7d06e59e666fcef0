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

/// Checks an AIFF or AIFF-C file's `COMM` chunk (channels, sample rate) and returns the sample
/// frames it declares (symphonia 0.5 counts them from the `SSND` chunk's size, its 8 bytes of
/// offset and block size included: 4 frames too many for 16-bit mono); `None` without a `COMM`
/// chunk, which symphonia then reports.
pub(crate) fn inspect_aiff<R: Read + Seek>(
    reader: &mut R,
    len: u64,
) -> Result<Option<u64>, AudioError> {
    let mut at = 12u64;
    let mut found = None;
    for _ in 0..MAX_CHUNKS {
        let mut header = [0u8; 8];
        reader.seek(SeekFrom::Start(at)).map_err(io)?;
        if at + 8 > len || reader.read_exact(&mut header).is_err() {
            break;
        }
        let size = u64::from(u32::from_be_bytes([
            header[4], header[5], header[6], header[7],
        ]));
        let mut comm = [0u8; 18];
        if &header[..4] == b"COMM" && size >= 18 && reader.read_exact(&mut comm).is_ok() {
            found = Some(comm);
            break;
        }
        at += 8 + size + size % 2;
    }
    reader.seek(SeekFrom::Start(0)).map_err(io)?;
    let Some(comm) = found else {
        return Ok(None);
    };
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
    Ok(Some(u64::from(frames)))
}

/// Checks a CAF file's audio description (`desc`, the first chunk): a sample rate of at least
/// 1 Hz, at least one channel, and for PCM and G.711 a packet of at least one byte.
pub(crate) fn check_caf<R: Read + Seek>(reader: &mut R, len: u64) -> Result<(), AudioError> {
    let mut head = [0u8; 52];
    reader.seek(SeekFrom::Start(0)).map_err(io)?;
    let whole = len >= 52 && reader.read_exact(&mut head).is_ok();
    reader.seek(SeekFrom::Start(0)).map_err(io)?;
    if !whole || &head[8..12] != b"desc" {
        return Ok(()); // symphonia reports a file cut short or without its description
    }
    let be_u32 =
        |at: usize| u32::from_be_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]);
    let rate = f64::from_be_bytes(head[20..28].try_into().unwrap_or_default());
    let (format, bytes_per_packet, channels) = (&head[28..32], be_u32(36), be_u32(44));
    if rate.is_nan() || rate < 1.0 {
        return Err(corrupt(
            "CAF",
            format!("the description declares a sample rate of {rate} Hz"),
        ));
    }
    if channels == 0 {
        return Err(corrupt("CAF", "the description declares 0 channels".into()));
    }
    if matches!(format, b"lpcm" | b"ulaw" | b"alaw") && bytes_per_packet == 0 {
        return Err(corrupt(
            "CAF",
            "the description declares PCM packets of 0 bytes".into(),
        ));
    }
    Ok(())
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
    let bits = config
        .iter()
        .take(6)
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
        << (8 * (8 - config.len().min(6)));
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

#[cfg(test)]
mod tests {
    use super::*;

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
