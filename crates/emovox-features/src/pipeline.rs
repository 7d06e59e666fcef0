//! [`FeaturePipeline`]: from samples to a model's input, the one path training and prediction share.

use std::borrow::Cow;
use std::sync::Mutex;

use emovox_audio::Resampler;
use ndarray::{concatenate, s, Array2, Array3, Axis};

use crate::delta::delta;
use crate::error::check_signal;
use crate::normalise::normalize_utterance;
use crate::{FeatureError, FeatureKind, FeatureSpec, LogMelSpectrogram, Mfcc, PitchTracker};

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
    /// Resamplers from the input rates seen so far, taken out while in use.
    resamplers: Mutex<Vec<Resampler>>,
}

/// Resamplers kept per pipeline (one per input rate).
const CACHED_RESAMPLERS: usize = 8;

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
        Ok(Self {
            spec,
            extractor,
            pitch,
            resamplers: Mutex::new(Vec::new()),
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

    /// Number of frames produced for `len` samples.
    pub fn frames_for(&self, len: usize) -> usize {
        1 + len / self.hop_length()
    }

    /// The shortest signal accepted, in samples: one window (`win_length`), and enough frames
    /// for the delta window (`(delta_width - 1) * hop_length`) when deltas are stacked.
    pub fn min_samples(&self) -> usize {
        let frame = self.spec.kind.mel().win_length;
        if self.spec.delta_orders == 0 {
            frame
        } else {
            frame.max((self.spec.delta_width - 1) * self.hop_length())
        }
    }

    /// The features of `samples` (mono, at `sample_rate` Hz), shape (channels, bins, frames):
    /// [`FeaturePipeline::prepare`], then [`FeaturePipeline::features`].
    pub fn compute(&self, samples: &[f32], sample_rate: u32) -> Result<Array3<f32>, FeatureError> {
        self.features(&self.prepare(samples, sample_rate)?)
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
            Cow::Owned(self.resample(samples, sample_rate)?)
        };
        let preprocessing = &self.spec.preprocessing;
        if preprocessing.is_identity() {
            return Ok(resampled);
        }
        Ok(Cow::Owned(
            preprocessing.apply(&resampled, self.sample_rate()),
        ))
    }

    /// Resamples with a cached resampler for `from` Hz (built on first use of that rate).
    fn resample(&self, samples: &[f32], from: u32) -> Result<Vec<f32>, FeatureError> {
        let cached = {
            let mut cache = self.resamplers.lock().unwrap_or_else(|e| e.into_inner());
            let found = cache.iter().position(|r| r.from_rate() == from);
            found.map(|i| cache.swap_remove(i))
        };
        let mut resampler = match cached {
            Some(r) => r,
            None => Resampler::new(from, self.sample_rate())
                .map_err(|e| FeatureError::Resample(e.to_string()))?,
        };
        let out = resampler
            .process(samples)
            .map_err(|e| FeatureError::Resample(e.to_string()));
        let mut cache = self.resamplers.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() < CACHED_RESAMPLERS {
            cache.push(resampler);
        }
        out
    }

    /// The features of samples already prepared ([`FeaturePipeline::prepare`]: at
    /// [`FeaturePipeline::sample_rate`], preprocessed), shape (channels, bins, frames).
    pub fn features(&self, samples: &[f32]) -> Result<Array3<f32>, FeatureError> {
        if !samples.is_empty() && samples.len() < self.min_samples() {
            return Err(FeatureError::TooShort {
                samples: samples.len(),
                frame: self.min_samples(),
            });
        }
        let spectral = match &self.extractor {
            Extractor::LogMel(log_mel) => log_mel.compute(samples)?,
            Extractor::Mfcc(mfcc) => mfcc.compute(samples)?,
        };
        let base = match &self.pitch {
            Some(tracker) => concatenate![Axis(0), spectral, tracker.compute(samples)?],
            None => spectral,
        };
        let mut channels: Vec<Array2<f32>> = Vec::with_capacity(self.n_channels());
        for order in 1..=self.spec.delta_orders {
            channels.push(delta(&base, self.spec.delta_width, order)?);
        }
        channels.insert(0, base);
        let (bins, frames) = channels[0].dim();
        let mut out = Array3::zeros((channels.len(), bins, frames));
        for (c, mut channel) in channels.into_iter().enumerate() {
            if self.spec.utterance_norm {
                normalize_utterance(&mut channel);
            }
            out.slice_mut(s![c, .., ..]).assign(&channel);
        }
        Ok(out)
    }
}
