//! Streaming timeline: push audio chunks of any size, get each window's prediction as soon as
//! the window is complete, with memory bounded by one window.

use std::collections::VecDeque;
use std::path::Path;

use super::plan::WindowPlan;
use super::segments::first_non_finite;
use super::vad::VadState;
use super::{Segment, SegmentConfig, SpeechRegion, Timeline, TimelineError, WindowClassifier};

/// Incremental [`predict_segments`](super::predict_segments) for live or very long audio.
///
/// Holds a ring buffer of exactly one window of samples and one window of VAD decisions, so
/// memory does not grow with the stream (only the returned segments and the list of speech
/// regions do, a few bytes per region). A window's prediction is returned by the
/// [`push`](Self::push) that completes it, so latency is one window. Audio must already be at
/// the classifier's sample rate. The windows, probabilities and speech regions equal those of
/// `predict_segments` on the concatenated audio, whatever the chunk sizes.
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
///     fn classify(&self, w: &[f32]) -> Result<Vec<f32>, Self::Error> {
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
    plan: WindowPlan,
    samples: VecDeque<f32>,
    decisions: VecDeque<bool>,
    vad: VadState,
    frame_sum: f64,
    frame_fill: usize,
    total: usize,
    next_window: usize,
    speech: Vec<SpeechRegion>,
    scratch: Vec<f32>,
    finished: bool,
}

impl<C> std::fmt::Debug for SegmentStream<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SegmentStream")
            .field("samples_seen", &self.total)
            .field("next_window", &self.next_window)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl<'c, C: WindowClassifier> SegmentStream<'c, C> {
    /// Starts a stream of audio at `sample_rate` Hz, which must equal the classifier's rate.
    pub fn new(
        classifier: &'c C,
        sample_rate: u32,
        config: &SegmentConfig,
    ) -> Result<Self, TimelineError> {
        emovox_audio::validate_sample_rate(sample_rate)?;
        if sample_rate != classifier.sample_rate() {
            return Err(TimelineError::SampleRateMismatch {
                audio: sample_rate,
                classifier: classifier.sample_rate(),
            });
        }
        let plan = WindowPlan::new(config, sample_rate)?;
        Ok(Self {
            classifier,
            samples: VecDeque::with_capacity(plan.window_samples),
            decisions: VecDeque::with_capacity(plan.window_frames),
            scratch: Vec::with_capacity(plan.window_samples),
            plan,
            vad: VadState::default(),
            frame_sum: 0.0,
            frame_fill: 0,
            total: 0,
            next_window: 0,
            speech: Vec::new(),
            finished: false,
        })
    }

    /// Feeds the next chunk of samples; returns the predictions of the speech windows it
    /// completed (usually none or one), in time order. Errors on non-finite samples, a
    /// classifier failure, or a stream already finished.
    pub fn push(&mut self, chunk: &[f32]) -> Result<Vec<Segment>, TimelineError> {
        if self.finished {
            return Err(TimelineError::StreamFinished);
        }
        if let Some(index) = first_non_finite(chunk) {
            return Err(TimelineError::NonFiniteSample {
                index: self.total + index,
            });
        }
        let frame = self.plan.vad.frame_samples();
        let mut out = Vec::new();
        let mut rest = chunk;
        while !rest.is_empty() {
            let (piece, tail) = rest.split_at((frame - self.frame_fill).min(rest.len()));
            rest = tail;
            self.append(piece);
            if self.frame_fill == frame {
                self.end_frame();
            }
            if self.total == self.plan.full_window(self.next_window).end {
                let window = self.plan.full_window(self.next_window);
                self.next_window += 1;
                let frames = self.plan.window_frames;
                out.extend(self.classify_recent(window, frames)?);
            }
        }
        Ok(out)
    }

    /// Ends the stream: classifies the partial last window (see
    /// [`predict_segments`](super::predict_segments)) and closes the open speech region.
    /// Errors with [`TimelineError::Empty`] or [`TimelineError::TooShort`] like the batch call.
    pub fn finish(&mut self) -> Result<Vec<Segment>, TimelineError> {
        if self.finished {
            return Ok(Vec::new());
        }
        self.finished = true;
        if self.total == 0 {
            return Err(TimelineError::Empty);
        }
        if self.frame_fill > 0 {
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
        match self.plan.tail_window(self.total, self.next_window) {
            Some(window) => {
                let frames = self.plan.frames_of(&window).len();
                Ok(self.classify_recent(window, frames)?.into_iter().collect())
            }
            None => Ok(Vec::new()),
        }
    }

    /// Speech regions closed so far (all of them after [`finish`](Self::finish)).
    pub fn speech_regions(&self) -> &[SpeechRegion] {
        &self.speech
    }

    /// Samples pushed so far.
    pub fn samples_seen(&self) -> usize {
        self.total
    }

    /// Capacity of the sample ring buffer; stays at one window however long the stream.
    pub fn buffer_capacity(&self) -> usize {
        self.samples.capacity()
    }

    /// Appends samples (at most one frame's worth) to the ring buffer and the frame energy.
    fn append(&mut self, piece: &[f32]) {
        let capacity = self.plan.window_samples;
        let overflow = (self.samples.len() + piece.len()).saturating_sub(capacity);
        self.samples.drain(..overflow);
        self.samples.extend(piece);
        for &s in piece {
            self.frame_sum += f64::from(s) * f64::from(s);
        }
        self.frame_fill += piece.len();
        self.total += piece.len();
    }

    /// Decides the current frame and records the decision.
    fn end_frame(&mut self) {
        let step = self
            .vad
            .push_frame(&self.plan.vad, self.frame_sum / self.frame_fill as f64);
        if self.decisions.len() == self.plan.window_frames {
            self.decisions.pop_front();
        }
        self.decisions.push_back(step.speech);
        let closed = step
            .closed
            .map(|r| self.plan.vad.region_seconds(r, self.total));
        self.speech.extend(closed);
        self.frame_sum = 0.0;
        self.frame_fill = 0;
    }

    /// Classifies `window` (returning `None` when it lacks speech), which ends at the newest sample and spans the newest `frames`
    /// decisions, if it holds enough speech.
    fn classify_recent(
        &mut self,
        window: std::ops::Range<usize>,
        frames: usize,
    ) -> Result<Option<Segment>, TimelineError> {
        let decisions = self
            .decisions
            .iter()
            .skip(self.decisions.len() - frames)
            .copied();
        if !self.plan.has_speech(decisions) {
            return Ok(None);
        }
        let len = window.len();
        self.scratch.clear();
        self.scratch
            .extend(self.samples.iter().skip(self.samples.len() - len));
        let probabilities = self
            .classifier
            .classify(&self.scratch)
            .map_err(|e| TimelineError::Classifier(Box::new(e)))?;
        let rate = f64::from(self.plan.vad.sample_rate());
        Segment::from_probabilities(
            window.start as f64 / rate,
            window.end as f64 / rate,
            probabilities,
            self.classifier.labels(),
        )
        .map(Some)
    }
}

/// Computes the timeline of a WAV file by streaming it from disk in chunks of `chunk_samples`
/// through a [`SegmentStream`]: memory is one chunk plus one window, whatever the file length.
/// The file must be at the classifier's sample rate ([`TimelineError::SampleRateMismatch`]
/// otherwise: resample long files offline first).
pub fn stream_wav<C: WindowClassifier>(
    classifier: &C,
    path: impl AsRef<Path>,
    config: &SegmentConfig,
    chunk_samples: usize,
) -> Result<Timeline, TimelineError> {
    let mut wav = emovox_audio::open_wav_stream(path, chunk_samples)?;
    let mut stream = SegmentStream::new(classifier, wav.sample_rate(), config)?;
    let mut windows = Vec::new();
    let mut chunk = Vec::with_capacity(chunk_samples);
    while wav.read_chunk(&mut chunk)? {
        windows.extend(stream.push(&chunk)?);
    }
    windows.extend(stream.finish()?);
    let duration = stream.samples_seen() as f64 / f64::from(classifier.sample_rate());
    Ok(Timeline::from_windows(
        classifier.labels().to_vec(),
        duration,
        stream.speech.clone(),
        windows,
        config,
    ))
}
