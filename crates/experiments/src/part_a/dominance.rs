//! The dominance check: a one-column rule per feature (quantile bins or levels, majority
//! class per group), fitted on the training split and scored on validation and test.

use data::Table;

use super::{Dominance, Kind, OneColumnRule, PartAConfig, counts, stats};

/// A column reduced to group indices for a one-column rule: `groups − 1` means missing.
struct Grouping {
    groups: usize,
    /// Group of each row of the table it was computed on.
    train: Vec<usize>,
    /// Group of each row of the test table.
    test: Vec<usize>,
}

/// Quantile-bin edges of the present values at `rows` (deduplicated: a spike of equal values
/// makes one bin rather than several empty ones).
fn bin_edges(values: &[f64], rows: &[usize], bins: usize) -> Vec<f64> {
    let mut v: Vec<f64> = rows
        .iter()
        .map(|&r| values[r])
        .filter(|x| !x.is_nan())
        .collect();
    if v.is_empty() {
        return Vec::new();
    }
    v.sort_unstable_by(f64::total_cmp);
    let mut edges: Vec<f64> = (1..bins)
        .map(|i| stats::quantile_sorted(&v, i as f64 / bins as f64))
        .collect();
    edges.dedup();
    edges
}

/// Bin of `x` given ascending edges: values equal to an edge fall in the lower bin; missing
/// values in the last group.
fn bin_of(x: f64, edges: &[f64]) -> usize {
    if x.is_nan() {
        edges.len() + 1
    } else {
        edges.partition_point(|&e| e < x)
    }
}

/// The majority baseline and every feature's one-column rule.
pub(super) fn dominance(
    train: &Table,
    test: &Table,
    train_rows: &[usize],
    validation_rows: &[usize],
    config: &PartAConfig,
) -> Dominance {
    let schema = &train.schema;
    let k = schema.n_classes;
    let class_of = |rows: &[usize]| {
        counts(
            &rows.iter().map(|&r| train.labels[r]).collect::<Vec<_>>(),
            k,
        )
    };
    let baseline_class = argmax(&class_of(train_rows));
    let baseline_accuracy = validation_rows
        .iter()
        .filter(|&&r| train.labels[r] as usize == baseline_class)
        .count() as f64
        / validation_rows.len() as f64;

    let mut groupings: Vec<(String, Kind, Grouping, bool)> = Vec::new();
    for (c, name) in schema.categorical.iter().enumerate() {
        // Test levels are mapped by name onto train's; a level train never saw is grouped
        // with missing values (the rule has nothing to say about it).
        let levels = &train.categorical[c].levels;
        let missing = levels.len();
        let to_train: Vec<usize> = test.categorical[c]
            .levels
            .iter()
            .map(|l| levels.iter().position(|t| t == l).unwrap_or(missing))
            .collect();
        let train_groups = train.categorical[c]
            .codes
            .iter()
            .map(|c| c.map_or(missing, |c| c as usize))
            .collect();
        let test_groups = test.categorical[c]
            .codes
            .iter()
            .map(|c| c.map_or(missing, |c| to_train[c as usize]))
            .collect();
        let g = Grouping {
            groups: levels.len() + 1,
            train: train_groups,
            test: test_groups,
        };
        let codes = &train.categorical[c].codes;
        let present = codes.iter().flatten().count();
        let identifier = identifies_rows(present, levels.len());
        groupings.push((name.clone(), Kind::Categorical, g, identifier));
    }
    for (c, name) in schema.numeric.iter().enumerate() {
        let edges = bin_edges(&train.numeric[c], train_rows, config.bins.max(1));
        let g = Grouping {
            groups: edges.len() + 2,
            train: train.numeric[c]
                .iter()
                .map(|&x| bin_of(x, &edges))
                .collect(),
            test: test.numeric[c].iter().map(|&x| bin_of(x, &edges)).collect(),
        };
        let identifier = integer_identifier(&train.numeric[c]);
        groupings.push((name.clone(), Kind::Numeric, g, identifier));
    }

    let rules: Vec<OneColumnRule> = groupings
        .into_iter()
        .map(|(column, kind, g, identifier)| {
            let mut fit = vec![vec![0usize; k]; g.groups];
            for &r in train_rows {
                fit[g.train[r]][train.labels[r] as usize] += 1;
            }
            let predict: Vec<usize> = fit
                .iter()
                .map(|c| {
                    if c.iter().sum::<usize>() == 0 {
                        baseline_class
                    } else {
                        argmax(c)
                    }
                })
                .collect();
            let mut validation = vec![vec![0usize; k]; g.groups];
            for &r in validation_rows {
                validation[g.train[r]][train.labels[r] as usize] += 1;
            }
            let hits: usize = validation.iter().zip(&predict).map(|(c, &p)| c[p]).sum();
            let validation_accuracy = hits as f64 / validation_rows.len() as f64;
            let error_reduction = if baseline_accuracy < 1.0 {
                (validation_accuracy - baseline_accuracy) / (1.0 - baseline_accuracy)
            } else {
                0.0
            };
            let test_hits = g
                .test
                .iter()
                .zip(&test.labels)
                .filter(|(g, y)| predict[**g] == **y as usize)
                .count();
            let test_accuracy =
                (test.n_rows() > 0).then(|| test_hits as f64 / test.n_rows() as f64);
            OneColumnRule {
                column,
                kind,
                groups: g.groups,
                validation_accuracy,
                error_reduction,
                uncertainty_coefficient: stats::uncertainty_coefficient(&validation),
                test_accuracy,
                dominant: error_reduction >= config.dominance_error_reduction,
                identifier,
            }
        })
        .collect();

    let (same_verdict_above, same_verdict_up_to) = verdict_range(&rules);
    Dominance {
        same_verdict_above,
        same_verdict_up_to,
        threshold: config.dominance_error_reduction,
        bins: config.bins,
        baseline_class,
        baseline_accuracy,
        rules,
    }
}

/// The thresholds that flag exactly the columns flagged now: above the largest error
/// reduction of an unflagged rule, up to the smallest of a flagged one (a rule is flagged
/// when its reduction reaches the threshold); `None` where nothing bounds the range.
pub fn verdict_range(rules: &[OneColumnRule]) -> (Option<f64>, Option<f64>) {
    let reductions = |flagged: bool| {
        rules
            .iter()
            .filter(move |r| r.dominant == flagged && r.error_reduction.is_finite())
            .map(|r| r.error_reduction)
    };
    (
        reductions(false).reduce(f64::max),
        reductions(true).reduce(f64::min),
    )
}

/// Fewest present values for a column of distinct values to count as an identifier: in a
/// handful of rows, distinct values are no sign of anything.
const MIN_IDENTIFIER_ROWS: usize = 20;

/// Whether `present` values with `distinct` distinct ones identify rows: each value once.
fn identifies_rows(present: usize, distinct: usize) -> bool {
    present >= MIN_IDENTIFIER_ROWS && distinct == present
}

/// Whether a numeric column holds a distinct whole number per row (a row counter or an
/// identifier code): measured values repeat or have fractions, identifiers do neither.
fn integer_identifier(values: &[f64]) -> bool {
    let mut present: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if present.iter().any(|x| x.fract() != 0.0) {
        return false;
    }
    present.sort_unstable_by(f64::total_cmp);
    let n = present.len();
    present.dedup();
    identifies_rows(n, present.len())
}

/// Index of the largest count (the lowest index on ties, so results are deterministic).
fn argmax(counts: &[usize]) -> usize {
    let mut best = 0;
    for (i, &c) in counts.iter().enumerate() {
        if c > counts[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(error_reduction: f64, threshold: f64) -> OneColumnRule {
        OneColumnRule {
            column: "c".into(),
            kind: Kind::Numeric,
            groups: 2,
            validation_accuracy: 0.5,
            error_reduction,
            uncertainty_coefficient: None,
            test_accuracy: None,
            dominant: error_reduction >= threshold,
            identifier: false,
        }
    }

    #[test]
    fn identifiers_are_distinct_whole_numbers_or_levels_per_row() {
        let counter: Vec<f64> = (0..50).map(f64::from).collect();
        assert!(integer_identifier(&counter));
        let mut codes: Vec<f64> = (0..50).map(|i| f64::from(i * 7919 % 10007)).collect();
        codes[3] = f64::NAN;
        assert!(integer_identifier(&codes));
        // Measurements repeat or have fractions.
        let repeats: Vec<f64> = (0..50).map(|i| f64::from(i % 10)).collect();
        assert!(!integer_identifier(&repeats));
        let fractions: Vec<f64> = (0..50).map(|i| f64::from(i) + 0.5).collect();
        assert!(!integer_identifier(&fractions));
        // Too few rows to tell.
        assert!(!integer_identifier(&counter[..10]));
        assert!(identifies_rows(30, 30) && !identifies_rows(30, 29));
    }

    #[test]
    fn the_verdict_holds_between_the_nearest_unflagged_and_flagged_reductions() {
        let rules = [
            rule(0.05, 0.3),
            rule(0.62, 0.3),
            rule(0.18, 0.3),
            rule(0.45, 0.3),
        ];
        assert_eq!(verdict_range(&rules), (Some(0.18), Some(0.45)));
        // Nothing flagged: any threshold above the largest reduction gives the same verdict.
        let rules = [rule(0.05, 0.7), rule(0.62, 0.7)];
        assert_eq!(verdict_range(&rules), (Some(0.62), None));
        assert_eq!(verdict_range(&[rule(0.5, 0.1)]), (None, Some(0.5)));
    }
}
