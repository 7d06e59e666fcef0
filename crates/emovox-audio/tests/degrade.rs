//! Recording conditions: text form, SNR accuracy, spectra, reverberation decay, determinism,
//! and edge cases (silence, empty input, missing babble pool).

mod common;
use common::schroeder_rt60;
use emovox_audio::degrade::{
    pink_noise, standard_conditions, white_noise, BabblePool, Condition, DegradeError,
    MultiConditionConfig, NoiseWeights,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use realfft::RealFftPlanner;

const SR: u32 = 16_000;

/// A speech-like test clip: a harmonic tone with a syllabic envelope and a silent gap.
fn speechy(len: usize, rate: u32, f0: f32) -> Vec<f32> {
    (0..len)
        .map(|i| {
            let t = i as f32 / rate as f32;
            if (0.40..0.55).contains(&(t % 1.0)) {
                return 0.0;
            }
            let envelope = 0.5 + 0.5 * (std::f32::consts::TAU * 4.0 * t).sin();
            let tone: f32 = (1..=5)
                .map(|h| (std::f32::consts::TAU * f0 * h as f32 * t).sin() / h as f32)
                .sum();
            0.1 * envelope * tone
        })
        .collect()
}

fn power(x: &[f32]) -> f64 {
    x.iter().map(|&s| (s as f64).powi(2)).sum::<f64>() / x.len() as f64
}

fn db(ratio: f64) -> f64 {
    10.0 * ratio.log10()
}

/// SNR of `out` against `clean`, the noise being `out - clean`.
fn measured_snr(clean: &[f32], out: &[f32]) -> f64 {
    let noise: Vec<f32> = out.iter().zip(clean).map(|(o, c)| o - c).collect();
    db(power(clean) / power(&noise))
}

/// Welch power spectrum (Hann window, 50 % overlap) of `x`: mean power per bin.
fn welch(x: &[f32], segment: usize) -> Vec<f64> {
    let fft = RealFftPlanner::<f32>::new().plan_fft_forward(segment);
    let window: Vec<f32> = (0..segment)
        .map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / segment as f32).cos())
        .collect();
    let mut sum = vec![0.0f64; segment / 2 + 1];
    let mut count = 0;
    let mut input = fft.make_input_vec();
    let mut output = fft.make_output_vec();
    let mut start = 0;
    while start + segment <= x.len() {
        for (i, slot) in input.iter_mut().enumerate() {
            *slot = x[start + i] * window[i];
        }
        fft.process(&mut input, &mut output).unwrap();
        for (s, c) in sum.iter_mut().zip(&output) {
            *s += c.norm_sqr() as f64;
        }
        count += 1;
        start += segment / 2;
    }
    sum.iter().map(|s| s / count as f64).collect()
}

/// Total power of the bins between `lo` and `hi` Hz.
fn band(spectrum: &[f64], segment: usize, rate: u32, lo: f64, hi: f64) -> f64 {
    let hz = rate as f64 / segment as f64;
    spectrum
        .iter()
        .enumerate()
        .filter(|(k, _)| (lo..hi).contains(&(*k as f64 * hz)))
        .map(|(_, p)| p)
        .sum()
}

/// Mean power per bin between `lo` and `hi` Hz (a density).
fn density(spectrum: &[f64], segment: usize, rate: u32, lo: f64, hi: f64) -> f64 {
    let hz = rate as f64 / segment as f64;
    let bins = spectrum
        .iter()
        .enumerate()
        .filter(|(k, _)| (lo..hi).contains(&(*k as f64 * hz)))
        .count();
    band(spectrum, segment, rate, lo, hi) / bins as f64
}

fn pool() -> BabblePool {
    // Six "talkers" with different pitches and lengths, plus one clip too short to keep.
    let mut clips: Vec<Vec<f32>> = (0..6)
        .map(|k| speechy(8_000 + 3_000 * k, SR, 110.0 + 23.0 * k as f32))
        .collect();
    clips.push(vec![0.1; 1_000]);
    let pool = BabblePool::new(clips, SR).unwrap();
    assert_eq!(pool.len(), 6);
    pool
}

#[test]
fn text_form_round_trips() {
    for text in [
        "clean",
        "gain:-20",
        "gain:+6",
        "gain:+0.5",
        "white:20",
        "pink:-5",
        "babble:10",
        "babble:10:6",
        "telephone",
        "reverb:0.5",
        "tilt:-6",
        "tilt:+4.5",
        "offset:-6",
        "offset:+3",
        "hum:50:30",
        "hum:59.5:-5",
        "reverb:0.4+babble:10",
        "gain:+6+white:1e1",
        "reverb:0.3+tilt:+6+pink:20",
        "telephone+white:20",
        "reverb:3+pink:60+telephone+gain:-60",
        "pad:3",
        "pad:0.5+white:20",
    ] {
        let condition = Condition::parse(text).unwrap();
        let printed = condition.to_string();
        assert_eq!(printed.parse::<Condition>().unwrap(), condition, "{text}");
    }
    assert_eq!(
        Condition::parse(" Reverb:0.4 + BABBLE:10:6 ").unwrap(),
        Condition::Chain {
            stages: vec![
                Condition::Reverb { rt60: 0.4 },
                Condition::Babble {
                    snr_db: 10.0,
                    talkers: 6
                }
            ]
        }
    );
    assert_eq!(
        Condition::parse("babble:10").unwrap(),
        Condition::Babble {
            snr_db: 10.0,
            talkers: 4
        }
    );
    assert_eq!(Condition::Gain { db: 6.0 }.to_string(), "gain:+6");
    assert_eq!(Condition::Gain { db: -20.0 }.to_string(), "gain:-20");
    assert_eq!(Condition::Clipping { db: 12.0 }.to_string(), "clipping:12");
    assert_eq!(
        Condition::Compression { ratio: 4.0 }.to_string(),
        "compression:4"
    );
    assert_eq!(
        Condition::parse("opus:12:10").unwrap(),
        Condition::Opus {
            kbps: 12,
            loss: 10.0
        }
    );
    assert_eq!(
        Condition::Opus {
            kbps: 12,
            loss: 2.5
        }
        .to_string(),
        "opus:12:2.5"
    );
    assert_eq!(Condition::Opus { kbps: 8, loss: 0.0 }.to_string(), "opus:8");
    assert_eq!(
        Condition::parse("compression:2.5+white:20").unwrap(),
        Condition::Chain {
            stages: vec![
                Condition::Compression { ratio: 2.5 },
                Condition::White { snr_db: 20.0 }
            ]
        }
    );
    assert_eq!(
        Condition::parse("Clipping:6.5").unwrap(),
        Condition::Clipping { db: 6.5 }
    );
    assert_eq!(
        Condition::Chain {
            stages: vec![Condition::White { snr_db: 20.0 }, Condition::Telephone]
        }
        .to_string(),
        "white:20+telephone"
    );
    for (_, condition) in standard_conditions() {
        assert_eq!(Condition::parse(&condition.to_string()).unwrap(), condition);
    }
    // Drawn conditions (arbitrary floats) round-trip exactly too.
    let config = MultiConditionConfig {
        gain_db: 10.0,
        tilt_prob: 0.5,
        opus_prob: 0.5,
        opus_kbps: (6, 8),
        amr_prob: 0.5,
        ..Default::default()
    };
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let (mut tilts, mut opus) = (0, std::collections::BTreeMap::new());
    let mut amr = std::collections::BTreeMap::new();
    for _ in 0..500 {
        let condition = config.draw(&mut rng);
        let text = condition.to_string();
        assert_eq!(Condition::parse(&text).unwrap(), condition);
        tilts += usize::from(text.contains("tilt:"));
        if let Some(at) = text.find("opus:") {
            let stage = text[at..].split('+').next().unwrap().to_string();
            *opus.entry(stage).or_insert(0) += 1;
        }
        if let Some(at) = text.find("amr:") {
            let stage = text[at..].split('+').next().unwrap().to_string();
            *amr.entry(stage).or_insert(0) += 1;
        }
    }
    // About 0.7 (degraded) x 0.5 of the draws, each bitrate of the range about equally.
    assert!((120..=230).contains(&tilts), "{tilts} tilts in 500 draws");
    let codes: usize = opus.values().sum();
    assert!(
        (120..=230).contains(&codes),
        "{codes} Opus stages in 500 draws"
    );
    assert_eq!(
        opus.keys().map(String::as_str).collect::<Vec<_>>(),
        ["opus:6", "opus:7", "opus:8"],
        "{opus:?}"
    );
    assert!(opus.values().all(|&n| n > 25), "{opus:?}");
    // AMR: about 0.7 x 0.5 of the draws too, spread over all eight modes.
    let calls: usize = amr.values().sum();
    assert!(
        (120..=230).contains(&calls),
        "{calls} AMR stages in 500 draws"
    );
    assert_eq!(amr.len(), 8, "{amr:?}");
    assert!(amr.values().all(|&n| n > 5), "{amr:?}");
}

#[test]
fn bad_text_is_a_typed_error() {
    for text in ["", "foo", "whit:20", "+white:20", "pinkish:3"] {
        assert!(
            matches!(
                Condition::parse(text),
                Err(DegradeError::UnknownCondition(_))
            ),
            "{text:?}: {:?}",
            Condition::parse(text)
        );
    }
    for text in [
        "white",
        "white:",
        "white:abc",
        "white:nan",
        "white:inf",
        "white:61",
        "pink:-21",
        "gain:-70",
        "gain:41",
        "reverb:0.01",
        "reverb:3.5",
        "tilt:25",
        "tilt:-24.5",
        "clipping",
        "clipping:-1",
        "clipping:41",
        "clipping:loud",
        "compression",
        "compression:0.5",
        "compression:101",
        "compression:4:2",
        "compression:hard",
        "opus:12:-1",
        "opus:12:51",
        "opus:12:10:3",
        "opus:12:some",
        "tilt",
        "offset:21",
        "offset:-61",
        "offset",
        "hum",
        "hum:50",
        "hum:50:20:3",
        "hum:39:20",
        "hum:71:20",
        "hum:50:61",
        "hum:mains:20",
        "pad",
        "pad:-1",
        "pad:31",
        "pad:2:1",
        "opus",
        "opus:5",
        "opus:257",
        "opus:12.5",
        "opus:-8",
        "babble:10:0",
        "babble:10:17",
        "babble:10:4:2",
        "babble:10:x",
        "telephone:3",
        "clean:1",
        "white:20+",
        "reverb:0.4++white:1",
        "reverb:0.4+white:99",
    ] {
        assert!(
            matches!(
                Condition::parse(text),
                Err(DegradeError::BadParameter { .. })
            ),
            "{text:?}: {:?}",
            Condition::parse(text)
        );
    }
    // Constructed out of range: apply refuses instead of panicking.
    let clip = speechy(1_600, SR, 150.0);
    assert!(Condition::Reverb { rt60: 1e9 }
        .apply(&clip, SR, 0, None)
        .is_err());
    assert!(Condition::White { snr_db: f32::NAN }
        .apply(&clip, SR, 0, None)
        .is_err());
}

#[test]
fn noises_hit_the_requested_snr() {
    let clean = speechy(2 * SR as usize, SR, 140.0);
    let pool = pool();
    for snr in [-20.0f32, 0.0, 7.5, 20.0, 60.0] {
        for condition in [
            Condition::White { snr_db: snr },
            Condition::Pink { snr_db: snr },
            Condition::Babble {
                snr_db: snr,
                talkers: 4,
            },
            Condition::Babble {
                snr_db: snr,
                talkers: 1,
            },
            Condition::Babble {
                snr_db: snr,
                talkers: 12, // more talkers than clips: drawn with replacement
            },
        ] {
            let out = condition.apply(&clean, SR, 11, Some(&pool)).unwrap();
            assert_eq!(out.len(), clean.len());
            let measured = measured_snr(&clean, &out);
            assert!(
                (measured - snr as f64).abs() < 0.2,
                "{condition}: measured {measured:.3} dB"
            );
        }
    }
}

#[test]
fn white_and_pink_generators_have_unit_rms_and_their_slopes() {
    let segment = 1024;
    let white = white_noise(1 << 16, 1);
    let pink = pink_noise(1 << 16, 1);
    assert!((power(&white) - 1.0).abs() < 1e-4);
    assert!((power(&pink) - 1.0).abs() < 1e-4);
    let slope = |x: &[f32]| {
        let spectrum = welch(x, segment);
        // Two octave bands three octaves apart.
        let low = density(&spectrum, segment, SR, 250.0, 500.0);
        let high = density(&spectrum, segment, SR, 2_000.0, 4_000.0);
        db(high / low) / 3.0
    };
    let white_slope = slope(&white);
    assert!(white_slope.abs() < 0.3, "white: {white_slope:.2} dB/octave");
    let pink_slope = slope(&pink);
    assert!(
        (pink_slope + 3.0).abs() < 0.4,
        "pink: {pink_slope:.2} dB/octave"
    );
    // The pink condition adds the same colour.
    let clean = speechy(1 << 16, SR, 140.0);
    let out = Condition::Pink { snr_db: -10.0 }
        .apply(&clean, SR, 5, None)
        .unwrap();
    let noise: Vec<f32> = out.iter().zip(&clean).map(|(o, c)| o - c).collect();
    let condition_slope = slope(&noise);
    assert!(
        (condition_slope + 3.0).abs() < 0.4,
        "pink condition: {condition_slope:.2} dB/octave"
    );
}

#[test]
fn telephone_keeps_only_the_telephone_band() {
    let len = SR as usize; // 1 s
    let input: Vec<f32> = white_noise(len, 9).iter().map(|s| 0.1 * s).collect();
    let out = Condition::Telephone.apply(&input, SR, 0, None).unwrap();
    assert_eq!(out.len(), len);
    let segment = 512;
    let spec_in = welch(&input, segment);
    let spec_out = welch(&out, segment);
    let total_in: f64 = spec_in.iter().sum();
    let ratio = |lo: f64, hi: f64| {
        db(band(&spec_out, segment, SR, lo, hi) / band(&spec_in, segment, SR, lo, hi))
    };
    let below = band(&spec_out, segment, SR, 0.0, 200.0);
    let above = band(&spec_out, segment, SR, 3_800.0, 8_001.0);
    let below_vs_total = db(below / total_in);
    let above_vs_total = db(above / total_in);
    assert!(
        below_vs_total < -30.0,
        "below 200 Hz: {below_vs_total:.1} dB"
    );
    assert!(
        above_vs_total < -30.0,
        "above 3.8 kHz: {above_vs_total:.1} dB"
    );
    // Band by band: the 4th-order high-pass at 300 Hz gives about -24 dB over 0-200 Hz.
    assert!(ratio(0.0, 200.0) < -20.0, "{:.1}", ratio(0.0, 200.0));
    assert!(ratio(0.0, 120.0) < -30.0, "{:.1}", ratio(0.0, 120.0));
    assert!(
        ratio(3_800.0, 8_001.0) < -30.0,
        "{:.1}",
        ratio(3_800.0, 8_001.0)
    );
    for (lo, hi) in [(500.0, 1_000.0), (1_000.0, 2_000.0), (2_000.0, 3_000.0)] {
        let pass = ratio(lo, hi);
        assert!(pass.abs() < 2.0, "{lo}-{hi} Hz: {pass:.2} dB");
    }
    // Deterministic, length-preserving at other rates, and no resampling at 8 kHz.
    assert_eq!(
        out,
        Condition::Telephone.apply(&input, SR, 99, None).unwrap()
    );
    for (rate, len) in [
        (8_000u32, 4_001usize),
        (44_100, 4_411),
        (11_025, 1_103),
        (48_000, 1),
    ] {
        let clip = speechy(len, rate, 200.0);
        let out = Condition::Telephone.apply(&clip, rate, 0, None).unwrap();
        assert_eq!(out.len(), len, "{rate} Hz");
        assert!(out.iter().all(|s| s.is_finite()));
    }
}

#[test]
fn reverb_decays_at_its_rt60() {
    let len = 2 * SR as usize;
    let mut impulse = vec![0.0f32; len];
    impulse[0] = 1.0;
    for rt60 in [0.2f32, 0.5, 1.0, 2.0] {
        for seed in [1u64, 2] {
            let h = Condition::Reverb { rt60 }
                .apply(&impulse, SR, seed, None)
                .unwrap();
            assert_eq!(h.len(), len);
            let measured = schroeder_rt60(&h, SR);
            assert!(
                (measured / rt60 as f64 - 1.0).abs() < 0.2,
                "rt60 {rt60}: measured {measured:.3} s"
            );
            // The direct path leads, and the tail starts 2-5 ms (32-80 samples) later.
            let peak = h.iter().fold(0.0f32, |m, s| m.max(s.abs()));
            assert_eq!(peak, h[0].abs());
            let before = h[1..32].iter().fold(0.0f32, |m, s| m.max(s.abs()));
            let by_5ms = h[32..=80].iter().fold(0.0f32, |m, s| m.max(s.abs()));
            assert!(before < 1e-5 * peak, "tail before 2 ms: {before}");
            assert!(by_5ms > 1e-2 * peak, "no tail by 5 ms: {by_5ms}");
        }
    }
}

#[test]
fn reverb_keeps_length_and_rms_and_follows_its_seed() {
    let clip = speechy(2 * SR as usize, SR, 120.0);
    let reverb = Condition::Reverb { rt60: 0.6 };
    let a = reverb.apply(&clip, SR, 1, None).unwrap();
    let b = reverb.apply(&clip, SR, 1, None).unwrap();
    let c = reverb.apply(&clip, SR, 2, None).unwrap();
    assert_eq!(a.len(), clip.len());
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!((db(power(&a) / power(&clip))).abs() < 0.01);
    // Clips shorter than the impulse response.
    for len in [1usize, 2, 100, 4_000] {
        let short = speechy(len, SR, 300.0);
        let out = Condition::Reverb { rt60: 3.0 }
            .apply(&short, SR, 4, None)
            .unwrap();
        assert_eq!(out.len(), len);
        assert!(out.iter().all(|s| s.is_finite()));
    }
}

#[test]
fn gain_is_exact() {
    let clip = speechy(4_000, SR, 150.0);
    for gain_db in [-60.0f32, -30.0, -6.0, 0.0, 6.0, 12.0, 40.0] {
        let out = Condition::Gain { db: gain_db }
            .apply(&clip, SR, 0, None)
            .unwrap();
        let factor = 10f32.powf(gain_db / 20.0);
        assert!(out.iter().zip(&clip).all(|(o, c)| *o == c * factor));
        assert!((db(power(&out) / power(&clip)) - gain_db as f64).abs() < 1e-3);
    }
    assert_eq!(Condition::Clean.apply(&clip, SR, 0, None).unwrap(), clip);
}

#[test]
fn an_offset_adds_its_constant_relative_to_the_rms() {
    let clip = speechy(4_000, SR, 150.0);
    let rms = power(&clip).sqrt();
    for offset_db in [-40.0f32, -6.0, 0.0, 6.0] {
        let out = Condition::Offset { db: offset_db }
            .apply(&clip, SR, 0, None)
            .unwrap();
        let expected = rms * 10f64.powf(f64::from(offset_db) / 20.0);
        for (o, c) in out.iter().zip(&clip) {
            assert!(
                (f64::from(o - c) - expected).abs() < 1e-6 + 1e-5 * expected,
                "{offset_db} dB"
            );
        }
    }
}

/// Power of `x` at `hz` (a single-bin DFT over whole periods), as a sine's mean power.
fn tone_power(x: &[f64], hz: f64) -> f64 {
    let (mut re, mut im) = (0.0, 0.0);
    for (n, v) in x.iter().enumerate() {
        let angle = std::f64::consts::TAU * hz * n as f64 / f64::from(SR);
        re += v * angle.cos();
        im += v * angle.sin();
    }
    2.0 * (re * re + im * im) / (x.len() as f64).powi(2)
}

#[test]
fn hum_is_the_mains_harmonics_at_the_snr() {
    let clip = speechy(16_000, SR, 170.0);
    for (hz, snr_db) in [(50.0f32, 30.0f32), (60.0, 10.0)] {
        let out = Condition::Hum { hz, snr_db }
            .apply(&clip, SR, 4, None)
            .unwrap();
        let added: Vec<f64> = out
            .iter()
            .zip(&clip)
            .map(|(o, c)| f64::from(o - c))
            .collect();
        let added_power = added.iter().map(|v| v * v).sum::<f64>() / added.len() as f64;
        assert!(
            (db(power(&clip) / added_power) - f64::from(snr_db)).abs() < 1e-3,
            "{hz} Hz"
        );
        // All of it at the harmonics, the k-th with 1/k^2 of the first's power.
        let first = tone_power(&added, f64::from(hz));
        let mut at_harmonics = 0.0;
        for k in 1..=emovox_audio::degrade::HUM_HARMONICS {
            let harmonic = tone_power(&added, f64::from(hz) * k as f64);
            assert!(
                (harmonic * (k * k) as f64 / first - 1.0).abs() < 1e-3,
                "{hz} Hz, harmonic {k}"
            );
            at_harmonics += harmonic;
        }
        assert!((at_harmonics / added_power - 1.0).abs() < 1e-3, "{hz} Hz");
        assert!(tone_power(&added, f64::from(hz) * 1.5) < 1e-6 * first);
    }
    let hum = Condition::Hum {
        hz: 50.0,
        snr_db: 20.0,
    };
    assert_ne!(
        hum.apply(&clip, SR, 1, None).unwrap(),
        hum.apply(&clip, SR, 2, None).unwrap()
    );
}

#[test]
fn clipping_flattens_the_peaks_at_any_level_and_keeps_the_power() {
    let sine: Vec<f32> = (0..16_000)
        .map(|i| 0.5 * (std::f32::consts::TAU * 440.0 * i as f32 / SR as f32).sin())
        .collect();
    for depth in [3.0f32, 6.0, 20.0] {
        let out = Condition::Clipping { db: depth }
            .apply(&sine, SR, 0, None)
            .unwrap();
        assert!(
            (power(&out) / power(&sine) - 1.0).abs() < 1e-5,
            "{depth} dB"
        );
        // The flattened share of a sine clipped at a fraction c of its peak: 1 - 2 asin(c) / π.
        let c = 10f64.powf(-depth as f64 / 20.0);
        let expected = 1.0 - 2.0 * c.asin() / std::f64::consts::PI;
        let top = out.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        let flat = out.iter().filter(|s| s.abs() >= top * (1.0 - 1e-6)).count();
        let share = flat as f64 / out.len() as f64;
        assert!(
            (share - expected).abs() < 0.01,
            "{depth} dB: {share} vs {expected}"
        );
        // The same distortion at any level.
        let quiet: Vec<f32> = sine.iter().map(|s| s * 1e-3).collect();
        let quiet_out = Condition::Clipping { db: depth }
            .apply(&quiet, SR, 0, None)
            .unwrap();
        assert!(out
            .iter()
            .zip(&quiet_out)
            .all(|(o, q)| (o * 1e-3 - q).abs() <= 1e-6 * 1e-3));
    }
    let clip = speechy(4_000, SR, 150.0);
    assert_eq!(
        Condition::Clipping { db: 0.0 }
            .apply(&clip, SR, 0, None)
            .unwrap(),
        clip
    );
}

/// Level in dB of `x[range]` (mean power).
fn level_db(x: &[f32], range: std::ops::Range<usize>) -> f64 {
    10.0 * power(&x[range]).log10()
}

#[test]
fn compression_narrows_loudness_changes_by_its_ratio_at_any_level() {
    // One second of a tone, then one second 30 dB quieter: the loud half is over the threshold
    // (20 dB under the loudest moment) by 20 dB, the quiet half under it.
    let tone = |i: usize, amplitude: f32| {
        amplitude * (std::f32::consts::TAU * 220.0 * i as f32 / SR as f32).sin()
    };
    let quiet = 10f32.powf(-30.0 / 20.0);
    let clip: Vec<f32> = (0..2 * SR as usize)
        .map(|i| tone(i, if i < SR as usize { 0.5 } else { 0.5 * quiet }))
        .collect();
    let loud_part = 4_000..15_000;
    let quiet_part = 24_000..31_000; // after the detector's release (150 ms) has settled
    for ratio in [1.0f32, 2.0, 4.0, 20.0] {
        let out = Condition::Compression { ratio }
            .apply(&clip, SR, 0, None)
            .unwrap();
        assert!((power(&out) / power(&clip) - 1.0).abs() < 1e-4, "{ratio}");
        let difference = level_db(&out, loud_part.clone()) - level_db(&out, quiet_part.clone());
        // Within 1 dB: the detector, quick to rise and slow to fall, rides nearer a tone's
        // peaks than its mean, so the loud half is reduced a little less than its mean says.
        let expected = 30.0 - 20.0 * (1.0 - 1.0 / f64::from(ratio));
        assert!(
            (difference - expected).abs() < 1.0,
            "ratio {ratio}: {difference:.2} dB apart, expected {expected:.2}"
        );
        // The same processing at any level.
        let scaled: Vec<f32> = clip.iter().map(|s| s * 1e-3).collect();
        let scaled_out = Condition::Compression { ratio }
            .apply(&scaled, SR, 0, None)
            .unwrap();
        assert!(out
            .iter()
            .zip(&scaled_out)
            .all(|(o, q)| (o * 1e-3 - q).abs() <= 1e-5 * 1e-3));
    }
    // Ratio 1 leaves the clip as it was.
    let speech = speechy(8_000, SR, 150.0);
    let same = Condition::Compression { ratio: 1.0 }
        .apply(&speech, SR, 0, None)
        .unwrap();
    assert!(speech.iter().zip(&same).all(|(a, b)| (a - b).abs() <= 1e-6));
}

#[test]
fn babble_needs_a_pool_at_the_clip_rate() {
    let clip = speechy(8_000, SR, 150.0);
    let babble = Condition::parse("babble:10").unwrap();
    assert!(matches!(
        babble.apply(&clip, SR, 0, None),
        Err(DegradeError::NeedsBabble)
    ));
    let chain = Condition::parse("reverb:0.3+babble:5:2").unwrap();
    assert!(chain.uses_babble());
    assert!(matches!(
        chain.apply(&clip, SR, 0, None),
        Err(DegradeError::NeedsBabble)
    ));
    assert!(matches!(
        babble.apply(&[], SR, 0, None),
        Err(DegradeError::NeedsBabble)
    ));
    let pool = pool();
    assert!(matches!(
        babble.apply(&clip, 22_050, 0, Some(&pool)),
        Err(DegradeError::BabbleSampleRate {
            pool: 16_000,
            clip: 22_050
        })
    ));
    // The fallback swaps babble for pink noise at the same SNR.
    let fallback = chain.clone().without_babble();
    assert!(!fallback.uses_babble());
    assert_eq!(fallback.to_string(), "reverb:0.3+pink:5");
    assert_eq!(
        fallback.apply(&clip, SR, 0, None).unwrap().len(),
        clip.len()
    );
    // Pool building: short, silent and non-finite clips are skipped; none left is an error.
    assert!(matches!(
        BabblePool::new(vec![vec![0.5; 1_599], vec![0.0; 16_000], vec![]], SR),
        Err(DegradeError::EmptyBabblePool)
    ));
    assert!(matches!(
        BabblePool::new(vec![], SR),
        Err(DegradeError::EmptyBabblePool)
    ));
    let mut bad = vec![0.1f32; 2_000];
    bad[7] = f32::NAN;
    assert_eq!(
        BabblePool::new(vec![bad, vec![0.1; 1_600]], SR)
            .unwrap()
            .len(),
        1
    );
    assert!(BabblePool::new(vec![vec![0.1; 1_600]], 0).is_err());
    // Babble follows its seed.
    let a = babble.apply(&clip, SR, 1, Some(&pool)).unwrap();
    assert_eq!(a, babble.apply(&clip, SR, 1, Some(&pool)).unwrap());
    assert_ne!(a, babble.apply(&clip, SR, 2, Some(&pool)).unwrap());
}

#[test]
fn chains_are_deterministic_and_ordered() {
    let clip = speechy(SR as usize, SR, 130.0);
    let pool = pool();
    let chain = Condition::parse("reverb:0.4+babble:10+telephone+gain:-6").unwrap();
    let a = chain.apply(&clip, SR, 42, Some(&pool)).unwrap();
    assert_eq!(a.len(), clip.len());
    assert_eq!(a, chain.apply(&clip, SR, 42, Some(&pool)).unwrap());
    assert_ne!(a, chain.apply(&clip, SR, 43, Some(&pool)).unwrap());
    // Order matters: noise after a -30 dB gain is at the SNR of the quiet clip.
    let quiet_then_noise = Condition::parse("gain:-30+white:10").unwrap();
    let out = quiet_then_noise.apply(&clip, SR, 1, None).unwrap();
    let quiet: Vec<f32> = Condition::Gain { db: -30.0 }
        .apply(&clip, SR, 0, None)
        .unwrap();
    assert!((measured_snr(&quiet, &out) - 10.0).abs() < 0.2);
    // A stage of a chain differs from the same condition alone with the chain's seed
    // (sub-seeds), yet the chain of one stage is still deterministic.
    let white = Condition::White { snr_db: 0.0 };
    let single_chain = Condition::Chain {
        stages: vec![white.clone()],
    };
    assert_eq!(
        single_chain.apply(&clip, SR, 5, None).unwrap(),
        single_chain.apply(&clip, SR, 5, None).unwrap()
    );
    assert_eq!(
        Condition::Chain { stages: vec![] }
            .apply(&clip, SR, 5, None)
            .unwrap(),
        clip
    );
}

#[test]
fn silence_stays_silent_and_empty_stays_empty() {
    let pool = pool();
    let silence = vec![0.0f32; 8_000];
    for text in [
        "white:0",
        "pink:-20",
        "babble:0:8",
        "reverb:1",
        "telephone",
        "gain:+40",
        "clipping:20",
        "compression:20",
        "offset:0",
        "hum:60:0",
        "reverb:0.5+babble:10",
        "telephone+white:20",
    ] {
        let condition = Condition::parse(text).unwrap();
        let out = condition.apply(&silence, SR, 3, Some(&pool)).unwrap();
        assert_eq!(out, silence, "{text}");
    }
    // A lossy codec is not exact: libopus decodes digital silence to within a 16-bit step.
    #[cfg(feature = "opus")]
    for kbps in [8, 16] {
        let out = Condition::Opus { kbps, loss: 0.0 }
            .apply(&silence, SR, 3, None)
            .unwrap();
        assert_eq!(out.len(), silence.len());
        let peak = out.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(peak <= 2.0 / 32_768.0, "opus:{kbps}: peak {peak}");
    }
    for (name, condition) in standard_conditions() {
        let out = condition.apply(&[], SR, 3, Some(&pool)).unwrap();
        assert!(out.is_empty(), "{name}");
    }
}

#[test]
fn pad_places_the_clip_between_silences_and_noise_runs_through_them() {
    let clip = speechy(8_000, SR, 140.0);
    let out = Condition::parse("pad:0.25")
        .unwrap()
        .apply(&clip, SR, 3, None)
        .unwrap();
    assert_eq!(out.len(), 8_000 + 2 * 4_000);
    assert!(out[..4_000].iter().chain(&out[12_000..]).all(|&s| s == 0.0));
    assert_eq!(&out[4_000..12_000], clip.as_slice());
    // 0.1 s at 44.1 kHz: 4,410 samples each side; at 8 kHz 0.3 s rounds from 2,400.
    for (rate, seconds, each) in [(44_100, 0.1f32, 4_410), (8_000, 0.3, 2_400)] {
        let padded = Condition::Pad { seconds }
            .apply(&clip, rate, 3, None)
            .unwrap();
        assert_eq!(padded.len(), clip.len() + 2 * each, "{rate} Hz");
    }
    // Chained with noise, the noise is everywhere, at its SNR against the padded clip.
    let noisy = Condition::parse("pad:0.25+white:20")
        .unwrap()
        .apply(&clip, SR, 3, None)
        .unwrap();
    assert!((measured_snr(&out, &noisy) - 20.0).abs() < 0.01);
    let quiet_power = power(&noisy[..4_000]);
    assert!(
        (db(power(&out) / quiet_power) - 20.0).abs() < 0.5,
        "{quiet_power}"
    );
    assert!(
        Condition::parse("pad:0")
            .unwrap()
            .apply(&clip, SR, 3, None)
            .unwrap()
            == clip
    );
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let mut clip = speechy(1_000, SR, 150.0);
    clip[10] = f32::INFINITY;
    for (_, condition) in standard_conditions() {
        let condition = condition.without_babble();
        assert!(condition.apply(&clip, SR, 0, None).is_err());
        assert!(condition.apply(&[0.1; 100], 0, 0, None).is_err());
        assert!(condition.apply(&[0.1; 100], 10_000_000, 0, None).is_err());
    }
    // Tiny and extreme-but-finite inputs.
    for condition in [
        "white:-20",
        "pink:60",
        "reverb:0.05",
        "telephone",
        "gain:+40",
        "clipping:40",
        "compression:100",
    ] {
        let condition = Condition::parse(condition).unwrap();
        for clip in [vec![1e-30f32], vec![1e30, -1e30, 1e30], vec![0.5; 3]] {
            let out = condition.apply(&clip, SR, 0, None).unwrap();
            assert_eq!(out.len(), clip.len());
        }
    }
}

#[test]
fn standard_conditions_are_the_documented_table() {
    let table = standard_conditions();
    let names: Vec<&str> = table.iter().map(|(n, _)| n.as_str()).collect();
    let opus = usize::from(cfg!(feature = "opus"));
    assert_eq!(
        names,
        [
            "clean",
            "gain-30",
            "gain-20",
            "gain-10",
            "gain+6",
            "gain+12",
            "white20",
            "white10",
            "pink10",
            "babble10",
            "telephone",
            "reverb",
            "telephone+white20",
            "reverb+babble10",
            "clipping12",
            "tilt-9",
            "tilt+9",
            "hum50",
            "opus8"
        ][..18 + opus]
    );
    let texts: Vec<String> = table.iter().map(|(_, c)| c.to_string()).collect();
    assert_eq!(
        texts,
        [
            "clean",
            "gain:-30",
            "gain:-20",
            "gain:-10",
            "gain:+6",
            "gain:+12",
            "white:20",
            "white:10",
            "pink:10",
            "babble:10",
            "telephone",
            "reverb:0.5",
            "telephone+white:20",
            "reverb:0.5+babble:10",
            "clipping:12",
            "tilt:-9",
            "tilt:+9",
            "hum:50:20",
            "opus:8"
        ][..18 + opus]
    );
    let pool = pool();
    let clip = speechy(SR as usize / 2, SR, 170.0);
    for (name, condition) in &table {
        let out = condition.apply(&clip, SR, 0, Some(&pool)).unwrap();
        assert_eq!(out.len(), clip.len(), "{name}");
        if name != "clean" && !name.starts_with("gain") {
            assert_ne!(out, clip, "{name}");
        }
    }
}

#[test]
fn serde_form_round_trips_and_checks_ranges() {
    for (_, condition) in standard_conditions() {
        let json = serde_json::to_string(&condition).unwrap();
        let back: Condition = serde_json::from_str(&json).unwrap();
        assert_eq!(back, condition, "{json}");
    }
    assert_eq!(
        serde_json::to_string(&Condition::White { snr_db: 20.0 }).unwrap(),
        r#"{"type":"white","snr_db":20.0}"#
    );
    let chain: Condition = serde_json::from_str(
        r#"{"type":"chain","stages":[{"type":"reverb","rt60":0.4},{"type":"babble","snr_db":10}]}"#,
    )
    .unwrap();
    assert_eq!(chain.to_string(), "reverb:0.4+babble:10");
    assert_eq!(
        serde_json::to_string(&chain).unwrap(),
        r#"{"type":"chain","stages":[{"type":"reverb","rt60":0.4},{"type":"babble","snr_db":10.0,"talkers":4}]}"#
    );
    // A stage out of range is refused inside a chain too.
    assert!(serde_json::from_str::<Condition>(
        r#"{"type":"chain","stages":[{"type":"reverb","rt60":0.4},{"type":"white","snr_db":99}]}"#
    )
    .is_err());
    let compression: Condition =
        serde_json::from_str(r#"{"type":"compression","ratio":4}"#).unwrap();
    assert_eq!(compression, Condition::Compression { ratio: 4.0 });
    assert!(serde_json::from_str::<Condition>(r#"{"type":"compression","ratio":0.5}"#).is_err());
    assert!(serde_json::from_str::<Condition>(r#"{"type":"white","snr_db":99}"#).is_err());
    assert!(serde_json::from_str::<Condition>(r#"{"type":"buzz"}"#).is_err());
    let hum: Condition = serde_json::from_str(r#"{"type":"hum","hz":50,"snr_db":30}"#).unwrap();
    assert_eq!(hum.to_string(), "hum:50:30");
    assert!(serde_json::from_str::<Condition>(r#"{"type":"hum","hz":80,"snr_db":30}"#).is_err());
}

#[test]
fn multi_condition_draws_follow_the_config() {
    let config = MultiConditionConfig::default();
    config.validate().unwrap();
    let draws = |config: &MultiConditionConfig, seed: u64| -> Vec<Condition> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..4_000).map(|_| config.draw(&mut rng)).collect()
    };
    let drawn = draws(&config, 1);
    assert_eq!(drawn, draws(&config, 1));
    assert_ne!(drawn, draws(&config, 2));
    let clean = drawn.iter().filter(|c| **c == Condition::Clean).count() as f64 / 4_000.0;
    assert!((clean - 0.3).abs() < 0.03, "clean fraction {clean}");
    let stages = |c: &Condition| -> Vec<Condition> {
        match c {
            Condition::Chain { stages } => stages.clone(),
            other => vec![other.clone()],
        }
    };
    let mut reverbs = 0;
    let mut telephones = 0;
    for condition in &drawn {
        condition.validate().unwrap();
        for stage in stages(condition) {
            match stage {
                Condition::Reverb { rt60 } => {
                    assert!((0.2..=1.0).contains(&rt60));
                    reverbs += 1;
                }
                Condition::Telephone => telephones += 1,
                Condition::White { snr_db }
                | Condition::Pink { snr_db }
                | Condition::Babble { snr_db, .. } => assert!((0.0..=30.0).contains(&snr_db)),
                Condition::Clean => {}
                other => panic!("unexpected stage {other}"),
            }
        }
    }
    let degraded = drawn.len() as f64 * 0.7;
    assert!((reverbs as f64 / degraded - 0.3).abs() < 0.04, "{reverbs}");
    assert!(
        (telephones as f64 / degraded - 0.2).abs() < 0.04,
        "{telephones}"
    );

    // Only white noise and a gain, always degraded.
    let white_only = MultiConditionConfig {
        prob: 1.0,
        noise_prob: 1.0,
        telephone_prob: 0.0,
        reverb_prob: 0.0,
        noise_weights: NoiseWeights {
            white: 1.0,
            pink: 0.0,
            babble: 0.0,
        },
        gain_db: 6.0,
        ..Default::default()
    };
    white_only.validate().unwrap();
    for condition in draws(&white_only, 3) {
        match condition {
            Condition::Chain { ref stages } => {
                assert!(matches!(stages[0], Condition::White { .. }), "{condition}");
                assert!(
                    matches!(stages[1], Condition::Gain { db } if db.abs() <= 6.0),
                    "{condition}"
                );
            }
            other => panic!("unexpected {other}"),
        }
    }

    // Validation.
    for bad in [
        MultiConditionConfig {
            prob: 1.5,
            ..Default::default()
        },
        MultiConditionConfig {
            snr_db: (30.0, 0.0),
            ..Default::default()
        },
        MultiConditionConfig {
            snr_db: (0.0, 90.0),
            ..Default::default()
        },
        MultiConditionConfig {
            rt60: (0.0, 1.0),
            ..Default::default()
        },
        MultiConditionConfig {
            babble_talkers: (0, 4),
            ..Default::default()
        },
        MultiConditionConfig {
            gain_db: -3.0,
            ..Default::default()
        },
        MultiConditionConfig {
            tilt_prob: -0.1,
            ..Default::default()
        },
        MultiConditionConfig {
            tilt_db: 30.0,
            ..Default::default()
        },
        MultiConditionConfig {
            opus_prob: 1.5,
            ..Default::default()
        },
        MultiConditionConfig {
            amr_prob: -0.5,
            ..Default::default()
        },
        MultiConditionConfig {
            opus_kbps: (16, 8),
            ..Default::default()
        },
        MultiConditionConfig {
            opus_kbps: (4, 8),
            ..Default::default()
        },
        MultiConditionConfig {
            noise_weights: NoiseWeights {
                white: 0.0,
                pink: 0.0,
                babble: 0.0,
            },
            ..Default::default()
        },
        MultiConditionConfig {
            noise_weights: NoiseWeights {
                white: f32::NAN,
                pink: 1.0,
                babble: 1.0,
            },
            ..Default::default()
        },
    ] {
        assert!(
            matches!(bad.validate(), Err(DegradeError::BadConfig(_))),
            "{bad:?}"
        );
    }

    // serde: missing fields take their defaults.
    let partial: MultiConditionConfig =
        serde_json::from_str(r#"{"prob":0.5,"noise_weights":{"babble":0}}"#).unwrap();
    assert_eq!(partial.prob, 0.5);
    assert_eq!(partial.noise_weights.babble, 0.0);
    assert_eq!(partial.noise_weights.white, 1.0);
    assert_eq!(partial.rt60, MultiConditionConfig::default().rt60);
    let json = serde_json::to_string(&config).unwrap();
    assert_eq!(
        serde_json::from_str::<MultiConditionConfig>(&json).unwrap(),
        config
    );
}

/// Timing per 2 s clip at 16 kHz; run in release:
/// `cargo test --release -p emovox-audio --test degrade -- --ignored --nocapture timings`.
#[test]
#[ignore = "timing report, run in release"]
fn timings() {
    let clip = speechy(2 * SR as usize, SR, 140.0);
    let pool = pool();
    for text in [
        "gain:-20",
        "white:10",
        "pink:10",
        "babble:10",
        "babble:10:16",
        "telephone",
        "reverb:0.5",
        "reverb:1",
        "reverb:3",
        "reverb:0.5+babble:10",
        "telephone+white:20",
        #[cfg(feature = "opus")]
        "opus:8",
        #[cfg(feature = "opus")]
        "opus:16",
    ] {
        let condition = Condition::parse(text).unwrap();
        condition.apply(&clip, SR, 0, Some(&pool)).unwrap(); // warm the caches
                                                             // The best of 10 batches of 20 runs (the machine may be shared).
        let per_clip = (0..10u64)
            .map(|batch| {
                let start = std::time::Instant::now();
                for seed in 0..20 {
                    let seed = batch * 20 + seed;
                    std::hint::black_box(condition.apply(&clip, SR, seed, Some(&pool)).unwrap());
                }
                start.elapsed().as_secs_f64() * 1e3 / 20.0
            })
            .fold(f64::INFINITY, f64::min);
        println!("{text:>22}: {per_clip:.3} ms per 2 s clip");
    }
    // The telephone channel without resampling (a 2 s clip already at 8 kHz).
    let narrow = speechy(16_000, 8_000, 140.0);
    let start = std::time::Instant::now();
    for _ in 0..50 {
        std::hint::black_box(Condition::Telephone.apply(&narrow, 8_000, 0, None).unwrap());
    }
    println!(
        "{:>22}: {:.3} ms per 2 s clip",
        "telephone at 8 kHz",
        start.elapsed().as_secs_f64() * 1e3 / 50.0
    );
    // Without the per-thread resampler cache (a resampler built per call).
    let start = std::time::Instant::now();
    for _ in 0..20 {
        let narrow = emovox_audio::resample(&clip, SR, 8_000).unwrap();
        std::hint::black_box(emovox_audio::resample(&narrow, 8_000, SR).unwrap());
    }
    println!(
        "{:>22}: {:.3} ms per 2 s clip",
        "resample uncached x2",
        start.elapsed().as_secs_f64() * 1e3 / 20.0
    );
}

#[cfg(feature = "opus")]
#[test]
fn opus_narrows_the_band_at_low_bitrates_and_keeps_it_at_high() {
    let len = 2 * SR as usize;
    let noise = white_noise(len, 4);
    let clean: Vec<f32> = speechy(len, SR, 140.0)
        .iter()
        .zip(&noise)
        .map(|(s, n)| s + 0.01 * n)
        .collect();
    let segment = 512;
    let spec_in = welch(&clean, segment);
    let high_band = |kbps: u32| {
        let out = Condition::Opus { kbps, loss: 0.0 }
            .apply(&clean, SR, 0, None)
            .unwrap();
        assert_eq!(out.len(), clean.len());
        let spec = welch(&out, segment);
        let high = band(&spec, segment, SR, 4_500.0, 7_500.0)
            / band(&spec_in, segment, SR, 4_500.0, 7_500.0);
        let low =
            band(&spec, segment, SR, 200.0, 3_000.0) / band(&spec_in, segment, SR, 200.0, 3_000.0);
        (db(high), db(low))
    };
    // Measured (complexity 5): 6 and 8 kbit/s code 16 kHz speech narrow-band (-51, -52 dB
    // above 4.5 kHz), 12 and 24 kbit/s wide-band (-2.1, -3.7 dB), 64 kbit/s -1.7 dB; the band
    // below 3 kHz within 2.5 dB throughout (-2.5 dB at 6 kbit/s, -0.1 dB at 64).
    for kbps in [6, 8, 12, 24, 64] {
        let (high, low) = high_band(kbps);
        if kbps <= 8 {
            assert!(high < -30.0, "{kbps} kbit/s: {high:.1} dB above 4.5 kHz");
        } else {
            assert!(high > -6.0, "{kbps} kbit/s: {high:.1} dB above 4.5 kHz");
        }
        let tolerance = if kbps == 64 { 0.5 } else { 3.0 };
        assert!(
            low.abs() < tolerance,
            "{kbps} kbit/s: {low:.1} dB below 3 kHz"
        );
    }
}

#[cfg(not(feature = "opus"))]
#[test]
fn opus_without_the_feature_is_an_error_not_a_clean_clip() {
    let clip = speechy(SR as usize / 2, SR, 170.0);
    let result = Condition::Opus { kbps: 8, loss: 0.0 }.apply(&clip, SR, 0, None);
    assert!(matches!(result, Err(DegradeError::Codec(_))), "{result:?}");
}

/// AMR-NB, a mobile call's codec: narrow band at every bitrate (the clip goes through 8 kHz),
/// the speech band kept, aligned (on espeak-ng speech, the output's best lag against the input
/// is 0) and closer to the input at 12.2 kbit/s than at 4.75.
#[cfg(feature = "amr")]
#[test]
fn amr_narrows_the_band_keeps_the_speech_band_and_adds_no_delay() {
    let speech = emovox_audio::read_audio(common::fixture("speech16k.flac")).unwrap();
    let (clean, rate) = (speech.samples, speech.sample_rate);
    let segment = 512;
    let spec_in = welch(&clean, segment);
    let mut snrs = Vec::new();
    for kbps in [4.75, 7.95, 12.2] {
        let condition = Condition::Amr { kbps };
        let out = condition.apply(&clean, rate, 0, None).unwrap();
        assert_eq!(out.len(), clean.len());
        assert_eq!(out, condition.apply(&clean, rate, 9, None).unwrap());
        let spec = welch(&out, segment);
        let high = band(&spec, segment, rate, 4_500.0, 7_500.0)
            / band(&spec_in, segment, rate, 4_500.0, 7_500.0);
        let low = band(&spec, segment, rate, 300.0, 3_000.0)
            / band(&spec_in, segment, rate, 300.0, 3_000.0);
        assert!(
            db(high) < -40.0,
            "{kbps} kbit/s: {:.1} dB above 4.5 kHz",
            db(high)
        );
        assert!(
            db(low).abs() < 3.0,
            "{kbps} kbit/s: {:.1} dB over 0.3-3 kHz",
            db(low)
        );
        let correlation = |lag: isize| -> f64 {
            let (a, b) = if lag >= 0 {
                (&out[lag as usize..], &clean[..])
            } else {
                (&out[..], &clean[(-lag) as usize..])
            };
            a.iter()
                .zip(b)
                .map(|(&o, &c)| f64::from(o) * f64::from(c))
                .sum()
        };
        let best = (-160..160).max_by(|&a, &b| correlation(a).total_cmp(&correlation(b)));
        assert_eq!(best, Some(0), "{kbps} kbit/s");
        snrs.push(measured_snr(&clean, &out));
    }
    eprintln!("AMR-NB SNR against the input at 4.75 / 7.95 / 12.2 kbit/s: {snrs:.1?} dB");
    assert!(snrs[2] > snrs[0] && snrs[2] > 3.0, "{snrs:?}");
    // The text form, and a bitrate AMR-NB does not have.
    assert_eq!(
        "amr:12.2".parse::<Condition>().unwrap(),
        Condition::Amr { kbps: 12.2 }
    );
    assert_eq!(Condition::Amr { kbps: 4.75 }.to_string(), "amr:4.75");
    let err = "amr:13".parse::<Condition>().unwrap_err();
    assert!(err.to_string().contains("4.75, 5.15"), "{err}");
}
