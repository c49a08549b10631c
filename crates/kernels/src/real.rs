//! The floating-point types the hand-written engine runs in: `f64`, the reference, and
//! `f32`, twice the vector lanes for the products and elementwise sweeps of Part B's
//! full-batch passes (see `docs/performance.md`).

use std::fmt::Debug;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Sub, SubAssign};

use crate::math::{exp, exp_nonpositive_f32, ln_f32, sigmoid, sigmoid_f32};

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
    /// `e^x` of the softmax, whose arguments `z − max` are never positive: [`crate::exp`]
    /// for `f64`, [`crate::exp_nonpositive_f32`] for `f32`.
    fn exp(self) -> Self;
    /// The logistic function: [`crate::sigmoid`] or [`crate::sigmoid_f32`].
    fn sigmoid(self) -> Self;
    /// Natural logarithm (the platform's).
    fn ln(self) -> Self;
    /// Hyperbolic tangent (the platform's).
    fn tanh(self) -> Self;
    /// The larger of two values (`f64::max`'s rules).
    fn max(self, other: Self) -> Self;
    /// `d` where `a > 0`, else an exact `+0` or `-0` (the ReLU gate, branch-free: a mask
    /// of the bits, not a select, so that the 50/50 pattern never mispredicts).
    fn keep_if_positive(d: Self, a: Self) -> Self;
    /// `Σ xs` in this precision's fixed order: `f64` adds in index order (the reference's
    /// bits); `f32` keeps [`SUM_LANES`] partial sums (element `i` into lane `i mod 64`),
    /// folds them in halves (lane `t` += lane `t + 32`, then `+ 16`, …) and adds the tail
    /// in order — vector adds instead of one serial chain of scalar ones.
    fn sum(xs: &[Self]) -> Self;
    /// `db[c] += Σ_i cols[c·m + i]` for each of the `db.len()` columns of `cols`
    /// (column-major, `m` rows): the bias gradient of [`crate::sweeps::gate_block`].
    /// `f64` keeps its four-lane order (element `i` into sum `i mod 4`, then
    /// `(s0 + s1) + (s2 + s3) + tail`); `f32` sums each column with [`Real::sum`].
    fn add_column_sums(cols: &[Self], m: usize, db: &mut [Self]);
    /// `loss + Σ_i c_i·ln s_i` with `c_i = c_tab[y_i]`, turning each `s_i` into `c_i / s_i`
    /// (the factor of every probability in the softmax's row); `scratch` (at least
    /// `s.len()`) is free to overwrite. `f64` adds each term into `loss` in row order with
    /// the platform's `ln` (the reference's bits); `f32` takes the logarithms in vector
    /// lanes ([`crate::ln_f32`]; `logf` is a call a row) and adds their [`Real::sum`].
    fn add_weighted_logs(
        loss: Self,
        s: &mut [Self],
        y: &[usize],
        c_tab: &[Self],
        scratch: &mut [Self],
    ) -> Self;
}

/// The partial sums of [`Real::sum`] for `f32`: four AVX-512 registers (eight AVX2 ones),
/// enough independent chains to hide the adds' latency.
pub const SUM_LANES: usize = 64;

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
    fn tanh(self) -> f64 {
        f64::tanh(self)
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
    fn sum(xs: &[f64]) -> f64 {
        let mut s = 0.0;
        for &x in xs {
            s += x;
        }
        s
    }

    #[inline(always)]
    fn add_weighted_logs(
        mut loss: f64,
        s: &mut [f64],
        y: &[usize],
        c_tab: &[f64],
        _scratch: &mut [f64],
    ) -> f64 {
        for (s, &yi) in s.iter_mut().zip(y) {
            let c = c_tab[yi];
            loss += c * s.ln();
            *s = c / *s;
        }
        loss
    }

    #[inline(always)]
    fn add_column_sums(cols: &[f64], m: usize, db: &mut [f64]) {
        for (g, dbs) in db.chunks_mut(4).enumerate() {
            let cols = &cols[4 * g * m..(4 * g + dbs.len()) * m];
            let mut acc = [[0.0; 4]; 4];
            lane_sums(cols, m, &mut acc[..dbs.len()]);
            for (c, (db, lanes)) in dbs.iter_mut().zip(&acc).enumerate() {
                let rest = f64::sum(&cols[c * m + m / 4 * 4..(c + 1) * m]);
                *db += (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + rest;
            }
        }
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
        exp_nonpositive_f32(self)
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
    fn tanh(self) -> f32 {
        f32::tanh(self)
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
    fn sum(xs: &[f32]) -> f32 {
        // Written on lane arrays, which LLVM turns into vector adds (a plain running sum
        // stays a serial chain of `vaddss`: perf put the f32 softmax's and gate's sums
        // among the pass's largest costs).
        let mut lanes = [0.0f32; SUM_LANES];
        let mut groups = xs.chunks_exact(SUM_LANES);
        for group in &mut groups {
            for (l, &x) in lanes.iter_mut().zip(group) {
                *l += x;
            }
        }
        let mut width = SUM_LANES / 2;
        while width >= 1 {
            let (low, high) = lanes.split_at_mut(width);
            for (l, &h) in low.iter_mut().zip(&high[..width]) {
                *l += h;
            }
            width /= 2;
        }
        let mut s = lanes[0];
        for &x in groups.remainder() {
            s += x;
        }
        s
    }

    #[inline(always)]
    fn add_weighted_logs(
        loss: f32,
        s: &mut [f32],
        y: &[usize],
        c_tab: &[f32],
        scratch: &mut [f32],
    ) -> f32 {
        let logs = &mut scratch[..s.len()];
        for (l, &v) in logs.iter_mut().zip(s.iter()) {
            *l = ln_f32(v);
        }
        for ((l, v), &yi) in logs.iter_mut().zip(s.iter_mut()).zip(y) {
            let c = c_tab[yi];
            *l *= c;
            *v = c / *v;
        }
        loss + f32::sum(logs)
    }

    #[inline(always)]
    fn add_column_sums(cols: &[f32], m: usize, db: &mut [f32]) {
        for (c, db) in db.iter_mut().enumerate() {
            *db += f32::sum(&cols[c * m..(c + 1) * m]);
        }
    }
}

/// `acc[c][t] += Σ_q cols[c·m + 4q + t]` over the full groups of four rows of each of the
/// `acc.len()` (at most four) columns of `cols` (column-major, `m` rows), `q` in
/// increasing order: the `f64` gate's four-lane column sums, each column's four running
/// sums in one AVX register where the CPU has AVX2.
#[inline(always)]
fn lane_sums(cols: &[f64], m: usize, acc: &mut [[f64; 4]]) {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        let avx = simd.avx;
        let mut v = [avx._mm256_setzero_pd(); 4];
        for q in 0..m / 4 {
            for (c, vc) in v.iter_mut().enumerate().take(acc.len()) {
                let at = c * m + 4 * q;
                let x: [f64; 4] = cols[at..at + 4].try_into().expect("four rows");
                *vc = avx._mm256_add_pd(*vc, pulp::cast(x));
            }
        }
        for (a, vc) in acc.iter_mut().zip(v) {
            let s: [f64; 4] = pulp::cast(vc);
            for t in 0..4 {
                a[t] += s[t];
            }
        }
        return;
    }
    // The same order in plain loops.
    for q in 0..m / 4 {
        for (c, a) in acc.iter_mut().enumerate() {
            for t in 0..4 {
                a[t] += cols[c * m + 4 * q + t];
            }
        }
    }
}
