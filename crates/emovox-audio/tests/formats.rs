//! Every supported format decodes to what Python users get: FLAC and WAV bit-exact to soundfile
//! (`librosa.load(sr=None)`), ALAC bit-exact to ffmpeg, the lossy formats within a stated
//! tolerance of ffmpeg's decode, with the same length and no offset (encoder delay, priming and
//! padding handled). Fixtures and references: `tests/fixtures/formats/README.md`.

mod common;

use std::path::Path;

use common::{fixture, read_f32, MATROSKA_AND_AMR};
use emovox_audio::{
    decode_audio, open_audio_stream, read_audio, read_wav, AudioFormat, AudioStream,
};

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn flac_is_bit_exact_to_soundfile() {
    for (name, rate, len) in [
        ("speech16k.flac", 16_000, 16_000),
        ("stereo44k_24bit.flac", 44_100, 17_640),
    ] {
        let audio = read_audio(fixture(name)).unwrap();
        let expected = read_f32(&fixture(&format!("{name}.soundfile.f32")));
        assert_eq!(
            (audio.sample_rate, audio.samples.len()),
            (rate, len),
            "{name}"
        );
        assert_eq!(audio.samples, expected, "{name}");
    }
}

#[test]
fn wav_through_read_audio_is_read_wav() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for name in [
        "pcm16_mono",
        "pcm24_stereo",
        "float32_stereo",
        "pcm16_3ch_extensible",
        "ulaw_mono",
        "alaw_stereo",
        "ulaw_stereo_extensible",
    ] {
        let path = dir.join(format!("{name}.wav"));
        let expected = read_f32(&dir.join(format!("{name}.librosa.f32")));
        let audio = read_audio(&path).unwrap();
        assert_eq!(audio, read_wav(&path).unwrap(), "{name}");
        assert_eq!(audio.samples, expected, "{name}");
    }
}

/// AIFF, AIFF-C, CAF and ADPCM WAV, as Apple's tools, iOS and voice recorders write them:
/// bit-exact to ffmpeg's decode (name, rate, frames). soundfile (`librosa.load`) reads the same
/// samples for all but IMA ADPCM, where libsndfile's decoder differs from ffmpeg's and
/// symphonia's by up to 5e-3 (its predictor's rounding; `fixtures/formats/README.md`).
const APPLE_AND_ADPCM: &[(&str, u32, usize)] = &[
    ("speech16k.aiff", 16_000, 16_000),
    ("stereo44k_float.aifc", 44_100, 4_410),
    ("speech16k.caf", 16_000, 16_000),
    ("stereo44k_24bit.caf", 44_100, 4_410),
    // ADPCM blocks are whole: the last one's padding is decoded, by ffmpeg and libsndfile too.
    ("speech16k_ima_adpcm.wav", 16_000, 16_328),
    ("speech16k_ms_adpcm.wav", 16_000, 16_288),
    ("stereo44k_ima_adpcm.wav", 44_100, 9_153),
];

#[test]
fn aiff_caf_and_adpcm_wav_are_bit_exact_to_ffmpeg() {
    for &(name, rate, len) in APPLE_AND_ADPCM {
        let audio = read_audio(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected = read_f32(&fixture(&format!("{name}.ffmpeg.f32")));
        assert_eq!(
            (audio.sample_rate, audio.samples.len()),
            (rate, len),
            "{name}"
        );
        assert_eq!(audio.samples, expected, "{name}");
        let peak = audio.samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(peak > 0.05, "{name}: peak {peak}");
    }
}

#[test]
fn the_new_containers_are_told_from_their_content() {
    for (name, format) in [
        ("speech16k.aiff", AudioFormat::Aiff),
        ("stereo44k_float.aifc", AudioFormat::Aiff),
        ("speech16k.caf", AudioFormat::Caf),
        ("speech16k_96k.aac", AudioFormat::Adts),
        ("speech16k_ima_adpcm.wav", AudioFormat::Wav),
        ("speech8k_122k.amr", AudioFormat::Amr),
        ("speech16k_2385k.awb", AudioFormat::Amr),
    ] {
        assert_eq!(
            open_audio_stream(fixture(name), 64).unwrap().format(),
            format,
            "{name}"
        );
    }
}

/// Matroska as OBS and screen recorders write it: AAC beside a video track (its blocks skipped),
/// and PCM; FLAC and MP3 in MKV, and Vorbis in WebM and MKV (mono 16 kHz, stereo 44.1 kHz):
/// the same length as ffmpeg's decode (which keeps MP3's encoder delay and Vorbis's last block
/// whole here: Matroska has no LAME header or granule position to trim them by), PCM and FLAC
/// bit-exact, the lossy codecs within their tolerance (as in their own containers, `LOSSY`).
#[test]
fn matroska_codecs_match_ffmpeg() {
    for (name, rate, tolerance) in [
        ("speech16k_96k_video.mkv", 16_000, 5e-6),
        ("speech16k_pcm.mkv", 16_000, 0.0),
        ("speech16k_flac.mkv", 16_000, 0.0),
        ("speech16k_128k_mp3.mkv", 16_000, 3e-6),
        ("speech16k_64k_vorbis.webm", 16_000, 1e-6),
        ("stereo44k_96k_vorbis.mkv", 44_100, 1e-6),
    ] {
        let audio = read_audio(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected = read_f32(&fixture(&format!("{name}.ffmpeg.f32")));
        assert_eq!(audio.sample_rate, rate, "{name}");
        assert_eq!(audio.samples.len(), expected.len(), "{name}");
        let diff = max_abs_diff(&audio.samples, &expected);
        assert!(diff <= tolerance, "{name}: max |diff| {diff:e}");
        let peak = audio.samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(peak > 0.05, "{name}: peak {peak}");
    }
}

/// AMR as Android's call recorders wrote it (`.amr`, `.awb`, `.3gp`): NB at 12.2 kbit/s, NB at
/// 4.75 kbit/s with discontinuous transmission (silence as SID and NO_DATA frames), WB at 23.85
/// kbit/s. Bit-exact
/// to opencore-amr's reference decoders run on the same file by the fixture generator
/// (`amr_fixtures.c`), and near ffmpeg's own float decoders, which implement the same standard
/// differently (measured: 35.7 dB SNR, largest difference 0.011 for NB; 31.5 dB, 0.024 for WB)
/// and cannot decode comfort noise.
#[test]
fn amr_is_bit_exact_to_the_reference_decoder_and_near_ffmpeg() {
    for (name, rate, len, ffmpeg_snr_db) in [
        ("speech8k_122k.amr", 8_000, 8_000, Some(33.0)),
        ("speech8k_475_dtx.amr", 8_000, 12_800, None),
        ("speech16k_2385k.awb", 16_000, 16_000, Some(29.0)),
    ] {
        let audio = read_audio(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (audio.sample_rate, audio.samples.len()),
            (rate, len),
            "{name}"
        );
        let reference = read_f32(&fixture(&format!("{name}.opencore.f32")));
        assert_eq!(audio.samples, reference, "{name}");
        if let Some(floor) = ffmpeg_snr_db {
            let ffmpeg = read_f32(&fixture(&format!("{name}.ffmpeg.f32")));
            assert_eq!(ffmpeg.len(), len, "{name}");
            let signal: f64 = ffmpeg.iter().map(|&s| f64::from(s).powi(2)).sum();
            let error: f64 = (audio.samples.iter().zip(&ffmpeg))
                .map(|(&a, &b)| f64::from(a - b).powi(2))
                .sum();
            let snr = 10.0 * (signal / error).log10();
            assert!(snr >= floor, "{name}: {snr:.1} dB against ffmpeg");
        }
    }
    // The same frames in 3GP (an MP4 sound track of `samr` / `sawb` sample entries, which
    // symphonia's MP4 reader leaves without a codec), as ffmpeg remuxes them: the same samples.
    for (name, source) in [
        ("speech8k_122k.3gp", "speech8k_122k.amr"),
        ("speech16k_2385k.3gp", "speech16k_2385k.awb"),
    ] {
        let audio = read_audio(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(audio, read_audio(fixture(source)).unwrap(), "{name}");
        assert_eq!(
            open_audio_stream(fixture(name), 64).unwrap().format(),
            AudioFormat::Mp4
        );
    }
    // Multichannel AMR is named, not decoded.
    let err = decode_audio(std::io::Cursor::new(b"#!AMR_MC1.0\n\0\0\0\x01".to_vec())).unwrap_err();
    assert!(
        matches!(&err, emovox_audio::AudioError::UnsupportedFormat(m) if m.contains("multichannel AMR")),
        "{err:?}"
    );
}

#[test]
fn alac_is_bit_exact_to_ffmpeg() {
    let audio = read_audio(fixture("speech16k_alac.m4a")).unwrap();
    let expected = read_f32(&fixture("speech16k_alac.m4a.ffmpeg.f32"));
    assert_eq!(audio.sample_rate, 16_000);
    assert_eq!(audio.samples, expected);
}

/// (file, rate, samples, tolerance on the largest absolute difference from ffmpeg's decode).
/// Measured differences (symphonia 0.5.5 / libopus 1.3 against Debian's ffmpeg 5.1): MP3
/// 7.2e-7, Vorbis 1.2e-7, AAC 1.2e-6, Opus mono 0 (both libopus), Opus stereo 1.5e-5: float
/// implementations of one standard differ in rounding order only. The tolerances leave a few
/// times that; a decoder off by one sample on speech or tones differs by 1e-2 and more.
const LOSSY: &[(&str, u32, usize, f32)] = &[
    ("speech16k_128k.mp3", 16_000, 16_000, 3e-6),
    ("stereo44k_128k.mp3", 44_100, 22_050, 3e-6),
    ("speech16k_64k.ogg", 16_000, 16_000, 1e-6),
    ("speech16k_96k.m4a", 16_000, 16_000, 5e-6),
    ("stereo44k_96k.m4a", 44_100, 22_050, 5e-6),
    // The sample entry's rate is 0 (16.16 fixed point holds no 96000): the AAC decoder
    // configuration's is used.
    ("tone96k_96k.m4a", 96_000, 19_200, 5e-6),
    ("speech16k_32k.opus", 48_000, 48_000, 1e-4),
    ("stereo44k_64k.opus", 48_000, 14_400, 1e-4),
    // Raw AAC (ADTS) has no edit list: the 1024 priming samples and the last frame's padding
    // are decoded, by ffmpeg too (17 frames of 1024 for 1 s at 16 kHz).
    ("speech16k_96k.aac", 16_000, 17_408, 5e-6),
    ("stereo44k_96k.aac", 44_100, 23_552, 5e-6),
];

#[test]
fn lossy_formats_match_ffmpeg_within_tolerance_and_aligned() {
    for &(name, rate, len, tolerance) in LOSSY {
        let audio = read_audio(fixture(name)).unwrap();
        let expected = read_f32(&fixture(&format!("{name}.ffmpeg.f32")));
        assert_eq!(audio.sample_rate, rate, "{name}");
        assert_eq!(audio.samples.len(), len, "{name}");
        // ffmpeg 5.1 trims AAC's 1024 priming samples (the MP4 edit list's start) but keeps the
        // padding of the last packet; emovox also honours the edit list's length, so it gives
        // exactly the encoded duration: compare over it.
        assert!(
            expected.len() >= len,
            "{name}: reference of {}",
            expected.len()
        );
        if !name.ends_with(".m4a") {
            assert_eq!(expected.len(), len, "{name}");
        }
        let diff = max_abs_diff(&audio.samples, &expected[..len]);
        assert!(
            diff <= tolerance,
            "{name}: max |diff| {diff:e} > {tolerance:e}"
        );
        // Not silence: the comparison means something.
        let peak = audio.samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(peak > 0.05, "{name}: peak {peak}");
    }
}

/// WebM with Opus inside, as ffmpeg muxes it and as Chromium's `MediaRecorder` records it (a
/// fake microphone playing espeak-ng speech). The same libopus decode as ffmpeg's and the same
/// length: the pre-skip trimmed at the start, the last block's `DiscardPadding` at the end (648
/// samples of ffmpeg's muxing; Chromium writes none).
#[test]
fn webm_opus_matches_ffmpeg_and_other_codecs_in_webm_are_refused() {
    for name in ["speech16k_32k.webm", "chromium_mediarecorder.webm"] {
        let audio = read_audio(fixture(name)).unwrap();
        let expected = read_f32(&fixture(&format!("{name}.ffmpeg.f32")));
        assert_eq!(audio.sample_rate, 48_000, "{name}");
        assert_eq!(audio.samples.len(), expected.len(), "{name}");
        // ffmpeg soft-clips libopus's float output where it passes full scale (the recording
        // peaks at 0.995 and decodes to 1.015 in 8 samples), bending each such half-wave,
        // between zero crossings, under 1; emovox hands out what libopus decodes. Compared
        // outside those half-waves, which ffmpeg only makes quieter.
        let ours = &audio.samples[..expected.len()];
        let mut kept = vec![true; ours.len()];
        let mut start = 0;
        for i in 1..=ours.len() {
            if i == ours.len() || (ours[i] >= 0.0) != (ours[start] >= 0.0) {
                if ours[start..i].iter().any(|s| s.abs() > 1.0) {
                    kept[start..i].fill(false);
                    assert!(ours[start..i]
                        .iter()
                        .zip(&expected[start..i])
                        .all(|(o, e)| e.abs() <= o.abs() + 1e-4));
                }
                start = i;
            }
        }
        let clipped = kept.iter().filter(|k| !**k).count();
        assert!(
            clipped * 100 < ours.len(),
            "{name}: {clipped} samples soft-clipped"
        );
        let diff = ours
            .iter()
            .zip(&expected)
            .zip(&kept)
            .filter(|(_, k)| **k)
            .map(|((o, e), _)| (o - e).abs())
            .fold(0.0f32, f32::max);
        assert!(diff <= 1e-4, "{name}: max |diff| {diff:e}");
        let peak = audio.samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(peak > 0.05, "{name}: peak {peak}");
    }
    // A Segment and Clusters of unknown size (a live recording's): the same samples.
    let mut live = std::fs::read(fixture("speech16k_32k.webm")).unwrap();
    let known = read_audio(fixture("speech16k_32k.webm")).unwrap();
    for id in [&[0x18u8, 0x53, 0x80, 0x67][..], &[0x1F, 0x43, 0xB6, 0x75]] {
        let mut from = 0;
        while let Some(at) = live[from..].windows(4).position(|w| w == id) {
            let size = from + at + 4;
            let len = live[size].leading_zeros() as usize + 1;
            live[size] = 0xFF >> (len - 1);
            live[size + 1..size + len].fill(0xFF);
            from = size + len;
        }
    }
    assert_ne!(live, std::fs::read(fixture("speech16k_32k.webm")).unwrap());
    assert_eq!(decode_audio(std::io::Cursor::new(live)).unwrap(), known);
    // AC-3 in Matroska (films' audio): a clear "unsupported codec" naming what is read, not a
    // corrupt stream.
    let err = read_audio(fixture("speech16k_ac3.mkv")).unwrap_err();
    assert!(
        matches!(&err, emovox_audio::AudioError::UnsupportedCodec(m) if m.contains("Opus, Vorbis")),
        "{err:?}"
    );
    // Forged sizes far past the file, the Segment's (2^48 - 2) and a Cluster's: errors, not
    // allocations or reads of what they declare.
    let original = std::fs::read(fixture("speech16k_32k.webm")).unwrap();
    for (id, size) in [
        (
            &[0x18u8, 0x53, 0x80, 0x67][..],
            &[0x01u8, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE][..],
        ),
        (&[0x1F, 0x43, 0xB6, 0x75], &[0x7F, 0xFE]),
    ] {
        let mut forged = original.clone();
        let at = forged.windows(4).position(|w| w == id).unwrap() + 4;
        let len = forged[at].leading_zeros() as usize + 1;
        assert_eq!(len, size.len(), "{id:x?}");
        forged[at..at + len].copy_from_slice(size);
        let err = decode_audio(std::io::Cursor::new(forged)).unwrap_err();
        assert!(
            matches!(
                &err,
                emovox_audio::AudioError::CorruptStream { format: "WebM", .. }
            ),
            "{err:?}"
        );
    }
}

#[test]
fn the_format_comes_from_the_content_not_the_extension() {
    // An MP3 named .wav, a FLAC named .mp3, an M4A named .ogg: each decodes as what it is.
    let dir = std::env::temp_dir().join(format!("emovox-lying-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (real, liar, format) in [
        ("speech16k_128k.mp3", "clip.wav", AudioFormat::Mp3),
        ("speech16k.flac", "clip.mp3", AudioFormat::Flac),
        ("speech16k_96k.m4a", "clip.ogg", AudioFormat::Mp4),
        ("speech16k_32k.opus", "clip.m4a", AudioFormat::OggOpus),
        ("speech16k_64k.ogg", "clip.flac", AudioFormat::OggVorbis),
        ("speech16k_32k.webm", "clip.opus", AudioFormat::WebM),
        ("speech16k.aiff", "clip.wav", AudioFormat::Aiff),
        ("speech16k_96k.aac", "clip.m4a", AudioFormat::Adts),
    ] {
        let path = dir.join(liar);
        std::fs::copy(fixture(real), &path).unwrap();
        assert_eq!(
            read_audio(&path).unwrap(),
            read_audio(fixture(real)).unwrap(),
            "{real} as {liar}"
        );
        assert_eq!(open_audio_stream(&path, 64).unwrap().format(), format);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn decoding_from_memory_equals_reading_the_file() {
    for &(name, ..) in LOSSY {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let from_memory = decode_audio(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(from_memory, read_audio(fixture(name)).unwrap(), "{name}");
    }
}

/// Streams `name` in chunks of `chunk` and joins them.
fn streamed(stream: &mut AudioStream, chunk: usize) -> Vec<f32> {
    let mut joined = Vec::new();
    let mut buf = Vec::new();
    while stream.read_chunk(&mut buf).unwrap() {
        assert!(!buf.is_empty() && buf.len() <= chunk);
        joined.extend_from_slice(&buf);
    }
    joined
}

#[test]
fn streaming_every_format_equals_decoding_it_whole() {
    let names = [
        "speech16k.flac",
        "stereo44k_24bit.flac",
        "speech16k_alac.m4a",
        "speech16k_128k.mp3",
        "stereo44k_128k.mp3",
        "speech16k_64k.ogg",
        "speech16k_96k.m4a",
        "speech16k_32k.opus",
        "stereo44k_64k.opus",
        "speech16k_32k.webm",
        "chromium_mediarecorder.webm",
        "speech16k.aiff",
        "stereo44k_float.aifc",
        "speech16k.caf",
        "speech16k_ima_adpcm.wav",
        "stereo44k_ima_adpcm.wav",
        "speech16k_ms_adpcm.wav",
        "speech16k_96k.aac",
    ];
    for &name in names.iter().chain(MATROSKA_AND_AMR) {
        let whole = read_audio(fixture(name)).unwrap();
        for chunk in [1, 333, 4096, 1 << 20] {
            let mut stream = open_audio_stream(fixture(name), chunk).unwrap();
            assert_eq!(stream.sample_rate(), whole.sample_rate, "{name}");
            let joined = streamed(&mut stream, chunk);
            assert_eq!(joined, whole.samples, "{name} in chunks of {chunk}");
            assert_eq!(stream.samples_read(), whole.samples.len());
            // After the end, the end again.
            assert!(!stream.read_chunk(&mut Vec::new()).unwrap(), "{name}");
        }
        // The iterator gives the same chunks.
        let iterated: Vec<f32> = open_audio_stream(fixture(name), 500)
            .unwrap()
            .flat_map(Result::unwrap)
            .collect();
        assert_eq!(iterated, whole.samples, "{name}");
    }
}

#[test]
fn declared_lengths_are_reported_as_hints() {
    let stream = open_audio_stream(fixture("speech16k.flac"), 100).unwrap();
    assert_eq!(stream.declared_samples(), Some(16_000));
    let stream = open_audio_stream(fixture("speech16k_96k.m4a"), 100).unwrap();
    assert_eq!(stream.declared_samples(), Some(16_000));
    let stream = open_audio_stream(fixture("speech16k_32k.opus"), 100).unwrap();
    assert_eq!(stream.declared_samples(), Some(48_000));
}
