//! One channel of a multichannel file (`Channels::Only`), in every format and every entry
//! point: the channels read one by one average, in f32 and in order, to exactly the mono
//! signal `Channels::Average` gives (which the format tests hold to soundfile and ffmpeg); a
//! channel the file lacks is `NoSuchChannel`; streaming gives what decoding whole gives.

use std::path::{Path, PathBuf};

use emovox_audio::{
    decode_audio_with, open_audio_stream_with, read_audio, read_audio_with, AudioError, Channels,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Multichannel fixtures: WAV (PCM, float, extensible, G.711), FLAC, MP3, AAC, Opus.
const FILES: &[(&str, usize)] = &[
    ("pcm24_stereo.wav", 2),
    ("float32_stereo.wav", 2),
    ("pcm16_3ch_extensible.wav", 3),
    ("alaw_stereo.wav", 2),
    ("ulaw_stereo_extensible.wav", 2),
    ("formats/stereo44k_24bit.flac", 2),
    ("formats/stereo44k_128k.mp3", 2),
    ("formats/stereo44k_96k.m4a", 2),
    ("formats/stereo44k_64k.opus", 2),
];

#[test]
fn the_channels_one_by_one_average_to_the_mono_signal() {
    for &(name, count) in FILES {
        let path = fixture(name);
        let mixed = read_audio(&path).unwrap();
        let channels: Vec<Vec<f32>> = (0..count)
            .map(|c| read_audio_with(&path, Channels::Only(c)).unwrap().samples)
            .collect();
        for channel in &channels {
            assert_eq!(channel.len(), mixed.samples.len(), "{name}");
        }
        // Different signals per channel, so the test can tell one from another.
        assert_ne!(channels[0], channels[1], "{name}");
        let mean: Vec<f32> = (0..mixed.samples.len())
            .map(|i| channels.iter().fold(0.0f32, |sum, c| sum + c[i]) / count as f32)
            .collect();
        assert_eq!(mean, mixed.samples, "{name}");
        assert_eq!(
            read_audio_with(&path, Channels::Average).unwrap(),
            mixed,
            "{name}"
        );
    }
}

#[test]
fn a_channel_the_file_lacks_is_an_error_whole_and_streamed() {
    for &(name, count) in FILES.iter().chain(&[("pcm16_mono.wav", 1)]) {
        let path = fixture(name);
        let err = read_audio_with(&path, Channels::Only(count)).unwrap_err();
        assert!(
            matches!(err, AudioError::NoSuchChannel { channel, channels } if channel == count && channels == count),
            "{name}: {err:?}"
        );
        let message = format!(
            "channel {count} was asked for, but the file has {count} channel(s), numbered 0 to {}",
            count - 1
        );
        assert_eq!(err.to_string(), message);
        let streamed = open_audio_stream_with(&path, 512, Channels::Only(count))
            .and_then(|stream| stream.collect::<Result<Vec<_>, _>>());
        assert!(
            matches!(streamed, Err(AudioError::NoSuchChannel { .. })),
            "{name}: {streamed:?}"
        );
    }
    // A mono file's only channel is the file.
    let mono = fixture("pcm16_mono.wav");
    assert_eq!(
        read_audio_with(&mono, Channels::Only(0)).unwrap(),
        read_audio(&mono).unwrap()
    );
}

#[test]
fn streaming_one_channel_equals_decoding_it_whole() {
    for &(name, _) in FILES {
        let path = fixture(name);
        let whole = read_audio_with(&path, Channels::Only(1)).unwrap();
        let streamed: Vec<f32> = open_audio_stream_with(&path, 777, Channels::Only(1))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
            .concat();
        assert_eq!(streamed, whole.samples, "{name}");
        let bytes = std::fs::read(&path).unwrap();
        let from_memory = decode_audio_with(std::io::Cursor::new(bytes), Channels::Only(1));
        assert_eq!(from_memory.unwrap(), whole, "{name}");
    }
}

#[test]
fn a_wav_channel_is_the_files_own_samples() {
    // pcm24_stereo.wav's right channel as hound reads it, scaled by 1 / 2^23 as soundfile does.
    let path = fixture("pcm24_stereo.wav");
    let mut reader = hound::WavReader::open(&path).unwrap();
    let right: Vec<f32> = reader
        .samples::<i32>()
        .skip(1)
        .step_by(2)
        .map(|s| s.unwrap() as f32 / 8_388_608.0)
        .collect();
    assert_eq!(
        read_audio_with(&path, Channels::Only(1)).unwrap().samples,
        right
    );
}

#[test]
fn channels_in_opposite_phase_are_an_error_when_averaged_whole_and_streamed() {
    // A stereo WAV whose right channel is the left inverted: their mean is digital silence.
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut wav = Vec::new();
    let mut writer = hound::WavWriter::new(std::io::Cursor::new(&mut wav), spec).unwrap();
    for i in 0..4_000 {
        let s = (8_000.0 * (i as f32 * 0.05).sin()) as i16;
        writer.write_sample(s).unwrap();
        writer.write_sample(-s).unwrap();
    }
    writer.finalize().unwrap();
    let cursor = || std::io::Cursor::new(wav.clone());
    let err = decode_audio_with(cursor(), Channels::Average).unwrap_err();
    assert!(
        matches!(err, AudioError::ChannelsCancel { channels: 2, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("Channels::Only"), "{err}");
    // Streamed: every chunk, then the error at the end.
    let mut stream =
        emovox_audio::AudioStream::from_reader_with(cursor(), 1_000, Channels::Average).unwrap();
    let mut chunk = Vec::new();
    for _ in 0..4 {
        assert!(stream.read_chunk(&mut chunk).unwrap());
    }
    let err = stream.read_chunk(&mut chunk).unwrap_err();
    assert!(matches!(err, AudioError::ChannelsCancel { .. }), "{err:?}");
    // One channel reads as it is.
    let left = decode_audio_with(cursor(), Channels::Only(0)).unwrap();
    assert_eq!(left.samples.len(), 4_000);
    assert_eq!(
        left.samples[20],
        (8_000.0f32 * 1.0f32.sin()) as i16 as f32 / 32_768.0
    );
}
