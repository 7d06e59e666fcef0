//! Every kind of bad input gives its own typed error, never a panic.

use std::io::Cursor;

use emovox_audio::{
    decode_wav, read_wav, resample, validate_sample_rate, validate_samples, AudioError,
};

/// A canonical 44-byte-header WAV with the given fields and data bytes.
fn wav_bytes(
    format_tag: u16,
    channels: u16,
    rate: u32,
    bits: u16,
    data: &[u8],
    declared: u32,
) -> Vec<u8> {
    let block_align = channels * bits.div_ceil(8);
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&format_tag.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * block_align as u32).to_le_bytes());
    b.extend_from_slice(&block_align.to_le_bytes());
    b.extend_from_slice(&bits.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&declared.to_le_bytes());
    b.extend_from_slice(data);
    b
}

fn pcm16(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

fn decode(bytes: Vec<u8>) -> Result<emovox_audio::Audio, AudioError> {
    decode_wav(Cursor::new(bytes))
}

#[test]
fn a_valid_file_decodes() {
    let data = pcm16(&[0, 16384, -16384, 32767]);
    let audio = decode(wav_bytes(1, 1, 16_000, 16, &data, data.len() as u32)).unwrap();
    assert_eq!(audio.samples, vec![0.0, 0.5, -0.5, 32767.0 / 32768.0]);
}

#[test]
fn missing_file() {
    let err = read_wav("/definitely/not/here.wav").unwrap_err();
    assert!(
        matches!(err, AudioError::Io { ref source, .. } if source.kind() == std::io::ErrorKind::NotFound),
        "{err:?}"
    );
}

#[test]
fn empty_file() {
    assert!(matches!(decode(Vec::new()), Err(AudioError::EmptyFile)));
}

#[test]
fn not_a_wav_file() {
    let err = decode(b"ID3\x04\x00 this is an mp3, honestly, with enough bytes to read".to_vec())
        .unwrap_err();
    assert!(matches!(err, AudioError::NotWav(_)), "{err:?}");
}

#[test]
fn header_cut_short() {
    let data = pcm16(&[1, 2, 3]);
    let mut bytes = wav_bytes(1, 1, 16_000, 16, &data, data.len() as u32);
    bytes.truncate(30);
    let err = decode(bytes).unwrap_err();
    assert!(matches!(err, AudioError::CorruptHeader(_)), "{err:?}");
}

#[test]
fn corrupt_header_fields() {
    let data = pcm16(&[1, 2, 3]);
    // block_align inconsistent with channels and bits.
    let mut bytes = wav_bytes(1, 1, 16_000, 16, &data, data.len() as u32);
    bytes[32] = 7;
    let err = decode(bytes).unwrap_err();
    assert!(matches!(err, AudioError::CorruptHeader(_)), "{err:?}");
}

#[test]
fn g711_decodes_and_its_bad_headers_are_typed_errors() {
    // A-law (tag 6) and mu-law (tag 7): codes 0x55 / 0xD5 are -8 / +8, 0xFF / 0x7F are 0,
    // 0x80 is +32124 (ITU-T G.711), scaled by 1/32768.
    let audio = decode(wav_bytes(6, 1, 8_000, 8, &[0x55, 0xD5], 2)).unwrap();
    assert_eq!(audio.samples, [-8.0 / 32_768.0, 8.0 / 32_768.0]);
    let audio = decode(wav_bytes(7, 2, 8_000, 8, &[0xFF, 0x80, 0x7F, 0x7F], 4)).unwrap();
    assert_eq!(audio.samples, [32_124.0 / 32_768.0 / 2.0, 0.0]);
    type Expected = fn(&AudioError) -> bool;
    let cases: [(Vec<u8>, Expected); 4] = [
        // 16-bit "G.711".
        (wav_bytes(7, 1, 8_000, 16, &[1, 2, 3, 4], 4), |e| {
            matches!(e, AudioError::UnsupportedEncoding(_))
        }),
        // More data declared than present.
        (wav_bytes(6, 1, 8_000, 8, &[1, 2, 3, 4], 400), |e| {
            matches!(
                e,
                AudioError::Truncated {
                    declared: 400,
                    read: 4
                }
            )
        }),
        (wav_bytes(7, 1, 8_000, 8, &[], 0), |e| {
            matches!(e, AudioError::NoSamples)
        }),
        (wav_bytes(7, 0, 8_000, 8, &[1, 2], 2), |e| {
            matches!(e, AudioError::CorruptHeader(_))
        }),
    ];
    for (bytes, expected) in cases {
        let err = decode(bytes.clone()).unwrap_err();
        assert!(expected(&err), "{err:?}");
        let streamed = emovox_audio::AudioStream::from_reader(Cursor::new(bytes), 64).unwrap_err();
        assert!(expected(&streamed), "{streamed:?}");
    }
    // A rate emovox refuses.
    let err = decode(wav_bytes(7, 1, 0, 8, &[1, 2], 2)).unwrap_err();
    assert!(matches!(err, AudioError::SampleRate(0)), "{err:?}");
}

#[test]
fn unsupported_encodings() {
    // IMA ADPCM (format tag 0x11), named in the message.
    let err = decode(wav_bytes(0x11, 1, 8_000, 4, &[1, 2, 3, 4], 4)).unwrap_err();
    assert!(
        matches!(&err, AudioError::UnsupportedEncoding(m) if m.contains("IMA ADPCM")),
        "{err:?}"
    );
    // A made-up tag.
    let err = decode(wav_bytes(0x1234, 1, 8_000, 16, &[1, 2, 3, 4], 4)).unwrap_err();
    assert!(
        matches!(&err, AudioError::UnsupportedEncoding(m) if m.contains("0x1234")),
        "{err:?}"
    );
    // 64-bit IEEE float (format tag 3) is read, as soundfile reads it (cast to f32).
    let data: Vec<u8> = [0.5f64, -0.5]
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    let audio = decode(wav_bytes(3, 1, 8_000, 64, &data, data.len() as u32)).unwrap();
    assert_eq!(audio.samples, [0.5, -0.5]);
}

#[test]
fn twelve_bit_pcm_is_unsupported() {
    // 12-bit samples in 2-byte containers: valid WAV, but not an encoding emovox reads.
    let data = pcm16(&[16, -16, 32, -32]);
    let err = decode(wav_bytes(1, 1, 16_000, 12, &data, data.len() as u32)).unwrap_err();
    assert!(matches!(err, AudioError::UnsupportedEncoding(_)), "{err:?}");
}

#[test]
fn extensible_64_bit_float_decodes() {
    // WAVE_FORMAT_EXTENSIBLE whose sub-format GUID says IEEE float, with 64-bit samples.
    let data: Vec<u8> = [0.25f64, -0.25]
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(60 + data.len() as u32).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&40u32.to_le_bytes());
    b.extend_from_slice(&0xfffeu16.to_le_bytes()); // WAVE_FORMAT_EXTENSIBLE
    b.extend_from_slice(&1u16.to_le_bytes()); // channels
    b.extend_from_slice(&16_000u32.to_le_bytes());
    b.extend_from_slice(&(16_000u32 * 8).to_le_bytes());
    b.extend_from_slice(&8u16.to_le_bytes()); // block align
    b.extend_from_slice(&64u16.to_le_bytes()); // bits
    b.extend_from_slice(&22u16.to_le_bytes()); // cbSize
    b.extend_from_slice(&64u16.to_le_bytes()); // valid bits
    b.extend_from_slice(&4u32.to_le_bytes()); // channel mask
    b.extend_from_slice(&[
        0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b,
        0x71,
    ]); // KSDATAFORMAT_SUBTYPE_IEEE_FLOAT
    b.extend_from_slice(b"data");
    b.extend_from_slice(&(data.len() as u32).to_le_bytes());
    b.extend_from_slice(&data);
    assert_eq!(decode(b).unwrap().samples, [0.25, -0.25]);
}

#[test]
fn zero_samples() {
    let err = decode(wav_bytes(1, 1, 16_000, 16, &[], 0)).unwrap_err();
    assert!(matches!(err, AudioError::NoSamples), "{err:?}");
}

#[test]
fn nan_and_infinite_samples() {
    let data: Vec<u8> = [0.1f32, f32::NAN, 0.2]
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    let err = decode(wav_bytes(3, 1, 16_000, 32, &data, data.len() as u32)).unwrap_err();
    assert!(
        matches!(err, AudioError::NonFiniteSample { index: 1 }),
        "{err:?}"
    );
    let data: Vec<u8> = [0.1f32, 0.0, f32::INFINITY]
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    let err = decode(wav_bytes(3, 1, 16_000, 32, &data, data.len() as u32)).unwrap_err();
    assert!(
        matches!(err, AudioError::NonFiniteSample { index: 2 }),
        "{err:?}"
    );
}

#[test]
fn zero_and_absurd_sample_rates() {
    let data = pcm16(&[1, 2, 3, 4]);
    for rate in [0, 12, 5_000_000] {
        let err = decode(wav_bytes(1, 1, rate, 16, &data, data.len() as u32)).unwrap_err();
        assert!(
            matches!(err, AudioError::SampleRate(r) if r == rate),
            "{rate}: {err:?}"
        );
    }
    assert!(matches!(
        validate_sample_rate(0),
        Err(AudioError::SampleRate(0))
    ));
    assert!(validate_sample_rate(16_000).is_ok());
}

#[test]
fn declared_data_larger_than_the_file() {
    let data = pcm16(&[1, 2, 3, 4]);
    let err = decode(wav_bytes(1, 1, 16_000, 16, &data, 4_000)).unwrap_err();
    assert!(
        matches!(
            err,
            AudioError::Truncated {
                declared: 2000,
                read: 4
            }
        ),
        "{err:?}"
    );
}

#[test]
fn truncated_data_is_caught_before_reading_samples() {
    // 24-bit stereo declaring 10 frames (60 bytes) with only 5 frames (30 bytes) present.
    let data = vec![0u8; 30];
    let err = decode(wav_bytes(1, 2, 16_000, 24, &data, 60)).unwrap_err();
    assert!(
        matches!(
            err,
            AudioError::Truncated {
                declared: 20,
                read: 10
            }
        ),
        "{err:?}"
    );
}

#[test]
fn streaming_refuses_truncated_and_empty_files() {
    let dir = std::env::temp_dir().join(format!("emovox-audio-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let truncated = dir.join("truncated.wav");
    let data = pcm16(&[1, 2, 3, 4]);
    std::fs::write(&truncated, wav_bytes(1, 1, 16_000, 16, &data, 4_000)).unwrap();
    let err = emovox_audio::open_wav_stream(&truncated, 64).unwrap_err();
    assert!(matches!(err, AudioError::Truncated { .. }), "{err:?}");
    let empty = dir.join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    let err = emovox_audio::open_wav_stream(&empty, 64).unwrap_err();
    assert!(matches!(err, AudioError::EmptyFile), "{err:?}");
    let err = read_wav(&empty).unwrap_err();
    assert!(matches!(err, AudioError::EmptyFile), "{err:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sample_validation() {
    assert!(matches!(validate_samples(&[]), Err(AudioError::NoSamples)));
    assert!(matches!(
        validate_samples(&[0.0, f32::NAN]),
        Err(AudioError::NonFiniteSample { index: 1 })
    ));
    assert!(validate_samples(&[0.0, 0.5]).is_ok());
}

#[test]
fn resampling_refuses_absurd_rates() {
    assert!(matches!(
        resample(&[0.0; 100], 0, 16_000),
        Err(AudioError::SampleRate(0))
    ));
    assert!(matches!(
        resample(&[0.0; 100], 16_000, 10_000_000),
        Err(AudioError::SampleRate(_))
    ));
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A cheap deterministic sweep of mutated headers; the cargo-fuzz target goes further.
    let data = pcm16(&[100, -200, 300, -400, 500, -600]);
    let valid = wav_bytes(1, 2, 16_000, 16, &data, data.len() as u32);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20_000 {
        let mut bytes = valid.clone();
        for _ in 0..3 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let at = (state % bytes.len() as u64) as usize;
            bytes[at] = (state >> 32) as u8;
        }
        state ^= state << 13;
        bytes.truncate(1 + (state % bytes.len() as u64) as usize);
        let _ = decode(bytes);
    }
}

#[test]
fn every_damaged_g711_header_is_an_error_or_sane_audio_whole_and_streamed() {
    // The extensible mu-law fixture's 88-byte header: each byte set to 0x00, 0xFF and flipped,
    // and the file cut at every header length. No panic; decoding whole and streaming agree.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ulaw_stereo_extensible.wav");
    let good = std::fs::read(path).unwrap();
    let mut inputs: Vec<Vec<u8>> = (0..96.min(good.len()))
        .map(|n| good[..n].to_vec())
        .collect();
    for at in 0..88 {
        for value in [0x00, 0xFF, good[at] ^ 0xFF] {
            let mut bytes = good.clone();
            bytes[at] = value;
            inputs.push(bytes);
        }
    }
    for bytes in inputs {
        let whole = decode(bytes.clone());
        if let Ok(audio) = &whole {
            assert!(audio
                .samples
                .iter()
                .all(|s| s.is_finite() && s.abs() <= 1.0));
        }
        let streamed = emovox_audio::AudioStream::from_reader(Cursor::new(bytes), 100)
            .and_then(|stream| stream.collect::<Result<Vec<_>, _>>());
        match (&whole, &streamed) {
            (Ok(audio), Ok(chunks)) => assert_eq!(audio.samples, chunks.concat()),
            (Err(_), Err(_)) => {}
            (w, s) => panic!(
                "whole {:?}, streamed {:?}",
                w.as_ref().map(|a| a.samples.len()),
                s.as_ref().map(Vec::len)
            ),
        }
    }
}
