//! Runtime dispatch to AVX2 code for the feature loops.
//!
//! Wheels and default builds target baseline x86-64 (SSE2), where the compiler vectorises the
//! frame loops four lanes wide. The log-mel kernel and the pitch tracker's frame loop are
//! compiled a second time with AVX2 enabled (`#[target_feature]`, the `#[inline(always)]` frame
//! code inlined into them) and chosen at run time when [`has_avx2`] says the CPU has it, so the
//! same loops run eight lanes wide on the machines people have. Rust never fuses a multiply and an add on its own, and vectorising does
//! not reorder the arithmetic, so both paths give the same bits.

/// Whether the CPU has AVX2 and FMA (a cached atomic load after the first call).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn has_avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}
