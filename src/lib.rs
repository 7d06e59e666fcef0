//! Workspace-level examples, benchmarks and integration tests of emovox; no library code.
