//! A FLAC stream's metadata blocks (checked before symphonia reads them) and declared length.

use std::io::{Read, Seek, SeekFrom};

use super::vorbis_comment::{check_comment, check_picture};

/// FLAC's STREAMINFO total sample count (0 means "unknown" or "none"), from the first bytes.
pub(crate) fn flac_total_samples<R: Read + Seek>(reader: &mut R) -> std::io::Result<Option<u64>> {
    let mut head = [0u8; 26];
    reader.seek(SeekFrom::Start(0))?;
    let ok = reader.read_exact(&mut head).is_ok();
    reader.seek(SeekFrom::Start(0))?;
    if !ok || &head[..4] != b"fLaC" || head[4] & 0x7f != 0 {
        return Ok(None);
    }
    let bits = u64::from_be_bytes(head[18..26].try_into().unwrap_or_default());
    Ok(Some(bits & ((1 << 36) - 1)))
}

/// Refuses a FLAC metadata block declaring more bytes than the file holds, before symphonia
/// (which allocates the declared length, up to 16 MiB, then reads) sees it, and a comment or
/// picture block whose inner lengths run past it. Reads 4 bytes a block, and the comment and
/// picture blocks whole; from `base` (past an ID3v2 tag: [`audio_start`]), where symphonia is
/// given the file.
pub(crate) fn check_flac_blocks<R: Read + Seek>(
    reader: &mut R,
    base: u64,
    len: u64,
) -> Result<(), crate::AudioError> {
    let io = |source| crate::AudioError::Io {
        path: "<stream>".into(),
        source,
    };
    let mut magic = [0u8; 4];
    reader.seek(SeekFrom::Start(base)).map_err(io)?;
    if reader.read_exact(&mut magic).is_err() || &magic != b"fLaC" {
        reader.seek(SeekFrom::Start(0)).map_err(io)?;
        return Ok(());
    }
    let mut at = base + 4;
    // Real files have a handful of blocks; a hostile one may declare thousands of empty ones.
    for _ in 0..4_096 {
        let mut header = [0u8; 4];
        reader.seek(SeekFrom::Start(at)).map_err(io)?;
        if reader.read_exact(&mut header).is_err() {
            break; // symphonia reports the file cut short
        }
        let size = u64::from(u32::from_be_bytes([0, header[1], header[2], header[3]]));
        if at + 4 + size > len {
            reader.seek(SeekFrom::Start(0)).map_err(io)?;
            return Err(crate::AudioError::CorruptStream {
                format: "FLAC",
                reason: format!(
                    "a metadata block declares {size} bytes, the file holds {} after it",
                    len - (at + 4).min(len)
                ),
            });
        }
        // VORBIS_COMMENT and PICTURE: lengths inside them are checked too (the block is in
        // the file, at most 16 MiB; of a picture, which can be megabytes, only its lengths are
        // read).
        let checked = match header[0] & 0x7f {
            4 => {
                let mut block = vec![0u8; size as usize];
                reader.read_exact(&mut block).map_err(io)?;
                check_comment(&block)
            }
            6 => check_picture(size, |offset| {
                let mut b = [0u8; 4];
                reader.seek(SeekFrom::Start(at + 4 + offset)).ok()?;
                reader.read_exact(&mut b).ok()?;
                Some(u32::from_be_bytes(b))
            }),
            _ => Ok(()),
        };
        if let Err(reason) = checked {
            reader.seek(SeekFrom::Start(0)).map_err(io)?;
            return Err(crate::AudioError::CorruptStream {
                format: "FLAC",
                reason,
            });
        }
        at += 4 + size;
        if header[0] & 0x80 != 0 {
            break; // the last metadata block
        }
    }
    reader.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(())
}
