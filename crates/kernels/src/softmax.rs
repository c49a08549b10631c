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

use crate::math::exp;
use crate::matmul::col;

/// `max[i] = max_j z[i, j]` over the columns of `z` (`f64::max`: the first column, then
/// each later one).
#[inline(always)]
pub fn row_max(z: MatRef<'_, f64>, max: &mut [f64]) {
    let max = &mut max[..z.nrows()];
    max.copy_from_slice(col(z, 0));
    for j in 1..z.ncols() {
        for (mx, &v) in max.iter_mut().zip(col(z, j)) {
            *mx = mx.max(v);
        }
    }
}

/// `z[i, j] ← exp(z[i, j] − max[i])` in place and `sums[i] = Σ_j z[i, j]` (the new values,
/// `j` in order): the loop every softmax of the workspace runs. `z` may be a row range of
/// a larger matrix (each column contiguous).
#[inline(always)]
pub fn exp_rows(mut z: MatMut<'_, f64>, max: &[f64], sums: &mut [f64]) {
    let m = z.nrows();
    let (max, sums) = (&max[..m], &mut sums[..m]);
    sums.fill(0.0);
    for j in 0..z.ncols() {
        let c = z
            .as_mut()
            .col_mut(j)
            .try_as_col_major_mut()
            .expect("columns are contiguous")
            .as_slice_mut();
        for ((v, &mx), s) in c.iter_mut().zip(max).zip(sums.iter_mut()) {
            let e = exp(*v - mx);
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
pub fn cross_entropy_probs(
    logits: MatRef<'_, f64>,
    labels: &[usize],
    weights: Option<&[f64]>,
    mut probs: MatMut<'_, f64>,
    scratch: &mut Vec<f64>,
) -> f64 {
    let n = labels.len();
    scratch.clear();
    scratch.resize(2 * n, 0.0);
    let (max, norm) = scratch.split_at_mut(n);
    row_max(logits, max);
    let k = probs.ncols();
    probs.as_mut().copy_from(logits);
    exp_rows(probs.as_mut(), max, norm);
    // nll_i = log Σ_j exp(z_ij) − z_{i, y_i} = max_i + ln(s_i) − z_{i, y_i}.
    let mut total = 0.0;
    for (i, &y) in labels.iter().enumerate() {
        let w = weights.map_or(1.0, |w| w[y]);
        let nll = max[i] + norm[i].ln() - logits[(i, y)];
        total += w * nll;
        norm[i] = 1.0 / norm[i];
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
/// `Σ_i c_i·nll_i` and turns the logits `z` (column-major `m × k`, `max` their row maxima)
/// into `δ_L = c_i·(p_i − onehot(y_i))`, adding its column sums into `db`; `c_tab[c]` is a
/// row of class `c`'s share of the (weighted) mean. `sums` is scratch of at least `m`.
#[inline(always)]
pub fn cross_entropy_delta(
    z: &mut [f64],
    m: usize,
    y: &[usize],
    c_tab: &[f64],
    max: &[f64],
    sums: &mut [f64],
    db: &mut [f64],
) -> f64 {
    let k = db.len();
    let max = &max[..m];
    // Σ_i c_i (lse_i − z_{y_i}) = Σ_i c_i (ln s_i − (z_{y_i} − max_i)); z_y read first.
    let mut loss = 0.0;
    for (i, &yi) in y.iter().enumerate() {
        loss -= c_tab[yi] * (z[yi * m + i] - max[i]);
    }
    exp_rows(
        MatMut::from_column_major_slice_mut(&mut z[..m * k], m, k),
        max,
        sums,
    );
    let sums = &mut sums[..m];
    for (s, &yi) in sums.iter_mut().zip(y) {
        let c = c_tab[yi];
        loss += c * s.ln();
        // Reuse the slot for `c_i / s_i`, the factor of every probability in the row.
        *s = c / *s;
    }
    for (j, dbj) in db.iter_mut().enumerate() {
        let c = &mut z[j * m..(j + 1) * m];
        let mut sum = 0.0;
        for ((v, f), &yi) in c.iter_mut().zip(sums.iter()).zip(y) {
            let mut d = *v * f;
            if yi == j {
                d -= c_tab[yi];
            }
            *v = d;
            sum += d;
        }
        *dbj += sum;
    }
    loss
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::Mat;

    /// The block primitives give the textbook softmax and cross-entropy, and a block of
    /// rows gives each row what that row alone gives (no dependence on the block height).
    #[test]
    fn probabilities_loss_and_delta_match_the_row_by_row_formulas() {
        let (n, k) = (37, 4);
        let z: Vec<f64> = (0..n * k)
            .map(|t| ((t * 7919) % 113) as f64 / 9.0 - 6.0)
            .collect();
        let y: Vec<usize> = (0..n).map(|i| (i * 5) % k).collect();
        let w = [0.5, 2.0, 1.0, 3.0];
        let mut probs = Mat::zeros(n, k);
        let mut scratch = Vec::new();
        let zm = MatRef::from_column_major_slice(&z, n, k);
        let total = cross_entropy_probs(zm, &y, Some(&w), probs.as_mut(), &mut scratch);
        let mut want_total = 0.0;
        for i in 0..n {
            let row: Vec<f64> = (0..k).map(|j| z[j * n + i]).collect();
            let mx = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let s: f64 = row.iter().map(|v| (v - mx).exp()).sum();
            for j in 0..k {
                let p = (row[j] - mx).exp() / s;
                assert!((probs[(i, j)] - p).abs() < 1e-15, "{i} {j}");
            }
            want_total += w[y[i]] * (mx + s.ln() - row[y[i]]);
            // One row alone: the same bits as inside the block.
            let mut one = Mat::zeros(1, k);
            let alone = cross_entropy_probs(
                MatRef::from_column_major_slice(&row, 1, k),
                &y[i..=i],
                Some(&w),
                one.as_mut(),
                &mut scratch,
            );
            assert_eq!(
                alone.to_bits(),
                (w[y[i]] * (mx + s.ln() - row[y[i]])).to_bits()
            );
            for j in 0..k {
                assert_eq!(one[(0, j)].to_bits(), probs[(i, j)].to_bits());
            }
        }
        assert!((total - want_total).abs() < 1e-12 * want_total.abs());

        // δ_L = c (p − onehot) and its column sums; the loss Σ c·nll.
        let c_tab: Vec<f64> = w.iter().map(|v| v / 10.0).collect();
        let mut max = vec![0.0; n];
        row_max(zm, &mut max);
        let (mut d, mut sums, mut db) = (z.clone(), vec![0.0; n], vec![1.0; k]);
        let loss = cross_entropy_delta(&mut d, n, &y, &c_tab, &max, &mut sums, &mut db);
        let mut want_loss = 0.0;
        for i in 0..n {
            let c = c_tab[y[i]];
            want_loss += c
                * (max[i]
                    + (0..k)
                        .map(|j| (z[j * n + i] - max[i]).exp())
                        .sum::<f64>()
                        .ln()
                    - z[y[i] * n + i]);
            for j in 0..k {
                let onehot = if j == y[i] { 1.0 } else { 0.0 };
                assert!((d[j * n + i] - c * (probs[(i, j)] - onehot)).abs() < 1e-15);
            }
        }
        assert!((loss - want_loss).abs() < 1e-12 * want_loss.abs());
        for j in 0..k {
            let s: f64 = d[j * n..(j + 1) * n].iter().sum();
            assert!((db[j] - 1.0 - s).abs() < 1e-14);
        }
    }
}
