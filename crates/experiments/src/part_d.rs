//! Part D: the held-out test, the root cause of the collapse found from evidence, and the
//! mitigations, each measured on test.

use serde::{Deserialize, Serialize};

pub use crate::evidence::SeedAccuracies;
pub use crate::part_a::RelationMeasure;
use crate::verdicts::{
    ClassMixVerdict, ClassWeighting, CollapseOverSeeds, CollapseVerdict, MitigationVerdict,
    OverfittingOverSeeds, OverfittingVerdict,
};

mod evidence;
mod mitigations;
mod run;

pub use evidence::{
    ColumnDistribution, ColumnEvidence, ColumnShift, Confusion, RootCause, column_distribution,
    confusion, diagnose, ordinal,
};
pub use mitigations::{Mitigation, MitigationKind, best_mitigation};
pub use run::{Evaluation, run_part_d};

/// How Part D judges and mitigates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartDConfig {
    /// A column's label relation "breaks" when its strength in test falls below this share
    /// of its strength in train.
    pub break_ratio: f64,
    /// Relations weaker than this in train are not candidates (nothing to break).
    pub min_train_relation: f64,
    /// L2 weight-decay coefficient λ of the weight-decay mitigation.
    pub weight_decay: f64,
    /// Dropout probability of the dropout mitigation.
    pub dropout: f64,
    /// There is a collapse to explain only when test accuracy is below validation accuracy
    /// by at least this (a fraction, 0.05 = five points)…
    pub collapse_gap: f64,
    /// …and the test set has at least this many rows.
    pub min_test_rows: usize,
    /// Training and validation accuracy closer than this rule overfitting out.
    pub overfitting_gap: f64,
    /// Class shares of the training split and test closer than this (total variation) rule
    /// a change of the class mix out.
    pub class_mix_shift: f64,
    /// Seeds the original model and every mitigation are trained from for the comparison
    /// over seeds (the first is the protocol seed, whose models are the ones saved).
    pub mitigation_seeds: usize,
}

impl Default for PartDConfig {
    fn default() -> Self {
        PartDConfig {
            break_ratio: 0.5,
            min_train_relation: 0.2,
            weight_decay: 0.01,
            dropout: 0.3,
            collapse_gap: 0.05,
            min_test_rows: 30,
            overfitting_gap: 0.03,
            class_mix_shift: 0.02,
            mitigation_seeds: 10,
        }
    }
}

impl PartDConfig {
    /// Small counts for smoke tests.
    pub fn quick() -> Self {
        PartDConfig {
            mitigation_seeds: 2,
            ..PartDConfig::default()
        }
    }
}

impl PartDConfig {
    /// Range checks, naming the first bad key (`part_d.dropout = 1: must be in [0, 1)`).
    pub fn validate(&self) -> Result<(), String> {
        crate::config_file::Checks::new("part_d")
            .within("break_ratio", self.break_ratio, 0.0, 1.0)
            .within("min_train_relation", self.min_train_relation, 0.0, 1.0)
            .non_negative("weight_decay", self.weight_decay)
            .below("dropout", self.dropout, 0.0, 1.0)
            .within("collapse_gap", self.collapse_gap, 0.0, 1.0)
            .at_least("min_test_rows", self.min_test_rows, 1)
            .within("overfitting_gap", self.overfitting_gap, 0.0, 1.0)
            .within("class_mix_shift", self.class_mix_shift, 0.0, 1.0)
            .done()
    }
}

/// Part D's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartD {
    /// What ran.
    pub config: PartDConfig,
    /// Part C's model on train, validation and test.
    pub model: Evaluation,
    /// Part C's model's test accuracy (the headline).
    pub test_acc: f64,
    /// Confusion matrix on test.
    pub test_confusion: Confusion,
    /// Confusion matrix on validation, for comparison.
    pub validation_confusion: Confusion,
    /// Class shares in the training split and in test (is the collapse a label shift?).
    pub class_shares_train: Vec<f64>,
    /// Class shares in test.
    pub class_shares_test: Vec<f64>,
    /// Total variation distance between the two class distributions (0 = identical).
    pub class_share_shift: f64,
    /// The diagnosis.
    pub root_cause: RootCause,
    /// The mitigations, each measured on test.
    pub mitigations: Vec<Mitigation>,
    /// The original model, then each trained mitigation, over `mitigation_seeds` seeds.
    pub mitigation_seeds: Vec<SeedAccuracies>,
    /// The root-cause column's per-class distribution in train and test, if one was found.
    pub root_cause_distribution: Option<ColumnDistribution>,
    /// The verdicts drawn from these numbers.
    pub verdicts: PartDVerdicts,
}

/// Part D's verdicts, with the numbers and thresholds they were drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartDVerdicts {
    /// Is there a collapse on test to explain?
    pub collapse: CollapseVerdict,
    /// Could overfitting explain anything?
    pub overfitting: OverfittingVerdict,
    /// Does the class mix move from training to test?
    pub class_mix: ClassMixVerdict,
    /// Index into `mitigations` of the trained mitigation with the best test accuracy (the
    /// last one on ties), on the protocol seed alone.
    pub best_mitigation: Option<usize>,
    /// The best mitigation over seeds, with paired intervals.
    pub best_over_seeds: Option<MitigationVerdict>,
    /// The collapse judged on the original model's validation − test gap over seeds.
    #[serde(default)]
    pub collapse_over_seeds: Option<CollapseOverSeeds>,
    /// Overfitting judged on the original model's train − validation gap over seeds
    /// (`None` without training accuracies per seed).
    #[serde(default)]
    pub overfitting_over_seeds: Option<OverfittingOverSeeds>,
    /// The class-imbalance explanation tested by the class-weighted loss, paired by seed
    /// with the original model on test.
    #[serde(default)]
    pub class_weighting: Option<ClassWeighting>,
}

#[cfg(test)]
mod tests;
