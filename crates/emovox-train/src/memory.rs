//! How freed memory is kept between training steps.

/// Keeps the memory freed by one training step for the next, instead of giving it back to the
/// operating system: call it once at the start of a training program, before threads start.
///
/// Every step allocates and frees tensors of a few MB. glibc serves blocks that large with
/// `mmap` and unmaps them when freed, so each step faults freshly zeroed pages in again: a
/// fifth of an epoch's time on the project's machine (RAVDESS, two views, 2 cores: 9.7 and
/// 7.9 s per epoch without, 7.9 and 7.0 s with, 2026-12-04). This raises glibc's `mmap`
/// threshold to 32 MiB and stops it trimming the heap; the process then keeps its peak heap.
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
