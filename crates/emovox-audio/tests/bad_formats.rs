//! Bad input of every compressed format: each case a typed error (or, for damage MP3 cannot
//! detect, a sane decode), never a panic, and never a panic of symphonia's caught on the way.

mod common;

use std::io::Cursor;

use common::{
    alac_with_frame_length, bytes, find, fixture, flac_with_block, flac_with_rate, hostile_inputs,
    m4a_with, picture,
};
use emovox_audio::{
    decode_audio, open_audio_stream, read_audio, validate_sample_rate, Audio, AudioError,
    AudioStream,
};

fn decode(bytes: Vec<u8>) -> Result<Audio, AudioError> {
    decode_audio(Cursor::new(bytes))
}

/// Streams everything, returning the samples or the first error.
fn stream_all(bytes: Vec<u8>) -> Result<Vec<f32>, AudioError> {
    let mut stream = AudioStream::from_reader(Cursor::new(bytes), 777)?;
    let mut all = Vec::new();
    let mut chunk = Vec::new();
    while stream.read_chunk(&mut chunk)? {
        all.extend_from_slice(&chunk);
    }
    Ok(all)
}

fn assert_sane(label: &str, result: &Result<Audio, AudioError>) {
    match result {
        Ok(audio) => {
            assert!(!audio.samples.is_empty(), "{label}");
            assert!(audio.samples.iter().all(|s| s.is_finite()), "{label}");
            assert!(validate_sample_rate(audio.sample_rate).is_ok(), "{label}");
        }
        Err(AudioError::CorruptStream { reason, .. }) => assert!(
            !reason.contains("the decoder failed on malformed data"),
            "{label}: symphonia panicked ({reason})"
        ),
        Err(_) => {}
    }
}

/// `input` decodes to sane audio or a typed error (never a caught panic), and streaming it
/// meets the same verdict: the same samples, or an error.
fn assert_sane_whole_and_streamed(label: &str, input: Vec<u8>) {
    let whole = decode(input.clone());
    assert_sane(label, &whole);
    match (&whole, stream_all(input)) {
        (Ok(audio), Ok(streamed)) => assert_eq!(audio.samples, streamed, "{label}"),
        (Err(_), Err(_)) => {}
        (w, s) => panic!("{label}: whole {w:?}, streamed {:?}", s.map(|v| v.len())),
    }
}

/// `input` is a [`AudioError::CorruptStream`] whose reason says `says`, whole and streamed.
fn assert_corrupt_saying(label: &str, input: Vec<u8>, says: &str) {
    match decode(input.clone()) {
        Err(AudioError::CorruptStream { reason, .. }) => {
            assert!(reason.contains(says), "{label}: {reason}")
        }
        other => panic!("{label}: {:?}", other.map(|a| a.samples.len())),
    }
    assert_sane_whole_and_streamed(label, input);
}

/// The fixture `name` with `value` written at `at` bytes into its `fmt ` chunk's body.
fn with_fmt_field(name: &str, at: usize, value: &[u8]) -> Vec<u8> {
    let mut input = bytes(name);
    let body = input.windows(4).position(|w| w == b"fmt ").unwrap() + 8;
    input[body + at..body + at + value.len()].copy_from_slice(value);
    input
}

#[test]
fn hostile_inputs_give_typed_errors_or_sane_audio_whole_and_streamed() {
    for (label, input) in hostile_inputs() {
        assert_sane_whole_and_streamed(&label, input);
    }
}

#[test]
fn truncated_files_are_errors() {
    for name in common::SPEECH_FIXTURES {
        let b = bytes(name);
        for keep in [b.len() / 50, b.len() / 2, b.len() * 9 / 10, b.len() - 1] {
            let err = decode(b[..keep].to_vec()).unwrap_err();
            assert!(
                matches!(
                    err,
                    AudioError::Truncated { .. } | AudioError::CorruptStream { .. }
                ),
                "{name} cut to {keep} bytes: {err:?}"
            );
        }
    }
    // Where the container declares its length, the error says how much was there.
    let b = bytes("speech16k.flac");
    let err = decode(b[..b.len() / 2].to_vec()).unwrap_err();
    assert!(
        matches!(err, AudioError::Truncated { declared: 16_000, read } if read < 16_000),
        "{err:?}"
    );
}

#[test]
fn corruption_is_caught_by_the_checksums_of_flac_ogg_and_the_aac_decoder() {
    for name in [
        "speech16k_64k.ogg",
        "speech16k_32k.opus",
        "speech16k_96k.m4a",
    ] {
        let mut b = bytes(name);
        let mid = b.len() / 2;
        for byte in &mut b[mid..mid + 16] {
            *byte ^= 0x5a;
        }
        let err = decode(b).unwrap_err();
        assert!(
            matches!(err, AudioError::CorruptStream { .. }),
            "{name}: {err:?}"
        );
    }
    // A damaged FLAC frame fails its CRC and is dropped: fewer samples than STREAMINFO says,
    // but the frames after it are there, so the file is damaged, not cut short (and where); the
    // same for an OGG page whose CRC fails (its packets are dropped).
    // (The Opus file's first audio page is its third: damaged, only the last page is left.)
    for (name, format, sync) in [
        ("speech16k.flac", "FLAC", &b"\xff\xf8"[..]),
        ("speech16k_32k.opus", "OGG", &b"OggS"[..]),
    ] {
        let mut b = bytes(name);
        let from = if format == "OGG" { 100 } else { b.len() / 2 };
        let at = from + common::find(&b[from..], sync);
        for byte in &mut b[at + 40..at + 56] {
            *byte ^= 0x5a;
        }
        for err in [decode(b.clone()).unwrap_err(), stream_all(b).unwrap_err()] {
            // (OGG: symphonia may report the failed page CRC itself.)
            assert!(
                matches!(&err, AudioError::CorruptStream { format: f, reason }
                    if *f == format && (reason.contains("damaged data") && reason.contains(" s on")
                        || format == "OGG" && reason.contains("crc"))),
                "{name}: {err:?}"
            );
        }
    }
}

#[test]
fn a_lying_extension_or_no_audio_at_all_is_an_unsupported_format() {
    let dir = std::env::temp_dir().join(format!("emovox-bad-formats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, content) in [
        (
            "notes.mp3",
            &b"these are my meeting notes, not audio at all\n"[..],
        ),
        ("page.flac", b"<!DOCTYPE html><html><body>404</body></html>"),
        // Amiga 8SVX (IFF, not AIFF), MPEG-2 ADTS (symphonia reads MPEG-4 ADTS only),
        // multichannel AMR (single-channel AMR is read).
        ("sound.m4a", b"FORM\x00\x00\x10\x008SVXVHDR\x00\x00\x00\x14"),
        (
            "raw.ogg",
            b"\xff\xf9\x50\x80\x02\x1f\xfc\xde\x04\x00\x00\x00",
        ),
        ("call.wav", b"#!AMR_MC1.0\n\x00\x00\x00\x01\x3c\x48\xf5\x1f"),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        let err = read_audio(&path).unwrap_err();
        assert!(
            matches!(err, AudioError::UnsupportedFormat(_)),
            "{name}: {err:?}"
        );
        let err = open_audio_stream(&path, 100).unwrap_err();
        assert!(
            matches!(err, AudioError::UnsupportedFormat(_)),
            "{name}: {err:?}"
        );
    }
    // The start of a Matroska header (a WebM cut after 15 bytes), named .m4a: WebM by its
    // content, cut short.
    let path = dir.join("movie.m4a");
    std::fs::write(
        &path,
        b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2",
    )
    .unwrap();
    let err = read_audio(&path).unwrap_err();
    assert!(
        matches!(err, AudioError::CorruptStream { format: "WebM", .. }),
        "{err:?}"
    );
    // AIFF and raw AAC headers cut short, named .m4a and .ogg: what they are, cut short.
    for (name, content, format) in [
        (
            "sound.m4a",
            &b"FORM\x00\x00\x10\x00AIFFCOMM\x00\x00\x00\x12"[..],
            "AIFF",
        ),
        (
            "raw.ogg",
            b"\xff\xf1\x50\x80\x02\x1f\xfc\xde\x04\x00\x00\x00",
            "ADTS",
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        let err = read_audio(&path).unwrap_err();
        assert!(
            matches!(err, AudioError::CorruptStream { format: f, .. } if f == format),
            "{name}: {err:?}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn zero_length_input_is_an_empty_file() {
    assert!(matches!(decode(Vec::new()), Err(AudioError::EmptyFile)));
    let err = AudioStream::from_reader(Cursor::new(Vec::new()), 10).unwrap_err();
    assert!(matches!(err, AudioError::EmptyFile), "{err:?}");
    let path = std::env::temp_dir().join(format!("emovox-empty-{}.mp3", std::process::id()));
    std::fs::write(&path, b"").unwrap();
    assert!(matches!(read_audio(&path), Err(AudioError::EmptyFile)));
    std::fs::remove_file(&path).ok();
    let err = read_audio("/no/such/file.flac").unwrap_err();
    assert!(matches!(err, AudioError::Io { .. }), "{err:?}");
}

#[test]
fn a_video_without_audio_and_audio_of_zero_frames() {
    let err = read_audio(fixture("video_only.mp4")).unwrap_err();
    assert!(matches!(err, AudioError::NoAudioTrack), "{err:?}");
    // ffmpeg writes zero frames of AAC as an MP4 without any track.
    let err = read_audio(fixture("zero_frames.m4a")).unwrap_err();
    assert!(matches!(err, AudioError::NoAudioTrack), "{err:?}");
    for name in ["zero_frames.flac", "zero_frames.ogg"] {
        let err = read_audio(fixture(name)).unwrap_err();
        assert!(matches!(err, AudioError::NoSamples), "{name}: {err:?}");
        let err = open_audio_stream(fixture(name), 10).unwrap_err();
        assert!(matches!(err, AudioError::NoSamples), "{name}: {err:?}");
    }
    // AMR declares no length: its magic alone is no samples, a file cut inside a frame is
    // corrupt (one cut between frames is a shorter recording), a frame of a reserved type too.
    for magic in [&b"#!AMR\n"[..], b"#!AMR-WB\n"] {
        let err = decode(magic.to_vec()).unwrap_err();
        assert!(matches!(err, AudioError::NoSamples), "{err:?}");
    }
    let amr = bytes("speech8k_122k.amr");
    assert_eq!(amr.len(), 6 + 50 * 32);
    let err = decode(amr[..6 + 20 * 32 + 7].to_vec()).unwrap_err();
    assert!(
        matches!(&err, AudioError::CorruptStream { format: "AMR", reason } if reason.contains("cut short")),
        "{err:?}"
    );
    assert_eq!(
        decode(amr[..6 + 20 * 32].to_vec()).unwrap().samples.len(),
        20 * 160
    );
    let mut reserved = amr.clone();
    reserved[6 + 10 * 32] = 9 << 3; // frame type 9: reserved in AMR-NB
    let err = decode(reserved).unwrap_err();
    assert!(
        matches!(&err, AudioError::CorruptStream { reason, .. } if reason.contains("reserved type")),
        "{err:?}"
    );
}

#[test]
fn absurd_sample_rates_are_refused() {
    for rate in [0, 999_999, 1_048_575] {
        let err = decode(flac_with_rate(rate)).unwrap_err();
        assert!(
            matches!(
                err,
                AudioError::SampleRate(_) | AudioError::CorruptStream { .. }
            ),
            "FLAC at {rate} Hz: {err:?}"
        );
    }
    // The MP4 sample entry's rate (16.16 fixed point) of 0 or 1 Hz: AAC's rate is its decoder
    // configuration's (16 kHz here), as the decoder and ffmpeg take it.
    let original = read_audio(fixture("speech16k_96k.m4a")).unwrap();
    for rate in [0u32, 1 << 16] {
        let audio = decode(m4a_with("speech16k_96k.m4a", b"mp4a", 28, rate)).unwrap();
        assert_eq!(audio, original, "a sample entry of {rate} / 65536 Hz");
    }
    // A timescale of 0 (symphonia 0.5 would panic on it).
    let err = decode(m4a_with("speech16k_96k.m4a", b"mdhd", 16, 0)).unwrap_err();
    assert!(matches!(err, AudioError::CorruptStream { .. }), "{err:?}");
}

#[test]
fn absurd_declared_durations_are_not_trusted() {
    // STREAMINFO declaring 2^36 - 1 samples (a day at 795 kHz): nothing is allocated from it,
    // and the shortfall is reported.
    let mut b = bytes("speech16k.flac");
    b[21] |= 0x0f;
    b[22..26].fill(0xff);
    let err = decode(b).unwrap_err();
    assert!(
        matches!(err, AudioError::Truncated { declared, read: 16_000 } if declared == (1 << 36) - 1),
        "{err:?}"
    );
    // An MP4 media header declaring 2^32 - 1 ticks: symphonia ignores it, the audio decodes.
    let audio = decode(m4a_with("speech16k_96k.m4a", b"mdhd", 20, u32::MAX)).unwrap();
    assert_eq!(audio.samples.len(), 16_000);
    // An edit list keeping 2^32 - 1 ms: far more than the file has.
    let err = decode(m4a_with("speech16k_96k.m4a", b"elst", 12, u32::MAX)).unwrap_err();
    assert!(matches!(err, AudioError::Truncated { .. }), "{err:?}");
}

/// A FLAC PICTURE block whose media type, description or picture data runs past the block
/// (`decode_flac` found a 46-byte block declaring a media type of 3 GB): symphonia allocates
/// each declared length before reading it, so emovox refuses them first, behind an ID3v2 tag
/// too; a picture whose lengths fit decodes as before.
#[test]
fn picture_lengths_past_their_block_are_refused_before_symphonia_allocates_them() {
    let name = "fuzz/flac_oom_picture_media_type.bin";
    assert_corrupt_saying(
        name,
        bytes(name),
        "declares a media type of 3030288793 bytes",
    );
    let body = picture(1_000);
    // The lengths of the media type ("image/png"), the description (empty) and the data.
    for (at, what) in [(4, "media type"), (17, "description"), (37, "picture")] {
        let mut forged = body.clone();
        forged[at..at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
        let flac = flac_with_block(6, forged.len() as u32, &forged);
        let says = format!("declares a {what} of 4294967295 bytes");
        assert_corrupt_saying(what, flac.clone(), &says);
        let mut tagged = b"ID3\x04\x00\x00\x00\x00\x00\x0a".to_vec();
        tagged.resize(20, 0);
        tagged.extend_from_slice(&flac);
        assert_corrupt_saying(&format!("{what}, behind ID3v2"), tagged, &says);
    }
    let audio = decode(flac_with_block(6, body.len() as u32, &body)).unwrap();
    assert_eq!(audio, read_audio(fixture("speech16k.flac")).unwrap());
}

#[test]
fn huge_metadata_is_skipped_or_refused_without_loading_it() {
    // A FLAC metadata block declaring 16 MiB that the file does not hold.
    let err = decode(flac_with_block(2, 0xff_ffff, b"app!")).unwrap_err();
    assert!(matches!(err, AudioError::CorruptStream { .. }), "{err:?}");
    // A real 2 MB cover picture: over the 1 MiB limit, skipped; the audio decodes.
    let body = picture(2_000_000);
    let audio = decode(flac_with_block(6, body.len() as u32, &body)).unwrap();
    assert_eq!(audio, read_audio(fixture("speech16k.flac")).unwrap());
    // An ID3v2 tag declaring 256 MiB before an MP3 of 18 KB.
    let mut b = b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f".to_vec();
    b.extend_from_slice(&bytes("speech16k_128k.mp3"));
    let err = decode(b).unwrap_err();
    assert!(
        matches!(
            err,
            AudioError::CorruptStream {
                format: "ID3v2",
                ..
            }
        ),
        "{err:?}"
    );
    // A 2 MiB ID3v2 tag of padding that is really there: skipped, the MP3 decodes.
    let mut b = b"ID3\x04\x00\x00\x00\x7f\x7f\x7f".to_vec();
    b.resize(b.len() + 0x1f_ffff, 0);
    b.extend_from_slice(&bytes("speech16k_128k.mp3"));
    assert_eq!(
        decode(b).unwrap(),
        read_audio(fixture("speech16k_128k.mp3")).unwrap()
    );
}

#[test]
fn surround_or_malformed_opus_headers_are_typed_errors() {
    // 5.1 surround (mapping family 1, six channels): libopus's multistream decoder is not
    // wrapped, so it is refused by name.
    let err = decode(common::opus_head_with(&[(9, 6), (18, 1)])).unwrap_err();
    assert!(matches!(err, AudioError::UnsupportedCodec(_)), "{err:?}");
    // Six channels in the mono/stereo family, or a reserved family: no stream symphonia's
    // OGG demuxer maps, so no audio is found before the end.
    for edits in [[(9, 6u8)], [(18, 255)]] {
        let err = decode(common::opus_head_with(&edits)).unwrap_err();
        assert!(
            matches!(err, AudioError::CorruptStream { .. }),
            "{edits:?}: {err:?}"
        );
    }
}

#[test]
fn in_a_batch_the_good_files_still_decode() {
    let good = ["speech16k.flac", "speech16k_128k.mp3", "speech16k_32k.opus"];
    let bad = ["video_only.mp4", "zero_frames.flac"];
    let results: Vec<_> = good
        .iter()
        .chain(&bad)
        .map(|name| read_audio(fixture(name)))
        .collect();
    assert!(results[..good.len()].iter().all(Result::is_ok));
    assert!(results[good.len()..].iter().all(Result::is_err));
}

#[test]
fn a_stream_gives_its_chunks_then_one_error_then_ends() {
    let b = bytes("speech16k_128k.mp3");
    let stream = AudioStream::from_reader(Cursor::new(b[..b.len() / 2].to_vec()), 1_000).unwrap();
    let items: Vec<_> = stream.collect();
    let (last, chunks) = items.split_last().unwrap();
    assert!(chunks.len() >= 5 && chunks.iter().all(Result::is_ok));
    assert!(
        matches!(last, Err(AudioError::Truncated { .. })),
        "{last:?}"
    );
}

#[test]
fn what_the_fuzzer_found_inside_symphonia_is_an_error() {
    // An esds descriptor length under 3: symphonia 0.5 subtracts with overflow (a panic in
    // builds with overflow checks, caught by emovox; wrapping arithmetic otherwise). Either
    // way the caller gets an error, and the next file decodes.
    let result = decode(bytes("fuzz/mp4_esds_overflow.bin"));
    assert!(result.is_err(), "{:?}", result.map(|a| a.samples.len()));
    assert!(read_audio(fixture("speech16k_96k.m4a")).is_ok());
}

/// What the fuzz targets of the formats added later (FUZZING.md: `decode_aiff`, `decode_caf`)
/// found: each a panic of symphonia's (caught, but a defect), now refused by emovox before
/// symphonia sees the bytes, in every build alike.
#[test]
fn what_the_fuzzer_found_in_aiff_and_caf_is_refused_before_symphonia() {
    for (name, says) in [
        // An AIFF-C compression name of 255 bytes: symphonia's `(len + 1) % 2` in a u8.
        (
            "aiff_comm_name_overflow.bin",
            "compression name of 255 bytes",
        ),
        // A CAF description of 33,554,433 channels: symphonia's `1u64 << channels`.
        ("caf_channel_shift_overflow.bin", "33554433 channels"),
        // An `opus` description with 16 bits a channel and packets of 0 bytes: symphonia reads
        // any description with bits per channel as PCM and divided the data's length by 0 (a
        // panic in release builds too; 2026-12-06).
        (
            "caf_opus_with_bits_zero_byte_packets.bin",
            "packets of 0 bytes",
        ),
    ] {
        assert_corrupt_saying(name, bytes(&format!("fuzz/{name}")), says);
    }
    // The same description with frames of 1 MiB: read as PCM, 1,152 of them a packet (1.2 GB
    // allocated when the data runs to the end of the file); over 8 bytes a channel, refused.
    let mut large = bytes("fuzz/caf_opus_with_bits_zero_byte_packets.bin");
    let desc = large.windows(4).position(|w| w == b"desc").unwrap() + 12;
    large[desc + 16..desc + 20].copy_from_slice(&(1u32 << 20).to_be_bytes());
    assert_corrupt_saying(
        "opus as PCM, 1 MiB frames",
        large,
        "packets of 1048576 bytes",
    );
}

/// Raw AAC whose section data indexes past symphonia 0.5's 64 scale-factor bands (the
/// `decode_adts` target's finding, `ics/mod.rs:242`, also in release builds): inside the AAC
/// bit stream, past any header emovox can check, so it stays a panic caught by emovox
/// (FUZZING.md, upstream's to fix); what is asserted is the typed error and the next file.
#[test]
fn aac_section_data_past_the_bands_is_a_corrupt_stream() {
    for name in [
        "fuzz/adts_aac_section_codebook.bin",
        "fuzz/adts_aac_max_sfb_past_bands.bin",
    ] {
        let input = bytes(name);
        let result = decode(input.clone());
        assert!(
            matches!(result, Err(AudioError::CorruptStream { .. })),
            "{name}: {:?}",
            result.map(|a| a.samples.len())
        );
        assert!(stream_all(input).is_err(), "{name}");
    }
    assert!(read_audio(fixture("speech16k_96k.aac")).is_ok());
}

/// Matroska FLAC whose damaged first frame codes a right/side pair in a mono stream
/// (`decode_mkv`'s finding, 2026-12-06, its header checksum then made valid so that release
/// builds reach what fuzz builds, which skip the checksum, did): symphonia's FLAC decoder asked
/// its one-channel buffer for a pair, an `assert!` in symphonia-core (`audio.rs:613`, release
/// builds too, caught as "malformed data"). Each frame's channels are now checked against the
/// stream's before symphonia decodes it: an error saying so, whole and streamed, and the next
/// file decodes.
#[test]
fn flac_frames_of_more_channels_than_their_stream_are_an_error() {
    let input = bytes("fuzz/mkv_flac_frame_channels_past_stream.bin");
    for result in [
        decode(input.clone()).map(|_| ()),
        stream_all(input).map(|_| ()),
    ] {
        match result {
            Err(AudioError::CorruptStream { reason, .. }) => assert!(
                reason.contains("a FLAC frame of 2 channels in a stream of 1"),
                "{reason}"
            ),
            other => panic!("{other:?}"),
        }
    }
    assert!(read_audio(fixture("speech16k.flac")).is_ok());
}

/// MS ADPCM whose step size overflows an `i32` in symphonia's decoder (loud or damaged data):
/// release builds wrap (and so do this workspace's debug builds, `Cargo.toml`'s dev profile);
/// with overflow checks (a dependent crate's debug build) it panics and `guarded` makes it a
/// corrupt stream. Either way a typed error or finite audio, never an abort (or a panic through
/// `decode`), and the next file still decodes.
#[test]
fn ms_adpcm_whose_step_overflows_is_an_error_or_finite_audio() {
    // symphonia refuses this one's block header in release builds ("block predictor exceeds
    // range"): any typed error will do.
    if let Ok(audio) = decode(bytes("fuzz/ms_adpcm_delta_overflow.bin")) {
        assert!(audio.samples.iter().all(|s| s.is_finite()));
    }
    assert!(read_audio(fixture("speech16k_ms_adpcm.wav")).is_ok());
}

/// An ALAC magic cookie declaring huge frames (`decode_mp4` found one of 4,177,531,904: symphonia
/// allocated them for every channel, 16.7 GB, when it made the decoder): a typed error naming
/// ALAC, whole and streamed, before any allocation; the encoder's 4,096 still decodes, and the
/// limit itself gets past the check (to symphonia, whose packets of 4,096 frames it then
/// cannot read as 65,536).
#[test]
fn alac_frames_longer_than_read_are_refused_before_symphonia_allocates_them() {
    let whole = decode(bytes("speech16k_alac.m4a")).unwrap();
    let audio = decode(alac_with_frame_length(4_096)).unwrap();
    assert_eq!(audio.samples, whole.samples);
    if let Err(e) = decode(alac_with_frame_length(1 << 16)) {
        assert!(!e.to_string().contains("ALAC frames of"), "{e}");
    }
    for frames in [(1 << 16) + 1, 0xf900_1000, u32::MAX] {
        for result in [
            decode(alac_with_frame_length(frames)).map(|a| a.samples),
            stream_all(alac_with_frame_length(frames)),
        ] {
            match result {
                Err(AudioError::CorruptStream { reason, .. }) => {
                    assert!(
                        reason.contains(&format!("ALAC frames of {frames}")),
                        "{reason}"
                    )
                }
                other => panic!("{frames} frames: {other:?}"),
            }
        }
    }
}

/// CAF sizes symphonia 0.5 allocates before it reads (none found by the fuzzer in its minutes,
/// read in its source): a magic cookie of 2^40 bytes, a packet table of 2^40 packets, a packet
/// of 2^40 bytes in a packet table, PCM packets of 4 GiB a frame. Each a typed error, no
/// allocation attempted.
#[test]
fn forged_caf_sizes_are_refused_before_symphonia_allocates_them() {
    // A minimal CAF: `desc` (AAC: variable packet sizes, 1,024 frames each, no bits per
    // channel, as symphonia needs to read it as compressed), then `kuki` or `pakt`, then `data`.
    let desc = |format: &[u8; 4], bytes_per_packet: u32, frames: u32, bits: u32| {
        let mut b = b"caff\x00\x01\x00\x00desc\0\0\0\0\0\0\0\x20".to_vec();
        b.extend_from_slice(&16_000f64.to_be_bytes());
        b.extend_from_slice(format);
        b.extend_from_slice(&0u32.to_be_bytes());
        for v in [bytes_per_packet, frames, 1, bits] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b
    };
    let chunk = |b: &mut Vec<u8>, name: &[u8; 4], size: i64, body: &[u8]| {
        b.extend_from_slice(name);
        b.extend_from_slice(&size.to_be_bytes());
        b.extend_from_slice(body);
    };
    let data = |b: &mut Vec<u8>| chunk(b, b"data", 4 + 64, &[0u8; 68]);
    let mut cookie = desc(b"aac ", 0, 1024, 0);
    chunk(&mut cookie, b"kuki", 1 << 40, &[0x12, 0x08]);
    let mut table = desc(b"aac ", 0, 1024, 0);
    let mut pakt = (1i64 << 40).to_be_bytes().to_vec();
    pakt.extend_from_slice(&[0u8; 16]);
    chunk(&mut table, b"pakt", 24 + 1, &pakt);
    table.push(0x01);
    data(&mut table);
    let mut packet = desc(b"aac ", 0, 1024, 0);
    let mut pakt = 1i64.to_be_bytes().to_vec();
    pakt.extend_from_slice(&[0u8; 16]);
    pakt.extend_from_slice(&[0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]); // 2^42 bytes
    chunk(&mut packet, b"pakt", 24 + 7, &pakt);
    data(&mut packet);
    let mut pcm = desc(b"lpcm", u32::MAX, 1, 16);
    data(&mut pcm);
    for (label, input, says) in [
        ("kuki of 2^40 bytes", cookie, "kuki chunk declares"),
        ("pakt of 2^40 packets", table, "1099511627776 packets"),
        (
            "a packet of 2^42 bytes",
            packet,
            "a packet of 4398046511104 bytes",
        ),
        ("PCM packets of 4 GiB", pcm, "packets of 4294967295 bytes"),
    ] {
        assert_corrupt_saying(label, input, says);
    }
}

/// Vorbis setup headers symphonia cannot take, forged in the WebM fixture's `CodecPrivate`
/// and, with the page checksum recomputed, in the OGG fixture (the same encoder's same setup
/// header): each byte found by the damaged-byte test below. Refused before symphonia parses
/// them (`vorbis_setup.rs`), where it panicked or, for larger forged sizes, would allocate
/// terabytes.
#[test]
fn vorbis_setup_headers_symphonia_cannot_take_are_refused_before_it() {
    // (offset into the setup packet, new byte, what the error says)
    let cases = [
        (618, 0xff, "codewords over 32 bits"),
        (958, 0x00, "0 dimensions"),
        (1030, 0xff, "lookup values symphonia estimates wrongly"),
        (3401, 0x00, "x position repeated"),
    ];
    let webm = bytes("speech16k_64k_vorbis.webm");
    let ogg = bytes("speech16k_64k.ogg");
    let setup_in = |file: &[u8]| file.windows(7).position(|w| w == b"\x05vorbis").unwrap();
    let (webm_setup, ogg_setup) = (setup_in(&webm), setup_in(&ogg));
    assert_eq!(
        webm[webm_setup..webm_setup + 3500],
        ogg[ogg_setup..ogg_setup + 3500]
    );
    // The page holding the setup header's first 3,500 bytes.
    let page = ogg[..ogg_setup]
        .windows(4)
        .rposition(|w| w == b"OggS")
        .unwrap();
    for (offset, value, says) in cases {
        let mut forged = webm.clone();
        forged[webm_setup + offset] = value;
        assert_corrupt_saying(&format!("WebM, {says}"), forged, says);
        let mut forged = ogg.clone();
        forged[ogg_setup + offset] = value;
        common::fix_ogg_crc(&mut forged, page);
        assert_corrupt_saying(&format!("OGG, {says}"), forged, says);
    }
}

/// FLAC in Matroska whose STREAMINFO declares blocks smaller than its frames (no frame
/// checksum stands between a damaged frame header and the decoder here; `decode_mkv` found
/// one): symphonia sized its buffer by the declared largest block and panicked ("capacity will
/// be exceeded"). Every frame is now bounded by FLAC's own largest block: the same samples.
#[test]
fn flac_in_matroska_with_frames_larger_than_streaminfo_says_decodes() {
    let original = bytes("speech16k_flac.mkv");
    let info = find(&original, b"fLaC") + 8; // past `fLaC` and the block header
    let mut forged = original.clone();
    // Smallest and largest block: 16 frames (ffmpeg's frames hold 4,608).
    forged[info..info + 4].copy_from_slice(&[0, 16, 0, 16]);
    let expected = decode(original).unwrap();
    assert_eq!(decode(forged.clone()).unwrap(), expected);
    assert_eq!(stream_all(forged).unwrap(), expected.samples);
}

/// A box inside `moov` declaring size 0 ("to the end of the file", which only the last
/// top-level box may): symphonia took a `hdlr` of size 0 for the rest of the file and asked for
/// a name of 2^64 - 24 bytes (a capacity-overflow panic, caught). Found by the damaged-byte test
/// below on a 3GP; M4A files are read the same way.
/// A top-level box whose 64-bit size reaches past 2^64 bytes (`decode_mp4`: a 3GP whose second
/// box declares 2^64 - 1): symphonia adds it to the box's offset, which panics where overflow
/// is checked and wraps to a bogus offset where not; emovox refuses it first.
#[test]
fn a_box_reaching_past_any_offset_is_refused() {
    let name = "fuzz/mp4_top_level_box_size_past_u64.bin";
    assert_corrupt_saying(name, bytes(name), "past any offset a file can have");
    for name in ["speech16k_96k.m4a", "speech8k_122k.3gp"] {
        let mut input = bytes(name);
        input.extend_from_slice(b"\x00\x00\x00\x01free");
        input.extend_from_slice(&u64::MAX.to_be_bytes());
        assert_corrupt_saying(
            name,
            input,
            "the free box declares 18446744073709551615 bytes",
        );
    }
}

/// An `esds` box without an ES descriptor (`decode_mp4`): symphonia `unwrap`s the descriptor it
/// did not find, a panic in release builds too; emovox refuses the box first.
#[test]
fn an_esds_without_an_es_descriptor_is_refused() {
    let name = "fuzz/mp4_esds_without_es_descriptor.bin";
    assert_corrupt_saying(name, bytes(name), "an esds box without an ES descriptor");
    // The fixture's ES descriptor (tag 3, just past the box's version and flags) retagged as
    // another kind, which symphonia skips.
    let mut input = bytes("speech16k_96k.m4a");
    let at = find(&input, b"esds") + 8;
    assert_eq!(input[at], 3);
    input[at] = 0x1f;
    assert_corrupt_saying("retagged", input, "an esds box without an ES descriptor");
}

#[test]
fn a_box_of_size_zero_inside_moov_is_refused() {
    for name in ["speech16k_96k.m4a", "speech8k_122k.3gp"] {
        let mut input = bytes(name);
        let at = find(&input, b"hdlr") - 4;
        input[at..at + 4].fill(0);
        assert_corrupt_saying(name, input, "declares size 0");
    }
}

/// What `decode_mp4` found seeded with the 3GP fixtures: an `stsz` whose header starts in the
/// last 4 bytes of its `stbl` (a garbage box of 64 bytes before it), which emovox's walk did
/// not look at and symphonia read from past the box, reserving its 2^30 declared entries (4
/// GB). Refused by emovox now (and kept in `hostile_inputs`, whose memory `bounded_memory.rs`
/// measures).
#[test]
fn a_box_header_cut_by_its_parents_end_inside_moov_is_refused() {
    let input = bytes("fuzz/mp4_oom_stsz_past_stbl.bin");
    assert_corrupt_saying("stsz past its stbl", input, "too few for a box header");
}

/// Bytes of the Vorbis fixtures' setup headers (after the codebooks, floors and residues that
/// `vorbis_setup.rs` checks) whose damage makes symphonia's Vorbis decoder panic while decoding
/// the first packets, as it does on some damaged audio packets (FUZZING.md): caught by emovox
/// as `CorruptStream`, an error like any other. Both are in its floor 1 synthesis
/// (`floor.rs`, `render_line`): byte 4168 zeroed (a subclass book) makes an amplitude negative
/// and indexes its dB table at -66; byte 4293 zeroed (in the modes, whose other damage symphonia
/// refuses as an invalid mode mapping) gives a short block a floor whose positions reach past
/// its half, drawn from there (a slice from 131 to 128). The second stream is legal Vorbis (libvorbis draws only up to the block's
/// half); refusing it beforehand would take the mappings and modes, which are not checked.
const VORBIS_DECODE_PANICS: [(&str, usize); 2] = [
    ("stereo44k_96k_vorbis.mkv", 4168),
    ("stereo44k_96k_vorbis.mkv", 4293),
];

/// Every byte of the headers of AIFF, AIFF-C, CAF, ADPCM WAV, ADTS, AMR (the first 160 bytes:
/// the magic and the first frames, each frame's header byte giving its size), 3GP with AMR (its
/// `moov`) and
/// Matroska and WebM with AAC, PCM, FLAC, MP3 or Vorbis (all before the first Cluster): chunk and element sizes, frame counts, block
/// sizes, channel counts, rates, bit depths; zeroed, set to 0xff and
/// flipped: each an error or sane audio, whole and streamed alike, and never a panic of
/// symphonia's caught on the way, nor an allocation the declared sizes ask for.
#[test]
fn every_damaged_header_byte_of_the_new_containers_is_an_error_or_sane_audio() {
    for name in [
        "speech16k.aiff",
        "stereo44k_float.aifc",
        "speech16k.caf",
        "stereo44k_24bit.caf",
        "speech16k_ima_adpcm.wav",
        "speech16k_ms_adpcm.wav",
        "speech16k_96k.aac",
    ]
    .iter()
    .chain(common::MATROSKA_AND_AMR)
    {
        let original = bytes(name);
        // Matroska's track list lies past its first 160 bytes (after the SeekHead and Info),
        // with the codec's headers (Vorbis's three, 3.7 kB; FLAC's STREAMINFO): every byte
        // before the first Cluster.
        let header = if name.ends_with(".mkv") || name.ends_with(".webm") {
            let cluster = original
                .windows(4)
                .position(|w| w == [0x1F, 0x43, 0xB6, 0x75]);
            0..cluster.expect("a Cluster")
        } else if name.ends_with(".3gp") {
            // ffmpeg writes the `moov` (tracks, sample entries, tables) after the samples.
            find(&original, b"moov") - 4..original.len()
        } else {
            0..160
        };
        for at in header {
            for damage in [|_: u8| 0u8, |_: u8| 0xff, |b: u8| !b] {
                let mut input = original.clone();
                input[at] = damage(input[at]);
                let label = format!("{name} byte {at} {:02x} -> {:02x}", original[at], input[at]);
                if VORBIS_DECODE_PANICS.contains(&(name, at)) {
                    // Caught: an error, whole and streamed.
                    assert!(decode(input.clone()).is_err(), "{label}");
                    assert!(stream_all(input).is_err(), "{label}");
                } else {
                    assert_sane_whole_and_streamed(&label, input);
                }
            }
        }
    }
}

/// ADPCM headers symphonia's WAV reader and decoder cannot take (the fuzzer's `decode_adpcm`
/// made the first and third): three channels (its decoder reaches `unreachable!()`), other than
/// 4 bits a sample (it divides by them), blocks smaller than their header or too large for its
/// u16 arithmetic (it subtracts and multiplies in u16). Each a typed error, told before
/// symphonia sees the file, whole and streamed.
#[test]
fn adpcm_headers_symphonia_cannot_take_are_typed_errors() {
    // (offset in the fmt chunk's body, value, what the error says)
    let cases: [(usize, u16, &str); 5] = [
        (2, 3, "3 channels"),
        (14, 0, "0 bits"),
        (14, 8, "8 bits"),
        (12, 2, "blocks of 2 bytes"),
        (12, 65_000, "blocks of 65000 bytes"),
    ];
    for name in ["speech16k_ima_adpcm.wav", "speech16k_ms_adpcm.wav"] {
        for (at, value, says) in cases {
            let input = with_fmt_field(name, at, &value.to_le_bytes());
            for result in [
                decode(input.clone()).map(|_| ()),
                stream_all(input).map(|_| ()),
            ] {
                let message = format!("{result:?}");
                assert!(
                    matches!(
                        result,
                        Err(AudioError::UnsupportedEncoding(_) | AudioError::CorruptHeader(_))
                    ) && message.contains(says),
                    "{name}, {says}: {message}"
                );
            }
        }
    }
    // A good `fmt ` chunk, then a second one with blocks smaller than their header (the
    // fuzzer's; symphonia's reader takes the later one): every `fmt ` is checked.
    let result = decode(bytes("fuzz/adpcm_second_fmt_chunk.bin"));
    assert!(
        matches!(result, Err(AudioError::CorruptHeader(_))),
        "{result:?}"
    );
    // The fuzzer's (2026-12-06): a `fmt ` chunk declaring more bytes than the file holds.
    // emovox's walk of the chunks stops there; symphonia's reads the next chunk header right
    // after the fields it parsed, inside that chunk, and met a `fmt ` of IMA blocks smaller
    // than their header (its u16 `block_align - 4 * channels` panicked with overflow checks,
    // wrapped in release builds). A header whose walk stops short of the data is refused.
    let damaged = bytes("fuzz/adpcm_damaged_header_small_blocks.bin");
    let result = decode(damaged.clone());
    assert!(
        matches!(result, Err(AudioError::CorruptHeader(_))),
        "{result:?}"
    );
    let streamed = stream_all(damaged);
    assert!(
        matches!(streamed, Err(AudioError::CorruptHeader(_))),
        "streamed: {streamed:?}"
    );
    // A `fmt ` chunk larger than its fields (8 bytes more than 18 and its cbSize): symphonia
    // would read the next chunk header inside it, where nothing was checked.
    for name in ["speech16k_ima_adpcm.wav", "speech16k_ms_adpcm.wav"] {
        let mut input = bytes(name);
        let at = input.windows(4).position(|w| w == b"fmt ").unwrap();
        let size = u32::from_le_bytes(input[at + 4..at + 8].try_into().unwrap());
        input[at + 4..at + 8].copy_from_slice(&(size + 8).to_le_bytes());
        let body_end = at + 8 + size as usize;
        input.splice(body_end..body_end, [0u8; 8]);
        let riff = u32::from_le_bytes(input[4..8].try_into().unwrap());
        input[4..8].copy_from_slice(&(riff + 8).to_le_bytes());
        let result = decode(input);
        assert!(
            matches!(&result, Err(AudioError::CorruptHeader(m)) if m.contains("larger than its fields")),
            "{name}: {result:?}"
        );
    }
    // A rate of 0 (symphonia's time base of it panics): the rate refused.
    for name in ["speech16k_ima_adpcm.wav", "speech16k_ms_adpcm.wav"] {
        let result = decode(with_fmt_field(name, 4, &0u32.to_le_bytes()));
        assert!(
            matches!(result, Err(AudioError::SampleRate(0))),
            "{name}: {result:?}"
        );
    }
    // IMA blocks whose data is not whole 4-byte words per channel (symphonia's stereo decoder
    // wrote past its buffer on one of 1,027 bytes).
    for name in ["speech16k_ima_adpcm.wav", "stereo44k_ima_adpcm.wav"] {
        let result = decode(with_fmt_field(name, 12, &1_027u16.to_le_bytes()));
        assert!(
            matches!(result, Err(AudioError::CorruptHeader(_))),
            "{name}: {result:?}"
        );
    }
}
