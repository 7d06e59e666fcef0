//! emovox: speech emotion recognition in Rust. See [`Classifier`].
