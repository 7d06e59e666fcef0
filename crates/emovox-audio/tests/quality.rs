//! Recording quality (`emovox_audio::quality`): each measure against signals whose answer is
//! known (clamped sines, tone bursts, the crate's seeded recording conditions on the espeak-ng
//! speech fixtures), its independence of the level, and bad input.

use std::path::Path;

use emovox_audio::degrade::{BabblePool, Condition};
use emovox_audio::quality::{
    CLIPPED_FRACTION_LIMIT, LITTLE_SPEECH_S, MAX_SNR_DB, NARROWBAND_HZ, NOISY_SNR_DB,
};
use emovox_audio::{
    assess, read_wav, resample, AudioError, QualityAnalyzer, QualityConcern, RecordingQuality,
};

const SR: u32 = 16_000;
const FIXTURES: [&str; 2] = ["kids_talking.wav", "dogs_sitting.wav"];
/// Seed of every condition applied here.
const SEED: u64 = 7;

/// A speech fixture at the workspace root (espeak-ng, 16 kHz mono 16-bit).
fn fixture(name: &str) -> Vec<f32> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/speech")
        .join(name);
    let audio = read_wav(&path).unwrap();
    assert_eq!(audio.sample_rate, SR, "{name}");
    audio.samples
}

fn apply(condition: &str, clean: &[f32], babble: Option<&BabblePool>) -> Vec<f32> {
    Condition::parse(condition)
        .unwrap()
        .apply(clean, SR, SEED, babble)
        .unwrap()
}

fn power(x: &[f32]) -> f64 {
    x.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / x.len() as f64
}

/// Mean power of the speech of a clean clip: its 25 ms frames (10 ms hop) within 40 dB of the
/// loudest one.
fn speech_power(clean: &[f32]) -> f64 {
    let frames: Vec<f64> = clean.windows(400).step_by(160).map(power).collect();
    let loudest = frames.iter().cloned().fold(0.0, f64::max);
    let speech: Vec<f64> = frames.into_iter().filter(|&p| p > loudest * 1e-4).collect();
    speech.iter().sum::<f64>() / speech.len() as f64
}

/// The speech-to-noise ratio over the speech, like [`RecordingQuality::snr_db`], of a clip a
/// noise condition made of `clean`: the noise is exactly `noisy - clean` (a `Condition`'s SNR
/// is against the whole clip's mean power, pauses included, which is 1.0-1.2 dB under the
/// speech frames' power for these fixtures).
fn true_snr_db(clean: &[f32], noisy: &[f32]) -> f64 {
    let noise: Vec<f32> = noisy.iter().zip(clean).map(|(n, c)| n - c).collect();
    10.0 * (speech_power(clean) / power(&noise)).log10()
}

fn sine(len: usize, rate: u32, hz: f32, amplitude: f32) -> Vec<f32> {
    (0..len)
        .map(|i| amplitude * (std::f32::consts::TAU * hz * i as f32 / rate as f32).sin())
        .collect()
}

#[test]
fn the_clean_fixtures_raise_no_concern() {
    for name in FIXTURES {
        let clean = fixture(name);
        let q = assess(&clean, SR).unwrap();
        assert_eq!(q.duration_s, clean.len() as f32 / SR as f32);
        // Measured: kids 1.69 s of 2.18 s, dogs 1.27 s of 1.57 s (the rest: leading and
        // trailing pauses, stop closures).
        assert!(
            q.active_speech_s > 0.6 * q.duration_s && q.active_speech_s < q.duration_s,
            "{name}: {q:?}"
        );
        assert!(q.clipped_fraction < 1e-4, "{name}: {q:?}"); // measured 0
        assert!(q.bandwidth_hz.unwrap() > 7_000.0, "{name}: {q:?}"); // measured 7781, 7812
        assert!(q.snr_db.unwrap() > 40.0, "{name}: {q:?}"); // measured 48.5, 44.9
        assert!(q.dc_offset.abs() < 0.002, "{name}: {q:?}"); // measured 0.0005, 0.0010
        assert_eq!(q.concerns(), vec![], "{name}: {q:?}");
    }
}

#[test]
fn active_speech_is_the_length_of_tone_bursts_in_noise() {
    // 0.5 s of noise alone, 1.2 s of a tone over it 40 dB louder, 0.3 s of noise, a 0.4 s tone.
    let mut state = 9u32;
    let clip: Vec<f32> = (0..38_400)
        .map(|i| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = ((state >> 8) as f32 / (1u32 << 23) as f32 - 1.0) * 0.001;
            let t = i as f32 / SR as f32;
            let on = (0.5..1.7).contains(&t) || (2.0..2.4).contains(&t);
            noise + if on { 0.1 * (t * 1_000.0).sin() } else { 0.0 }
        })
        .collect();
    let q = assess(&clip, SR).unwrap();
    assert!((q.active_speech_s - 1.6).abs() <= 0.03, "{q:?}");
    // Tone power 0.1²/2 against uniform noise of variance 0.001²/3: 41.8 dB.
    assert!((q.snr_db.unwrap() - 41.8).abs() < 1.0, "{q:?}");
}

#[test]
fn a_clamped_sine_has_the_share_of_samples_at_the_rails_clipped() {
    // A sine clamped at half its amplitude spends 1 - (2/pi) asin(0.5) = 2/3 of its time there.
    let clamped: Vec<f32> = sine(16_000, SR, 440.0, 1.0)
        .into_iter()
        .map(|s| s.clamp(-0.5, 0.5))
        .collect();
    let q = assess(&clamped, SR).unwrap();
    assert!((q.clipped_fraction - 2.0 / 3.0).abs() < 0.01, "{q:?}");
    assert!(q.concerns().contains(&QualityConcern::Clipped));
    // A 16-bit converter clips asymmetrically (+32767, -32768): both polarities still count.
    let pcm: Vec<f32> = sine(16_000, SR, 440.0, 2.0)
        .into_iter()
        .map(|s| (s * 32_768.0).round().clamp(-32_768.0, 32_767.0) / 32_768.0)
        .collect();
    let q = assess(&pcm, SR).unwrap();
    assert!((q.clipped_fraction - 2.0 / 3.0).abs() < 0.01, "{q:?}");
    // The unclamped sine peaks at single samples.
    let q = assess(&sine(16_000, SR, 440.0, 1.0), SR).unwrap();
    assert!(q.clipped_fraction < 1e-3, "{q:?}");
}

#[test]
fn clipping_conditions_are_flagged_at_any_gain_and_the_clean_clip_is_not() {
    for name in FIXTURES {
        let clean = fixture(name);
        assert!(assess(&clean, SR).unwrap().clipped_fraction < CLIPPED_FRACTION_LIMIT);
        // clipping:1 flattens only the loudest peak or two: measured 5.7e-5, 8.0e-5.
        let q = assess(&apply("clipping:1", &clean, None), SR).unwrap();
        assert!(q.clipped_fraction < CLIPPED_FRACTION_LIMIT, "{name}: {q:?}");
        // Measured: clipping:6 0.014 / 0.024, clipping:12 0.053 / 0.080.
        for (condition, at_least) in [("clipping:6", 0.01), ("clipping:12", 0.04)] {
            let clipped = apply(condition, &clean, None);
            let q = assess(&clipped, SR).unwrap();
            assert!(q.clipped_fraction > at_least, "{name} {condition}: {q:?}");
            assert!(q.concerns().contains(&QualityConcern::Clipped));
            let half: Vec<f32> = clipped.iter().map(|s| s * 0.5).collect();
            assert_eq!(
                assess(&half, SR).unwrap().clipped_fraction,
                q.clipped_fraction
            );
        }
    }
}

#[test]
fn snr_follows_white_and_pink_noise() {
    for name in FIXTURES {
        let clean = fixture(name);
        for colour in ["white", "pink"] {
            let mut previous = f32::NEG_INFINITY;
            for snr in [0, 10, 20, 30] {
                let noisy = apply(&format!("{colour}:{snr}"), &clean, None);
                let truth = true_snr_db(&clean, &noisy) as f32;
                let q = assess(&noisy, SR).unwrap();
                let estimate = q.snr_db.unwrap();
                let error = estimate - truth;
                println!("{name} {colour}:{snr}: truth {truth:.2} estimate {estimate:.2}");
                if snr == 0 {
                    // Half the speech drowns; what is left is the louder half: reads high
                    // (measured +5.0 to +5.9 dB).
                    assert!((3.0..=7.0).contains(&error), "{name} {colour}:{snr}: {q:?}");
                } else {
                    assert!(error.abs() <= 3.0, "{name} {colour}:{snr}: {q:?}");
                }
                assert!(estimate > previous + 3.0, "{name} {colour}:{snr}");
                previous = estimate;
                let noisy_flag = q.concerns().contains(&QualityConcern::Noisy);
                assert_eq!(noisy_flag, snr <= 10, "{name} {colour}:{snr}: {q:?}");
                assert_eq!(noisy_flag, estimate < NOISY_SNR_DB);
            }
        }
    }
}

#[test]
fn babble_is_estimated_poorly() {
    // Babble is speech: its dips leave the quietest frames near-clean, so the floor is
    // underestimated and the SNR reads high: what the documentation says of it.
    let clean = fixture("kids_talking.wav");
    let dogs = fixture("dogs_sitting.wav");
    let reversed: Vec<f32> = dogs.iter().rev().cloned().collect();
    let pool = BabblePool::new(vec![dogs, reversed], SR).unwrap();
    let mut estimates = Vec::new();
    for snr in [0, 10, 20, 30] {
        let noisy = apply(&format!("babble:{snr}:4"), &clean, Some(&pool));
        let truth = true_snr_db(&clean, &noisy) as f32;
        let q = assess(&noisy, SR).unwrap();
        let estimate = q.snr_db.unwrap();
        println!("babble:{snr}: truth {truth:.2} estimate {estimate:.2}");
        // Never below the truth (the floor is never overestimated), and it still rises.
        assert!(estimate >= truth, "babble:{snr}: truth {truth}, {q:?}");
        estimates.push(estimate);
    }
    assert!(estimates.windows(2).all(|w| w[1] > w[0]), "{estimates:?}");
}

#[test]
fn telephone_band_is_narrow_and_flagged() {
    for name in FIXTURES {
        let clean = fixture(name);
        let q = assess(&apply("telephone", &clean, None), SR).unwrap();
        let band = q.bandwidth_hz.unwrap();
        // Measured 3750, 3781 Hz (the 3400 Hz low-pass, then the 8 kHz channel's 4 kHz edge).
        assert!((3_000.0..=4_500.0).contains(&band), "{name}: {q:?}");
        assert!(band < NARROWBAND_HZ);
        assert_eq!(q.concerns(), vec![QualityConcern::Narrowband], "{name}");
        assert!(!assess(&clean, SR)
            .unwrap()
            .concerns()
            .contains(&QualityConcern::Narrowband));
    }
}

#[cfg(feature = "amr")]
#[test]
fn amr_band_is_narrow_and_flagged() {
    for name in FIXTURES {
        let clean = fixture(name);
        for condition in ["amr:12.2", "amr:4.75"] {
            let q = assess(&apply(condition, &clean, None), SR).unwrap();
            // Measured 3937.5 Hz (12.2) and 3875 Hz (4.75) on both fixtures.
            let band = q.bandwidth_hz.unwrap();
            assert!(
                (3_000.0..=4_500.0).contains(&band),
                "{name} {condition}: {q:?}"
            );
            assert!(band < NARROWBAND_HZ);
            assert_eq!(q.concerns(), vec![QualityConcern::Narrowband]);
        }
    }
}

/// `a` and `b` equal within float rounding where the level cannot matter.
fn assert_same_quality(a: &RecordingQuality, b: &RecordingQuality, what: &str) {
    assert_eq!(a.duration_s, b.duration_s, "{what}");
    assert!(
        (a.active_speech_s - b.active_speech_s).abs() <= 0.010001,
        "{what}"
    );
    assert_eq!(a.clipped_fraction, b.clipped_fraction, "{what}");
    assert!(
        (a.snr_db.unwrap() - b.snr_db.unwrap()).abs() < 0.01,
        "{what}"
    );
    // One FFT bin: 31.25 Hz.
    assert!(
        (a.bandwidth_hz.unwrap() - b.bandwidth_hz.unwrap()).abs() <= 31.25,
        "{what}"
    );
    assert!((a.dc_offset - b.dc_offset).abs() < 1e-5, "{what}");
    assert_eq!(a.concerns(), b.concerns(), "{what}");
}

#[test]
fn no_measure_depends_on_the_level() {
    for name in FIXTURES {
        let clean = fixture(name);
        let noisy = apply("pink:20", &clean, None);
        for base in [clean, noisy] {
            let reference = assess(&base, SR).unwrap();
            for gain in [-30, -20, -10, 6, 12] {
                let q = assess(&apply(&format!("gain:{gain}"), &base, None), SR).unwrap();
                assert_same_quality(&q, &reference, &format!("{name} gain:{gain}"));
            }
        }
    }
}

#[test]
fn a_dc_offset_is_measured_and_changes_nothing_else() {
    for name in FIXTURES {
        let clean = fixture(name);
        let reference = assess(&clean, SR).unwrap();
        // Half the RMS added: measured 0.059 and 0.071 of the peak.
        let q = assess(&apply("offset:-6", &clean, None), SR).unwrap();
        assert!(q.dc_offset > 0.04, "{name}: {q:?}");
        // Not a concern: the models remove each clip's mean.
        assert_eq!(q.concerns(), vec![], "{name}");
        assert!((q.snr_db.unwrap() - reference.snr_db.unwrap()).abs() < 0.01);
        assert_eq!(q.bandwidth_hz, reference.bandwidth_hz);
        assert_eq!(q.active_speech_s, reference.active_speech_s);
        // 3 % of the RMS: measured 0.004 and 0.006 of the peak, under the limit.
        let q = assess(&apply("offset:-30", &clean, None), SR).unwrap();
        assert!(q.dc_offset > 0.002 && q.dc_offset < 0.01, "{name}: {q:?}");
        // Negative offsets are negative.
        let negative: Vec<f32> = clean.iter().map(|s| s - 0.05).collect();
        assert!(assess(&negative, SR).unwrap().dc_offset < -0.01);
    }
}

#[test]
fn bad_input_is_a_typed_error() {
    assert!(matches!(assess(&[], SR), Err(AudioError::NoSamples)));
    let mut clip = sine(1_000, SR, 200.0, 0.5);
    clip[5] = f32::NAN;
    assert!(matches!(
        assess(&clip, SR),
        Err(AudioError::NonFiniteSample { index: 5 })
    ));
    clip[5] = 0.0;
    clip[700] = f32::NEG_INFINITY;
    assert!(matches!(
        assess(&clip, SR),
        Err(AudioError::NonFiniteSample { index: 700 })
    ));
    for rate in [0, 999, 768_001] {
        assert!(matches!(
            assess(&[0.1; 100], rate),
            Err(AudioError::SampleRate(r)) if r == rate
        ));
        assert!(QualityAnalyzer::new(rate).is_err());
    }
}

#[test]
fn silence_constants_and_tiny_clips_are_measured_without_panic() {
    let silence = assess(&vec![0.0; SR as usize], SR).unwrap();
    assert_eq!(
        silence,
        RecordingQuality {
            duration_s: 1.0,
            active_speech_s: 0.0,
            clipped_fraction: 0.0,
            snr_db: None,
            bandwidth_hz: None,
            dc_offset: 0.0,
        }
    );
    assert_eq!(silence.concerns(), vec![QualityConcern::LittleSpeech]);
    // A constant is all DC and nothing else: not clipping, no speech.
    let constant = assess(&vec![-0.3; SR as usize], SR).unwrap();
    assert_eq!(constant.clipped_fraction, 0.0);
    assert_eq!(constant.dc_offset, -1.0);
    assert_eq!(constant.snr_db, None);
    assert_eq!(constant.concerns(), vec![QualityConcern::LittleSpeech]);
    // A steady tone has no pause to see a floor in: it is all floor, no speech.
    let tone = assess(&sine(16_000, SR, 300.0, 0.5), SR).unwrap();
    assert_eq!((tone.snr_db, tone.active_speech_s), (None, 0.0), "{tone:?}");
    // Shorter than one frame, one sample, the lowest rate, samples near f32::MAX (tones
    // with a silent second half).
    let half_silent = |mut clip: Vec<f32>| {
        let half = clip.len() / 2;
        clip[half..].iter_mut().for_each(|s| *s = 0.0);
        clip
    };
    for (clip, rate) in [
        (sine(100, SR, 300.0, 0.5), SR),
        (vec![0.7], SR),
        (half_silent(sine(2_000, 1_000, 110.0, 0.5)), 1_000),
        (half_silent(sine(16_000, SR, 300.0, f32::MAX)), SR),
    ] {
        let q = assess(&clip, rate).unwrap();
        let json = serde_json::to_string(&q).unwrap();
        assert_eq!(serde_json::from_str::<RecordingQuality>(&json).unwrap(), q);
        if clip.len() < 1_000 {
            assert_eq!((q.snr_db, q.active_speech_s), (None, 0.0), "{q:?}");
        } else {
            assert!(q.snr_db.is_some() && q.bandwidth_hz.is_some(), "{q:?}");
        }
    }
}

#[test]
fn other_sample_rates_give_the_same_answers_within_their_band() {
    for name in FIXTURES {
        let clean = fixture(name);
        let reference = assess(&clean, SR).unwrap();
        let at_8k = assess(&resample(&clean, SR, 8_000).unwrap(), 8_000).unwrap();
        // Measured 4000 Hz: the Nyquist frequency.
        assert!(at_8k.bandwidth_hz.unwrap() <= 4_000.0 && at_8k.bandwidth_hz.unwrap() > 3_500.0);
        assert_eq!(at_8k.concerns(), vec![QualityConcern::Narrowband], "{name}");
        for rate in [44_100, 48_000] {
            let q = assess(&resample(&clean, SR, rate).unwrap(), rate).unwrap();
            // Measured 7730-7773 Hz: the 16 kHz clip's band, not the new Nyquist frequency.
            let band = q.bandwidth_hz.unwrap();
            assert!((7_000.0..=8_000.0).contains(&band), "{name} {rate}: {q:?}");
            assert!((q.active_speech_s - reference.active_speech_s).abs() <= 0.03);
            assert!((q.snr_db.unwrap() - reference.snr_db.unwrap()).abs() < 1.0);
            assert!((q.duration_s - reference.duration_s).abs() < 1e-4);
            assert_eq!(q.concerns(), vec![], "{name} {rate}: {q:?}");
        }
        // Narrow-band audio resampled up stays narrow.
        let up = resample(&resample(&clean, SR, 8_000).unwrap(), 8_000, 48_000).unwrap();
        let q = assess(&up, 48_000).unwrap();
        assert!(q.bandwidth_hz.unwrap() <= 4_100.0, "{name}: {q:?}");
    }
}

#[test]
fn an_analyzer_reused_on_clips_of_any_length_gives_what_assess_gives() {
    let mut analyzer = QualityAnalyzer::new(SR).unwrap();
    assert_eq!(analyzer.sample_rate(), SR);
    let kids = fixture("kids_talking.wav");
    let short = apply("white:10", &kids[..8_000], None);
    for clip in [
        &kids[..],
        &short[..],
        &fixture("dogs_sitting.wav")[..],
        &kids[..],
    ] {
        assert_eq!(analyzer.analyze(clip).unwrap(), assess(clip, SR).unwrap());
    }
}

#[test]
fn concerns_serialise_in_snake_case_and_read_as_sentences() {
    let all = QualityConcern::ALL;
    let json = serde_json::to_string(&all).unwrap();
    let names: Vec<String> = all.iter().map(|c| format!("\"{}\"", c.name())).collect();
    assert_eq!(json, format!("[{}]", names.join(",")));
    assert_eq!(json, r#"["clipped","noisy","narrowband","little_speech"]"#);
    assert_eq!(
        serde_json::from_str::<Vec<QualityConcern>>(&json).unwrap(),
        all
    );
    let sentences: Vec<String> = all.iter().map(ToString::to_string).collect();
    assert!(sentences[1].contains("18 dB"), "{sentences:?}");
    assert!(sentences[2].contains("5 kHz"), "{sentences:?}");
    assert!(
        sentences[3].contains(&format!("{LITTLE_SPEECH_S} s")),
        "{sentences:?}"
    );
    for (i, s) in sentences.iter().enumerate() {
        assert!(s.len() > 20 && sentences[..i].iter().all(|t| t != s), "{s}");
    }
}

#[test]
fn any_finite_clip_is_measured_with_sane_numbers() {
    // Seeded odd inputs: lengths around one frame, extreme magnitudes (near f32::MAX,
    // subnormal), spikes, square waves, at the lowest and highest rates accepted.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    for rate in [1_000u32, 16_000, 768_000] {
        for len in [1usize, 2, 24, 25, 26, 400, 401, 4_000] {
            for scale in [f32::MAX, 1.0, 1e-38, 1e-45] {
                let noise: Vec<f32> = (0..len).map(|_| (next() as f32) * scale).collect();
                let square: Vec<f32> = (0..len)
                    .map(|i| if (i / 7) % 2 == 0 { scale } else { -scale })
                    .collect();
                let mut spike = vec![0.0f32; len];
                spike[len / 2] = scale;
                for (kind, clip) in [("noise", noise), ("square", square), ("spike", spike)] {
                    let what = format!("{kind}, {len} samples at {rate} Hz, scale {scale:e}");
                    let q = assess(&clip, rate).unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert!((0.0..=1.0).contains(&q.clipped_fraction), "{what}: {q:?}");
                    assert!(q.active_speech_s <= q.duration_s + 0.011, "{what}: {q:?}");
                    assert!(
                        q.snr_db.is_none_or(|s| s.abs() <= MAX_SNR_DB),
                        "{what}: {q:?}"
                    );
                    let nyquist = rate as f32 / 2.0;
                    let band = q.bandwidth_hz;
                    assert!(
                        band.is_none_or(|b| (0.0..=nyquist).contains(&b)),
                        "{what}: {q:?}"
                    );
                    assert!(q.dc_offset.abs() <= 1.0, "{what}: {q:?}");
                }
            }
        }
    }
}

#[test]
fn the_speech_extent_is_found_in_a_loosely_cut_noisy_recording_at_any_level() {
    // Each fixture as recorded, and placed in a longer recording: 2 s of silence either side
    // (`pad:2`), room noise through all of it. The extent must be the fixture's own, shifted
    // by the padding, within 0.1 s (measured: within 0.06 s, the ends of the quietest
    // syllables under pink noise at 10 dB), at any gain.
    let pad = 2 * SR as i64;
    for name in FIXTURES {
        let clean = fixture(name);
        let tight = emovox_audio::speech_extent(&clean, SR).unwrap().unwrap();
        // The fixtures' own pauses at either end are trimmed (kids: 0.04 s and 0.37 s).
        assert!(
            tight.len() < clean.len() && tight.len() > clean.len() / 2,
            "{tight:?}"
        );
        for condition in ["pad:2", "pad:2+white:30", "pad:2+white:20", "pad:2+pink:10"] {
            let loose = apply(condition, &clean, None);
            assert_eq!(loose.len() as i64, clean.len() as i64 + 2 * pad);
            for gain in [0.001f32, 1.0, 8.0] {
                let scaled: Vec<f32> = loose.iter().map(|s| s * gain).collect();
                let extent = emovox_audio::speech_extent(&scaled, SR).unwrap().unwrap();
                let start = extent.start as i64 - (tight.start as i64 + pad);
                let end = extent.end as i64 - (tight.end as i64 + pad);
                assert!(
                    start.abs() <= 1_600 && end.abs() <= 1_600,
                    "{name} {condition} x{gain}: {extent:?} against {tight:?} + {pad}"
                );
            }
        }
    }
}

#[test]
fn a_clip_without_speech_has_no_extent_and_bad_input_is_an_error() {
    let mut state = 5u32;
    let noise: Vec<f32> = (0..SR)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect();
    let quiet = vec![0.0f32; SR as usize];
    let short = sine(1_000, SR, 200.0, 0.1); // 62.5 ms: no run of 5 frames fits
    for (what, clip) in [
        ("silence", quiet),
        ("a steady tone", sine(SR as usize, SR, 440.0, 0.1)),
        ("white noise", noise),
        ("62.5 ms", short),
    ] {
        assert_eq!(
            emovox_audio::speech_extent(&clip, SR).unwrap(),
            None,
            "{what}"
        );
    }
    assert!(matches!(
        emovox_audio::speech_extent(&[], SR),
        Err(AudioError::NoSamples)
    ));
    assert!(matches!(
        emovox_audio::speech_extent(&[0.1, f32::NAN], SR),
        Err(AudioError::NonFiniteSample { index: 1 })
    ));
    assert!(emovox_audio::speech_extent(&[0.1; 100], 0).is_err());
}
