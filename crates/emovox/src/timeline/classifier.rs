//! The one thing the timeline needs from a model: probabilities for a window of samples.

use emovox_model::Scores;

/// A model that scores a window of mono samples; implemented by [`crate::Classifier`] and by
/// test fakes, so timeline logic does not depend on any particular model.
pub trait WindowClassifier {
    /// Error the classifier reports; converted to [`TimelineError::Classifier`](super::TimelineError::Classifier).
    type Error: std::error::Error + Send + Sync + 'static;

    /// Samples per second the classifier expects.
    fn sample_rate(&self) -> u32;

    /// Class labels, in the order of the probabilities [`probabilities`](Self::probabilities) returns.
    fn labels(&self) -> &[String];

    /// Class probabilities (label order, summing to one) for one window of samples at
    /// [`sample_rate`](Self::sample_rate). Windows are usually full length, but the last window
    /// of a recording (and a recording shorter than one window) may be shorter.
    fn probabilities(&self, window: &[f32]) -> Result<Vec<f32>, Self::Error>;

    /// Probabilities for several windows at once; override it when batching is faster.
    fn probabilities_batch(&self, windows: &[&[f32]]) -> Result<Vec<Vec<f32>>, Self::Error> {
        windows.iter().map(|w| self.probabilities(w)).collect()
    }

    /// Probabilities and novelty of one window (what the timeline calls); the default has no
    /// novelty. Override it for a model that measures novelty.
    fn scores(&self, window: &[f32]) -> Result<Scores, Self::Error> {
        Ok(Scores {
            probabilities: self.probabilities(window)?,
            novelty: None,
        })
    }

    /// [`scores`](Self::scores) of several windows, from
    /// [`probabilities_batch`](Self::probabilities_batch) by default.
    fn scores_batch(&self, windows: &[&[f32]]) -> Result<Vec<Scores>, Self::Error> {
        Ok(self
            .probabilities_batch(windows)?
            .into_iter()
            .map(|probabilities| Scores {
                probabilities,
                novelty: None,
            })
            .collect())
    }
}
