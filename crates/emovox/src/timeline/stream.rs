//! Streaming timeline: push audio chunks of any size, get each window's prediction as soon as
//! the window is complete, with memory bounded by one window.

use std::collections::VecDeque;
use std::path::Path;

use emovox_audio::{AudioError, StreamResampler};

use super::plan::WindowPlan;
use super::segments::{classify_windows, window_segment};
use super::vad::{FramePower, VadState};
use super::{Segment, SegmentConfig, SpeechRegion, Timeline, TimelineError, WindowClassifier};

/// Samples of the ring buffer reserved when a stream starts (about a minute at 16 kHz): a
/// window up to this long is reserved whole, so its buffer never grows; a longer one grows
/// with the audio actually pushed, so memory follows the audio rather than the configuration.
const RESERVED_SAMPLES: usize = 1 << 20;

/// Incremental [`predict_segments`](super::predict_segments) for live or very long audio.
///
/// Holds a ring buffer of exactly one window of samples and one window of VAD decisions, so
/// memory does not grow with the stream (only the returned segments and the list of speech
/// regions do, a few bytes per region). A window's prediction is returned by the
/// [`push`](Self::push) that completes it, so latency is one window (plus 128 input samples
/// when resampling). Audio may come at any sample rate: a [`StreamResampler`] converts it to the
/// classifier's rate as it arrives (the same samples as the whole-clip resampler
/// [`predict_segments`](super::predict_segments) uses). The windows, probabilities and speech
/// regions equal those of `predict_segments` on the concatenated audio, whatever the chunk
/// sizes and the rate (the tests compare them exactly, at 8 to 48 kHz, for seeded random
/// chunkings).
///
/// ```
/// use emovox::timeline::{SegmentConfig, SegmentStream, WindowClassifier};
///
/// /// Labels a window "loud" or "quiet" by its RMS.
/// struct Loudness(Vec<String>);
/// impl WindowClassifier for Loudness {
///     type Error = std::convert::Infallible;
///     fn sample_rate(&self) -> u32 { 16_000 }
///     fn labels(&self) -> &[String] { &self.0 }
///     fn probabilities(&self, w: &[f32]) -> Result<Vec<f32>, Self::Error> {
///         let rms = (w.iter().map(|s| s * s).sum::<f32>() / w.len() as f32).sqrt();
///         let loud = (rms * 10.0).min(1.0);
///         Ok(vec![1.0 - loud, loud])
///     }
/// }
///
/// let classifier = Loudness(vec!["quiet".into(), "loud".into()]);
/// let mut stream = SegmentStream::new(&classifier, 16_000, &SegmentConfig::default())?;
/// // One second of silence, then four seconds of a tone.
/// let audio: Vec<f32> = (0..16_000 * 5).map(|i| if i < 16_000 { 0.0 } else { 0.2 * (i as f32 * 0.05).sin() }).collect();
/// let mut windows = Vec::new();
/// for chunk in audio.chunks(1_000) {
///     windows.extend(stream.push(chunk)?); // a callback would do this
/// }
/// windows.extend(stream.finish()?);
/// assert_eq!(windows.len(), 7); // starts 0.0, 0.5, ..., 3.0 s
/// # Ok::<(), emovox::timeline::TimelineError>(())
/// ```
pub struct SegmentStream<'c, C> {
    classifier: &'c C,
    /// From the pushed audio's rate to the classifier's (a copy when they are equal).
    resampler: StreamResampler,
    /// Resampled samples of the current push (reused).
    resampled: Vec<f32>,
    /// Samples pushed, at the audio's rate.
    pushed: usize,
    plan: WindowPlan,
    samples: VecDeque<f32>,
    decisions: VecDeque<bool>,
    vad: VadState,
    /// Power of the VAD frame being filled.
    frame_power: FramePower,
    /// Samples at the classifier's rate gone through the windows.
    total: usize,
    next_window: usize,
    speech: Vec<SpeechRegion>,
    /// Windows classified together (1: each as soon as it is complete).
    batch_size: usize,
    /// Speech windows waiting for their batch: range and a copy of their samples.
    pending: Vec<(std::ops::Range<usize>, Vec<f32>)>,
    /// Sample buffers of classified windows, reused by the next batch.
    spare: Vec<Vec<f32>>,
    finished: bool,
}

impl<C> std::fmt::Debug for SegmentStream<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SegmentStream")
            .field("samples_seen", &self.pushed)
            .field("next_window", &self.next_window)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl<'c, C: WindowClassifier> SegmentStream<'c, C> {
    /// Starts a stream of audio at `sample_rate` Hz (any rate in
    /// [`emovox_audio::MIN_SAMPLE_RATE`]..=[`emovox_audio::MAX_SAMPLE_RATE`]; it is resampled
    /// to the classifier's rate as it is pushed). Each window is classified by the push that
    /// completes it: the lowest latency, for live audio.
    pub fn new(
        classifier: &'c C,
        sample_rate: u32,
        config: &SegmentConfig,
    ) -> Result<Self, TimelineError> {
        Self::with_batch_size(classifier, sample_rate, config, 1)
    }

    /// A stream for throughput rather than latency (recordings on disk): speech windows are
    /// classified `config.batch_size` at a time through
    /// [`WindowClassifier::probabilities_batch`], in the batches
    /// [`predict_segments`](super::predict_segments) makes, so a window's prediction comes up
    /// to `batch_size - 1` speech windows after the push that completes it (the rest at
    /// [`finish`](Self::finish)). Memory stays bounded: one window of samples plus the batch.
    pub fn batched(
        classifier: &'c C,
        sample_rate: u32,
        config: &SegmentConfig,
    ) -> Result<Self, TimelineError> {
        Self::with_batch_size(classifier, sample_rate, config, config.batch_size)
    }

    fn with_batch_size(
        classifier: &'c C,
        sample_rate: u32,
        config: &SegmentConfig,
        batch_size: usize,
    ) -> Result<Self, TimelineError> {
        let resampler = StreamResampler::new(sample_rate, classifier.sample_rate())?;
        let plan = WindowPlan::new(config, classifier.sample_rate())?;
        Ok(Self {
            classifier,
            resampler,
            resampled: Vec::new(),
            pushed: 0,
            samples: VecDeque::with_capacity(plan.window_samples.min(RESERVED_SAMPLES)),
            decisions: VecDeque::with_capacity(plan.window_frames.min(RESERVED_SAMPLES)),
            plan,
            vad: VadState::default(),
            frame_power: FramePower::default(),
            total: 0,
            next_window: 0,
            speech: Vec::new(),
            batch_size,
            pending: Vec::with_capacity(batch_size),
            spare: Vec::new(),
            finished: false,
        })
    }

    /// Feeds the next chunk of samples (any length, at the rate given to [`new`](Self::new));
    /// returns the predictions of the speech windows it completed (usually none or one), in
    /// time order. Errors on non-finite samples (the index counts from the start of the stream),
    /// a classifier failure, or a stream already finished.
    pub fn push(&mut self, chunk: &[f32]) -> Result<Vec<Segment>, TimelineError> {
        if self.finished {
            return Err(TimelineError::StreamFinished);
        }
        if let Some(index) = emovox_audio::first_non_finite(chunk) {
            return Err(TimelineError::NonFiniteSample {
                index: self.pushed + index,
            });
        }
        self.pushed += chunk.len();
        let mut resampled = std::mem::take(&mut self.resampled);
        resampled.clear();
        self.resampler.process_into(chunk, &mut resampled)?;
        let windows = self.feed(&resampled);
        self.resampled = resampled;
        windows
    }

    /// Runs samples at the classifier's rate through the VAD and the windows.
    fn feed(&mut self, chunk: &[f32]) -> Result<Vec<Segment>, TimelineError> {
        let frame = self.plan.vad.frame_samples();
        let mut out = Vec::new();
        let mut rest = chunk;
        while !rest.is_empty() {
            let (piece, tail) = rest.split_at((frame - self.frame_power.count()).min(rest.len()));
            rest = tail;
            self.append(piece);
            if self.frame_power.count() == frame {
                self.end_frame();
            }
            if self.total == self.plan.full_window(self.next_window).end {
                let window = self.plan.full_window(self.next_window);
                self.next_window += 1;
                let frames = self.plan.window_frames;
                self.queue_recent(window, frames);
                if self.pending.len() >= self.batch_size {
                    out.extend(self.classify_pending()?);
                }
            }
        }
        Ok(out)
    }

    /// Ends the stream: classifies the partial last window (see
    /// [`predict_segments`](super::predict_segments)) and closes the open speech region.
    /// Errors with [`TimelineError::Empty`] or [`TimelineError::TooShort`] like the batch call.
    ///
    /// A stream is finished once, whatever the outcome: after the first `finish`, successful
    /// or not, every [`push`](Self::push) and `finish` is [`TimelineError::StreamFinished`]
    /// (never an empty list of windows, which would read as "no speech"; the first call's
    /// result is the stream's). [`speech_regions`](Self::speech_regions) and
    /// [`duration_seconds`](Self::duration_seconds) still tell what the stream held.
    pub fn finish(&mut self) -> Result<Vec<Segment>, TimelineError> {
        if self.finished {
            return Err(TimelineError::StreamFinished);
        }
        self.finished = true;
        if self.pushed == 0 {
            return Err(TimelineError::Empty);
        }
        let mut tail = std::mem::take(&mut self.resampled);
        tail.clear();
        self.resampler.flush(&mut tail)?;
        let mut windows = self.feed(&tail)?;
        if self.frame_power.count() > 0 {
            self.end_frame();
        }
        let closed = self
            .vad
            .finish()
            .map(|r| self.plan.vad.region_seconds(r, self.total));
        self.speech.extend(closed);
        if self.total < self.plan.min_window_samples {
            return Err(self.plan.too_short(self.total));
        }
        if let Some(window) = self.plan.tail_window(self.total, self.next_window) {
            let frames = self.plan.frames_of(&window).len();
            self.queue_recent(window, frames);
        }
        windows.extend(self.classify_pending()?);
        Ok(windows)
    }

    /// Speech regions closed so far (all of them after [`finish`](Self::finish)).
    pub fn speech_regions(&self) -> &[SpeechRegion] {
        &self.speech
    }

    /// Samples pushed so far, at the rate given to [`new`](Self::new).
    pub fn samples_seen(&self) -> usize {
        self.pushed
    }

    /// Seconds of audio gone through the windows so far (all of it after
    /// [`finish`](Self::finish)).
    pub fn duration_seconds(&self) -> f64 {
        self.total as f64 / f64::from(self.classifier.sample_rate())
    }

    /// Capacity of the sample ring buffer; never more than about one window however long the
    /// stream (reserved at the start for windows up to about a minute at 16 kHz, grown as
    /// audio arrives for longer ones).
    pub fn buffer_capacity(&self) -> usize {
        self.samples.capacity()
    }

    /// Appends samples (at most one frame's worth) to the ring buffer and the frame energy.
    fn append(&mut self, piece: &[f32]) {
        let capacity = self.plan.window_samples;
        let overflow = (self.samples.len() + piece.len()).saturating_sub(capacity);
        self.samples.drain(..overflow);
        self.samples.extend(piece);
        self.frame_power.push(piece);
        self.total += piece.len();
    }

    /// Decides the current frame and records the decision.
    fn end_frame(&mut self) {
        let step = self
            .vad
            .push_frame(&self.plan.vad, self.frame_power.power());
        if self.decisions.len() == self.plan.window_frames {
            self.decisions.pop_front();
        }
        self.decisions.push_back(step.speech);
        let closed = step
            .closed
            .map(|r| self.plan.vad.region_seconds(r, self.total));
        self.speech.extend(closed);
        self.frame_power = FramePower::default();
    }

    /// Queues `window`, which ends at the newest sample and spans the newest `frames` VAD
    /// decisions, for classification if it holds enough speech.
    fn queue_recent(&mut self, window: std::ops::Range<usize>, frames: usize) {
        let decisions = self
            .decisions
            .iter()
            .skip(self.decisions.len() - frames)
            .copied();
        if !self.plan.has_speech(decisions) {
            return;
        }
        let mut samples = self.spare.pop().unwrap_or_default();
        samples.clear();
        samples.extend(self.samples.iter().skip(self.samples.len() - window.len()));
        self.pending.push((window, samples));
    }

    /// Classifies the queued windows (one at a time through
    /// [`WindowClassifier::scores`] when the batch size is 1), in time order.
    fn classify_pending(&mut self) -> Result<Vec<Segment>, TimelineError> {
        let rate = self.plan.vad.sample_rate();
        let result = match self.pending.as_slice() {
            [] => Ok(Vec::new()),
            [(window, samples)] if self.batch_size == 1 => self
                .classifier
                .scores(samples)
                .map_err(|e| TimelineError::Classifier(Box::new(e)))
                .and_then(|scores| window_segment(window, rate, scores, self.classifier.labels()))
                .map(|segment| vec![segment]),
            pending => {
                let windows: Vec<(std::ops::Range<usize>, &[f32])> = pending
                    .iter()
                    .map(|(w, samples)| (w.clone(), samples.as_slice()))
                    .collect();
                classify_windows(self.classifier, &windows, rate)
            }
        };
        self.spare
            .extend(self.pending.drain(..).map(|(_, samples)| samples));
        result
    }
}

/// Computes the timeline of an audio file of any supported format (WAV, FLAC, MP3, OGG
/// Vorbis/Opus, WebM, Matroska, M4A, AIFF, CAF, ADTS AAC, AMR; told from the content) and any
/// sample rate by streaming it from disk in
/// chunks of `chunk_samples` through a [`SegmentStream`]: the file is decoded packet by packet
/// and resampled as it goes, so memory is about one chunk plus one window whatever its length.
/// The timeline equals [`predict_segments`](super::predict_segments) on the decoded file.
pub fn stream_file<C: WindowClassifier>(
    classifier: &C,
    path: impl AsRef<Path>,
    config: &SegmentConfig,
    chunk_samples: usize,
) -> Result<Timeline, TimelineError> {
    let mut audio = emovox_audio::open_audio_stream(path, chunk_samples)?;
    stream_audio(classifier, &mut audio, config, chunk_samples)
}

/// [`stream_file`] over an audio stream opened by the caller: from memory
/// ([`AudioStream::from_reader`](emovox_audio::AudioStream::from_reader)) or of one channel
/// of a multichannel file ([`open_audio_stream_with`](emovox_audio::open_audio_stream_with)).
///
/// ```no_run
/// use emovox::audio::{open_audio_stream_with, Channels};
/// use emovox::timeline::{stream_audio, SegmentConfig};
///
/// let classifier = emovox::Classifier::bundled()?;
/// // The customer's side of a stereo call recording.
/// let mut customer = open_audio_stream_with("call.wav", 16_000, Channels::Only(1))?;
/// let timeline = stream_audio(&classifier, &mut customer, &SegmentConfig::default(), 16_000)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn stream_audio<C: WindowClassifier>(
    classifier: &C,
    audio: &mut emovox_audio::AudioStream,
    config: &SegmentConfig,
    chunk_samples: usize,
) -> Result<Timeline, TimelineError> {
    let rate = audio.sample_rate();
    stream_chunks(classifier, rate, config, chunk_samples, |chunk| {
        audio.read_chunk(chunk)
    })
}

/// Pushes the chunks `read` gives (until it returns false) through a [`SegmentStream`] and
/// assembles the timeline.
fn stream_chunks<C: WindowClassifier>(
    classifier: &C,
    sample_rate: u32,
    config: &SegmentConfig,
    chunk_samples: usize,
    mut read: impl FnMut(&mut Vec<f32>) -> Result<bool, AudioError>,
) -> Result<Timeline, TimelineError> {
    let mut stream = SegmentStream::batched(classifier, sample_rate, config)?;
    let mut windows = Vec::new();
    // Reserved up to the ring buffer's size only: the chunk size is the caller's, and a huge
    // one (`usize::MAX` for "as large as it comes") grows with the audio actually read.
    let mut chunk = Vec::with_capacity(chunk_samples.min(RESERVED_SAMPLES));
    while read(&mut chunk)? {
        windows.extend(stream.push(&chunk)?);
    }
    windows.extend(stream.finish()?);
    Timeline::from_windows(
        classifier.labels().to_vec(),
        stream.duration_seconds(),
        std::mem::take(&mut stream.speech),
        windows,
        config,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A classifier of one label at 16 kHz.
    struct OneLabel(Vec<String>);

    impl WindowClassifier for OneLabel {
        type Error = std::convert::Infallible;
        fn sample_rate(&self) -> u32 {
            16_000
        }
        fn labels(&self) -> &[String] {
            &self.0
        }
        fn probabilities(&self, _window: &[f32]) -> Result<Vec<f32>, Self::Error> {
            Ok(vec![1.0])
        }
    }

    #[test]
    fn absurd_windows_are_a_config_error_not_an_abort() {
        let classifier = OneLabel(vec!["x".into()]);
        let samples = vec![0.1f32; 16_000];
        let mut configs: Vec<SegmentConfig> = [(1e6, 0.5), (1e10, 1e10), (1e308, 0.5)]
            .into_iter()
            .map(|(window_seconds, hop_seconds)| SegmentConfig {
                window_seconds,
                hop_seconds,
                ..SegmentConfig::default()
            })
            .collect();
        let mut huge_frame = SegmentConfig::default();
        huge_frame.vad.frame_seconds = 1e10;
        configs.push(huge_frame);
        for config in &configs {
            let config_error =
                |r: Result<(), TimelineError>| matches!(r, Err(TimelineError::Config(_)));
            assert!(config_error(
                SegmentStream::new(&classifier, 16_000, config).map(drop)
            ));
            assert!(config_error(
                SegmentStream::batched(&classifier, 16_000, config).map(drop)
            ));
            assert!(config_error(
                super::super::predict_segments(&classifier, &samples, 16_000, config).map(drop)
            ));
        }
    }

    #[test]
    fn the_shortest_window_is_the_minimum_at_most_one_rounded_window() {
        let shortest = |window_seconds: f64, min_window_seconds: f64| {
            let config = SegmentConfig {
                window_seconds,
                hop_seconds: window_seconds,
                min_window_seconds,
                ..SegmentConfig::default()
            };
            config.min_window_samples(16_000).unwrap()
        };
        assert_eq!(shortest(2.0, 1.0), 16_000);
        assert_eq!(shortest(0.09, 0.09), 1_440);
        // 0.07 s is 3.5 VAD frames of 20 ms: the window rounds to 4 frames, and its minimum
        // (rounded on its own) stays below it.
        assert_eq!(shortest(0.07, 0.07), 1_120);
        // 0.045 s (720 samples) rounds down to 2 frames, 640 samples: the full windows are
        // shorter than the minimum, and they are the shortest.
        assert_eq!(shortest(0.045, 0.045), 640);
    }

    #[test]
    fn a_long_window_takes_memory_as_audio_arrives() {
        let classifier = OneLabel(vec!["x".into()]);
        let config = SegmentConfig {
            window_seconds: 3000.0,
            ..SegmentConfig::default()
        };
        let mut stream = SegmentStream::new(&classifier, 16_000, &config).unwrap();
        assert!(stream.buffer_capacity() <= RESERVED_SAMPLES);
        stream.push(&[0.1; 16_000]).unwrap();
        assert!(stream.buffer_capacity() <= RESERVED_SAMPLES);
    }
}
