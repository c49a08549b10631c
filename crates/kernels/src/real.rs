//! The floating-point types the hand-written engine runs in: `f64`, the reference, and
//! `f32`, twice the vector lanes for the products and elementwise sweeps of Part B's
//! full-batch passes (see `docs/performance.md`).

use std::fmt::Debug;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Sub, SubAssign};

use crate::math::{exp, exp_f32, sigmoid, sigmoid_f32};

/// A real type the engine's kernels are written for. Each method is the one definition of
/// its operation at that precision: for `f64` they are the workspace's existing functions,
/// bit for bit, so code made generic over `Real` keeps every `f64` result.
pub trait Real:
    faer::traits::ComplexField
    + Copy
    + Debug
    + PartialOrd
    + Send
    + Sync
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + 'static
{
    /// `0`.
    const ZERO: Self;
    /// `1`.
    const ONE: Self;
    /// `x` rounded to this type (exact for `f64`).
    fn of(x: f64) -> Self;
    /// The value as an `f64` (always exact).
    fn to_f64(self) -> f64;
    /// `e^x` of the softmax: [`crate::exp`] for `f64`, [`crate::exp_f32`] for `f32`.
    fn exp(self) -> Self;
    /// The logistic function: [`crate::sigmoid`] or [`crate::sigmoid_f32`].
    fn sigmoid(self) -> Self;
    /// Natural logarithm (the platform's).
    fn ln(self) -> Self;
    /// The larger of two values (`f64::max`'s rules).
    fn max(self, other: Self) -> Self;
    /// `d` where `a > 0`, else an exact `+0` or `-0` (the ReLU gate, branch-free: a mask
    /// of the bits, not a select, so that the 50/50 pattern never mispredicts).
    fn keep_if_positive(d: Self, a: Self) -> Self;
    /// `acc[c][t] += Σ_q cols[c·m + 4q + t]` over the full groups of four rows of each of
    /// the `acc.len()` columns of `cols` (column-major, `m` rows), `q` in increasing
    /// order: the column sums of [`crate::sweeps::gate_block`].
    fn lane_sums(cols: &[Self], m: usize, acc: &mut [[Self; 4]]);
}

impl Real for f64 {
    const ZERO: f64 = 0.0;
    const ONE: f64 = 1.0;

    #[inline(always)]
    fn of(x: f64) -> f64 {
        x
    }

    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }

    #[inline(always)]
    fn exp(self) -> f64 {
        exp(self)
    }

    #[inline(always)]
    fn sigmoid(self) -> f64 {
        sigmoid(self)
    }

    #[inline(always)]
    fn ln(self) -> f64 {
        f64::ln(self)
    }

    #[inline(always)]
    fn max(self, other: f64) -> f64 {
        f64::max(self, other)
    }

    #[inline(always)]
    fn keep_if_positive(d: f64, a: f64) -> f64 {
        let keep = ((a > 0.0) as u64).wrapping_neg();
        f64::from_bits(d.to_bits() & keep)
    }

    #[inline(always)]
    fn lane_sums(cols: &[f64], m: usize, acc: &mut [[f64; 4]]) {
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = pulp::x86::V3::try_new() {
            let avx = simd.avx;
            let add = |v, x: [f64; 4]| avx._mm256_add_pd(v, pulp::cast(x));
            let lanes = |v| pulp::cast::<_, [f64; 4]>(v);
            return vector_lane_sums(cols, m, acc, (avx._mm256_setzero_pd(), add, lanes));
        }
        plain_lane_sums(cols, m, acc);
    }
}

impl Real for f32 {
    const ZERO: f32 = 0.0;
    const ONE: f32 = 1.0;

    #[inline(always)]
    fn of(x: f64) -> f32 {
        x as f32
    }

    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }

    #[inline(always)]
    fn exp(self) -> f32 {
        exp_f32(self)
    }

    #[inline(always)]
    fn sigmoid(self) -> f32 {
        sigmoid_f32(self)
    }

    #[inline(always)]
    fn ln(self) -> f32 {
        f32::ln(self)
    }

    #[inline(always)]
    fn max(self, other: f32) -> f32 {
        f32::max(self, other)
    }

    #[inline(always)]
    fn keep_if_positive(d: f32, a: f32) -> f32 {
        let keep = ((a > 0.0) as u32).wrapping_neg();
        f32::from_bits(d.to_bits() & keep)
    }

    #[inline(always)]
    fn lane_sums(cols: &[f32], m: usize, acc: &mut [[f32; 4]]) {
        // Four lanes of f32 are one SSE register; written as plain loops, LLVM left these
        // sums scalar (perf: `vaddss`, the f32 gate's largest cost).
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = pulp::x86::V3::try_new() {
            let sse = simd.sse;
            let add = |v, x: [f32; 4]| sse._mm_add_ps(v, pulp::cast(x));
            let lanes = |v| pulp::cast::<_, [f32; 4]>(v);
            return vector_lane_sums(cols, m, acc, (sse._mm_setzero_ps(), add, lanes));
        }
        plain_lane_sums(cols, m, acc);
    }
}

/// [`Real::lane_sums`] with each column's four running sums in one vector `V`: `add` adds
/// four consecutive values into one, `lanes` reads its four sums back. The same order as
/// [`plain_lane_sums`].
#[inline(always)]
fn vector_lane_sums<T: Real, V: Copy>(
    cols: &[T],
    m: usize,
    acc: &mut [[T; 4]],
    (zero, add, lanes): (V, impl Fn(V, [T; 4]) -> V, impl Fn(V) -> [T; 4]),
) {
    let mut v = [zero; 4];
    for q in 0..m / 4 {
        for (c, vc) in v.iter_mut().enumerate().take(acc.len()) {
            let at = c * m + 4 * q;
            *vc = add(*vc, cols[at..at + 4].try_into().expect("four rows"));
        }
    }
    for (a, vc) in acc.iter_mut().zip(v) {
        let s = lanes(vc);
        for t in 0..4 {
            a[t] += s[t];
        }
    }
}

/// [`Real::lane_sums`] in plain loops (the order is the same).
#[inline(always)]
fn plain_lane_sums<T: Real>(cols: &[T], m: usize, acc: &mut [[T; 4]]) {
    for q in 0..m / 4 {
        for (c, a) in acc.iter_mut().enumerate() {
            for t in 0..4 {
                a[t] += cols[c * m + 4 * q + t];
            }
        }
    }
}
