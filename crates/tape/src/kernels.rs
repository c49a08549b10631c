//! Column-by-column loops over contiguous faer columns.
//!
//! Every matrix the tape reads in these loops is one of its own `Mat` buffers, so
//! each column is a contiguous slice; plain slice loops let the compiler vectorise.

use faer::{Accum, Mat, MatMut, MatRef, Par};

use crate::accumulate::{Chain, with_rule};

/// Column `j` of a tape-owned matrix as a slice.
#[inline]
pub(crate) fn col(m: MatRef<'_, f64>, j: usize) -> &[f64] {
    m.col(j)
        .try_as_col_major()
        .expect("tape buffers have contiguous columns")
        .as_slice()
}

/// Writes (`Replace`) or adds (`Add`) `f(a, b)` elementwise into `dst`.
#[inline(always)]
pub(crate) fn zip_into(
    dst: &mut Mat<f64>,
    accum: Accum,
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    f: impl Fn(f64, f64) -> f64,
) {
    vectorize(
        #[inline(always)]
        || zip_cols(dst, accum, a, b, f),
    )
}

/// The loop of [`zip_into`].
#[inline(always)]
fn zip_cols(
    dst: &mut Mat<f64>,
    accum: Accum,
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    f: impl Fn(f64, f64) -> f64,
) {
    for j in 0..dst.ncols() {
        let (a, b) = (col(a, j), col(b, j));
        let d = dst.col_as_slice_mut(j);
        match accum {
            Accum::Replace => {
                for ((d, &a), &b) in d.iter_mut().zip(a).zip(b) {
                    *d = f(a, b);
                }
            }
            Accum::Add => {
                for ((d, &a), &b) in d.iter_mut().zip(a).zip(b) {
                    *d += f(a, b);
                }
            }
        }
    }
}

/// Writes (`Replace`) or adds (`Add`) `f(a)` elementwise into `dst`.
#[inline(always)]
pub(crate) fn map_into(
    dst: &mut Mat<f64>,
    accum: Accum,
    a: MatRef<'_, f64>,
    f: impl Fn(f64) -> f64,
) {
    vectorize(
        #[inline(always)]
        || map_cols(dst, accum, a, f),
    )
}

/// The loop of [`map_into`].
#[inline(always)]
fn map_cols(dst: &mut Mat<f64>, accum: Accum, a: MatRef<'_, f64>, f: impl Fn(f64) -> f64) {
    for j in 0..dst.ncols() {
        let a = col(a, j);
        let d = dst.col_as_slice_mut(j);
        match accum {
            Accum::Replace => {
                for (d, &a) in d.iter_mut().zip(a) {
                    *d = f(a);
                }
            }
            Accum::Add => {
                for (d, &a) in d.iter_mut().zip(a) {
                    *d += f(a);
                }
            }
        }
    }
}

/// `dst[i, j] = a[i, j] + row[0, j]`: the broadcast bias add.
pub(crate) fn add_row_into(dst: &mut Mat<f64>, a: MatRef<'_, f64>, row: MatRef<'_, f64>) {
    for j in 0..dst.ncols() {
        let b = row[(0, j)];
        for (d, &a) in dst.col_as_slice_mut(j).iter_mut().zip(col(a, j)) {
            *d = a + b;
        }
    }
}

/// `Σ x` with eight running sums combined pairwise, so that the loop vectorises; the
/// order is fixed, so the bits are too.
pub(crate) fn column_sum(x: &[f64]) -> f64 {
    vectorize(
        #[inline(always)]
        || {
            let mut acc = [0.0; 8];
            let chunks = x.chunks_exact(8);
            let rest: f64 = chunks.remainder().iter().sum();
            for c in chunks {
                for (a, &v) in acc.iter_mut().zip(c) {
                    *a += v;
                }
            }
            let [a, b, c, d, e, f, g, h] = acc;
            (((a + b) + (c + d)) + ((e + f) + (g + h))) + rest
        },
    )
}

/// `m[i, j] = act(m[i, j] + bias[0, j])` in place: a dense layer's bias and activation in
/// one sweep.
pub(crate) fn activate(m: &mut Mat<f64>, bias: MatRef<'_, f64>, act: crate::Activation) {
    use crate::Activation;
    vectorize(
        #[inline(always)]
        || {
            for j in 0..m.ncols() {
                let (b, c) = (bias[(0, j)], m.col_as_slice_mut(j));
                match act {
                    Activation::Relu => c.iter_mut().for_each(|v| *v = (*v + b).max(0.0)),
                    Activation::Sigmoid => c.iter_mut().for_each(|v| *v = sigmoid(*v + b)),
                    Activation::Tanh => c.iter_mut().for_each(|v| *v = (*v + b).tanh()),
                }
            }
        },
    )
}

/// `m[i, j] = row[0, j]` for every row: a bias to accumulate a product onto.
pub(crate) fn fill_rows(m: &mut Mat<f64>, row: MatRef<'_, f64>) {
    vectorize(
        #[inline(always)]
        || {
            for j in 0..m.ncols() {
                m.col_as_slice_mut(j).fill(row[(0, j)]);
            }
        },
    )
}

/// `delta = chain(g, y)` elementwise and `sums[j] = Σ_i delta[i, j]` (eight running sums
/// in a fixed order, as in [`column_sum`]), in one sweep.
pub(crate) fn gate(
    delta: &mut Mat<f64>,
    sums: &mut Vec<f64>,
    g: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    chain: Chain,
) {
    sums.clear();
    sums.resize(delta.ncols(), 0.0);
    with_rule!(chain, |rule| vectorize(
        #[inline(always)]
        || gate_cols(delta, sums, g, y, rule)
    ))
}

/// The loop of [`gate`].
#[inline(always)]
fn gate_cols(
    delta: &mut Mat<f64>,
    sums: &mut [f64],
    g: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    rule: impl Fn(f64, f64) -> f64,
) {
    for (j, s) in sums.iter_mut().enumerate() {
        let (g, y) = (col(g, j), col(y, j));
        let d = delta.col_as_slice_mut(j);
        let mut acc = [0.0; 8];
        let mut dc = d.chunks_exact_mut(8);
        let (mut gc, mut yc) = (g.chunks_exact(8), y.chunks_exact(8));
        for ((d8, g8), y8) in dc.by_ref().zip(gc.by_ref()).zip(yc.by_ref()) {
            for t in 0..8 {
                d8[t] = rule(g8[t], y8[t]);
                acc[t] += d8[t];
            }
        }
        let mut rest = 0.0;
        let tail = gc.remainder().iter().zip(yc.remainder());
        for (d, (&g, &y)) in dc.into_remainder().iter_mut().zip(tail) {
            *d = rule(g, y);
            rest += *d;
        }
        let [a, b, c, e, f, h, k, l] = acc;
        *s = (((a + b) + (c + e)) + ((f + h) + (k + l))) + rest;
    }
}

/// Sum of all entries.
pub(crate) fn sum(a: MatRef<'_, f64>) -> f64 {
    (0..a.ncols()).map(|j| col(a, j).iter().sum::<f64>()).sum()
}

/// Sum of squares of all entries.
pub(crate) fn sum_squares(a: MatRef<'_, f64>) -> f64 {
    (0..a.ncols())
        .map(|j| col(a, j).iter().map(|x| x * x).sum::<f64>())
        .sum()
}

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

/// `e^x` in plain branch-free arithmetic, so that loops calling it vectorise.
///
/// glibc's `exp` is a call per element (about 5 ns here, and it dominated the softmax and
/// sigmoid sweeps). This is the textbook method: `x = k·ln 2 + r` with `k` rounded to the
/// nearest integer (the 1.5·2⁵² trick) and `ln 2` split Cody–Waite style so `r` is exact to
/// within an ulp, `|r| ≤ ln 2 / 2`; `e^r` by its degree-13 Taylor polynomial (truncation
/// below 10⁻¹⁷); `2^k` assembled from exponent bits in two halves so that results down to
/// the subnormals and up to overflow come out right. Error about one ulp against the
/// correctly rounded value; `±∞` and NaN behave as in `f64::exp`. No `mul_add`, so the
/// bits do not depend on whether the CPU has FMA.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // fdlibm's split: LN2_HI has 32 significant bits, so k·LN2_HI is exact for |k| < 2^21.
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    let x = x.clamp(-746.0, 710.0);
    let k = (x * LOG2E + SHIFT) - SHIFT;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let mut p = 1.0 / 6_227_020_800.0;
    for c in [
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * r + c;
    }
    // 2^j for an integral j in [-1022, 1023], from the bits of j + 1023 + SHIFT.
    let pow2 = |j: f64| f64::from_bits(((j + (1023.0 + SHIFT)).to_bits() - SHIFT.to_bits()) << 52);
    let k1 = (k * 0.5 + SHIFT) - SHIFT;
    p * pow2(k1) * pow2(k - k1)
}

/// Logistic function, written so that neither branch overflows; branch-free (a select), so
/// loops over it vectorise.
#[inline(always)]
pub fn sigmoid(x: f64) -> f64 {
    let e = exp(-x.abs());
    let r = 1.0 / (1.0 + e);
    if x >= 0.0 { r } else { e * r }
}

/// Forward pass of softmax cross-entropy.
///
/// Writes the row-wise softmax of `logits` into `probs` and returns
/// `(Σ_i w_i · nll_i, Σ_i w_i)` with `w_i = weights[labels[i]]` (or 1).
/// `scratch` is reused for the per-row maxima and sums.
pub(crate) fn softmax_cross_entropy(
    logits: MatRef<'_, f64>,
    labels: &[usize],
    weights: Option<&[f64]>,
    probs: &mut Mat<f64>,
    scratch: &mut Vec<f64>,
) -> (f64, f64) {
    vectorize(
        #[inline(always)]
        || softmax_ce_cols(logits, labels, weights, probs, scratch),
    )
}

/// The body of [`softmax_cross_entropy`].
#[inline(always)]
fn softmax_ce_cols(
    logits: MatRef<'_, f64>,
    labels: &[usize],
    weights: Option<&[f64]>,
    probs: &mut Mat<f64>,
    scratch: &mut Vec<f64>,
) -> (f64, f64) {
    let (n, k) = (logits.nrows(), logits.ncols());
    scratch.clear();
    scratch.resize(2 * n, 0.0);
    let (max, norm) = scratch.split_at_mut(n);
    // Row maxima, for a log-sum-exp that cannot overflow.
    max.copy_from_slice(col(logits, 0));
    for j in 1..k {
        for (m, &z) in max.iter_mut().zip(col(logits, j)) {
            *m = m.max(z);
        }
    }
    // Unnormalised probabilities exp(z - max) and their row sums.
    for j in 0..k {
        let p = probs.col_as_slice_mut(j);
        for ((p, &z), (&m, s)) in p
            .iter_mut()
            .zip(col(logits, j))
            .zip(max.iter().zip(norm.iter_mut()))
        {
            *p = exp(z - m);
            *s += *p;
        }
    }
    // nll_i = log Σ_j exp(z_ij) - z_{i, y_i} = max_i + ln(norm_i) - z_{i, y_i}.
    let (mut total, mut total_weight) = (0.0, 0.0);
    for (i, &y) in labels.iter().enumerate() {
        let w = weights.map_or(1.0, |w| w[y]);
        let nll = max[i] + norm[i].ln() - logits[(i, y)];
        total += w * nll;
        total_weight += w;
        norm[i] = 1.0 / norm[i];
    }
    for j in 0..k {
        for (p, &inv) in probs.col_as_slice_mut(j).iter_mut().zip(norm.iter()) {
            *p *= inv;
        }
    }
    (total, total_weight)
}

/// `dst = alpha·lhs·rhs` (or `+=` with `Accum::Add`) on one thread, then a `vzeroupper`.
///
/// faer's AVX-512 kernels return with the upper halves of the vector registers dirty. Until
/// something clears them, every SSE-encoded instruction afterwards (scalar code compiled for
/// baseline x86-64, and glibc's `exp`) pays a state-transition penalty: measured here, 132k
/// `exp` calls took 21–34 ms after a matmul and 0.6–1.1 ms before one (compiling for
/// x86-64-v3 did not help). pulp, faer's own SIMD layer, exposes the instruction safely; on
/// CPUs without AVX there is nothing to clear. Every product in this workspace goes through
/// here.
pub fn matmul(
    dst: MatMut<'_, f64>,
    accum: Accum,
    lhs: MatRef<'_, f64>,
    rhs: MatRef<'_, f64>,
    alpha: f64,
) {
    faer::linalg::matmul::matmul(dst, accum, lhs, rhs, alpha, Par::Seq);
    clear_upper_state();
}

/// Executes `vzeroupper` where AVX exists (see [`matmul`]).
#[inline]
pub fn clear_upper_state() {
    #[cfg(target_arch = "x86_64")]
    if let Some(avx) = pulp::core_arch::x86::Avx::try_new() {
        avx._mm256_zeroupper();
    }
}

#[cfg(test)]
mod tests {
    use super::{exp, sigmoid};

    /// Distance in units in the last place between two finite positive doubles.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn exp_is_within_two_ulps_of_libm_and_keeps_the_special_values() {
        let mut worst = 0;
        let mut x = -745.0;
        while x < 709.7 {
            let (a, b) = (exp(x), x.exp());
            if b >= f64::MIN_POSITIVE {
                worst = worst.max(ulps(a, b));
            } else {
                assert!((a - b).abs() <= 2.0 * 4.9e-324, "{x}: {a} vs {b}");
            }
            x += 0.000_731_1;
        }
        assert!(worst <= 2, "worst error {worst} ulps");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(-800.0), 0.0);
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(sigmoid(800.0), 1.0);
        assert_eq!(sigmoid(-800.0), 0.0);
        assert!(sigmoid(f64::NAN).is_nan());
    }
}
