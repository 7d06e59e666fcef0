//! RAVDESS as Kaggle holds it (every actor folder twice) and beside its video downloads, and
//! folder-per-label corpora unzipped from a Mac.

mod common;
use common::{apple_double, fixture_dir, lfs_pointer, skipped, strays, wav, wavs, write};

use emovox_corpus::{
    audio_files, detect_corpus, load_corpus, parse_ravdess_name, CorpusError, CorpusKind,
};

#[test]
fn kaggles_double_copy_and_the_video_downloads_give_each_recording_once() {
    let root = fixture_dir("ravdess");
    for copy in ["", "audio_speech_actors_01-24/"] {
        for actor in [1, 2] {
            for emotion in [1, 5] {
                let name = format!("03-01-{emotion:02}-01-01-01-{actor:02}.wav");
                wav(&root.join(format!("{copy}Actor_{actor:02}/{name}")), 48_000);
            }
        }
    }
    // Video_Speech_Actor_01.zip: audio-video (01) and video-only (02) files.
    let video = "Video_Speech_Actor_01/Actor_01";
    write(
        &root.join(format!("{video}/01-01-05-01-01-01-01.mp4")),
        b"\0\0\0\x18ftypmp42",
    );
    write(
        &root.join(format!("{video}/02-01-05-01-01-01-01.mp4")),
        b"\0\0\0\x18ftypmp42",
    );
    strays(&root);

    assert_eq!(detect_corpus(&root).unwrap(), CorpusKind::Ravdess);
    let (corpus, _) = load_corpus(&root, None).unwrap();
    assert_eq!(corpus.utterances.len(), 4);
    assert!(corpus
        .utterances
        .iter()
        .all(|u| u.path.starts_with(root.join("Actor_01"))
            || u.path.starts_with(root.join("Actor_02"))));
    assert_eq!(corpus.labels(), ["angry", "neutral"]);
    assert_eq!(corpus.speakers(), ["01", "02"]);
    let skipped = skipped(&root, &corpus);
    assert_eq!(skipped.len(), 6, "{skipped:?}");
    let reason_of = |path: &str| &skipped.iter().find(|(p, _)| p.ends_with(path)).unwrap().1;
    // The audio-visual copy of a clip whose audio-only WAV is read (the rows above).
    assert!(reason_of("01-01-05-01-01-01-01.mp4").contains("another copy"));
    assert!(reason_of("02-01-05-01-01-01-01.mp4").contains("video-only"));
    let copies = skipped
        .iter()
        .filter(|(p, r)| p.starts_with("audio_speech_actors_01-24/") && r.contains("another copy"));
    assert_eq!(copies.count(), 4);
    assert!(parse_ravdess_name("04-01-05-01-01-01-01")
        .unwrap_err()
        .contains("modality"));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn label_folders_zipped_on_a_mac_keep_their_labels() {
    let root = fixture_dir("folders");
    let clips = [
        "angry/a.wav",
        "happy/b.wav",
        "sad/spk7/c.wav",
        "Sad/spk8/d.wav",
    ];
    wavs(&root, 16_000, &clips);
    for clip in clips {
        let (folder, name) = clip.rsplit_once('/').unwrap();
        apple_double(&root.join(format!("__MACOSX/{folder}/._{name}")));
        apple_double(&root.join(format!("{folder}/._{name}")));
    }
    strays(&root.join("angry"));
    lfs_pointer(&root.join("happy/pointer.wav"));

    let found = audio_files(&root).unwrap();
    let names: Vec<_> = found.iter().map(|p| p.file_name().unwrap()).collect();
    assert_eq!(names, ["d.wav", "a.wav", "b.wav", "pointer.wav", "c.wav"]); // by path: "Sad" < "angry"
    assert_eq!(detect_corpus(&root).unwrap(), CorpusKind::Folders);
    let (corpus, _) = load_corpus(&root, None).unwrap();
    assert_eq!(corpus.labels(), ["angry", "happy", "sad"]);
    assert_eq!(corpus.speakers(), ["spk7", "spk8", "unknown"]);
    assert_eq!(corpus.utterances.len(), 4);
    let skipped = skipped(&root, &corpus);
    let reasons = |what: &str| skipped.iter().filter(|(_, r)| r.contains(what)).count();
    assert_eq!(reasons("__MACOSX"), 1, "{skipped:?}");
    assert_eq!(reasons("AppleDouble"), 4, "{skipped:?}");
    assert_eq!(reasons("Git LFS"), 1, "{skipped:?}");
    assert_eq!(skipped.len(), 6, "{skipped:?}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_folder_of_macos_metadata_alone_has_no_audio() {
    let root = fixture_dir("only-metadata");
    apple_double(&root.join("angry/._a.wav"));
    apple_double(&root.join("__MACOSX/angry/._a.wav"));
    assert!(matches!(
        load_corpus(&root, None),
        Err(CorpusError::NoAudio(_))
    ));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn label_folders_split_into_train_and_test_are_refused_not_read_as_labels() {
    let root = fixture_dir("split");
    wavs(
        &root,
        16_000,
        &["train/angry/a.wav", "train/sad/b.wav", "Test/angry/c.wav"],
    );
    assert_eq!(detect_corpus(&root).unwrap(), CorpusKind::Folders);
    let error = load_corpus(&root, None).unwrap_err();
    match &error {
        CorpusError::SplitFolders { splits, .. } => assert_eq!(splits, &["Test", "train"]),
        other => panic!("{other}"),
    }
    assert!(
        error.to_string().contains("load one split's folder"),
        "{error}"
    );
    // One split is a corpus of label folders.
    let (corpus, _) = load_corpus(&root.join("train"), None).unwrap();
    assert_eq!(corpus.labels(), ["angry", "sad"]);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_corpus_whose_every_file_is_skipped_is_an_error_saying_why() {
    let root = fixture_dir("all-pointers");
    lfs_pointer(&root.join("Actor_01/03-01-05-01-01-01-01.wav"));
    lfs_pointer(&root.join("Actor_01/03-01-04-01-01-01-01.wav"));
    let error = load_corpus(&root, Some(CorpusKind::Ravdess)).unwrap_err();
    match &error {
        CorpusError::NothingUsable { skipped, kind, .. } => {
            assert_eq!((*skipped, kind.as_str()), (2, "ravdess"))
        }
        other => panic!("{other}"),
    }
    assert!(error.to_string().contains("Git LFS"), "{error}");
    std::fs::remove_dir_all(&root).unwrap();
}
