//! [`Classifier`]: from samples or files to an emotion [`Prediction`].

use std::path::Path;
use std::sync::Mutex;

use emovox_audio::{
    loudest_level_db, read_audio_with, validate_sample_rate, validate_samples, Channels,
    SILENCE_LEVEL_DB,
};
use emovox_features::{FeatureError, FeatureScratch, FrontEnd};
use emovox_model::{EmotionModel, MultiViewModel, Scores};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::timeline::{SegmentConfig, TimelineError};
use crate::Error;

/// What a [`Classifier`] says of one clip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The most probable label.
    pub label: String,
    /// The probability of [`Prediction::label`].
    pub confidence: f32,
    /// Every label with its probability, in the model's label order; they sum to 1.
    pub probabilities: Vec<(String, f32)>,
    /// How unlike the clips the model was trained on this clip sounds to it: about 1 for a
    /// typical training clip, several times more for audio unlike any of them (another
    /// recording chain or language, a synthetic voice); `None` for a model file without
    /// [`emovox_model::FeatureDensity`]. The calibration already lowers the confidence of
    /// novel clips; see [`Prediction::unfamiliar`].
    #[serde(default)]
    pub novelty: Option<f32>,
    /// Whether [`Prediction::novelty`] is above the model's threshold (the 99th percentile
    /// over its validation speakers' clips): the clip is unlike what the model was trained
    /// and validated on, and its label deserves less trust than the figures measured there.
    #[serde(default)]
    pub unfamiliar: bool,
}

impl Prediction {
    /// Builds a prediction from a model's scores (probabilities in the order of `labels`),
    /// `threshold` being the model's novelty threshold.
    fn from_scores(labels: &[String], scores: &Scores, threshold: Option<f32>) -> Self {
        let probabilities = &scores.probabilities;
        let best = emovox_metrics::argmax(probabilities);
        Self {
            label: labels[best].clone(),
            confidence: probabilities[best],
            probabilities: labels
                .iter()
                .cloned()
                .zip(probabilities.iter().copied())
                .collect(),
            novelty: scores.novelty,
            unfamiliar: matches!((scores.novelty, threshold), (Some(s), Some(t)) if s > t),
        }
    }
}

/// A trained emotion model together with the feature pipelines it was trained with (one per
/// feature view of a [`MultiViewModel`]).
///
/// The same [`emovox_features::FeaturePipeline`] serves training and prediction, configured
/// from the model file's own metadata, so a model can never be fed features it was not trained
/// on. The views' pipelines form one [`FrontEnd`]: views that share preprocessing, mel settings
/// or pitch settings compute them once per clip. `Classifier` is `Send + Sync`: share one
/// across threads. It is also `UnwindSafe` and `RefUnwindSafe`: a panic inside a prediction
/// (caught by [`std::panic::catch_unwind`], a server's task or a thread pool) leaves it as
/// good as before.
#[derive(Debug)]
pub struct Classifier {
    model: MultiViewModel,
    front_end: FrontEnd,
    /// Feature working memory, one per thread classifying at once, reused from clip to clip.
    scratch: Mutex<Vec<FeatureScratch>>,
}

// What the compiler cannot see into is candle's tensors (`Arc`s of `dyn` ops) and the FFT
// plans: after loading, a classifier's weights and plans are only read. Its one mutable part,
// the scratch pool, lends each prediction a buffer taken out of the pool (a panic drops that
// buffer, never a half-written one left behind) and ignores poisoning, as does the pipelines'
// resampler cache; so a panic during a prediction cannot leave a broken invariant.
impl std::panic::UnwindSafe for Classifier {}
impl std::panic::RefUnwindSafe for Classifier {}

/// The model that ships with emovox: an ensemble of three models trained from scratch (level
/// normalised, multi-condition training, last epoch), one on RAVDESS actors 01-18 and two on
/// those actors plus TurEV-DB speakers 1157, 1234, 1358 and 6783 (with and without silence
/// trimming), their six views averaged and one temperature fitted on RAVDESS actors 19-20 and
/// TurEV-DB speakers 1984 and 7895, each corpus weighing the same (see the README for its
/// figures and the commands that made it).
static BUNDLED_MODEL: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../models/emovox.safetensors"
));

/// Working memory used for clips up to this many samples (65 s at 16 kHz) goes back to the
/// classifier's pool; that of longer clips is freed, so one long clip does not keep its
/// buffers alive.
const POOLED_CLIP_SAMPLES: usize = 1 << 20;

/// Whether a clip may be silent: clips given by the caller may not; the windows of a timeline,
/// chosen by its VAD with its own configurable floor, may.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Silence {
    Refused,
    Allowed,
}

impl Classifier {
    /// The bundled model (8 emotions, 16 kHz; RAVDESS and TurEV-DB), compiled into the library.
    pub fn bundled() -> Result<Self, Error> {
        Self::from_views(MultiViewModel::from_safetensors_bytes(BUNDLED_MODEL)?)
    }

    /// Loads a model file (one safetensors file with its metadata; one view or several).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::from_views(MultiViewModel::load(path)?)
    }

    /// Loads a model file onto `device`: the network runs there (e.g. a CUDA device with the
    /// `cuda` feature), the features are computed on the CPU.
    pub fn load_on(path: impl AsRef<Path>, device: &candle_core::Device) -> Result<Self, Error> {
        Self::from_views(MultiViewModel::load_on(path, device)?)
    }

    /// Wraps an already loaded single-view model, building the feature pipeline its metadata
    /// describes.
    pub fn from_model(model: EmotionModel) -> Result<Self, Error> {
        Self::from_views(MultiViewModel::new(vec![model])?)
    }

    /// Wraps an already loaded model, building the feature pipeline of every view.
    pub fn from_views(model: MultiViewModel) -> Result<Self, Error> {
        let front_end = FrontEnd::new(
            model
                .views()
                .iter()
                .map(|view| view.metadata().features.clone()),
        )?;
        Ok(Self {
            model,
            front_end,
            scratch: Mutex::new(Vec::new()),
        })
    }

    /// The labels this classifier chooses from, in the order of [`Prediction::probabilities`].
    pub fn labels(&self) -> &[String] {
        self.model.labels()
    }

    /// The sample rate the model works at; other rates are resampled to it.
    pub fn sample_rate(&self) -> u32 {
        self.front_end.sample_rate()
    }

    /// The shortest clip the model classifies, in samples at its [`sample_rate`](Self::sample_rate):
    /// one analysis frame of the view that needs the longest (a shorter clip is an
    /// [`Error::Features`] saying so, in the samples and rate it was given at; at other rates,
    /// [`Classifier::min_samples_at`]).
    pub fn min_samples(&self) -> usize {
        self.front_end
            .views()
            .iter()
            .map(|view| view.min_samples())
            .max()
            .unwrap_or(0)
    }

    /// The shortest clip the model classifies given at `sample_rate` Hz, in samples at that
    /// rate: the fewest that resample to [`Classifier::min_samples`] (80 at 1 kHz, 3,840 at
    /// 48 kHz for the bundled model). A rate out of
    /// [`emovox_audio::MIN_SAMPLE_RATE`]..=[`emovox_audio::MAX_SAMPLE_RATE`] is an
    /// [`Error::Audio`].
    pub fn min_samples_at(&self, sample_rate: u32) -> Result<usize, Error> {
        validate_sample_rate(sample_rate)?;
        let (min, rate) = (self.min_samples(), self.sample_rate());
        if sample_rate == rate {
            return Ok(min);
        }
        // The resampled length, as the resampler computes it: round(n * to / from).
        let resampled = |n: usize| (n as f64 * f64::from(rate) / f64::from(sample_rate)).round();
        let mut n = ((min as f64 - 0.5) * f64::from(sample_rate) / f64::from(rate)).ceil() as usize;
        while n > 0 && resampled(n - 1) >= min as f64 {
            n -= 1;
        }
        while resampled(n) < min as f64 {
            n += 1;
        }
        Ok(n)
    }

    /// The novelty above which a clip is [`Prediction::unfamiliar`], if the model has one.
    pub fn novelty_threshold(&self) -> Option<f32> {
        self.model.novelty_threshold()
    }

    /// The underlying model, e.g. to read the metadata of its views.
    pub fn model(&self) -> &MultiViewModel {
        &self.model
    }

    /// Predicts the emotion of one mono clip given at `sample_rate` Hz. A silent clip (nothing
    /// above [`SILENCE_LEVEL_DB`]) is [`Error::Silent`].
    ///
    /// The whole clip is one answer, its features and activations held at once: about 1 MB of
    /// memory per second of audio with the bundled model (570 MB for 10 minutes). A recording
    /// longer than an utterance or two is better read as a timeline ([`crate::timeline`]), whose
    /// memory does not grow with the recording and whose answer says when the emotion changes.
    pub fn predict(&self, samples: &[f32], sample_rate: u32) -> Result<Prediction, Error> {
        let scores = self.scores(samples, sample_rate, Silence::Refused)?;
        Ok(self.prediction(&scores))
    }

    fn prediction(&self, scores: &Scores) -> Prediction {
        Prediction::from_scores(self.labels(), scores, self.model.novelty_threshold())
    }

    /// Decodes an audio file (WAV including G.711 and ADPCM, FLAC, MP3, OGG Vorbis or Opus, WebM
    /// and Matroska, M4A with AAC or ALAC, AIFF, CAF, ADTS AAC, AMR: the format is told from the
    /// content, see [`emovox_audio::read_audio`]) and predicts its emotion.
    pub fn predict_file(&self, path: impl AsRef<Path>) -> Result<Prediction, Error> {
        self.predict_file_with(path, Channels::Average)
    }

    /// [`Classifier::predict_file`] of the `channels` chosen: their mean, or one of them (the
    /// customer's side of a stereo call recording, say; an error if the file lacks it).
    ///
    /// ```no_run
    /// use emovox::{audio::Channels, Classifier};
    ///
    /// let classifier = Classifier::bundled()?;
    /// let customer = classifier.predict_file_with("call.wav", Channels::Only(1))?;
    /// println!("{} ({:.0} %)", customer.label, 100.0 * customer.confidence);
    /// # Ok::<(), emovox::Error>(())
    /// ```
    pub fn predict_file_with(
        &self,
        path: impl AsRef<Path>,
        channels: Channels,
    ) -> Result<Prediction, Error> {
        let audio = read_audio_with(path, channels)?;
        self.predict(&audio.samples, audio.sample_rate)
    }

    /// Decodes and predicts many audio files in parallel (rayon), in the order given: a file
    /// that cannot be read or classified (missing, not audio, silent, too short...) is its own
    /// error and the others are still predicted. Each file is what
    /// [`Classifier::predict_file`] makes of it, at its own rate and in its own format.
    ///
    /// ```no_run
    /// let classifier = emovox::Classifier::bundled()?;
    /// for (path, result) in ["a.wav", "b.mp3"].iter().zip(classifier.predict_files(&["a.wav", "b.mp3"])) {
    ///     match result {
    ///         Ok(prediction) => println!("{path}: {}", prediction.label),
    ///         Err(error) => println!("{path}: {error}"),
    ///     }
    /// }
    /// # Ok::<(), emovox::Error>(())
    /// ```
    pub fn predict_files<P: AsRef<Path> + Sync>(
        &self,
        paths: &[P],
    ) -> Vec<Result<Prediction, Error>> {
        self.predict_files_with(paths, Channels::Average)
    }

    /// [`Classifier::predict_files`] of the `channels` chosen in every file (their mean, or one
    /// of them: a file without it is its own error), as [`Classifier::predict_file_with`].
    pub fn predict_files_with<P: AsRef<Path> + Sync>(
        &self,
        paths: &[P],
        channels: Channels,
    ) -> Vec<Result<Prediction, Error>> {
        paths
            .par_iter()
            .map(|path| self.predict_file_with(path, channels))
            .collect()
    }

    /// Predicts many clips, all at `sample_rate` Hz, in parallel (rayon), in clip order: a
    /// clip that cannot be classified (empty, NaN, too short, silent, ...) is its own error and
    /// the others are still predicted.
    pub fn predict_batch<S: AsRef<[f32]> + Sync>(
        &self,
        clips: &[S],
        sample_rate: u32,
    ) -> Vec<Result<Prediction, Error>> {
        self.scores_batch(clips, sample_rate, Silence::Refused)
            .into_iter()
            .map(|scores| Ok(self.prediction(&scores?)))
            .collect()
    }

    /// Class probabilities of many clips at `sample_rate` Hz, in clip order; each clip's own
    /// result. On the CPU the clips run in parallel (rayon's pool: `RAYON_NUM_THREADS` bounds
    /// it), each through its features and one forward pass of its own, so its activations stay
    /// in cache (the 1-hour timeline with the bundled model on one thread: 45.9 s against
    /// 72.2 s when 16 windows share a pass). On other devices the features are computed in
    /// parallel, then clips of the same length go through the network together, one forward
    /// pass per length ([`MultiViewModel::probabilities_batch`]).
    pub fn probabilities_batch<S: AsRef<[f32]> + Sync>(
        &self,
        clips: &[S],
        sample_rate: u32,
    ) -> Vec<Result<Vec<f32>, Error>> {
        self.scores_batch(clips, sample_rate, Silence::Refused)
            .into_iter()
            .map(|scores| Ok(scores?.probabilities))
            .collect()
    }

    /// The scores of [`Classifier::probabilities_batch`], silent clips refused or not.
    fn scores_batch<S: AsRef<[f32]> + Sync>(
        &self,
        clips: &[S],
        sample_rate: u32,
        silence: Silence,
    ) -> Vec<Result<Scores, Error>> {
        if self.model.device().is_cpu() {
            return clips
                .par_iter()
                .map(|clip| self.scores(clip.as_ref(), sample_rate, silence))
                .collect();
        }
        let features: Vec<Result<Vec<ndarray::Array3<f32>>, Error>> = clips
            .par_iter()
            .map(|clip| self.features(clip.as_ref(), sample_rate, silence))
            .collect();
        let ready: Vec<usize> = (0..clips.len()).filter(|&i| features[i].is_ok()).collect();
        let inputs: Vec<&[ndarray::Array3<f32>]> = ready
            .iter()
            .filter_map(|&i| features[i].as_deref().ok())
            .collect();
        let scored = self.model.scores_batch(&inputs);
        let mut results: Vec<Option<Result<Scores, Error>>> =
            features.into_iter().map(|f| f.err().map(Err)).collect();
        for (i, scores) in ready.into_iter().zip(scored) {
            results[i] = Some(scores.map_err(Error::from));
        }
        results.into_iter().flatten().collect()
    }

    /// Class probabilities of one clip, in label order (a silent clip is [`Error::Silent`]).
    pub fn probabilities(&self, samples: &[f32], sample_rate: u32) -> Result<Vec<f32>, Error> {
        Ok(self
            .scores(samples, sample_rate, Silence::Refused)?
            .probabilities)
    }

    /// The model's scores of one clip (probabilities and novelty), a silent clip refused or not.
    fn scores(&self, samples: &[f32], sample_rate: u32, silence: Silence) -> Result<Scores, Error> {
        let features = self.features(samples, sample_rate, silence)?;
        Ok(self.model.scores(&features)?)
    }

    /// A feature error about a clip given at `sample_rate`, a clip too short said in the
    /// caller's samples and rate: the features measure it resampled to the model's rate, which
    /// told a caller of one sample at 1 kHz that "the signal has 16 samples, shorter than one
    /// frame of 1280 samples".
    fn in_caller_terms(&self, error: FeatureError, samples: usize, sample_rate: u32) -> Error {
        match (&error, self.min_samples_at(sample_rate)) {
            (FeatureError::TooShort { .. }, Ok(frame)) if samples < frame => {
                FeatureError::TooShort { samples, frame }.into()
            }
            _ => error.into(),
        }
    }

    /// Validates a clip and turns it into the input features of every view (resampled and
    /// preprocessed as the model file says), with working memory from the classifier's pool.
    fn features(
        &self,
        samples: &[f32],
        sample_rate: u32,
        silence: Silence,
    ) -> Result<Vec<ndarray::Array3<f32>>, Error> {
        validate_sample_rate(sample_rate)?;
        validate_samples(samples)?;
        let mut scratch = {
            let mut pool = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
            pool.pop().unwrap_or_default()
        };
        let mut views = Vec::new();
        let result = self
            .front_end
            .compute_into(samples, sample_rate, &mut scratch, &mut views);
        if samples.len() <= POOLED_CLIP_SAMPLES {
            self.scratch
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(scratch);
        }
        // Too short is said before silent: a clip shorter than one 20 ms frame has no loudest
        // 20 ms to measure.
        result.map_err(|e| self.in_caller_terms(e, samples.len(), sample_rate))?;
        if silence == Silence::Refused {
            let loudest_db = loudest_level_db(samples, sample_rate);
            if loudest_db < SILENCE_LEVEL_DB {
                return Err(Error::Silent { loudest_db });
            }
        }
        Ok(views)
    }
}

impl Classifier {
    /// Timeline settings for windows of `window_seconds` every `hop_seconds` (every other
    /// setting at its default), checked for this model: the shortest audio classified
    /// ([`SegmentConfig::min_window_seconds`]) is lowered to the window when the window is
    /// shorter and raised to the model's shortest clip ([`Classifier::min_samples`]); a window
    /// the model cannot classify, even after rounding to whole VAD frames, is
    /// [`TimelineError::WindowTooShort`], and settings that are not valid are
    /// [`TimelineError::Config`]. What the server's `/v1/timeline` and Python's `timeline` use.
    pub fn segment_config(
        &self,
        window_seconds: f64,
        hop_seconds: f64,
    ) -> Result<SegmentConfig, TimelineError> {
        let defaults = SegmentConfig::default();
        let mut config = SegmentConfig {
            window_seconds,
            hop_seconds,
            // `f64::min` ignores a NaN window, which validation then refuses by name.
            min_window_seconds: defaults.min_window_seconds.min(window_seconds),
            ..defaults
        };
        let (rate, min_samples) = (self.sample_rate(), self.min_samples());
        let min_seconds = min_samples as f64 / f64::from(rate);
        let too_short = TimelineError::WindowTooShort {
            window_seconds,
            min_seconds,
        };
        // Said first: a window too short for the model is the problem even when the default
        // hop is longer than it.
        if window_seconds > 0.0 && window_seconds < min_seconds {
            return Err(too_short);
        }
        config.validate()?;
        config.min_window_seconds = config.min_window_seconds.max(min_seconds);
        if config.min_window_samples(rate)? < min_samples {
            return Err(too_short);
        }
        Ok(config)
    }

    /// An emotion timeline of a long recording: sliding windows (speech only, by an energy VAD),
    /// each classified, plus a smoothed timeline merging neighbours with the same label.
    /// See [`crate::timeline`] for the configuration and for streaming.
    pub fn predict_segments(
        &self,
        samples: &[f32],
        sample_rate: u32,
        config: &crate::timeline::SegmentConfig,
    ) -> Result<crate::timeline::Timeline, Error> {
        Ok(crate::timeline::predict_segments(
            self,
            samples,
            sample_rate,
            config,
        )?)
    }
}

impl crate::timeline::WindowClassifier for Classifier {
    type Error = Error;

    fn sample_rate(&self) -> u32 {
        Classifier::sample_rate(self)
    }

    fn labels(&self) -> &[String] {
        Classifier::labels(self)
    }

    /// The window's probabilities; a silent window is scored, not refused (the timeline's
    /// VAD chose it, with its own floor).
    fn probabilities(&self, window: &[f32]) -> Result<Vec<f32>, Error> {
        Ok(self
            .scores(window, Classifier::sample_rate(self), Silence::Allowed)?
            .probabilities)
    }

    fn probabilities_batch(&self, windows: &[&[f32]]) -> Result<Vec<Vec<f32>>, Error> {
        self.scores_batch(windows, Classifier::sample_rate(self), Silence::Allowed)
            .into_iter()
            .map(|scores| Ok(scores?.probabilities))
            .collect()
    }

    /// The window's probabilities and novelty.
    fn scores(&self, window: &[f32]) -> Result<Scores, Error> {
        Classifier::scores(
            self,
            window,
            Classifier::sample_rate(self),
            Silence::Allowed,
        )
    }

    fn scores_batch(&self, windows: &[&[f32]]) -> Result<Vec<Scores>, Error> {
        Classifier::scores_batch(
            self,
            windows,
            Classifier::sample_rate(self),
            Silence::Allowed,
        )
        .into_iter()
        .collect()
    }
}
