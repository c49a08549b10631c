//! Means over seeds with their 95 % confidence intervals, and paired differences.
//!
//! Every multi-seed conclusion of the study is drawn from one of these: a mean alone cannot
//! say whether two settings differ, and "no difference" is only ever "no difference detected,
//! interval …". Intervals are Student-t intervals, `mean ± t(0.975, n − 1) · s / √n`: seeds
//! are few (5–20), where the normal quantile would make intervals about 10–40 % too narrow.
//!
//! A bounded quantity (an accuracy or a share in [0, 1], a difference of two in [−1, 1], a
//! loss or a ratio of magnitudes from 0 up) gets the t interval intersected with its range
//! ([`proportion_interval`], [`proportion_difference`], [`non_negative_interval`]): the true
//! mean lies in that range, so the intersection covers it whenever the t interval does, with
//! the same confidence and no impossible end (with two seeds, `t(0.975, 1)` = 12.7 makes the
//! plain interval of an accuracy run far past 100 %). Where the t interval fits, the two are
//! the same numbers.

use serde::{Deserialize, Serialize};

/// A mean over `n` values with its two-sided 95 % Student-t confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Interval {
    /// Sample mean.
    pub mean: f64,
    /// Lower end of the 95 % interval.
    pub low: f64,
    /// Upper end of the 95 % interval.
    pub high: f64,
    /// Number of values (seeds, or pairs).
    pub n: usize,
}

/// What an interval of a difference says about zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The whole interval lies above zero.
    Higher,
    /// The whole interval lies below zero.
    Lower,
    /// The interval contains zero: no difference detected (which is not "no difference").
    NotDetected,
}

impl Interval {
    /// Half the interval's width.
    pub fn half_width(&self) -> f64 {
        (self.high - self.low) / 2.0
    }

    /// Whether `x` lies inside the interval (ends included).
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }

    /// Where the interval lies relative to zero (for intervals of differences).
    ///
    /// A zero-width interval (every value equal, common for whole-number measures such as
    /// iterations) has no spread for the t interval to work with; it then counts as a
    /// difference only when the exact sign test would detect one, all `n` values on one
    /// side having two-sided probability `2^(1−n)` < 0.05, that is from six values on.
    pub fn direction(&self) -> Direction {
        if self.low == self.high && self.n < 6 {
            Direction::NotDetected
        } else if self.low > 0.0 {
            Direction::Higher
        } else if self.high < 0.0 {
            Direction::Lower
        } else {
            Direction::NotDetected
        }
    }
}

/// The mean of `values` with its 95 % interval; `None` for fewer than two values or any
/// non-finite value (an interval from one seed, or through a NaN, would be a false claim).
pub fn mean_interval(values: &[f64]) -> Option<Interval> {
    let n = values.len();
    if n < 2 || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mean = crate::stats::mean(values);
    let var = crate::stats::sample_variance(values, mean);
    let half = t_quantile_975(n - 1) * (var / n as f64).sqrt();
    Some(Interval {
        mean,
        low: mean - half,
        high: mean + half,
        n,
    })
}

/// The range a bounded quantity can take: `[low, high]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Smallest possible value.
    pub low: f64,
    /// Largest possible value.
    pub high: f64,
}

impl Range {
    /// Accuracies and shares.
    pub const PROPORTION: Range = Range {
        low: 0.0,
        high: 1.0,
    };
    /// Differences of two proportions.
    pub const PROPORTION_DIFFERENCE: Range = Range {
        low: -1.0,
        high: 1.0,
    };
    /// Losses, magnitudes and their ratios.
    pub const NON_NEGATIVE: Range = Range {
        low: 0.0,
        high: f64::INFINITY,
    };
}

impl Interval {
    /// The interval intersected with `range` (see the module documentation).
    pub fn within(self, range: Range) -> Interval {
        Interval {
            low: self.low.max(range.low),
            high: self.high.min(range.high),
            ..self
        }
    }
}

/// [`mean_interval`] of values that lie in `range`, its ends kept in it.
pub fn mean_interval_in(values: &[f64], range: Range) -> Option<Interval> {
    mean_interval(values).map(|i| i.within(range))
}

/// The mean of proportions (accuracies, shares) with its 95 % interval inside [0, 1].
pub fn proportion_interval(values: &[f64]) -> Option<Interval> {
    mean_interval_in(values, Range::PROPORTION)
}

/// The mean of non-negative values (losses, magnitudes, their ratios) with its 95 %
/// interval from 0 up.
pub fn non_negative_interval(values: &[f64]) -> Option<Interval> {
    mean_interval_in(values, Range::NON_NEGATIVE)
}

/// The mean paired difference of two proportions, `a[i] − b[i]`, with its 95 % interval
/// inside [−1, 1].
pub fn proportion_difference(a: &[f64], b: &[f64]) -> Option<Interval> {
    paired_interval(a, b).map(|i| i.within(Range::PROPORTION_DIFFERENCE))
}

/// The mean paired differences `a[i] − b[i]` with its 95 % interval (runs that share
/// an initialisation or a seed are pairs); `None` when the lengths differ or
/// [`mean_interval`] would be `None`.
pub fn paired_interval(a: &[f64], b: &[f64]) -> Option<Interval> {
    if a.len() != b.len() {
        return None;
    }
    let differences: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    mean_interval(&differences)
}

/// The difference of the means `mean(a) − mean(b)` of two independent samples (no pairing:
/// for instance the shuffles of two different columns) with its 95 % Welch interval, the
/// Welch–Satterthwaite degrees of freedom rounded down (the conservative side); `n` is the
/// two sample sizes together. `None` when either sample has fewer than two values or a
/// non-finite one.
pub fn welch_interval(a: &[f64], b: &[f64]) -> Option<Interval> {
    let (ia, ib) = (mean_interval(a)?, mean_interval(b)?);
    let var = |v: &[f64], m: f64| {
        v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / ((v.len() - 1) * v.len()) as f64
    };
    let (va, vb) = (var(a, ia.mean), var(b, ib.mean));
    let se2 = va + vb;
    let mean = ia.mean - ib.mean;
    let half = if se2 > 0.0 {
        let df = se2 * se2 / (va * va / (a.len() - 1) as f64 + vb * vb / (b.len() - 1) as f64);
        t_quantile_975((df.floor() as usize).max(1)) * se2.sqrt()
    } else {
        0.0
    };
    Some(Interval {
        mean,
        low: mean - half,
        high: mean + half,
        n: a.len() + b.len(),
    })
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom (`df ≥ 1`): exact to nine
/// digits from the table up to 30, then the Cornish–Fisher expansion around the normal
/// quantile, whose error is below 1e-6 there.
pub fn t_quantile_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706204736,
        4.302652730,
        3.182446305,
        2.776445105,
        2.570581836,
        2.446911851,
        2.364624252,
        2.306004135,
        2.262157163,
        2.228138852,
        2.200985160,
        2.178812830,
        2.160368656,
        2.144786688,
        2.131449546,
        2.119905299,
        2.109815578,
        2.100922040,
        2.093024054,
        2.085963447,
        2.079613845,
        2.073873068,
        2.068657610,
        2.063898562,
        2.059538553,
        2.055529439,
        2.051830516,
        2.048407142,
        2.045229642,
        2.042272456,
    ];
    assert!(df >= 1, "a t quantile needs at least one degree of freedom");
    if df <= TABLE.len() {
        return TABLE[df - 1];
    }
    let z: f64 = 1.959_963_984_540_054;
    let v = df as f64;
    let (z3, z5, z7, z9) = (z.powi(3), z.powi(5), z.powi(7), z.powi(9));
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v.powi(2))
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v.powi(3))
        + (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / (92160.0 * v.powi(4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_published_values() {
        // R: qt(0.975, c(1, 9, 30, 31, 40, 60, 120, 1000))
        let cases = [
            (1, 12.706204736),
            (9, 2.262157163),
            (30, 2.042272456),
            (31, 2.039513446),
            (40, 2.021075390),
            (60, 2.000297822),
            (120, 1.979930405),
            (1000, 1.962339081),
        ];
        for (df, want) in cases {
            assert!((t_quantile_975(df) - want).abs() < 1e-6, "df {df}");
        }
    }

    #[test]
    fn interval_of_known_sample() {
        // mean 3, s = sqrt(2.5), n = 5: half width 2.776445105 * sqrt(2.5 / 5).
        let i = mean_interval(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        let half = 2.776445105 * (0.5f64).sqrt();
        assert_eq!(i.n, 5);
        assert!((i.mean - 3.0).abs() < 1e-12);
        assert!((i.low - (3.0 - half)).abs() < 1e-9);
        assert!((i.high - (3.0 + half)).abs() < 1e-9);
        assert_eq!(i.direction(), Direction::Higher);
    }

    #[test]
    fn too_few_or_non_finite_values_give_no_interval() {
        assert!(mean_interval(&[]).is_none());
        assert!(mean_interval(&[1.0]).is_none());
        assert!(mean_interval(&[1.0, f64::NAN, 2.0]).is_none());
        assert!(paired_interval(&[1.0, 2.0], &[1.0]).is_none());
    }

    #[test]
    fn paired_differences_see_what_unpaired_means_hide() {
        // Seeds move both settings a lot, the pairing removes it: b is a + 0.1 ± 0.001.
        let a = [0.1, 0.5, 0.9, 0.3, 0.7];
        let b = [0.201, 0.599, 1.0, 0.401, 0.799];
        let d = paired_interval(&b, &a).unwrap();
        assert_eq!(d.direction(), Direction::Higher);
        assert!(d.contains(0.1));
        let (ia, ib) = (mean_interval(&a).unwrap(), mean_interval(&b).unwrap());
        assert!(ia.contains(ib.mean) && ib.contains(ia.mean));
    }

    #[test]
    fn equal_values_need_six_to_count_as_a_difference() {
        let two = mean_interval(&[-2.0, -2.0]).unwrap();
        assert_eq!((two.low, two.high), (-2.0, -2.0));
        assert_eq!(two.direction(), Direction::NotDetected);
        assert_eq!(
            mean_interval(&[3.0; 5]).unwrap().direction(),
            Direction::NotDetected
        );
        assert_eq!(
            mean_interval(&[3.0; 6]).unwrap().direction(),
            Direction::Higher
        );
        assert_eq!(
            mean_interval(&[-1.0; 10]).unwrap().direction(),
            Direction::Lower
        );
    }

    #[test]
    fn welch_interval_of_known_samples() {
        // a: mean 2, s² = 1 (n 3); b: mean 0, s² = 1 (n 3). se² = 2/3, df = (2/3)² /
        // (2 · (1/3)² / 2) = 4: half width t(4) · √(2/3).
        let d = welch_interval(&[1.0, 2.0, 3.0], &[-1.0, 0.0, 1.0]).unwrap();
        let half = 2.776445105 * (2.0f64 / 3.0).sqrt();
        assert!((d.mean - 2.0).abs() < 1e-12);
        assert!((d.low - (2.0 - half)).abs() < 1e-9 && (d.high - (2.0 + half)).abs() < 1e-9);
        assert_eq!(d.n, 6);
        assert_eq!(d.direction(), Direction::NotDetected);
        let d = welch_interval(&[5.0, 5.1, 4.9, 5.0], &[1.0, 1.1, 0.9]).unwrap();
        assert_eq!(d.direction(), Direction::Higher);
        assert!(welch_interval(&[1.0], &[1.0, 2.0]).is_none());
    }

    #[test]
    fn bounded_quantities_keep_their_intervals_in_range() {
        // Two seeds: t(1) = 12.7 makes the plain interval of 0.55 and 0.70 run past 1.
        let plain = mean_interval(&[0.55, 0.70]).unwrap();
        assert!(plain.high > 1.0 && plain.low < 0.0, "{plain:?}");
        let p = proportion_interval(&[0.55, 0.70]).unwrap();
        assert_eq!((p.low, p.mean, p.high, p.n), (0.0, plain.mean, 1.0, 2));
        let d = proportion_difference(&[0.9, 0.2], &[0.1, 0.15]).unwrap();
        assert!(d.low >= -1.0 && d.high <= 1.0, "{d:?}");
        let l = non_negative_interval(&[0.01, 0.5]).unwrap();
        assert_eq!(l.low, 0.0);
        assert!(l.high > 0.5);
        // Where the t interval fits, nothing changes.
        let many = [0.80, 0.81, 0.79, 0.80, 0.82];
        assert_eq!(proportion_interval(&many), mean_interval(&many));
        // A zero-width interval stays as it is, and so does its verdict.
        let same = proportion_difference(&[0.5; 3], &[0.5; 3]).unwrap();
        assert_eq!((same.low, same.high), (0.0, 0.0));
        assert_eq!(same.direction(), Direction::NotDetected);
    }

    #[test]
    fn an_interval_across_zero_detects_nothing() {
        let d = mean_interval(&[-1.0, 1.0, -0.5, 0.5]).unwrap();
        assert_eq!(d.direction(), Direction::NotDetected);
        assert!(mean_interval(&[-3.0, -2.0, -2.5]).unwrap().direction() == Direction::Lower);
    }
}
