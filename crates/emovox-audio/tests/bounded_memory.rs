//! Memory stays bounded: hostile inputs never make the decoder allocate from a declared length,
//! and streaming a long file holds about one chunk, whatever the file's length. Measured with a
//! counting allocator (this test binary has one test, so nothing else allocates meanwhile).

mod common;
#[path = "common/mp3.rs"]
mod mp3;

#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::peak_of;
use std::io::Cursor;

const MIB: usize = 1 << 20;

#[test]
fn memory_is_bounded_on_hostile_input_and_while_streaming() {
    // 1. Hostile inputs: a few MiB at most (the decoded audio is at most a second or two).
    let mut worst = (String::new(), 0);
    for (label, input) in common::hostile_inputs() {
        let len = input.len();
        let (_, peak) = peak_of(|| emovox_audio::decode_audio(Cursor::new(input)));
        // The input itself is moved into the decoder; allow it, plus 8 MiB of working memory.
        assert!(peak <= len + 8 * MIB, "{label}: peak {peak} bytes");
        if peak > worst.1 {
            worst = (label, peak);
        }
    }
    eprintln!("hostile inputs: worst peak {} bytes ({})", worst.1, worst.0);

    // 2. Five minutes of 44.1 kHz stereo MP3 (4.7 MB), streamed from disk in 1 s chunks.
    let fixture = std::fs::read(common::fixture("stereo44k_128k.mp3")).unwrap();
    let long = mp3::long_mp3(&fixture, 300.0, 44_100.0);
    assert!(long.len() > 4_500_000, "{}", long.len());
    let path = std::env::temp_dir().join(format!("emovox-long-{}.mp3", std::process::id()));
    std::fs::write(&path, &long).unwrap();
    drop(long);
    let ((samples, chunks), peak) = peak_of(|| {
        let mut stream = emovox_audio::open_audio_stream(&path, 44_100).unwrap();
        let mut chunk = Vec::with_capacity(44_100);
        let (mut samples, mut chunks) = (0usize, 0usize);
        while stream.read_chunk(&mut chunk).unwrap() {
            samples += chunk.len();
            chunks += 1;
        }
        (samples, chunks)
    });
    std::fs::remove_file(&path).ok();
    assert!(samples >= 300 * 44_100, "{samples}");
    assert!(chunks >= 300);
    // The whole decoded file would be 53 MB of f32; the stream holds a chunk (176 KB), one
    // packet and symphonia's buffers.
    eprintln!("streaming 300 s of MP3: peak {peak} bytes");
    assert!(peak <= 2 * MIB, "peak {peak} bytes");
}
