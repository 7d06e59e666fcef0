//! WAV headers that soundfile reads and emovox reads the same way: odd-sized chunks (padded or
//! not), streamed WAV whose sizes are placeholders, 64-bit float, RF64, 24-bit samples in 32-bit
//! containers; codings emovox does not read are named. Every file is built in memory; the
//! expected values were checked against soundfile 0.13 (`sf.read(..., dtype="float32")`).

use std::io::Cursor;

use emovox_audio::{decode_audio, decode_wav, AudioError, AudioStream};

/// A `fmt ` chunk body: tag, channels, rate, block align, bits (byte rate consistent).
fn fmt(tag: u16, channels: u16, rate: u32, block_align: u16, bits: u16) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&tag.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
    b.extend_from_slice(&block_align.to_le_bytes());
    b.extend_from_slice(&bits.to_le_bytes());
    b
}

/// An extensible `fmt ` body of sub-format `sub` (a format tag), `valid` bits per sample.
fn fmt_extensible(sub: u16, channels: u16, block_align: u16, bits: u16, valid: u16) -> Vec<u8> {
    let mut b = fmt(0xFFFE, channels, 16_000, block_align, bits);
    b.extend_from_slice(&22u16.to_le_bytes());
    b.extend_from_slice(&valid.to_le_bytes());
    b.extend_from_slice(&4u32.to_le_bytes());
    b.extend_from_slice(&sub.to_le_bytes());
    b.extend_from_slice(&[
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
    ]);
    b
}

/// One chunk: ID, the declared size, the body, and a pad byte if `pad` and the body is odd.
fn chunk(id: &[u8; 4], declared: u32, body: &[u8], pad: bool) -> Vec<u8> {
    let mut b = id.to_vec();
    b.extend_from_slice(&declared.to_le_bytes());
    b.extend_from_slice(body);
    if pad && body.len() % 2 == 1 {
        b.push(0);
    }
    b
}

/// A RIFF/WAVE file of `chunks`, the RIFF size given or (`None`) computed.
fn riff(riff_size: Option<u32>, chunks: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = chunks.concat();
    let mut b = b"RIFF".to_vec();
    b.extend_from_slice(&riff_size.unwrap_or(4 + body.len() as u32).to_le_bytes());
    b.extend_from_slice(b"WAVE");
    b.extend_from_slice(&body);
    b
}

fn pcm16(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// A mono 16-bit PCM WAV of `samples` at 16 kHz, its data chunk declaring `declared` bytes.
fn mono16(samples: &[i16], declared: u32, riff_size: Option<u32>) -> Vec<u8> {
    let data = pcm16(samples);
    riff(
        riff_size,
        &[
            chunk(b"fmt ", 16, &fmt(1, 1, 16_000, 2, 16), true),
            chunk(b"data", declared, &data, false),
        ],
    )
}

/// Decodes `bytes` whole, and streamed in chunks of 3, and checks that both agree.
fn decode(bytes: Vec<u8>) -> Result<Vec<f32>, AudioError> {
    let whole = decode_audio(Cursor::new(bytes.clone()));
    let streamed = AudioStream::from_reader(Cursor::new(bytes), 3)
        .and_then(|stream| stream.collect::<Result<Vec<Vec<f32>>, _>>())
        .map(|chunks| chunks.concat());
    match (whole, streamed) {
        (Ok(whole), Ok(streamed)) => {
            assert_eq!(whole.samples, streamed);
            Ok(whole.samples)
        }
        (Err(whole), Err(streamed)) => {
            assert_eq!(whole.to_string(), streamed.to_string());
            Err(whole)
        }
        (whole, streamed) => panic!("whole {whole:?}, streamed {streamed:?}"),
    }
}

const SAMPLES: [i16; 5] = [0, 16_384, -16_384, 8_192, -32_768];
const EXPECTED: [f32; 5] = [0.0, 0.5, -0.5, 0.25, -1.0];

#[test]
fn an_odd_sized_chunk_before_the_data_is_skipped_with_or_without_its_pad_byte() {
    for pad in [true, false] {
        let bytes = riff(
            None,
            &[
                chunk(b"fmt ", 16, &fmt(1, 1, 16_000, 2, 16), true),
                // A 5-byte LIST chunk (what the audit met): padded to 6 as RIFF requires, or
                // left unpadded as some writers do.
                chunk(b"LIST", 5, b"INFOx", pad),
                chunk(b"data", 10, &pcm16(&SAMPLES), true),
            ],
        );
        assert_eq!(decode(bytes).unwrap(), EXPECTED, "pad {pad}");
    }
    // An odd-sized data chunk: its whole frames are read, the odd byte left out.
    let mut bytes = mono16(&SAMPLES, 11, None);
    bytes.push(0x7f);
    assert_eq!(decode(bytes).unwrap(), EXPECTED);
}

#[test]
fn a_streamed_wavs_placeholder_sizes_mean_up_to_the_end_of_the_file() {
    // ffmpeg writing to a pipe: RIFF and data sizes 0xFFFFFFFF; a trailing odd byte is no
    // whole frame.
    let mut piped = mono16(&SAMPLES, u32::MAX, Some(u32::MAX));
    assert_eq!(decode(piped.clone()).unwrap(), EXPECTED);
    piped.push(1);
    assert_eq!(decode(piped).unwrap(), EXPECTED);
    // A recorder that never filled the sizes in (0), and sox's "unspecified" 0x7FFFF000.
    assert_eq!(decode(mono16(&SAMPLES, 0, Some(0))).unwrap(), EXPECTED);
    assert_eq!(
        decode(mono16(&SAMPLES, 0x7FFF_F000, Some(0x7FFF_F024))).unwrap(),
        EXPECTED
    );
    // A placeholder with no sample after it is no samples; any other size larger than the
    // file is a truncated file.
    let err = decode(mono16(&[], u32::MAX, Some(u32::MAX))).unwrap_err();
    assert!(matches!(err, AudioError::NoSamples), "{err:?}");
    let err = decode(mono16(&SAMPLES, 12, None)).unwrap_err();
    assert!(
        matches!(
            err,
            AudioError::Truncated {
                declared: 6,
                read: 5
            }
        ),
        "{err:?}"
    );
    // The stream knows how many samples it will give.
    let stream =
        emovox_audio::AudioStream::from_reader(Cursor::new(mono16(&SAMPLES, u32::MAX, None)), 2)
            .unwrap();
    assert_eq!(stream.declared_samples(), Some(5));
}

#[test]
fn sixty_four_bit_float_is_read_as_soundfile_reads_it_in_f32() {
    let values = [1.0 / 3.0, -0.1, 1e-40, 1.5, -2.0, 0.7f64];
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    // soundfile's float32 read of these doubles: each cast to f32.
    let expected: Vec<f32> = values.iter().map(|&v| v as f32).collect();
    assert_eq!(expected[0], 0.333_333_34);
    for format in [fmt(3, 1, 16_000, 8, 64), fmt_extensible(3, 1, 8, 64, 64)] {
        let bytes = riff(
            None,
            &[
                chunk(b"fmt ", format.len() as u32, &format, true),
                chunk(b"data", data.len() as u32, &data, true),
            ],
        );
        assert_eq!(decode(bytes).unwrap(), expected);
    }
    // A NaN in 64-bit float is the same error as in 32-bit float.
    let data: Vec<u8> = [0.5, f64::NAN]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let bytes = riff(
        None,
        &[
            chunk(b"fmt ", 16, &fmt(3, 1, 16_000, 8, 64), true),
            chunk(b"data", 16, &data, true),
        ],
    );
    let err = decode(bytes).unwrap_err();
    assert!(
        matches!(err, AudioError::NonFiniteSample { index: 1 }),
        "{err:?}"
    );
}

/// An RF64 file of `SAMPLES`: the ds64 chunk declares `data_size`, the data chunk 0xFFFFFFFF.
fn rf64(data_size: Option<u64>) -> Vec<u8> {
    let mut chunks = Vec::new();
    if let Some(size) = data_size {
        let mut ds64 = Vec::new();
        for field in [0u64, size, 5] {
            ds64.extend_from_slice(&field.to_le_bytes());
        }
        ds64.extend_from_slice(&0u32.to_le_bytes()); // no table
        chunks.push(chunk(b"ds64", 28, &ds64, true));
    }
    chunks.push(chunk(b"fmt ", 16, &fmt(1, 1, 16_000, 2, 16), true));
    chunks.push(chunk(b"data", u32::MAX, &pcm16(&SAMPLES), true));
    let mut bytes = riff(Some(u32::MAX), &chunks);
    bytes[..4].copy_from_slice(b"RF64");
    bytes
}

#[test]
fn rf64_files_are_read_by_their_ds64_sizes() {
    assert_eq!(
        emovox_audio::detect_format(&rf64(Some(10))),
        Some(emovox_audio::AudioFormat::Wav)
    );
    assert_eq!(decode(rf64(Some(10))).unwrap(), EXPECTED);
    // ffmpeg writing RF64 to a pipe leaves the ds64 sizes at 0: up to the end of the file.
    assert_eq!(decode(rf64(Some(0))).unwrap(), EXPECTED);
    // The ds64 chunk declares fewer bytes than present: only those are samples.
    assert_eq!(decode(rf64(Some(4))).unwrap(), EXPECTED[..2]);
    let err = decode(rf64(Some(1 << 40))).unwrap_err();
    assert!(
        matches!(err, AudioError::Truncated { declared, read: 5 } if declared == 1 << 39),
        "{err:?}"
    );
    let err = decode(rf64(None)).unwrap_err();
    assert!(
        matches!(&err, AudioError::CorruptHeader(m) if m.contains("ds64")),
        "{err:?}"
    );
}

#[test]
fn integer_samples_in_wider_containers_are_read_by_the_container() {
    // WAVE_FORMAT_EXTENSIBLE, 24 valid bits in 32-bit containers: soundfile reads the
    // container (the valid bits are its most significant ones).
    let data = [0, 0, 0, 0x40, 0, 0x12, 0x34, 0x80, 0xff, 0xff, 0xff, 0x7f];
    let format = fmt_extensible(1, 1, 4, 32, 24);
    let bytes = riff(
        None,
        &[
            chunk(b"fmt ", 40, &format, true),
            chunk(b"data", 12, &data, true),
        ],
    );
    assert_eq!(decode(bytes).unwrap(), [0.5, -0.998_410_94, 1.0]);
    // A block align of 0 (some writers leave it out): soundfile goes by the bits per sample.
    let mut bytes = mono16(&SAMPLES, 10, None);
    bytes[32] = 0;
    assert_eq!(decode(bytes).unwrap(), EXPECTED);
}

#[test]
fn compressed_codings_in_wav_are_named_in_the_error() {
    // Headers as ffmpeg writes them: the block align is a compressed block's bytes, the byte
    // rate is not block align x rate, and the bits per sample are 4 (ADPCM) or 0 (MP3).
    for (tag, bits, name) in [
        (0x0002, 4, "MS ADPCM (format tag 0x0002)"),
        (0x0011, 4, "IMA ADPCM (format tag 0x0011)"),
        (0x0055, 0, "MP3 (format tag 0x0055)"),
        (0x0031, 0, "GSM 6.10 (format tag 0x0031)"),
    ] {
        let mut format = fmt(tag, 1, 22_050, 1024, bits);
        format[8..12].copy_from_slice(&16_000u32.to_le_bytes());
        format.extend_from_slice(&2u16.to_le_bytes());
        format.extend_from_slice(&2041u16.to_le_bytes());
        let bytes = riff(
            None,
            &[
                chunk(b"fmt ", 20, &format, true),
                chunk(b"fact", 4, &115_719u32.to_le_bytes(), true),
                chunk(b"data", 1024, &[0x11; 1024], true),
            ],
        );
        let err = decode_wav(Cursor::new(bytes)).unwrap_err();
        let message = err.to_string();
        assert!(
            matches!(err, AudioError::UnsupportedEncoding(_)) && message.contains(name),
            "{message}"
        );
        assert!(
            message.contains("ffmpeg -i in.wav -c:a pcm_s16le out.wav"),
            "{message}"
        );
    }
}

#[test]
fn broken_chunk_structure_is_a_corrupt_header() {
    // A data chunk before any fmt chunk, a chunk running past the end, a fmt chunk too short.
    let data_first = riff(
        None,
        &[
            chunk(b"data", 10, &pcm16(&SAMPLES), true),
            chunk(b"fmt ", 16, &fmt(1, 1, 16_000, 2, 16), true),
        ],
    );
    let past_end = riff(
        None,
        &[
            chunk(b"fmt ", 16, &fmt(1, 1, 16_000, 2, 16), true),
            chunk(b"LIST", 0xFFFF_FFF0, b"INFO", true),
            chunk(b"data", 10, &pcm16(&SAMPLES), true),
        ],
    );
    let short_fmt = riff(
        None,
        &[
            chunk(b"fmt ", 12, &fmt(1, 1, 16_000, 2, 16)[..12], true),
            chunk(b"data", 10, &pcm16(&SAMPLES), true),
        ],
    );
    for (label, bytes, says) in [
        ("data first", data_first, "before the fmt chunk"),
        ("past the end", past_end, "declares 4294967280 bytes"),
        ("short fmt", short_fmt, "fmt chunk of 12 bytes"),
    ] {
        let err = decode(bytes).unwrap_err();
        assert!(
            matches!(&err, AudioError::CorruptHeader(m) if m.contains(says)),
            "{label}: {err:?}"
        );
    }
}
