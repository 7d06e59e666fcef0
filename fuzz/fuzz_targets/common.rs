//! Shared by the container targets: a panic inside symphonia itself (an arithmetic overflow on
//! malformed data, which only debug-assertion builds such as cargo-fuzz's check) is caught by
//! emovox-audio and returned as `AudioError::CorruptStream`; it is logged once per source
//! location (for FUZZING.md) instead of aborting, so that the run goes on. Any other panic
//! still aborts through libFuzzer's hook: a crash.

use std::collections::HashSet;
use std::sync::{Mutex, Once};

static HOOK: Once = Once::new();
static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);

pub fn tolerate_symphonia_panics() {
    HOOK.call_once(|| {
        let libfuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()));
            match location {
                Some(at) if at.contains("/symphonia-") => {
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
/// size) or a typed error.
pub fn check_decoders(data: &[u8]) {
    tolerate_symphonia_panics();
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
