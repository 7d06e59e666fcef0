//! From overlapping window predictions to a non-overlapping, smoothed timeline.

use super::{Segment, SmoothingConfig, SpeechRegion, TimelineError};

/// Smooths window predictions (in time order, as in [`Timeline::windows`](super::Timeline::windows))
/// into non-overlapping segments.
///
/// 1. Windows are grouped into *runs* of consecutive windows (starts at most 1.5 hops apart);
///    windows skipped for lack of speech split runs, and segments never bridge such gaps.
/// 2. Within a run, each window's label is replaced by the majority label of the
///    `majority_width` windows centred on it (windows near the run edges use the neighbours
///    that exist; on ties the window keeps its own label). This removes isolated flips.
/// 3. Each window owns the stretch between the midpoints of its centre and its neighbours'
///    centres (its whole extent at run edges), so owned stretches tile the run.
/// 4. Neighbouring stretches with the same label are merged; a merged segment's probabilities
///    are the mean over its windows and its confidence is the mean probability of its label.
///
/// Errors ([`TimelineError::InvalidWindow`]): a window whose probabilities are not finite or
/// not as many as the first window's, or whose label index is not one of them.
///
/// ```
/// use emovox::timeline::{smooth, Segment, SmoothingConfig};
///
/// let labels = ["calm".to_string(), "angry".to_string()];
/// let window = |start: f64, p: f32| Segment::from_probabilities(start, start + 2.0, vec![p, 1.0 - p], &labels);
/// let windows = vec![window(0.0, 0.9)?, window(0.5, 0.8)?, window(1.0, 0.2)?, window(1.5, 0.9)?, window(2.0, 0.7)?];
/// let smoothed = smooth(&windows, 0.5, &SmoothingConfig { majority_width: 3 })?;
/// assert_eq!(smoothed.len(), 1); // the isolated "angry" window is outvoted
/// assert_eq!((smoothed[0].label.as_str(), smoothed[0].start, smoothed[0].end), ("calm", 0.0, 4.0));
/// # Ok::<(), emovox::timeline::TimelineError>(())
/// ```
pub fn smooth(
    windows: &[Segment],
    hop_seconds: f64,
    config: &SmoothingConfig,
) -> Result<Vec<Segment>, TimelineError> {
    let labels = windows.first().map_or(0, |w| w.probabilities.len());
    check_windows(windows, labels)?;
    let mut out = Vec::new();
    let mut run_start = 0;
    for i in 1..=windows.len() {
        let split =
            i == windows.len() || windows[i].start - windows[i - 1].start > 1.5 * hop_seconds;
        if split {
            smooth_run(&windows[run_start..i], config.majority_width, &mut out);
            run_start = i;
        }
    }
    Ok(out)
}

/// Checks that every window has `labels` finite probabilities and a label index among them.
pub(crate) fn check_windows(windows: &[Segment], labels: usize) -> Result<(), TimelineError> {
    for (window, segment) in windows.iter().enumerate() {
        let problem = if segment.probabilities.len() != labels {
            "its probabilities are not one per label"
        } else if segment.label_index >= labels {
            "its label index is not one of the labels"
        } else if segment.probabilities.iter().any(|p| !p.is_finite()) {
            "a probability is not finite"
        } else {
            continue;
        };
        return Err(TimelineError::InvalidWindow {
            window,
            labels,
            problem,
        });
    }
    Ok(())
}

/// Majority label of `labels` (indices) around `centre`, keeping the centre's label on ties.
fn majority(labels: &[usize], centre: usize, width: usize) -> usize {
    let half = width / 2;
    let neighbourhood = &labels[centre.saturating_sub(half)..(centre + half + 1).min(labels.len())];
    let count = |label: usize| neighbourhood.iter().filter(|&&l| l == label).count();
    let mut best = labels[centre];
    for &candidate in neighbourhood {
        if count(candidate) > count(best) {
            best = candidate;
        }
    }
    best
}

fn centre(segment: &Segment) -> f64 {
    0.5 * (segment.start + segment.end)
}

/// Smooths one run of consecutive windows, appending merged segments to `out`.
fn smooth_run(run: &[Segment], width: usize, out: &mut Vec<Segment>) {
    let raw: Vec<usize> = run.iter().map(|w| w.label_index).collect();
    let mut merged: Option<(Segment, usize)> = None; // (segment being built, windows in it)
    for (i, window) in run.iter().enumerate() {
        let label = majority(&raw, i, width);
        let start = if i == 0 {
            window.start
        } else {
            0.5 * (centre(&run[i - 1]) + centre(window))
        };
        let end = if i + 1 == run.len() {
            window.end
        } else {
            0.5 * (centre(window) + centre(&run[i + 1]))
        };
        match &mut merged {
            Some((segment, count)) if segment.label_index == label => {
                segment.end = end;
                for (sum, p) in segment.probabilities.iter_mut().zip(&window.probabilities) {
                    *sum += p;
                }
                segment.novelty = segment.novelty.zip(window.novelty).map(|(a, b)| a + b);
                *count += 1;
            }
            _ => {
                out.extend(merged.take().map(finish_merge));
                let label_name = if label == window.label_index {
                    window.label.clone()
                } else {
                    run[raw
                        .iter()
                        .position(|&l| l == label)
                        .expect("majority label comes from the run")]
                    .label
                    .clone()
                };
                let segment = Segment {
                    start,
                    end,
                    label_index: label,
                    label: label_name,
                    confidence: 0.0,
                    probabilities: window.probabilities.clone(),
                    novelty: window.novelty,
                };
                merged = Some((segment, 1));
            }
        }
    }
    out.extend(merged.map(finish_merge));
}

/// Turns summed probabilities and novelty into means and sets the confidence.
fn finish_merge((mut segment, count): (Segment, usize)) -> Segment {
    for p in &mut segment.probabilities {
        *p /= count as f32;
    }
    segment.novelty = segment.novelty.map(|total| total / count as f32);
    segment.confidence = segment.probabilities[segment.label_index];
    segment
}

/// Restricts non-overlapping, time-ordered `segments` to the time-ordered speech `regions`:
/// each segment is cut into its overlaps with the regions, so the timeline starts and ends
/// where speech does rather than at window edges, and pauses longer than the VAD hangover
/// separate segments.
pub fn clip_to_speech(segments: &[Segment], regions: &[SpeechRegion]) -> Vec<Segment> {
    let mut out = Vec::with_capacity(segments.len());
    let mut first = 0;
    for segment in segments {
        while first < regions.len() && regions[first].end <= segment.start {
            first += 1;
        }
        for region in regions[first..]
            .iter()
            .take_while(|r| r.start < segment.end)
        {
            let (start, end) = (segment.start.max(region.start), segment.end.min(region.end));
            if end > start {
                out.push(Segment {
                    start,
                    end,
                    ..segment.clone()
                });
            }
        }
    }
    out
}
