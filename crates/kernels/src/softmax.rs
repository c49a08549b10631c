//! Softmax cross-entropy: the one place its loops live.
//!
//! Every network of the workspace ends in a softmax over `k` logits per row. Its numerically
//! safe form shifts each row by its maximum: `e_ij = exp(z_ij − max_i)`, `s_i = Σ_j e_ij`,
//! `p_ij = e_ij / s_i` and `nll_i = ln s_i − (z_{i,y_i} − max_i)`. [`row_max`] and
//! [`exp_rows`] are those two loops, on a column-major block (rows are the fast index, so
//! each column is one contiguous slice the compiler vectorises), the sums taken over the
//! columns in order `j = 0, 1, …` so their bits never depend on the block's height.
//! [`cross_entropy_probs`] (the tape's op: the loss and the probabilities its backward
//! reads) and [`cross_entropy_delta`] (the hand-written pass: the loss and `δ_L` in place of
//! the logits, with the output bias gradient) finish a block from them.
//!
//! The two finishers sum the loss in different orders (the tape `Σ w_i·(max_i + ln s_i −
//! z_{i,y_i})`, the hand-written pass the `z_y` terms first, then the `ln s` terms, each
//! row weighted by its share of the mean). Both are kept as they were so that every
//! recorded loss keeps its bits; the loss never feeds back into training (the gradients
//! are `p − onehot`), so merging them would move only the last bits of recorded losses.

use faer::{MatMut, MatRef};

use crate::matmul::col;
use crate::real::Real;

/// `max[i] = max_j z[i, j]` over the columns of `z` (`f64::max`: the first column, then
/// each later one).
#[inline(always)]
pub fn row_max<T: Real>(z: MatRef<'_, T>, max: &mut [T]) {
    let max = &mut max[..z.nrows()];
    max.copy_from_slice(col(z, 0));
    for j in 1..z.ncols() {
        for (mx, &v) in max.iter_mut().zip(col(z, j)) {
            *mx = Real::max(*mx, v);
        }
    }
}

/// `z[i, j] ← exp(z[i, j] − max[i])` in place and `sums[i] = Σ_j z[i, j]` (the new values,
/// `j` in order): the loop every softmax of the workspace runs. `z` may be a row range of
/// a larger matrix (each column contiguous).
#[inline(always)]
pub fn exp_rows<T: Real>(mut z: MatMut<'_, T>, max: &[T], sums: &mut [T]) {
    let m = z.nrows();
    let (max, sums) = (&max[..m], &mut sums[..m]);
    sums.fill(T::ZERO);
    for j in 0..z.ncols() {
        let c = z
            .as_mut()
            .col_mut(j)
            .try_as_col_major_mut()
            .expect("columns are contiguous")
            .as_slice_mut();
        for ((v, &mx), s) in c.iter_mut().zip(max).zip(sums.iter_mut()) {
            let e = Real::exp(*v - mx);
            *v = e;
            *s += e;
        }
    }
}

/// The tape's softmax cross-entropy forward over an `n × k` block: `probs` receives the row
/// softmax of `logits` (`probs` the same shape), and the return
/// value is `Σ_i w_i · nll_i` with `w_i = weights[labels[i]]` (or 1), rows in order; divide
/// by [`crate::sweeps::label_weight`] for the weighted mean. `scratch` is reused for the
/// row maxima and sums.
#[inline(always)]
pub fn cross_entropy_probs<T: Real>(
    logits: MatRef<'_, T>,
    labels: &[usize],
    weights: Option<&[T]>,
    mut probs: MatMut<'_, T>,
    scratch: &mut Vec<T>,
) -> T {
    let n = labels.len();
    scratch.clear();
    scratch.resize(2 * n, T::ZERO);
    let (max, norm) = scratch.split_at_mut(n);
    row_max(logits, max);
    let k = probs.ncols();
    probs.as_mut().copy_from(logits);
    exp_rows(probs.as_mut(), max, norm);
    // nll_i = log Σ_j exp(z_ij) − z_{i, y_i} = max_i + ln(s_i) − z_{i, y_i}.
    let mut total = T::ZERO;
    for (i, &y) in labels.iter().enumerate() {
        let w = weights.map_or(T::ONE, |w| w[y]);
        let nll = max[i] + Real::ln(norm[i]) - logits[(i, y)];
        total += w * nll;
        norm[i] = T::ONE / norm[i];
    }
    for j in 0..k {
        let c = probs
            .as_mut()
            .col_mut(j)
            .try_as_col_major_mut()
            .expect("columns are contiguous")
            .as_slice_mut();
        for (p, &inv) in c.iter_mut().zip(norm.iter()) {
            *p *= inv;
        }
    }
    total
}

/// The hand-written pass's output layer over a forwarded `m`-row block, in place: returns
/// `Σ_i c_i·nll_i` and turns the logits `z` (column-major `m × k`, `max` their row maxima,
/// overwritten) into `δ_L = c_i·(p_i − onehot(y_i))`, adding its column sums into `db`;
/// `c_tab[c]` is a row of class `c`'s share of the (weighted) mean. `sums` is scratch of at
/// least `m`.
#[inline(always)]
pub fn cross_entropy_delta<T: Real>(
    z: &mut [T],
    m: usize,
    y: &[usize],
    c_tab: &[T],
    max: &mut [T],
    sums: &mut [T],
    db: &mut [T],
) -> T {
    let k = db.len();
    let (max, sums) = (&mut max[..m], &mut sums[..m]);
    // Σ_i c_i (lse_i − z_{y_i}) = Σ_i c_i (ln s_i − (z_{y_i} − max_i)); the z_y terms
    // first (`0 − t_0 − t_1 − …` is `−Σ t_i` exactly: rounding is symmetric), gathered
    // into `sums` so that their sum is [`Real::sum`].
    for ((t, &yi), (i, &mx)) in sums.iter_mut().zip(y).zip(max.iter().enumerate()) {
        *t = c_tab[yi] * (z[yi * m + i] - mx);
    }
    let loss = T::ZERO - T::sum(sums);
    exp_rows(
        MatMut::from_column_major_slice_mut(&mut z[..m * k], m, k),
        max,
        sums,
    );
    // Each slot of `sums` becomes `c_i / s_i`, the factor of every probability in the row;
    // the row maxima, read for the last time above, are the logarithms' scratch.
    let loss = T::add_weighted_logs(loss, sums, y, c_tab, max);
    for (j, dbj) in db.iter_mut().enumerate() {
        let c = &mut z[j * m..(j + 1) * m];
        // Branch-free (`d − 0` is `d` exactly): a branch on the label mispredicted on a
        // quarter of the rows and kept the loop scalar (perf: a tenth of an f32 study).
        let cj = c_tab[j];
        for ((v, f), &yi) in c.iter_mut().zip(sums.iter()).zip(y) {
            let onehot = if yi == j { cj } else { T::ZERO };
            *v = *v * *f - onehot;
        }
        *dbj += T::sum(c);
    }
    loss
}
