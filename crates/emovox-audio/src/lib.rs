//! Audio input for emovox: WAV decoding (hound), down-mixing, resampling (rubato), trimming,
//! and seeded recording conditions ([`degrade`]: noise, gain, telephone, reverb).
//!
//! Decoding follows `soundfile`, so samples equal `librosa.load(path, sr=None)` for the same
//! file: integer PCM is scaled by 1 / 2^(bits - 1) and channels are averaged. Bad input is a
//! typed [`AudioError`], never a panic.
//!
//! ```
//! use emovox_audio::{read_wav, trim_silence, Resampler};
//!
//! // Write one second of a 440 Hz tone at 44.1 kHz (stereo, 16-bit), read it back as mono.
//! let path = std::env::temp_dir().join("emovox-audio-doc-example.wav");
//! let spec = hound::WavSpec {
//!     channels: 2,
//!     sample_rate: 44_100,
//!     bits_per_sample: 16,
//!     sample_format: hound::SampleFormat::Int,
//! };
//! let mut writer = hound::WavWriter::create(&path, spec).unwrap();
//! for i in 0..44_100 {
//!     let s = (8_000.0 * (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 44_100.0).sin()) as i16;
//!     writer.write_sample(s).unwrap();
//!     writer.write_sample(s).unwrap();
//! }
//! writer.finalize().unwrap();
//!
//! let audio = read_wav(&path)?;
//! assert_eq!((audio.sample_rate, audio.samples.len()), (44_100, 44_100));
//!
//! // Build the resampler once, reuse it for every clip of that rate.
//! let mut to_16k = Resampler::new(audio.sample_rate, 16_000)?;
//! let samples = to_16k.process(&audio.samples)?;
//! assert_eq!(samples.len(), 16_000);
//!
//! let voiced = trim_silence(&samples, 60.0);
//! assert_eq!(voiced, 0..16_000); // a steady tone has no silence to trim
//! # std::fs::remove_file(&path).ok();
//! # Ok::<(), emovox_audio::AudioError>(())
//! ```

#![warn(missing_docs)]

#[cfg(feature = "_symphonia")]
mod container;
mod decode;
pub mod degrade;
mod error;
#[cfg(feature = "opus")]
mod opus;
mod resample;
mod sniff;
mod stream;
mod trim;
mod validate;
mod wav;

pub use decode::{decode_audio, open_audio_stream, read_audio, AudioStream, ReadSeek};
pub use degrade::{
    standard_conditions, BabblePool, Condition, DegradeError, MultiConditionConfig, NoiseWeights,
};
pub use error::AudioError;
pub use resample::{resample, Resampler};
pub use sniff::{detect_format, detect_format_of, AudioFormat};
pub use stream::{open_wav_stream, WavStream};
pub use trim::{trim_silence, TRIM_FRAME_LENGTH, TRIM_HOP_LENGTH};
pub use validate::{validate_sample_rate, validate_samples, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE};
pub use wav::{decode_wav, read_wav, Audio};
