//! Part C(b)'s verdict: do gradient attribution and permutation importance agree on the
//! column the model relies on most, and is permutation importance's first column clear of
//! the next? Read from the permutation drops of every shuffle (their spread is the only
//! randomness: the model is the protocol seed's one), never from the means alone.

use serde::{Deserialize, Serialize};

use crate::interval::{Direction, Interval, mean_interval, welch_interval};

/// How the two rankings' first columns compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TopColumn {
    /// Both rank the same column first, and shuffling it costs detectably more than
    /// shuffling the runner-up (the Welch interval of the difference lies above zero).
    Agree,
    /// Both rank the same column first, but its cost is not detectably above the
    /// runner-up's: the order is not shown to be more than the shuffles' noise.
    AgreeNotSeparated,
    /// Permutation importance ranks another column first, detectably above the column the
    /// gradients rank first.
    Disagree,
    /// Permutation importance ranks another column first, but not detectably above the
    /// gradients' first column: a disagreement is not shown.
    DisagreeNotSeparated,
}

/// The verdict and what it was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TopColumnVerdict {
    /// Index into `columns` of the column with the largest attribution share.
    pub attribution_top: usize,
    /// Index into `columns` of the column with the largest mean permutation drop.
    pub permutation_top: usize,
    /// Its drop over the shuffles, mean with 95 % interval.
    pub top_drop: Interval,
    /// The column it is compared with: the runner-up by permutation drop when the two
    /// methods agree, else the attribution's first column.
    pub compared_with: usize,
    /// `permutation_top`'s drops minus `compared_with`'s (Welch, unpaired).
    pub difference: Interval,
    /// The verdict.
    pub finding: TopColumn,
}

/// The top-column verdict from each column's attribution share and permutation drops per
/// shuffle; `None` with fewer than two columns or fewer than two shuffles per column.
pub fn top_column(shares: &[f64], drops: &[Vec<f64>]) -> Option<TopColumnVerdict> {
    if shares.len() != drops.len() || shares.len() < 2 {
        return None;
    }
    let means: Vec<f64> = drops
        .iter()
        .map(|d| mean_interval(d).map(|i| i.mean))
        .collect::<Option<_>>()?;
    let first = |v: &[f64], skip: Option<usize>| {
        (0..v.len())
            .filter(|&i| Some(i) != skip)
            .max_by(|&a, &b| v[a].total_cmp(&v[b]).then(b.cmp(&a)))
    };
    let attribution_top = first(shares, None)?;
    let permutation_top = first(&means, None)?;
    let agree = attribution_top == permutation_top;
    let compared_with = if agree {
        first(&means, Some(permutation_top))?
    } else {
        attribution_top
    };
    let difference = welch_interval(&drops[permutation_top], &drops[compared_with])?;
    let separated = difference.direction() == Direction::Higher;
    let finding = match (agree, separated) {
        (true, true) => TopColumn::Agree,
        (true, false) => TopColumn::AgreeNotSeparated,
        (false, true) => TopColumn::Disagree,
        (false, false) => TopColumn::DisagreeNotSeparated,
    };
    Some(TopColumnVerdict {
        attribution_top,
        permutation_top,
        top_drop: mean_interval(&drops[permutation_top])?,
        compared_with,
        difference,
        finding,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHARES: [f64; 3] = [0.6, 0.3, 0.1];

    #[test]
    fn a_clear_first_column_agrees() {
        let drops = vec![
            vec![0.30, 0.31, 0.29, 0.30, 0.32],
            vec![0.02, 0.01, 0.03, 0.02, 0.02],
            vec![0.0, 0.0, 0.01, 0.0, 0.0],
        ];
        let v = top_column(&SHARES, &drops).unwrap();
        assert_eq!(v.finding, TopColumn::Agree);
        assert_eq!(
            (v.attribution_top, v.permutation_top, v.compared_with),
            (0, 0, 1)
        );
        assert!((v.difference.mean - 0.284).abs() < 1e-9);
        assert!((v.top_drop.mean - 0.304).abs() < 1e-9);
    }

    #[test]
    fn a_first_column_within_the_noise_is_not_separated() {
        let drops = vec![
            vec![0.03, 0.00, 0.05, 0.01, 0.02],
            vec![0.02, 0.01, 0.03, 0.00, 0.01],
            vec![0.0, 0.0, 0.01, 0.0, 0.0],
        ];
        let v = top_column(&SHARES, &drops).unwrap();
        assert_eq!(v.finding, TopColumn::AgreeNotSeparated);
        assert_eq!(v.compared_with, 1);
    }

    #[test]
    fn another_first_column_disagrees_only_when_detected() {
        let mut drops = vec![
            vec![0.02, 0.01, 0.03, 0.02, 0.02],
            vec![0.30, 0.31, 0.29, 0.30, 0.32],
            vec![0.0, 0.0, 0.01, 0.0, 0.0],
        ];
        let v = top_column(&SHARES, &drops).unwrap();
        assert_eq!(v.finding, TopColumn::Disagree);
        assert_eq!((v.permutation_top, v.compared_with), (1, 0));
        drops[1] = vec![0.03, 0.00, 0.05, 0.01, 0.02];
        let v = top_column(&SHARES, &drops).unwrap();
        assert_eq!(v.finding, TopColumn::DisagreeNotSeparated);
    }

    #[test]
    fn too_few_shuffles_or_columns_give_no_verdict() {
        assert!(top_column(&SHARES, &[vec![0.1], vec![0.2], vec![0.3]]).is_none());
        assert!(top_column(&[1.0], &[vec![0.1, 0.2]]).is_none());
        assert!(top_column(&SHARES, &[vec![0.1, 0.2]]).is_none());
    }
}
