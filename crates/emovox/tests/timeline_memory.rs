//! The timeline streams long files of every format: decoded packet by packet and resampled to
//! the classifier's rate chunk by chunk, never loaded whole. Peak heap is measured with a
//! counting allocator (this test binary has one test, so nothing else allocates meanwhile), and
//! each streamed timeline is compared with the whole-file path.

#[path = "../../emovox-audio/tests/common/mp3.rs"]
mod mp3;

#[path = "../../emovox-audio/tests/common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::peak_of;
use std::path::{Path, PathBuf};

use emovox::timeline::{predict_segments, stream_file, SegmentConfig, WindowClassifier};

/// Labels a window "loud" or "quiet" by its RMS (the model is not what this test measures).
struct Loudness(Vec<String>);

impl WindowClassifier for Loudness {
    type Error = std::convert::Infallible;
    fn sample_rate(&self) -> u32 {
        16_000
    }
    fn labels(&self) -> &[String] {
        &self.0
    }
    fn probabilities(&self, w: &[f32]) -> Result<Vec<f32>, Self::Error> {
        let rms = (w.iter().map(|s| s * s).sum::<f32>() / w.len() as f32).sqrt();
        let loud = (rms * 10.0).min(1.0);
        Ok(vec![1.0 - loud, loud])
    }
}

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

const MIB: usize = 1 << 20;

#[test]
fn long_files_of_every_format_are_streamed_in_bounded_memory() {
    let classifier = Loudness(vec!["quiet".into(), "loud".into()]);
    let config = SegmentConfig::default();
    let dir = std::env::temp_dir().join(format!("emovox-timeline-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    // 5 minutes of 44.1 kHz stereo MP3, from the frames of a committed fixture.
    let fixture = root().join("crates/emovox-audio/tests/fixtures/formats/stereo44k_128k.mp3");
    let long_mp3 = dir.join("long.mp3");
    std::fs::write(
        &long_mp3,
        mp3::long_mp3(&std::fs::read(fixture).unwrap(), 300.0, 44_100.0),
    )
    .unwrap();
    // 5 minutes of 44.1 kHz 16-bit WAV: a 0.3 s tone every 10 s.
    let long_wav = dir.join("long.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 44_100,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&long_wav, spec).unwrap();
    for i in 0..300 * 44_100 {
        let t = i as f32 / 44_100.0;
        let s = if t % 10.0 < 0.3 {
            0.3 * (6.0 * t).sin()
        } else {
            0.0
        };
        writer.write_sample((s * 32_767.0) as i16).unwrap();
    }
    writer.finalize().unwrap();

    let formats = root().join("tests/fixtures/formats");
    let files: Vec<PathBuf> = vec![
        long_wav,
        long_mp3,
        formats.join("long60s.flac"),
        formats.join("long60s.ogg"),
        formats.join("long60s.m4a"),
        formats.join("long60s.opus"),
    ];
    for file in &files {
        let (timeline, peak) = peak_of(|| stream_file(&classifier, file, &config, 16_000));
        let timeline = timeline.unwrap();
        let audio = emovox_audio::read_audio(file).unwrap();
        let decoded_bytes = audio.samples.len() * 4;
        let name = file.file_name().unwrap().to_string_lossy();
        eprintln!(
            "{name}: {:.0} s at {} Hz ({decoded_bytes} bytes decoded whole), streamed with a \
             peak of {peak} bytes",
            timeline.duration, audio.sample_rate
        );
        assert!(timeline.duration >= 59.9, "{name}: {}", timeline.duration);
        // One chunk, one window, the resampler's taps and history, the decoder's buffers, plus
        // the batch of windows waiting to be classified together.
        let batch_bytes = config.batch_size * (config.window_seconds * 16_000.0) as usize * 4;
        assert!(peak <= 2 * MIB + batch_bytes, "{name}: peak {peak} bytes");
        // Beside the batch (a constant, whatever the length), a quarter of the decoded file.
        assert!(
            peak.saturating_sub(batch_bytes) * 4 < decoded_bytes,
            "{name}: peak {peak} bytes"
        );
        // The streamed timeline is the whole-file path's.
        let whole = predict_segments(&classifier, &audio.samples, audio.sample_rate, &config);
        assert_eq!(timeline, whole.unwrap(), "{name}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
