//! Frame energies: the sum of squares of many (overlapping) frames of a signal, in f64.

use std::ops::Range;

/// Frames summed side by side: independent accumulators, so the additions of one frame do not
/// wait for each other's latency.
const LANES: usize = 8;

/// Appends to `out` the sum of squares of `samples[range]` for each of `ranges`, each summed in
/// f64 in sample order from zero: the bits of `range.iter().map(|x| x * x).sum::<f64>()` for
/// every frame on its own. Each group of 8 consecutive frames of one length is summed
/// interleaved (the order within each frame is unchanged), which makes a latency-bound chain of
/// additions throughput-bound: about 4x faster for the level measurement's and trimming's
/// frames. Allocates nothing but `out`'s growth.
///
/// # Panics
/// If a range is out of bounds of `samples` (callers build them from its length).
pub fn sums_of_squares<I>(samples: &[f32], ranges: I, out: &mut Vec<f64>)
where
    I: IntoIterator<Item = Range<usize>>,
{
    let mut ranges = ranges.into_iter().fuse();
    loop {
        let group: [Option<Range<usize>>; LANES] = std::array::from_fn(|_| ranges.next());
        let len = group[0].as_ref().map(Range::len);
        let full = group.iter().all(|r| r.as_ref().map(Range::len) == len);
        if let (true, Some(len)) = (full, len) {
            let frames: [&[f32]; LANES] = std::array::from_fn(|k| match &group[k] {
                Some(range) => &samples[range.clone()],
                None => unreachable!("a full group has every range"),
            });
            out.extend_from_slice(&interleaved(frames, len));
        } else {
            let last = group[LANES - 1].is_none();
            out.extend(
                group
                    .into_iter()
                    .flatten()
                    .map(|r| sum_of_squares(&samples[r])),
            );
            if last {
                return;
            }
        }
    }
}

/// The sum of squares of each of `frames` (all of length `len`), in sample order.
fn interleaved(frames: [&[f32]; LANES], len: usize) -> [f64; LANES] {
    let mut sums = [0f64; LANES];
    for j in 0..len {
        for (sum, frame) in sums.iter_mut().zip(&frames) {
            let x = f64::from(frame[j]);
            *sum += x * x;
        }
    }
    sums
}

fn sum_of_squares(frame: &[f32]) -> f64 {
    frame.iter().map(|&x| f64::from(x) * f64::from(x)).sum()
}

/// A clip whose loudest 20 ms ([`loudest_level_db`]) stays below this level, in dBFS, is
/// silent: digital silence, dither or a constant, no speech to classify (`emovox::Classifier`
/// refuses to classify it, and training skips it, so a model never learns a label for it). One-step dither of 16-bit audio is
/// at about -92 dBFS; the quietest RAVDESS clip (its loudest 20 ms at -54.5 dBFS) recorded 30 dB
/// quieter is at -84.5 dBFS, and must still be classified (the level is not a cue from -30 to
/// +12 dB). The timeline's VAD takes no frame below this level for speech (its
/// `min_level_db`'s default).
pub const SILENCE_LEVEL_DB: f32 = -90.0;

/// Level in dBFS of the loudest 20 ms of a clip once its mean is removed (the mean square of
/// the clip minus its mean over consecutive 20 ms frames, the last one possibly shorter): a
/// constant offset, which carries no sound, does not make silence loud. Minus infinity for
/// digital silence or a constant.
///
/// ```
/// let tone: Vec<f32> = (0..1600).map(|i| 0.1 * (i as f32 * 0.3).sin() + 0.5).collect();
/// let db = emovox_audio::loudest_level_db(&tone, 16_000);
/// assert!((db - -23.0).abs() < 0.2, "{db}"); // 10 log10(0.1^2 / 2), the offset ignored
/// assert_eq!(emovox_audio::loudest_level_db(&[0.3; 800], 16_000), f32::NEG_INFINITY);
/// ```
pub fn loudest_level_db(samples: &[f32], sample_rate: u32) -> f32 {
    let frame = (sample_rate as usize / 50).max(1);
    let mean = samples.iter().map(|&s| f64::from(s)).sum::<f64>() / samples.len().max(1) as f64;
    let loudest = samples
        .chunks(frame)
        .map(|chunk| {
            chunk
                .iter()
                .map(|&s| (f64::from(s) - mean).powi(2))
                .sum::<f64>()
                / chunk.len() as f64
        })
        .fold(0.0f64, f64::max);
    (10.0 * loudest.log10()) as f32
}

/// Mean (in `f64`, eight partial sums) of `samples`; 0 for an empty slice.
pub fn mean(samples: &[f32]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let mut partial = [0.0f64; 8];
    let chunks = samples.chunks_exact(8);
    let tail: f64 = chunks.remainder().iter().map(|&s| f64::from(s)).sum();
    for chunk in chunks {
        for (p, &s) in partial.iter_mut().zip(chunk) {
            *p += f64::from(s);
        }
    }
    (partial.iter().sum::<f64>() + tail) / samples.len() as f64
}

/// Mean power (mean square, in `f64`) of `samples`; 0 for an empty slice.
pub fn mean_power(samples: &[f32]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    // Eight partial sums (vectorisable, and more accurate than one running sum).
    let mut partial = [0.0f64; 8];
    let chunks = samples.chunks_exact(8);
    let tail: f64 = chunks
        .remainder()
        .iter()
        .map(|&s| (s as f64) * (s as f64))
        .sum();
    for chunk in chunks {
        for (p, &s) in partial.iter_mut().zip(chunk) {
            *p += (s as f64) * (s as f64);
        }
    }
    (partial.iter().sum::<f64>() + tail) / samples.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_is_the_plain_mean_in_f64() {
        let x: Vec<f32> = (0..1_003).map(|i| (i % 17) as f32 * 0.25 - 1.0).collect();
        let expected = x.iter().map(|&s| f64::from(s)).sum::<f64>() / x.len() as f64;
        assert!((mean(&x) - expected).abs() < 1e-12);
        assert_eq!(mean(&[]), 0.0);
        assert_eq!(mean(&[0.5; 9]), 0.5);
    }

    #[test]
    fn equals_each_frame_summed_on_its_own_bit_for_bit() {
        let mut state = 3u32;
        let samples: Vec<f32> = (0..5_000)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 8) as f32 / (1u32 << 23) as f32 - 1.0
            })
            .collect();
        // Runs of equal lengths longer and shorter than LANES, overlapping, and empty frames.
        let mut ranges: Vec<Range<usize>> = (0..21).map(|t| t * 160..t * 160 + 320).collect();
        ranges.extend((0..3).map(|t| 4_000 + t * 7..4_100 + t * 9));
        ranges.extend((0..10).map(|t| t * 512..(t * 512 + 2_048).min(5_000)));
        ranges.push(10..10);
        let mut got = Vec::new();
        sums_of_squares(&samples, ranges.iter().cloned(), &mut got);
        let expected: Vec<u64> = ranges
            .iter()
            .map(|r| {
                let sum: f64 = samples[r.clone()]
                    .iter()
                    .map(|&x| (x as f64) * (x as f64))
                    .sum();
                sum.to_bits()
            })
            .collect();
        assert_eq!(
            got.iter().map(|s| s.to_bits()).collect::<Vec<_>>(),
            expected
        );
    }
}
