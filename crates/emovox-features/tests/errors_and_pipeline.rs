//! Bad input is a typed error, and the pipeline stacks, derives and normalises as documented.

use emovox_features::{
    delta, BalanceNormalisation, FeatureError, FeatureKind, FeaturePipeline, FeatureSpec,
    LevelNormalisation, LogMelSpectrogram, MelConfig, Mfcc, MfccConfig, PitchConfig, PitchTracker,
    Preprocessing, MAX_DELTA_WIDTH, MAX_HOP_LENGTH,
};

fn tone(len: usize) -> Vec<f32> {
    (0..len).map(|i| (i as f32 * 0.07).sin() * 0.5).collect()
}

#[test]
fn empty_signal_is_refused() {
    let mfcc = Mfcc::new(MfccConfig::speech()).unwrap();
    assert_eq!(mfcc.compute(&[]), Err(FeatureError::EmptySignal));
}

#[test]
fn non_finite_samples_are_refused_with_their_index() {
    let mfcc = Mfcc::new(MfccConfig::speech()).unwrap();
    let mut y = tone(4000);
    y[1234] = f32::NAN;
    assert_eq!(
        mfcc.compute(&y),
        Err(FeatureError::NonFiniteSample { index: 1234 })
    );
    y[1234] = 0.0;
    y[10] = f32::INFINITY;
    assert_eq!(
        mfcc.compute(&y),
        Err(FeatureError::NonFiniteSample { index: 10 })
    );
}

#[test]
fn a_clip_shorter_than_one_frame_is_refused() {
    let mfcc = Mfcc::new(MfccConfig::speech()).unwrap();
    assert_eq!(
        mfcc.compute(&tone(399)),
        Err(FeatureError::TooShort {
            samples: 399,
            frame: 400
        })
    );
    // One window (win_length 400) is enough, even though n_fft is 512: librosa pads it.
    assert_eq!(mfcc.compute(&tone(400)).unwrap().dim(), (40, 3));
    let power = mfcc.log_mel().power_spectrogram();
    assert_eq!(
        power.compute(&tone(10)),
        Err(FeatureError::TooShort {
            samples: 10,
            frame: 400
        })
    );
    assert_eq!(power.compute(&tone(400)).unwrap().dim(), (257, 3));
}

#[test]
fn invalid_configurations_are_refused() {
    let bad_mels = [
        MelConfig {
            n_fft: 0,
            ..MelConfig::speech()
        },
        MelConfig {
            win_length: 600,
            ..MelConfig::speech()
        },
        MelConfig {
            hop_length: 0,
            ..MelConfig::speech()
        },
        MelConfig {
            sample_rate: 0,
            ..MelConfig::speech()
        },
        MelConfig {
            sample_rate: 10_000_000,
            ..MelConfig::speech()
        },
        MelConfig {
            n_mels: 0,
            ..MelConfig::speech()
        },
        MelConfig {
            fmax: Some(9_000.0),
            ..MelConfig::speech()
        },
        MelConfig {
            fmin: 8_000.0,
            ..MelConfig::speech()
        },
        MelConfig {
            fmin: f32::NAN,
            ..MelConfig::speech()
        },
        MelConfig {
            top_db: Some(-1.0),
            ..MelConfig::speech()
        },
    ];
    for mel in bad_mels {
        let err = LogMelSpectrogram::new(mel.clone()).unwrap_err();
        assert!(
            matches!(err, FeatureError::InvalidConfig(_)),
            "{mel:?} gave {err:?}"
        );
    }
    let too_many = MfccConfig {
        n_mfcc: 41,
        ..MfccConfig::speech()
    };
    assert!(matches!(
        Mfcc::new(too_many),
        Err(FeatureError::InvalidConfig(_))
    ));
    let bad_lifter = MfccConfig {
        lifter: -2.0,
        ..MfccConfig::speech()
    };
    assert!(matches!(
        Mfcc::new(bad_lifter),
        Err(FeatureError::InvalidConfig(_))
    ));
}

#[test]
fn delta_refuses_bad_widths_and_too_few_frames() {
    let x = ndarray::Array2::<f32>::zeros((3, 20));
    assert!(matches!(
        delta(&x, 4, 1),
        Err(FeatureError::InvalidConfig(_))
    ));
    assert!(matches!(
        delta(&x, 9, 3),
        Err(FeatureError::InvalidConfig(_))
    ));
    let short = ndarray::Array2::<f32>::zeros((3, 5));
    assert_eq!(
        delta(&short, 9, 1),
        Err(FeatureError::TooFewFrames {
            frames: 5,
            width: 9
        })
    );
}

#[test]
fn delta_of_a_ramp_is_its_slope_and_second_delta_of_a_parabola_its_curvature() {
    let ramp = ndarray::Array2::from_shape_fn((2, 30), |(r, t)| (r as f32 + 1.0) * t as f32);
    let d1 = delta(&ramp, 9, 1).unwrap();
    for ((r, _), v) in d1.indexed_iter() {
        assert!((v - (r as f32 + 1.0)).abs() < 1e-4);
    }
    let parabola = ndarray::Array2::from_shape_fn((1, 30), |(_, t)| 0.5 * (t as f32).powi(2));
    let d2 = delta(&parabola, 9, 2).unwrap();
    assert!(d2.iter().all(|v| (v - 1.0).abs() < 1e-3), "{d2:?}");
}

#[test]
fn pipeline_stacks_base_and_deltas_and_normalises_each_bin() {
    let spec = FeatureSpec {
        kind: FeatureKind::Mfcc(MfccConfig::speech()),
        delta_orders: 2,
        delta_width: 9,
        utterance_norm: true,
        pitch: None,
        preprocessing: Default::default(),
    };
    let pipeline = FeaturePipeline::new(spec).unwrap();
    let y = tone(16_000);
    let x = pipeline.compute(&y, 16_000).unwrap();
    assert_eq!(x.shape(), &[3, 40, pipeline.frames_for(y.len())]);
    // Channel 0 is the normalised MFCC: zero mean per bin, unit variance where the bin varies.
    let base = Mfcc::new(MfccConfig::speech())
        .unwrap()
        .compute(&y)
        .unwrap();
    for bin in 0..40usize {
        let channel0 = x.index_axis(ndarray::Axis(0), 0);
        let row = channel0.row(bin);
        let mean = row.mean().unwrap();
        assert!(mean.abs() < 1e-4, "bin {bin} mean {mean}");
        let raw = base.row(bin);
        let raw_mean = raw.mean().unwrap();
        let raw_std = raw.mapv(|v| (v - raw_mean).powi(2)).mean().unwrap().sqrt();
        let expected = (raw[7] - raw_mean) / (raw_std.powi(2) + 1e-5).sqrt();
        assert!((row[7] - expected).abs() < 1e-3);
    }
}

#[test]
fn pipeline_appends_pitch_rows_after_the_base_bins() {
    let spec = FeatureSpec {
        kind: FeatureKind::Mfcc(MfccConfig::speech()),
        delta_orders: 1,
        delta_width: 9,
        utterance_norm: false,
        pitch: Some(PitchConfig::speech()),
        preprocessing: Default::default(),
    };
    assert_eq!(spec.n_bins(), 42);
    let pipeline = FeaturePipeline::new(spec).unwrap();
    let y = tone(16_000);
    let x = pipeline.compute(&y, 16_000).unwrap();
    assert_eq!(x.shape(), &[2, 42, pipeline.frames_for(y.len())]);
    let mfcc = Mfcc::new(MfccConfig::speech())
        .unwrap()
        .compute(&y)
        .unwrap();
    let pitch = PitchTracker::new(PitchConfig::speech(), 16_000, 160)
        .unwrap()
        .compute(&y)
        .unwrap();
    assert_eq!(x.slice(ndarray::s![0, ..40, ..]), mfcc);
    assert_eq!(x.slice(ndarray::s![0, 40.., ..]), pitch);
    // The delta channel covers the pitch rows too: a steady tone has a flat contour.
    assert!(x
        .slice(ndarray::s![1, 40, 10..90])
        .iter()
        .all(|d| d.abs() < 1e-3));
}

#[test]
fn pipeline_refuses_pitch_settings_that_do_not_fit_the_sample_rate() {
    let spec = FeatureSpec {
        kind: FeatureKind::Mfcc(MfccConfig::speech()),
        delta_orders: 0,
        delta_width: 9,
        utterance_norm: false,
        pitch: Some(PitchConfig {
            fmax: 8_000.0,
            ..PitchConfig::speech()
        }),
        preprocessing: Default::default(),
    };
    assert!(matches!(
        FeaturePipeline::new(spec),
        Err(FeatureError::InvalidConfig(_))
    ));
}

#[test]
fn pipeline_refuses_clips_too_short_for_its_deltas() {
    let spec = FeatureSpec {
        kind: FeatureKind::LogMel(MelConfig::speech_with_mels(64)),
        delta_orders: 1,
        delta_width: 9,
        utterance_norm: false,
        pitch: None,
        preprocessing: Default::default(),
    };
    let pipeline = FeaturePipeline::new(spec).unwrap();
    assert_eq!(pipeline.min_samples(), 1280);
    assert_eq!(
        pipeline.compute(&tone(1000), 16_000),
        Err(FeatureError::TooShort {
            samples: 1000,
            frame: 1280
        })
    );
    assert_eq!(
        pipeline.compute(&tone(1280), 16_000).unwrap().shape(),
        &[2, 64, 9]
    );
}

#[test]
fn pipeline_refuses_invalid_specs() {
    let spec = FeatureSpec {
        kind: FeatureKind::LogMel(MelConfig::speech()),
        delta_orders: 3,
        delta_width: 9,
        utterance_norm: false,
        pitch: None,
        preprocessing: Default::default(),
    };
    assert!(matches!(
        FeaturePipeline::new(spec),
        Err(FeatureError::InvalidConfig(_))
    ));
}

#[test]
fn extractors_are_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Mfcc>();
    assert_send_sync::<LogMelSpectrogram>();
    assert_send_sync::<FeaturePipeline>();
}

fn delta_spec(delta_width: usize, hop_length: usize) -> FeatureSpec {
    FeatureSpec {
        kind: FeatureKind::LogMel(MelConfig {
            hop_length,
            ..MelConfig::speech()
        }),
        delta_orders: 1,
        delta_width,
        utterance_norm: false,
        pitch: None,
        preprocessing: Default::default(),
    }
}

/// A model file's delta width sizes the delta filter: one beyond `MAX_DELTA_WIDTH` is refused
/// when the pipeline is built (2^40 + 1 used to abort on its allocation, 2^62 + 1 to panic).
#[test]
fn a_delta_width_beyond_the_maximum_is_refused() {
    for width in [
        MAX_DELTA_WIDTH + 2,
        (1 << 40) + 1,
        (1 << 62) + 1,
        usize::MAX,
    ] {
        let err = FeaturePipeline::new(delta_spec(width, 160)).unwrap_err();
        assert!(
            matches!(&err, FeatureError::InvalidConfig(m) if m.contains("delta_width")
                && m.contains(&MAX_DELTA_WIDTH.to_string())),
            "{width}: {err:?}"
        );
    }
    let widest = FeaturePipeline::new(delta_spec(MAX_DELTA_WIDTH, 160)).unwrap();
    assert_eq!(widest.min_samples(), (MAX_DELTA_WIDTH - 1) * 160);
}

/// A hop beyond `MAX_HOP_LENGTH` is refused, so `min_samples` (`(delta_width - 1) *
/// hop_length`) cannot overflow.
#[test]
fn a_hop_beyond_the_maximum_is_refused() {
    for hop in [MAX_HOP_LENGTH + 1, 1 << 62, usize::MAX] {
        let err = FeaturePipeline::new(delta_spec(3, hop)).unwrap_err();
        assert!(
            matches!(&err, FeatureError::InvalidConfig(m) if m.contains("hop_length")),
            "{hop}: {err:?}"
        );
    }
    let pipeline = FeaturePipeline::new(delta_spec(MAX_DELTA_WIDTH, MAX_HOP_LENGTH)).unwrap();
    assert_eq!(
        pipeline.min_samples(),
        (MAX_DELTA_WIDTH - 1) * MAX_HOP_LENGTH
    );
}

/// Preprocessing applied directly checks its settings: a high-pass above the Nyquist
/// frequency used to turn almost every sample into NaN without a word.
#[test]
fn preprocessing_applied_directly_refuses_settings_and_samples_it_cannot_use() {
    let clip = tone(16_000);
    let bad = Preprocessing {
        high_pass_hz: Some(9_000.0),
        ..Preprocessing::default()
    };
    let err = bad.apply(&clip, 16_000).unwrap_err();
    assert!(
        matches!(&err, FeatureError::InvalidConfig(m) if m.contains("high_pass_hz")),
        "{err:?}"
    );
    let good = Preprocessing {
        high_pass_hz: Some(60.0),
        level: Some(LevelNormalisation::default()),
        ..Preprocessing::default()
    };
    let out = good.apply(&clip, 16_000).unwrap();
    assert!(out.iter().all(|s| s.is_finite()));
    let mut nan = clip.clone();
    nan[77] = f32::NAN;
    assert_eq!(
        good.apply(&nan, 16_000),
        Err(FeatureError::NonFiniteSample { index: 77 })
    );
}

/// Level and balance normalisation applied directly check their settings (a NaN target used
/// to give NaN samples) and leave the clip untouched when they refuse.
#[test]
fn level_and_balance_applied_directly_refuse_bad_settings() {
    let clip = tone(16_000);
    let level = LevelNormalisation {
        target_dbfs: f32::NAN,
        ..LevelNormalisation::default()
    };
    let mut samples = clip.clone();
    assert!(matches!(
        level.apply(&mut samples, 16_000),
        Err(FeatureError::InvalidConfig(_))
    ));
    assert!(matches!(
        level.gain(&clip, 16_000),
        Err(FeatureError::InvalidConfig(_))
    ));
    assert_eq!(samples, clip);
    let balance = BalanceNormalisation {
        split_hz: 9_000.0,
        ..BalanceNormalisation::default()
    };
    assert!(matches!(
        balance.apply(&mut samples, 16_000),
        Err(FeatureError::InvalidConfig(_))
    ));
    assert!(matches!(
        balance.balance_db(&clip, 16_000),
        Err(FeatureError::InvalidConfig(_))
    ));
    assert_eq!(samples, clip);
    let mut inf = clip.clone();
    inf[5] = f32::INFINITY;
    let default_level = LevelNormalisation::default();
    assert_eq!(
        default_level.apply(&mut inf, 16_000),
        Err(FeatureError::NonFiniteSample { index: 5 })
    );
    assert_eq!(
        BalanceNormalisation::default().apply(&mut inf, 16_000),
        Err(FeatureError::NonFiniteSample { index: 5 })
    );
    let gain = default_level.gain(&clip, 16_000).unwrap();
    assert!(gain.is_finite() && gain > 0.0);
}

/// Preprocessing, level and balance applied directly, and a pitch config, check the sample
/// rate they are given: 0 Hz or 4 GHz used to level-normalise with 1-sample or whole-clip
/// "20 ms" frames without a word (and the balance and pitch errors named another field).
#[test]
fn a_sample_rate_out_of_range_is_refused_where_it_is_given() {
    let clip = tone(16_000);
    let level = LevelNormalisation::default();
    let preprocessing = Preprocessing {
        level: Some(level.clone()),
        ..Preprocessing::default()
    };
    let names_the_rate = |err: FeatureError| matches!(&err, FeatureError::InvalidConfig(m) if m.contains("sample_rate"));
    for rate in [0, 1, 999, 768_001, u32::MAX] {
        assert!(
            names_the_rate(preprocessing.apply(&clip, rate).unwrap_err()),
            "{rate}"
        );
        assert!(names_the_rate(
            Preprocessing::default().validate(rate).unwrap_err()
        ));
        assert!(
            names_the_rate(level.gain(&clip, rate).unwrap_err()),
            "{rate}"
        );
        let mut samples = clip.clone();
        assert!(names_the_rate(level.apply(&mut samples, rate).unwrap_err()));
        assert_eq!(samples, clip);
        let balance = BalanceNormalisation::default();
        assert!(
            names_the_rate(balance.validate(rate).unwrap_err()),
            "{rate}"
        );
        let pitch = PitchConfig::speech().validate(rate).unwrap_err();
        assert!(names_the_rate(pitch), "{rate}");
    }
    for rate in [1_000, 16_000, 768_000] {
        preprocessing.apply(&clip, rate).unwrap();
        level.gain(&clip, rate).unwrap();
    }
}

/// A clip that resamples to no sample at all is too short, not empty: one sample at 48 kHz
/// for a 16 kHz pipeline used to be `EmptySignal`.
#[test]
fn a_clip_that_resamples_to_nothing_is_too_short() {
    let spec = delta_spec(9, 160);
    let pipeline = FeaturePipeline::new(spec.clone()).unwrap();
    let front_end = emovox_features::FrontEnd::new([spec]).unwrap();
    let too_short = FeatureError::TooShort {
        samples: 0,
        frame: pipeline.min_samples(),
    };
    assert_eq!(pipeline.compute(&[0.5], 48_000), Err(too_short.clone()));
    assert_eq!(pipeline.prepare(&[0.5], 48_000), Err(too_short.clone()));
    assert_eq!(front_end.compute(&[0.5], 48_000), Err(too_short));
    assert_eq!(
        pipeline.compute(&[], 48_000),
        Err(FeatureError::EmptySignal)
    );
}

#[test]
fn too_short_says_one_sample_or_several() {
    let one = emovox_features::FeatureError::TooShort {
        samples: 1,
        frame: 400,
    };
    let two = emovox_features::FeatureError::TooShort {
        samples: 2,
        frame: 400,
    };
    assert_eq!(
        one.to_string(),
        "the signal has 1 sample, shorter than one frame of 400 samples"
    );
    assert_eq!(
        two.to_string(),
        "the signal has 2 samples, shorter than one frame of 400 samples"
    );
}

#[test]
fn a_pipeline_can_be_used_inside_catch_unwind() {
    // Compiles only while `FeaturePipeline` is `UnwindSafe` and `RefUnwindSafe`.
    fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>(_: &T) {}
    // Pitch too, whose tracker holds FFT plans of its own.
    let spec = FeatureSpec {
        kind: FeatureKind::LogMel(MelConfig::speech()),
        delta_orders: 1,
        delta_width: 9,
        utterance_norm: false,
        pitch: Some(PitchConfig::speech()),
        preprocessing: Default::default(),
    };
    let pipeline = FeaturePipeline::new(spec).unwrap();
    unwind_safe(&pipeline);
    let clip = tone(16_000);
    let inside = std::panic::catch_unwind(|| pipeline.compute(&clip, 16_000).unwrap());
    assert_eq!(inside.unwrap(), pipeline.compute(&clip, 16_000).unwrap());
}
