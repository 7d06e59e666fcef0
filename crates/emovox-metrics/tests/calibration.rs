//! Calibration metrics against hand-computed numbers, synthetic calibrated and over-confident
//! data, temperature scaling recovering a known temperature, input errors and the reliability
//! diagram files.

use emovox_metrics::calibration::PROBABILITY_FLOOR;
#[cfg(feature = "plot")]
use emovox_metrics::plot::reliability_diagram;
use emovox_metrics::{
    fit_temperature, fit_temperature_weighted, weighted_log_loss, Calibration, MetricsError,
};

/// Temperature scaling of probabilities, `p^(1/T)` renormalised (what
/// `emovox_model::ProbabilityCalibration` does at inference), for checking fitted temperatures.
fn apply_temperature(probabilities: &[f32], temperature: f32) -> Vec<f32> {
    let scaled: Vec<f64> = probabilities
        .iter()
        .map(|&p| (p as f64).powf(1.0 / temperature as f64))
        .collect();
    let total: f64 = scaled.iter().sum();
    scaled.iter().map(|s| (s / total) as f32).collect()
}

fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= tolerance
}

macro_rules! assert_close {
    ($actual:expr, $expected:expr, $tolerance:expr) => {{
        let (a, e): (f64, f64) = ($actual as f64, $expected as f64);
        assert!(
            close(a, e, $tolerance),
            "{} = {a}, expected {e}",
            stringify!($actual)
        );
    }};
}

/// Six examples over three classes, five bins; confidences 0.4, 0.6 and 0.8 sit exactly on bin
/// edges and belong to the lower bin, 1.0 to the last one.
fn hand_example() -> (Vec<Vec<f32>>, Vec<usize>) {
    let probabilities = vec![
        vec![0.9, 0.05, 0.05], // conf 0.9, correct  -> (0.8, 1.0]
        vec![0.1, 0.8, 0.1],   // conf 0.8, wrong    -> (0.6, 0.8]
        vec![0.3, 0.3, 0.4],   // conf 0.4, correct  -> (0.2, 0.4]
        vec![0.6, 0.3, 0.1],   // conf 0.6, correct  -> (0.4, 0.6]
        vec![1.0, 0.0, 0.0],   // conf 1.0, wrong    -> (0.8, 1.0], p(true) = 0
        vec![0.7, 0.2, 0.1],   // conf 0.7, correct  -> (0.6, 0.8]
    ];
    (probabilities, vec![0, 2, 2, 0, 1, 0])
}

#[test]
fn hand_computed_example() {
    let (p, truth) = hand_example();
    let c = Calibration::from_probabilities(&p, &truth, 5).unwrap();
    assert_eq!(c.n_bins, 5);
    assert_eq!(c.n, 6);
    let counts: Vec<u64> = c.bins.iter().map(|b| b.count).collect();
    assert_eq!(counts, [0, 1, 1, 2, 2]);
    let expected = [
        // (lower, upper, mean confidence, accuracy)
        (0.0, 0.2, 0.0, 0.0),
        (0.2, 0.4, 0.4, 1.0),
        (0.4, 0.6, 0.6, 1.0),
        (0.6, 0.8, 0.75, 0.5),
        (0.8, 1.0, 0.95, 0.5),
    ];
    for (b, (lower, upper, confidence, accuracy)) in c.bins.iter().zip(expected) {
        assert_close!(b.lower, lower, 1e-12);
        assert_close!(b.upper, upper, 1e-12);
        assert_close!(b.mean_confidence, confidence, 1e-6);
        assert_close!(b.accuracy, accuracy, 1e-12);
    }
    // Gaps 0.6, 0.4, 0.25, 0.45 with weights 1, 1, 2, 2 out of 6: 2.4 / 6.
    assert_close!(c.ece, 0.4, 1e-6);
    assert_close!(c.mce, 0.6, 1e-6);
    assert_close!(c.mean_confidence, 4.4 / 6.0, 1e-6);
    assert_close!(c.accuracy, 4.0 / 6.0, 1e-12);
    // -ln of the true-class probabilities 0.9, 0.1, 0.4, 0.6, 0 (clamped to 1e-12), 0.7.
    let nll = -(0.9f64.ln()
        + 0.1f64.ln()
        + 0.4f64.ln()
        + 0.6f64.ln()
        + PROBABILITY_FLOOR.ln()
        + 0.7f64.ln())
        / 6.0;
    assert_close!(c.nll, nll, 1e-6);
    assert_close!(c.nll, 5.303793, 1e-5);
    // Per example: 0.015, 1.46, 0.54, 0.26, 2, 0.14.
    assert_close!(c.brier, 4.415 / 6.0, 1e-6);
}

#[test]
fn binning_edges_and_single_bin() {
    // Confidence 0.5 with two bins is in the first bin (0, 0.5], 1.0 in the last.
    let p = vec![vec![0.5, 0.5], vec![1.0, 0.0], vec![0.0, 1.0]];
    let c = Calibration::from_probabilities(&p, &[0, 0, 0], 2).unwrap();
    let counts: Vec<u64> = c.bins.iter().map(|b| b.count).collect();
    assert_eq!(counts, [1, 2]);
    // Tie broken towards class 0: correct; [0, 1] predicts 1: wrong.
    assert_close!(c.bins[0].accuracy, 1.0, 0.0);
    assert_close!(c.bins[1].accuracy, 0.5, 0.0);
    assert_close!(c.ece, (1.0 * 0.5 + 2.0 * 0.5) / 3.0, 1e-12);

    // One bin: ECE = |accuracy - mean confidence|.
    let (p, truth) = hand_example();
    let c = Calibration::from_probabilities(&p, &truth, 1).unwrap();
    assert_eq!(c.bins.len(), 1);
    assert_close!(c.ece, 4.4 / 6.0 - 4.0 / 6.0, 1e-6);
    assert_close!(c.ece, c.mce, 1e-12);
}

#[test]
fn to_text_and_serde() {
    let (p, truth) = hand_example();
    let c = Calibration::from_probabilities(&p, &truth, 5).unwrap();
    let text = c.to_text();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("count") && lines[0].contains("accuracy"));
    assert!(lines[1].starts_with("[0.00, 0.20]"), "{text}");
    assert!(lines[1].contains(" - "), "empty bin shows dashes: {text}");
    let bin3: Vec<&str> = lines[4].split_whitespace().collect();
    assert_eq!(bin3, ["(0.60,", "0.80]", "2", "0.7500", "0.5000"], "{text}");
    for (name, value) in [
        ("ECE", "0.4000"),
        ("MCE", "0.6000"),
        ("NLL", "5.3038"),
        ("Brier", "0.7358"),
    ] {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} line in\n{text}"));
        assert!(line.ends_with(value), "{line:?} should end with {value}");
    }
    let json = serde_json::to_string(&c).unwrap();
    let back: Calibration = serde_json::from_str(&json).unwrap();
    // serde_json may round the last digit of an f64: compare to 1e-12.
    assert_eq!(back.n_bins, c.n_bins);
    assert_eq!(back.n, c.n);
    for (a, b) in back.bins.iter().zip(&c.bins) {
        assert_eq!(a.count, b.count);
        assert_close!(a.mean_confidence, b.mean_confidence, 1e-12);
        assert_close!(a.accuracy, b.accuracy, 1e-12);
    }
    assert_close!(back.ece, c.ece, 1e-12);
    assert_close!(back.brier, c.brier, 1e-12);
    assert_close!(back.nll, c.nll, 1e-12);
}

/// 64-bit linear congruential generator (Knuth's MMIX constants), uniform in [0, 1).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Two-class predictions with confidences spread evenly over (0.5, 1), marked correct
/// deterministically (error diffusion) with frequency `accuracy_of(confidence)`.
fn two_class(n: usize, accuracy_of: impl Fn(f64) -> f64) -> (Vec<Vec<f32>>, Vec<usize>) {
    let mut carry = 0.0;
    (0..n)
        .map(|i| {
            let c = 0.5 + 0.5 * (i as f64 + 0.5) / n as f64;
            carry += accuracy_of(c);
            let correct = carry >= 1.0;
            if correct {
                carry -= 1.0;
            }
            (vec![c as f32, (1.0 - c) as f32], usize::from(!correct))
        })
        .unzip()
}

#[test]
fn perfectly_calibrated_data_has_ece_near_zero() {
    let (p, truth) = two_class(10_000, |c| c);
    let c = Calibration::from_probabilities(&p, &truth, 10).unwrap();
    assert!(c.ece < 2e-3, "ECE {}", c.ece);
    assert!(c.mce < 2e-3, "MCE {}", c.mce);
    assert_close!(c.accuracy, 0.75, 1e-3);
    assert_close!(c.mean_confidence, 0.75, 1e-6);
    // Confidences above 0.5 only: the lower half of the bins is empty.
    assert!(c.bins[..5].iter().all(|b| b.count == 0));
    assert!(c.bins[5..].iter().all(|b| b.count == 2000));
}

#[test]
fn over_confident_data_has_large_ece_and_temperature_scaling_reduces_it() {
    // True accuracy rises only from 0.5 to 0.7 while confidence goes from 0.5 to 1: the gap is
    // 0.6 (c - 0.5), 0.15 on average, 0.6 * 0.45 = 0.27 in the top bin (mean confidence 0.95).
    let (p, truth) = two_class(10_000, |c| 0.5 + 0.4 * (c - 0.5));
    let c = Calibration::from_probabilities(&p, &truth, 10).unwrap();
    assert_close!(c.ece, 0.15, 3e-3);
    assert_close!(c.mce, 0.27, 3e-3);
    assert!(c.mean_confidence > c.accuracy + 0.1);

    let scores: Vec<Vec<f32>> = p
        .iter()
        .map(|row| row.iter().map(|q| q.ln()).collect())
        .collect();
    let t = fit_temperature(&scores, &truth).unwrap();
    assert!(t > 1.5, "over-confident predictions need T > 1, got {t}");
    let scaled: Vec<Vec<f32>> = p.iter().map(|row| apply_temperature(row, t)).collect();
    let after = Calibration::from_probabilities(&scaled, &truth, 10).unwrap();
    assert!(after.ece < c.ece / 2.0, "ECE {} -> {}", c.ece, after.ece);
    assert!(after.nll < c.nll, "NLL {} -> {}", c.nll, after.nll);
    assert_close!(after.accuracy, c.accuracy, 0.0);
    // The fitted T minimises the NLL: nudging it either way does not help.
    for other in [t * 1.05, t / 1.05] {
        let scaled: Vec<Vec<f32>> = p.iter().map(|row| apply_temperature(row, other)).collect();
        let nll = Calibration::from_probabilities(&scaled, &truth, 10)
            .unwrap()
            .nll;
        assert!(nll >= after.nll - 1e-9, "T {other}: {nll} < {}", after.nll);
    }
}

fn softmax(z: &[f32], temperature: f64) -> Vec<f64> {
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let e: Vec<f64> = z
        .iter()
        .map(|&v| ((v as f64 - max) / temperature).exp())
        .collect();
    let sum: f64 = e.iter().sum();
    e.iter().map(|v| v / sum).collect()
}

/// `n` rows of 4 logits uniform in [-3, 3] and labels drawn from `softmax(z / t_true)`.
fn sampled_logits(n: usize, t_true: f64, seed: u64) -> (Vec<Vec<f32>>, Vec<usize>) {
    let mut rng = Lcg(seed);
    (0..n)
        .map(|_| {
            let z: Vec<f32> = (0..4).map(|_| (6.0 * rng.next() - 3.0) as f32).collect();
            let p = softmax(&z, t_true);
            let u = rng.next();
            let mut cumulative = 0.0;
            let label = p
                .iter()
                .position(|&q| {
                    cumulative += q;
                    u < cumulative
                })
                .unwrap_or(p.len() - 1);
            (z, label)
        })
        .unzip()
}

#[test]
fn fit_temperature_recovers_known_temperature() {
    for (t_true, seed) in [(0.5, 1), (2.0, 2)] {
        let (z, truth) = sampled_logits(5000, t_true, seed);
        let t = fit_temperature(&z, &truth).unwrap() as f64;
        assert!(
            (t - t_true).abs() <= 0.1 * t_true,
            "fitted T {t}, true {t_true}"
        );

        // Log-probabilities at T = 1 give the same temperature (softmax is shift invariant).
        let log_p: Vec<Vec<f32>> = z
            .iter()
            .map(|row| softmax(row, 1.0).iter().map(|q| q.ln() as f32).collect())
            .collect();
        let t_log = fit_temperature(&log_p, &truth).unwrap() as f64;
        assert!((t_log - t).abs() < 1e-3 * t, "{t_log} vs {t}");

        // And scaling the probabilities by it calibrates them better than T = 1.
        let p: Vec<Vec<f32>> = z
            .iter()
            .map(|row| softmax(row, 1.0).iter().map(|&q| q as f32).collect())
            .collect();
        let raw = Calibration::from_probabilities(&p, &truth, 10).unwrap();
        let scaled: Vec<Vec<f32>> = p
            .iter()
            .map(|row| apply_temperature(row, t as f32))
            .collect();
        let calibrated = Calibration::from_probabilities(&scaled, &truth, 10).unwrap();
        assert!(
            calibrated.nll < raw.nll,
            "{} vs {}",
            calibrated.nll,
            raw.nll
        );
        assert!(
            calibrated.ece < raw.ece,
            "{} vs {}",
            calibrated.ece,
            raw.ece
        );
    }
}

#[test]
fn weighted_fit_lets_a_small_group_count_as_much_as_a_large_one() {
    // 4000 rows drawn at T = 0.5 and 400 at T = 2: unweighted, the large group decides; with
    // each group weighing the same in total, the temperature lies between the two, and a
    // weight of 0 on one group recovers the other's temperature.
    let (mut z, mut truth) = sampled_logits(4000, 0.5, 3);
    let (z2, truth2) = sampled_logits(400, 2.0, 4);
    z.extend(z2);
    truth.extend(truth2);
    let group = |w_large: f32, w_small: f32| -> Vec<f32> {
        (0..truth.len())
            .map(|i| if i < 4000 { w_large } else { w_small })
            .collect()
    };
    let plain = fit_temperature(&z, &truth).unwrap();
    let ones = fit_temperature_weighted(&z, &truth, &group(1.0, 1.0)).unwrap();
    assert!((plain - ones).abs() < 1e-4, "{plain} vs {ones}");
    let balanced = fit_temperature_weighted(&z, &truth, &group(0.1, 1.0)).unwrap();
    assert!(
        balanced > plain * 1.3 && balanced < 2.0,
        "{plain} -> {balanced}"
    );
    let small_only = fit_temperature_weighted(&z, &truth, &group(0.0, 1.0)).unwrap() as f64;
    assert!((small_only - 2.0).abs() < 0.4, "{small_only}");
    for bad in [-1.0, f32::NAN, f32::INFINITY] {
        assert!(matches!(
            fit_temperature_weighted(&z, &truth, &group(1.0, bad)),
            Err(MetricsError::InvalidWeight { row: 4000, .. })
        ));
    }
    assert!(matches!(
        fit_temperature_weighted(&z, &truth, &group(0.0, 0.0)),
        Err(MetricsError::InvalidWeight { row: 0, .. })
    ));
    assert!(matches!(
        fit_temperature_weighted(&z, &truth, &[1.0]),
        Err(MetricsError::LengthMismatch { .. })
    ));
}

#[test]
fn fit_temperature_stays_in_range_and_accepts_zero_probabilities() {
    // Always right with growing margins: sharpening forever helps, T hits the lower bound.
    let z: Vec<Vec<f32>> = (1..=20).map(|i| vec![i as f32, 0.0]).collect();
    let t = fit_temperature(&z, &[0; 20]).unwrap();
    assert!((0.05..=0.0501).contains(&t), "{t}");
    // Always wrong: flattening helps, T hits the upper bound.
    let t = fit_temperature(&z, &[1; 20]).unwrap();
    assert!((19.99..=20.0).contains(&t), "{t}");
    // ln 0 = -inf is a valid score (a zero probability), also for the true class.
    let scores = vec![
        vec![0.0, f32::NEG_INFINITY],
        vec![f32::NEG_INFINITY, 0.0],
        vec![0.5f32.ln(), 0.5f32.ln()],
    ];
    let t = fit_temperature(&scores, &[0, 0, 1]).unwrap();
    assert!(t.is_finite() && (0.05..=20.0).contains(&t), "{t}");
}

#[test]
fn calibration_input_errors() {
    let good = vec![vec![0.5f32, 0.5], vec![0.2, 0.8]];
    let from = |p: &[Vec<f32>], t: &[usize], bins| Calibration::from_probabilities(p, t, bins);
    assert!(matches!(
        from(&good, &[0], 5),
        Err(MetricsError::LengthMismatch {
            truth: 1,
            predicted: 2
        })
    ));
    assert!(matches!(
        from(&[], &[], 5),
        Err(MetricsError::EmptyInput(_))
    ));
    assert!(matches!(
        from(&[vec![]], &[0], 5),
        Err(MetricsError::EmptyInput(_))
    ));
    assert!(matches!(
        from(&good, &[0, 1], 0),
        Err(MetricsError::ZeroBins)
    ));
    assert!(matches!(
        from(&good, &[0, 2], 5),
        Err(MetricsError::IndexOutOfRange {
            index: 2,
            n_classes: 2
        })
    ));
    assert!(matches!(
        from(&[vec![0.5, 0.5], vec![0.2, 0.3, 0.5]], &[0, 1], 5),
        Err(MetricsError::RowLength {
            row: 1,
            expected: 2,
            found: 3
        })
    ));
    for (bad, class) in [(f32::NAN, 1), (f32::INFINITY, 1), (-0.25, 1)] {
        let p = vec![vec![0.5, 0.5], vec![1.25, bad]];
        match from(&p, &[0, 1], 5) {
            Err(MetricsError::InvalidProbability {
                row: 1,
                class: c,
                value,
            }) if c == class && (value == bad || value.is_nan() && bad.is_nan()) => {}
            other => panic!("{bad}: {other:?}"),
        }
    }
    match from(&[vec![0.5, 0.5], vec![0.6, 0.6]], &[0, 1], 5) {
        Err(MetricsError::UnnormalisedProbabilities { row: 1, sum }) => {
            assert!((sum - 1.2).abs() < 1e-6)
        }
        other => panic!("{other:?}"),
    }
    // Within the tolerance is fine.
    assert!(from(&[vec![0.5, 0.5005]], &[0], 5).is_ok());
    let err = from(&good, &[0, 1], 0).unwrap_err().to_string();
    assert!(err.contains("bins"), "{err}");
}

#[test]
fn fit_temperature_input_errors() {
    assert!(matches!(
        fit_temperature(&[], &[]),
        Err(MetricsError::EmptyInput(_))
    ));
    assert!(matches!(
        fit_temperature(&[vec![1.0, 0.0]], &[0, 1]),
        Err(MetricsError::LengthMismatch { .. })
    ));
    assert!(matches!(
        fit_temperature(&[vec![1.0, 0.0]], &[2]),
        Err(MetricsError::IndexOutOfRange { index: 2, .. })
    ));
    assert!(matches!(
        fit_temperature(&[vec![1.0, 0.0], vec![1.0]], &[0, 0]),
        Err(MetricsError::RowLength { row: 1, .. })
    ));
    for bad in [f32::NAN, f32::INFINITY] {
        assert!(matches!(
            fit_temperature(&[vec![1.0, 0.0], vec![0.0, bad]], &[0, 0]),
            Err(MetricsError::InvalidScore {
                row: 1,
                class: 1,
                ..
            })
        ));
    }
    let all_neg_inf = vec![vec![0.0, 1.0], vec![f32::NEG_INFINITY; 2]];
    assert!(matches!(
        fit_temperature(&all_neg_inf, &[0, 0]),
        Err(MetricsError::InvalidScore { row: 1, .. })
    ));
}

#[cfg(feature = "plot")]
fn out_dir() -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("emovox-metrics-calibration-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[cfg(feature = "plot")]
#[test]
fn reliability_diagram_svg_and_png() {
    let (p, truth) = hand_example();
    let c = Calibration::from_probabilities(&p, &truth, 5).unwrap();
    let svg_path = out_dir().join("reliability.svg");
    reliability_diagram(&c, "Validation calibration", &svg_path).unwrap();
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.contains("<svg"));
    for s in [
        "Validation calibration",
        "ECE = 0.4000",
        "confidence",
        "accuracy",
        "count",
        "perfect calibration",
    ] {
        assert!(svg.contains(s), "missing {s}");
    }
    // Four non-empty bins: an accuracy bar and a gap rectangle each, at least.
    assert!(svg.matches("<rect").count() >= 8);

    let png_path = out_dir().join("reliability.png");
    reliability_diagram(&c, "Validation calibration", &png_path).unwrap();
    let bytes = std::fs::read(&png_path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .unwrap()
        .to_rgb8();
    assert_eq!(image.dimensions(), (700, 800));
    let mut colours: Vec<[u8; 3]> = image.pixels().map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 20, "{}", colours.len());

    let bad = out_dir().join("reliability.jpg");
    assert!(matches!(
        reliability_diagram(&c, "x", &bad),
        Err(MetricsError::UnsupportedPlotFormat(_))
    ));
    assert!(!bad.exists());
    let mut empty = c.clone();
    empty.bins.clear();
    assert!(matches!(
        reliability_diagram(&empty, "x", out_dir().join("empty.svg")),
        Err(MetricsError::EmptyInput(_))
    ));
}

#[test]
fn weighted_log_loss_rejects_the_weights_the_weighted_fit_rejects() {
    // It used to return Ok(NaN) for these: the weights were only checked for their count.
    let z = vec![vec![1.0f32, 0.0], vec![0.0, 1.0]];
    let truth = [0, 1];
    for (weights, row) in [
        ([f32::NAN, 1.0], 0),
        ([1.0, f32::INFINITY], 1),
        ([1.0, -1.0], 1),
        ([0.0, 0.0], 0),
    ] {
        let result = weighted_log_loss(&z, &truth, &weights, 1.0);
        assert!(
            matches!(result, Err(MetricsError::InvalidWeight { row: r, .. }) if r == row),
            "{weights:?}: {result:?}"
        );
    }
    // Valid weights: the weighted mean of -ln softmax(z)[truth] = ln(1 + e^-1) for both rows.
    let loss = weighted_log_loss(&z, &truth, &[1.0, 3.0], 1.0).unwrap();
    assert_close!(loss, (1.0 + (-1.0f64).exp()).ln(), 1e-12);
}

#[test]
fn absurd_bin_counts_are_an_error_not_a_crash() {
    // usize::MAX bins used to panic ("capacity overflow"), and a billion to abort out of memory.
    let (p, truth) = hand_example();
    let max = emovox_metrics::calibration::MAX_BINS;
    for n_bins in [max + 1, usize::MAX] {
        assert!(matches!(
            Calibration::from_probabilities(&p, &truth, n_bins),
            Err(MetricsError::TooManyBins { n_bins: n }) if n == n_bins
        ));
        assert!(matches!(
            emovox_metrics::Bootstrap::default().calibrated_ece(&p, n_bins),
            Err(MetricsError::TooManyBins { .. })
        ));
    }
    let c = Calibration::from_probabilities(&p, &truth, max).unwrap();
    assert_eq!(c.bins.len(), max);
    // One example per bin: the mean of |correct - confidence|, 0.1 + 0.8 + 0.6 + 0.4 + 1 + 0.3.
    assert_close!(c.ece, 3.2 / 6.0, 1e-6);
}

#[test]
fn calibrated_ece_rejects_ragged_rows_as_from_probabilities_does() {
    // Two valid distributions of different lengths: accepted before, now the same error as
    // `Calibration::from_probabilities` gives.
    let ragged = vec![vec![0.5f32, 0.5], vec![1.0]];
    assert!(matches!(
        Calibration::from_probabilities(&ragged, &[0, 0], 10),
        Err(MetricsError::RowLength {
            row: 1,
            expected: 2,
            found: 1
        })
    ));
    assert!(matches!(
        emovox_metrics::Bootstrap::default().calibrated_ece(&ragged, 10),
        Err(MetricsError::RowLength {
            row: 1,
            expected: 2,
            found: 1
        })
    ));
}

#[test]
fn confidences_on_bin_edges_fall_in_the_lower_bin_and_one_in_the_last() {
    // Ten bins: 0.1, 0.5 and 0.9 (as f32) sit on edges, (i/10, (i+1)/10] holds its upper edge.
    let rows: Vec<Vec<f32>> = [0.1f32, 0.5, 0.9, 1.0, 0.55]
        .iter()
        .map(|&c| {
            let mut row = vec![c];
            // Spread the rest over enough classes that `c` stays the top probability.
            row.extend(std::iter::repeat_n((1.0 - c) / 10.0, 10));
            row
        })
        .collect();
    let c = Calibration::from_probabilities(&rows, &[0; 5], 10).unwrap();
    let counts: Vec<u64> = c.bins.iter().map(|b| b.count).collect();
    assert_eq!(counts, [1, 0, 0, 0, 1, 1, 0, 0, 1, 1]);
    // Every example right: ECE = 1 - mean confidence = 1 - 3.05 / 5.
    assert_close!(c.ece, 1.0 - 3.05 / 5.0, 1e-6);
}
