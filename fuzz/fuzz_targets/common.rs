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
            let location = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
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
