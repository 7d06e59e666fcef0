//! The comment and picture blocks FLAC and OGG share, checked before symphonia reads them.

/// Checks a Vorbis comment structure (vendor string, then a count of length-prefixed comments)
/// against the bytes that hold it: symphonia allocates each comment's declared length before
/// reading it (up to 4 GiB for a few bytes of file).
pub(super) fn check_comment(body: &[u8]) -> Result<(), String> {
    let read = |at: usize| {
        body.get(at..at + 4)
            .map(|b| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
    };
    let bad = |what: &str| {
        Err(format!(
            "a Vorbis comment header declares {what} it does not hold"
        ))
    };
    let Some(vendor) = read(0) else {
        return Ok(()); // cut short: symphonia reports it
    };
    let mut at = 4 + vendor;
    let Some(count) = usize::try_from(at).ok().and_then(read) else {
        return if at > body.len() as u64 {
            bad("a vendor string")
        } else {
            Ok(())
        };
    };
    at += 4;
    for _ in 0..count {
        let Some(len) = usize::try_from(at).ok().and_then(read) else {
            return bad("more comments than");
        };
        at += 4 + len;
        if at > body.len() as u64 {
            return bad("a comment longer than");
        }
    }
    Ok(())
}

/// Checks a FLAC PICTURE block's three lengths (media type, description, picture data) against
/// the block's `size`: symphonia allocates each at its declared length before reading it (up to
/// 4 GiB for a block of a few bytes). `read(offset)` gives the big-endian 32-bit value at
/// `offset` in the block (`None` past the file's end: symphonia's to report, as a block cut
/// short before a length is).
pub(super) fn check_picture(
    size: u64,
    mut read: impl FnMut(u64) -> Option<u32>,
) -> Result<(), String> {
    // Picture type, then the media type's length; after the media type and the description,
    // width, height, depth and colours (16 bytes) before the data's length.
    let mut at = 4u64;
    for (what, after) in [("media type", 0), ("description", 16), ("picture", 0)] {
        if at + 4 > size {
            return Ok(());
        }
        let Some(declared) = read(at).map(u64::from) else {
            return Ok(());
        };
        let holds = size - (at + 4);
        if declared > holds {
            return Err(format!(
                "a picture block declares a {what} of {declared} bytes, it holds {holds} more"
            ));
        }
        at += 4 + declared + after;
    }
    Ok(())
}
