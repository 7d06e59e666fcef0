//! The RAVDESS loader and speaker lists, on generated fixtures and (with EMOVOX_DATA) the corpus.

mod common;

#[path = "../../../tests/support/corpus_env.rs"]
mod corpus_env;
use common::{fixture_dir, tiny_wav};

use emovox_train::corpus::{load_ravdess, parse_ravdess_name, CorpusError, Gender};
use emovox_train::protocol::SpeakerSet;

#[test]
fn names_give_label_actor_and_gender() {
    assert_eq!(
        parse_ravdess_name("03-01-05-02-02-02-12").unwrap(),
        ("angry", "12".into(), Gender::Female)
    );
    assert_eq!(
        parse_ravdess_name("03-02-08-01-01-01-07").unwrap(),
        ("surprised", "07".into(), Gender::Male)
    );
    assert!(parse_ravdess_name("03-01-09-01-01-01-01")
        .unwrap_err()
        .contains("emotion code 09"));
    assert!(parse_ravdess_name("hello").is_err());
    assert!(parse_ravdess_name("03-01-05-02-02-02-00").is_err());
}

#[test]
fn loader_reads_nested_folders_and_reports_unparseable_files() {
    let dir = fixture_dir("ravdess");
    tiny_wav(&dir.join("Actor_01/03-01-01-01-01-01-01.wav"));
    tiny_wav(&dir.join("Actor_02/03-01-05-02-01-02-02.wav"));
    tiny_wav(&dir.join("Actor_02/notes.wav"));
    std::fs::write(dir.join("Actor_02/readme.txt"), "ignored").unwrap();
    let corpus = load_ravdess(&dir).unwrap();
    assert_eq!(corpus.utterances.len(), 2);
    assert_eq!(corpus.labels(), vec!["angry", "neutral"]);
    assert_eq!(corpus.speakers(), vec!["01", "02"]);
    assert_eq!(corpus.skipped.len(), 1);
    assert!(corpus.skipped[0].path.ends_with("notes.wav"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_and_empty_folders_are_errors() {
    assert!(matches!(
        load_ravdess(std::path::Path::new("/no/such/dir")),
        Err(CorpusError::MissingDir(_))
    ));
    let dir = fixture_dir("empty");
    std::fs::create_dir_all(&dir).unwrap();
    assert!(matches!(load_ravdess(&dir), Err(CorpusError::NoAudio(_))));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn speaker_lists_parse_ranges_and_ignore_zero_padding() {
    let set = SpeakerSet::parse("1-3, 7,10-11,DC").unwrap();
    for yes in ["01", "2", "03", "07", "10", "11", "DC"] {
        assert!(set.contains(yes), "{yes}");
    }
    for no in ["04", "12", "JE", "0"] {
        assert!(!set.contains(no), "{no}");
    }
    for bad in ["", "1,,2", "5-3", "a-b"] {
        assert!(
            matches!(
                SpeakerSet::parse(bad),
                Err(CorpusError::BadSpeakerList { .. })
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn shared_ravdess_copy_loads_whole() {
    let Some(root) = corpus_env::data_dir("EMOVOX_DATA", "the RAVDESS loader check") else {
        return;
    };
    let corpus = load_ravdess(&root).unwrap();
    assert_eq!(corpus.utterances.len(), 1200);
    assert_eq!(corpus.speakers().len(), 20);
    assert_eq!(corpus.labels().len(), 8);
    assert!(corpus.skipped.is_empty());
    let validation = SpeakerSet::parse("19-20")
        .unwrap()
        .select(&corpus.utterances)
        .unwrap();
    assert_eq!(validation.len(), 120);
}
