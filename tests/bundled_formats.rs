//! The bundled model hears the same sentence the same way whatever the file format: an
//! espeak-ng sentence (not from any corpus, so held out) as 16-bit WAV, FLAC, ALAC, OGG Vorbis
//! at 64 kbps, MP3 at 128 kbps, AAC-LC at 96 kbps and OGG Opus at 32 kbps
//! (tests/fixtures/formats/make.sh made them), each decoded by `Classifier::predict_file` and
//! resampled from its own rate (22.05 kHz; Opus 48 kHz) to the model's 16 kHz.

use emovox::Classifier;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/formats");

/// Each compressed fixture and the largest difference of any class probability from the WAV's
/// allowed for it. Lossless files decode to the WAV's samples exactly, so their probabilities
/// must be identical. The lossy tolerances are about twice the differences measured
/// (2026-12-03: Vorbis 0.009, MP3 0.015, AAC 0.022, Opus 0.045; README, "Audio formats").
const FORMATS: [(&str, f32); 6] = [
    ("sentence.flac", 0.0),
    ("sentence_alac.m4a", 0.0),
    ("sentence_64k.ogg", 0.02),
    ("sentence_128k.mp3", 0.03),
    ("sentence_96k.m4a", 0.05),
    ("sentence_32k.opus", 0.10),
];

#[test]
fn the_bundled_model_gives_the_same_label_in_every_format() {
    let classifier = Classifier::bundled().unwrap();
    let wav = classifier
        .predict_file(format!("{DIR}/sentence.wav"))
        .unwrap();
    eprintln!("sentence.wav: {} ({:.4})", wav.label, wav.confidence);
    for (file, tolerance) in FORMATS {
        let prediction = classifier.predict_file(format!("{DIR}/{file}")).unwrap();
        let worst = wav
            .probabilities
            .iter()
            .zip(&prediction.probabilities)
            .map(|((label_a, a), (label_b, b))| {
                assert_eq!(label_a, label_b);
                (a - b).abs()
            })
            .fold(0.0f32, f32::max);
        eprintln!(
            "{file}: {} ({:.4}), largest probability difference from the WAV {worst:.5}",
            prediction.label, prediction.confidence
        );
        assert_eq!(prediction.label, wav.label, "{file}");
        assert!(worst <= tolerance, "{file}: {worst} > {tolerance}");
    }
}
