//! Corpus loaders, in-memory datasets, augmentation and the training loop of emovox.

pub mod corpus;
