//! Audio input for emovox: WAV decoding (hound), down-mixing, resampling (rubato), trimming.
//!
//! Decoding follows `soundfile`, so samples equal `librosa.load(path, sr=None)` for the same
//! file: integer PCM is scaled by 1 / 2^(bits - 1) and channels are averaged. Bad input is a
//! typed [`AudioError`], never a panic.
//!
//! ```no_run
//! use emovox_audio::{read_wav, Resampler};
//!
//! let audio = read_wav("speech.wav")?;
//! let samples = Resampler::new(audio.sample_rate, 16_000)?.process(&audio.samples)?;
//! let voiced = emovox_audio::trim_silence(&samples, 60.0);
//! println!("{} samples of speech", voiced.len());
//! # Ok::<(), emovox_audio::AudioError>(())
//! ```

mod error;
mod resample;
mod stream;
mod trim;
mod validate;
mod wav;

pub use error::AudioError;
pub use resample::{resample, Resampler};
pub use stream::{open_wav_stream, WavStream};
pub use trim::{trim_silence, TRIM_FRAME_LENGTH, TRIM_HOP_LENGTH};
pub use validate::{validate_sample_rate, validate_samples, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE};
pub use wav::{decode_wav, read_wav, Audio};
