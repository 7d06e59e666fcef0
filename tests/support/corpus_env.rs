//! Where data-dependent tests find their data: a folder named by an environment variable.
//! Shared by the workspace's test crates (`#[path = ".../tests/support/corpus_env.rs"] mod`).

use std::path::PathBuf;

/// The folder `var` names. Unset, the test is skipped (`None`, with a note on stderr) on a
/// developer's machine, and fails under CI (`CI` set, as it is when `.ci/run` runs there and
/// sets `EMOVOX_DATA` and `EMOVOX_REFERENCE` from `../shared`): a test that needs data must
/// never pass there without having looked at it.
pub fn data_dir(var: &str, what: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{var} is not set under CI: {what} cannot be skipped there (.ci/run sets it from ../shared)"
            );
            eprintln!("{var} is not set: skipping {what}");
            None
        }
    }
}
