//! A CSV manifest lists clips in every format the folder loaders take, and says why it skips
//! the others.

mod common;
use common::{fixture_dir, lfs_pointer, skipped, wav, write};

use emovox_corpus::{load_corpus, CorpusKind};

#[test]
fn a_manifest_takes_every_audio_format_and_reports_what_is_not_audio() {
    let root = fixture_dir("manifest-formats");
    wav(&root.join("clips/a.wav"), 16_000);
    // Named like compressed audio; the loader looks at names, the decoder at contents.
    write(&root.join("clips/b.flac"), b"fLaC");
    write(&root.join("clips/c.MP3"), b"ID3");
    write(&root.join("clips/d.m4a"), b"\0\0\0\x18ftypM4A ");
    lfs_pointer(&root.join("clips/e.wav"));
    write(&root.join("clips/notes.txt"), b"notes");
    let csv = root.join("clips.csv");
    let rows = "path,label,speaker\nclips/a.wav,angry,s1\nclips/b.flac,sad,s1\n\
                clips/c.MP3,happy,s2\nclips/d.m4a,sad,s2\nclips/e.wav,angry,s2\n\
                clips/notes.txt,happy,s2\n";
    write(&csv, rows.as_bytes());

    let (corpus, kind) = load_corpus(&csv, None).unwrap();
    assert_eq!(kind, CorpusKind::Csv);
    let names: Vec<_> = (corpus.utterances.iter())
        .map(|u| u.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["a.wav", "b.flac", "c.MP3", "d.m4a"]);
    let skipped = skipped(&root, &corpus);
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!(skipped[0].0, "clips/e.wav");
    assert!(
        skipped[0].1.starts_with("line 6: a Git LFS pointer"),
        "{}",
        skipped[0].1
    );
    assert_eq!(skipped[1].0, "clips/notes.txt");
    assert!(
        skipped[1].1.contains("not a .wav, .flac, .mp3"),
        "{}",
        skipped[1].1
    );
    std::fs::remove_dir_all(&root).unwrap();
}
