//! The CREMA-D, TESS, SAVEE, EmoDB, folder-per-label and CSV loaders and corpus detection, on
//! tiny generated WAV fixtures named like each corpus.

mod common;

#[path = "../../../tests/support/corpus_env.rs"]
mod corpus_env;
use common::{fixture_dir, tiny_wav};

use std::path::Path;

use emovox_train::corpus::{
    apply_scheme, detect_corpus, load_corpora, load_corpus, load_crema_d, load_emodb, load_folders,
    load_manifest, load_savee, load_tess, parse_crema_d_name, parse_emodb_name, parse_savee_name,
    parse_tess_name, Corpus, CorpusError, CorpusKind, Gender, LabelScheme, NameInfo, Utterance,
};

/// Writes tiny WAVs at `files` (relative to `dir`) plus an ignored text file.
fn populate(dir: &Path, files: &[&str]) {
    for file in files {
        tiny_wav(&dir.join(file));
    }
    std::fs::write(dir.join("README.txt"), "not audio").unwrap();
}

/// (file name, label, speaker, gender) of every utterance, in corpus order.
fn summary(corpus: &Corpus) -> Vec<(String, String, String, Option<Gender>)> {
    corpus
        .utterances
        .iter()
        .map(|u| {
            (
                u.path.file_name().unwrap().to_string_lossy().into_owned(),
                u.label.clone(),
                u.speaker.clone(),
                u.gender,
            )
        })
        .collect()
}

fn skipped_names(corpus: &Corpus) -> Vec<String> {
    corpus
        .skipped
        .iter()
        .map(|s| s.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

fn row(
    file: &str,
    label: &str,
    speaker: &str,
    gender: Option<Gender>,
) -> (String, String, String, Option<Gender>) {
    (file.into(), label.into(), speaker.into(), gender)
}

#[test]
fn crema_d_names_parse_and_reject_clearly() {
    assert_eq!(
        parse_crema_d_name("1001_DFA_ANG_XX").unwrap(),
        NameInfo::new("angry", "1001", None)
    );
    assert_eq!(
        parse_crema_d_name("1091_WSI_FEA_HI").unwrap().label,
        "fearful"
    );
    for (bad, says) in [
        ("1000_DFA_ANG_XX", "1001-1091"),
        ("1092_DFA_ANG_XX", "1001-1091"),
        ("1001_ABC_ANG_XX", "sentence"),
        ("1001_DFA_SUR_XX", "emotion"),
        ("1001_DFA_ANG_X", "intensity"),
        ("1001_DFA_ANG", "four fields"),
    ] {
        assert!(parse_crema_d_name(bad).unwrap_err().contains(says), "{bad}");
    }
}

#[test]
fn crema_d_reads_sex_from_demographics_in_a_parent_folder() {
    let root = fixture_dir("crema");
    std::fs::write(
        root.join("VideoDemographics.csv"),
        "ActorID,Age,Sex,Race,Ethnicity\r\n1001,51,Male,Caucasian,Not Hispanic\r\n1002,21,Female,Caucasian,Not Hispanic\r\n",
    )
    .unwrap();
    let audio = root.join("AudioWAV");
    populate(
        &audio,
        &[
            "1002_IEO_HAP_HI.wav",
            "1001_DFA_ANG_XX.wav",
            "1003_TIE_SAD_LO.wav",
            "1001_DFA_XYZ_XX.wav",
        ],
    );
    let corpus = load_crema_d(&audio).unwrap();
    assert_eq!(corpus.name, "crema-d");
    assert_eq!(
        summary(&corpus),
        vec![
            row("1001_DFA_ANG_XX.wav", "angry", "1001", Some(Gender::Male)),
            row("1002_IEO_HAP_HI.wav", "happy", "1002", Some(Gender::Female)),
            row("1003_TIE_SAD_LO.wav", "sad", "1003", None),
        ]
    );
    assert_eq!(skipped_names(&corpus), vec!["1001_DFA_XYZ_XX.wav"]);
    assert!(corpus.skipped[0].reason.contains("emotion"));

    // Without a demographics table every sex is unknown.
    std::fs::remove_file(root.join("VideoDemographics.csv")).unwrap();
    let corpus = load_crema_d(&audio).unwrap();
    assert_eq!(corpus.utterances.len(), 3);
    assert!(corpus.utterances.iter().all(|u| u.gender.is_none()));

    std::fs::write(
        root.join("VideoDemographics.csv"),
        "ActorID,Age,Sex\n1001,51,Male\n1002,21,Other\n",
    )
    .unwrap();
    match load_crema_d(&audio) {
        Err(CorpusError::BadCsv { line, reason, .. }) => {
            assert_eq!(line, 3);
            assert!(reason.contains("Other"), "{reason}");
        }
        other => panic!("expected BadCsv, got {other:?}"),
    }
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn tess_labels_come_from_file_names_not_folders() {
    assert_eq!(
        parse_tess_name("YAF_germ_ps").unwrap(),
        NameInfo::new("ps", "YAF", Some(Gender::Female))
    );
    assert!(parse_tess_name("MAF_back_angry")
        .unwrap_err()
        .contains("OAF or YAF"));
    assert!(parse_tess_name("OAF_back_bored")
        .unwrap_err()
        .contains("emotion"));
    let dir = fixture_dir("tess");
    populate(
        &dir,
        &[
            "OAF_angry/OAF_back_angry.wav",
            "YAF_pleasant_surprised/YAF_bar_ps.wav",
            // The folder says fear, the file name says disgust: the name wins.
            "OAF_fear/OAF_base_disgust.wav",
            "OAF_fear/OA_bite_fear.wav",
        ],
    );
    let corpus = load_tess(&dir).unwrap();
    assert_eq!(
        summary(&corpus),
        vec![
            row("OAF_back_angry.wav", "angry", "OAF", Some(Gender::Female)),
            row(
                "OAF_base_disgust.wav",
                "disgust",
                "OAF",
                Some(Gender::Female)
            ),
            row("YAF_bar_ps.wav", "ps", "YAF", Some(Gender::Female)),
        ]
    );
    assert_eq!(skipped_names(&corpus), vec!["OA_bite_fear.wav"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn savee_reads_flat_and_per_speaker_layouts() {
    assert_eq!(parse_savee_name("KL_su15", None).unwrap().label, "surprise");
    assert_eq!(parse_savee_name("sa03", Some("JE")).unwrap().speaker, "JE");
    assert!(parse_savee_name("a01", None).is_err());
    assert!(parse_savee_name("XX_a01", None)
        .unwrap_err()
        .contains("speaker"));
    assert!(parse_savee_name("DC_s01", None)
        .unwrap_err()
        .contains("prefix"));
    assert!(parse_savee_name("DC_a1", None)
        .unwrap_err()
        .contains("two digits"));
    for (name, files) in [
        (
            "savee-flat",
            ["DC_a01.wav", "JE_sa02.wav", "JK_n30.wav", "DC_x01.wav"],
        ),
        (
            "savee-nested",
            ["DC/a01.wav", "JE/sa02.wav", "JK/n30.wav", "DC/x01.wav"],
        ),
    ] {
        let dir = fixture_dir(name);
        populate(&dir, &files);
        let corpus = load_savee(&dir).unwrap();
        let got: Vec<_> = corpus
            .utterances
            .iter()
            .map(|u| (u.label.as_str(), u.speaker.as_str(), u.gender))
            .collect();
        let male = Some(Gender::Male);
        assert_eq!(
            got,
            vec![
                ("anger", "DC", male),
                ("sadness", "JE", male),
                ("neutral", "JK", male)
            ],
            "{name}"
        );
        assert_eq!(corpus.skipped.len(), 1, "{name}");
        assert!(corpus.skipped[0].path.ends_with(files[3]));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn emodb_names_give_label_speaker_and_sex() {
    assert_eq!(
        parse_emodb_name("03a01Fa").unwrap(),
        NameInfo::new("happiness", "03", Some(Gender::Male))
    );
    assert_eq!(
        parse_emodb_name("16b10Lb").unwrap(),
        NameInfo::new("boredom", "16", Some(Gender::Female))
    );
    assert!(parse_emodb_name("04a01Fa").unwrap_err().contains("speaker"));
    assert!(parse_emodb_name("03c01Fa").unwrap_err().contains("text"));
    assert!(parse_emodb_name("03a01Xa").unwrap_err().contains("emotion"));
    assert!(parse_emodb_name("03a01FA").unwrap_err().contains("version"));
    assert!(parse_emodb_name("03a01F").is_err());
    let dir = fixture_dir("emodb");
    populate(
        &dir,
        &[
            "wav/08a02Wb.wav",
            "wav/03a01Nc.wav",
            "wav/03a01Na.WAV",
            "wav/99a01Na.wav",
        ],
    );
    let corpus = load_emodb(&dir).unwrap();
    assert_eq!(
        summary(&corpus),
        vec![
            row("03a01Na.WAV", "neutral", "03", Some(Gender::Male)),
            row("03a01Nc.wav", "neutral", "03", Some(Gender::Male)),
            row("08a02Wb.wav", "anger", "08", Some(Gender::Female)),
        ]
    );
    assert_eq!(skipped_names(&corpus), vec!["99a01Na.wav"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn folders_give_labels_and_optional_speakers() {
    let dir = fixture_dir("MyCorpus");
    populate(
        &dir,
        &[
            "Happy/a.wav",
            "sad/spk7/b.wav",
            "loose.wav",
            "sad/spk7/deeper/c.wav",
        ],
    );
    let corpus = load_folders(&dir).unwrap();
    assert!(corpus.name.starts_with("emovox-mycorpus-"));
    assert_eq!(
        summary(&corpus),
        vec![
            row("a.wav", "happy", "unknown", None),
            row("b.wav", "sad", "spk7", None)
        ]
    );
    assert_eq!(skipped_names(&corpus), vec!["loose.wav", "c.wav"]);
    assert!(corpus.skipped[0].reason.contains("label folder"));
    assert!(corpus.skipped[1].reason.contains("deeper"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn manifest_lists_clips_relative_to_itself() {
    let dir = fixture_dir("manifest");
    populate(&dir, &["clips/one.wav", "clips/two.wav"]);
    let csv = dir.join("My_Set.csv");
    std::fs::write(
        &csv,
        "path,label,speaker,gender\n\
         clips/two.wav,Sad,s2,F\n\
         \"clips/one.wav\",happy,,male\n\
         clips/missing.wav,happy,s3,\n\
         notes.txt,happy,s3,unknown\n",
    )
    .unwrap();
    let corpus = load_manifest(&csv).unwrap();
    assert_eq!(corpus.name, "my_set");
    assert_eq!(
        summary(&corpus),
        vec![
            row("one.wav", "happy", "unknown", Some(Gender::Male)),
            row("two.wav", "sad", "s2", Some(Gender::Female)),
        ]
    );
    assert_eq!(skipped_names(&corpus), vec!["missing.wav", "notes.txt"]);
    assert!(corpus.skipped[0].reason.contains("line 4"));
    assert!(corpus.skipped[1].reason.contains("not a .wav"));

    // Only path and label are required, in any column order.
    std::fs::write(&csv, "label,path\nangry,clips/one.wav\n").unwrap();
    let corpus = load_manifest(&csv).unwrap();
    assert_eq!(
        summary(&corpus),
        vec![row("one.wav", "angry", "unknown", None)]
    );

    for (text, line, says) in [
        ("path,label\nclips/one.wav,happy,extra\n", 2, "fields"),
        ("path,speaker\nclips/one.wav,s1\n", 1, "header"),
        (
            "path,label,gender\nclips/one.wav,happy,x\nclips/two.wav,sad,f\n",
            2,
            "gender",
        ),
        ("path,label\nclips/one.wav,happy\n\n,sad\n", 4, "empty"),
        ("path,label\n\"clips/one.wav,happy\n", 2, "unterminated"),
        ("", 1, "empty"),
    ] {
        std::fs::write(&csv, text).unwrap();
        match load_manifest(&csv) {
            Err(CorpusError::BadCsv {
                line: got, reason, ..
            }) => {
                assert_eq!(got, line, "{text:?}");
                assert!(reason.contains(says), "{text:?}: {reason}");
            }
            other => panic!("{text:?}: expected BadCsv, got {other:?}"),
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn detection_finds_each_corpus_from_its_names() {
    let cases: [(&str, &[&str], CorpusKind); 6] = [
        (
            "d-ravdess",
            &[
                "Actor_01/03-01-05-01-01-01-01.wav",
                "Actor_02/03-01-01-01-01-01-02.wav",
            ],
            CorpusKind::Ravdess,
        ),
        (
            "d-crema",
            &["1001_DFA_ANG_XX.wav", "1002_IEO_HAP_HI.wav", "odd.wav"],
            CorpusKind::CremaD,
        ),
        (
            "d-tess",
            &["OAF_back_angry.wav", "YAF_bar_ps.wav"],
            CorpusKind::Tess,
        ),
        ("d-savee", &["DC/a01.wav", "KL/su15.wav"], CorpusKind::Savee),
        (
            "d-emodb",
            &["03a01Fa.wav", "16b10Lb.wav"],
            CorpusKind::Emodb,
        ),
        (
            "d-folders",
            &["happy/x.wav", "sad/y.wav", "03a01Fa.wav"],
            CorpusKind::Folders,
        ),
    ];
    for (name, files, kind) in cases {
        let dir = fixture_dir(name);
        populate(&dir, files);
        assert_eq!(detect_corpus(&dir).unwrap(), kind, "{name}");
        let (corpus, used) = load_corpus(&dir, None).unwrap();
        assert_eq!(used, kind);
        assert_eq!(corpus.utterances.len() + corpus.skipped.len(), files.len());
        // A kind given explicitly wins over detection; one that fits no file is an error.
        match load_corpus(&dir, Some(CorpusKind::Folders)) {
            Ok((forced, used)) => {
                assert_eq!(used, CorpusKind::Folders);
                assert_eq!(forced.utterances.len() + forced.skipped.len(), files.len());
            }
            Err(CorpusError::NothingUsable { skipped, kind, .. }) => {
                assert_eq!((skipped, kind.as_str()), (files.len(), "folders"), "{name}")
            }
            Err(other) => panic!("{name}: {other}"),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn detection_refuses_mixed_folders_and_reads_csv_paths_as_manifests() {
    let dir = fixture_dir("d-mixed");
    populate(&dir, &["a.wav", "b.wav", "03a01Fa.wav"]);
    assert!(matches!(
        detect_corpus(&dir),
        Err(CorpusError::Undetected { .. })
    ));
    assert!(matches!(
        detect_corpus(&dir.join("nothing-here")),
        Err(CorpusError::MissingDir(_))
    ));
    let csv = dir.join("list.csv");
    std::fs::write(&csv, "path,label\na.wav,calm\n").unwrap();
    assert_eq!(detect_corpus(&csv).unwrap(), CorpusKind::Csv);
    let (corpus, kind) = load_corpus(&csv, Some(CorpusKind::Ravdess)).unwrap();
    assert_eq!(kind, CorpusKind::Csv);
    assert_eq!(corpus.labels(), vec!["calm"]);
    // A row repeated (and the same file by another path) is used once, the repeats reported.
    std::fs::write(
        &csv,
        "path,label\na.wav,calm\nb.wav,sad\na.wav,calm\n./b.wav,sad\n",
    )
    .unwrap();
    let (corpus, _) = load_corpus(&csv, None).unwrap();
    assert_eq!(corpus.utterances.len(), 2);
    assert_eq!(corpus.skipped.len(), 2);
    assert!(corpus
        .skipped
        .iter()
        .all(|s| s.reason.contains("more than once")));
    // One folder given twice: each file once.
    let (twice, _) = load_corpora(&[csv.clone(), csv.clone()], None).unwrap();
    assert_eq!(twice.utterances.len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn corpus_kinds_parse_print_and_serialise() {
    for kind in CorpusKind::ALL {
        assert_eq!(kind.to_string().parse::<CorpusKind>().unwrap(), kind);
        let json = serde_json::to_string(&kind).unwrap();
        assert_eq!(json, format!("\"{kind}\""));
        assert_eq!(serde_json::from_str::<CorpusKind>(&json).unwrap(), kind);
    }
    assert_eq!("CREMA_D".parse::<CorpusKind>().unwrap(), CorpusKind::CremaD);
    assert_eq!("Emo-DB".parse::<CorpusKind>().unwrap(), CorpusKind::Emodb);
    assert!(matches!(
        "iemocap".parse::<CorpusKind>(),
        Err(CorpusError::UnknownKind(name)) if name == "iemocap"
    ));
}

#[test]
fn shared_ravdess_copy_is_detected_and_maps_to_common_labels() {
    let Some(root) = corpus_env::data_dir("EMOVOX_DATA", "RAVDESS detection and label schemes")
    else {
        return;
    };
    assert_eq!(detect_corpus(&root).unwrap(), CorpusKind::Ravdess);
    let (corpus, _) = load_corpus(&root, None).unwrap();
    let count = |utterances: &[Utterance], label: &str| {
        utterances.iter().filter(|u| u.label == label).count()
    };
    // 20 actors x (4 neutral, 8 calm, 8 of each other emotion); calm joins neutral.
    let (common, dropped) = apply_scheme(&corpus.utterances, LabelScheme::Common);
    assert!(dropped.is_empty());
    assert_eq!(common.len(), 1200);
    assert_eq!(count(&common, "neutral"), 240);
    assert_eq!(count(&common, "angry"), 160);
    let (both, dropped) = apply_scheme(&corpus.utterances, LabelScheme::GenderEmotion);
    assert!(dropped.is_empty());
    assert_eq!(count(&both, "female_neutral"), 120);
    assert_eq!(count(&both, "male_surprised"), 80);
}

#[cfg(unix)]
#[test]
fn folder_link_cycles_are_walked_once() {
    let dir = fixture_dir("cycle");
    populate(&dir, &["happy/a.wav"]);
    std::os::unix::fs::symlink(&dir, dir.join("happy/loop")).unwrap();
    let corpus = load_folders(&dir).unwrap();
    assert_eq!(
        summary(&corpus),
        vec![row("a.wav", "happy", "unknown", None)]
    );
    assert!(corpus.skipped.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_folder_corpus_of_flac_mp3_ogg_opus_and_m4a_loads_and_extracts_like_wav() {
    use emovox_features::FeaturePipeline;
    use emovox_train::{extract_dataset, ExtractConfig, TrainConfig};

    let formats =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../emovox-audio/tests/fixtures/formats");
    let dir = fixture_dir("formats-corpus");
    // Extensions in any case; the decoder tells the format from the content.
    for (fixture, file) in [
        ("speech16k.flac", "angry/a.FLAC"),
        ("speech16k_128k.mp3", "angry/b.mp3"),
        ("speech16k_64k.ogg", "happy/c.ogg"),
        ("speech16k_32k.opus", "happy/d.Opus"),
        ("speech16k_96k.m4a", "sad/e.m4a"),
        ("speech16k_alac.m4a", "sad/f.mp4"),
    ] {
        std::fs::create_dir_all(dir.join(file).parent().unwrap()).unwrap();
        std::fs::copy(formats.join(fixture), dir.join(file)).unwrap();
    }
    tiny_wav(&dir.join("sad/g.wav"));
    std::fs::write(dir.join("happy/notes.txt"), "not audio").unwrap();
    let corpus = load_folders(&dir).unwrap();
    let names: Vec<String> = summary(&corpus).into_iter().map(|r| r.0).collect();
    assert_eq!(
        names,
        ["a.FLAC", "b.mp3", "c.ogg", "d.Opus", "e.m4a", "f.mp4", "g.wav"]
    );
    let pipeline = FeaturePipeline::new(TrainConfig::default().features).unwrap();
    let labels: Vec<String> = ["angry", "happy", "sad"].map(String::from).to_vec();
    let config = ExtractConfig::default();
    let (dataset, skipped) =
        extract_dataset(&corpus.utterances, &labels, &pipeline, &config).unwrap();
    // Every compressed clip (1 s of speech) decodes and yields features.
    let skipped_names: Vec<_> = skipped
        .iter()
        .map(|s| s.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(skipped_names.iter().all(|n| n == "g.wav"), "{skipped:?}");
    assert!(dataset.len() >= 6, "{}", dataset.len());
    std::fs::remove_dir_all(&dir).ok();
}
