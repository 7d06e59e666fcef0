//! Timeline logic with a fake classifier that labels a window by its dominant frequency, on
//! synthetic recordings built from known tone segments, silence and low noise.

use emovox::timeline::{
    predict_segments, stream_file, Segment, SegmentConfig, SegmentStream, SmoothingConfig,
    Timeline, TimelineError, WindowClassifier,
};

const RATE: u32 = 16_000;

/// Labels a window "low" (200 Hz), "mid" (800 Hz) or "high" (2400 Hz) from the zero-crossing
/// rate of its loud 20 ms frames; probabilities are a softmax of minus the octave distance.
struct ToneClassifier {
    labels: Vec<String>,
    rate: u32,
}

const CENTRES: [f32; 3] = [200.0, 800.0, 2400.0];

impl ToneClassifier {
    fn new(rate: u32) -> Self {
        Self {
            labels: ["low", "mid", "high"].map(String::from).to_vec(),
            rate,
        }
    }
}

/// Error of the fake classifier.
#[derive(Debug)]
struct FakeError;
impl std::fmt::Display for FakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fake failure")
    }
}
impl std::error::Error for FakeError {}

impl WindowClassifier for ToneClassifier {
    type Error = FakeError;
    fn sample_rate(&self) -> u32 {
        self.rate
    }
    fn labels(&self) -> &[String] {
        &self.labels
    }
    fn probabilities(&self, window: &[f32]) -> Result<Vec<f32>, FakeError> {
        let frame = self.rate as usize / 50;
        let (mut crossings, mut samples) = (0usize, 0usize);
        for f in window.chunks(frame) {
            let rms = (f.iter().map(|s| s * s).sum::<f32>() / f.len() as f32).sqrt();
            if rms > 0.03 {
                crossings += f
                    .windows(2)
                    .filter(|p| (p[0] < 0.0) != (p[1] < 0.0))
                    .count();
                samples += f.len();
            }
        }
        let hz = (crossings as f32 * self.rate as f32 / (2.0 * samples.max(1) as f32)).max(1.0);
        let scores: Vec<f32> = CENTRES
            .iter()
            .map(|c| (-4.0 * (hz / c).log2().abs()).exp())
            .collect();
        let sum: f32 = scores.iter().sum();
        Ok(scores.iter().map(|s| s / sum).collect())
    }
}

/// Builds a recording from `(seconds, Some(frequency) | None for silence)` parts at `rate`:
/// tones of amplitude 0.3 with a 4 Hz syllable-like envelope, over -60 dBFS noise.
fn recording(parts: &[(f64, Option<f32>)], rate: u32) -> Vec<f32> {
    let mut out = Vec::new();
    let mut state = 12345u64;
    for &(seconds, tone) in parts {
        let len = (seconds * f64::from(rate)).round() as usize;
        for i in 0..len {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let noise = 1e-3 * ((state >> 40) as f32 / (1u64 << 23) as f32 - 1.0);
            let t = i as f32 / rate as f32;
            let voice = tone.map_or(0.0, |hz| {
                0.3 * (0.6 + 0.4 * (std::f32::consts::TAU * 4.0 * t).sin())
                    * (std::f32::consts::TAU * hz * t).sin()
            });
            out.push(voice + noise);
        }
    }
    out
}

/// Silence 1 s, low 4 s, mid 3 s, silence 2 s, high 4 s, silence 1 s.
const PARTS: [(f64, Option<f32>); 6] = [
    (1.0, None),
    (4.0, Some(200.0)),
    (3.0, Some(800.0)),
    (2.0, None),
    (4.0, Some(2400.0)),
    (1.0, None),
];

fn summary(segments: &[Segment]) -> Vec<(String, f64, f64)> {
    segments
        .iter()
        .map(|s| (s.label.clone(), s.start, s.end))
        .collect()
}

#[test]
fn known_segments_give_boundaries_within_one_hop() {
    let config = SegmentConfig::default();
    let classifier = ToneClassifier::new(RATE);
    let timeline = predict_segments(&classifier, &recording(&PARTS, RATE), RATE, &config).unwrap();
    println!("{:?}", summary(&timeline.smoothed));
    let truth = [("low", 1.0, 5.0), ("mid", 5.0, 8.0), ("high", 10.0, 14.0)];
    assert_eq!(timeline.smoothed.len(), truth.len());
    for (segment, (label, start, end)) in timeline.smoothed.iter().zip(truth) {
        assert_eq!(segment.label, label);
        assert!(
            (segment.start - start).abs() <= config.hop_seconds,
            "{segment:?}"
        );
        assert!(
            (segment.end - end).abs() <= config.hop_seconds,
            "{segment:?}"
        );
        assert!(segment.confidence > 0.5);
    }
    // Windows: every 0.5 s, none entirely in the 2 s pause or the leading silence.
    assert!(timeline.windows.windows(2).all(|w| w[1].start > w[0].start));
    assert!(timeline
        .windows
        .iter()
        .all(|w| !(w.start >= 8.5 && w.end <= 10.0) && w.end > 1.0));
    assert_eq!(timeline.speech.len(), 2);
    assert!((timeline.duration - 15.0).abs() < 1e-9);
}

#[test]
fn majority_filter_removes_a_short_flip_and_merges() {
    // A 1 s "mid" burst inside 8 s of "low": three windows (50 % burst) are labelled mid.
    let parts = [
        (1.0, None),
        (4.0, Some(200.0)),
        (1.0, Some(800.0)),
        (3.0, Some(200.0)),
        (1.0, None),
    ];
    let samples = recording(&parts, RATE);
    let classifier = ToneClassifier::new(RATE);
    let raw = SegmentConfig {
        smoothing: SmoothingConfig {
            majority_width: 1,
            ..Default::default()
        },
        ..SegmentConfig::default()
    };
    let unfiltered = predict_segments(&classifier, &samples, RATE, &raw).unwrap();
    let labels: Vec<&str> = unfiltered
        .smoothed
        .iter()
        .map(|s| s.label.as_str())
        .collect();
    assert_eq!(
        labels,
        ["low", "mid", "low"],
        "{:?}",
        summary(&unfiltered.smoothed)
    );
    let flips = unfiltered
        .windows
        .iter()
        .filter(|w| w.label == "mid")
        .count();
    assert_eq!(flips, 3);

    let filtered = SegmentConfig {
        smoothing: SmoothingConfig {
            majority_width: 7,
            ..Default::default()
        },
        ..SegmentConfig::default()
    };
    let timeline = predict_segments(&classifier, &samples, RATE, &filtered).unwrap();
    assert_eq!(
        summary(&timeline.smoothed).len(),
        1,
        "{:?}",
        summary(&timeline.smoothed)
    );
    let merged = &timeline.smoothed[0];
    assert_eq!(merged.label, "low");
    assert!(
        (merged.start - 1.0).abs() < 0.05 && (merged.end - 9.0).abs() < 0.05,
        "{merged:?}"
    );
    // Merged probabilities are the mean over the windows.
    let mean_low = timeline
        .windows
        .iter()
        .map(|w| w.probabilities[0])
        .sum::<f32>()
        / timeline.windows.len() as f32;
    assert!((merged.confidence - mean_low).abs() < 1e-5);
}

fn stream_in_chunks(
    classifier: &ToneClassifier,
    samples: &[f32],
    sizes: &[usize],
) -> (Vec<Segment>, usize) {
    let config = SegmentConfig::default();
    let mut stream = SegmentStream::new(classifier, RATE, &config).unwrap();
    let capacity = stream.buffer_capacity();
    let mut windows = Vec::new();
    let mut rest = samples;
    for &size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        rest = tail;
        windows.extend(stream.push(chunk).unwrap());
        assert_eq!(
            stream.buffer_capacity(),
            capacity,
            "the ring buffer must not grow"
        );
    }
    windows.extend(stream.finish().unwrap());
    assert_eq!(stream.samples_seen(), samples.len());
    (windows, capacity)
}

#[test]
fn stream_equals_batch_for_any_chunking() {
    let classifier = ToneClassifier::new(RATE);
    // 15.3 s, so there is a partial tail window.
    let mut parts = PARTS.to_vec();
    parts.push((0.3, Some(800.0)));
    let samples = recording(&parts, RATE);
    let batch = predict_segments(&classifier, &samples, RATE, &SegmentConfig::default()).unwrap();
    assert!(
        batch.windows.last().unwrap().duration() < 2.0,
        "expected a tail window"
    );
    for sizes in [
        vec![1],
        vec![17],
        vec![320],
        vec![4096],
        vec![samples.len()],
        vec![1, 1000, 7, 33_333, 160],
    ] {
        let (windows, _) = stream_in_chunks(&classifier, &samples, &sizes);
        assert_eq!(windows, batch.windows, "chunk sizes {sizes:?}");
    }
}

#[test]
fn stream_memory_stays_one_window_over_ten_minutes() {
    let classifier = ToneClassifier::new(RATE);
    let minute: Vec<f32> = recording(
        &[(20.0, Some(200.0)), (20.0, None), (20.0, Some(2400.0))],
        RATE,
    );
    let samples: Vec<f32> = minute
        .iter()
        .copied()
        .cycle()
        .take(minute.len() * 10)
        .collect();
    let (windows, capacity) = stream_in_chunks(&classifier, &samples, &[480]); // 30 ms callbacks
    let window_samples = (SegmentConfig::default().window_seconds * f64::from(RATE)) as usize;
    assert!(
        capacity >= window_samples && capacity <= 2 * window_samples,
        "capacity {capacity}"
    );
    assert!(windows.len() > 700, "{} windows", windows.len());
}

#[test]
fn stream_file_equals_batch() {
    let classifier = ToneClassifier::new(RATE);
    let samples = recording(&PARTS, RATE);
    let path = std::env::temp_dir().join(format!("emovox_timeline_{}.wav", std::process::id()));
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(&path, spec).unwrap();
    for &s in &samples {
        writer.write_sample(s).unwrap();
    }
    writer.finalize().unwrap();
    let config = SegmentConfig::default();
    let streamed = stream_file(&classifier, &path, &config, 4096);
    // Any chunk size is the caller's to choose: 0 (taken as 1) and `usize::MAX` (the whole file
    // at once; reserving it was a capacity-overflow panic) give the same timeline.
    let extremes = [0, usize::MAX].map(|chunk| stream_file(&classifier, &path, &config, chunk));
    std::fs::remove_file(&path).unwrap();
    let batch: Timeline = predict_segments(&classifier, &samples, RATE, &config).unwrap();
    assert_eq!(streamed.unwrap(), batch);
    for streamed in extremes {
        assert_eq!(streamed.unwrap(), batch);
    }
}

#[test]
fn short_recordings_and_tail_windows() {
    let classifier = ToneClassifier::new(RATE);
    let config = SegmentConfig::default();
    // Each clip opens with 0.3 s of background: a tone from the first sample, whose level
    // varies by only 14 dB, gives the VAD no noise floor and looks like babble to it (see
    // `Vad`), so it is not speech.
    let clip = recording(&[(0.3, None), (1.2, Some(800.0))], RATE);
    let timeline = predict_segments(&classifier, &clip, RATE, &config).unwrap();
    assert_eq!(summary(&timeline.windows), [("mid".to_string(), 0.0, 1.5)]);

    let clip = recording(&[(0.3, None), (2.0, Some(800.0))], RATE);
    let timeline = predict_segments(&classifier, &clip, RATE, &config).unwrap();
    let spans: Vec<(f64, f64)> = timeline.windows.iter().map(|w| (w.start, w.end)).collect();
    assert_eq!(spans, [(0.0, 2.0), (0.5, 2.3)]);

    let clip = recording(&[(0.5, Some(800.0))], RATE);
    let err = predict_segments(&classifier, &clip, RATE, &config).unwrap_err();
    assert!(
        matches!(err, TimelineError::TooShort { seconds, min_seconds } if seconds == 0.5 && min_seconds == 1.0)
    );
    // One sample is not "0.000 s".
    let err = predict_segments(&classifier, &clip[..1], RATE, &config).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "the recording lasts 6.25e-5 s, shorter than the minimum window of 1.000 s"
        ),
        "{err}"
    );
    let mut stream = SegmentStream::new(&classifier, RATE, &config).unwrap();
    assert!(stream.push(&clip).unwrap().is_empty());
    assert!(matches!(
        stream.finish(),
        Err(TimelineError::TooShort { .. })
    ));
    assert!(matches!(
        stream.push(&clip),
        Err(TimelineError::StreamFinished)
    ));
}

/// A stream is finished once: after a `finish` that failed (no samples, too short) or
/// succeeded, `finish` again is `StreamFinished`, never an empty list of windows ("no speech").
#[test]
fn a_finished_stream_says_so_whatever_its_first_finish_gave() {
    let classifier = ToneClassifier::new(RATE);
    let config = SegmentConfig::default();
    let finished = |r: Result<Vec<Segment>, TimelineError>| {
        assert!(matches!(r, Err(TimelineError::StreamFinished)), "{r:?}")
    };

    let mut empty = SegmentStream::new(&classifier, RATE, &config).unwrap();
    assert!(matches!(empty.finish(), Err(TimelineError::Empty)));
    finished(empty.finish());
    finished(empty.push(&[0.1; 100]));

    let short = recording(&[(0.5, Some(800.0))], RATE);
    let mut stream = SegmentStream::new(&classifier, RATE, &config).unwrap();
    assert!(stream.push(&short).unwrap().is_empty());
    assert!(matches!(
        stream.finish(),
        Err(TimelineError::TooShort { .. })
    ));
    finished(stream.finish());
    finished(stream.finish());

    let speech = recording(&[(0.3, None), (2.0, Some(800.0))], RATE);
    let mut stream = SegmentStream::new(&classifier, RATE, &config).unwrap();
    let mut windows = stream.push(&speech).unwrap();
    windows.extend(stream.finish().unwrap());
    assert_eq!(windows.len(), 2);
    finished(stream.finish());
    finished(stream.push(&speech));
    // What the stream held is still there.
    assert_eq!(stream.samples_seen(), speech.len());
    assert!((stream.duration_seconds() - 2.3).abs() < 1e-9);
}

#[test]
fn silence_gives_an_empty_timeline() {
    let classifier = ToneClassifier::new(RATE);
    let timeline = predict_segments(
        &classifier,
        &recording(&[(5.0, None)], RATE),
        RATE,
        &SegmentConfig::default(),
    )
    .unwrap();
    assert!(
        timeline.windows.is_empty() && timeline.smoothed.is_empty() && timeline.speech.is_empty()
    );
}

#[test]
fn other_sample_rates_are_resampled() {
    let classifier = ToneClassifier::new(RATE);
    let config = SegmentConfig::default();
    let native = predict_segments(&classifier, &recording(&PARTS, RATE), RATE, &config).unwrap();
    let resampled =
        predict_segments(&classifier, &recording(&PARTS, 44_100), 44_100, &config).unwrap();
    assert_eq!(native.smoothed.len(), resampled.smoothed.len());
    for (a, b) in native.smoothed.iter().zip(&resampled.smoothed) {
        assert_eq!(a.label, b.label);
        assert!(
            (a.start - b.start).abs() <= 0.05 && (a.end - b.end).abs() <= 0.05,
            "{a:?} vs {b:?}"
        );
    }
}

/// The next chunk length of a seeded pseudo-random sequence (xorshift), in `0..=max`.
fn random_len(state: &mut u64, max: usize) -> usize {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    (*state % (max as u64 + 1)) as usize
}

#[test]
fn a_stream_at_any_common_rate_equals_the_batch_path_for_random_chunkings() {
    // The stream resamples chunk by chunk with emovox_audio::StreamResampler, the batch path
    // resamples the whole clip; the resampled samples are identical, so the windows, their
    // probabilities and the speech regions must be too (tolerance 0).
    let classifier = ToneClassifier::new(RATE);
    let config = SegmentConfig::default();
    let mut parts = PARTS.to_vec();
    parts.push((0.3, Some(800.0))); // a partial tail window
    let mut seed = 0x5eed_u64;
    for rate in [8_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000] {
        let samples = recording(&parts, rate);
        let batch = predict_segments(&classifier, &samples, rate, &config).unwrap();
        assert!(batch.windows.len() > 20, "{rate} Hz");
        for (max_chunk, batched) in [(7, false), (1_000, false), (100_000, false), (1_000, true)] {
            let mut stream = if batched {
                SegmentStream::batched(&classifier, rate, &config).unwrap()
            } else {
                SegmentStream::new(&classifier, rate, &config).unwrap()
            };
            let mut windows = Vec::new();
            let mut rest = &samples[..];
            while !rest.is_empty() {
                let (chunk, tail) = rest.split_at(random_len(&mut seed, max_chunk).min(rest.len()));
                rest = tail;
                let done = stream.push(chunk).unwrap();
                // A batched stream answers a whole batch at once, never part of one.
                assert!(
                    !batched || done.len() % config.batch_size == 0,
                    "{}",
                    done.len()
                );
                windows.extend(done);
            }
            windows.extend(stream.finish().unwrap());
            assert_eq!(stream.samples_seen(), samples.len());
            assert_eq!(stream.duration_seconds(), batch.duration, "{rate} Hz");
            assert_eq!(
                windows, batch.windows,
                "{rate} Hz, chunks <= {max_chunk}, {batched}"
            );
            assert_eq!(stream.speech_regions(), batch.speech, "{rate} Hz");
        }
    }
}

/// A classifier that misbehaves in a chosen way.
struct Broken {
    labels: Vec<String>,
    wrong_length: bool,
}
impl WindowClassifier for Broken {
    type Error = FakeError;
    fn sample_rate(&self) -> u32 {
        RATE
    }
    fn labels(&self) -> &[String] {
        &self.labels
    }
    fn probabilities(&self, _: &[f32]) -> Result<Vec<f32>, FakeError> {
        if self.wrong_length {
            Ok(vec![1.0])
        } else {
            Err(FakeError)
        }
    }
}

#[test]
fn bad_input_is_a_typed_error() {
    let classifier = ToneClassifier::new(RATE);
    let config = SegmentConfig::default();
    let mut samples = recording(&PARTS, RATE);
    assert!(matches!(
        predict_segments(&classifier, &[], RATE, &config),
        Err(TimelineError::Empty)
    ));
    samples[12_345] = f32::NAN;
    assert!(matches!(
        predict_segments(&classifier, &samples, RATE, &config),
        Err(TimelineError::NonFiniteSample { index: 12_345 })
    ));
    let mut stream = SegmentStream::new(&classifier, RATE, &config).unwrap();
    stream.push(&samples[..10_000]).unwrap();
    assert!(matches!(
        stream.push(&samples[10_000..]),
        Err(TimelineError::NonFiniteSample { index: 12_345 })
    ));
    samples[12_345] = 0.0;
    assert!(matches!(
        predict_segments(&classifier, &samples, 0, &config),
        Err(TimelineError::Audio(_))
    ));
    for bad in [
        SegmentConfig {
            hop_seconds: 3.0,
            ..config.clone()
        },
        SegmentConfig {
            window_seconds: f64::NAN,
            ..config.clone()
        },
        SegmentConfig {
            min_speech_fraction: 1.5,
            ..config.clone()
        },
        SegmentConfig {
            smoothing: SmoothingConfig {
                majority_width: 2,
                ..Default::default()
            },
            ..config.clone()
        },
        SegmentConfig {
            smoothing: SmoothingConfig {
                min_segment_seconds: f64::NAN,
                ..Default::default()
            },
            ..config.clone()
        },
        SegmentConfig {
            smoothing: SmoothingConfig {
                min_segment_seconds: -0.1,
                ..Default::default()
            },
            ..config.clone()
        },
        // Shorter than one 20 ms VAD frame: the windows would be a frame apart, not 10 ms.
        SegmentConfig {
            hop_seconds: 0.01,
            ..config.clone()
        },
        SegmentConfig {
            batch_size: emovox::timeline::MAX_BATCH_SIZE + 1,
            ..config.clone()
        },
        SegmentConfig {
            vad: emovox::timeline::VadConfig {
                floor_window_seconds: 1e300,
                ..Default::default()
            },
            ..config.clone()
        },
        SegmentConfig {
            vad: emovox::timeline::VadConfig {
                hangover_seconds: 1e300,
                ..Default::default()
            },
            ..config.clone()
        },
    ] {
        assert!(matches!(
            predict_segments(&classifier, &samples, RATE, &bad),
            Err(TimelineError::Config(_))
        ));
    }
    let labels = classifier.labels.clone();
    let failing = Broken {
        labels: labels.clone(),
        wrong_length: false,
    };
    assert!(matches!(
        predict_segments(&failing, &samples, RATE, &config),
        Err(TimelineError::Classifier(_))
    ));
    let short = Broken {
        labels,
        wrong_length: true,
    };
    assert!(matches!(
        predict_segments(&short, &samples, RATE, &config),
        Err(TimelineError::BadProbabilities {
            expected: 3,
            got: 1
        })
    ));
}

#[test]
fn windows_one_vad_frame_apart_merge_into_segments() {
    // The shortest hop (one 20 ms frame): neighbouring windows with one label are one segment.
    let classifier = ToneClassifier::new(RATE);
    let config = SegmentConfig {
        hop_seconds: 0.02,
        ..SegmentConfig::default()
    };
    let timeline = predict_segments(&classifier, &recording(&PARTS, RATE), RATE, &config).unwrap();
    assert!(timeline.windows.len() > 300, "{}", timeline.windows.len());
    // low, mid, high (a window straddling a change may add a short segment at it).
    assert!(
        timeline.smoothed.len() <= 6,
        "{:?}",
        summary(&timeline.smoothed)
    );
}

#[test]
fn a_window_that_does_not_fit_the_labels_is_an_error() {
    let labels: Vec<String> = ["a", "b"].map(String::from).to_vec();
    let good = Segment::from_probabilities(0.0, 2.0, vec![0.5, 0.5], &labels).unwrap();
    let config = SegmentConfig::default();
    let bad_index = Segment {
        label_index: 5,
        ..good.clone()
    };
    let bad_length = Segment {
        probabilities: vec![1.0],
        ..good.clone()
    };
    let nan = Segment {
        probabilities: vec![f32::NAN, 0.5],
        ..good.clone()
    };
    for bad in [bad_index, bad_length, nan] {
        let windows = vec![good.clone(), bad.clone()];
        let assembled =
            Timeline::from_windows(labels.clone(), 3.0, Vec::new(), windows.clone(), &config);
        assert!(
            matches!(
                assembled,
                Err(TimelineError::InvalidWindow {
                    window: 1,
                    labels: 2,
                    ..
                })
            ),
            "{assembled:?}"
        );
        let smoothed = emovox::timeline::smooth(&windows, 0.5, &config.smoothing);
        assert!(
            matches!(
                smoothed,
                Err(TimelineError::InvalidWindow { window: 1, .. })
            ),
            "{smoothed:?}"
        );
    }
}

#[test]
fn a_sliver_left_by_cutting_to_speech_joins_its_neighbour() {
    // Windows every 0.5 s: two "a", three "b"; smoothed, "a" owns 0-1.75 s and "b" 1.75-4 s.
    // Speech from 1.7 s leaves 50 ms of "a" before "b" once cut to it.
    let labels: Vec<String> = ["a", "b"].map(String::from).to_vec();
    let windows: Vec<Segment> = [0.9f32, 0.9, 0.1, 0.1, 0.1]
        .iter()
        .enumerate()
        .map(|(i, &a)| {
            let start = 0.5 * i as f64;
            Segment::from_probabilities(start, start + 2.0, vec![a, 1.0 - a], &labels).unwrap()
        })
        .collect();
    let speech = vec![emovox::timeline::SpeechRegion {
        start: 1.7,
        end: 4.0,
    }];
    let timeline = |min_segment_seconds: f64| {
        let config = SegmentConfig {
            smoothing: SmoothingConfig {
                min_segment_seconds,
                ..SmoothingConfig::default()
            },
            ..SegmentConfig::default()
        };
        let assembled = Timeline::from_windows(
            labels.clone(),
            4.0,
            speech.clone(),
            windows.clone(),
            &config,
        );
        summary(&assembled.unwrap().smoothed)
    };
    let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
    let kept = timeline(0.0);
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert!(
        kept[0].0 == "a" && near(kept[0].1, 1.7) && near(kept[0].2, 1.75),
        "{kept:?}"
    );
    let absorbed = timeline(SmoothingConfig::default().min_segment_seconds);
    assert_eq!(absorbed.len(), 1, "{absorbed:?}");
    assert!(
        absorbed[0].0 == "b" && near(absorbed[0].1, 1.7) && near(absorbed[0].2, 4.0),
        "{absorbed:?}"
    );
}

#[test]
fn config_round_trips_through_json_with_defaults() {
    let config: SegmentConfig =
        serde_json::from_str(r#"{"hop_seconds": 1.0, "vad": {"threshold_db": 8.0}}"#).unwrap();
    assert_eq!(config.hop_seconds, 1.0);
    assert_eq!(
        config.window_seconds,
        SegmentConfig::default().window_seconds
    );
    assert_eq!(config.vad.threshold_db, 8.0);
    let json = serde_json::to_string(&config).unwrap();
    assert_eq!(
        serde_json::from_str::<SegmentConfig>(&json).unwrap(),
        config
    );
}

#[test]
fn tiny_durations_in_messages_are_readable() {
    let config = emovox::timeline::SegmentConfig {
        hop_seconds: 1e-300,
        ..emovox::timeline::SegmentConfig::default()
    };
    let message = config.validate().unwrap_err().to_string();
    assert!(message.contains("1e-300"), "{message}");
    assert!(message.len() < 200, "{message}");
}
