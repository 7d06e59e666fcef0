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
//! adapt_to_speakers(&mut probabilities, &["a", "a", "b"]);
//! assert!(probabilities[0][0] > 0.5 && probabilities[1][0] < 0.5);
//! assert_eq!(probabilities[2], vec![0.2, 0.8]);
//! ```

use std::collections::HashMap;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::timeline::{Segment, SegmentConfig, Timeline};

/// Probabilities below this are taken as this before the logarithm.
const FLOOR: f32 = 1e-7;

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
/// # Panics
/// When `speakers` and `probabilities` differ in length, or the clips of one speaker have
/// different numbers of labels (both programming errors: a classifier gives every clip its
/// labels).
pub fn adapt_to_speakers<K: Eq + Hash>(probabilities: &mut [Vec<f32>], speakers: &[K]) {
    assert_eq!(probabilities.len(), speakers.len(), "one speaker per clip");
    let mut members: HashMap<&K, Vec<usize>> = HashMap::new();
    for (i, speaker) in speakers.iter().enumerate() {
        members.entry(speaker).or_default().push(i);
    }
    for clips in members.values().filter(|clips| clips.len() > 1) {
        let labels = probabilities[clips[0]].len();
        let mut mean = vec![0.0f64; labels];
        for &i in clips {
            assert_eq!(
                probabilities[i].len(),
                labels,
                "clips of one speaker share labels"
            );
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
}

/// The timeline of one recording with its windows adapted to the recording (one speaker):
/// [`adapt_to_speakers`] over all its window predictions as one group, each window relabelled,
/// then smoothed and cut to speech again as [`Timeline::from_windows`] does with `config` (the
/// configuration the timeline was computed with). What is left is each stretch's emotion
/// relative to the recording's usual, under the same assumption: the recording holds several
/// emotions.
pub fn adapt_timeline(timeline: &Timeline, config: &SegmentConfig) -> Timeline {
    let mut probabilities: Vec<Vec<f32>> = timeline
        .windows
        .iter()
        .map(|w| w.probabilities.clone())
        .collect();
    let one_speaker = vec![(); probabilities.len()];
    adapt_to_speakers(&mut probabilities, &one_speaker);
    let windows = timeline
        .windows
        .iter()
        .zip(probabilities)
        .map(|(w, p)| {
            Segment::from_probabilities(w.start, w.end, p, &timeline.labels)
                .expect("adapted probabilities are finite, one per label")
                .with_novelty(w.novelty)
        })
        .collect();
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
        adapt_to_speakers(&mut p, &["x", "x", "y", "y"]);
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
        let timeline = Timeline::from_windows(labels.clone(), 6.0, speech, windows, &config);
        assert!(timeline.smoothed.iter().all(|s| s.label == "sad"));
        let adapted = adapt_timeline(&timeline, &config);
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
        adapt_to_speakers(&mut expected, &[0; 8]);
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
        );
        assert_eq!(adapted.smoothed.first().unwrap().label, "calm");
        assert_eq!(adapted.smoothed.last().unwrap().label, "angry");
    }

    #[test]
    fn identical_clips_become_uniform_and_single_clips_stay() {
        let mut p = vec![vec![0.9, 0.1], vec![0.9, 0.1], vec![0.0, 1.0]];
        adapt_to_speakers(&mut p, &[1, 1, 2]);
        for v in &p[..2] {
            assert!(
                (v[0] - 0.5).abs() < 1e-6 && (v[1] - 0.5).abs() < 1e-6,
                "{v:?}"
            );
        }
        assert_eq!(p[2], vec![0.0, 1.0]);
    }
}
