//! Fixture trees named like the published corpora, in per-process temporary folders: short
//! generated tones (never corpus audio), plus the stray files real downloads carry.

#![allow(dead_code)] // not every test file uses every helper

use std::path::{Path, PathBuf};

use emovox_corpus::{Corpus, Gender};

/// A fresh, empty folder unique to this test process and `name`.
pub fn fixture_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("emovox-corpus-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `bytes` to `path`, creating its folders.
pub fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Writes a 0.1 s mono 16-bit PCM WAV tone at `rate` Hz to `path`.
pub fn wav(path: &Path, rate: u32) {
    let samples: Vec<i16> = (0..rate / 10)
        .map(|i| ((i as f32 * 0.05).sin() * 8000.0) as i16)
        .collect();
    let data_len = 2 * samples.len() as u32;
    let mut bytes = Vec::with_capacity(44 + data_len as usize);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes()); // PCM
    bytes.extend_from_slice(&1u16.to_le_bytes()); // mono
    bytes.extend_from_slice(&rate.to_le_bytes());
    bytes.extend_from_slice(&(2 * rate).to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    samples
        .iter()
        .for_each(|s| bytes.extend_from_slice(&s.to_le_bytes()));
    write(path, &bytes);
}

/// Writes tones at `rate` Hz at every path of `files` (relative to `dir`).
pub fn wavs(dir: &Path, rate: u32, files: &[&str]) {
    files.iter().for_each(|f| wav(&dir.join(f), rate));
}

/// Writes a macOS AppleDouble file (what `._x.wav` holds) to `path`.
pub fn apple_double(path: &Path) {
    let mut bytes = vec![0x00, 0x05, 0x16, 0x07, 0x00, 0x02, 0x00, 0x00];
    bytes.extend_from_slice(b"Mac OS X        ");
    bytes.resize(82, 0);
    write(path, &bytes);
}

/// Writes the Git LFS pointer a repository zipped without Git LFS holds in place of `path`.
pub fn lfs_pointer(path: &Path) {
    let text = "version https://git-lfs.github.com/spec/v1\n\
                oid sha256:c6f94b2592487c7556bd86df7df6e8f4420d1b9c11414aeec9d8e5e640b51495\n\
                size 72862\n";
    write(path, text.as_bytes());
}

/// Writes what downloads carry besides audio into `dir`: a README and a Finder `.DS_Store`.
pub fn strays(dir: &Path) {
    write(&dir.join("README.txt"), b"notes");
    write(&dir.join(".DS_Store"), b"\x00\x00\x00\x01Bud1");
}

/// (path relative to `root`, label, speaker, gender) of every utterance, in corpus order.
pub fn rows(root: &Path, corpus: &Corpus) -> Vec<(String, String, String, Option<Gender>)> {
    let relative = |p: &Path| p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
    (corpus.utterances.iter())
        .map(|u| {
            let (label, speaker) = (u.label.clone(), u.speaker.clone());
            (relative(&u.path), label, speaker, u.gender)
        })
        .collect()
}

/// (path relative to `root`, reason) of every skipped file, in corpus order.
pub fn skipped(root: &Path, corpus: &Corpus) -> Vec<(String, String)> {
    (corpus.skipped.iter())
        .map(|s| {
            let path = s.path.strip_prefix(root).unwrap().to_string_lossy();
            (path.into_owned(), s.reason.clone())
        })
        .collect()
}

/// How many utterances carry each label, as (label, count) sorted by label.
pub fn label_counts(corpus: &Corpus) -> Vec<(String, usize)> {
    let mut counts = std::collections::BTreeMap::new();
    for u in &corpus.utterances {
        *counts.entry(u.label.clone()).or_insert(0) += 1;
    }
    counts.into_iter().collect()
}
