//! The one matrix product of the workspace.

use faer::{Accum, MatMut, MatRef, Par};

use crate::real::Real;

/// `dst = alpha·lhs·rhs` (or `+=` with `Accum::Add`) on one thread, then a `vzeroupper`.
///
/// faer's AVX-512 kernels return with the upper halves of the vector registers dirty. Until
/// something clears them, every SSE-encoded instruction afterwards (scalar code compiled for
/// baseline x86-64, and glibc's `exp`) pays a state-transition penalty: measured here, 132k
/// `exp` calls took 21–34 ms after a matmul and 0.6–1.1 ms before one (compiling for
/// x86-64-v3 did not help). pulp, faer's own SIMD layer, exposes the instruction safely; on
/// CPUs without AVX there is nothing to clear. Every product in this workspace goes through
/// here.
pub fn matmul_into<T: Real>(
    dst: MatMut<'_, T>,
    accum: Accum,
    lhs: MatRef<'_, T>,
    rhs: MatRef<'_, T>,
    alpha: T,
) {
    faer::linalg::matmul::matmul(dst, accum, lhs, rhs, alpha, Par::Seq);
    clear_upper_state();
}

/// Executes `vzeroupper` where AVX exists (see [`matmul_into`]).
#[inline]
pub fn clear_upper_state() {
    #[cfg(target_arch = "x86_64")]
    if let Some(avx) = pulp::core_arch::x86::Avx::try_new() {
        avx._mm256_zeroupper();
    }
}

/// Column `j` of a matrix with contiguous columns (a `Mat`, or a row range of one) as a slice.
#[inline]
pub fn col<T: Real>(m: MatRef<'_, T>, j: usize) -> &[T] {
    m.col(j)
        .try_as_col_major()
        .expect("columns are contiguous")
        .as_slice()
}
