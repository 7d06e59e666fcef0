//! Test signals and held-out clips shared by the invariance tests of the facade crate.

// Each test crate includes this module and uses some of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A voiced, vowel-like signal at `rate` Hz: harmonics of a gliding F0 under a syllable
/// envelope, with a little noise, at `level` peak amplitude.
pub fn synthetic_speech(seconds: f32, f0: f32, level: f32, seed: u32, rate: u32) -> Vec<f32> {
    let n = (seconds * rate as f32) as usize;
    let mut state = seed;
    let mut phase = 0.0f32;
    (0..n)
        .map(|i| {
            let t = i as f32 / rate as f32;
            let f = f0 * (1.0 + 0.15 * (std::f32::consts::TAU * 0.7 * t).sin());
            phase += std::f32::consts::TAU * f / rate as f32;
            let harmonics: f32 = (1..=12).map(|h| (h as f32 * phase).sin() / h as f32).sum();
            let syllables = (std::f32::consts::TAU * 3.0 * t).sin().max(0.0);
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
            level * (0.5 * syllables * harmonics + 0.02 * noise)
        })
        .collect()
}

/// The clips of RAVDESS actor `actor` (e.g. "19") under `root`, sorted by name.
pub fn actor_clips(root: &Path, actor: &str) -> Vec<PathBuf> {
    let dir = root.join(format!("Actor_{actor}"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}
