//! Every public constructor of a feature plan validates its arguments: a bad value is a
//! `FeatureError::InvalidConfig`, never a panic or a plan that divides by zero later.

use emovox_features::{FeatureError, MelFilterbank, PowerSpectrogram};

#[test]
fn stft_plans_refuse_impossible_frames() {
    assert!(PowerSpectrogram::new(512, 400, 160).is_ok());
    for (n_fft, win, hop) in [
        (512, 400, 0),
        (512, 0, 160),
        (512, 513, 160),
        (1, 1, 1),
        (1 << 20, 400, 160),
    ] {
        assert!(
            matches!(
                PowerSpectrogram::new(n_fft, win, hop),
                Err(FeatureError::InvalidConfig(_))
            ),
            "n_fft {n_fft}, win_length {win}, hop_length {hop}"
        );
    }
}

#[test]
fn mel_filterbanks_refuse_impossible_bands() {
    assert_eq!(
        MelFilterbank::new(16_000, 512, 40, 0.0, 8_000.0)
            .unwrap()
            .n_mels(),
        40
    );
    let bad = [
        (16_000, 512, 0, 0.0, 8_000.0),
        (16_000, 512, 300, 0.0, 8_000.0),
        (16_000, 512, 40, 0.0, 9_000.0),
        (16_000, 512, 40, 4_000.0, 4_000.0),
        (16_000, 512, 40, -1.0, 8_000.0),
        (16_000, 512, 40, 0.0, f64::NAN),
        (16_000, 1, 1, 0.0, 8_000.0),
    ];
    for (rate, n_fft, n_mels, fmin, fmax) in bad {
        assert!(
            matches!(
                MelFilterbank::new(rate, n_fft, n_mels, fmin, fmax),
                Err(FeatureError::InvalidConfig(_))
            ),
            "{rate} Hz, n_fft {n_fft}, {n_mels} mels, {fmin}-{fmax} Hz"
        );
    }
}

/// `MelFilterbank::new` bounds `n_fft` as `MelConfig` does: 2^40 used to abort the process
/// on the allocation of its frequency grid, `usize::MAX` to panic on capacity overflow.
#[test]
fn mel_filterbanks_refuse_an_fft_too_large_to_plan() {
    assert!(MelFilterbank::new(16_000, 65_536, 40, 0.0, 8_000.0).is_ok());
    for n_fft in [65_537, 1 << 40, usize::MAX] {
        let err = MelFilterbank::new(16_000, n_fft, 40, 0.0, 8_000.0).unwrap_err();
        assert!(
            matches!(&err, FeatureError::InvalidConfig(m) if m.contains("65536")),
            "n_fft {n_fft}: {err:?}"
        );
    }
}

#[test]
fn a_dct_matrix_of_impossible_sizes_is_an_error_not_an_abort() {
    use emovox_features::{dct_matrix, MAX_DCT_BANDS};
    assert_eq!(dct_matrix(13, 40, 22.0).unwrap().dim(), (13, 40));
    for (n_mfcc, n_mels, lifter) in [
        (0, 40, 0.0),
        (41, 40, 0.0),
        (1, 0, 0.0),
        (MAX_DCT_BANDS + 1, MAX_DCT_BANDS + 1, 0.0),
        (1 << 40, 1 << 40, 0.0),
        (13, 40, f32::NAN),
        (13, 40, -1.0),
    ] {
        let error = dct_matrix(n_mfcc, n_mels, lifter).unwrap_err();
        assert!(matches!(error, FeatureError::InvalidConfig(_)), "{error}");
    }
}
