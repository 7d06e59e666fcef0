//! Shared by the container targets: a panic inside symphonia itself (an arithmetic overflow on
//! malformed data, which only overflow-checking builds such as cargo-fuzz's see, or an index or
//! `assert!` in any build) is caught by emovox-audio and returned as
//! `AudioError::CorruptStream`, but a user's build with `panic = "abort"` cannot catch it, so
//! every panic is a crash that libFuzzer keeps, but for the [`KNOWN_DECODER_PANICS`] and
//! symphonia's overflows, logged once per source location (for FUZZING.md) so that the run
//! goes on.
#![allow(dead_code)] // each target uses part of this module

use std::collections::HashSet;
use std::sync::{Mutex, Once};

static HOOK: Once = Once::new();
static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// Panics inside symphonia 0.5 that release builds have too, in bit streams no header check can
/// vet before symphonia decodes them: out-of-bounds indexing in the AAC and ALAC decoders and
/// in Vorbis floor 1 synthesis (values outside its table, a line past a short block's half).
/// Known, caught by emovox as `CorruptStream`, documented in FUZZING.md (`tests/bad_formats.rs`
/// replays some), upstream's to fix (symphonia 0.6 rewrote these decoders).
const KNOWN_DECODER_PANICS: &[&str] = &[
    "symphonia-codec-aac-0.5.5/src/aac/ics/mod.rs:242",
    "symphonia-codec-aac-0.5.5/src/aac/ics/mod.rs:365",
    // Any line: the decoder slices its buffers by a partial frame's own sample count, at
    // each element of a packet (694, 699, 746 seen); only the first element's header could be
    // read without decoding the packet.
    "symphonia-codec-alac-0.5.5/src/lib.rs:",
    "symphonia-codec-vorbis-0.5.5/src/floor.rs:802",
    "symphonia-codec-vorbis-0.5.5/src/floor.rs:809",
    "symphonia-codec-vorbis-0.5.5/src/floor.rs:820",
];

/// Whether a panic at `at` saying `message` is an arithmetic overflow inside symphonia: only
/// builds that check overflow have it (fuzz builds, a dependent crate's debug build; emovox's
/// own debug builds take release's arithmetic for their dependencies), release builds wrap and
/// the file is then an error or finite audio. Such panics are logged, whatever the line (the
/// MP4 atom parsers alone have a dozen: a first chunk of 0, a descriptor shorter than its
/// fields, sample counts past 2^32; MS ADPCM's step; FLAC's LPC prediction).
fn is_symphonia_overflow(at: &str, message: &str) -> bool {
    at.contains("/symphonia-") && message.contains("with overflow")
}

/// Logs, once each, panics whose location contains one of `tolerated`, or that are symphonia's
/// overflows ([`is_symphonia_overflow`]), and lets the run go on; every other panic goes to
/// libFuzzer's hook (a crash, its input kept).
fn tolerate_panics_in(tolerated: &'static [&'static str]) {
    HOOK.call_once(|| {
        let libfuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()));
            let message = info.to_string();
            match location {
                Some(at)
                    if tolerated.iter().any(|t| at.contains(t))
                        || is_symphonia_overflow(&at, &message) =>
                {
                    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
                    if seen.get_or_insert_with(HashSet::new).insert(at.clone()) {
                        eprintln!("EMOVOX: symphonia panic caught at {at}: {info}");
                    }
                }
                _ => libfuzzer_hook(info),
            }
        }));
    });
}

/// Decodes `data` whole and streamed in chunks of 997 samples: each must give samples that
/// keep the crate's guarantees (non-empty, finite, a valid rate, chunks within the asked
/// size) or a typed error. Every panic is a crash, symphonia's (caught by emovox) included,
/// but for the [`KNOWN_DECODER_PANICS`] and symphonia's overflows, which are logged.
pub fn check_decoders(data: &[u8]) {
    tolerate_panics_in(KNOWN_DECODER_PANICS);
    decode_both(data);
}

/// Decodes `data` whole and streamed, checking what decodes.
fn decode_both(data: &[u8]) {
    if let Ok(audio) = emovox_audio::decode_audio(std::io::Cursor::new(data.to_vec())) {
        assert!(!audio.samples.is_empty());
        assert!(audio.samples.iter().all(|s| s.is_finite()));
        assert!(emovox_audio::validate_sample_rate(audio.sample_rate).is_ok());
    }
    if let Ok(mut stream) =
        emovox_audio::AudioStream::from_reader(std::io::Cursor::new(data.to_vec()), 997)
    {
        let mut chunk = Vec::new();
        while let Ok(true) = stream.read_chunk(&mut chunk) {
            assert!(!chunk.is_empty() && chunk.len() <= 997);
        }
    }
}

/// Whether a RIFF/WAVE file's first `fmt ` chunk (before its `data` chunk) declares IMA
/// (0x0011) or Microsoft (0x0002) ADPCM: what emovox hands to symphonia's WAV reader.
pub fn is_adpcm_wav(data: &[u8]) -> bool {
    let mut at = 12usize;
    while let Some(header) = data.get(at..at + 8) {
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        match &header[..4] {
            b"fmt " => {
                let tag = data.get(at + 8..at + 10);
                return matches!(tag, Some([0x02, 0x00] | [0x11, 0x00]));
            }
            b"data" => return false,
            _ => at = at.saturating_add(8).saturating_add(size).saturating_add(size % 2),
        }
    }
    false
}
