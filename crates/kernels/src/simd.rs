//! Runtime dispatch to the widest vector instructions the CPU has.

/// Runs `f` with the widest vector instructions the CPU has enabled (AVX2 + FMA where
/// available, through pulp's safe runtime dispatch), so plain loops inlined into `f`
/// vectorise 4-wide instead of the baseline's 2. Rust never fuses `a * b + c` on its own,
/// so the results are the same bits with or without it.
///
/// A closure's body is a function of its own that LLVM may decline to inline into the
/// dispatched one, and then it stays 2-wide: mark the closure `#[inline(always)]` (every
/// call in this workspace does; without it perf showed the tape's sweeps running scalar
/// SSE2 code), or implement [`Kernel`] with an `#[inline(always)]` `run` and use
/// [`vectorize_kernel`].
#[inline(always)]
pub fn vectorize<R>(f: impl FnOnce() -> R) -> R {
    pulp::Arch::new().dispatch(f)
}

/// A body for [`vectorize_kernel`]; mark `run` `#[inline(always)]`.
pub trait Kernel {
    /// What `run` returns.
    type Output;
    /// The work.
    fn run(self) -> Self::Output;
}

/// Adapts a [`Kernel`] to pulp's dispatch.
struct Dispatch<K>(K);

impl<K: Kernel> pulp::WithSimd for Dispatch<K> {
    type Output = K::Output;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> K::Output {
        self.0.run()
    }
}

/// [`vectorize`] for a [`Kernel`]: its `run` is inlined into the dispatched function.
#[inline(always)]
pub fn vectorize_kernel<K: Kernel>(k: K) -> K::Output {
    pulp::Arch::new().dispatch(Dispatch(k))
}
