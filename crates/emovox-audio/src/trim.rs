//! Leading and trailing silence, found as `librosa.effects.trim` finds it.

/// Frame length of the RMS analysis, in samples (librosa's default).
pub const TRIM_FRAME_LENGTH: usize = 2048;
/// Hop of the RMS analysis, in samples (librosa's default).
pub const TRIM_HOP_LENGTH: usize = 512;

/// The range of `samples` left after trimming leading and trailing frames quieter than `top_db`
/// below the loudest frame, as `librosa.effects.trim(y, top_db=top_db)` returns it (centred RMS
/// frames of 2048 samples every 512). An empty signal gives an empty range; an all-zero signal
/// is kept whole, as librosa keeps it.
pub fn trim_silence(samples: &[f32], top_db: f32) -> std::ops::Range<usize> {
    if samples.is_empty() {
        return 0..0;
    }
    let half = TRIM_FRAME_LENGTH as isize / 2;
    let frames = 1 + samples.len() / TRIM_HOP_LENGTH;
    // Mean square of each centred, zero-padded frame.
    let ranges = (0..frames).map(|t| {
        let start = (t * TRIM_HOP_LENGTH) as isize - half;
        let lo = start.clamp(0, samples.len() as isize) as usize;
        let hi = (start + TRIM_FRAME_LENGTH as isize).clamp(0, samples.len() as isize) as usize;
        lo..hi
    });
    let mut mean_square = Vec::with_capacity(frames);
    crate::energy::sums_of_squares(samples, ranges, &mut mean_square);
    mean_square
        .iter_mut()
        .for_each(|sum| *sum /= TRIM_FRAME_LENGTH as f64);
    // amplitude_to_db(rms, ref=max, amin=1e-5) > -top_db, i.e. in power terms:
    let amin_power = 1e-10f64;
    let reference = mean_square
        .iter()
        .cloned()
        .fold(0.0, f64::max)
        .max(amin_power);
    let loud = |ms: f64| 10.0 * (ms.max(amin_power) / reference).log10() > -(top_db as f64);
    match (
        mean_square.iter().position(|&m| loud(m)),
        mean_square.iter().rposition(|&m| loud(m)),
    ) {
        (Some(first), Some(last)) => {
            (first * TRIM_HOP_LENGTH)..((last + 1) * TRIM_HOP_LENGTH).min(samples.len())
        }
        _ => 0..0,
    }
}
