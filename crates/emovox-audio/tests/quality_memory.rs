//! `assess` never copies the clip: measuring ten minutes of audio holds its frame powers and
//! one FFT frame, not a second copy of the samples. Measured with a counting allocator (this
//! test binary has one test, so nothing else allocates meanwhile).

#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::peak_of;

const MIB: usize = 1 << 20;

#[test]
fn measuring_a_long_clip_holds_its_frames_not_a_copy() {
    let rate = 16_000u32;
    // Ten minutes of a buzzy vowel in bursts over faint noise: 9.6 M samples, 38 MB of f32.
    let mut state = 1u32;
    let clip: Vec<f32> = (0..600 * rate as usize)
        .map(|i| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = ((state >> 8) as f32 / (1u32 << 23) as f32 - 1.0) * 0.001;
            let t = i as f32 / rate as f32;
            let voiced = (t % 2.0) < 1.2;
            let vowel = (std::f32::consts::TAU * 140.0 * t).sin() * 0.3;
            if voiced {
                vowel + noise
            } else {
                noise
            }
        })
        .collect();
    let (quality, peak) = peak_of(|| emovox_audio::assess(&clip, rate).unwrap());
    assert!((quality.duration_s - 600.0).abs() < 1e-3, "{quality:?}");
    assert!(quality.active_speech_s > 300.0, "{quality:?}");
    // 60,000 frames: their powers and a sorted copy (0.96 MB), the FFT's buffers; no 38 MB copy.
    eprintln!("assess of 600 s at 16 kHz: peak {peak} bytes");
    assert!(peak <= 2 * MIB, "peak {peak} bytes");
}
