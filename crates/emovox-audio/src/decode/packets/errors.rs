//! symphonia's errors and panics as emovox's errors.

use symphonia::core::errors::Error as SymError;

use crate::AudioError;

/// An I/O error of the byte source.
pub(super) fn stream_io(source: std::io::Error) -> AudioError {
    AudioError::Io {
        path: "<stream>".into(),
        source,
    }
}

/// Runs symphonia code, turning a panic of its own on malformed input into
/// [`AudioError::CorruptStream`]: symphonia 0.5 still has a few, which emovox's fuzzing
/// meets (FUZZING.md), and a caller's batch must go on past such a file. Nothing of emovox's
/// state is shared with the closure beyond what the caller drops after an error.
pub(super) fn guarded<T>(container: &'static str, f: impl FnOnce() -> T) -> Result<T, AudioError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        AudioError::CorruptStream {
            format: container,
            reason: format!("the decoder failed on malformed data ({what})"),
        }
    })
}

/// Adds where it happened to a corrupt-stream error.
pub(super) fn at_time(err: AudioError, seconds: f64) -> AudioError {
    match err {
        AudioError::CorruptStream { format, reason } => AudioError::CorruptStream {
            format,
            reason: format!("{reason} (at {seconds:.3} s)"),
        },
        other => other,
    }
}

/// Maps symphonia's errors onto emovox's.
pub(super) fn symphonia_error(err: SymError, container: &'static str) -> AudioError {
    match err {
        SymError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            AudioError::CorruptStream {
                format: container,
                reason: "cut short (the data ends inside a structure)".into(),
            }
        }
        SymError::IoError(e) if e.kind() == std::io::ErrorKind::Other => {
            // symphonia reports some malformed structures as "other" I/O errors.
            AudioError::CorruptStream {
                format: container,
                reason: e.to_string(),
            }
        }
        SymError::IoError(source) => AudioError::Io {
            path: "<stream>".into(),
            source,
        },
        SymError::DecodeError(reason) => AudioError::CorruptStream {
            format: container,
            reason: reason.into(),
        },
        SymError::SeekError(kind) => AudioError::CorruptStream {
            format: container,
            reason: format!("seek failed ({kind:?})"),
        },
        SymError::Unsupported(what) => AudioError::UnsupportedCodec(format!("{container}: {what}")),
        SymError::LimitError(what) => AudioError::LimitExceeded(format!("{container}: {what}")),
        SymError::ResetRequired if container == "OGG" => AudioError::UnsupportedCodec(
            "a chained OGG file: a second stream starts after the first (as when files are \
             joined with cat); decode the parts separately, or re-encode the whole, e.g. \
             ffmpeg -i in.ogg out.wav"
                .into(),
        ),
        SymError::ResetRequired => AudioError::UnsupportedCodec(format!(
            "{container}: the stream changes its parameters mid-way (chained streams)"
        )),
    }
}
