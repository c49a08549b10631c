//! The headline numbers of a run (`summary.json`).

use serde::{Deserialize, Serialize};

use crate::part_c::FeatureScore;
use crate::part_d::MitigationKind;
use crate::verdicts::{Collapse, Diagnosis};
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

/// The root cause, short (the report phrases it from `part_d.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RootCauseSummary {
    /// Whether there was a collapse to explain at all.
    pub collapse: Collapse,
    /// What the fall is (Part D's root-cause verdict).
    pub finding: Diagnosis,
    /// The original columns named as the root cause (empty: none).
    pub columns: Vec<String>,
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
                    finding: d.verdicts.root_cause.finding,
                    columns: d.verdicts.root_cause.columns.clone(),
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
