//! The plain statistics Part A is built from, each on slices so that tests can check them
//! against values computed by hand. `NaN` means missing everywhere: single-column statistics
//! skip it, two-column ones use the rows where both values are present.

use serde::{Deserialize, Serialize};

use crate::stats::mean;

/// Five-number summary and mean of the present values of a column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Summary {
    /// Number of present (non-missing) values.
    pub n: usize,
    /// Smallest value.
    pub min: f64,
    /// First quartile.
    pub q1: f64,
    /// Median.
    pub median: f64,
    /// Third quartile.
    pub q3: f64,
    /// Largest value.
    pub max: f64,
    /// Arithmetic mean.
    pub mean: f64,
}

/// Quantile `p` of ascending `sorted` values by linear interpolation between order
/// statistics (Hyndman–Fan type 7, the default of R and NumPy), so the report's numbers can be
/// checked with either. `sorted` must be non-empty.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Summary of the present values; `None` when every value is missing.
pub fn summary(values: impl IntoIterator<Item = f64>) -> Option<Summary> {
    let mut v: Vec<f64> = values.into_iter().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_unstable_by(f64::total_cmp);
    Some(Summary {
        n: v.len(),
        min: v[0],
        q1: quantile_sorted(&v, 0.25),
        median: quantile_sorted(&v, 0.5),
        q3: quantile_sorted(&v, 0.75),
        max: v[v.len() - 1],
        mean: mean(&v),
    })
}

/// The pairs where both values are present.
fn complete_pairs(x: &[f64], y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    x.iter()
        .zip(y)
        .filter(|(a, b)| !a.is_nan() && !b.is_nan())
        .map(|(a, b)| (*a, *b))
        .unzip()
}

/// Pearson correlation of complete values; `None` for fewer than two rows or a constant side.
fn pearson_complete(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() < 2 {
        return None;
    }
    let (mx, my) = (mean(x), mean(y));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    Some((sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

/// Pearson correlation over the rows where both are present; `None` when undefined (fewer
/// than two such rows, or one side constant).
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let (a, b) = complete_pairs(x, y);
    pearson_complete(&a, &b)
}

/// Rows where both `x` and `y` are present: the `n` of [`pearson`].
pub fn complete_count(x: &[f64], y: &[f64]) -> usize {
    x.iter()
        .zip(y)
        .filter(|(a, b)| !a.is_nan() && !b.is_nan())
        .count()
}

/// The standard normal quantile at 0.975: two-sided 95 % intervals.
const Z_975: f64 = 1.959_963_984_540_054;

/// Fisher's z interval of a Pearson correlation `r` over `n` complete pairs:
/// `tanh(atanh r ± z₀.₉₇₅ / √(n − 3))`, as `(low, high)`; `None` for `n ≤ 3` or `|r| = 1`.
pub fn fisher_interval(r: f64, n: usize) -> Option<(f64, f64)> {
    if n <= 3 || r.is_nan() || r.abs() >= 1.0 {
        return None;
    }
    let (z, half) = (r.atanh(), Z_975 / ((n - 3) as f64).sqrt());
    Some(((z - half).tanh(), (z + half).tanh()))
}

/// The 95 % interval of `r1 − r2`, two correlations of independent samples, from their
/// Fisher intervals (Zou, "Toward using confidence intervals to compare correlations",
/// Psychological Methods 2007): each end moves from the difference by the root of the
/// squared distances to the two intervals' matching ends, so the interval is as asymmetric
/// as the correlations' own near ±1.
pub fn correlation_difference(
    (r1, (l1, u1)): (f64, (f64, f64)),
    (r2, (l2, u2)): (f64, (f64, f64)),
) -> (f64, f64) {
    let d = r1 - r2;
    (
        d - ((r1 - l1).powi(2) + (u2 - r2).powi(2)).sqrt(),
        d + ((u1 - r1).powi(2) + (r2 - l2).powi(2)).sqrt(),
    )
}

/// Ranks 1..=n of the values (all present), ties sharing the average of their ranks.
pub fn average_ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_unstable_by(|&a, &b| x[a].total_cmp(&x[b]).then(a.cmp(&b)));
    let mut ranks = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && x[order[j + 1]] == x[order[i]] {
            j += 1;
        }
        // Positions i..=j (0-based) hold ranks i+1..=j+1; their average:
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// Spearman rank correlation (Pearson of average ranks, so ties are handled) over the rows
/// where both are present; `None` when undefined.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    let (a, b) = complete_pairs(x, y);
    pearson_complete(&average_ranks(&a), &average_ranks(&b))
}

/// Two-sample Kolmogorov–Smirnov test of the present values: the statistic
/// `D = sup |F_a − F_b|` and its asymptotic p-value; `None` when a side has no value.
pub fn ks_two_sample(a: &[f64], b: &[f64]) -> Option<(f64, f64)> {
    let sorted = |v: &[f64]| {
        let mut s: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
        s.sort_unstable_by(f64::total_cmp);
        s
    };
    let (a, b) = (sorted(a), sorted(b));
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        // Step past every copy of the smaller value on both sides before comparing, so that
        // tied values never open a spurious gap.
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] == x {
            i += 1;
        }
        while j < b.len() && b[j] == x {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
    }
    let en = (na * nb / (na + nb)).sqrt();
    let p = kolmogorov_q((en + 0.12 + 0.11 / en) * d);
    Some((d, p))
}

/// The Kolmogorov distribution's upper tail `Q(λ) = 2 Σ_{j≥1} (−1)^{j−1} exp(−2 j² λ²)`
/// (Numerical Recipes' `probks`, with its small-sample correction applied by the caller).
pub fn kolmogorov_q(lambda: f64) -> f64 {
    let a2 = -2.0 * lambda * lambda;
    let (mut fac, mut sum, mut previous) = (2.0, 0.0, 0.0f64);
    for j in 1..=100 {
        let term = fac * (a2 * f64::from(j * j)).exp();
        sum += term;
        if term.abs() <= 0.001 * previous || term.abs() <= 1e-8 * sum {
            return sum.clamp(0.0, 1.0);
        }
        fac = -fac;
        previous = term.abs();
    }
    // No convergence happens only for λ → 0, where the tail probability is 1.
    1.0
}

/// Correlation ratio η of a numeric `y` on groups (`None` = missing, skipped):
/// `η² = Σ_g n_g (ȳ_g − ȳ)² / Σ (y − ȳ)²`. It generalises |Pearson| to a categorical
/// predictor (η = |r| when there are two groups), so it is comparable with the numeric
/// columns' label correlations. `None` when undefined.
pub fn correlation_ratio(groups: &[Option<u32>], y: &[f64]) -> Option<f64> {
    let (mut sum, mut count) = (Vec::<f64>::new(), Vec::<usize>::new());
    let mut all = Vec::new();
    for (g, &v) in groups.iter().zip(y) {
        if let Some(g) = *g {
            let g = g as usize;
            if g >= sum.len() {
                sum.resize(g + 1, 0.0);
                count.resize(g + 1, 0);
            }
            sum[g] += v;
            count[g] += 1;
            all.push(v);
        }
    }
    if all.len() < 2 {
        return None;
    }
    let m = mean(&all);
    let total: f64 = all.iter().map(|v| (v - m) * (v - m)).sum();
    if total == 0.0 {
        return None;
    }
    let between: f64 = sum
        .iter()
        .zip(&count)
        .filter(|(_, n)| **n > 0)
        .map(|(s, &n)| n as f64 * (s / n as f64 - m).powi(2))
        .sum();
    Some((between / total).clamp(0.0, 1.0).sqrt())
}

/// Column totals of a contingency table whose rows may be shorter than `cols`.
fn column_sums(table: &[Vec<usize>], cols: usize) -> Vec<f64> {
    (0..cols)
        .map(|c| {
            table
                .iter()
                .map(|r| r.get(c).copied().unwrap_or(0))
                .sum::<usize>() as f64
        })
        .collect()
}

/// Cramér's V of a contingency table (`table[row][column]` counts):
/// `sqrt(χ² / (n · (min(r, c) − 1)))` over the non-empty rows and columns; `None` when
/// fewer than two of either.
pub fn cramers_v(table: &[Vec<usize>]) -> Option<f64> {
    let cols = table.iter().map(Vec::len).max().unwrap_or(0);
    let row_sums: Vec<f64> = table
        .iter()
        .map(|r| r.iter().sum::<usize>() as f64)
        .collect();
    let col_sums = column_sums(table, cols);
    let n: f64 = row_sums.iter().sum();
    let r = row_sums.iter().filter(|&&s| s > 0.0).count();
    let c = col_sums.iter().filter(|&&s| s > 0.0).count();
    if r < 2 || c < 2 {
        return None;
    }
    let mut chi2 = 0.0;
    for (i, row) in table.iter().enumerate() {
        for (j, &cs) in col_sums.iter().enumerate() {
            let expected = row_sums[i] * cs / n;
            if expected > 0.0 {
                let observed = row.get(j).copied().unwrap_or(0) as f64;
                chi2 += (observed - expected).powi(2) / expected;
            }
        }
    }
    Some((chi2 / (n * (r.min(c) - 1) as f64)).sqrt().clamp(0.0, 1.0))
}

/// Uncertainty coefficient `U(Y|X) = I(X; Y) / H(Y)` of a contingency table
/// (`table[x][y]` counts): the share of the label's entropy that knowing the column removes
/// (0 = independent, 1 = the column determines the label). `None` when `H(Y) = 0`.
pub fn uncertainty_coefficient(table: &[Vec<usize>]) -> Option<f64> {
    let cols = table.iter().map(Vec::len).max().unwrap_or(0);
    let n: usize = table.iter().flatten().sum();
    if n == 0 {
        return None;
    }
    let n = n as f64;
    let plogp = |c: f64| if c > 0.0 { c / n * (c / n).ln() } else { 0.0 };
    let col_sums = column_sums(table, cols);
    let h_y: f64 = -col_sums.iter().map(|&c| plogp(c)).sum::<f64>();
    if h_y <= 0.0 {
        return None;
    }
    let h_x: f64 = -table
        .iter()
        .map(|r| plogp(r.iter().sum::<usize>() as f64))
        .sum::<f64>();
    let h_xy: f64 = -table
        .iter()
        .flatten()
        .map(|&c| plogp(c as f64))
        .sum::<f64>();
    Some(((h_x + h_y - h_xy) / h_y).clamp(0.0, 1.0))
}

/// Total variation distance `½ Σ |p_i − q_i|` between two distributions over the same
/// categories (0 = identical shares, 1 = disjoint support).
pub fn total_variation(p: &[f64], q: &[f64]) -> f64 {
    0.5 * p.iter().zip(q).map(|(a, b)| (a - b).abs()).sum::<f64>()
}

/// Rows per class, from class indices below `k`.
pub fn class_counts(labels: impl IntoIterator<Item = usize>, k: usize) -> Vec<usize> {
    let mut c = vec![0; k];
    for y in labels {
        c[y] += 1;
    }
    c
}

/// Counts as shares of their total (zeros when the total is zero).
pub fn shares(counts: &[usize]) -> Vec<f64> {
    let n = counts.iter().sum::<usize>().max(1) as f64;
    counts.iter().map(|&c| c as f64 / n).collect()
}
