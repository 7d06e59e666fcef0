//! Decodes an audio file of any supported format, resamples it to 16 kHz mono as it streams,
//! and writes raw little-endian f32 to stdout: emovox's counterpart of
//! `ffmpeg -i FILE -f f32le -ar 16000 -`, for timing the two the same way
//! (`scripts/bench_formats.sh`).
//!
//! ```sh
//! cargo run --release -p emovox-audio --example decode_to_16k -- podcast.mp3 > podcast.f32
//! # decoding alone, at the file's own rate:
//! cargo run --release -p emovox-audio --example decode_to_16k -- podcast.mp3 --native > p.f32
//! ```

use std::io::Write;

use emovox_audio::{open_audio_stream, StreamResampler};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const USAGE: &str = "usage: decode_to_16k FILE [--native] > out.f32";
    let path = std::env::args_os().nth(1).ok_or(USAGE)?;
    if path == "--help" || path == "-h" {
        println!("{USAGE}\nDecodes FILE (any format emovox reads), resampled to 16 kHz mono (or at its own rate with --native), as raw little-endian f32 on stdout.");
        return Ok(());
    }
    let native = std::env::args().nth(2).as_deref() == Some("--native");
    let mut stream = open_audio_stream(&path, 65_536)?;
    let to = if native { stream.sample_rate() } else { 16_000 };
    let mut resampler = StreamResampler::new(stream.sample_rate(), to)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let (mut chunk, mut resampled, mut bytes) = (Vec::new(), Vec::new(), Vec::new());
    let mut write = |samples: &mut Vec<f32>| -> std::io::Result<()> {
        bytes.clear();
        bytes.extend(samples.iter().flat_map(|s| s.to_le_bytes()));
        samples.clear();
        out.write_all(&bytes)
    };
    while stream.read_chunk(&mut chunk)? {
        resampler.process_into(&chunk, &mut resampled)?;
        write(&mut resampled)?;
    }
    resampler.flush(&mut resampled)?;
    write(&mut resampled)?;
    Ok(())
}
