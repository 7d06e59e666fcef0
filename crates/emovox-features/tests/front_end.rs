//! The shared front end and caller-owned buffers give exactly what the allocating per-view
//! pipelines give, bit for bit, whatever the clip lengths, rates and view mixes.

use emovox_features::{
    BalanceNormalisation, FeatureError, FeatureKind, FeaturePipeline, FeatureScratch, FeatureSpec,
    FrontEnd, LevelNormalisation, MelConfig, MfccConfig, PitchConfig, Preprocessing, SpeechTrim,
};
use ndarray::Array3;

/// A speech-like clip: a gliding harmonic tone with noise, bursts and pauses (xorshift noise).
fn clip(len: usize, rate: u32, seed: u32) -> Vec<f32> {
    let mut state = seed | 1;
    (0..len)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let t = i as f32 / rate as f32;
            let f0 = 140.0 + 50.0 * (1.3 * t).sin();
            let voiced: f32 = (1..6)
                .map(|h| (std::f32::consts::TAU * f0 * h as f32 * t).sin() / h as f32)
                .sum();
            let envelope = if (t * 2.0).fract() < 0.7 { 0.3 } else { 0.002 };
            envelope * voiced + 0.003 * (state as f32 / u32::MAX as f32 - 0.5)
        })
        .collect()
}

fn spec(kind: FeatureKind, pitch: bool, preprocessing: Preprocessing) -> FeatureSpec {
    FeatureSpec {
        kind,
        delta_orders: 2,
        delta_width: 9,
        utterance_norm: false,
        pitch: pitch.then(PitchConfig::speech),
        preprocessing,
    }
}

fn mfcc_over(mel: MelConfig) -> FeatureKind {
    FeatureKind::Mfcc(MfccConfig {
        mel,
        n_mfcc: 40,
        lifter: 0.0,
    })
}

/// The bundled model's preprocessing: the level normalised, nothing else.
fn levelled() -> Preprocessing {
    Preprocessing {
        level: Some(LevelNormalisation::default()),
        ..Preprocessing::default()
    }
}

/// The six views of the bundled model: log-mel and MFCC over one 64-band mel setting, with
/// pitch, level-normalised; the same with trimming and a 60 dB floor; then the first pair
/// again (a third ensemble member with the first one's features: assembled once, copied).
fn bundled_like() -> Vec<FeatureSpec> {
    let level = levelled();
    let trimmed = Preprocessing {
        trim_top_db: Some(40.0),
        ..level.clone()
    };
    let mel80 = MelConfig::speech_with_mels(64);
    let mel60 = MelConfig {
        top_db: Some(60.0),
        ..mel80.clone()
    };
    let first_pair = vec![
        spec(FeatureKind::LogMel(mel80.clone()), true, level.clone()),
        spec(mfcc_over(mel80), true, level),
    ];
    let mut views = first_pair.clone();
    views.push(spec(
        FeatureKind::LogMel(mel60.clone()),
        true,
        trimmed.clone(),
    ));
    views.push(spec(mfcc_over(mel60), true, trimmed));
    views.extend(first_pair);
    views
}

/// Views that share some stages and not others: no pitch, another mel setting, utterance
/// normalisation, one delta order, a lifter.
fn mixed() -> Vec<FeatureSpec> {
    let none = Preprocessing::default();
    let mut normalised = spec(FeatureKind::Mfcc(MfccConfig::speech()), false, none.clone());
    normalised.utterance_norm = true;
    normalised.delta_orders = 1;
    let liftered = FeatureKind::Mfcc(MfccConfig {
        lifter: 22.0,
        ..MfccConfig::speech()
    });
    vec![
        spec(FeatureKind::LogMel(MelConfig::speech()), true, none.clone()),
        normalised,
        spec(liftered, true, none.clone()),
        spec(
            FeatureKind::LogMel(MelConfig::speech_with_mels(64)),
            false,
            none,
        ),
    ]
}

fn assert_views_equal_pipelines(specs: Vec<FeatureSpec>, clips: &[(Vec<f32>, u32)]) {
    let pipelines: Vec<FeaturePipeline> = specs
        .iter()
        .cloned()
        .map(|s| FeaturePipeline::new(s).unwrap())
        .collect();
    let front_end = FrontEnd::new(specs).unwrap();
    // One scratch and one set of outputs for every clip, as a caller would keep them.
    let mut scratch = FeatureScratch::new();
    let mut views = Vec::new();
    let mut single = Array3::zeros((0, 0, 0));
    for (samples, rate) in clips {
        front_end
            .compute_into(samples, *rate, &mut scratch, &mut views)
            .unwrap();
        assert_eq!(views.len(), pipelines.len());
        for (v, pipeline) in pipelines.iter().enumerate() {
            let expected = pipeline.compute(samples, *rate).unwrap();
            assert_eq!(
                views[v],
                expected,
                "view {v}, {} samples at {rate} Hz",
                samples.len()
            );
            pipeline
                .compute_into(samples, *rate, &mut scratch, &mut single)
                .unwrap();
            assert_eq!(single, expected, "compute_into of view {v}");
        }
    }
}

fn clips() -> Vec<(Vec<f32>, u32)> {
    vec![
        (clip(64_000, 16_000, 1), 16_000),
        (clip(20_000, 16_000, 2), 16_000),
        (clip(64_000, 16_000, 3), 16_000),
        (clip(96_000, 48_000, 4), 48_000),
        (clip(30_000, 22_050, 5), 22_050),
        (clip(64_000, 16_000, 6), 16_000),
    ]
}

#[test]
fn bundled_views_equal_their_own_pipelines_bit_for_bit() {
    assert_views_equal_pipelines(bundled_like(), &clips());
}

/// The bundle's trimmed views copy the untrimmed pitch track's inner frames when the
/// trimmed clip starts a whole number of hops into the levelled one: clips after leading
/// pauses of many lengths, so that starts on and off the hop grid both occur.
#[test]
fn trimmed_views_after_pauses_equal_their_own_pipelines_bit_for_bit() {
    let level = levelled();
    let mut clips = Vec::new();
    let (mut on_grid, mut off_grid) = (0, 0);
    for (i, pause) in (1_000..13_000).step_by(520).enumerate() {
        // A pause of faint noise (not zeros, which would equal the frames' zero padding).
        let mut samples: Vec<f32> = clip(pause, 16_000, 50 + i as u32)
            .iter()
            .map(|x| 5e-3 * x)
            .collect();
        samples.extend(clip(24_000, 16_000, 10 + i as u32));
        let levelled = level.apply(&samples, 16_000).unwrap();
        let start = emovox_audio::trim_silence(&levelled, 40.0).start;
        if start > 0 && start.is_multiple_of(160) {
            on_grid += 1;
        } else if !start.is_multiple_of(160) {
            off_grid += 1;
        }
        clips.push((samples, 16_000));
    }
    assert!(
        on_grid >= 2 && off_grid >= 2,
        "{on_grid} on the grid, {off_grid} off"
    );
    assert_views_equal_pipelines(bundled_like(), &clips);
}

/// Views that level the same way but remove the mean and balance or not, trimmed and not: a
/// trimmed view may reuse only the clip of a view whose steps before trimming are its own.
#[test]
fn balanced_and_unbalanced_views_equal_their_own_pipelines_bit_for_bit() {
    let level = levelled();
    let balanced = Preprocessing {
        remove_dc: true,
        balance: Some(BalanceNormalisation::default()),
        ..level.clone()
    };
    let trimmed = |p: &Preprocessing| Preprocessing {
        trim_top_db: Some(40.0),
        ..p.clone()
    };
    let mel = MelConfig::speech_with_mels(64);
    let views = vec![
        spec(FeatureKind::LogMel(mel.clone()), true, level.clone()),
        spec(FeatureKind::LogMel(mel.clone()), true, trimmed(&balanced)),
        spec(mfcc_over(mel.clone()), true, balanced.clone()),
        spec(mfcc_over(mel), true, trimmed(&level)),
    ];
    assert_views_equal_pipelines(views, &clips());
}

#[test]
fn partly_shared_views_equal_their_own_pipelines_bit_for_bit() {
    assert_views_equal_pipelines(mixed(), &clips());
}

#[test]
fn the_allocating_wrapper_equals_compute_into() {
    let front_end = FrontEnd::new(bundled_like()).unwrap();
    let samples = clip(40_000, 16_000, 9);
    let mut views = Vec::new();
    front_end
        .compute_into(&samples, 16_000, &mut FeatureScratch::new(), &mut views)
        .unwrap();
    assert_eq!(front_end.compute(&samples, 16_000).unwrap(), views);
}

#[test]
fn bad_front_ends_and_clips_are_typed_errors() {
    let no_views: Vec<FeatureSpec> = Vec::new();
    assert_eq!(FrontEnd::new(no_views).unwrap_err(), FeatureError::NoViews);
    let at_8k = spec(
        FeatureKind::LogMel(MelConfig {
            sample_rate: 8_000,
            fmax: Some(4_000.0),
            ..MelConfig::speech()
        }),
        false,
        Preprocessing::default(),
    );
    let mut specs = mixed();
    specs.push(at_8k);
    assert_eq!(
        FrontEnd::new(specs).unwrap_err(),
        FeatureError::MixedSampleRates {
            first: 16_000,
            other: 8_000
        }
    );
    let mut bad = mixed();
    bad[1].delta_width = 4;
    assert!(matches!(
        FrontEnd::new(bad),
        Err(FeatureError::InvalidConfig(_))
    ));

    let front_end = FrontEnd::new(bundled_like()).unwrap();
    let mut scratch = FeatureScratch::new();
    let mut views = Vec::new();
    assert_eq!(
        front_end.compute_into(&[], 16_000, &mut scratch, &mut views),
        Err(FeatureError::EmptySignal)
    );
    let mut nan = clip(16_000, 16_000, 3);
    nan[77] = f32::NAN;
    assert_eq!(
        front_end.compute_into(&nan, 16_000, &mut scratch, &mut views),
        Err(FeatureError::NonFiniteSample { index: 77 })
    );
    // Too short for the delta window (8 hops of 160 samples): the pipelines' own error.
    let short = clip(1_000, 16_000, 4);
    let expected = FeaturePipeline::new(bundled_like().remove(0))
        .unwrap()
        .compute(&short, 16_000)
        .unwrap_err();
    assert_eq!(
        front_end.compute_into(&short, 16_000, &mut scratch, &mut views),
        Err(expected)
    );
    assert!(matches!(
        front_end.compute_into(&clip(16_000, 16_000, 5), 0, &mut scratch, &mut views),
        Err(FeatureError::Resample(_))
    ));
    // The scratch still works after the errors.
    front_end
        .compute_into(&clip(16_000, 16_000, 6), 16_000, &mut scratch, &mut views)
        .unwrap();
    assert_eq!(views.len(), 6);
}

/// A constant offset does not reach the features of views that remove the mean: at the views'
/// rate and resampled from 44.1 kHz (the resampler works around the clip's mean, so the offset
/// is no step at the clip's ends), the largest difference of any feature value (dB of log-mel,
/// MFCC, pitch rows and their deltas) under an offset from -40 to +6 dB relative to the clip's
/// RMS stays under 0.15 (0.09 at 16 kHz, 0.13 from 44.1 kHz; 1.0 at 16 kHz without mean
/// removal, 6.7 from 44.1 kHz when the resampler padded with zeros): the rounding of the offset
/// samples shows only in the lowest mel band, which the 60 Hz high-pass leaves 40-80 dB down.
#[test]
fn an_offset_does_not_reach_views_that_remove_it() {
    let preprocessing = Preprocessing {
        remove_dc: true,
        high_pass_hz: Some(60.0),
        ..levelled()
    };
    let mel = MelConfig::speech_with_mels(64);
    let front_end = FrontEnd::new(vec![
        spec(
            FeatureKind::LogMel(mel.clone()),
            true,
            preprocessing.clone(),
        ),
        spec(mfcc_over(mel), true, preprocessing),
    ])
    .unwrap();
    for rate in [16_000u32, 44_100] {
        let x = clip(3 * rate as usize, rate, 7);
        let reference = front_end.compute(&x, rate).unwrap();
        let rms = (x.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
        for db in [-40.0, -20.0, -6.0, 0.0, 6.0] {
            let offset = (rms * 10f64.powf(db / 20.0)) as f32;
            let shifted: Vec<f32> = x.iter().map(|s| s + offset).collect();
            let features = front_end.compute(&shifted, rate).unwrap();
            let worst = features
                .iter()
                .zip(&reference)
                .flat_map(|(u, v)| u.iter().zip(v.iter()).map(|(a, b)| (a - b).abs()))
                .fold(0.0, f32::max);
            assert!(worst < 0.15, "offset {db} dB at {rate} Hz: {worst}");
        }
    }
}

/// A tenth of a second whose end is a loud burst (a timeline's short window catching a word's
/// onset): trimming at 40 dB keeps 512..1600 (whole 512-sample hops), fewer samples than one
/// analysis frame, so the clip around it is kept instead (it was an error).
#[test]
fn a_short_clip_trimmed_below_one_frame_keeps_enough_to_analyse() {
    let mut samples: Vec<f32> = clip(1_600, 16_000, 9).iter().map(|s| s * 3e-4).collect();
    for (i, s) in samples[1_400..].iter_mut().enumerate() {
        *s = 0.5 * (i as f32 * 0.3).sin();
    }
    let specs = bundled_like();
    let front_end = FrontEnd::new(specs.clone()).unwrap();
    let mut views = Vec::new();
    front_end
        .compute_into(&samples, 16_000, &mut FeatureScratch::new(), &mut views)
        .unwrap();
    for (spec, view) in specs.into_iter().zip(&views) {
        let pipeline = FeaturePipeline::new(spec).unwrap();
        let single = pipeline.compute(&samples, 16_000).unwrap();
        assert_eq!(&single, view);
        // At least the frames of the shortest clip the view analyses.
        let least = 1 + pipeline.min_samples() / pipeline.hop_length();
        assert!(view.shape()[2] >= least, "{:?}", view.shape());
    }
}

/// Views trimmed to their speech (alone, and with `trim_top_db` as well) beside an untrimmed
/// one, over clips after pauses of faint noise that the speech trim cuts.
#[test]
fn views_trimmed_to_speech_equal_their_own_pipelines_bit_for_bit() {
    let level = levelled();
    let to_speech = Preprocessing {
        trim_to_speech: Some(SpeechTrim { margin_s: 0.1 }),
        ..level.clone()
    };
    let both = Preprocessing {
        trim_top_db: Some(40.0),
        ..to_speech.clone()
    };
    let mel = MelConfig::speech_with_mels(64);
    let trimmed_views = vec![
        spec(FeatureKind::LogMel(mel.clone()), true, to_speech.clone()),
        spec(mfcc_over(mel.clone()), true, to_speech.clone()),
        spec(mfcc_over(mel.clone()), true, both),
    ];
    // With an untrimmed view, both trimmed groups trim its clip; without one (the bundled
    // model's views since R57), the doubly trimmed group trims the speech-trimmed one's clip
    // before trimming and copies its frames when it lies inside it.
    let mut views = vec![spec(FeatureKind::LogMel(mel), true, level.clone())];
    views.extend(trimmed_views.iter().cloned());
    let mut clips = Vec::new();
    for (i, pause) in (4_000..22_000).step_by(3_100).enumerate() {
        // Room tone: the clip's own noise (its tone bursts would be speech 46 dB down).
        let mut state = 70 + i as u32;
        let mut samples: Vec<f32> = (0..pause)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                0.003 * (state as f32 / u32::MAX as f32 - 0.5)
            })
            .collect();
        samples.extend(clip(24_000, 16_000, 30 + i as u32));
        let trimmed = to_speech.apply(&samples, 16_000).unwrap();
        // The pause is cut but for the margin (1,600 samples) and a frame or two.
        let cut = samples.len() - trimmed.len();
        assert!(cut >= pause - 2_400, "pause {pause}: {cut} cut");
        clips.push((samples, 16_000));
    }
    clips.push((clip(30_000, 22_050, 5), 22_050));
    clips.push((clip(40_000, 16_000, 9), 16_000));
    assert_views_equal_pipelines(views, &clips);
    assert_views_equal_pipelines(trimmed_views, &clips);
    // A tighter trim lies inside a looser one, ten hops in: its frames are copied from it.
    let tighter = Preprocessing {
        trim_to_speech: Some(SpeechTrim { margin_s: 0.0 }),
        ..to_speech.clone()
    };
    let nested = vec![
        spec(
            FeatureKind::LogMel(MelConfig::speech_with_mels(64)),
            true,
            to_speech,
        ),
        spec(
            FeatureKind::LogMel(MelConfig::speech_with_mels(64)),
            true,
            tighter,
        ),
    ];
    assert_views_equal_pipelines(nested, &clips);
}
