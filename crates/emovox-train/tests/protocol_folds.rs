//! Speaker folds (k-fold balanced by gender, leave-one-speaker-out) and cross-corpus helpers,
//! on generated RAVDESS-named fixtures and (with EMOVOX_DATA) the real corpus.

mod common;

#[path = "../../../tests/support/corpus_env.rs"]
mod corpus_env;
use common::tiny_wav;

use std::collections::BTreeSet;
use std::path::PathBuf;

use emovox_train::corpus::{load_ravdess, Corpus, CorpusError, Gender, SkippedFile, Utterance};
use emovox_train::protocol::{
    combine, k_fold_speakers, leave_one_speaker_out, shared_labels, Fold, SpeakerSet,
};

/// A RAVDESS-named fixture: actors 01-20, two emotions each, loaded through the real loader.
/// `name` keeps the folders of tests running in parallel apart.
fn ravdess_fixture(name: &str) -> (PathBuf, Corpus) {
    let dir = std::env::temp_dir().join(format!("emovox-folds-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for actor in 1..=20 {
        for emotion in [1, 5] {
            tiny_wav(&dir.join(format!(
                "Actor_{actor:02}/03-01-{emotion:02}-01-01-01-{actor:02}.wav"
            )));
        }
    }
    let corpus = load_ravdess(&dir).unwrap();
    (dir, corpus)
}

fn gender_of(utterances: &[Utterance], speaker: &str) -> Option<Gender> {
    utterances
        .iter()
        .find(|u| u.speaker == speaker)
        .and_then(|u| u.gender)
}

/// Every speaker is tested exactly once, never trains in its own test fold, and trains in all
/// others; the split puts each utterance on the side of its speaker.
fn assert_partition(folds: &[Fold], utterances: &[Utterance]) {
    let all: BTreeSet<&str> = utterances.iter().map(|u| u.speaker.as_str()).collect();
    let mut tested = Vec::new();
    for fold in folds {
        let train: BTreeSet<&str> = fold.train_speakers.iter().map(String::as_str).collect();
        let test: BTreeSet<&str> = fold.test_speakers.iter().map(String::as_str).collect();
        assert!(train.is_disjoint(&test), "{}", fold.name);
        assert_eq!(train.union(&test).copied().collect::<BTreeSet<_>>(), all);
        tested.extend(test.iter().copied());
        let (train_u, test_u) = fold.split(utterances);
        assert_eq!(train_u.len() + test_u.len(), utterances.len());
        assert!(train_u.iter().all(|u| train.contains(u.speaker.as_str())));
        assert!(test_u.iter().all(|u| test.contains(u.speaker.as_str())));
    }
    tested.sort();
    assert_eq!(tested, all.into_iter().collect::<Vec<_>>());
}

/// RAVDESS in 5 folds: 4 actors per fold, 2 male + 2 female.
fn assert_ravdess_five_folds(corpus: &Corpus) {
    let folds = k_fold_speakers(&corpus.utterances, 5).unwrap();
    assert_eq!(folds.len(), 5);
    assert_partition(&folds, &corpus.utterances);
    for fold in &folds {
        assert_eq!(fold.test_speakers.len(), 4, "{}", fold.name);
        assert_eq!(fold.train_speakers.len(), 16, "{}", fold.name);
        let male = fold
            .test_speakers
            .iter()
            .filter(|s| gender_of(&corpus.utterances, s) == Some(Gender::Male))
            .count();
        assert_eq!(male, 2, "{}: {:?}", fold.name, fold.test_speakers);
    }
}

#[test]
fn ravdess_five_folds_are_gender_balanced_and_deterministic() {
    let (dir, corpus) = ravdess_fixture("five");
    assert_ravdess_five_folds(&corpus);
    let folds = k_fold_speakers(&corpus.utterances, 5).unwrap();
    assert_eq!(folds[0].name, "fold-1");
    assert_eq!(folds[0].test_speakers, vec!["01", "02", "11", "12"]);
    assert_eq!(folds[4].test_speakers, vec!["09", "10", "19", "20"]);
    let mut reversed = corpus.utterances.clone();
    reversed.reverse();
    assert_eq!(k_fold_speakers(&reversed, 5).unwrap(), folds);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn uneven_folds_differ_by_at_most_one_speaker() {
    let (dir, corpus) = ravdess_fixture("three");
    let folds = k_fold_speakers(&corpus.utterances, 3).unwrap();
    assert_partition(&folds, &corpus.utterances);
    let sizes: Vec<usize> = folds.iter().map(|f| f.test_speakers.len()).collect();
    assert_eq!(sizes, vec![7, 7, 6]);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn speaker_utterance(speaker: &str, gender: Option<Gender>, label: &str) -> Utterance {
    Utterance {
        path: format!("{speaker}-{label}.wav").into(),
        label: label.into(),
        speaker: speaker.into(),
        gender,
        corpus: "test".into(),
    }
}

#[test]
fn unknown_genders_still_fold_and_bad_fold_counts_are_errors() {
    let utterances: Vec<Utterance> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|s| speaker_utterance(s, None, "happy"))
        .collect();
    let folds = k_fold_speakers(&utterances, 2).unwrap();
    assert_partition(&folds, &utterances);
    assert_eq!(folds[0].test_speakers, vec!["a", "c", "e"]);
    for k in [0, 1, 6] {
        assert!(
            matches!(
                k_fold_speakers(&utterances, k),
                Err(CorpusError::BadFolds(_))
            ),
            "k = {k}"
        );
    }
    assert!(matches!(
        k_fold_speakers(&[], 2),
        Err(CorpusError::BadFolds(_))
    ));
}

#[test]
fn leave_one_speaker_out_holds_out_each_speaker() {
    let utterances = vec![
        speaker_utterance("JE", Some(Gender::Male), "anger"),
        speaker_utterance("DC", Some(Gender::Male), "anger"),
        speaker_utterance("DC", Some(Gender::Male), "fear"),
    ];
    let folds = leave_one_speaker_out(&utterances).unwrap();
    assert_partition(&folds, &utterances);
    assert_eq!(folds[0].name, "speaker-DC");
    assert_eq!(folds[0].test_speakers, vec!["DC"]);
    assert_eq!(folds[0].train_speakers, vec!["JE"]);
    let (train, test) = folds[0].split(&utterances);
    assert_eq!((train.len(), test.len()), (1, 2));
    assert!(matches!(
        leave_one_speaker_out(&utterances[..1]),
        Err(CorpusError::BadFolds(_))
    ));
}

#[test]
fn combining_corpora_keeps_speakers_apart() {
    let corpus = |name: &str, labels: &[&str]| Corpus {
        name: name.into(),
        utterances: labels
            .iter()
            .map(|l| Utterance {
                corpus: name.into(),
                path: format!("{name}/{l}.wav").into(),
                ..speaker_utterance("01", Some(Gender::Male), l)
            })
            .collect(),
        skipped: vec![SkippedFile {
            path: format!("{name}/junk.wav").into(),
            reason: "test".into(),
        }],
    };
    let a = corpus("ravdess", &["angry", "calm", "happy"]);
    let b = corpus("emodb", &["happy", "angry", "boredom"]);
    assert_eq!(
        shared_labels(&a.utterances, &b.utterances),
        vec!["angry", "happy"]
    );
    let both = combine(&[a, b]);
    assert_eq!(both.name, "ravdess+emodb");
    assert_eq!(both.speakers(), vec!["emodb:01", "ravdess:01"]);
    assert_eq!(both.utterances.len(), 6);
    assert_eq!(both.skipped.len(), 2);
    // Combining again does not prefix twice.
    let again = combine(std::slice::from_ref(&both));
    assert_eq!(again.speakers(), both.speakers());
    assert_eq!(k_fold_speakers(&both.utterances, 2).unwrap().len(), 2);
}

#[test]
fn shared_ravdess_copy_folds_into_balanced_fives() {
    let Some(root) = corpus_env::data_dir("EMOVOX_DATA", "the RAVDESS 5-fold check") else {
        return;
    };
    let corpus = load_ravdess(&root).unwrap();
    assert_eq!(corpus.speakers().len(), 20);
    assert_ravdess_five_folds(&corpus);
    for fold in k_fold_speakers(&corpus.utterances, 5).unwrap() {
        let (train, test) = fold.split(&corpus.utterances);
        assert_eq!((train.len(), test.len()), (960, 240), "{}", fold.name);
    }
}

#[test]
fn speaker_list_items_that_match_no_speaker_are_errors() {
    let utterances: Vec<Utterance> = ["01", "02", "03", "04"]
        .iter()
        .map(|s| speaker_utterance(s, None, "calm"))
        .collect();
    let set = SpeakerSet::parse("1-2,77,x").unwrap();
    for err in [
        set.speakers_of(&utterances).unwrap_err(),
        set.select(&utterances).unwrap_err(),
    ] {
        match err {
            CorpusError::UnmatchedSpeakers { list, items } => {
                assert_eq!(
                    (list.as_str(), items),
                    ("1-2,77,x", vec!["77".to_string(), "x".into()])
                );
            }
            other => panic!("{other:?}"),
        }
    }
    // A range matching some speakers is fine (1-20 on actors 1-4), as is a full match.
    let set = SpeakerSet::parse("1-20").unwrap();
    assert_eq!(
        set.speakers_of(&utterances).unwrap(),
        ["01", "02", "03", "04"]
    );
    assert_eq!(
        SpeakerSet::parse("2,4")
            .unwrap()
            .select(&utterances)
            .unwrap()
            .len(),
        2
    );
}
