//! The softmax cross-entropy loops against the row-by-row formulas.

use faer::{Mat, MatRef};
use kernels::softmax::{cross_entropy_delta, cross_entropy_probs, row_max};

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
    let loss = cross_entropy_delta(&mut d, n, &y, &c_tab, &mut max.clone(), &mut sums, &mut db);
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
