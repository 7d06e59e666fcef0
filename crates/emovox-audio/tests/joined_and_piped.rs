//! Files joined end to end, files cut after their first bytes, and paths that are not regular
//! files (pipes, FIFOs): every part decoded or a clear error, never audio silently dropped.

mod common;

use std::io::Cursor;

use common::bytes;
use emovox_audio::{decode_audio, AudioError, AudioStream};

fn streamed(bytes: Vec<u8>) -> Result<Vec<f32>, AudioError> {
    Ok(AudioStream::from_reader(Cursor::new(bytes), 1000)?
        .collect::<Result<Vec<_>, _>>()?
        .concat())
}

#[test]
fn mp3_files_joined_with_cat_decode_every_part() {
    let one = bytes("speech16k_128k.mp3");
    let single = decode_audio(Cursor::new(one.clone())).unwrap().samples;
    let joined = [one.clone(), one].concat();
    let both = decode_audio(Cursor::new(joined.clone())).unwrap().samples;
    // The first part is trimmed by its LAME tag as alone; the second follows whole, with its
    // encoder delay (its Xing frame is skipped): ffmpeg gives the same second part, 680 samples
    // later at 22.05 kHz (it keeps the first part's padding).
    assert_eq!(both[..single.len()], single[..]);
    let second = &both[single.len()..];
    assert!(
        second.len() > single.len() && second.len() < single.len() + 2 * 1152,
        "{} then {}",
        single.len(),
        second.len()
    );
    // The second part holds the first's samples, after its encoder delay (and before its
    // padding, which only the first part's tag could have trimmed).
    let window = &single[8_000..12_000];
    let lag = (0..2 * 1152).find(|&delay| {
        second[8_000 + delay..12_000 + delay]
            .iter()
            .zip(window)
            .all(|(a, b)| (a - b).abs() < 1e-6)
    });
    assert!(
        lag.is_some(),
        "the second part is not the first one's samples"
    );
    assert_eq!(streamed(joined).unwrap(), both);
}

#[test]
fn chained_ogg_files_are_a_clear_error() {
    for name in ["speech16k_32k.opus", "speech16k_64k.ogg"] {
        let one = bytes(name);
        let joined = [one.clone(), one].concat();
        for err in [
            decode_audio(Cursor::new(joined.clone())).unwrap_err(),
            streamed(joined).unwrap_err(),
        ] {
            assert!(
                matches!(&err, AudioError::UnsupportedCodec(m) if m.contains("chained OGG")),
                "{name}: {err:?}"
            );
        }
    }
}

#[test]
fn the_first_bytes_of_an_ogg_file_are_a_file_cut_short_not_an_empty_one() {
    for name in ["speech16k_32k.opus", "speech16k_64k.ogg"] {
        for len in [60, 100] {
            let head = bytes(name)[..len].to_vec();
            for err in [
                decode_audio(Cursor::new(head.clone())).unwrap_err(),
                streamed(head).unwrap_err(),
            ] {
                assert!(
                    matches!(&err, AudioError::CorruptStream { format: "OGG", reason } if reason.contains("cut short")),
                    "{name} {len}: {err:?}"
                );
            }
        }
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_is_read_as_a_stream() {
    let dir = std::env::temp_dir().join(format!("emovox-audio-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wav = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pcm24_stereo.wav"),
    )
    .unwrap();
    let expected = decode_audio(Cursor::new(wav.clone())).unwrap();
    type Read = fn(&std::path::Path) -> Result<Vec<f32>, AudioError>;
    let readers: [(&str, Read); 4] = [
        ("read_audio", |p| Ok(emovox_audio::read_audio(p)?.samples)),
        ("read_wav", |p| Ok(emovox_audio::read_wav(p)?.samples)),
        ("open_audio_stream", |p| {
            Ok(emovox_audio::open_audio_stream(p, 100)?
                .collect::<Result<Vec<_>, _>>()?
                .concat())
        }),
        ("open_wav_stream", |p| {
            Ok(emovox_audio::open_wav_stream(p, 100)?
                .collect::<Result<Vec<_>, _>>()?
                .concat())
        }),
    ];
    for (i, (label, read)) in readers.into_iter().enumerate() {
        let fifo = dir.join(format!("in{i}.wav"));
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let (path, bytes) = (fifo.clone(), wav.clone());
        // Opening a FIFO for writing blocks until the reader opens it.
        let writer = std::thread::spawn(move || std::fs::write(path, bytes));
        let samples = read(&fifo).unwrap_or_else(|e| panic!("{label}: {e}"));
        writer.join().unwrap().unwrap();
        assert_eq!(samples, expected.samples, "{label}");
    }
    // A device that gives nothing is an empty input.
    let err = emovox_audio::read_audio("/dev/null").unwrap_err();
    assert!(matches!(err, AudioError::EmptyFile), "{err:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
