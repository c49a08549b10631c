//! The headline numbers of a run (`summary.json`), and the bridge from Part A's shift check
//! to Part D's diagnosis.

use serde::{Deserialize, Serialize};

use crate::part_a::RelationMeasure;
use crate::part_c::FeatureScore;
use crate::part_d::{ColumnShift, MitigationKind};
use crate::verdicts::Collapse;
use crate::{Config, PartA, PartB, PartC, PartD, Q2, Source};

/// Where the data came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DataSummary {
    /// `"csv"` or `"synthetic"`.
    pub source: Source,
    /// Rows of the training file.
    pub rows_train: usize,
    /// Rows of the test file.
    pub rows_test: usize,
    /// The seed.
    pub seed: u64,
    /// Columns Part A flags as predicting the label suspiciously well on their own.
    pub dominant_features: Vec<String>,
}

/// Final accuracies of one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Accuracies {
    /// Training split.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub train_acc: f64,
    /// Validation split.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub val_acc: f64,
}

/// Part B's headline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartBSummary {
    /// ReLU, seed protocol.
    pub relu: Accuracies,
    /// Sigmoid, seed protocol.
    pub sigmoid: Accuracies,
    /// Majority-class share of validation.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub majority_share: f64,
}

/// Part C's headline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartCSummary {
    /// Training accuracy.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub train_acc: f64,
    /// Validation accuracy.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub val_acc: f64,
    /// Encoded features, highest score first.
    pub attribution: Vec<FeatureScore>,
}

/// The root cause, short: typed values only; the report words them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RootCauseSummary {
    /// Whether there was a collapse to explain at all.
    pub collapse: Collapse,
    /// The original column, if one was found.
    pub feature: Option<String>,
    /// Its evidence, when one was found.
    pub evidence: Option<RootCauseEvidence>,
}

/// The root-cause column's evidence, as Part C and Part A measured it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RootCauseEvidence {
    /// Share of the model's gradient attribution.
    pub attribution_share: f64,
    /// Its rank by attribution (1 = first).
    pub attribution_rank: usize,
    /// Drop in validation accuracy when it is shuffled.
    pub permutation_drop: f64,
    /// Its rank by permutation importance.
    pub permutation_rank: usize,
    /// The measure of its relation to the label.
    pub measure: RelationMeasure,
    /// Relation to the label in train.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub relation_train: f64,
    /// Relation to the label in test.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub relation_test: f64,
    /// How much its own distribution moves (KS statistic or total variation).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub distribution_shift: f64,
    /// Whether Part A flags that move as a shift (its `marginal_shift`): the one reading
    /// of the same number.
    pub distribution_shifted: bool,
}

/// A mitigation's test accuracy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MitigationSummary {
    /// Which mitigation.
    pub name: MitigationKind,
    /// Test accuracy.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub test_acc: f64,
}

/// Part D's headline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartDSummary {
    /// Part C's model: train accuracy.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub train_acc: f64,
    /// Part C's model: validation accuracy.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub val_acc: f64,
    /// Part C's model: test accuracy.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub test_acc: f64,
    /// The diagnosis.
    pub root_cause: RootCauseSummary,
    /// Mitigations measured on test.
    pub mitigations: Vec<MitigationSummary>,
}

/// One bias mode's headline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Q2ModeSummary {
    /// Mean final training loss at the base learning rate.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub final_loss: f64,
    /// Mean final validation accuracy at the base learning rate.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub val_acc: f64,
    /// Mean iterations to the loss target at the base learning rate.
    pub iterations_to_target: Option<f64>,
    /// Largest stable learning rate tried.
    pub largest_stable_learning_rate: Option<f64>,
}

/// The gradient check, short.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GradCheckSummary {
    /// Largest relative error among hand, tape, finite differences and twin sum.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub max_rel_error: f64,
}

/// Question 2's headline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Q2Summary {
    /// Shared bias.
    pub shared: Q2ModeSummary,
    /// Independent biases.
    pub independent: Q2ModeSummary,
    /// The gradient check.
    pub grad_check: GradCheckSummary,
}

/// `summary.json`: the numbers a reader looks for first. Seed-protocol numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Summary {
    /// The data.
    pub data: DataSummary,
    /// Part B.
    pub part_b: PartBSummary,
    /// Part C.
    pub part_c: PartCSummary,
    /// Part D.
    pub part_d: PartDSummary,
    /// Question 2.
    pub q2: Q2Summary,
}

impl Summary {
    /// Collects the headline numbers from the records.
    pub fn new(
        source: Source,
        config: &Config,
        a: &PartA,
        b: &PartB,
        c: &PartC,
        d: &PartD,
        q: &Q2,
    ) -> Self {
        let mode = |h: &crate::q2::Q2Headline| Q2ModeSummary {
            final_loss: h.final_loss,
            val_acc: h.val_acc,
            iterations_to_target: h.iterations_to_target,
            largest_stable_learning_rate: h.largest_stable_learning_rate,
        };
        Summary {
            data: DataSummary {
                source,
                rows_train: a.rows.train,
                rows_test: a.rows.test,
                seed: config.seed,
                dominant_features: a.dominant_features.clone(),
            },
            part_b: PartBSummary {
                relu: Accuracies {
                    train_acc: b.relu.train_acc,
                    val_acc: b.relu.val_acc,
                },
                sigmoid: Accuracies {
                    train_acc: b.sigmoid.train_acc,
                    val_acc: b.sigmoid.val_acc,
                },
                majority_share: b.majority_share,
            },
            part_c: PartCSummary {
                train_acc: c.train_acc,
                val_acc: c.val_acc,
                attribution: c.attribution.clone(),
            },
            part_d: PartDSummary {
                train_acc: d.model.train_acc,
                val_acc: d.model.val_acc,
                test_acc: d.test_acc,
                root_cause: RootCauseSummary {
                    collapse: d.verdicts.collapse.finding,
                    feature: d.root_cause.feature.clone(),
                    evidence: root_cause_evidence(a, d),
                },
                mitigations: d
                    .mitigations
                    .iter()
                    .map(|m| MitigationSummary {
                        name: m.name,
                        test_acc: m.test_acc,
                    })
                    .collect(),
            },
            q2: Q2Summary {
                shared: mode(&q.shared),
                independent: mode(&q.independent),
                grad_check: GradCheckSummary {
                    max_rel_error: q.grad_check.max_rel_error,
                },
            },
        }
    }
}

/// The root cause's evidence from Part D's table, with Part A's reading of its shift.
fn root_cause_evidence(a: &PartA, d: &PartD) -> Option<RootCauseEvidence> {
    let column = d.root_cause.feature.as_ref()?;
    let e = d
        .root_cause
        .evidence
        .iter()
        .find(|e| &e.shift.column == column)?;
    let shifted = a.shift.get(column).map(|s| s.marginal_shift);
    let shifted = shifted.or_else(|| a.shift_categorical.get(column).map(|s| s.marginal_shift));
    Some(RootCauseEvidence {
        attribution_share: e.attribution_share,
        attribution_rank: e.attribution_rank,
        permutation_drop: e.permutation_drop,
        permutation_rank: e.permutation_rank,
        measure: e.shift.measure,
        relation_train: e.shift.relation_train,
        relation_test: e.shift.relation_test,
        distribution_shift: e.shift.distribution_shift,
        distribution_shifted: shifted.unwrap_or(false),
    })
}

/// Each column's label relation in train and test, from Part A's shift check, as a strength
/// in [0, 1] in the measure Part A names per column (|Pearson r| or η with ordered classes,
/// η of the values on the class or Cramér's V without an order). An undefined
/// statistic stays undefined (`NaN`, written as `null`): it is never read as "no relation".
pub(crate) fn column_shifts(a: &PartA) -> Vec<ColumnShift> {
    let strength = |r: Option<f64>| r.map_or(f64::NAN, f64::abs);
    let numeric = a.shift.iter().map(|(column, s)| ColumnShift {
        column: column.clone(),
        relation_train: strength(s.label_corr_train),
        relation_test: strength(s.label_corr_test),
        distribution_shift: s.ks.unwrap_or(f64::NAN),
        dominant: a.dominant_features.contains(column),
        measure: s.measure,
    });
    let categorical = a.shift_categorical.iter().map(|(column, s)| ColumnShift {
        column: column.clone(),
        relation_train: strength(s.label_corr_train),
        relation_test: strength(s.label_corr_test),
        distribution_shift: s.tvd,
        dominant: a.dominant_features.contains(column),
        measure: s.measure,
    });
    numeric.chain(categorical).collect()
}
