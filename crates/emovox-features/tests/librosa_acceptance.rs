//! `Acceptance::Librosa`: the plans behind the librosa-compatible functions compute what
//! librosa 0.11 computes where emovox's strict checks (the classifier's, unchanged) refuse:
//! signals shorter than a window, more mel bands than FFT bins, `fmax` above Nyquist. The
//! expected filterbank values are librosa's (`librosa.filters.mel`, printed by librosa 0.11).

use emovox_features::{
    Acceptance, FeatureError, LogMelSpectrogram, MelConfig, MelFilterbank, Mfcc, MfccConfig,
    PowerSpectrogram,
};

fn noise(len: usize, seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        })
        .collect()
}

/// A short signal's frames are the first frames of the same signal followed by zeros (librosa
/// zero-pads it): 1 sample gives one frame, 2047 samples at n_fft 2048 four, as librosa.
#[test]
fn a_signal_shorter_than_a_window_is_zero_padded_as_librosa_pads_it() {
    for (config, lengths) in [
        (MelConfig::librosa(22_050), &[1usize, 2, 1_000, 2_047][..]),
        (MelConfig::speech(), &[1, 159, 160, 399, 511][..]),
    ] {
        let strict = LogMelSpectrogram::new(config.clone()).unwrap();
        let librosa =
            LogMelSpectrogram::with_acceptance(config.clone(), Acceptance::Librosa).unwrap();
        assert_eq!(librosa.min_samples(), 1);
        for &len in lengths {
            let short = noise(len, len as u64);
            let mut padded = short.clone();
            padded.resize(10 * config.n_fft, 0.0);
            let ours = librosa.mel_power(&short).unwrap();
            assert_eq!(ours.ncols(), 1 + len / config.hop_length, "{len} samples");
            let whole = strict.mel_power(&padded).unwrap();
            let first = whole.slice(ndarray::s![.., ..ours.ncols()]);
            assert_eq!(ours, first, "{len} samples");
            if len < config.win_length {
                assert_eq!(
                    strict.mel_power(&short),
                    Err(FeatureError::TooShort {
                        samples: len,
                        frame: config.win_length
                    })
                );
            }
        }
    }
    let shapes: Vec<_> = [1, 2_047]
        .iter()
        .map(|&len| {
            Mfcc::with_acceptance(MfccConfig::librosa(22_050), Acceptance::Librosa)
                .unwrap()
                .compute(&noise(len, 3))
                .unwrap()
                .dim()
        })
        .collect();
    assert_eq!(shapes, [(20, 1), (20, 4)]);
}

/// The MFCC of a short signal equals the first frames of the zero-padded signal's: the
/// padding's silent frames lie below the 80 dB floor and do not move it.
#[test]
fn the_mfcc_of_a_short_signal_is_that_of_the_padded_signal() {
    let config = MfccConfig::speech();
    let strict = Mfcc::new(config.clone()).unwrap();
    let librosa = Mfcc::with_acceptance(config, Acceptance::Librosa).unwrap();
    for len in [1, 100, 399] {
        let short = noise(len, 7 + len as u64);
        let mut padded = short.clone();
        padded.resize(4_000, 0.0);
        let ours = librosa.compute(&short).unwrap();
        let whole = strict.compute(&padded).unwrap();
        let first = whole.slice(ndarray::s![.., ..ours.ncols()]);
        let worst = (&ours - &first).iter().fold(0.0f32, |m, d| m.max(d.abs()));
        assert!(worst <= 1e-4, "{len} samples: {worst}");
        assert!(strict.compute(&short).is_err());
    }
}

/// librosa frames an odd `n_fft` one frame short when `len` is a multiple of the hop
/// (librosa: n_fft 511, hop 160, 16,000 samples give 100 frames); the strict count stays.
#[test]
fn an_odd_n_fft_gives_librosas_number_of_frames() {
    let librosa = PowerSpectrogram::with_acceptance(511, 511, 160, Acceptance::Librosa).unwrap();
    let strict = PowerSpectrogram::new(511, 511, 160).unwrap();
    assert_eq!(librosa.frames_for(16_000), 100);
    assert_eq!(librosa.frames_for(16_001), 101);
    assert_eq!(librosa.frames_for(1), 1);
    assert_eq!(strict.frames_for(16_000), 101);
    let even = PowerSpectrogram::with_acceptance(512, 400, 160, Acceptance::Librosa).unwrap();
    for len in [1, 159, 160, 16_000, 16_001] {
        assert_eq!(even.frames_for(len), 1 + len / 160);
    }
    assert_eq!(librosa.compute(&noise(16_000, 1)).unwrap().ncols(), 100);
}

fn sum(bank: &MelFilterbank, rows: std::ops::Range<usize>) -> f64 {
    let dense = bank.to_dense();
    rows.map(|m| dense.row(m).iter().map(|&w| w as f64).sum::<f64>())
        .sum()
}

/// More bands than FFT bins, and `fmax` above Nyquist: librosa's filterbank, empty bands and
/// all, and librosa's warning condition.
#[test]
fn librosa_filterbanks_beyond_the_strict_limits() {
    let librosa = |n_fft, n_mels, fmax| {
        MelFilterbank::with_acceptance(16_000, n_fft, n_mels, 0.0, fmax, Acceptance::Librosa)
            .unwrap()
    };
    // 300 bands over 257 bins: 44 empty (librosa's count), sum 9.565588.
    let many = librosa(512, 300, 8_000.0);
    let dense = many.to_dense();
    let empty = dense
        .rows()
        .into_iter()
        .filter(|row| row.iter().all(|&w| w == 0.0))
        .count();
    assert_eq!((dense.dim(), empty), ((300, 257), 44));
    assert!((sum(&many, 0..300) - 9.565_588).abs() < 1e-5);
    assert!((sum(&many, 150..151) - 0.023_825_306).abs() < 1e-7);
    assert!((sum(&many, 299..300) - 0.031_338_755).abs() < 1e-7);
    assert!(many.has_empty_filters());
    // fmax 12 kHz at 16 kHz: bands 37-39 lie above Nyquist and are empty.
    let high = librosa(512, 40, 12_000.0);
    assert!(high.has_empty_filters());
    assert!((sum(&high, 0..40) - 1.144_241_3).abs() < 1e-5);
    assert!((sum(&high, 30..31) - 0.032_024_063).abs() < 1e-7);
    assert_eq!(sum(&high, 37..40), 0.0);
    // fmax 9 kHz: above Nyquist, yet every band covers a bin (librosa does not warn).
    let above = librosa(512, 40, 9_000.0);
    assert!(!above.has_empty_filters());
    assert!((sum(&above, 0..40) - 1.247_632_3).abs() < 1e-5);
    assert!((sum(&above, 39..40) - 0.004_135_027_5).abs() < 1e-7);
    // The strict filterbank refuses all three, with its old message.
    for (n_mels, fmax) in [(300, 8_000.0), (40, 12_000.0), (40, 9_000.0)] {
        let err = MelFilterbank::new(16_000, 512, n_mels, 0.0, fmax).unwrap_err();
        assert!(matches!(&err, FeatureError::InvalidConfig(m) if m.contains("<= sample_rate / 2")));
    }
    // Too many bands for any plan, fmax at or below fmin: refused by both.
    let refused = [
        (32_770, 0.0, 8_000.0),
        (40, 4_000.0, 4_000.0),
        (40, 0.0, f64::NAN),
    ];
    for (n_mels, fmin, fmax) in refused {
        let bank =
            MelFilterbank::with_acceptance(16_000, 512, n_mels, fmin, fmax, Acceptance::Librosa);
        assert!(
            matches!(bank, Err(FeatureError::InvalidConfig(_))),
            "{n_mels} {fmin} {fmax}"
        );
    }
}

/// librosa does not count a band starting at 0 Hz as empty (sr 16 kHz, n_fft 4, 2 bands: band 0
/// covers no bin, no warning); the speech filterbank has no empty band.
#[test]
fn a_band_starting_at_0_hz_is_not_counted_as_empty() {
    let tiny = MelFilterbank::new(16_000, 4, 2, 0.0, 8_000.0).unwrap();
    assert!(tiny.to_dense().row(0).iter().all(|&w| w == 0.0));
    assert!(!tiny.has_empty_filters());
    assert!(!MelFilterbank::new(16_000, 512, 40, 0.0, 8_000.0)
        .unwrap()
        .has_empty_filters());
}

/// The strict configs keep their limits (the classifier's model files): only
/// `Acceptance::Librosa` lifts them.
#[test]
fn configs_beyond_the_strict_limits_are_accepted_only_by_librosa() {
    let beyond = [
        MelConfig {
            n_mels: 300,
            ..MelConfig::speech()
        },
        MelConfig {
            fmax: Some(9_000.0),
            ..MelConfig::speech()
        },
    ];
    for config in beyond {
        assert!(config.validate().is_err());
        assert!(LogMelSpectrogram::new(config.clone()).is_err());
        let plan = LogMelSpectrogram::with_acceptance(config.clone(), Acceptance::Librosa);
        let frames = plan.unwrap().mel_power(&noise(1_600, 5)).unwrap();
        assert_eq!(frames.dim(), (config.n_mels, 11));
        let mfcc = MfccConfig {
            mel: config,
            n_mfcc: 13,
            lifter: 0.0,
        };
        assert!(Mfcc::new(mfcc.clone()).is_err());
        assert!(Mfcc::with_acceptance(mfcc, Acceptance::Librosa).is_ok());
    }
    let too_many = MelConfig {
        n_mels: 32_770,
        ..MelConfig::speech()
    };
    assert!(too_many.validate_with(Acceptance::Librosa).is_err());
}
