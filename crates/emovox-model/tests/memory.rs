//! `retain_freed_memory`: after it, memory freed by one clip's work is reused by the next
//! without page faults (glibc on Linux; elsewhere the function does nothing).

#![cfg(all(target_os = "linux", target_env = "gnu"))]

use std::hint::black_box;

/// Minor page faults of this process so far.
fn minor_faults() -> i64 {
    // SAFETY: getrusage writes the usage of this process into the struct it is given.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage.ru_minflt
    }
}

/// Page faults over `rounds` rounds of what one forward pass does to the heap: several
/// buffers of 0.5 MB allocated, written and freed together.
fn faults_of_rounds(rounds: usize) -> i64 {
    let before = minor_faults();
    for _ in 0..rounds {
        let buffers: Vec<Vec<f32>> = (0..4).map(|i| vec![i as f32 + 1.0; 128 * 1024]).collect();
        black_box(&buffers);
    }
    minor_faults() - before
}

#[test]
fn freed_memory_is_reused_without_page_faults() {
    // With glibc's defaults the heap's top is given back after each round (2 MB freed, over
    // the trim threshold its dynamic mmap threshold sets): every round faults its pages in.
    faults_of_rounds(2); // let the dynamic thresholds settle
    let default = faults_of_rounds(20);
    emovox_model::retain_freed_memory();
    faults_of_rounds(2); // the heap grows to the round's peak once
    let retained = faults_of_rounds(20);
    // 20 rounds of 2 MB are 10,240 pages: the default faults most of them, retained none
    // but the odd page of the test harness.
    eprintln!("page faults over 20 rounds: {default} with glibc's defaults, {retained} retained");
    assert!(
        default > 5_000,
        "glibc's defaults faulted only {default} pages"
    );
    assert!(
        retained < 100,
        "{retained} page faults after retain_freed_memory"
    );
}
