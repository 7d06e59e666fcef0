//! Speaker adaptation of probabilities: each clip judged against the other clips of the same
//! speaker (or the other windows of one recording).
//!
//! A model trained on some voices hears another voice, language or microphone as shifted
//! towards some labels for every clip (a RAVDESS model calls most Turkish words `angry` or
//! `sad`). When several clips of one speaker are at hand (a call-centre agent's calls, the
//! windows of one long recording: [`adapt_timeline`]), that shift can be measured and removed: for each label,
//! the speaker's mean log-probability over their clips is subtracted from every clip's
//! log-probability, and each clip's probabilities are renormalised. What is left says which
//! emotion a clip carries *relative to that speaker's usual*.
//!
//! This assumes a speaker's clips span several emotions. It is right for corpora built that
//! way and for a mixed set of calls; it is wrong for a set that is angry throughout, whose
//! anger it removes. It is therefore never applied by default. Measured effects are in
//! `docs/experiments.md` ("Speaker adaptation").
//!
//! ```
//! use emovox::adaptation::adapt_to_speakers;
//!
//! // Two clips of speaker "a", both leaning to label 0; one clip of "b" (left as it is).
//! let mut probabilities = vec![vec![0.7, 0.3], vec![0.6, 0.4], vec![0.2, 0.8]];
//! adapt_to_speakers(&mut probabilities, &["a", "a", "b"])?;
//! assert!(probabilities[0][0] > 0.5 && probabilities[1][0] < 0.5);
//! assert_eq!(probabilities[2], vec![0.2, 0.8]);
//! # Ok::<(), emovox::adaptation::AdaptationError>(())
//! ```

use std::collections::HashMap;
use std::hash::Hash;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::timeline::{Segment, SegmentConfig, Timeline, TimelineError};
use crate::Prediction;

/// Probabilities below this are taken as this before the logarithm.
const FLOOR: f32 = 1e-7;

/// Why probabilities could not be adapted to their speakers (nothing is changed then).
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum AdaptationError {
    /// There is not one speaker per clip.
    #[error("{clips} clips but {speakers} speakers: give one speaker per clip")]
    SpeakerCount {
        /// Clips (rows of probabilities).
        clips: usize,
        /// Speakers given.
        speakers: usize,
    },
    /// Two clips of one speaker have different numbers of probabilities (labels).
    #[error(
        "clip {clip} has {got} probabilities, clip {first} of the same speaker has {expected}"
    )]
    LabelCount {
        /// The clip whose count differs.
        clip: usize,
        /// Its number of probabilities.
        got: usize,
        /// The speaker's first clip.
        first: usize,
        /// That clip's number of probabilities.
        expected: usize,
    },
    /// A probability is negative, NaN or infinite.
    #[error("clip {clip} has a probability that is negative, NaN or infinite")]
    BadProbability {
        /// The clip.
        clip: usize,
    },
}

/// Whether probabilities are adapted to their speaker before they are scored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Adaptation {
    /// Each clip on its own, as [`crate::Classifier::probabilities`] gives it.
    #[default]
    None,
    /// Each clip relative to the other clips of its speaker ([`adapt_to_speakers`]).
    PerSpeaker,
}

/// Adapts each clip's probabilities to its speaker, in place: `probabilities[i]` (one value
/// per label, summing to 1) is a clip of `speakers[i]`. For each speaker with at least two
/// clips, every label's mean log-probability over the speaker's clips is subtracted from each
/// clip's log-probabilities, which are then renormalised (a softmax). A speaker with one clip
/// has nothing to be compared with: that clip is left as it is. Probabilities are floored at
/// 1e-7 before the logarithm.
///
/// Errors (leaving `probabilities` as they were): not one speaker per clip, clips of one
/// speaker with different numbers of labels, or a probability that is negative or not finite.
pub fn adapt_to_speakers<K: Eq + Hash>(
    probabilities: &mut [Vec<f32>],
    speakers: &[K],
) -> Result<(), AdaptationError> {
    if probabilities.len() != speakers.len() {
        return Err(AdaptationError::SpeakerCount {
            clips: probabilities.len(),
            speakers: speakers.len(),
        });
    }
    let bad = |p: &f32| !(p.is_finite() && *p >= 0.0);
    if let Some(clip) = probabilities.iter().position(|p| p.iter().any(bad)) {
        return Err(AdaptationError::BadProbability { clip });
    }
    let mut members: HashMap<&K, Vec<usize>> = HashMap::new();
    for (i, speaker) in speakers.iter().enumerate() {
        members.entry(speaker).or_default().push(i);
    }
    for clips in members.values() {
        let (first, expected) = (clips[0], probabilities[clips[0]].len());
        if let Some(&clip) = clips.iter().find(|&&i| probabilities[i].len() != expected) {
            return Err(AdaptationError::LabelCount {
                clip,
                got: probabilities[clip].len(),
                first,
                expected,
            });
        }
    }
    for clips in members.values().filter(|clips| clips.len() > 1) {
        let labels = probabilities[clips[0]].len();
        let mut mean = vec![0.0f64; labels];
        for &i in clips {
            for (m, &p) in mean.iter_mut().zip(&probabilities[i]) {
                *m += f64::from(p.max(FLOOR).ln());
            }
        }
        mean.iter_mut().for_each(|m| *m /= clips.len() as f64);
        for &i in clips {
            let shifted: Vec<f64> = probabilities[i]
                .iter()
                .zip(&mean)
                .map(|(&p, &m)| f64::from(p.max(FLOOR).ln()) - m)
                .collect();
            let top = shifted.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            let exp: Vec<f64> = shifted.iter().map(|s| (s - top).exp()).collect();
            let total: f64 = exp.iter().sum();
            for (p, e) in probabilities[i].iter_mut().zip(&exp) {
                *p = (e / total) as f32;
            }
        }
    }
    Ok(())
}

/// [`adapt_to_speakers`] on predictions, in place (`predictions[i]` is a clip of `speakers[i]`,
/// all from one classifier): each prediction's probabilities adapted to its speaker, its label
/// and confidence following them; `novelty` and `unfamiliar` stay, as they describe the audio,
/// not the answer. Errors as [`adapt_to_speakers`]'s, leaving the predictions as they were.
///
/// ```
/// let classifier = emovox::Classifier::bundled()?;
/// let tone = |step: f32| (0..16_000).map(|i| 0.1 * (i as f32 * step).sin()).collect::<Vec<f32>>();
/// let mut predictions = vec![
///     classifier.predict(&tone(0.02), 16_000)?,
///     classifier.predict(&tone(0.05), 16_000)?,
/// ];
/// emovox::adaptation::adapt_predictions(&mut predictions, &["agent-7", "agent-7"])?;
/// for p in &predictions {
///     println!("{} ({:.0} %, relative to agent-7's usual)", p.label, 100.0 * p.confidence);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn adapt_predictions<K: Eq + Hash>(
    predictions: &mut [Prediction],
    speakers: &[K],
) -> Result<(), AdaptationError> {
    let mut probabilities: Vec<Vec<f32>> = predictions
        .iter()
        .map(|p| p.probabilities.iter().map(|&(_, q)| q).collect())
        .collect();
    adapt_to_speakers(&mut probabilities, speakers)?;
    for (prediction, adapted) in predictions.iter_mut().zip(probabilities) {
        for ((_, q), a) in prediction.probabilities.iter_mut().zip(&adapted) {
            *q = *a;
        }
        let best = emovox_metrics::argmax(&adapted);
        prediction.label = prediction.probabilities[best].0.clone();
        prediction.confidence = adapted[best];
    }
    Ok(())
}

/// The timeline of one recording with its windows adapted to the recording (one speaker):
/// [`adapt_to_speakers`] over all its window predictions as one group, each window relabelled,
/// then smoothed and cut to speech again as [`Timeline::from_windows`] does with `config` (the
/// configuration the timeline was computed with). What is left is each stretch's emotion
/// relative to the recording's usual, under the same assumption: the recording holds several
/// emotions.
///
/// Errors: a window whose probabilities are not one finite, non-negative value per label (a
/// timeline edited or deserialised by hand; the ones emovox computes are valid).
pub fn adapt_timeline(
    timeline: &Timeline,
    config: &SegmentConfig,
) -> Result<Timeline, TimelineError> {
    let mut probabilities: Vec<Vec<f32>> = timeline
        .windows
        .iter()
        .map(|w| w.probabilities.clone())
        .collect();
    let one_speaker = vec![(); probabilities.len()];
    adapt_to_speakers(&mut probabilities, &one_speaker)?;
    let windows = timeline
        .windows
        .iter()
        .zip(probabilities)
        .map(|(w, p)| {
            Ok(
                Segment::from_probabilities(w.start, w.end, p, &timeline.labels)?
                    .with_novelty(w.novelty),
            )
        })
        .collect::<Result<Vec<_>, TimelineError>>()?;
    Timeline::from_windows(
        timeline.labels.clone(),
        timeline.duration,
        timeline.speech.clone(),
        windows,
        config,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bias_shared_by_a_speakers_clips_is_removed() {
        // Speaker "x" hears everything as label 2: the true order (0, 1) shows once the
        // shared lean is removed; speaker "y"'s clips are adapted on their own.
        let mut p = vec![
            vec![0.30, 0.10, 0.60],
            vec![0.10, 0.30, 0.60],
            vec![0.50, 0.25, 0.25],
            vec![0.25, 0.50, 0.25],
        ];
        adapt_to_speakers(&mut p, &["x", "x", "y", "y"]).unwrap();
        let argmax = |v: &[f32]| (0..v.len()).fold(0, |b, i| if v[i] > v[b] { i } else { b });
        assert_eq!(
            p.iter().map(|v| argmax(v)).collect::<Vec<_>>(),
            [0, 1, 0, 1]
        );
        for v in &p {
            assert!((v.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        }
        // The label every clip of "x" leaned to no longer wins either clip.
        assert!(p[0][2] < p[0][0] && p[1][2] < p[1][1]);
    }

    #[test]
    fn predictions_follow_their_adapted_probabilities_and_keep_their_novelty() {
        let labels = ["calm", "sad", "angry"];
        let prediction = |p: [f32; 3], novelty: f32| {
            let best = emovox_metrics::argmax(&p);
            Prediction {
                label: labels[best].to_string(),
                confidence: p[best],
                probabilities: labels.iter().map(|l| l.to_string()).zip(p).collect(),
                novelty: Some(novelty),
                unfamiliar: novelty > 3.0,
            }
        };
        let rows = [[0.30, 0.10, 0.60], [0.10, 0.30, 0.60], [0.50, 0.25, 0.25]];
        let mut predictions: Vec<Prediction> = rows
            .iter()
            .zip([1.0, 4.0, 2.0])
            .map(|(p, n)| prediction(*p, n))
            .collect();
        let speakers = ["x", "x", "y"];
        adapt_predictions(&mut predictions, &speakers).unwrap();
        let mut expected: Vec<Vec<f32>> = rows.iter().map(|r| r.to_vec()).collect();
        adapt_to_speakers(&mut expected, &speakers).unwrap();
        for (p, q) in predictions.iter().zip(&expected) {
            let probabilities: Vec<f32> = p.probabilities.iter().map(|&(_, v)| v).collect();
            assert_eq!(&probabilities, q);
            let best = emovox_metrics::argmax(q);
            assert_eq!((p.label.as_str(), p.confidence), (labels[best], q[best]));
        }
        // Both of "x"'s clips leaned to `angry`; adapted, they are `calm` and `sad`.
        let adapted: Vec<&str> = predictions.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(adapted, ["calm", "sad", "calm"]);
        let novelty: Vec<(Option<f32>, bool)> = predictions
            .iter()
            .map(|p| (p.novelty, p.unfamiliar))
            .collect();
        assert_eq!(
            novelty,
            [(Some(1.0), false), (Some(4.0), true), (Some(2.0), false)]
        );
        let before = predictions.clone();
        let err = adapt_predictions(&mut predictions, &["x"]).unwrap_err();
        assert_eq!(
            err,
            AdaptationError::SpeakerCount {
                clips: 3,
                speakers: 1
            }
        );
        assert_eq!(predictions, before);
    }

    #[test]
    fn a_timeline_is_relabelled_against_its_own_windows_and_smoothed_again() {
        use crate::timeline::SpeechRegion;
        let labels: Vec<String> = ["calm", "sad", "angry"].map(String::from).to_vec();
        // Every window leans to `sad`; underneath, the first half is calmer, the second angrier.
        let lean = |i: usize| {
            if i < 4 {
                vec![0.35, 0.5, 0.15]
            } else {
                vec![0.15, 0.5, 0.35]
            }
        };
        let windows: Vec<Segment> = (0..8)
            .map(|i| {
                let start = 0.5 * i as f64;
                Segment::from_probabilities(start, start + 2.0, lean(i), &labels).unwrap()
            })
            .collect();
        let config = SegmentConfig::default();
        let speech = vec![SpeechRegion {
            start: 0.0,
            end: 5.5,
        }];
        let timeline =
            Timeline::from_windows(labels.clone(), 6.0, speech, windows, &config).unwrap();
        assert!(timeline.smoothed.iter().all(|s| s.label == "sad"));
        let adapted = adapt_timeline(&timeline, &config).unwrap();
        let window_labels: Vec<&str> = adapted.windows.iter().map(|w| w.label.as_str()).collect();
        assert_eq!(
            window_labels,
            ["calm"; 4]
                .iter()
                .chain(&["angry"; 4])
                .copied()
                .collect::<Vec<_>>()
        );
        let mut expected: Vec<Vec<f32>> = (0..8).map(lean).collect();
        adapt_to_speakers(&mut expected, &[0; 8]).unwrap();
        for (window, p) in adapted.windows.iter().zip(&expected) {
            assert_eq!(&window.probabilities, p);
        }
        assert_eq!(
            adapted,
            Timeline::from_windows(
                labels,
                6.0,
                timeline.speech.clone(),
                adapted.windows.clone(),
                &config
            )
            .unwrap()
        );
        assert_eq!(adapted.smoothed.first().unwrap().label, "calm");
        assert_eq!(adapted.smoothed.last().unwrap().label, "angry");
    }

    #[test]
    fn identical_clips_become_uniform_and_single_clips_stay() {
        let mut p = vec![vec![0.9, 0.1], vec![0.9, 0.1], vec![0.0, 1.0]];
        adapt_to_speakers(&mut p, &[1, 1, 2]).unwrap();
        for v in &p[..2] {
            assert!(
                (v[0] - 0.5).abs() < 1e-6 && (v[1] - 0.5).abs() < 1e-6,
                "{v:?}"
            );
        }
        assert_eq!(p[2], vec![0.0, 1.0]);
    }

    #[test]
    fn bad_input_is_an_error_and_changes_nothing() {
        let clean = vec![vec![0.9, 0.1], vec![0.5, 0.5], vec![0.2, 0.8]];
        // (probabilities, speakers, the error)
        type Case = (Vec<Vec<f32>>, &'static [u8], AdaptationError);
        let cases: [Case; 4] = [
            (
                clean.clone(),
                &[1, 2],
                AdaptationError::SpeakerCount {
                    clips: 3,
                    speakers: 2,
                },
            ),
            (
                vec![vec![0.9, 0.1], vec![0.5, 0.25, 0.25], vec![0.2, 0.8]],
                &[1, 1, 2],
                AdaptationError::LabelCount {
                    clip: 1,
                    got: 3,
                    first: 0,
                    expected: 2,
                },
            ),
            (
                vec![vec![0.9, 0.1], vec![f32::INFINITY, 0.5], vec![0.2, 0.8]],
                &[1, 1, 2],
                AdaptationError::BadProbability { clip: 1 },
            ),
            (
                vec![vec![0.9, 0.1], vec![0.5, 0.5], vec![-0.2, 1.2]],
                &[1, 1, 2],
                AdaptationError::BadProbability { clip: 2 },
            ),
        ];
        for (mut p, speakers, expected) in cases {
            let before = p.clone();
            assert_eq!(adapt_to_speakers(&mut p, speakers), Err(expected));
            assert_eq!(p, before);
        }
    }

    #[test]
    fn a_timeline_with_a_window_of_infinite_probability_is_an_error() {
        let labels: Vec<String> = ["calm", "sad"].map(String::from).to_vec();
        let config = SegmentConfig::default();
        let window = |start: f64| {
            Segment::from_probabilities(start, start + 2.0, vec![0.5, 0.5], &labels).unwrap()
        };
        let mut timeline = Timeline::from_windows(
            labels.clone(),
            3.0,
            Vec::new(),
            vec![window(0.0), window(0.5)],
            &config,
        )
        .unwrap();
        timeline.windows[1].probabilities[0] = f32::INFINITY;
        assert!(matches!(
            adapt_timeline(&timeline, &config),
            Err(TimelineError::Adaptation(AdaptationError::BadProbability {
                clip: 1
            }))
        ));
    }
}
