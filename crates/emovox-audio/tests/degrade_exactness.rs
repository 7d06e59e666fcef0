//! Each recording condition measured against its documentation: band edges, shelf gains, SNRs,
//! noise slopes, RT60 and direct-to-reverberant ratio, babble talkers, and the edges (tiny
//! clips, low sample rates, overflowing input, malformed text).

mod common;
use common::schroeder_rt60;
use emovox_audio::degrade::{pink_noise, standard_conditions, BabblePool, Condition, DegradeError};

const SR: u32 = 16_000;

fn power(x: &[f32]) -> f64 {
    x.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / x.len() as f64
}

fn db(ratio: f64) -> f64 {
    10.0 * ratio.log10()
}

fn sine(hz: f64, rate: u32, len: usize, amplitude: f32) -> Vec<f32> {
    (0..len)
        .map(|i| amplitude * (std::f64::consts::TAU * hz * i as f64 / f64::from(rate)).sin() as f32)
        .collect()
}

/// Power of `x` at `hz`: one Hann-windowed DFT bin.
fn tone_power(x: &[f32], hz: f64, rate: u32) -> f64 {
    let n = x.len() as f64;
    let (mut re, mut im, mut weight) = (0.0, 0.0, 0.0);
    for (i, &v) in x.iter().enumerate() {
        let w = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n).cos();
        let angle = std::f64::consts::TAU * hz * i as f64 / f64::from(rate);
        re += w * f64::from(v) * angle.cos();
        im += w * f64::from(v) * angle.sin();
        weight += w;
    }
    2.0 * (re * re + im * im) / (weight * weight)
}

/// Gain of `condition` at `hz` (dB), from a 1 s tone, read away from the clip's ends.
fn tone_gain(condition: &Condition, hz: f64, rate: u32) -> f64 {
    let len = rate as usize;
    let x = sine(hz, rate, len, 0.3);
    let y = condition.apply(&x, rate, 0, None).unwrap();
    let middle = len / 4..3 * len / 4;
    db(tone_power(&y[middle.clone()], hz, rate) / tone_power(&x[middle], hz, rate))
}

#[test]
fn telephone_band_edges_are_the_minus_3_db_points_at_every_rate() {
    // The 4th-order Butterworth corners are -3.01 dB; the rate changes must not move them
    // (at 16 kHz the fast 2:1 path once put 3400 Hz at -3.7 dB).
    for rate in [8_000u32, 16_000, 22_050, 44_100] {
        for edge in [300.0, 3_400.0] {
            let gain = tone_gain(&Condition::Telephone, edge, rate);
            assert!(
                (gain + 3.01).abs() < 0.1,
                "{rate} Hz: {edge} Hz at {gain:.2} dB"
            );
        }
        for hz in [500.0, 1_000.0, 2_000.0, 3_000.0] {
            let gain = tone_gain(&Condition::Telephone, hz, rate);
            assert!(gain.abs() < 0.2, "{rate} Hz: {hz} Hz at {gain:.2} dB");
        }
        let gain = tone_gain(&Condition::Telephone, 3_500.0, rate);
        assert!(
            (-8.0..-6.8).contains(&gain),
            "{rate} Hz: 3500 Hz at {gain:.2} dB"
        );
    }
}

#[test]
fn a_tilt_is_its_shelf_and_refuses_rates_without_room_for_it() {
    // A 37 Hz reference tone beside the measured one (the output is rescaled to the RMS).
    let balance = |db_gain: f32, hz: f64| {
        let x: Vec<f32> = sine(hz, SR, 16_000, 0.3)
            .iter()
            .zip(sine(37.0, SR, 16_000, 0.3))
            .map(|(a, b)| a + b)
            .collect();
        let y = Condition::Tilt { db: db_gain }
            .apply(&x, SR, 0, None)
            .unwrap();
        let middle = 4_000..12_000;
        db(tone_power(&y[middle.clone()], hz, SR) / tone_power(&y[middle], 37.0, SR))
    };
    for gain in [-12.0f32, -9.0, 9.0, 12.0] {
        let g = f64::from(gain);
        assert!(balance(gain, 250.0).abs() < 0.1, "{gain}: 250 Hz");
        assert!(
            (balance(gain, 1_000.0) - g / 2.0).abs() < 0.05,
            "{gain}: 1 kHz"
        );
        assert!(
            (balance(gain, 2_000.0) / g - 0.94).abs() < 0.01,
            "{gain}: 2 kHz"
        );
        assert!((balance(gain, 3_000.0) - g).abs() < 0.2, "{gain}: 3 kHz");
        assert!((balance(gain, 7_000.0) - g).abs() < 0.02, "{gain}: 7 kHz");
    }
    // At 2 kHz or less the shelf's corner is not below Nyquist: an error, not a NaN clip.
    for rate in [1_000u32, 1_200, 1_500, 1_999, 2_000] {
        let x = sine(100.0, rate, rate as usize, 0.3);
        let result = Condition::Tilt { db: 9.0 }.apply(&x, rate, 0, None);
        match result {
            Err(DegradeError::BadParameter { condition, message }) => {
                assert_eq!(condition, "tilt");
                assert!(message.contains(&rate.to_string()), "{message}");
            }
            other => panic!("{rate} Hz: {:?}", other.map(|y| y.len())),
        }
    }
    for rate in [2_001u32, 2_500, 8_000] {
        let x = sine(100.0, rate, rate as usize, 0.3);
        let y = Condition::Tilt { db: -24.0 }
            .apply(&x, rate, 0, None)
            .unwrap();
        assert!(y.iter().all(|s| s.is_finite()), "{rate} Hz");
    }
}

#[test]
fn an_output_that_overflows_is_an_error_not_an_infinite_clip() {
    let loud = vec![3e38f32, -3e38, 1e38, 2e38];
    for text in [
        "gain:+40",
        "white:-20",
        "offset:20",
        "hum:50:-20",
        "compression:100",
    ] {
        let result = Condition::parse(text).unwrap().apply(&loud, SR, 0, None);
        assert!(
            matches!(result, Err(DegradeError::NonFiniteOutput { .. })),
            "{text}: {result:?}"
        );
    }
    // Loud but not overflowing: fine, and beyond ±1 (nothing clips).
    let y = Condition::Gain { db: 40.0 }
        .apply(&[0.5, -0.5], SR, 0, None)
        .unwrap();
    assert_eq!(y, [50.0, -50.0]);
}

#[test]
fn every_babble_talker_is_heard_at_equal_power() {
    // Six tone "talkers": the added babble holds exactly `talkers` of them, each at 1/talkers.
    let freqs = [300.0, 410.0, 530.0, 670.0, 790.0, 910.0];
    let pool = BabblePool::new(
        freqs.iter().map(|&f| sine(f, SR, 16_000, 0.2)).collect(),
        SR,
    )
    .unwrap();
    let clean = sine(100.0, SR, 32_000, 0.1);
    for talkers in [1usize, 2, 4, 6] {
        let condition = Condition::Babble {
            snr_db: 0.0,
            talkers,
        };
        let y = condition.apply(&clean, SR, 3, Some(&pool)).unwrap();
        let noise: Vec<f32> = y.iter().zip(&clean).map(|(a, b)| a - b).collect();
        let shares: Vec<f64> = freqs
            .iter()
            .map(|&f| tone_power(&noise, f, SR) / power(&clean))
            .collect();
        let heard: Vec<&f64> = shares.iter().filter(|s| **s > 0.01).collect();
        assert_eq!(heard.len(), talkers, "{shares:?}");
        let expected = 1.0 / talkers as f64;
        assert!(
            heard.iter().all(|s| (*s / expected - 1.0).abs() < 0.01),
            "{shares:?}"
        );
    }
    // A pool clip that is mostly digital silence and a clip shorter than its pauses: the
    // talker is still heard (it was silently dropped, leaving the clip clean, 173 times in 200).
    let mut sparse = vec![0.0f32; 16_000];
    for (i, s) in sparse.iter_mut().enumerate().take(400) {
        *s = (i as f32 * 0.3).sin() * 0.2;
    }
    let pool = BabblePool::new(vec![sparse], SR).unwrap();
    let short = sine(200.0, SR, 160, 0.1);
    for seed in 0..200 {
        let y = Condition::Babble {
            snr_db: 5.0,
            talkers: 1,
        }
        .apply(&short, SR, seed, Some(&pool))
        .unwrap();
        let noise: Vec<f32> = y.iter().zip(&short).map(|(a, b)| a - b).collect();
        let snr = db(power(&short) / power(&noise));
        assert!((snr - 5.0).abs() < 1e-3, "seed {seed}: {snr} dB");
    }
}

#[test]
fn noises_hit_their_snr_against_the_whole_clip_at_any_length() {
    let pool = BabblePool::new(vec![sine(230.0, SR, 4_000, 0.3)], SR).unwrap();
    for len in [1usize, 7, 160, 16_000] {
        // A clip with a silent half: the SNR counts the silence.
        let clean: Vec<f32> = sine(150.0, SR, len, 0.2)
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if i >= len / 2 && len > 1 {
                    0.0
                } else {
                    *s + 0.01
                }
            })
            .collect();
        for (text, target) in [
            ("white:20", 20.0),
            ("pink:-20", -20.0),
            ("babble:10", 10.0),
            ("babble:0:3", 0.0),
            ("hum:50:20", 20.0),
            ("white:60", 60.0),
        ] {
            let y = Condition::parse(text)
                .unwrap()
                .apply(&clean, SR, 9, Some(&pool))
                .unwrap();
            let noise: Vec<f32> = y.iter().zip(&clean).map(|(a, b)| a - b).collect();
            let snr = db(power(&clean) / power(&noise));
            assert!(
                (snr - target).abs() < 0.01,
                "{text}, {len} samples: {snr} dB"
            );
        }
    }
}

#[test]
fn pink_noise_falls_3_db_per_octave_from_31_hz_to_4_khz() {
    let segment = 8_192;
    let noise = pink_noise(1 << 21, 3);
    let spectrum = welch(&noise, segment);
    let density = |lo: f64| {
        let hz = f64::from(SR) / segment as f64;
        let bins: Vec<f64> = spectrum
            .iter()
            .enumerate()
            .filter(|(k, _)| (lo..2.0 * lo).contains(&(*k as f64 * hz)))
            .map(|(_, p)| *p)
            .collect();
        bins.iter().sum::<f64>() / bins.len() as f64
    };
    let mut lo = 31.25;
    while lo < 4_000.0 {
        let slope = db(density(2.0 * lo) / density(lo));
        assert!(
            (slope + 3.0).abs() < 0.15,
            "{lo}-{} Hz: {slope:.2} dB",
            4.0 * lo
        );
        lo *= 2.0;
    }
}

/// Welch power spectrum (Hann window, 50 % overlap).
fn welch(x: &[f32], segment: usize) -> Vec<f64> {
    let fft = realfft::RealFftPlanner::<f32>::new().plan_fft_forward(segment);
    let window: Vec<f32> = (0..segment)
        .map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / segment as f32).cos())
        .collect();
    let (mut input, mut output) = (fft.make_input_vec(), fft.make_output_vec());
    let mut sum = vec![0.0f64; segment / 2 + 1];
    let mut count = 0;
    for start in (0..=x.len() - segment).step_by(segment / 2) {
        for (i, slot) in input.iter_mut().enumerate() {
            *slot = x[start + i] * window[i];
        }
        fft.process(&mut input, &mut output).unwrap();
        for (s, c) in sum.iter_mut().zip(&output) {
            *s += f64::from(c.norm_sqr());
        }
        count += 1;
    }
    sum.iter().map(|s| s / f64::from(count)).collect()
}

#[test]
fn reverb_has_its_rt60_and_the_documented_direct_to_reverberant_ratio() {
    let len = 4 * SR as usize;
    let mut impulse = vec![0.0f32; len];
    impulse[0] = 1.0;
    // The DRR of the documentation: +5.9 dB at 0.05 s, -4.1 dB at 0.5 s, -7.2 dB at 1 s.
    for (rt60, drr_db) in [
        (0.05f32, 5.85),
        (0.1, 2.84),
        (0.5, -4.15),
        (1.0, -7.16),
        (3.0, -11.93),
    ] {
        let mut mean_t20 = 0.0;
        for seed in 0..4u64 {
            let h = Condition::Reverb { rt60 }
                .apply(&impulse, SR, seed, None)
                .unwrap();
            let direct = f64::from(h[0]).powi(2);
            let tail: f64 = h[1..].iter().map(|&s| f64::from(s).powi(2)).sum();
            assert!((db(direct / tail) - drr_db).abs() < 0.01, "{rt60} s: DRR");
            // The tail alone (from 2 ms): the direct path's step would bias a short RT60.
            mean_t20 += schroeder_rt60(&h[32..], SR) / 4.0;
        }
        let error = mean_t20 / f64::from(rt60) - 1.0;
        assert!(error.abs() < 0.05, "{rt60} s: T20 {mean_t20:.3} s");
    }
}

#[test]
fn tiny_clips_and_nan_are_handled_for_every_condition() {
    let pool = BabblePool::new(vec![sine(230.0, SR, 4_000, 0.3)], SR).unwrap();
    let mut conditions: Vec<Condition> =
        standard_conditions().into_iter().map(|(_, c)| c).collect();
    for text in [
        "compression:4",
        "offset:-6",
        "reverb:3",
        "babble:-20:16",
        "clipping:40",
    ] {
        conditions.push(Condition::parse(text).unwrap());
    }
    // One sample, fewer than a 20 ms Opus frame, and fewer than any impulse response.
    for len in [1usize, 2, 100, 319] {
        let clip: Vec<f32> = (0..len).map(|i| 0.1 + 0.01 * i as f32).collect();
        for condition in &conditions {
            let y = condition.apply(&clip, SR, 1, Some(&pool)).unwrap();
            assert_eq!(y.len(), len, "{condition}");
            assert!(
                y.iter().all(|s| s.is_finite()),
                "{condition}, {len} samples"
            );
        }
    }
    let mut nan = sine(100.0, SR, 100, 0.3);
    nan[50] = f32::NAN;
    for condition in &conditions {
        let result = condition.apply(&nan, SR, 1, Some(&pool));
        assert!(
            matches!(result, Err(DegradeError::Audio(_))),
            "{condition}: {result:?}"
        );
    }
}

#[test]
fn malformed_text_names_its_bad_part() {
    for (text, names) in [
        ("white:abc", "\"abc\""),
        ("white:", "\"\""),
        ("reverb:-1", "-1"),
        ("reverb:0", "RT60 (s) 0"),
        ("reverb:10", "10"),
        ("opus:0", "bitrate 0"),
        ("clipping:-3", "-3"),
        ("gain:inf", "inf"),
        ("gain:+inf", "inf"),
        ("gain: +nan", "NaN"),
        ("gain:+60", "60"),
        ("tilt:nan", "NaN"),
        ("white:120", "120"),
        ("hum:50:", "SNR (dB) \"\""),
        ("white:10++pink:10", "\"10+\""),
        ("white:20:", "expects 1 parameter"),
    ] {
        let error = Condition::parse(text).unwrap_err();
        assert!(
            matches!(error, DegradeError::BadParameter { .. }),
            "{text}: {error:?}"
        );
        assert!(error.to_string().contains(names), "{text}: {error}");
    }
    for (text, names) in [
        ("a+", "\"a+\""),
        ("", "\"\""),
        ("+white:10", "\"\""),
        ("buzz:3", "buzz"),
    ] {
        let error = Condition::parse(text).unwrap_err();
        assert!(
            matches!(error, DegradeError::UnknownCondition(_)),
            "{text}: {error:?}"
        );
        assert!(error.to_string().contains(names), "{text}: {error}");
    }
    // Signs stay with their numbers; a '+' before a name joins stages.
    assert_eq!(
        Condition::parse("gain:+6").unwrap(),
        Condition::Gain { db: 6.0 }
    );
    assert_eq!(
        Condition::parse("white:1e+1").unwrap(),
        Condition::White { snr_db: 10.0 }
    );
    assert_eq!(
        Condition::parse("gain:+6+ white:10").unwrap(),
        Condition::Chain {
            stages: vec![
                Condition::Gain { db: 6.0 },
                Condition::White { snr_db: 10.0 }
            ]
        }
    );
}
