//! An OGG stream's last page and its header packets, read with bounded seeks and reads.

use std::io::{Read, Seek, SeekFrom};

use super::vorbis_comment::check_comment;

/// The last page of an OGG file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct OggEnd {
    /// The page is whole (its header and every segment its table declares are present).
    pub(crate) whole: bool,
    /// The page carries the end-of-stream flag.
    pub(crate) eos: bool,
    /// The page carries the beginning-of-stream flag: it is the stream's first page, which holds
    /// only the codec's identification header.
    pub(crate) bos: bool,
    /// Its granule position (for Opus: 48 kHz samples including the pre-skip).
    pub(crate) granule: u64,
    /// Its logical stream's serial number (symphonia's track id).
    pub(crate) serial: u32,
}

/// Finds the last OGG page in the final 64 KiB of the file; `None` if there is none. The reader
/// is left at its start.
pub(crate) fn ogg_end<R: Read + Seek>(reader: &mut R, len: u64) -> std::io::Result<Option<OggEnd>> {
    // A page is at most 27 + 255 + 255 * 255 = 65,307 bytes.
    let tail_len = len.min(65_307 + 27);
    reader.seek(SeekFrom::Start(len - tail_len))?;
    let mut tail = vec![0u8; tail_len as usize];
    reader.read_exact(&mut tail)?;
    reader.seek(SeekFrom::Start(0))?;
    // The last capture pattern whose header parses; a page cut short is incomplete.
    let Some(last) = tail.windows(4).rposition(|w| w == b"OggS") else {
        return Ok(None);
    };
    let page = &tail[last..];
    let Some(header) = page.get(..27) else {
        return Ok(Some(OggEnd {
            whole: false,
            eos: false,
            bos: false,
            granule: 0,
            serial: 0,
        }));
    };
    let granule = u64::from_le_bytes(header[6..14].try_into().unwrap_or_default());
    let serial = u32::from_le_bytes(header[14..18].try_into().unwrap_or_default());
    let segments = header[26] as usize;
    let whole = page.get(27..27 + segments).is_some_and(|table| {
        let body: usize = table.iter().map(|&b| b as usize).sum();
        page.len() >= 27 + segments + body
    });
    Ok(Some(OggEnd {
        whole,
        eos: header[5] & 0x04 != 0,
        bos: header[5] & 0x02 != 0,
        granule,
        serial,
    }))
}

/// Refuses OGG comment packets (`\x03vorbis`, `OpusTags`) whose comment lengths run past the
/// packet, before symphonia allocates them, and Vorbis setup packets whose codebooks symphonia
/// cannot take (`vorbis_setup.rs`: a page checksum does not stop a forged file). Reassembles the
/// first stream's second and third packets from the pages (at most the bytes the file holds;
/// at most 1,024 pages are looked at).
pub(crate) fn check_ogg_headers<R: Read + Seek>(
    reader: &mut R,
    len: u64,
) -> Result<(), crate::AudioError> {
    let found = ogg_header_packets(reader, len);
    let _ = reader.seek(SeekFrom::Start(0));
    let corrupt = |reason| crate::AudioError::CorruptStream {
        format: "OGG",
        reason,
    };
    // Damaged pages, or packets the pages end before: symphonia reports them.
    let Ok([comment, setup]) = found else {
        return Ok(());
    };
    let comment = comment.as_deref().unwrap_or_default();
    let body = if let Some(rest) = comment.strip_prefix(b"\x03vorbis") {
        Some(rest)
    } else {
        comment.strip_prefix(b"OpusTags")
    };
    if let Some(body) = body {
        check_comment(body).map_err(corrupt)?;
    }
    let setup = setup.as_deref().unwrap_or_default();
    crate::vorbis_setup::check_setup(setup).map_err(|reason| corrupt(reason.into()))
}

/// The first stream's second and third packets (the comment and, for Vorbis, setup headers),
/// each `None` where the pages end before it does.
fn ogg_header_packets<R: Read + Seek>(
    reader: &mut R,
    len: u64,
) -> std::io::Result<[Option<Vec<u8>>; 2]> {
    let mut at = 0u64;
    let mut serial = None;
    let mut packet_index = 0usize;
    let mut packets = [Vec::new(), Vec::new()];
    for _ in 0..1_024 {
        if at + 27 > len {
            break;
        }
        let mut header = [0u8; 27 + 255];
        reader.seek(SeekFrom::Start(at))?;
        reader.read_exact(&mut header[..27])?;
        if &header[..4] != b"OggS" {
            break;
        }
        let segments = header[26] as usize;
        reader.read_exact(&mut header[27..27 + segments])?;
        let this_serial = u32::from_le_bytes([header[14], header[15], header[16], header[17]]);
        let body: u64 = header[27..27 + segments]
            .iter()
            .map(|&b| u64::from(b))
            .sum();
        let body_start = at + 27 + segments as u64;
        if body_start + body > len {
            break;
        }
        if *serial.get_or_insert(this_serial) == this_serial {
            let mut offset = body_start;
            for &lace in &header[27..27 + segments] {
                if let Some(packet) = packet_index.checked_sub(1).and_then(|i| packets.get_mut(i)) {
                    let start = packet.len();
                    packet.resize(start + lace as usize, 0);
                    reader.seek(SeekFrom::Start(offset))?;
                    reader.read_exact(&mut packet[start..])?;
                }
                offset += u64::from(lace);
                if lace < 255 {
                    packet_index += 1;
                    if packet_index == 3 {
                        break;
                    }
                }
            }
        }
        if packet_index == 3 {
            break;
        }
        at = body_start + body;
    }
    // Packet `i + 1` is whole once the count has passed it.
    let [comment, setup] = packets;
    Ok([
        (packet_index >= 2).then_some(comment),
        (packet_index >= 3).then_some(setup),
    ])
}
