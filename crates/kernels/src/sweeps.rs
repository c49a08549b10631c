//! Column-by-column loops over contiguous faer columns: the elementwise sweeps and fused
//! layer kernels the tape's ops are made of.
//!
//! Every matrix these loops read is a `Mat` (or a contiguous view of one), so each column is
//! a contiguous slice; plain slice loops under [`vectorize`] let the compiler vectorise. A
//! function that writes into a gradient takes an [`Accum`]: `Replace` writes `0 + c`
//! directly (no separate zeroing pass), `Add` adds.

use faer::{Accum, Mat, MatRef};

use crate::activation::Activation;
use crate::real::Real;
use crate::simd::vectorize;

/// The elementwise chain rules, as `(upstream gradient g, b) ↦ contribution`. An enum
/// rather than a function pointer so that each loop is compiled with its rule inlined
/// (through a pointer, every element paid a call and nothing vectorised).
#[derive(Clone, Copy, Debug)]
pub enum Chain {
    /// `g ⊙ b` (products and masks).
    Product,
    /// `g ⊙ [y > 0]` with `b` the ReLU output `y`.
    Relu,
    /// `g ⊙ y(1 − y)` with `b` the sigmoid output `y`.
    Sigmoid,
    /// `g ⊙ (1 − y²)` with `b` the tanh output `y`.
    Tanh,
}

impl Chain {
    /// The chain rule `g ↦ g ⊙ g′` of an activation, in terms of its output.
    pub fn of(activation: Activation) -> Chain {
        match activation {
            Activation::Relu => Chain::Relu,
            Activation::Sigmoid => Chain::Sigmoid,
        }
    }
}

/// Runs `$body` with `$rule` bound to the closure of `$chain` over the caller's scalar
/// type `T`, one monomorphic copy per rule.
macro_rules! with_rule {
    ($chain:expr, |$rule:ident| $body:expr) => {
        match $chain {
            Chain::Product => {
                let $rule = |g: T, b: T| g * b;
                $body
            }
            Chain::Relu => {
                // Branch-free, the same bits as `if y > 0 { g } else { 0 }`: as a select,
                // LLVM branched on the 50/50 pattern and the gate was a fifth of an f32 step.
                let $rule = |g: T, y: T| T::keep_if_positive(g, y);
                $body
            }
            Chain::Sigmoid => {
                let $rule = |g: T, y: T| g * y * (T::ONE - y);
                $body
            }
            Chain::Tanh => {
                let $rule = |g: T, y: T| g * (T::ONE - y * y);
                $body
            }
        }
    };
}

pub use crate::matmul::col;

/// Writes (`Replace`) or adds (`Add`) `f(a, b)` elementwise into `dst`.
#[inline(always)]
pub fn zip_into<T: Real>(
    dst: &mut Mat<T>,
    accum: Accum,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    f: impl Fn(T, T) -> T,
) {
    vectorize(
        #[inline(always)]
        || zip_cols(dst, accum, a, b, f),
    )
}

/// The loop of [`zip_into`].
#[inline(always)]
fn zip_cols<T: Real>(
    dst: &mut Mat<T>,
    accum: Accum,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    f: impl Fn(T, T) -> T,
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
pub fn map_into<T: Real>(dst: &mut Mat<T>, accum: Accum, a: MatRef<'_, T>, f: impl Fn(T) -> T) {
    vectorize(
        #[inline(always)]
        || map_cols(dst, accum, a, f),
    )
}

/// The loop of [`map_into`].
#[inline(always)]
fn map_cols<T: Real>(dst: &mut Mat<T>, accum: Accum, a: MatRef<'_, T>, f: impl Fn(T) -> T) {
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
pub fn add_row_into<T: Real>(dst: &mut Mat<T>, a: MatRef<'_, T>, row: MatRef<'_, T>) {
    for j in 0..dst.ncols() {
        let b = row[(0, j)];
        for (d, &a) in dst.col_as_slice_mut(j).iter_mut().zip(col(a, j)) {
            *d = a + b;
        }
    }
}

/// `Σ x` with eight running sums combined pairwise, so that the loop vectorises; the
/// order is fixed, so the bits are too.
pub fn column_sum<T: Real>(x: &[T]) -> T {
    vectorize(
        #[inline(always)]
        || {
            let mut acc = [T::ZERO; 8];
            let chunks = x.chunks_exact(8);
            let rest = iter_sum(chunks.remainder().iter().copied());
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
pub fn activate<T: Real>(m: &mut Mat<T>, bias: MatRef<'_, T>, act: Activation) {
    vectorize(
        #[inline(always)]
        || {
            for j in 0..m.ncols() {
                let (b, c) = (bias[(0, j)], m.col_as_slice_mut(j));
                match act {
                    Activation::Relu => c.iter_mut().for_each(|v| *v = Real::max(*v + b, T::ZERO)),
                    Activation::Sigmoid => c.iter_mut().for_each(|v| *v = Real::sigmoid(*v + b)),
                }
            }
        },
    )
}

/// `m[i, j] = row[0, j]` for every row: a bias to accumulate a product onto.
pub fn fill_rows<T: Real>(m: &mut Mat<T>, row: MatRef<'_, T>) {
    vectorize(
        #[inline(always)]
        || {
            for j in 0..m.ncols() {
                m.col_as_slice_mut(j).fill(row[(0, j)]);
            }
        },
    )
}

/// `delta = chain(g, y)` elementwise and `sums[j] = Σ_i delta[i, j]` ([`column_sum`]'s
/// fixed order).
///
/// Two passes, as [`gate_block`]: the elementwise one vectorises to the widest lanes, the
/// sums run as independent vector chains. Written as one loop with the sums, LLVM left it
/// scalar (perf: a fifth of an `f32` Part C step). `delta` is re-read from L1.
pub fn gate<T: Real>(
    delta: &mut Mat<T>,
    sums: &mut Vec<T>,
    g: MatRef<'_, T>,
    y: MatRef<'_, T>,
    chain: Chain,
) {
    sums.clear();
    sums.resize(delta.ncols(), T::ZERO);
    chain_into(delta, Accum::Replace, g, y, chain);
    let delta = delta.as_ref();
    for (j, s) in sums.iter_mut().enumerate() {
        *s = column_sum(col(delta, j));
    }
}

/// Sum of all entries.
pub fn sum<T: Real>(a: MatRef<'_, T>) -> T {
    iter_sum((0..a.ncols()).map(|j| iter_sum(col(a, j).iter().copied())))
}

/// Sum of squares of all entries.
pub fn sum_squares<T: Real>(a: MatRef<'_, T>) -> T {
    iter_sum((0..a.ncols()).map(|j| iter_sum(col(a, j).iter().map(|&x| x * x))))
}

/// `Σ` in iteration order from `−0`, as the standard library's `Sum` for floats (so the
/// `f64` bits are the ones `Iterator::sum` gave).
fn iter_sum<T: Real>(xs: impl Iterator<Item = T>) -> T {
    xs.fold(T::of(-0.0), |s, x| s + x)
}

/// Forward pass of softmax cross-entropy, [`crate::softmax::cross_entropy_probs`] in the
/// widest vectors: the row-wise softmax of `logits` into `probs`, and `Σ_i w_i · nll_i`
/// with `w_i = weights[labels[i]]` (or 1); divide by [`label_weight`] for the weighted mean.
/// `scratch` is reused for the per-row maxima and sums.
pub fn softmax_cross_entropy<T: Real>(
    logits: MatRef<'_, T>,
    labels: &[usize],
    weights: Option<&[T]>,
    probs: &mut Mat<T>,
    scratch: &mut Vec<T>,
) -> T {
    vectorize(
        #[inline(always)]
        || crate::softmax::cross_entropy_probs(logits, labels, weights, probs.as_mut(), scratch),
    )
}

/// `Σ_i weights[labels[i]]` in row order, or the row count without weights: the normaliser
/// of a weighted mean cross-entropy.
pub fn label_weight(labels: &[usize], weights: Option<&[f64]>) -> f64 {
    let mut total = 0.0;
    for &y in labels {
        total += weights.map_or(1.0, |w| w[y]);
    }
    total
}

/// `dst = scale · w_i · (p_ij − [j = y_i])` (or `+=`): the gradient of softmax cross-entropy
/// with respect to the logits, from the probabilities `probs` its forward saved.
pub fn softmax_ce_grad_into<T: Real>(
    dst: &mut Mat<T>,
    accum: Accum,
    probs: MatRef<'_, T>,
    labels: &[usize],
    weights: Option<&[T]>,
    scale: T,
) {
    for j in 0..probs.ncols() {
        let d = dst.col_as_slice_mut(j);
        for ((d, &p), &y) in d.iter_mut().zip(col(probs, j)).zip(labels) {
            let w = weights.map_or(T::ONE, |w| w[y]);
            let onehot = if y == j { T::ONE } else { T::ZERO };
            let c = scale * w * (p - onehot);
            match accum {
                Accum::Replace => *d = c,
                Accum::Add => *d += c,
            }
        }
    }
}

/// Every entry of `dst` set to (or increased by) `c`.
pub fn fill_into<T: Real>(dst: &mut Mat<T>, accum: Accum, c: T) {
    for j in 0..dst.ncols() {
        let d = dst.col_as_slice_mut(j);
        match accum {
            Accum::Replace => d.fill(c),
            Accum::Add => d.iter_mut().for_each(|d| *d += c),
        }
    }
}

/// `dst[0, j] = Σ_i m[i, j]` (or `+=`), each column summed by [`column_sum`].
pub fn column_sums_into<T: Real>(dst: &mut Mat<T>, accum: Accum, m: MatRef<'_, T>) {
    for j in 0..m.ncols() {
        let s = column_sum(col(m, j));
        match accum {
            Accum::Replace => dst[(0, j)] = s,
            Accum::Add => dst[(0, j)] += s,
        }
    }
}

/// `dst = chain(g, b)` elementwise (or `+=`): the chain rule of an elementwise op.
#[inline(always)]
pub fn chain_into<T: Real>(
    dst: &mut Mat<T>,
    accum: Accum,
    g: MatRef<'_, T>,
    b: MatRef<'_, T>,
    chain: Chain,
) {
    with_rule!(chain, |rule| zip_into(dst, accum, g, b, rule))
}

/// The backward gate of a hidden layer over one block, in place: `δ[i] = rule(δ[i], a[i])`
/// over the whole column-major `m × w` buffer, then `db[j] += Σ_i δ[i, j]` per column in
/// the precision's fixed order ([`Real::add_column_sums`]).
///
/// Two passes on purpose: the elementwise one is a plain loop the compiler vectorises to the
/// widest lanes, and the sums run as independent vector chains, so the additions overlap
/// instead of waiting on each other. Written as one loop with the sums, LLVM left the whole
/// sweep scalar (perf annotate: `vmulsd`/`vaddsd`, about 9 % of a sigmoid run). The order
/// of each column's sum is fixed, so are the bits, on any CPU. Call it under
/// [`crate::vectorize`].
#[inline(always)]
pub fn gate_block<T: Real>(
    delta: &mut [T],
    act: &[T],
    m: usize,
    db: &mut [T],
    rule: impl Fn(T, T) -> T,
) {
    let len = m * db.len();
    for (d, &a) in delta[..len].iter_mut().zip(&act[..len]) {
        *d = rule(*d, a);
    }
    T::add_column_sums(&delta[..len], m, db);
}
