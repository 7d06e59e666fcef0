//! Hostile variants of the committed format fixtures, shared by the bad-input and the
//! bounded-memory tests. Each is (label, bytes).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The little-endian f32 samples of a raw `.f32` reference file.
pub fn read_f32(path: &Path) -> Vec<f32> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/formats")
        .join(name)
}

/// The Matroska / WebM fixtures (AAC beside video, PCM, FLAC, MP3, Vorbis) and the AMR ones
/// (`.amr`, `.awb`, `.3gp`), which the streaming and damaged-header tests both run over.
pub const MATROSKA_AND_AMR: &[&str] = &[
    "speech16k_96k_video.mkv",
    "speech16k_pcm.mkv",
    "speech16k_flac.mkv",
    "speech16k_128k_mp3.mkv",
    "speech16k_64k_vorbis.webm",
    "stereo44k_96k_vorbis.mkv",
    "speech8k_122k.amr",
    "speech8k_475_dtx.amr",
    "speech16k_2385k.awb",
    "speech8k_122k.3gp",
];

pub fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

pub fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("{needle:?} not found"))
}

/// The OGG page checksum (CRC-32, polynomial 0x04c11db7, MSB first, no reflection).
fn ogg_crc(page: &[u8]) -> u32 {
    let mut crc = 0u32;
    for &byte in page {
        crc ^= u32::from(byte) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04c1_1db7
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// Rewrites the checksum of the OGG page starting at `at`, after its bytes were edited.
pub fn fix_ogg_crc(file: &mut [u8], at: usize) {
    let segments = file[at + 26] as usize;
    let body: usize = file[at + 27..at + 27 + segments]
        .iter()
        .map(|&b| b as usize)
        .sum();
    let len = 27 + segments + body;
    file[at + 22..at + 26].fill(0);
    let crc = ogg_crc(&file[at..at + len]);
    file[at + 22..at + 26].copy_from_slice(&crc.to_le_bytes());
}

/// A FLAC fixture with STREAMINFO's sample rate replaced.
pub fn flac_with_rate(rate: u32) -> Vec<u8> {
    let mut b = bytes("speech16k.flac");
    b[18] = (rate >> 12) as u8;
    b[19] = (rate >> 4) as u8;
    b[20] = (b[20] & 0x0f) | (((rate & 0xf) as u8) << 4);
    b
}

/// A FLAC fixture with a metadata block of `kind` inserted after STREAMINFO: its header
/// declares `declared` bytes, `body` follows.
pub fn flac_with_block(kind: u8, declared: u32, body: &[u8]) -> Vec<u8> {
    let flac = bytes("speech16k.flac");
    let mut b = flac[..42].to_vec();
    b[4] &= 0x7f; // STREAMINFO is no longer the last block
    b.push(kind);
    b.extend_from_slice(&declared.to_be_bytes()[1..]);
    b.extend_from_slice(body);
    b.extend_from_slice(&flac[42..]);
    b
}

/// A FLAC PICTURE block body holding `len` bytes of image data.
pub fn picture(len: usize) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&3u32.to_be_bytes()); // front cover
    p.extend_from_slice(&9u32.to_be_bytes());
    p.extend_from_slice(b"image/png");
    p.extend_from_slice(&0u32.to_be_bytes()); // no description
    p.extend_from_slice(&[0; 16]); // width, height, depth, colours
    p.extend_from_slice(&(len as u32).to_be_bytes());
    p.resize(p.len() + len, 0x42);
    p
}

/// An M4A fixture with the 4 bytes at `offset` after the first `name` box type replaced.
pub fn m4a_with(name: &str, box_type: &[u8], offset: usize, value: u32) -> Vec<u8> {
    let mut b = bytes(name);
    let at = find(&b, box_type) + offset;
    b[at..at + 4].copy_from_slice(&value.to_be_bytes());
    b
}

/// An OGG Opus fixture with bytes of its `OpusHead` set, (offset, value) (checksum fixed).
pub fn opus_head_with(edits: &[(usize, u8)]) -> Vec<u8> {
    let mut b = bytes("speech16k_32k.opus");
    let at = find(&b, b"OpusHead");
    for &(offset, value) in edits {
        b[at + offset] = value;
    }
    fix_ogg_crc(&mut b, 0);
    b
}

/// One speech fixture per compressed format (FLAC, MP3, Vorbis, Opus, AAC, ALAC).
pub const SPEECH_FIXTURES: [&str; 12] = [
    "speech16k.flac",
    "speech16k_128k.mp3",
    "speech16k_64k.ogg",
    "speech16k_32k.opus",
    "speech16k_96k.m4a",
    "speech16k_alac.m4a",
    "speech16k_32k.webm",
    "speech16k.aiff",
    "speech16k.caf",
    "speech16k_ima_adpcm.wav",
    "speech16k_ms_adpcm.wav",
    "speech16k_96k.aac",
];

/// Every hostile variant, for the tests that only need "an error or a sane decode, never a
/// panic, in bounded memory".
/// The ALAC M4A fixture with its magic cookie's frame length (the `alac` box inside the `alac`
/// sample entry, after its version and flags) set to `frames`.
pub fn alac_with_frame_length(frames: u32) -> Vec<u8> {
    let mut b = bytes("speech16k_alac.m4a");
    let entry = find(&b, b"alac");
    let cookie = entry + 4 + find(&b[entry + 4..], b"alac") + 8;
    b[cookie..cookie + 4].copy_from_slice(&frames.to_be_bytes());
    b
}

pub fn hostile_inputs() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for name in SPEECH_FIXTURES.into_iter().chain(["stereo44k_24bit.flac"]) {
        let b = bytes(name);
        for cut in [0.02, 0.3, 0.6, 0.95] {
            let n = (b.len() as f64 * cut) as usize;
            out.push((format!("{name} cut to {cut}"), b[..n].to_vec()));
        }
        out.push((
            format!("{name} less its last byte"),
            b[..b.len() - 1].to_vec(),
        ));
        for at in [0.1, 0.5, 0.9] {
            let mut c = b.clone();
            let i = (c.len() as f64 * at) as usize;
            for byte in &mut c[i..i + 24] {
                *byte ^= 0x5a;
            }
            out.push((format!("{name} corrupt at {at}"), c));
        }
    }
    out.push(("FLAC rate 0".into(), flac_with_rate(0)));
    out.push(("FLAC rate 1048575".into(), flac_with_rate(1_048_575)));
    let mut b = bytes("speech16k.flac");
    b[21] |= 0x0f;
    b[22..26].fill(0xff);
    out.push(("FLAC declaring 2^36 - 1 samples".into(), b));
    out.push((
        "FLAC block declaring 16 MiB".into(),
        flac_with_block(2, 0xff_ffff, b"app!"),
    ));
    out.push((
        "FLAC 2 MB picture".into(),
        flac_with_block(6, picture(2_000_000).len() as u32, &picture(2_000_000)),
    ));
    let mp3 = bytes("speech16k_128k.mp3");
    let mut b = b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f".to_vec();
    b.extend_from_slice(&mp3);
    out.push(("MP3 behind an ID3v2 tag declaring 256 MiB".into(), b));
    for (box_type, offset, value) in [
        (&b"mdhd"[..], 16, 0u32),
        (b"mdhd", 20, u32::MAX),
        (b"mvhd", 16, 0),
        (b"elst", 12, u32::MAX),
        (b"elst", 16, 0x7fff_ffff),
        (b"stsz", 12, u32::MAX),
        (b"stts", 8, u32::MAX),
        (b"stsc", 8, u32::MAX),
        (b"stco", 8, u32::MAX),
        (b"mp4a", 28, 0),
        (b"esds", 4, u32::MAX),
    ] {
        let label = format!(
            "M4A {} +{offset} = {value:#x}",
            String::from_utf8_lossy(box_type)
        );
        out.push((
            label,
            m4a_with("speech16k_96k.m4a", box_type, offset, value),
        ));
    }
    let mut b = bytes("speech16k_96k.m4a");
    let at = find(&b, b"moov") - 4;
    b[at..at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    out.push(("M4A moov declaring 4 GiB".into(), b));
    out.push((
        "M4A ALAC cookie declaring frames of 2^32 - 1 samples".into(),
        alac_with_frame_length(u32::MAX),
    ));
    for (offset, value) in [(9, 0u8), (9, 6), (18, 1), (18, 255), (8, 0xff)] {
        out.push((
            format!("Opus head byte {offset} = {value}"),
            opus_head_with(&[(offset, value)]),
        ));
    }
    out.push(("video only".into(), bytes("video_only.mp4")));
    // What cargo-fuzz found (FUZZING.md), kept as regressions.
    for name in [
        "mp4_oom_sample_size.bin",
        "flac_oom_comment_length.bin",
        "flac_oom_picture_media_type.bin",
        "3gp_amr_duration_overflow.bin",
        "mp3_adts_probe_overflow.bin",
        "mp4_oom_stts_in_cut_moov.bin",
        "mp4_oom_ilst_data.bin",
        "aiff_comm_name_overflow.bin",
        "caf_channel_shift_overflow.bin",
        "mp4_oom_stsz_past_stbl.bin",
        "mp4_oom_alac_frame_length.bin",
    ] {
        out.push((format!("fuzz/{name}"), bytes(&format!("fuzz/{name}"))));
    }
    out
}

/// RT60 from an impulse response by Schroeder backward integration: a least-squares line
/// through the decay curve between -5 and -25 dB, extrapolated to -60 dB (T20).
pub fn schroeder_rt60(h: &[f32], rate: u32) -> f64 {
    let mut edc = vec![0.0f64; h.len()];
    let mut acc = 0.0;
    for i in (0..h.len()).rev() {
        acc += (h[i] as f64).powi(2);
        edc[i] = acc;
    }
    let points: Vec<(f64, f64)> = edc
        .iter()
        .enumerate()
        .map(|(i, e)| (i as f64 / rate as f64, 10.0 * (e / edc[0]).log10()))
        .filter(|(_, level)| (-25.0..=-5.0).contains(level))
        .collect();
    let n = points.len() as f64;
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let slope = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>()
        / points.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>();
    -60.0 / slope
}
