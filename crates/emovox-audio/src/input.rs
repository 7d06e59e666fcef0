//! Opening a path for decoding: a regular file is read from disk as it is decoded; anything
//! else (a pipe, a FIFO, `/dev/stdin`, a character device) cannot seek, which every demuxer
//! here needs, so its bytes are read into memory first, up to [`MAX_STREAM_BYTES`].

use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

use crate::{AudioError, ReadSeek};

/// The most bytes read into memory from a path that is not a regular file (1 GiB: an hour of
/// 44.1 kHz stereo 16-bit WAV is 635 MB). An endless source (`/dev/zero`) stops there with
/// [`AudioError::LimitExceeded`].
pub(crate) const MAX_STREAM_BYTES: u64 = 1 << 30;

/// `path` as a seekable byte source: a buffered file for a regular file, the bytes in memory
/// for anything else.
pub(crate) fn open(path: &Path) -> Result<Box<dyn ReadSeek>, AudioError> {
    let io = |source| AudioError::Io {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    if file.metadata().map_err(io)?.is_file() {
        return Ok(Box::new(BufReader::new(file)));
    }
    let bytes = read_bounded(file, MAX_STREAM_BYTES).map_err(|e| with_path(e, path))?;
    Ok(Box::new(Cursor::new(bytes)))
}

/// Every byte of `reader` up to `limit`; more is [`AudioError::LimitExceeded`].
pub(crate) fn read_bounded<R: Read>(reader: R, limit: u64) -> Result<Vec<u8>, AudioError> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| AudioError::Io {
            path: "<stream>".into(),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(AudioError::LimitExceeded(format!(
            "the input is not a regular file (a pipe or a device) and gives more than {limit} \
             bytes, the most read into memory from one (it may never end, as /dev/zero does); \
             save the audio to a file and read that"
        )));
    }
    Ok(bytes)
}

/// Names the file in I/O errors raised while it was read as a stream.
pub(crate) fn with_path(err: AudioError, path: &Path) -> AudioError {
    match err {
        AudioError::Io { source, .. } => AudioError::Io {
            path: path.to_owned(),
            source,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_source_stops_at_the_limit() {
        let err = read_bounded(std::io::repeat(0), 1_000).unwrap_err();
        assert!(
            matches!(&err, AudioError::LimitExceeded(m) if m.contains("not a regular file")),
            "{err:?}"
        );
        assert_eq!(read_bounded(&[1u8, 2, 3][..], 3).unwrap(), [1, 2, 3]);
    }
}
