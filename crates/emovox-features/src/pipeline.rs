//! [`FeaturePipeline`]: from samples to a model's input, the one path training and prediction share.

use std::borrow::Cow;

use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array3, ArrayView2, Axis};

use crate::delta::{delta_into, savgol_weights};
use crate::error::check_signal;
use crate::logmel::SpectralScratch;
use crate::normalise::normalize_utterance;
use crate::pitch::PITCH_ROWS;
use crate::resamplers::ResamplerCache;
use crate::{
    FeatureError, FeatureKind, FeatureScratch, FeatureSpec, LogMelSpectrogram, Mfcc, PitchTracker,
    Preprocessing,
};

/// The extractor a [`FeatureSpec`] asks for.
#[derive(Debug)]
enum Extractor {
    LogMel(LogMelSpectrogram),
    Mfcc(Mfcc),
}

/// Turns samples into a model input of shape (channels, bins, frames) following a [`FeatureSpec`].
///
/// First the samples are prepared ([`FeaturePipeline::prepare`]): resampled to the spec's rate
/// (one cached resampler per input rate), then trimmed and level-normalised as the spec's
/// [`crate::Preprocessing`] says. Then the features: channel 0 is the base representation (log-mel or MFCC, followed by the pitch contour and
/// voicing rows when the spec asks for pitch), channels 1 and 2 its deltas.
///
/// Deltas are taken of the base representation before normalisation; then, when
/// `utterance_norm` is set, every channel is normalised per bin over the utterance.
///
/// ```
/// use emovox_features::{FeatureKind, FeaturePipeline, FeatureSpec, MelConfig};
///
/// let spec = FeatureSpec {
///     kind: FeatureKind::LogMel(MelConfig::speech_with_mels(64)),
///     delta_orders: 1,
///     delta_width: 9,
///     utterance_norm: true,
///     pitch: None,
///     preprocessing: Default::default(),
/// };
/// let pipeline = FeaturePipeline::new(spec)?;
/// let clip = vec![0.1f32; 16_000];
/// let input = pipeline.compute(&clip, 16_000)?;
/// assert_eq!(input.shape(), &[2, 64, 101]);
/// # Ok::<(), emovox_features::FeatureError>(())
/// ```
#[derive(Debug)]
pub struct FeaturePipeline {
    spec: FeatureSpec,
    extractor: Extractor,
    pitch: Option<PitchTracker>,
    /// Savitzky-Golay filters of delta orders 1, 2, ... (`delta_orders` of them).
    delta_weights: Vec<Vec<f64>>,
    /// Resamplers from the input rates seen so far.
    resamplers: ResamplerCache,
}

impl FeaturePipeline {
    /// Validates the spec and builds the extractor plan once.
    pub fn new(spec: FeatureSpec) -> Result<Self, FeatureError> {
        spec.validate()?;
        let extractor = match &spec.kind {
            FeatureKind::LogMel(mel) => Extractor::LogMel(LogMelSpectrogram::new(mel.clone())?),
            FeatureKind::Mfcc(mfcc) => Extractor::Mfcc(Mfcc::new(mfcc.clone())?),
        };
        let mel = spec.kind.mel();
        let pitch = spec
            .pitch
            .clone()
            .map(|config| PitchTracker::new(config, mel.sample_rate, mel.hop_length))
            .transpose()?;
        let delta_weights = (1..=spec.delta_orders)
            .map(|order| savgol_weights(spec.delta_width, order))
            .collect();
        let resamplers = ResamplerCache::new(mel.sample_rate);
        Ok(Self {
            spec,
            extractor,
            pitch,
            delta_weights,
            resamplers,
        })
    }

    /// The specification this pipeline follows.
    pub fn spec(&self) -> &FeatureSpec {
        &self.spec
    }

    /// Sample rate the input must have, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.spec.kind.mel().sample_rate
    }

    /// Hop between frames, in samples.
    pub fn hop_length(&self) -> usize {
        self.spec.kind.mel().hop_length
    }

    /// Bins per frame (mel bands or coefficients, plus the pitch rows).
    pub fn n_bins(&self) -> usize {
        self.spec.n_bins()
    }

    /// Channels of the output: 1 plus the number of delta orders.
    pub fn n_channels(&self) -> usize {
        1 + self.spec.delta_orders
    }

    /// Number of frames produced for `len` samples at [`FeaturePipeline::sample_rate`], as
    /// prepared: a clip at another rate is resampled first, and trimming
    /// ([`crate::Preprocessing::trim_top_db`], [`crate::Preprocessing::trim_to_speech`])
    /// shortens it.
    pub fn frames_for(&self, len: usize) -> usize {
        1 + len / self.hop_length()
    }

    /// The shortest signal accepted, in samples: one window (`win_length`), and enough frames
    /// for the delta window (`(delta_width - 1) * hop_length`) when deltas are stacked.
    /// (A validated spec bounds both factors, so the product cannot overflow; it saturates
    /// regardless.)
    pub fn min_samples(&self) -> usize {
        let frame = self.spec.kind.mel().win_length;
        if self.spec.delta_orders == 0 {
            frame
        } else {
            let span = self.spec.delta_width.saturating_sub(1);
            frame.max(span.saturating_mul(self.hop_length()))
        }
    }

    /// The features of `samples` (mono, at `sample_rate` Hz), shape (channels, bins, frames):
    /// [`FeaturePipeline::prepare`], then [`FeaturePipeline::features`]. Allocates its working
    /// memory and output on every call: [`FeaturePipeline::compute_into`] reuses them.
    pub fn compute(&self, samples: &[f32], sample_rate: u32) -> Result<Array3<f32>, FeatureError> {
        let mut out = Array3::zeros((0, 0, 0));
        self.compute_into(samples, sample_rate, &mut FeatureScratch::new(), &mut out)?;
        Ok(out)
    }

    /// [`FeaturePipeline::compute`] with caller-owned buffers, in the style of realfft's
    /// `process_with_scratch`: `scratch` holds the working memory, and `out` receives the
    /// features (replaced by a new array only when its shape differs from the result's, so a
    /// loop over clips of one length allocates nothing once warm).
    ///
    /// On error `out` is left as it was or partly written.
    pub fn compute_into(
        &self,
        samples: &[f32],
        sample_rate: u32,
        scratch: &mut FeatureScratch,
        out: &mut Array3<f32>,
    ) -> Result<(), FeatureError> {
        scratch.fit_groups(1, 1, 1);
        let FeatureScratch {
            resampled,
            powers,
            prepared,
            log_mel,
            pitch,
            pitch_frames,
            spectral,
            tracking,
            ..
        } = scratch;
        check_signal(samples, 1)?;
        let input = self.resample_into(samples, sample_rate, resampled)?;
        let input = preprocess_into(
            &self.spec.preprocessing,
            (input, self.sample_rate()),
            powers,
            self.min_samples(),
            &mut prepared[0],
        );
        self.check_length(input)?;
        self.log_mel_into(input, spectral, &mut log_mel[0])?;
        let pitch_rows = match &self.pitch {
            Some(tracker) => {
                tracker.compute_into(input, None, tracking, &mut pitch_frames[0], &mut pitch[0])?;
                Some(pitch[0].as_slice())
            }
            None => None,
        };
        self.assemble_into(&log_mel[0], pitch_rows, out)
    }

    /// The samples features are computed from: `samples` (mono, at `sample_rate` Hz)
    /// resampled to [`FeaturePipeline::sample_rate`], trimmed and level-normalised as the
    /// spec's [`crate::Preprocessing`] says. Borrowed when there is nothing to do.
    pub fn prepare<'a>(
        &self,
        samples: &'a [f32],
        sample_rate: u32,
    ) -> Result<Cow<'a, [f32]>, FeatureError> {
        check_signal(samples, 1)?;
        let resampled = if sample_rate == self.sample_rate() {
            Cow::Borrowed(samples)
        } else {
            let mut out = Vec::new();
            self.resample_into(samples, sample_rate, &mut out)?;
            Cow::Owned(out)
        };
        let preprocessing = &self.spec.preprocessing;
        if preprocessing.is_identity() {
            return Ok(resampled);
        }
        let mut out = Vec::new();
        // The spec was validated when the pipeline was built.
        let min_kept = self.min_samples();
        preprocessing.apply_into(
            &resampled,
            self.sample_rate(),
            &mut Vec::new(),
            min_kept,
            &mut out,
        );
        Ok(Cow::Owned(out))
    }

    /// `samples` (not empty) at the pipeline's rate: borrowed when they already are, else
    /// resampled into `buffer` with the cached resampler of `sample_rate`. A clip that
    /// resamples to nothing (one sample at three times the rate) is
    /// [`FeatureError::TooShort`], not the [`FeatureError::EmptySignal`] it was not.
    pub(crate) fn resample_into<'a>(
        &self,
        samples: &'a [f32],
        sample_rate: u32,
        buffer: &'a mut Vec<f32>,
    ) -> Result<&'a [f32], FeatureError> {
        if sample_rate == self.sample_rate() {
            return Ok(samples);
        }
        self.resamplers
            .resample_into(samples, sample_rate, buffer)?;
        if buffer.is_empty() {
            return Err(FeatureError::TooShort {
                samples: 0,
                frame: self.min_samples(),
            });
        }
        Ok(buffer)
    }

    /// The features of samples already prepared ([`FeaturePipeline::prepare`]: at
    /// [`FeaturePipeline::sample_rate`], preprocessed), shape (channels, bins, frames).
    pub fn features(&self, samples: &[f32]) -> Result<Array3<f32>, FeatureError> {
        self.check_length(samples)?;
        let mut log_mel = Vec::new();
        self.log_mel_into(samples, &mut SpectralScratch::default(), &mut log_mel)?;
        let pitch = match &self.pitch {
            Some(tracker) => Some(tracker.compute(samples)?),
            None => None,
        };
        let mut out = Array3::zeros((0, 0, 0));
        let pitch_rows = pitch.as_ref().map(|rows| {
            rows.as_slice()
                .expect("the tracker returns a standard-layout array")
        });
        self.assemble_into(&log_mel, pitch_rows, &mut out)?;
        Ok(out)
    }

    /// Refuses a prepared clip shorter than [`FeaturePipeline::min_samples`] (an empty one is
    /// left to the extractors, which name it).
    pub(crate) fn check_length(&self, samples: &[f32]) -> Result<(), FeatureError> {
        if !samples.is_empty() && samples.len() < self.min_samples() {
            return Err(FeatureError::TooShort {
                samples: samples.len(),
                frame: self.min_samples(),
            });
        }
        Ok(())
    }

    /// The log-mel plan underneath the spec's representation.
    pub(crate) fn log_mel_plan(&self) -> &LogMelSpectrogram {
        match &self.extractor {
            Extractor::LogMel(log_mel) => log_mel,
            Extractor::Mfcc(mfcc) => mfcc.log_mel(),
        }
    }

    /// The log-mel spectrogram in dB of prepared `samples`, frame-major, into `values`.
    pub(crate) fn log_mel_into(
        &self,
        samples: &[f32],
        scratch: &mut SpectralScratch,
        values: &mut Vec<f32>,
    ) -> Result<usize, FeatureError> {
        self.log_mel_plan().log_mel_into(samples, scratch, values)
    }

    /// The pitch tracker, when the spec asks for pitch rows.
    pub(crate) fn pitch_tracker(&self) -> Option<&PitchTracker> {
        self.pitch.as_ref()
    }

    /// Builds the model input from a log-mel spectrogram (dB, frame-major, as
    /// [`FeaturePipeline::log_mel_into`] gives it) and the pitch rows: channel 0 is the base
    /// representation (log-mel, or its DCT for MFCC) followed by the pitch rows, the next
    /// channels its deltas; then each channel is normalised when `utterance_norm` is set.
    pub(crate) fn assemble_into(
        &self,
        log_mel: &[f32],
        pitch: Option<&[f32]>,
        out: &mut Array3<f32>,
    ) -> Result<(), FeatureError> {
        let n_mels = self.spec.kind.mel().n_mels;
        let frames = log_mel.len() / n_mels;
        if self.spec.delta_orders > 0 && frames < self.spec.delta_width {
            return Err(FeatureError::TooFewFrames {
                frames,
                width: self.spec.delta_width,
            });
        }
        let shape = (self.n_channels(), self.n_bins(), frames);
        if out.dim() != shape {
            *out = Array3::zeros(shape);
        }
        let log_mel = ArrayView2::from_shape((frames, n_mels), log_mel)
            .expect("log_mel_into gives frames x n_mels values");
        let spectral_bins = self.spec.kind.n_bins();
        let mut base = out.index_axis_mut(Axis(0), 0);
        match &self.extractor {
            Extractor::LogMel(_) => base.slice_mut(s![..n_mels, ..]).assign(&log_mel.t()),
            // One matrix product over all frames: (n_mfcc, n_mels) x (n_mels, frames).
            Extractor::Mfcc(mfcc) => general_mat_mul(
                1.0,
                mfcc.dct(),
                &log_mel.t(),
                0.0,
                &mut base.slice_mut(s![..spectral_bins, ..]),
            ),
        }
        if let Some(rows) = pitch {
            let rows = ArrayView2::from_shape((PITCH_ROWS, frames), rows)
                .expect("the tracker gives PITCH_ROWS x frames values");
            base.slice_mut(s![spectral_bins.., ..]).assign(&rows);
        }
        let (base, mut derived) = out.view_mut().split_at(Axis(0), 1);
        let base = base.index_axis_move(Axis(0), 0);
        for (order, weights) in self.delta_weights.iter().enumerate() {
            delta_into(base.view(), weights, derived.index_axis_mut(Axis(0), order));
        }
        if self.spec.utterance_norm {
            out.outer_iter_mut().for_each(normalize_utterance);
        }
        Ok(())
    }
}

/// `input` (samples at a rate) preprocessed as `preprocessing` says, trimming keeping at least
/// `min_kept` samples, into `buffer`; `input` itself when there is nothing to do.
pub(crate) fn preprocess_into<'a>(
    preprocessing: &Preprocessing,
    (input, sample_rate): (&'a [f32], u32),
    powers: &mut Vec<f64>,
    min_kept: usize,
    buffer: &'a mut Vec<f32>,
) -> &'a [f32] {
    if preprocessing.is_identity() {
        return input;
    }
    preprocessing.apply_into(input, sample_rate, powers, min_kept, buffer);
    buffer
}
