//! The bundled model's novelty: audio unlike its training clips (tones, clicks) is
//! `unfamiliar` (noise without speech is flagged by the recording-quality check), its novelty
//! does not depend on the recording level, and (when `EMOVOX_DATA` points at RAVDESS) the
//! held-out actors' speech is familiar.

#[path = "../../../tests/support/corpus_env.rs"]
mod corpus_env;
#[path = "../../../tests/support/speech.rs"]
mod speech;

use emovox::Classifier;

const RATE: u32 = 16_000;

fn espeak_sentence() -> Vec<f32> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/speech/kids_talking.wav"
    );
    emovox_audio::read_wav(path).unwrap().samples
}

fn white_noise(n: usize, seed: u32) -> Vec<f32> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            0.1 * ((state >> 8) as f32 / (1u32 << 24) as f32 - 0.5)
        })
        .collect()
}

#[test]
fn tones_and_clicks_are_unfamiliar() {
    let classifier = Classifier::bundled().unwrap();
    let threshold = classifier
        .novelty_threshold()
        .expect("the bundled model has one");
    let n = 2 * RATE as usize;
    let signals: [(&str, Vec<f32>); 2] = [
        (
            "440 Hz tone",
            (0..n)
                .map(|i| 0.3 * (std::f32::consts::TAU * 440.0 * i as f32 / RATE as f32).sin())
                .collect(),
        ),
        (
            "clicks",
            (0..n)
                .map(|i| if i % 1_600 == 0 { 0.8 } else { 0.0 })
                .collect(),
        ),
    ];
    for (name, signal) in signals {
        let prediction = classifier.predict(&signal, RATE).unwrap();
        let novelty = prediction.novelty.unwrap();
        assert!(
            prediction.unfamiliar && novelty > threshold,
            "{name}: {novelty} vs {threshold}"
        );
    }
    // Speech, even synthetic, is nearer the training clips than either.
    let speech = classifier
        .predict(&espeak_sentence(), RATE)
        .unwrap()
        .novelty
        .unwrap();
    assert!(
        speech < threshold,
        "espeak-ng speech: {speech} vs {threshold}"
    );
}

/// Noise without speech is not reliably `unfamiliar` to the bundled model since R42 (its RAVDESS
/// network, trained for 60 epochs on crops down to 0 dB SNR, puts stationary noise near its
/// training clips; R57 found white noise unfamiliar and pink noise not, R67 neither: README,
/// "What it gets wrong"). What tells the user instead: the recording-quality
/// check finds (next to) no speech in it, and the model's answer about it is hardly more confident than a guess
/// (1/8 = 0.125).
#[test]
fn noise_without_speech_is_flagged_as_little_speech_and_answered_without_confidence() {
    let classifier = Classifier::bundled().unwrap();
    for seed in [12_345, 777, 31_337] {
        let noise = white_noise(2 * RATE as usize, seed);
        let concerns = emovox::audio::assess(&noise, RATE).unwrap().concerns();
        assert!(
            concerns.contains(&emovox::audio::QualityConcern::LittleSpeech),
            "seed {seed}: {concerns:?}"
        );
        let prediction = classifier.predict(&noise, RATE).unwrap();
        assert!(
            prediction.confidence < 0.3,
            "seed {seed}: {} at {}",
            prediction.label,
            prediction.confidence
        );
    }
}

#[test]
fn novelty_does_not_depend_on_the_level() {
    let classifier = Classifier::bundled().unwrap();
    let clip = espeak_sentence();
    let reference = classifier.predict(&clip, RATE).unwrap().novelty.unwrap();
    for db in [-30.0f32, -12.0, 6.0] {
        let gain = 10f32.powf(db / 20.0);
        let scaled: Vec<f32> = clip.iter().map(|s| s * gain).collect();
        let novelty = classifier.predict(&scaled, RATE).unwrap().novelty.unwrap();
        assert!(
            (novelty - reference).abs() < 0.01 * reference,
            "{db} dB: {novelty} vs {reference}"
        );
    }
}

#[test]
fn held_out_ravdess_speech_is_familiar() {
    let Some(root) = corpus_env::data_dir("EMOVOX_DATA", "RAVDESS actors 19-20 novelty") else {
        return;
    };
    let classifier = Classifier::bundled().unwrap();
    let mut novelty = Vec::new();
    for actor in ["19", "20"] {
        let files = speech::actor_clips(std::path::Path::new(&root), actor);
        for path in files.iter().step_by(3) {
            novelty.push(classifier.predict_file(path).unwrap().novelty.unwrap());
        }
    }
    novelty.sort_by(f32::total_cmp);
    let median = novelty[novelty.len() / 2];
    let unfamiliar = novelty
        .iter()
        .filter(|&&s| s > classifier.novelty_threshold().unwrap())
        .count();
    assert!(median < 2.0, "median novelty {median}");
    assert!(
        unfamiliar * 20 <= novelty.len(),
        "{unfamiliar} of {} unfamiliar",
        novelty.len()
    );
}

#[test]
fn a_timeline_carries_each_windows_novelty() {
    let classifier = Classifier::bundled().unwrap();
    let threshold = classifier.novelty_threshold().unwrap();
    // espeak-ng speech, a pause, then 4 s of a tone pulsing four times a second (the VAD
    // takes it for speech; the model has never heard anything like it).
    let mut recording = espeak_sentence();
    recording.extend(std::iter::repeat_n(0.0f32, RATE as usize / 2));
    let tone_start = recording.len() as f64 / f64::from(RATE);
    recording.extend((0..4 * RATE as usize).map(|i| {
        let t = i as f32 / RATE as f32;
        let pulse = 0.5 + 0.5 * (std::f32::consts::TAU * 4.0 * t).sin();
        0.3 * pulse * (std::f32::consts::TAU * 300.0 * t).sin()
    }));
    let config = emovox::timeline::SegmentConfig::default();
    let timeline = classifier
        .predict_segments(&recording, RATE, &config)
        .unwrap();
    let mut tone_windows = 0;
    for window in &timeline.windows {
        let novelty = window.novelty.expect("the bundled model measures novelty");
        // The window's novelty is the classifier's for its samples.
        let range = (window.start * f64::from(RATE)).round() as usize
            ..(window.end * f64::from(RATE)).round() as usize;
        let alone = classifier
            .predict(&recording[range], RATE)
            .unwrap()
            .novelty
            .unwrap();
        assert!(
            (novelty - alone).abs() < 1e-4 * alone,
            "{novelty} vs {alone}"
        );
        if window.start >= tone_start {
            tone_windows += 1;
            assert!(
                novelty > threshold,
                "tone window at {}: {novelty}",
                window.start
            );
        }
    }
    assert!(tone_windows >= 3, "{tone_windows} windows of tone");
    assert!(timeline.smoothed.iter().all(|s| s.novelty.is_some()));
}
