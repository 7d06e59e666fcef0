//! `librosa.power_to_db` with a fast, vectorisable logarithm.

/// Smallest power considered (librosa's `amin`).
pub(crate) const AMIN: f32 = 1e-10;

/// `log10(x)` for positive, normal `x`, to about 1e-7 absolute: exponent from the bits, and the
/// mantissa's logarithm from an odd series in `(m - 1) / (m + 1)` with m in [0.707, 1.414].
/// Written without branches on data so the compiler vectorises loops over it.
#[inline(always)]
pub fn fast_log10(x: f32) -> f32 {
    const LOG10_2: f32 = std::f32::consts::LOG10_2;
    const LOG10_E: f32 = std::f32::consts::LOG10_E;
    let bits = x.to_bits();
    // Re-centre the mantissa on [sqrt(1/2), sqrt(2)) to keep the series argument small.
    let shifted = bits.wrapping_add(0x3f80_0000 - 0x3f35_04f3);
    let exponent = ((shifted >> 23) as i32 - 0x7f) as f32;
    let mantissa = f32::from_bits((shifted & 0x007f_ffff) + 0x3f35_04f3);
    let t = (mantissa - 1.0) / (mantissa + 1.0);
    let t2 = t * t;
    let series =
        t * (2.0 + t2 * (2.0 / 3.0 + t2 * (2.0 / 5.0 + t2 * (2.0 / 7.0 + t2 * (2.0 / 9.0)))));
    exponent * LOG10_2 + series * LOG10_E
}

/// Converts power values to dB in place, `10 log10(max(x, amin))` (ref 1.0); the clip-wide
/// `top_db` floor follows over the whole clip ([`max_of`], [`apply_top_db`]).
#[inline(always)]
pub(crate) fn power_to_db_in_place(values: &mut [f32]) {
    // Free of loop-carried float dependencies, so it vectorises.
    for v in values.iter_mut() {
        let clamped = if *v > AMIN { *v } else { AMIN };
        *v = 10.0 * fast_log10(clamped);
    }
}

/// The largest value, with eight independent running maxima.
#[inline(always)]
pub(crate) fn max_of(values: &[f32]) -> f32 {
    let chunks = values.chunks_exact(8);
    let mut lanes = [f32::NEG_INFINITY; 8];
    let tail = chunks
        .remainder()
        .iter()
        .fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m });
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane = if v > *lane { v } else { *lane };
        }
    }
    lanes.iter().fold(tail, |m, &v| if v > m { v } else { m })
}

/// Raises every dB value to at least `max_db - top_db`, as librosa's `top_db` does.
#[inline(always)]
pub(crate) fn apply_top_db(values: &mut [f32], max_db: f32, top_db: f32) {
    let floor = max_db - top_db;
    values
        .iter_mut()
        .for_each(|v| *v = if *v > floor { *v } else { floor });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_log10_matches_std_over_the_range_power_takes() {
        let mut worst = 0.0f32;
        let mut x = AMIN;
        while x < 1e12 {
            worst = worst.max((fast_log10(x) - x.log10()).abs());
            x *= 1.001_37;
        }
        assert!(worst < 1e-6, "worst absolute error {worst}");
    }

    #[test]
    fn db_and_floor_follow_librosa() {
        let mut v = vec![1.0, 0.0, 100.0, 1e-12];
        power_to_db_in_place(&mut v);
        let max = max_of(&v);
        assert!((max - 20.0).abs() < 1e-5);
        assert!((v[0]).abs() < 1e-6);
        assert!((v[1] + 100.0).abs() < 1e-4);
        apply_top_db(&mut v, max, 80.0);
        assert!((v[1] - (max - 80.0)).abs() < 1e-6);
        assert_eq!(v[3], v[1]);
    }
}
