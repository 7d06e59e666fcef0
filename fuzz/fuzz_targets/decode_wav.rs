//! Arbitrary bytes fed to `emovox_audio::decode_wav`: it must return `Ok` or a typed error,
//! never panic, abort or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(audio) = emovox_audio::decode_wav(std::io::Cursor::new(data)) {
        // Whatever decodes must satisfy the crate's own guarantees.
        assert!(!audio.samples.is_empty());
        assert!(audio.samples.iter().all(|s| s.is_finite()));
        assert!(emovox_audio::validate_sample_rate(audio.sample_rate).is_ok());
    }
});
