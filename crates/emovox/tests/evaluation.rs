//! Scoring a classifier on labelled clips: what is counted, what is refused, what is written.

use std::path::PathBuf;

use emovox::adaptation::Adaptation;
use emovox::audio::degrade::{parse_conditions, Condition};
use emovox::evaluation::{
    evaluate, evaluate_conditions, Comparison, ConditionTable, Evaluation, LabelMerge,
    LabelledClip, Scoring,
};
use emovox::{Classifier, Error};
use emovox_metrics::Bootstrap;
use emovox_model::MultiViewModel;

/// [`evaluate`] on the clips as recorded (seed 1), not adapted.
fn evaluate_clean(
    classifier: &Classifier,
    clips: &[LabelledClip],
    scoring: &Scoring,
) -> Evaluation {
    evaluate(
        classifier,
        clips,
        &Condition::Clean,
        1,
        scoring,
        Adaptation::None,
    )
    .unwrap()
}

fn fixture(n: usize) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/espeak_sentence{n}.wav"))
}

/// The three espeak-ng sentences, each by its own "speaker", all labelled `neutral`.
fn clips() -> Vec<LabelledClip> {
    (1..=3)
        .map(|n| LabelledClip::read(fixture(n), "neutral", &format!("s{n}")).unwrap())
        .collect()
}

#[test]
fn every_clip_is_scored_refused_or_left_out_and_the_others_still_count() {
    let classifier = Classifier::bundled().unwrap();
    let mut set = clips();
    let mut unknown = set[0].clone();
    unknown.label = "bored".into();
    let mut empty = set[1].clone();
    empty.samples.clear();
    set.push(unknown);
    set.push(empty);
    let result = evaluate_clean(&classifier, &set, &Scoring::model());
    assert_eq!(result.matrix.total(), 3);
    assert_eq!(result.unscored, 1);
    assert_eq!(result.failed.len(), 1, "{:?}", result.failed);
    assert_eq!(result.matrix.labels(), classifier.labels());
    // The matrix holds the classifier's own answers.
    for (clip, row) in set.iter().take(3).zip(0..) {
        let predicted = classifier
            .predict(&clip.samples, clip.sample_rate)
            .unwrap()
            .label;
        let column = classifier
            .labels()
            .iter()
            .position(|l| *l == predicted)
            .unwrap();
        let neutral = classifier
            .labels()
            .iter()
            .position(|l| l == "neutral")
            .unwrap();
        assert!(
            result.matrix.counts()[neutral][column] >= 1,
            "clip {row}: {predicted}"
        );
    }
}

#[test]
fn present_labels_only_are_scored_and_renormalised() {
    let classifier = Classifier::bundled().unwrap();
    let result = evaluate_clean(&classifier, &clips(), &Scoring::present());
    // Only `neutral` is present: every clip is scored as it, with probability 1.
    assert_eq!(result.matrix.labels(), ["neutral".to_string()]);
    assert_eq!(result.matrix.accuracy(), 1.0);
    assert!((result.calibration.mean_confidence - 1.0).abs() < 1e-5);
}

#[test]
fn merged_labels_are_scored_with_their_probabilities_summed() {
    let classifier = Classifier::bundled().unwrap();
    let mut set = clips();
    set[1].label = "angry".into();
    let merge = LabelMerge::new([
        ("calm".to_string(), "neutral".to_string()),
        ("disgust".to_string(), "angry".to_string()),
    ]);
    let scoring = Scoring::present().merged(merge);
    let result = evaluate_clean(&classifier, &set, &scoring);
    assert_eq!(result.matrix.labels(), ["angry", "neutral"]);
    // Each clip's confidence over the two is the larger of p(angry) + p(disgust) and
    // p(neutral) + p(calm), renormalised.
    let expected: f32 = set
        .iter()
        .map(|clip| {
            let p = classifier.predict(&clip.samples, clip.sample_rate).unwrap();
            let of = |l: &str| p.probabilities.iter().find(|(m, _)| m == l).unwrap().1;
            let (angry, neutral) = (of("angry") + of("disgust"), of("neutral") + of("calm"));
            angry.max(neutral) / (angry + neutral)
        })
        .sum::<f32>()
        / 3.0;
    assert!((result.calibration.mean_confidence - f64::from(expected)).abs() < 1e-5);
    // Without the merge, calm and disgust are not scored.
    let plain = evaluate_clean(&classifier, &set, &Scoring::present());
    assert!((plain.calibration.mean_confidence - f64::from(expected)).abs() > 1e-4);
}

/// The bundled model's table over the three sentences under `conditions` (seed 7).
fn bundled_table(conditions: &[&str]) -> ConditionTable {
    let classifier = Classifier::bundled().unwrap();
    let conditions = parse_conditions(conditions).unwrap();
    let scoring = Scoring::model();
    evaluate_conditions(
        &classifier,
        &clips(),
        &conditions,
        7,
        &scoring,
        Adaptation::None,
    )
    .unwrap()
}

#[test]
fn a_table_of_conditions_prints_and_writes_every_row() {
    let table = bundled_table(&["clean", "gain:-20", "white:10"]);
    assert_eq!(table.rows.len(), 3);
    // The level of a recording changes nothing; noise is applied.
    assert_eq!(table.rows[0].1.matrix, table.rows[1].1.matrix);
    assert_eq!(table.rows[2].1.condition, "white:10");
    let text = table.to_text();
    for name in ["clean", "gain:-20", "white:10"] {
        assert!(
            text.lines().any(|l| l.starts_with(name)),
            "{name} missing:\n{text}"
        );
    }
    let dir = std::env::temp_dir().join(format!("emovox-evaluation-{}", std::process::id()));
    table.write(&dir).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("evaluation.json")).unwrap())
            .unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2]["condition"], "white:10");
    assert_eq!(rows[0]["n"], 3);
    if cfg!(feature = "plot") {
        for file in ["reliability.svg", "conditions.svg", "conditions.png"] {
            assert!(dir.join(file).exists(), "{file}");
        }
    }
    // A folder that cannot be created is an error naming it.
    let blocked = dir.join("evaluation.json").join("sub");
    let err = table.write(&blocked).unwrap_err().to_string();
    assert!(err.contains("evaluation.json"), "{err}");
}

#[test]
fn each_row_counts_the_clips_raising_each_recording_quality_concern() {
    let table = bundled_table(&["clean", "telephone", "white:0", "clipping:12"]);
    let share = |row: usize, concern: &str| table.rows[row].1.concerns[concern];
    let names = ["clipped", "little_speech", "narrowband", "noisy"];
    for (row, (_, e)) in table.rows.iter().enumerate() {
        assert_eq!(e.concerns.keys().collect::<Vec<_>>(), names, "row {row}");
    }
    // The espeak sentences as recorded raise none; each condition raises its own, on every clip.
    assert!(
        names.iter().all(|c| share(0, c) == 0.0),
        "{:?}",
        table.rows[0].1.concerns
    );
    assert_eq!((share(1, "narrowband"), share(1, "noisy")), (1.0, 0.0));
    assert_eq!((share(2, "noisy"), share(2, "clipped")), (1.0, 0.0));
    assert_eq!((share(3, "clipped"), share(3, "narrowband")), (1.0, 0.0));
    let text = table.to_text();
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap()
            .to_string()
    };
    assert!(line("clean").ends_with("none"), "{text}");
    assert!(line("telephone").ends_with("narrowband 100%"), "{text}");
    assert!(line("clipping:12").contains("clipped 100%"), "{text}");
    let json = table.to_json();
    assert_eq!(json[1]["concerns"]["narrowband"], 1.0);
}

#[test]
fn uars_come_with_intervals_and_two_classifiers_pair_clip_by_clip() {
    let classifier = Classifier::bundled().unwrap();
    // The bundled model's first member alone (its two views).
    let bundled = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/emovox.safetensors");
    let mut views = MultiViewModel::load(bundled).unwrap().into_views();
    views.truncate(2);
    let two_views = MultiViewModel::new(views).unwrap();
    let other = Classifier::from_views(two_views).unwrap();
    let conditions = parse_conditions(&["clean", "white:0", "pink:0"]).unwrap();
    let run = |c: &Classifier, conditions: &[(String, Condition)]| {
        evaluate_conditions(
            c,
            &clips(),
            conditions,
            3,
            &Scoring::model(),
            Adaptation::None,
        )
        .unwrap()
    };
    let (table, baseline) = (run(&classifier, &conditions), run(&other, &conditions));
    for (_, e) in &table.rows {
        assert_eq!(e.truth.len() as u64, e.matrix.total());
        assert_eq!(e.predicted.len(), e.truth.len());
        assert!(
            e.uar_interval.contains(e.matrix.uar()),
            "{:?}",
            e.uar_interval
        );
        let json = e.to_json("row");
        assert_eq!(json["uar_interval"][0], e.uar_interval.low);
        assert_eq!(json["uar_interval"][1], e.uar_interval.high);
        // What a calibrated classifier would show on three clips: anything from 0 to large.
        let calibrated = e.calibrated_ece;
        assert!(
            0.0 <= calibrated.low && calibrated.low < calibrated.high && calibrated.high <= 1.0
        );
        assert_eq!(json["calibrated_ece"][0], calibrated.low);
        assert_eq!(json["calibrated_ece"][1], calibrated.high);
    }
    // Against itself: no difference in any resample.
    for row in table.compare(&table, &Bootstrap::default()).unwrap() {
        assert_eq!((row.difference.low, row.difference.high), (0.0, 0.0));
    }
    let rows = table.compare(&baseline, &Bootstrap::default()).unwrap();
    assert_eq!(rows.len(), 3);
    for (row, ((_, a), (_, b))) in rows.iter().zip(table.rows.iter().zip(&baseline.rows)) {
        assert_eq!(
            (row.uar, row.baseline_uar),
            (a.matrix.uar(), b.matrix.uar())
        );
        // Paired: only clips one of them gets right can move the difference, so without a
        // clip only `a` gets right no resample puts `a` ahead (and the other way round).
        let pairs = || a.truth.iter().zip(&a.predicted).zip(&b.predicted);
        let only_a = pairs().filter(|((t, p), q)| p == t && q != t).count();
        let only_b = pairs().filter(|((t, p), q)| q == t && p != t).count();
        assert!(only_a > 0 || row.difference.high <= 0.0, "{row:?}");
        assert!(only_b > 0 || row.difference.low >= 0.0, "{row:?}");
    }
    // The member alone answers some clip otherwise than the bundle (so the pairing is tried).
    assert!(
        rows.iter().any(|r| r.difference.low < r.difference.high),
        "{rows:?}"
    );
    let text = Comparison::to_text(&rows);
    assert!(text.lines().any(|l| l.starts_with("white:0")), "{text}");
    // Tables of other conditions or other clips do not pair.
    let fewer = run(&other, &conditions[..2]);
    assert!(matches!(
        table.compare(&fewer, &Bootstrap::default()),
        Err(Error::NotPaired(_))
    ));
    let two_clips = evaluate_conditions(
        &other,
        &clips()[..2],
        &conditions,
        3,
        &Scoring::model(),
        Adaptation::None,
    )
    .unwrap();
    assert!(matches!(
        table.compare(&two_clips, &Bootstrap::default()),
        Err(Error::NotPaired(_))
    ));
}

#[test]
fn per_speaker_adaptation_compares_each_scored_clip_with_its_speakers_others() {
    let classifier = Classifier::bundled().unwrap();
    let mut set = clips();
    set[1].speaker = "s1".into();
    set[1].label = "angry".into();
    // Left out of the scoring, so out of its speaker's mean as well.
    let mut unknown = set[2].clone();
    unknown.label = "bored".into();
    unknown.speaker = "s1".into();
    set.push(unknown);
    let result = evaluate(
        &classifier,
        &set,
        &Condition::Clean,
        1,
        &Scoring::present(),
        Adaptation::PerSpeaker,
    )
    .unwrap();
    assert_eq!(result.unscored, 1);
    // The same by hand: probabilities over the present labels, adapted within s1 (clips 0
    // and 1); s2's single clip as it is.
    let labels = result.matrix.labels().to_vec();
    let mut expected: Vec<Vec<f32>> = set[..3]
        .iter()
        .map(|clip| {
            let p = classifier
                .probabilities(&clip.samples, clip.sample_rate)
                .unwrap();
            let kept: Vec<f32> = labels
                .iter()
                .map(|l| p[classifier.labels().iter().position(|m| m == l).unwrap()])
                .collect();
            let total: f32 = kept.iter().sum();
            kept.iter().map(|k| k / total).collect()
        })
        .collect();
    emovox::adaptation::adapt_to_speakers(&mut expected, &["s1", "s1", "s3"]).unwrap();
    let mut matrix = emovox::metrics::ConfusionMatrix::new(labels.clone());
    for (clip, p) in set.iter().zip(&expected) {
        let truth = labels.iter().position(|l| *l == clip.label).unwrap();
        matrix.add(truth, emovox::metrics::argmax(p)).unwrap();
    }
    assert_eq!(result.matrix, matrix);
    // Adapting moved the s1 clips' probabilities (they differ from the unadapted ones).
    let plain = evaluate_clean(&classifier, &set, &Scoring::present());
    assert_ne!(
        plain.calibration.mean_confidence,
        result.calibration.mean_confidence
    );
}

#[test]
fn clips_of_labels_the_model_lacks_and_a_condition_twice_are_clear_errors() {
    let classifier = Classifier::bundled().unwrap();
    let mut set = clips();
    for clip in &mut set {
        clip.label = "female".into();
    }
    let err = evaluate(
        &classifier,
        &set,
        &Condition::Clean,
        1,
        &Scoring::model(),
        Adaptation::None,
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::NoScoredLabels { clip_labels, .. } if clip_labels == &["female"]),
        "{err}"
    );
    let twice = parse_conditions(&["clean", "clean"]).unwrap();
    let err = evaluate_conditions(
        &classifier,
        &clips(),
        &twice,
        1,
        &Scoring::model(),
        Adaptation::None,
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::DuplicateCondition(name) if name == "clean"),
        "{err}"
    );
}

#[test]
fn no_clips_and_every_clip_refused_are_errors_that_say_so() {
    let classifier = Classifier::bundled().unwrap();
    let clean = |set: &[LabelledClip]| {
        evaluate(
            &classifier,
            set,
            &Condition::Clean,
            1,
            &Scoring::model(),
            Adaptation::None,
        )
        .unwrap_err()
    };
    // Was `NoScoredLabels` ("no clip's label [] is one the model scores ...").
    assert!(matches!(clean(&[]), Error::NoClips), "{}", clean(&[]));
    let mut set = clips();
    for clip in &mut set {
        clip.samples.truncate(100);
    }
    // Was `Metrics` ("empty input: no examples"), the clips' reason lost.
    let err = clean(&set);
    assert!(
        matches!(&err, Error::NothingScored { failed: 3, first } if first.contains("shorter than one frame")),
        "{err}"
    );
}

#[test]
fn babble_reaches_clips_of_every_rate_and_an_odd_clip_fails_alone() {
    let classifier = Classifier::bundled().unwrap();
    let babble: Condition = "babble:10".parse().unwrap();
    let run = |set: &[LabelledClip]| {
        evaluate(
            &classifier,
            set,
            &babble,
            5,
            &Scoring::model(),
            Adaptation::None,
        )
    };
    // One speaker's clip at 22.05 kHz among 16 kHz ones: its pool was at 16 kHz, and the clip
    // failed ("the babble pool is at 16000 Hz but the clip is at 22050 Hz").
    let mut set = clips();
    set[2].samples = emovox::audio::resample(&set[2].samples, 16_000, 22_050).unwrap();
    set[2].sample_rate = 22_050;
    let mixed = run(&set).unwrap();
    assert!(mixed.failed.is_empty(), "{:?}", mixed.failed);
    assert_eq!(mixed.matrix.total(), 3);
    // A clip too short for babble, of another speaker, listed first, at another rate: the whole
    // evaluation failed ("the babble pool holds no usable clip"); now it alone is refused.
    let mut odd = clips()[0].clone();
    odd.speaker = "odd".into();
    odd.sample_rate = 8_000;
    odd.samples.truncate(400);
    let mut set = clips();
    set.insert(0, odd);
    let result = run(&set).unwrap();
    assert_eq!(result.matrix.total(), 3);
    assert_eq!(result.failed.len(), 1, "{:?}", result.failed);
}
