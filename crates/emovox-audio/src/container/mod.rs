//! The few container facts symphonia 0.5 does not act on, read with bounded seeks and reads
//! before it sees the file: an MP4 audio track's edit list (encoder priming and padding, which
//! ffmpeg and Apple's players trim), whether it exists at all, and the tables symphonia would
//! size from a hostile count ([`mp4`]); an OGG stream's last page (its granule position ends an
//! Opus stream; no end-of-stream flag means the file was cut short) and its header packets
//! ([`ogg`]); a FLAC stream's metadata blocks and declared length ([`flac`]); the comment and
//! picture blocks FLAC and OGG share ([`vorbis_comment`]); where the audio starts past an ID3v2
//! tag (here).

mod flac;
mod mp4;
mod ogg;
mod vorbis_comment;

use std::io::{Read, Seek, SeekFrom};

pub(crate) use flac::{check_flac_blocks, flac_total_samples};
pub(crate) use mp4::{inspect_mp4, Mp4Audio};
pub(crate) use ogg::{check_ogg_headers, ogg_end, OggEnd};

/// Where the audio starts: past an ID3v2 tag (10 bytes of header, a 28-bit "syncsafe" size,
/// 10 more if it has a footer), or 0. [`crate::detect_format_of`] has checked that it ends
/// inside the file.
pub(crate) fn audio_start<R: Read + Seek>(reader: &mut R, len: u64) -> std::io::Result<u64> {
    let mut head = [0u8; 10];
    reader.seek(SeekFrom::Start(0))?;
    let ok = reader.read_exact(&mut head).is_ok();
    reader.seek(SeekFrom::Start(0))?;
    if !ok || &head[..3] != b"ID3" {
        return Ok(0);
    }
    let size = head[6..10]
        .iter()
        .fold(0u64, |acc, &b| (acc << 7) | u64::from(b & 0x7f));
    let footer = if head[5] & 0x10 != 0 { 10 } else { 0 };
    Ok((10 + size + footer).min(len))
}
