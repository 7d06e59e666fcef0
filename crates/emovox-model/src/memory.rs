//! How freed memory is kept between forward passes and training steps.

/// Keeps the memory freed by one forward pass (or training step) for the next, instead of
/// giving it back to the operating system: call it once at the start of a program that
/// classifies or trains many clips (a server, a batch job, training), before threads start.
///
/// Every forward pass allocates and frees tensors and feature matrices of 0.1-0.5 MB (about
/// 4.6 MB per 4 s clip with the bundled model), every training step a few MB. With its default
/// thresholds glibc serves the largest with `mmap` and trims the top of its heap when they are
/// freed, so the next clip faults freshly zeroed pages in again: about 200 page faults per
/// predicted clip, 400 per request in `emovox-server`, and a fifth of an epoch's time in
/// training on the project's machine (RAVDESS, two views, 2 cores: 9.7 and 7.9 s per epoch
/// without, 7.9 and 7.0 s with, 2026-12-04). This raises glibc's `mmap` threshold to 32 MiB
/// and stops it trimming the heap; the process then keeps its peak heap (a few MB more
/// resident memory when serving).
///
/// It changes the allocator of the whole process, so a library never calls it for its user.
/// It does nothing with other allocators or C libraries (a global allocator such as mimalloc
/// makes its own choices).
pub fn retain_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes two thresholds of glibc's allocator, which it accepts at
    // any time.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}
