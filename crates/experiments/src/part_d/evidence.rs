//! The evidence per column: Part A's shift check joined with Part C's attribution, the
//! confusion matrices and the root-cause column's distribution per class.

use serde::{Deserialize, Serialize};

use super::{PartDConfig, RelationMeasure};
use crate::PartA;
use crate::evidence::ColumnRelation;
use crate::part_a::stats;
use crate::part_c::PartC;
use crate::verdicts::{ColumnChange, Dominance, column_change};

/// One column's label relation in train and in test, from Part A's shift check (undefined
/// relations stay `NaN`, written as `null`, never 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ColumnShift {
    /// Original column name.
    pub column: String,
    /// Strength of the column's relation to the label in train, in [0, 1], in the measure
    /// `measure` names (Part A's, chosen by column kind and whether the classes are
    /// ordered).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub relation_train: f64,
    /// The same in test.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub relation_test: f64,
    /// How much the column's own distribution moved (KS statistic or total variation).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub distribution_shift: f64,
    /// Whether Part A's dominance check flags the column (one column predicting the label
    /// far better than the rest).
    #[serde(default)]
    pub dominant: bool,
    /// Whether Part A finds the column identifies rows (written only when true).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub identifier: bool,
    /// Which measure `relation_train` and `relation_test` are (they differ by column kind
    /// and are not like for like across kinds).
    #[serde(default)]
    pub measure: RelationMeasure,
    /// Whether Part A's shift check finds the column's own distribution moved (KS statistic
    /// or total variation past its thresholds).
    #[serde(default)]
    pub distribution_moved: bool,
}

/// Everything known about one column, side by side: Part A's shift check (flattened into
/// the same JSON object) and Part C's attribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ColumnEvidence {
    /// The column, its label relation in train and test and its distribution shift.
    #[serde(flatten)]
    pub shift: ColumnShift,
    /// Share of the model's gradient attribution (Part C).
    pub attribution_share: f64,
    /// Drop in validation accuracy when the column is shuffled (Part C).
    pub permutation_drop: f64,
    /// Rank by attribution share, 1 = the column the model's gradients point at most.
    pub attribution_rank: usize,
    /// Rank by permutation importance, 1 = the costliest column to shuffle.
    pub permutation_rank: usize,
    /// Whether the label relation breaks between train and test.
    pub relation_breaks: bool,
    /// How the column changes between train and test: a distribution shift (its relation
    /// holds), a relation that weakens or breaks, or neither.
    pub change: ColumnChange,
    /// For a dominant column: a strong feature (its relation holds on test) or a shortcut
    /// (it breaks); `None` for a column the dominance check does not flag.
    #[serde(default)]
    pub dominance: Option<Dominance>,
}

/// The evidence per column the diagnosis is read beside (the verdict itself is
/// `PartDVerdicts::root_cause`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RootCause {
    /// Per column, highest attribution first.
    pub evidence: Vec<ColumnEvidence>,
    /// Dominant columns whose label relation holds on test: strong, honest features (a
    /// finding, not a cause), in evidence order.
    #[serde(default)]
    pub strong_features: Vec<String>,
    /// Dominant columns whose label relation breaks on test: shortcuts, in evidence order.
    /// A shortcut is named as the root cause only when its replay reproduces the collapse.
    #[serde(default)]
    pub shortcuts: Vec<String>,
    /// Dominant columns that identify rows: identifier leaks, never honest features, in
    /// evidence order (written only when there is one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier_leaks: Vec<String>,
}

impl RootCause {
    /// What the root-cause rule reads of every column.
    pub fn relations(&self) -> Vec<ColumnRelation<'_>> {
        self.evidence
            .iter()
            .map(|e| ColumnRelation {
                column: &e.shift.column,
                train: e.shift.relation_train,
                test: e.shift.relation_test,
                attribution_share: e.attribution_share,
                distribution_moved: e.shift.distribution_moved,
            })
            .collect()
    }
}

/// Confusion matrix and per-class scores on one set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Confusion {
    /// `matrix[true][predicted]` counts.
    pub matrix: Vec<Vec<u64>>,
    /// Per class: correct / predicted as that class (NaN when never predicted).
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub precision: Vec<f64>,
    /// Per class: correct / truly that class.
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub recall: Vec<f64>,
    /// Per class: rows truly of that class.
    pub support: Vec<u64>,
}

/// The root-cause column's distribution per class, in train beside test: where the
/// classes separate in train and overlap in test, the shortcut is visible at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ColumnDistribution {
    /// Original column name.
    pub column: String,
    /// Bin labels: levels of a categorical column, or `lo–hi` ranges of a numeric one.
    pub bins: Vec<String>,
    /// Bin edges of a numeric column (`bins.len() + 1` values); empty for a categorical one.
    pub edges: Vec<f64>,
    /// `train[class][bin]`: share of that class's training rows in the bin (sums to 1).
    pub train: Vec<Vec<f64>>,
    /// The same in test.
    pub test: Vec<Vec<f64>>,
}

/// Number of equal-width bins of a numeric column's distribution.
const DISTRIBUTION_BINS: usize = 20;

/// Per-class shares of `column` in `train` and `test`, binned alike for both.
pub fn column_distribution(
    train: &data::Table,
    test: &data::Table,
    column: &str,
) -> Option<ColumnDistribution> {
    let k = train.schema.n_classes;
    let normalise = |counts: Vec<Vec<f64>>| -> Vec<Vec<f64>> {
        counts
            .into_iter()
            .map(|row| {
                let total: f64 = row.iter().sum();
                row.iter()
                    .map(|c| if total > 0.0 { c / total } else { 0.0 })
                    .collect()
            })
            .collect()
    };
    if let Some(c) = train.schema.categorical.iter().position(|n| n == column) {
        let levels = train.categorical[c].levels.clone();
        let count = |t: &data::Table| {
            let mut counts = vec![vec![0.0; levels.len()]; k];
            let col = &t.categorical[c];
            for (code, &label) in col.codes.iter().zip(&t.labels) {
                if let Some(bin) = code
                    .and_then(|code| levels.iter().position(|l| *l == col.levels[code as usize]))
                {
                    counts[label as usize][bin] += 1.0;
                }
            }
            normalise(counts)
        };
        return Some(ColumnDistribution {
            column: column.to_string(),
            train: count(train),
            test: count(test),
            bins: levels.clone(),
            edges: Vec::new(),
        });
    }
    let c = train.schema.numeric.iter().position(|n| n == column)?;
    let values = train.numeric[c]
        .iter()
        .chain(&test.numeric[c])
        .filter(|v| !v.is_nan());
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
        (lo.min(v), hi.max(v))
    });
    if !(lo.is_finite() && hi.is_finite()) {
        return None;
    }
    let width = if hi > lo {
        (hi - lo) / DISTRIBUTION_BINS as f64
    } else {
        1.0
    };
    let edges: Vec<f64> = (0..=DISTRIBUTION_BINS)
        .map(|i| lo + width * i as f64)
        .collect();
    let count = |t: &data::Table| {
        let mut counts = vec![vec![0.0; DISTRIBUTION_BINS]; k];
        for (&v, &label) in t.numeric[c].iter().zip(&t.labels) {
            if !v.is_nan() {
                let bin = (((v - lo) / width) as usize).min(DISTRIBUTION_BINS - 1);
                counts[label as usize][bin] += 1.0;
            }
        }
        normalise(counts)
    };
    Some(ColumnDistribution {
        column: column.to_string(),
        bins: edges
            .windows(2)
            .map(|w| format!("{:.3}–{:.3}", w[0], w[1]))
            .collect(),
        edges,
        train: count(train),
        test: count(test),
    })
}

/// Confusion matrix of `predicted` against `truth`.
pub fn confusion(predicted: &[usize], truth: &[usize], n_classes: usize) -> Confusion {
    let mut matrix = vec![vec![0u64; n_classes]; n_classes];
    for (&p, &t) in predicted.iter().zip(truth) {
        matrix[t][p] += 1;
    }
    let support: Vec<u64> = matrix.iter().map(|r| r.iter().sum()).collect();
    let predicted_count: Vec<u64> = (0..n_classes)
        .map(|c| matrix.iter().map(|r| r[c]).sum())
        .collect();
    let ratio = |a: u64, b: u64| {
        if b == 0 {
            f64::NAN
        } else {
            a as f64 / b as f64
        }
    };
    Confusion {
        precision: (0..n_classes)
            .map(|c| ratio(matrix[c][c], predicted_count[c]))
            .collect(),
        recall: (0..n_classes)
            .map(|c| ratio(matrix[c][c], support[c]))
            .collect(),
        support,
        matrix,
    }
}

/// Class shares of `y`, with Part A's helpers.
pub(super) fn shares(y: &[usize], n_classes: usize) -> Vec<f64> {
    stats::shares(&stats::class_counts(y.iter().copied(), n_classes))
}

/// The evidence per column: Part A's shift check beside Part C's attribution, each
/// column's change between train and test, and the dominant columns sorted into strong
/// features and shortcuts.
pub fn column_evidence(part_c: &PartC, shifts: &[ColumnShift], config: &PartDConfig) -> RootCause {
    let evidence: Vec<ColumnEvidence> = part_c
        .columns
        .iter()
        .map(|c| {
            let shift = shifts
                .iter()
                .find(|s| s.column == c.column)
                .cloned()
                .unwrap_or_else(|| ColumnShift {
                    column: c.column.clone(),
                    relation_train: f64::NAN,
                    relation_test: f64::NAN,
                    distribution_shift: f64::NAN,
                    dominant: false,
                    identifier: false,
                    measure: RelationMeasure::default(),
                    distribution_moved: false,
                });
            let change = column_change(
                shift.relation_train,
                shift.relation_test,
                shift.distribution_moved,
                config.min_train_relation,
                config.break_ratio,
                config.hold_ratio,
            );
            // An undefined relation (NaN) never breaks.
            let breaks = change == ColumnChange::RelationBreaks;
            let rank = |key: fn(&crate::part_c::ColumnScore) -> f64| {
                1 + part_c.columns.iter().filter(|o| key(o) > key(c)).count()
            };
            let dominance = crate::verdicts::dominance(
                shift.dominant,
                shift.identifier,
                shift.relation_train,
                shift.relation_test,
                breaks,
            );
            ColumnEvidence {
                shift,
                attribution_share: c.share,
                permutation_drop: c.permutation_drop,
                attribution_rank: rank(|o| o.share),
                permutation_rank: rank(|o| o.permutation_drop),
                relation_breaks: breaks,
                change,
                dominance,
            }
        })
        .collect();
    let with = |d: Dominance| -> Vec<String> {
        evidence
            .iter()
            .filter(|e| e.dominance == Some(d))
            .map(|e| e.shift.column.clone())
            .collect()
    };
    RootCause {
        strong_features: with(Dominance::StrongFeature),
        shortcuts: with(Dominance::Shortcut),
        identifier_leaks: with(Dominance::IdentifierLeak),
        evidence,
    }
}

/// Each column's label relation in train and test and whether its distribution moved, from
/// Part A's shift check, as a strength in [0, 1] in the measure Part A names per column
/// (|Pearson r| or η with ordered classes, η of the values on the class or Cramér's V
/// without an order). An undefined statistic stays undefined (`NaN`, written as `null`): it
/// is never read as "no relation".
pub fn column_shifts(a: &PartA) -> Vec<ColumnShift> {
    let strength = |r: Option<f64>| r.map_or(f64::NAN, f64::abs);
    let is_identifier = |column: &str| {
        a.dominance
            .rules
            .iter()
            .any(|r| r.column == column && r.identifier)
    };
    let numeric = a.shift.iter().map(|(column, s)| ColumnShift {
        column: column.clone(),
        relation_train: strength(s.label_corr_train),
        relation_test: strength(s.label_corr_test),
        distribution_shift: s.ks.unwrap_or(f64::NAN),
        dominant: a.dominant_features.contains(column),
        identifier: is_identifier(column),
        measure: s.measure,
        distribution_moved: s.marginal_shift,
    });
    let categorical = a.shift_categorical.iter().map(|(column, s)| ColumnShift {
        column: column.clone(),
        relation_train: strength(s.label_corr_train),
        relation_test: strength(s.label_corr_test),
        distribution_shift: s.tvd,
        dominant: a.dominant_features.contains(column),
        identifier: is_identifier(column),
        measure: s.measure,
        distribution_moved: s.marginal_shift,
    });
    numeric.chain(categorical).collect()
}
