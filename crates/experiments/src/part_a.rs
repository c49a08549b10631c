//! Part A: exploratory statistics of the train and test tables, and the two checks that expose
//! the data's trap.
//!
//! Nothing here knows what a column means: every statistic iterates over
//! `schema.categorical` and `schema.numeric`, so the same code reports on any table with any
//! schema. The two checks:
//! - **dominance**: for every feature, a one-column rule (numeric: quantile bins fitted on the
//!   training split, majority class per bin; categorical: majority class per level; missing
//!   is a bin of its own) is scored on the validation split. A column whose rule alone removes
//!   a large share of the majority baseline's errors is flagged as a likely shortcut or leak
//!   (threshold and rationale: [`PartAConfig::dominance_error_reduction`]);
//! - **shift**: train against test, per column, the marginal (two-sample Kolmogorov–Smirnov
//!   for numeric columns, total variation distance of the shares for categorical ones) and,
//!   above all, the column's relation to the label (Pearson for numeric columns, the
//!   correlation ratio η for categorical ones) in each table. A leak that holds in train but
//!   not in test shows as a large change of the latter even when the marginal is unchanged.

pub mod stats;

use data::Table;
use serde::{Deserialize, Serialize};
use stats::Summary;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Thresholds of the two checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartAConfig {
    /// Quantile bins per numeric column in the one-column rules (missing values get one more).
    pub bins: usize,
    /// A feature is *dominant* when its one-column rule removes at least this share of the
    /// majority baseline's validation errors: `(acc − acc₀) / (1 − acc₀) ≥ threshold`.
    ///
    /// Default 0.30. Rationale, from measurements on the real data (stratified 20 %
    /// validation split, seed 42; majority baseline 0.563): the honest columns reduce the
    /// baseline's errors by at most 0.8 % each (room type, the strongest, 0.567 accuracy; the
    /// others never move a bin off the majority class), and even a gradient-boosted model on
    /// *all five* non-leaking columns together reaches only ≈ 0.63 on validation and test, a
    /// reduction of ≈ 15 %. `amenity_score` alone reaches 0.811 on validation, a reduction of
    /// 57 %, and 0.305 on test. A single column doing several times what all honest columns
    /// achieve together is not believable signal; 0.30 is about the geometric mean of 0.15
    /// and 0.57, so moderate genuine predictors pass and a shortcut does not. On synthetic
    /// data (20,000 rows) the leak scores 0.60 as `amenity_score` and 0.40 as
    /// `availability_365` (whose spike at 0 blurs the lowest classes); honest columns ≤ 0.02.
    pub dominance_error_reduction: f64,
    /// A numeric column's marginal counts as shifted when the KS statistic is at least this
    /// (an effect size: with tens of thousands of rows tiny differences are "significant")…
    pub shift_ks: f64,
    /// …and its asymptotic p-value is below this.
    pub shift_alpha: f64,
    /// A categorical column's shares count as shifted when their total variation distance is
    /// at least this.
    pub shift_tvd: f64,
    /// A column's relation to the label counts as shifted when its label correlation (Pearson
    /// or η) changes by at least this between train and test. Honest columns of the real data
    /// change by ≤ 0.03 (synthetic: ≤ 0.06); the broken shortcut by −0.88.
    pub shift_label_corr: f64,
}

impl Default for PartAConfig {
    fn default() -> Self {
        PartAConfig {
            bins: 10,
            dominance_error_reduction: 0.30,
            shift_ks: 0.10,
            shift_alpha: 0.001,
            shift_tvd: 0.05,
            shift_label_corr: 0.20,
        }
    }
}

/// Row counts of the two tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Rows {
    /// Rows of the train table.
    pub train: usize,
    /// Rows of the test table.
    pub test: usize,
    /// Rows of train in the training split (fits the one-column rules).
    pub training_split: usize,
    /// Rows of train in the validation split (scores them).
    pub validation_split: usize,
}

/// The kind of a feature column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Dictionary-encoded levels.
    Categorical,
    /// Real numbers.
    Numeric,
}

/// One feature column and its kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Feature {
    /// Column name.
    pub name: String,
    /// Its kind.
    pub kind: Kind,
}

/// A categorical column against the class (train).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CategoryTable {
    /// The column's levels, sorted.
    pub levels: Vec<String>,
    /// `counts[level][class]`.
    pub counts: Vec<Vec<usize>>,
    /// Rows per class where the column is missing.
    pub missing: Vec<usize>,
}

/// One feature's one-column rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OneColumnRule {
    /// Column name.
    pub column: String,
    /// Its kind.
    pub kind: Kind,
    /// Groups the rule distinguishes (bins or levels, plus one for missing values).
    pub groups: usize,
    /// Accuracy on the validation split.
    pub validation_accuracy: f64,
    /// Share of the majority baseline's validation errors the rule removes (the dominance
    /// measure; negative when the rule is worse than the baseline).
    pub error_reduction: f64,
    /// Uncertainty coefficient `I(column; label) / H(label)` on the validation split, with the
    /// rule's groups: how much of the label's entropy the column explains (context, not
    /// thresholded).
    pub uncertainty_coefficient: Option<f64>,
    /// Accuracy of the same rule (fitted on the training split) on the test table: a dominant
    /// column that is a real signal keeps it, a shortcut loses it.
    pub test_accuracy: Option<f64>,
    /// Whether `error_reduction` reaches the threshold.
    pub dominant: bool,
}

/// The dominance check: which single column predicts the label suspiciously well.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Dominance {
    /// What is measured, in words (quoted by the report).
    pub measure: String,
    /// The threshold on `error_reduction`.
    pub threshold: f64,
    /// Quantile bins per numeric column.
    pub bins: usize,
    /// The majority class of the training split.
    pub baseline_class: usize,
    /// The majority baseline's validation accuracy.
    pub baseline_accuracy: f64,
    /// Every feature's rule, in schema order (categorical, then numeric).
    pub rules: Vec<OneColumnRule>,
}

/// Train-versus-test shift of one numeric column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NumericShift {
    /// Two-sample Kolmogorov–Smirnov statistic of the present values.
    pub ks: Option<f64>,
    /// Its asymptotic p-value.
    pub ks_p_value: Option<f64>,
    /// Mean in train.
    pub mean_train: Option<f64>,
    /// Mean in test.
    pub mean_test: Option<f64>,
    /// Pearson correlation with the label in train.
    pub label_corr_train: Option<f64>,
    /// Pearson correlation with the label in test.
    pub label_corr_test: Option<f64>,
    /// `label_corr_test − label_corr_train`.
    pub label_corr_change: Option<f64>,
    /// Spearman correlation with the label in train.
    pub label_spearman_train: Option<f64>,
    /// Spearman correlation with the label in test.
    pub label_spearman_test: Option<f64>,
    /// KS statistic and p-value both past their thresholds.
    pub marginal_shift: bool,
    /// |change of label correlation| past its threshold.
    pub label_relation_shift: bool,
}

/// Train-versus-test shift of one categorical column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CategoricalShift {
    /// Share of each level among the present values in train.
    pub shares_train: BTreeMap<String, f64>,
    /// Share of each level among the present values in test.
    pub shares_test: BTreeMap<String, f64>,
    /// Total variation distance between the two.
    pub tvd: f64,
    /// Correlation ratio η of the label on the column in train (comparable with |Pearson|).
    pub label_corr_train: Option<f64>,
    /// The same in test.
    pub label_corr_test: Option<f64>,
    /// `label_corr_test − label_corr_train`.
    pub label_corr_change: Option<f64>,
    /// Cramér's V of column × class in train.
    pub cramers_v_train: Option<f64>,
    /// The same in test.
    pub cramers_v_test: Option<f64>,
    /// `tvd` past its threshold.
    pub marginal_shift: bool,
    /// |change of η| past its threshold.
    pub label_relation_shift: bool,
}

/// Thresholds of the shift check, kept in the record so the report can quote them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ShiftThresholds {
    /// Minimum KS statistic of a marginal shift.
    pub ks: f64,
    /// Maximum KS p-value of a marginal shift.
    pub alpha: f64,
    /// Minimum total variation distance of a categorical shift.
    pub tvd: f64,
    /// Minimum |change| of a label correlation.
    pub label_corr_change: f64,
}

/// Part A's record (saved as `eda.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartA {
    /// Row counts.
    pub rows: Rows,
    /// Feature columns and their kinds, in schema order.
    pub features: Vec<Feature>,
    /// The label column.
    pub label: String,
    /// Number of classes.
    pub n_classes: usize,
    /// Missing values per feature column in train.
    pub missing: BTreeMap<String, usize>,
    /// Missing values per feature column in test.
    pub missing_test: BTreeMap<String, usize>,
    /// Rows per class in train.
    pub class_counts: Vec<usize>,
    /// Share of each class in train.
    pub class_shares: Vec<f64>,
    /// Rows per class in test.
    pub class_counts_test: Vec<usize>,
    /// Share of each class in test.
    pub class_shares_test: Vec<f64>,
    /// Largest over smallest class count in train (`None` if a class is absent).
    pub imbalance_ratio: Option<f64>,
    /// Per numeric column, its summary in train (`None`: all missing).
    pub numeric_summary: BTreeMap<String, Option<Summary>>,
    /// Per numeric column, its summary in test.
    pub numeric_summary_test: BTreeMap<String, Option<Summary>>,
    /// Per numeric column, per class, its summary in train.
    pub numeric_by_class: BTreeMap<String, Vec<Option<Summary>>>,
    /// Per categorical column, level × class counts in train.
    pub category_by_class: BTreeMap<String, CategoryTable>,
    /// Pearson correlations among the numeric columns and the label (as a number) in train,
    /// pairwise complete; `None` where undefined.
    pub correlation: BTreeMap<String, BTreeMap<String, Option<f64>>>,
    /// Spearman correlations (average ranks for ties), train.
    pub spearman: BTreeMap<String, BTreeMap<String, Option<f64>>>,
    /// Pearson correlations in test.
    pub correlation_test: BTreeMap<String, BTreeMap<String, Option<f64>>>,
    /// Spearman correlations in test.
    pub spearman_test: BTreeMap<String, BTreeMap<String, Option<f64>>>,
    /// The dominance check in full.
    pub dominance: Dominance,
    /// Columns the dominance check flags.
    pub dominant_features: Vec<String>,
    /// Shift of each numeric column.
    pub shift: BTreeMap<String, NumericShift>,
    /// Shift of each categorical column.
    pub shift_categorical: BTreeMap<String, CategoricalShift>,
    /// The shift check's thresholds.
    pub shift_thresholds: ShiftThresholds,
    /// Columns whose relation to the label changes between train and test.
    pub label_relation_shifted: Vec<String>,
    /// Columns whose marginal distribution changes between train and test.
    pub marginal_shifted: Vec<String>,
}

/// Computes Part A. `train_rows` and `validation_rows` split the rows of `train`: the
/// one-column rules are fitted on the first and scored on the second.
///
/// # Panics
/// If the two tables' schemas differ, a split is empty, or a row index is out of range.
pub fn analyse(
    train: &Table,
    test: &Table,
    train_rows: &[usize],
    validation_rows: &[usize],
    config: &PartAConfig,
) -> PartA {
    let schema = &train.schema;
    assert_eq!(schema, &test.schema, "train and test schemas differ");
    assert!(
        !train_rows.is_empty() && !validation_rows.is_empty(),
        "both splits need rows"
    );
    let n_rows = train.n_rows();
    assert!(
        train_rows
            .iter()
            .chain(validation_rows)
            .all(|&r| r < n_rows),
        "split row index out of range"
    );
    let k = schema.n_classes;

    let features: Vec<Feature> = schema
        .categorical
        .iter()
        .map(|c| (c, Kind::Categorical))
        .chain(schema.numeric.iter().map(|c| (c, Kind::Numeric)))
        .map(|(name, kind)| Feature {
            name: name.clone(),
            kind,
        })
        .collect();

    let missing_of = |t: &Table| -> BTreeMap<String, usize> {
        let cat = schema
            .categorical
            .iter()
            .zip(&t.categorical)
            .map(|(n, c)| (n.clone(), c.codes.iter().filter(|c| c.is_none()).count()));
        let num = schema
            .numeric
            .iter()
            .zip(&t.numeric)
            .map(|(n, c)| (n.clone(), c.iter().filter(|v| v.is_nan()).count()));
        cat.chain(num).collect()
    };

    let class_counts = counts(&train.labels, k);
    let class_counts_test = counts(&test.labels, k);
    let largest = class_counts.iter().max().copied().unwrap_or(0);
    let smallest = class_counts.iter().min().copied().unwrap_or(0);
    let imbalance_ratio = (smallest > 0).then(|| largest as f64 / smallest as f64);

    let summaries = |t: &Table| -> BTreeMap<String, Option<Summary>> {
        schema
            .numeric
            .iter()
            .zip(&t.numeric)
            .map(|(n, c)| (n.clone(), stats::summary(c.iter().copied())))
            .collect()
    };
    let numeric_by_class = schema
        .numeric
        .iter()
        .zip(&train.numeric)
        .map(|(n, c)| {
            let per_class = (0..k)
                .map(|class| {
                    stats::summary(
                        c.iter()
                            .zip(&train.labels)
                            .filter(|(_, y)| **y as usize == class)
                            .map(|(v, _)| *v),
                    )
                })
                .collect();
            (n.clone(), per_class)
        })
        .collect();
    let category_by_class = schema
        .categorical
        .iter()
        .zip(&train.categorical)
        .map(|(n, c)| {
            let mut table = vec![vec![0; k]; c.levels.len()];
            let mut missing = vec![0; k];
            for (code, &y) in c.codes.iter().zip(&train.labels) {
                match code {
                    Some(code) => table[*code as usize][y as usize] += 1,
                    None => missing[y as usize] += 1,
                }
            }
            let t = CategoryTable {
                levels: c.levels.clone(),
                counts: table,
                missing,
            };
            (n.clone(), t)
        })
        .collect();

    let dominance = dominance(train, test, train_rows, validation_rows, config);
    let dominant_features = dominance
        .rules
        .iter()
        .filter(|r| r.dominant)
        .map(|r| r.column.clone())
        .collect();

    let shift = numeric_shift(train, test, config);
    let shift_categorical = categorical_shift(train, test, config);
    let flagged = |pick: fn(bool, bool) -> bool| -> Vec<String> {
        let cat = shift_categorical
            .iter()
            .filter(|(_, s)| pick(s.marginal_shift, s.label_relation_shift));
        let cat_names: Vec<&String> = cat.map(|(n, _)| n).collect();
        features
            .iter()
            .filter(|f| match f.kind {
                Kind::Categorical => cat_names.contains(&&f.name),
                Kind::Numeric => shift
                    .get(&f.name)
                    .is_some_and(|s| pick(s.marginal_shift, s.label_relation_shift)),
            })
            .map(|f| f.name.clone())
            .collect()
    };
    let label_relation_shifted = flagged(|_, relation| relation);
    let marginal_shifted = flagged(|marginal, _| marginal);

    PartA {
        rows: Rows {
            train: train.n_rows(),
            test: test.n_rows(),
            training_split: train_rows.len(),
            validation_split: validation_rows.len(),
        },
        features,
        label: schema.label.clone(),
        n_classes: k,
        missing: missing_of(train),
        missing_test: missing_of(test),
        class_shares: shares(&class_counts),
        class_counts,
        class_shares_test: shares(&class_counts_test),
        class_counts_test,
        imbalance_ratio,
        numeric_summary: summaries(train),
        numeric_summary_test: summaries(test),
        numeric_by_class,
        category_by_class,
        correlation: correlations(train, stats::pearson),
        spearman: correlations(train, stats::spearman),
        correlation_test: correlations(test, stats::pearson),
        spearman_test: correlations(test, stats::spearman),
        dominance,
        dominant_features,
        shift,
        shift_categorical,
        shift_thresholds: ShiftThresholds {
            ks: config.shift_ks,
            alpha: config.shift_alpha,
            tvd: config.shift_tvd,
            label_corr_change: config.shift_label_corr,
        },
        label_relation_shifted,
        marginal_shifted,
    }
}

/// Rows per class.
fn counts(labels: &[u8], k: usize) -> Vec<usize> {
    let mut c = vec![0; k];
    for &y in labels {
        c[y as usize] += 1;
    }
    c
}

/// Counts as shares of their total (zeros when the total is zero).
fn shares(counts: &[usize]) -> Vec<f64> {
    let n = counts.iter().sum::<usize>().max(1) as f64;
    counts.iter().map(|&c| c as f64 / n).collect()
}

/// The label as a number, so that it can sit in a correlation matrix beside the columns
/// (its classes are ordered).
fn label_values(t: &Table) -> Vec<f64> {
    t.labels.iter().map(|&y| f64::from(y)).collect()
}

/// A correlation matrix over the numeric columns and the label.
fn correlations(
    t: &Table,
    corr: fn(&[f64], &[f64]) -> Option<f64>,
) -> BTreeMap<String, BTreeMap<String, Option<f64>>> {
    let label = label_values(t);
    let columns: Vec<(&String, &[f64])> = t
        .schema
        .numeric
        .iter()
        .zip(&t.numeric)
        .map(|(n, c)| (n, c.as_slice()))
        .chain(std::iter::once((&t.schema.label, label.as_slice())))
        .collect();
    let mut matrix: BTreeMap<String, BTreeMap<String, Option<f64>>> = BTreeMap::new();
    for (i, (a, x)) in columns.iter().enumerate() {
        for (b, y) in &columns[i..] {
            let r = if a == b { Some(1.0) } else { corr(x, y) };
            matrix
                .entry((*a).clone())
                .or_default()
                .insert((*b).clone(), r);
            matrix
                .entry((*b).clone())
                .or_default()
                .insert((*a).clone(), r);
        }
    }
    matrix
}

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
fn dominance(
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

    let mut groupings: Vec<(String, Kind, Grouping)> = Vec::new();
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
        groupings.push((name.clone(), Kind::Categorical, g));
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
        groupings.push((name.clone(), Kind::Numeric, g));
    }

    let rules = groupings
        .into_iter()
        .map(|(column, kind, g)| {
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
            }
        })
        .collect();

    Dominance {
        measure: format!(
            "share of the majority baseline's validation errors removed by the best \
             one-column rule (numeric: {} quantile bins fitted on the training split, \
             categorical: one group per level; missing values a group of their own; \
             majority class per group)",
            config.bins
        ),
        threshold: config.dominance_error_reduction,
        bins: config.bins,
        baseline_class,
        baseline_accuracy,
        rules,
    }
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

/// `b − a` when both are defined.
fn change(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(b? - a?)
}

/// KS and label correlations of every numeric column.
fn numeric_shift(
    train: &Table,
    test: &Table,
    config: &PartAConfig,
) -> BTreeMap<String, NumericShift> {
    let (y_train, y_test) = (label_values(train), label_values(test));
    let mean = |x: &[f64]| stats::summary(x.iter().copied()).map(|s| s.mean);
    train
        .schema
        .numeric
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let (a, b) = (&train.numeric[c], &test.numeric[c]);
            let ks = stats::ks_two_sample(a, b);
            let label_corr_train = stats::pearson(a, &y_train);
            let label_corr_test = stats::pearson(b, &y_test);
            let label_corr_change = change(label_corr_train, label_corr_test);
            let s = NumericShift {
                ks: ks.map(|k| k.0),
                ks_p_value: ks.map(|k| k.1),
                mean_train: mean(a),
                mean_test: mean(b),
                label_corr_train,
                label_corr_test,
                label_corr_change,
                label_spearman_train: stats::spearman(a, &y_train),
                label_spearman_test: stats::spearman(b, &y_test),
                marginal_shift: ks
                    .is_some_and(|(d, p)| d >= config.shift_ks && p < config.shift_alpha),
                label_relation_shift: label_corr_change
                    .is_some_and(|d| d.abs() >= config.shift_label_corr),
            };
            (name.clone(), s)
        })
        .collect()
}

/// Share changes and label association of every categorical column.
fn categorical_shift(
    train: &Table,
    test: &Table,
    config: &PartAConfig,
) -> BTreeMap<String, CategoricalShift> {
    let k = train.schema.n_classes;
    let (y_train, y_test) = (label_values(train), label_values(test));
    let level_shares = |c: &data::Categorical| -> BTreeMap<String, f64> {
        let mut n = vec![0usize; c.levels.len()];
        for code in c.codes.iter().flatten() {
            n[*code as usize] += 1;
        }
        c.levels.iter().cloned().zip(shares(&n)).collect()
    };
    let contingency = |c: &data::Categorical, labels: &[u8]| {
        let mut t = vec![vec![0usize; k]; c.levels.len()];
        for (code, &y) in c.codes.iter().zip(labels) {
            if let Some(code) = code {
                t[*code as usize][y as usize] += 1;
            }
        }
        t
    };
    train
        .schema
        .categorical
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let (a, b) = (&train.categorical[c], &test.categorical[c]);
            let (mut shares_train, mut shares_test) = (level_shares(a), level_shares(b));
            // The union of levels on both sides, a level absent from one side at share 0.
            for l in a.levels.iter().chain(&b.levels) {
                shares_train.entry(l.clone()).or_insert(0.0);
                shares_test.entry(l.clone()).or_insert(0.0);
            }
            let p: Vec<f64> = shares_train.values().copied().collect();
            let q: Vec<f64> = shares_test.values().copied().collect();
            let tvd = stats::total_variation(&p, &q);
            let label_corr_train = stats::correlation_ratio(&a.codes, &y_train);
            let label_corr_test = stats::correlation_ratio(&b.codes, &y_test);
            let label_corr_change = change(label_corr_train, label_corr_test);
            let s = CategoricalShift {
                shares_train,
                shares_test,
                tvd,
                label_corr_train,
                label_corr_test,
                label_corr_change,
                cramers_v_train: stats::cramers_v(&contingency(a, &train.labels)),
                cramers_v_test: stats::cramers_v(&contingency(b, &test.labels)),
                marginal_shift: tvd >= config.shift_tvd,
                label_relation_shift: label_corr_change
                    .is_some_and(|d| d.abs() >= config.shift_label_corr),
            };
            (name.clone(), s)
        })
        .collect()
}

/// A number with three decimals, or `—` when undefined.
fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), |x| format!("{x:.3}"))
}

/// A readable multi-line summary of Part A for the terminal.
pub fn summary_text(a: &PartA) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "rows: train {} (training split {}, validation split {}), test {}",
        a.rows.train, a.rows.training_split, a.rows.validation_split, a.rows.test
    );
    let features: Vec<String> = a
        .features
        .iter()
        .map(|f| {
            let kind = match f.kind {
                Kind::Categorical => "categorical",
                Kind::Numeric => "numeric",
            };
            format!("{} ({kind})", f.name)
        })
        .collect();
    let _ = writeln!(s, "features: {}; label: {}", features.join(", "), a.label);
    let _ = writeln!(s, "missing (train / test):");
    for f in &a.features {
        let _ = writeln!(
            s,
            "  {:<24} {:>7} / {}",
            f.name,
            a.missing.get(&f.name).copied().unwrap_or(0),
            a.missing_test.get(&f.name).copied().unwrap_or(0)
        );
    }
    let classes: Vec<String> = a
        .class_counts
        .iter()
        .zip(&a.class_shares)
        .enumerate()
        .map(|(k, (n, p))| format!("{k}: {n} ({:.1} %)", 100.0 * p))
        .collect();
    let _ = writeln!(
        s,
        "classes (train): {}; imbalance ratio {}",
        classes.join(", "),
        a.imbalance_ratio
            .map_or_else(|| "undefined".to_string(), |r| format!("{r:.2}"))
    );
    let d = &a.dominance;
    let _ = writeln!(
        s,
        "dominance: flag when error reduction ≥ {:.2} ({}); majority baseline (class {}) \
         validation accuracy {:.3}",
        d.threshold, d.measure, d.baseline_class, d.baseline_accuracy
    );
    let _ = writeln!(
        s,
        "  {:<24} {:>8} {:>10} {:>8} {:>8}",
        "column", "val acc", "err. red.", "U(Y|X)", "test acc"
    );
    for r in &d.rules {
        let _ = writeln!(
            s,
            "  {:<24} {:>8.3} {:>10.3} {:>8} {:>8}{}",
            r.column,
            r.validation_accuracy,
            r.error_reduction,
            num(r.uncertainty_coefficient),
            num(r.test_accuracy),
            if r.dominant { "  DOMINANT" } else { "" }
        );
    }
    let _ = writeln!(
        s,
        "dominant features: {}",
        if a.dominant_features.is_empty() {
            "none".to_string()
        } else {
            a.dominant_features.join(", ")
        }
    );
    let t = &a.shift_thresholds;
    let _ = writeln!(
        s,
        "shift train → test (marginal: KS ≥ {} with p < {}, or TVD ≥ {}; label relation: \
         |Δ corr| ≥ {}):",
        t.ks, t.alpha, t.tvd, t.label_corr_change
    );
    let _ = writeln!(
        s,
        "  {:<24} {:>14} {:>10} {:>10} {:>8}",
        "column", "marginal", "corr train", "corr test", "change"
    );
    for f in &a.features {
        let (marginal, train, test, delta, flag) = match f.kind {
            Kind::Numeric => {
                let Some(x) = a.shift.get(&f.name) else {
                    continue;
                };
                (
                    format!("KS {}", num(x.ks)),
                    x.label_corr_train,
                    x.label_corr_test,
                    x.label_corr_change,
                    (x.marginal_shift, x.label_relation_shift),
                )
            }
            Kind::Categorical => {
                let Some(x) = a.shift_categorical.get(&f.name) else {
                    continue;
                };
                (
                    format!("TVD {:.3}", x.tvd),
                    x.label_corr_train,
                    x.label_corr_test,
                    x.label_corr_change,
                    (x.marginal_shift, x.label_relation_shift),
                )
            }
        };
        let mut flags = Vec::new();
        if flag.0 {
            flags.push("marginal shifted");
        }
        if flag.1 {
            flags.push("LABEL RELATION SHIFTED");
        }
        let _ = writeln!(
            s,
            "  {:<24} {:>14} {:>10} {:>10} {:>8}  {}",
            f.name,
            marginal,
            num(train),
            num(test),
            num(delta),
            flags.join(", ")
        );
    }
    let _ = writeln!(
        s,
        "  (label correlation: Pearson for numeric columns, correlation ratio η for categorical)"
    );
    s
}
