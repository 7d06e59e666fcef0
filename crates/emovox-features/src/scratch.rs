//! [`FeatureScratch`]: the caller-owned working memory of feature extraction.

use crate::logmel::SpectralScratch;
use crate::pitch::{FrameAnalysis, PitchScratch};

/// Working memory for [`crate::FeaturePipeline::compute_into`] and
/// [`crate::FrontEnd::compute_into`], in the style of realfft's `process_with_scratch`: keep one
/// per thread and pass it to every call. Its buffers grow to the longest clip seen and are
/// reused, so extraction allocates nothing from the second clip of a given length on. Any
/// scratch works with any pipeline or front end (buffers are resized as needed).
///
/// ```
/// use emovox_features::{FeatureKind, FeaturePipeline, FeatureScratch, FeatureSpec, MfccConfig};
///
/// let spec = FeatureSpec {
///     kind: FeatureKind::Mfcc(MfccConfig::speech()),
///     delta_orders: 2,
///     delta_width: 9,
///     utterance_norm: false,
///     pitch: None,
///     preprocessing: Default::default(),
/// };
/// let pipeline = FeaturePipeline::new(spec)?;
/// let mut scratch = FeatureScratch::new();
/// let mut features = ndarray::Array3::zeros((0, 0, 0));
/// for seconds in [1, 2, 2] {
///     let clip = vec![0.1f32; 16_000 * seconds];
///     pipeline.compute_into(&clip, 16_000, &mut scratch, &mut features)?;
///     assert_eq!(features.shape(), &[3, 40, 1 + clip.len() / 160]);
/// }
/// # Ok::<(), emovox_features::FeatureError>(())
/// ```
#[derive(Debug, Default)]
pub struct FeatureScratch {
    /// The clip at the pipeline's rate, when it came at another one.
    pub(crate) resampled: Vec<f32>,
    /// Frame powers of the level measurement.
    pub(crate) powers: Vec<f64>,
    /// The preprocessed clip, one per preprocessing group.
    pub(crate) prepared: Vec<Vec<f32>>,
    /// The clip before trimming of each preprocessing group that trims and whose clip other
    /// groups trim as well (empty for the others).
    pub(crate) levelled: Vec<Vec<f32>>,
    /// The part of its clip before trimming that each preprocessing group keeps.
    pub(crate) kept_ranges: Vec<std::ops::Range<usize>>,
    /// Where each preprocessing group's clip starts in the clip of the group whose levelled
    /// clip it trims, when it lies inside that clip (`None` otherwise).
    pub(crate) kept_starts: Vec<Option<usize>>,
    /// Log-mel spectrograms in dB, frame-major, one per spectral group.
    pub(crate) log_mel: Vec<Vec<f32>>,
    /// Pitch rows (contour, then voicing), one per pitch group.
    pub(crate) pitch: Vec<Vec<f32>>,
    /// The frame-by-frame pitch analysis behind each pitch group's rows.
    pub(crate) pitch_frames: Vec<FrameAnalysis>,
    pub(crate) spectral: SpectralScratch,
    pub(crate) tracking: PitchScratch,
}

impl FeatureScratch {
    /// Empty working memory; it grows on first use.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes room for `preparations`, `spectra` and `pitches` groups (kept buffers stay).
    pub(crate) fn fit_groups(&mut self, preparations: usize, spectra: usize, pitches: usize) {
        for (buffers, n) in [
            (&mut self.prepared, preparations),
            (&mut self.levelled, preparations),
            (&mut self.log_mel, spectra),
            (&mut self.pitch, pitches),
        ] {
            if buffers.len() < n {
                buffers.resize_with(n, Vec::new);
            }
        }
        self.kept_starts.resize(preparations, None);
        self.kept_ranges.resize(preparations, 0..0);
        if self.pitch_frames.len() < pitches {
            self.pitch_frames
                .resize_with(pitches, FrameAnalysis::default);
        }
    }
}
