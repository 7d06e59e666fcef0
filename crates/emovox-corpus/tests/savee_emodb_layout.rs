//! SAVEE (the site's `AudioData/<speaker>/a01.wav`, Kaggle's flat `ALL/DC_a01.wav`) and EmoDB
//! (the download's `wav/03a01Fa.wav` beside its label folders) as users download them.

mod common;
use common::{apple_double, fixture_dir, label_counts, skipped, strays, wav, write};

use emovox_corpus::{detect_corpus, load_corpus, CorpusKind, Gender, EMODB_SPEAKERS};

/// SAVEE's emotion prefixes.
const SAVEE_CODES: [&str; 7] = ["a", "d", "f", "h", "n", "sa", "su"];

#[test]
fn savee_audiodata_loads_and_a_flat_copy_beside_it_is_not_counted_twice() {
    let root = fixture_dir("savee");
    for speaker in ["DC", "JE", "JK", "KL"] {
        for code in SAVEE_CODES {
            wav(
                &root.join(format!("AudioData/{speaker}/{code}01.wav")),
                44_100,
            );
            wav(&root.join(format!("ALL/{speaker}_{code}01.wav")), 44_100);
        }
    }
    write(&root.join("AudioData/DC/Info.txt"), b"recording notes");
    strays(&root.join("AudioData"));
    apple_double(&root.join("AudioData/JE/._sa01.wav"));
    wav(&root.join("AudioData/KL/sa1.wav"), 44_100);
    wav(&root.join("AudioData/KL/x01.wav"), 44_100);

    assert_eq!(detect_corpus(&root).unwrap(), CorpusKind::Savee);
    let (corpus, _) = load_corpus(&root, None).unwrap();
    let labels = [
        "anger",
        "disgust",
        "fear",
        "happiness",
        "neutral",
        "sadness",
        "surprise",
    ];
    let expected: Vec<(String, usize)> = labels.iter().map(|l| (l.to_string(), 4)).collect();
    assert_eq!(label_counts(&corpus), expected);
    assert_eq!(corpus.speakers(), ["DC", "JE", "JK", "KL"]);
    assert!((corpus.utterances.iter()).all(|u| u.gender == Some(Gender::Male)));
    // The flat copy sorts first (ALL < AudioData) and is the one kept; the other is reported.
    let skipped = skipped(&root, &corpus);
    let copies = skipped.iter().filter(|(_, r)| r.contains("another copy"));
    assert_eq!(copies.count(), 28, "{skipped:?}");
    let reason = |path: &str| {
        let found = skipped.iter().find(|(p, _)| p == path);
        found
            .unwrap_or_else(|| panic!("{path} not skipped"))
            .1
            .clone()
    };
    assert!(reason("AudioData/JE/._sa01.wav").contains("AppleDouble"));
    assert!(reason("AudioData/KL/sa1.wav").contains("two digits"));
    assert!(reason("AudioData/KL/x01.wav").contains("prefix"));
    assert_eq!(skipped.len(), 31);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn emodb_download_loads_from_its_root_with_every_speakers_sex() {
    let root = fixture_dir("emodb");
    for (i, (speaker, _)) in EMODB_SPEAKERS.iter().enumerate() {
        for (j, emotion) in "WLEAFTN".chars().enumerate() {
            let version = ['a', 'b', 'c', 'd'][(i + j) % 4];
            let name = format!("{speaker}a01{emotion}{version}");
            wav(&root.join(format!("wav/{name}.wav")), 16_000);
            write(&root.join(format!("lablaut/{name}.lab")), b"0 a");
            write(&root.join(format!("silb/{name}.silb")), b"0 a");
        }
    }
    write(&root.join("erkennung.txt"), b"recognition rates");
    strays(&root.join("wav"));
    apple_double(&root.join("wav/._03a01Wa.wav"));
    wav(&root.join("wav/03a01Wa (1).wav"), 16_000);

    assert_eq!(detect_corpus(&root).unwrap(), CorpusKind::Emodb);
    let (corpus, _) = load_corpus(&root, None).unwrap();
    assert_eq!(corpus.utterances.len(), 70);
    let labels = [
        "anger",
        "boredom",
        "disgust",
        "fear",
        "happiness",
        "neutral",
        "sadness",
    ];
    let expected: Vec<(String, usize)> = labels.iter().map(|l| (l.to_string(), 10)).collect();
    assert_eq!(label_counts(&corpus), expected);
    for (speaker, gender) in EMODB_SPEAKERS {
        let clips = corpus.utterances.iter().filter(|u| u.speaker == speaker);
        assert!(clips.clone().count() == 7 && clips.clone().all(|u| u.gender == Some(gender)));
    }
    let skipped = skipped(&root, &corpus);
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(skipped[0].0.ends_with("._03a01Wa.wav") && skipped[0].1.contains("AppleDouble"));
    assert!(skipped[1].0.ends_with("03a01Wa (1).wav") && skipped[1].1.contains("EmoDB"));
    std::fs::remove_dir_all(&root).unwrap();
}
