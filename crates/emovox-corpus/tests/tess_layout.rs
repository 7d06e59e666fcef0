//! TESS as distributed: one folder per speaker and emotion, the folders named inconsistently,
//! one file misnamed, and (in Kaggle's copy, or zipped on a Mac) the corpus found twice.

mod common;
use common::{apple_double, fixture_dir, label_counts, rows, skipped, strays, wav};

use std::path::Path;

use emovox_corpus::{detect_corpus, load_corpus, parse_tess_name, CorpusKind, Gender, NameInfo};

/// The corpus' 14 folders as published, and the emotion its file names spell.
const FOLDERS: [(&str, &str); 14] = [
    ("OAF_angry", "angry"),
    ("OAF_disgust", "disgust"),
    ("OAF_Fear", "fear"),
    ("OAF_happy", "happy"),
    ("OAF_neutral", "neutral"),
    ("OAF_Pleasant_surprise", "ps"),
    ("OAF_Sad", "sad"),
    ("YAF_angry", "angry"),
    ("YAF_disgust", "disgust"),
    ("YAF_fear", "fear"),
    ("YAF_happy", "happy"),
    ("YAF_neutral", "neutral"),
    ("YAF_pleasant_surprised", "ps"),
    ("YAF_sad", "sad"),
];

/// The folder the corpus unpacks to.
const DATA: &str = "TESS Toronto emotional speech set data";

/// Writes TESS's folders below `dir` with the words `back` and `bite` (24414 Hz, as published):
/// 28 clips, `OAF_neutral/OA_bite_neutral.wav` misnamed as in the real corpus. Returns the
/// clips' paths relative to `dir`.
fn write_tess(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for (folder, emotion) in FOLDERS {
        let speaker = &folder[..3];
        for word in ["back", "bite"] {
            let name = match format!("{speaker}_{word}_{emotion}") {
                n if n == "OAF_bite_neutral" => "OA_bite_neutral".to_owned(),
                n => n,
            };
            let file = format!("{folder}/{name}.wav");
            wav(&dir.join(&file), 24_414);
            files.push(file);
        }
    }
    files
}

#[test]
fn tess_as_published_and_zipped_on_a_mac_loads_every_clip() {
    let root = fixture_dir("tess");
    let files = write_tess(&root.join(DATA));
    // A zip made on a Mac holds a "._" twin of every file under __MACOSX.
    for file in &files {
        let (folder, name) = file.split_once('/').unwrap();
        apple_double(&root.join(format!("__MACOSX/{DATA}/{folder}/._{name}")));
    }
    strays(&root.join(DATA));

    assert_eq!(detect_corpus(&root).unwrap(), CorpusKind::Tess);
    let (corpus, _) = load_corpus(&root, None).unwrap();
    assert_eq!(corpus.utterances.len(), 28);
    let labels = ["angry", "disgust", "fear", "happy", "neutral", "ps", "sad"];
    let expected: Vec<(String, usize)> = labels.iter().map(|l| (l.to_string(), 4)).collect();
    assert_eq!(label_counts(&corpus), expected);
    assert_eq!(corpus.speakers(), ["OAF", "YAF"]);
    let female = Some(Gender::Female);
    assert!(corpus.utterances.iter().all(|u| u.gender == female));
    let misnamed = format!("{DATA}/OAF_neutral/OA_bite_neutral.wav");
    let row = (misnamed, "neutral".into(), "OAF".into(), female);
    assert!(rows(&root, &corpus).contains(&row));
    let skipped = skipped(&root, &corpus);
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0].0, "__MACOSX");
    assert!(skipped[0].1.contains("macOS"), "{}", skipped[0].1);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_copy_holding_the_corpus_twice_gives_each_clip_once() {
    let root = fixture_dir("tess-twice");
    write_tess(&root.join(DATA));
    write_tess(&root.join(DATA.to_lowercase()).join(DATA));
    let (corpus, kind) = load_corpus(&root, None).unwrap();
    assert_eq!(kind, CorpusKind::Tess);
    assert_eq!(corpus.utterances.len(), 28);
    assert!(corpus
        .utterances
        .iter()
        .all(|u| u.path.starts_with(root.join(DATA))));
    assert_eq!(corpus.skipped.len(), 28);
    assert!((corpus.skipped.iter()).all(|s| s.reason.contains("another copy")));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn spellings_and_case_variants_of_names_parse() {
    let female = Some(Gender::Female);
    for (name, label, speaker) in [
        ("YAF_bath_ps", "ps", "YAF"),
        ("YAF_bath_pleasant_surprise", "ps", "YAF"),
        ("OAF_Bath_Pleasant_Surprised", "ps", "OAF"),
        ("oaf_back_Fear", "fear", "OAF"),
        ("YAF_BACK_ANGRY", "angry", "YAF"),
        ("OA_bite_neutral", "neutral", "OAF"),
        ("oa_bite_NEUTRAL", "neutral", "OAF"),
    ] {
        assert_eq!(
            parse_tess_name(name).unwrap(),
            NameInfo::new(label, speaker, female),
            "{name}"
        );
    }
    for (bad, says) in [
        ("OAF_back_surprise", "emotion"),
        ("OAF_back_angry_1", "emotion"),
        ("OA_back_neutral", "OAF or YAF"),
        ("OAF_back", "three fields"),
        ("OAF_back2_angry", "word"),
    ] {
        let reason = parse_tess_name(bad).unwrap_err();
        assert!(reason.contains(says), "{bad}: {reason}");
    }
}
