//! Audio input for emovox: decoding of WAV (PCM, float, G.711 A-law and mu-law, IMA and MS ADPCM), FLAC, MP3, OGG Vorbis, OGG Opus, WebM and
//! Matroska, M4A/MP4 (AAC-LC, ALAC), AIFF/AIFF-C, CAF, raw AAC (ADTS) and AMR-NB / AMR-WB, down-mixing, resampling (a windowed sinc tabulated per output phase; whole
//! clips or streamed chunks), trimming, and seeded recording conditions ([`degrade`]: noise,
//! gain, telephone, reverb).
//! [`quality`] measures what about a recording costs accuracy: clipping, noise, band, speech, DC offset.
//!
//! Decoding follows `soundfile`, so samples equal `librosa.load(path, sr=None)` for the same
//! file: integer PCM is scaled by 1 / 2^(bits - 1) and channels are averaged (or one is read:
//! [`Channels`], [`read_audio_with`]). Bad input is a typed [`AudioError`], never a panic.
//!
//! # Formats
//!
//! [`read_audio`], [`decode_audio`] and [`open_audio_stream`] take any supported file; the
//! format is told from the content ([`detect_format`]: magic bytes, an ID3v2 tag looked past),
//! never from the extension. [`read_wav`], [`decode_wav`] and [`open_wav_stream`] stay WAV-only.
//!
//! | format | decoder | Cargo feature | what the tests hold it to |
//! | --- | --- | --- | --- |
//! | WAV and RF64 (PCM 8/16/24/32, float 32/64; odd-sized chunks; streamed WAV whose sizes are placeholders, read to the end of the file) | emovox (`riff.rs`) | always | bit-exact to soundfile |
//! | WAV G.711 (A-law, mu-law: telephone systems, call recorders) | emovox (`riff.rs`, `g711.rs`) | always | bit-exact to soundfile |
//! | FLAC (16/24-bit, any channels) | symphonia | `flac` | bit-exact to soundfile |
//! | M4A/MP4 ALAC | symphonia | `alac` | bit-exact to ffmpeg |
//! | MP3 (MPEG-1/2 layer III) | symphonia | `mp3` | max abs diff ≤ 3e-6 vs ffmpeg |
//! | OGG Vorbis | symphonia | `vorbis` | ≤ 1e-6 vs ffmpeg |
//! | M4A/MP4 AAC-LC (88.2 and 96 kHz too: the rate from the decoder configuration, which the sample entry's 16.16 field cannot hold) | symphonia | `aac` | ≤ 5e-6 vs ffmpeg |
//! | OGG Opus (mono, stereo) | libopus | `opus` | ≤ 1e-4 vs ffmpeg's libopus decoder (mono: exact) |
//! | WebM / Matroska with Opus (what browsers' `MediaRecorder` writes; known or unknown sizes, laced or not) | emovox's EBML demuxer, libopus | `webm` (with `opus`) | ≤ 1e-4 vs ffmpeg's libopus decoder, outside the half-waves ffmpeg soft-clips past full scale; the same length (pre-skip and the last block's `DiscardPadding` trimmed) |
//! | WebM and Matroska (MKV) with Vorbis, AAC-LC (OBS, screen recorders; beside video), FLAC, MP3 or PCM (8-32-bit integer, 32/64-bit float) | emovox's EBML demuxer (`webm_track.rs`; Vorbis setup headers checked first, `vorbis_setup.rs`), symphonia's decoders | `webm` with `vorbis` / `aac` / `flac` / `mp3` / `aiff` or `caf` (PCM) | Vorbis ≤ 1e-6, AAC ≤ 5e-6, MP3 ≤ 3e-6 vs ffmpeg, FLAC and PCM bit-exact; the same length |
//! | WAV IMA ADPCM, MS ADPCM (voice recorders, telephony) | symphonia (its WAV reader for these two codings only) | `adpcm` | bit-exact to ffmpeg (libsndfile's IMA decoder differs by up to 5e-3; MS ADPCM equal) |
//! | AIFF, AIFF-C (PCM, float, G.711; as Apple's tools write) | symphonia, frame count from `COMM` (`header_checks.rs`) | `aiff` | bit-exact to ffmpeg and soundfile |
//! | CAF (PCM, float, G.711; AAC, ALAC with those features; as iOS records) | symphonia | `caf` | bit-exact to ffmpeg and soundfile |
//! | raw AAC-LC in ADTS frames (`.aac`, MPEG-4 IDs, no CRC) | symphonia | `aac` | ≤ 5e-6 vs ffmpeg; no edit list, so the 1024 priming samples are decoded, as ffmpeg does |
//! | AMR-NB (8 kHz) and AMR-WB (16 kHz) in the RFC 4867 storage format (`#!AMR`, `#!AMR-WB`: Android's call recorders) and in 3GP / MP4 (`samr`, `sawb` tracks), every mode, comfort noise (SID, NO_DATA) included | emovox's reader (`amr.rs`), opencore-amr's 3GPP reference decoders (system `libopencore-amrnb`, `libopencore-amrwb`) | `amr` | bit-exact to the reference decoder; within 29-36 dB SNR of ffmpeg's float decoders (another implementation of the standard) |
//!
//! All features are on by default (the `emovox` facade forwards them under the same names).
//! Lossy decoders are float implementations of one standard, so they differ from ffmpeg's in
//! rounding only; lengths and alignment are exact: MP3 encoder delay and padding (LAME/Xing
//! tag) and Vorbis granule positions are honoured by symphonia's gapless mode, the MP4 edit list
//! (AAC's 1024 priming samples, and the encoded duration) and Opus's pre-skip and end granule
//! (RFC 7845) by emovox. ffmpeg 5.1 keeps AAC's end padding; emovox gives exactly the encoded
//! duration. Opus always decodes at 48 kHz, its native rate, as ffmpeg does.
//!
//! **Why libopus for Opus**: symphonia 0.5 demuxes OGG Opus but has no Opus decoder, and the
//! pure-Rust decoders on crates.io are young ports (0.1 and 0.2 releases, one author each);
//! libopus is the RFC 6716 reference decoder, maintained by Xiph, and what players and ffmpeg's
//! `libopus` decoder run. The `opus` crate (0.3, through `audiopus_sys`) links the system
//! library found by pkg-config: `apt-get install libopus-dev` on Debian (`.ci/run` does). Turn
//! the `opus` feature off to build without it.
//!
//! Every file is decoded sequentially, packet by packet, without seeking back: an
//! [`AudioStream`] holds about one chunk and one codec packet whatever the file's length.
//! Surround Opus (mapping family 1 with more than two channels), HE-AAC and chained OGG streams
//! (files joined with `cat`) are refused with [`AudioError::UnsupportedCodec`]; MP3 files joined
//! end to end are decoded whole (the frames past the first part's Xing/LAME count are kept).
//! Compressed WAV codings (ADPCM, MP3 in WAV ...) are [`AudioError::UnsupportedEncoding`],
//! named. A path that is not a regular file (a pipe, `/dev/stdin`) is read into memory first,
//! at most 1 GiB.
//!
//! When channels are averaged ([`Channels::Average`]) and cancel out (opposite phase: the mean
//! over 60 dB below the channels), decoding is [`AudioError::ChannelsCancel`]: read one channel
//! instead. The energies are summed as the samples are mixed (no second pass); a stream gives
//! its chunks and then that error at its end.
//!
//! # Bad input
//!
//! Truncated files are [`AudioError::Truncated`] where the container declares a length (FLAC
//! STREAMINFO, the MP3 Xing frame count, MP4 sample tables and edit lists, OGG Opus granule
//! positions), [`AudioError::CorruptStream`] otherwise (an OGG file without its end-of-stream
//! page, an MP4 without its `moov`); damage that a checksum catches (FLAC frame CRC and MD5,
//! OGG page CRC) or a decoder refuses (AAC, Opus) is [`AudioError::CorruptStream`], which for
//! FLAC and OGG says from about which second samples are missing. MP3 frames
//! carry no checksum, so damage inside them can decode to other samples. A declared length is
//! never trusted for an allocation: emovox checks MP4 sample tables, box sizes and FLAC
//! metadata blocks against the file before symphonia reads them (symphonia 0.5 sizes buffers
//! from them), caps tags and pictures at 1 MiB, and turns the rare panic of symphonia's on
//! malformed data into [`AudioError::CorruptStream`] (see `FUZZING.md`).
//!
//! # Resampling
//!
//! [`Resampler`] converts whole clips; [`StreamResampler`] converts a stream pushed in chunks of
//! any size (`process_into` + `flush`, into the caller's buffer) and gives exactly the same
//! samples as [`Resampler::process`] on the whole signal.
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

#[cfg(feature = "amr")]
mod amr;
mod biquad;
mod channels;
#[cfg(feature = "_symphonia")]
mod container;
mod decode;
pub mod degrade;
mod energy;
mod envelope;
mod error;
mod g711;
#[cfg(feature = "_symphonia")]
mod header_checks;
mod input;
mod interpolated;
#[cfg(feature = "opus")]
mod opus;
mod polyphase;
pub mod quality;
mod resample;
mod riff;
mod sniff;
mod stream;
mod stream_resample;
mod trim;
mod validate;
#[cfg(feature = "_symphonia")]
mod vorbis_setup;
mod wav;
#[cfg(feature = "webm")]
mod webm;
#[cfg(feature = "webm")]
mod webm_track;

pub use biquad::{butterworth4, run_cascade, Biquad, Pass};
pub use channels::Channels;
pub use decode::{
    decode_audio, decode_audio_with, open_audio_stream, open_audio_stream_with, read_audio,
    read_audio_with, AudioStream, ReadSeek,
};
pub use degrade::{
    standard_conditions, BabblePool, Condition, DegradeError, MultiConditionConfig, NoiseWeights,
};
pub use energy::{loudest_level_db, mean, mean_power, sums_of_squares, SILENCE_LEVEL_DB};
pub use envelope::{peak_envelope, peak_envelope_of};
pub use error::AudioError;
pub use quality::{
    assess, speech_extent, speech_extent_with, QualityAnalyzer, QualityConcern, RecordingQuality,
};
pub use resample::{resample, Resampler};
pub use sniff::{detect_format, detect_format_of, AudioFormat};
pub use stream::{open_wav_stream, WavStream};
pub use stream_resample::StreamResampler;
pub use trim::{trim_silence, TRIM_FRAME_LENGTH, TRIM_HOP_LENGTH};
pub use validate::{
    first_non_finite, validate_sample_rate, validate_samples, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE,
};
pub use wav::{decode_wav, read_wav, Audio};
