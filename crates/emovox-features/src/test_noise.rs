//! Seeded noise for the unit tests: a linear congruential generator, reproducible on every
//! platform and without a dependency.

/// `len` values uniform in [-0.5, 0.5) from `seed`.
pub(crate) fn uniform_noise(len: usize, seed: u32) -> Vec<f32> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        })
        .collect()
}
