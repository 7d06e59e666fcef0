//! Window predictions and the timeline of a whole recording.

use std::borrow::Cow;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use emovox_model::Scores;

use super::plan::WindowPlan;
use super::smoothing::check_windows;
use super::{
    absorb_slivers, clip_to_speech, smooth, SegmentConfig, SpeechRegion, TimelineError,
    WindowClassifier,
};

/// The prediction for one stretch of a recording (a window, or merged windows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Start, in seconds from the start of the recording.
    pub start: f64,
    /// End, in seconds from the start of the recording.
    pub end: f64,
    /// Index of the predicted label in the classifier's labels.
    pub label_index: usize,
    /// The predicted label.
    pub label: String,
    /// Probability of the predicted label.
    pub confidence: f32,
    /// Probabilities of all labels, in the classifier's label order.
    pub probabilities: Vec<f32>,
    /// How unlike the model's training clips the window is (the mean over a merged segment's
    /// windows), as [`crate::Prediction::novelty`]; `None` when the classifier gives none.
    #[serde(default)]
    pub novelty: Option<f32>,
}

impl Segment {
    /// Builds the segment for `probabilities` over `start..end` seconds, checking the
    /// probabilities and picking the most probable label (the first one on ties).
    pub fn from_probabilities(
        start: f64,
        end: f64,
        probabilities: Vec<f32>,
        labels: &[String],
    ) -> Result<Self, TimelineError> {
        if probabilities.len() != labels.len()
            || labels.is_empty()
            || probabilities.iter().any(|p| !p.is_finite())
        {
            return Err(TimelineError::BadProbabilities {
                expected: labels.len(),
                got: probabilities.len(),
            });
        }
        let mut label_index = 0;
        for (i, &p) in probabilities.iter().enumerate() {
            if p > probabilities[label_index] {
                label_index = i;
            }
        }
        Ok(Self {
            start,
            end,
            label_index,
            label: labels[label_index].clone(),
            confidence: probabilities[label_index],
            probabilities,
            novelty: None,
        })
    }

    /// The same segment with novelty `novelty`.
    pub fn with_novelty(self, novelty: Option<f32>) -> Self {
        Self { novelty, ..self }
    }

    /// Duration in seconds.
    pub fn duration(&self) -> f64 {
        self.end - self.start
    }
}

/// The emotion timeline of a recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// Labels of the classifier, in probability order.
    pub labels: Vec<String>,
    /// Duration of the recording in seconds (at the classifier's sample rate).
    pub duration: f64,
    /// Speech regions found by the VAD.
    pub speech: Vec<SpeechRegion>,
    /// Raw predictions of the classified (speech) windows, in time order; overlapping when the
    /// hop is shorter than the window. Empty when the VAD found no speech.
    pub windows: Vec<Segment>,
    /// Non-overlapping segments covering the speech regions: window labels majority-filtered,
    /// neighbours with the same label merged ([`smooth`]), then cut to the speech regions
    /// ([`clip_to_speech`]), slivers of the cut given to their neighbours ([`absorb_slivers`]).
    pub smoothed: Vec<Segment>,
}

impl Timeline {
    /// Assembles a timeline from window predictions, smoothing them per `config`. Errors
    /// ([`TimelineError::InvalidWindow`]): a window whose probabilities are not one finite
    /// value per label, or whose label index is not one of `labels`.
    pub fn from_windows(
        labels: Vec<String>,
        duration: f64,
        speech: Vec<SpeechRegion>,
        windows: Vec<Segment>,
        config: &SegmentConfig,
    ) -> Result<Self, TimelineError> {
        check_windows(&windows, labels.len())?;
        let smoothed = absorb_slivers(
            &clip_to_speech(
                &smooth(&windows, config.hop_seconds, &config.smoothing)?,
                &speech,
            ),
            config.smoothing.min_segment_seconds,
        );
        Ok(Self {
            labels,
            duration,
            speech,
            windows,
            smoothed,
        })
    }
}

/// Classifies `windows` (each a sample range at `rate` Hz and its samples) in one
/// [`WindowClassifier::scores_batch`] call and turns the results into segments.
pub(crate) fn classify_windows<C: WindowClassifier>(
    classifier: &C,
    windows: &[(Range<usize>, &[f32])],
    rate: u32,
) -> Result<Vec<Segment>, TimelineError> {
    let slices: Vec<&[f32]> = windows.iter().map(|(_, samples)| *samples).collect();
    let scores = classifier
        .scores_batch(&slices)
        .map_err(|e| TimelineError::Classifier(Box::new(e)))?;
    if scores.len() != windows.len() {
        return Err(TimelineError::Classifier(
            format!(
                "scores_batch returned {} results for {} windows",
                scores.len(),
                windows.len()
            )
            .into(),
        ));
    }
    windows
        .iter()
        .zip(scores)
        .map(|((w, _), scores)| window_segment(w, rate, scores, classifier.labels()))
        .collect()
}

/// The segment of the window over samples `window` at `rate` Hz scored `scores`.
pub(crate) fn window_segment(
    window: &Range<usize>,
    rate: u32,
    scores: Scores,
    labels: &[String],
) -> Result<Segment, TimelineError> {
    let rate = f64::from(rate);
    let (start, end) = (window.start as f64 / rate, window.end as f64 / rate);
    Ok(
        Segment::from_probabilities(start, end, scores.probabilities, labels)?
            .with_novelty(scores.novelty),
    )
}

/// Computes the emotion timeline of a whole recording held in memory.
///
/// The audio is resampled to the classifier's rate if needed, cut into windows of
/// `config.window_seconds` every `config.hop_seconds` (plus a shorter last window covering the
/// tail when it is at least `config.min_window_seconds`), windows with too little speech per the
/// [`Vad`](super::Vad) are skipped, the rest are classified in batches, and the window labels are
/// smoothed. A recording shorter than one window is classified whole when at least
/// `min_window_seconds` long. For recordings that do not fit in memory use
/// [`SegmentStream`](super::SegmentStream) or [`stream_file`](super::stream_file), which give the
/// same windows.
///
/// Errors: empty input, non-finite samples, an unsupported sample rate, a recording shorter
/// than `min_window_seconds`, an invalid configuration, or a classifier failure.
pub fn predict_segments<C: WindowClassifier>(
    classifier: &C,
    samples: &[f32],
    sample_rate: u32,
    config: &SegmentConfig,
) -> Result<Timeline, TimelineError> {
    let rate = classifier.sample_rate();
    let plan = WindowPlan::new(config, rate)?;
    if samples.is_empty() {
        return Err(TimelineError::Empty);
    }
    if let Some(index) = emovox_audio::first_non_finite(samples) {
        return Err(TimelineError::NonFiniteSample { index });
    }
    emovox_audio::validate_sample_rate(sample_rate)?;
    let samples: Cow<[f32]> = if sample_rate == rate {
        Cow::Borrowed(samples)
    } else {
        Cow::Owned(emovox_audio::resample(samples, sample_rate, rate)?)
    };
    let total = samples.len();
    if total < plan.min_window_samples {
        return Err(plan.too_short(total));
    }
    let vad = plan.vad.detect(&samples);
    let full = plan.full_windows(total);
    let speech_windows: Vec<Range<usize>> = (0..full)
        .map(|k| plan.full_window(k))
        .chain(plan.tail_window(total, full))
        .filter(|w| plan.has_speech(vad.frames[plan.frames_of(w)].iter().copied()))
        .collect();
    let mut windows = Vec::with_capacity(speech_windows.len());
    for batch in speech_windows.chunks(config.batch_size) {
        let batch: Vec<(Range<usize>, &[f32])> = batch
            .iter()
            .map(|w| (w.clone(), &samples[w.clone()]))
            .collect();
        windows.extend(classify_windows(classifier, &batch, rate)?);
    }
    Timeline::from_windows(
        classifier.labels().to_vec(),
        total as f64 / f64::from(rate),
        vad.regions,
        windows,
        config,
    )
}
