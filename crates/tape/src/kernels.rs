//! Column-by-column loops over contiguous faer columns.
//!
//! Every matrix the tape reads in these loops is one of its own `Mat` buffers, so
//! each column is a contiguous slice; plain slice loops let the compiler vectorise.

use faer::{Accum, Mat, MatMut, MatRef, Par};

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

/// Logistic function, written so that neither branch overflows.
#[inline(always)]
pub(crate) fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
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
            *p = (z - m).exp();
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
