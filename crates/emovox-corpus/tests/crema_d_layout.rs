//! CREMA-D as users download it: the GitHub repository (`AudioWAV/`, `AudioMP3/`,
//! `VideoDemographics.csv`), its zip without Git LFS, and Kaggle's `AudioWAV/` copy.

mod common;
use common::{apple_double, fixture_dir, lfs_pointer, rows, skipped, strays, wav, write};

use emovox_corpus::{detect_corpus, load_corpus, parse_crema_d_name, CorpusKind, Gender, NameInfo};

/// The repository's demographics table, quoted as it is there.
const DEMOGRAPHICS: &str = "\"ActorID\",\"Age\",\"Sex\",\"Race\",\"Ethnicity\"\n\
    1001,51,\"Male\",\"Caucasian\",\"Not Hispanic\"\n\
    1002,21,\"Female\",\"Caucasian\",\"Not Hispanic\"\n\
    1040,42,\"Male\",\"Caucasian\",\"Not Hispanic\"\n";

/// (clip in `AudioWAV/`, its name in `AudioMP3/`): the last is the clip the corpus misnamed
/// `1040_ITH_SAD_X.wav` (CREMA-D issue 6), as copies made before 2022 still name it.
const CLIPS: [(&str, &str); 5] = [
    ("1001_DFA_ANG_XX", "1001_DFA_ANG_XX"),
    ("1001_IEO_HAP_HI", "1001_IEO_HAP_HI"),
    ("1002_IEO_SAD_LO", "1002_IEO_SAD_LO"),
    ("1002_TSI_FEA_MD", "1002_TSI_FEA_MD"),
    ("1040_ITH_SAD_X", "1040_ITH_SAD_XX"),
];

#[test]
fn the_repository_root_gives_each_clip_once_from_its_wav_file() {
    let root = fixture_dir("crema-repo");
    write(&root.join("VideoDemographics.csv"), DEMOGRAPHICS.as_bytes());
    for (wav_name, mp3_name) in CLIPS {
        wav(&root.join(format!("AudioWAV/{wav_name}.wav")), 16_000);
        let mp3 = root.join(format!("AudioMP3/{mp3_name}.mp3"));
        write(&mp3, b"ID3\x03\x00\x00\x00\x00\x00\x00"); // never decoded by the loader
    }
    strays(&root.join("AudioWAV"));
    apple_double(&root.join("AudioWAV/._1001_DFA_ANG_XX.wav"));

    assert_eq!(detect_corpus(&root).unwrap(), CorpusKind::CremaD);
    let (corpus, kind) = load_corpus(&root, None).unwrap();
    assert_eq!(kind, CorpusKind::CremaD);
    let (male, female) = (Some(Gender::Male), Some(Gender::Female));
    let row = |file: &str, label: &str, speaker: &str, gender| {
        (
            format!("AudioWAV/{file}"),
            label.into(),
            speaker.into(),
            gender,
        )
    };
    assert_eq!(
        rows(&root, &corpus),
        vec![
            row("1001_DFA_ANG_XX.wav", "angry", "1001", male),
            row("1001_IEO_HAP_HI.wav", "happy", "1001", male),
            row("1002_IEO_SAD_LO.wav", "sad", "1002", female),
            row("1002_TSI_FEA_MD.wav", "fearful", "1002", female),
            row("1040_ITH_SAD_X.wav", "sad", "1040", male),
        ]
    );
    let skipped = skipped(&root, &corpus);
    assert_eq!(skipped.len(), 6, "{skipped:?}");
    // The WAV copies are the rows above; every MP3 copy is skipped for one reason.
    for ((path, reason), (_, mp3_name)) in skipped.iter().zip(CLIPS) {
        assert_eq!(path, &format!("AudioMP3/{mp3_name}.mp3"));
        assert_eq!(reason, &skipped[0].1, "one reason for every copy");
        assert!(reason.contains("another copy"), "{reason}");
    }
    assert_eq!(skipped[5].0, "AudioWAV/._1001_DFA_ANG_XX.wav");
    assert!(skipped[5].1.contains("AppleDouble"), "{}", skipped[5].1);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn the_misnamed_clip_parses_and_other_bad_names_say_why() {
    assert_eq!(
        parse_crema_d_name("1040_ITH_SAD_X").unwrap(),
        NameInfo::new("sad", "1040", None)
    );
    // Only the one file the corpus misnamed: a one-letter intensity is still wrong elsewhere.
    for (bad, says) in [
        ("1001_DFA_ANG_X", "intensity"),
        ("1001_DFA_ANG_XX (1)", "intensity"),
        ("1001_DFA_ang_XX", "emotion"),
        ("1001-DFA-ANG-XX", "four fields"),
    ] {
        let reason = parse_crema_d_name(bad).unwrap_err();
        assert!(reason.contains(says), "{bad}: {reason}");
    }
}

#[test]
fn a_repository_zipped_without_git_lfs_is_reported_not_read_as_audio() {
    let root = fixture_dir("crema-lfs");
    write(&root.join("VideoDemographics.csv"), DEMOGRAPHICS.as_bytes());
    lfs_pointer(&root.join("AudioWAV/1001_DFA_ANG_XX.wav"));
    lfs_pointer(&root.join("AudioMP3/1001_DFA_ANG_XX.mp3"));
    lfs_pointer(&root.join("AudioWAV/1002_IEO_SAD_LO.wav"));
    wav(&root.join("AudioWAV/1040_ITH_DIS_XX.wav"), 16_000);

    let (corpus, kind) = load_corpus(&root, None).unwrap();
    assert_eq!(kind, CorpusKind::CremaD);
    assert_eq!(corpus.utterances.len(), 1);
    assert_eq!(corpus.utterances[0].label, "disgust");
    let skipped = skipped(&root, &corpus);
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    for (path, reason) in &skipped {
        assert!(
            reason.contains("Git LFS") && reason.contains("git lfs pull"),
            "{path}: {reason}"
        );
    }
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn kaggles_audio_folder_alone_loads_with_unknown_sex() {
    let root = fixture_dir("crema-kaggle");
    for (name, _) in CLIPS {
        wav(&root.join(format!("AudioWAV/{name}.wav")), 16_000);
    }
    let (corpus, _) = load_corpus(&root.join("AudioWAV"), None).unwrap();
    assert_eq!(corpus.utterances.len(), CLIPS.len());
    assert!(corpus.skipped.is_empty(), "{:?}", corpus.skipped);
    assert!(corpus.utterances.iter().all(|u| u.gender.is_none()));
    assert_eq!(corpus.speakers(), ["1001", "1002", "1040"]);
    std::fs::remove_dir_all(&root).unwrap();
}
