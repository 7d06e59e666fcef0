//! The bundled model hears the same sentence the same way whatever the file format (the same
//! probabilities within a codec's tolerance; the label too unless the sentence is ambiguous): an
//! espeak-ng sentence (not from any corpus, so held out) as 16-bit WAV, G.711 mu-law WAV, FLAC, ALAC, OGG Vorbis
//! at 64 kbps, MP3 at 128 kbps, AAC-LC at 96 kbps, OGG Opus and WebM Opus at 32 kbps
//! (tests/fixtures/formats/make.sh made them), each decoded by `Classifier::predict_file` and
//! resampled from its own rate (22.05 kHz; Opus 48 kHz) to the model's 16 kHz.

use emovox::Classifier;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/formats");

/// Each compressed fixture and the largest difference of any class probability from the WAV's
/// allowed for it. Lossless files decode to the WAV's samples exactly, so their probabilities
/// must be identical. The lossy tolerances are about twice the largest differences measured
/// with the bundled models so far (R20, 2026-12-04 afternoon: Vorbis 0.015, MP3 0.013, AAC
/// 0.032, Opus 0.058; R19, that morning: Vorbis 0.017, MP3 0.017, AAC 0.034, Opus 0.041; the six-view model of 2026-12-03 evening: 0.041, 0.012,
/// 0.012, 0.071; the four-view model of that afternoon: 0.009, 0.015, 0.022, 0.045). G.711
/// mu-law (8-bit logarithmic, about 38 dB SNR on speech): 0.038 with R21c, 2026-12-05. R67
/// (2026-12-06 evening): Vorbis 0.007, MP3 0.003, AAC 0.017, Opus 0.101, mu-law 0.045, its
/// Opus difference the largest yet, within the tolerance but not half of it.
const FORMATS: [(&str, f32); 8] = [
    ("sentence.flac", 0.0),
    ("sentence_ulaw.wav", 0.08),
    ("sentence_alac.m4a", 0.0),
    ("sentence_64k.ogg", 0.08),
    ("sentence_128k.mp3", 0.03),
    ("sentence_96k.m4a", 0.07),
    ("sentence_32k.opus", 0.15),
    ("sentence_32k.webm", 0.15),
];

#[test]
fn the_bundled_model_hears_the_same_sentence_in_every_format() {
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
        assert!(worst <= tolerance, "{file}: {worst} > {tolerance}");
        // The label may change only between labels the WAV itself holds within the codec's
        // tolerance of its best (the synthetic sentence is ambiguous: happy 0.239, angry 0.210):
        // a label the WAV puts further down is a different answer, not a codec's rounding.
        let on_wav = |label: &str| {
            wav.probabilities
                .iter()
                .find(|(l, _)| l == label)
                .map_or(0.0, |(_, p)| *p)
        };
        assert!(
            on_wav(&prediction.label) >= wav.confidence - 2.0 * tolerance,
            "{file}: {} ({:.3} on the WAV) against {} ({:.3})",
            prediction.label,
            on_wav(&prediction.label),
            wav.label,
            wav.confidence
        );
    }
}

/// A stereo call: speech on the left, a tone on the right (32-bit float WAV written here).
fn stereo_call(path: &std::path::Path) -> (Vec<f32>, Vec<f32>) {
    let speech = emovox::audio::read_audio(format!("{DIR}/../speech/kids_talking.wav"))
        .unwrap()
        .samples;
    let tone: Vec<f32> = (0..speech.len())
        .map(|i| 0.3 * (std::f32::consts::TAU * 220.0 * i as f32 / 16_000.0).sin())
        .collect();
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 16_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for (l, r) in speech.iter().zip(&tone) {
        writer.write_sample(*l).unwrap();
        writer.write_sample(*r).unwrap();
    }
    writer.finalize().unwrap();
    (speech, tone)
}

#[test]
fn one_side_of_a_stereo_call_is_predicted_on_its_own() {
    use emovox::audio::Channels;
    let path = std::env::temp_dir().join(format!("emovox-call-{}.wav", std::process::id()));
    let (speech, tone) = stereo_call(&path);
    let classifier = Classifier::bundled().unwrap();
    let left = classifier
        .predict_file_with(&path, Channels::Only(0))
        .unwrap();
    let right = classifier
        .predict_file_with(&path, Channels::Only(1))
        .unwrap();
    assert_eq!(left, classifier.predict(&speech, 16_000).unwrap());
    assert_eq!(right, classifier.predict(&tone, 16_000).unwrap());
    assert_ne!(left.probabilities, right.probabilities);
    let err = classifier
        .predict_file_with(&path, Channels::Only(2))
        .unwrap_err();
    assert!(err.to_string().contains("channel 2"), "{err}");
    std::fs::remove_file(&path).unwrap();
}
