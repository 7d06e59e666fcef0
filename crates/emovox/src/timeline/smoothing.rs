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
/// let smoothed = smooth(&windows, 0.5, &SmoothingConfig { majority_width: 3, ..Default::default() })?;
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

/// Gives each sliver among time-ordered, non-overlapping `segments` (as [`clip_to_speech`]
/// returns them) to its longer neighbour, so that no segment shorter than `min_seconds` touches
/// another.
///
/// Segments touch when one ends where the next starts: pieces of one speech region. Within
/// each touching group, the shortest piece under `min_seconds` is removed and its time added to
/// the longer of the pieces beside it, whose label, probabilities and novelty stay its own; if
/// that leaves two pieces of the same label side by side, they become one, their probabilities
/// and novelty averaged weighted by duration. This repeats until every piece of the group is
/// at least `min_seconds` long or the group is one piece: a speech region shorter than
/// `min_seconds` stays a segment of its own, and segments that do not touch are never joined.
/// `min_seconds` 0 returns `segments` as they are.
///
/// ```
/// use emovox::timeline::{absorb_slivers, Segment};
///
/// let labels = ["calm".to_string(), "sad".to_string()];
/// let piece = |start: f64, end: f64, p: f32| Segment::from_probabilities(start, end, vec![p, 1.0 - p], &labels);
/// // A region's first 10 ms fell in a `sad` segment, the rest in a `calm` one.
/// let pieces = vec![piece(14.24, 14.25, 0.4)?, piece(14.25, 16.16, 0.85)?, piece(17.0, 17.1, 0.2)?];
/// let timeline = absorb_slivers(&pieces, 0.25);
/// assert_eq!(timeline.len(), 2);
/// assert_eq!((timeline[0].label.as_str(), timeline[0].start, timeline[0].end), ("calm", 14.24, 16.16));
/// assert_eq!(timeline[1], pieces[2]); // a short region of its own is kept
/// # Ok::<(), emovox::timeline::TimelineError>(())
/// ```
pub fn absorb_slivers(segments: &[Segment], min_seconds: f64) -> Vec<Segment> {
    let mut out = Vec::with_capacity(segments.len());
    let mut group: Vec<Segment> = Vec::new();
    for segment in segments {
        if group.last().is_some_and(|last| last.end != segment.start) {
            absorb_in_group(&mut group, min_seconds);
            out.append(&mut group);
        }
        group.push(segment.clone());
    }
    absorb_in_group(&mut group, min_seconds);
    out.append(&mut group);
    out
}

/// [`absorb_slivers`] within one group of touching pieces.
fn absorb_in_group(group: &mut Vec<Segment>, min_seconds: f64) {
    while group.len() > 1 {
        let (i, shortest) = group
            .iter()
            .enumerate()
            .min_by(|(_, a), (_, b)| a.duration().total_cmp(&b.duration()))
            .expect("a group of two pieces or more");
        if shortest.duration() >= min_seconds {
            return;
        }
        let longer_right =
            i + 1 < group.len() && (i == 0 || group[i + 1].duration() > group[i - 1].duration());
        let sliver = group.remove(i);
        let keeper = if longer_right { i } else { i - 1 };
        group[keeper].start = group[keeper].start.min(sliver.start);
        group[keeper].end = group[keeper].end.max(sliver.end);
        // The sliver stood between two pieces of one label: they now meet.
        let (left, right) = if longer_right {
            (keeper.checked_sub(1), keeper)
        } else {
            (Some(keeper), keeper + 1)
        };
        if let Some(left) = left {
            if right < group.len() && group[left].label_index == group[right].label_index {
                let right = group.remove(right);
                group[left] = join_same_label(&group[left], &right);
            }
        }
    }
}

/// One segment from two touching ones of the same label: probabilities and novelty averaged
/// weighted by duration.
fn join_same_label(left: &Segment, right: &Segment) -> Segment {
    let (a, b) = (left.duration(), right.duration());
    // Two empty pieces (only from a caller's own segments) weigh the same.
    let wa = if a + b > 0.0 {
        (a / (a + b)) as f32
    } else {
        0.5
    };
    let wb = 1.0 - wa;
    let probabilities: Vec<f32> = left
        .probabilities
        .iter()
        .zip(&right.probabilities)
        .map(|(p, q)| wa * p + wb * q)
        .collect();
    Segment {
        start: left.start,
        end: right.end,
        label_index: left.label_index,
        label: left.label.clone(),
        confidence: probabilities[left.label_index],
        novelty: left
            .novelty
            .zip(right.novelty)
            .map(|(p, q)| wa * p + wb * q),
        probabilities,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELS: [&str; 2] = ["calm", "sad"];

    fn piece(start: f64, end: f64, calm: f32, novelty: f32) -> Segment {
        let labels = LABELS.map(String::from);
        Segment::from_probabilities(start, end, vec![calm, 1.0 - calm], &labels)
            .unwrap()
            .with_novelty(Some(novelty))
    }

    #[test]
    fn a_sliver_at_either_end_of_a_region_goes_to_its_neighbour() {
        let pieces = [
            piece(1.0, 1.01, 0.3, 5.0),
            piece(1.01, 3.0, 0.8, 1.0),
            piece(3.0, 3.03, 0.1, 5.0),
        ];
        let out = absorb_slivers(&pieces, 0.25);
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].start, out[0].end), (1.0, 3.03));
        assert_eq!(out[0].probabilities, pieces[1].probabilities);
        assert_eq!(out[0].novelty, Some(1.0));
    }

    #[test]
    fn the_longer_neighbour_takes_a_sliver_between_two() {
        let pieces = [
            piece(0.0, 0.5, 0.9, 1.0),
            piece(0.5, 0.6, 0.2, 1.0),
            piece(0.6, 2.0, 0.1, 1.0),
        ];
        let out = absorb_slivers(&pieces, 0.25);
        assert_eq!(out.len(), 2);
        assert_eq!(
            (out[0].start, out[0].end, out[0].label.as_str()),
            (0.0, 0.5, "calm")
        );
        assert_eq!(
            (out[1].start, out[1].end, out[1].label.as_str()),
            (0.5, 2.0, "sad")
        );
        assert_eq!(out[1].probabilities, pieces[2].probabilities);
    }

    #[test]
    fn pieces_of_one_label_that_a_sliver_separated_become_one() {
        let pieces = [
            piece(0.0, 1.0, 0.9, 1.0),
            piece(1.0, 1.1, 0.2, 9.0),
            piece(1.1, 1.5, 0.7, 3.0),
        ];
        let out = absorb_slivers(&pieces, 0.25);
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].start, out[0].end, out[0].label.as_str()),
            (0.0, 1.5, "calm")
        );
        // Weighted by duration: 1.1 s of the first (sliver included), 0.4 s of the last.
        let calm = (1.1 * 0.9 + 0.4 * 0.7) / 1.5;
        assert!((out[0].probabilities[0] - calm).abs() < 1e-6);
        assert_eq!(out[0].confidence, out[0].probabilities[0]);
        let novelty = (1.1 * 1.0 + 0.4 * 3.0) / 1.5;
        assert!((out[0].novelty.unwrap() - novelty).abs() < 1e-5);
    }

    #[test]
    fn short_regions_stay_and_regions_are_never_joined() {
        let pieces = [
            piece(0.0, 0.1, 0.9, 1.0),
            piece(0.2, 0.3, 0.1, 1.0),
            piece(0.3, 0.4, 0.6, 1.0),
            piece(0.4, 0.42, 0.1, 1.0),
        ];
        let out = absorb_slivers(&pieces, 0.25);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0], pieces[0]);
        // The second region's three short pieces end as one, the slivers given away in turn.
        assert_eq!((out[1].start, out[1].end), (0.2, 0.42));
    }

    #[test]
    fn no_minimum_keeps_every_piece() {
        let pieces = [piece(1.0, 1.01, 0.3, 1.0), piece(1.01, 3.0, 0.8, 1.0)];
        assert_eq!(absorb_slivers(&pieces, 0.0), pieces.to_vec());
        assert!(absorb_slivers(&[], 0.25).is_empty());
    }
}
