//! Part D: the held-out test, the root cause of the collapse found from evidence, and the
//! fix that fits it, each measured on test.
//!
//! Files, by concern: [`replay`] replays every candidate cause on the validation rows
//! (the mechanism the diagnosis rests on; its rules are in `verdicts::diagnosis`);
//! `evidence` joins Part A's shift check with Part C's attribution per column; `duplicates`
//! and `calibration` are the checks around the diagnosis; `mitigations` retrains and
//! measures the fixes; `run` puts them together.

use serde::{Deserialize, Serialize};

pub use crate::evidence::{Candidate, CandidateKind, SeedAccuracies};
pub use crate::part_a::RelationMeasure;
use crate::verdicts::{
    ClassMixVerdict, ClassWeighting, CollapseOverSeeds, CollapseVerdict, ConfidenceVerdict,
    DuplicatesVerdict, LearnedVerdict, MitigationVerdict, OverfittingOverSeeds, OverfittingVerdict,
    RootCauseVerdict, TrainingVerdict,
};

mod calibration;
mod duplicates;
mod evaluation;
mod evidence;
mod mitigations;
pub mod replay;
mod run;

pub use calibration::{Calibration, ReliabilityBin, calibration};
pub use duplicates::{DuplicateCount, Duplicates, duplicates};
pub use evaluation::Evaluation;
pub use evidence::{
    ColumnDistribution, ColumnEvidence, ColumnShift, Confusion, RootCause, column_distribution,
    column_evidence, column_shifts, confusion,
};
pub use mitigations::{
    ClassMixCorrection, Mitigation, MitigationKind, SimpleModel, best_mitigation,
    class_mix_correction,
};
pub use replay::Replay;
pub use run::{Inputs, run_part_d};

/// How Part D judges and mitigates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartDConfig {
    /// A column's label relation "breaks" when its strength in test falls below this share
    /// of its strength in train.
    pub break_ratio: f64,
    /// Relations weaker than this in train are not candidates (nothing to break).
    pub min_train_relation: f64,
    /// A column's label relation "holds" when its strength in test is at least this share
    /// of its strength in train (between `break_ratio` and this it weakens).
    pub hold_ratio: f64,
    /// Draws per candidate of the counterfactual replay (each with its null).
    pub replay_draws: usize,
    /// A candidate reproduces the fall when the test accuracy its replay predicts is within
    /// this of the real one (a fraction, 0.03 = three points; below `collapse_gap`, so a
    /// candidate that changes nothing never reproduces a collapse)…
    pub reproduce_tolerance: f64,
    /// …or when it explains at least this share of the validation-to-test gap.
    pub reproduce_share: f64,
    /// Sets of columns are replayed among this many columns the model relies on most (by
    /// Part C's attribution).
    pub set_columns: usize,
    /// The largest set replayed (2: pairs).
    pub max_set_size: usize,
    /// A model is diagnosed only when its validation accuracy beats the majority baseline's
    /// by at least this (a fraction).
    pub learned_margin: f64,
    /// Duplicated rows (a test row equal in its features to a training row, or a
    /// validation row to a training-split row) are warned of from this share on.
    pub max_duplicate_share: f64,
    /// Equal-width confidence bins of the reliability diagram and the calibration error.
    pub calibration_bins: usize,
    /// Mean top-class probability and accuracy further apart than this make a model over-
    /// (or under-) confident.
    pub max_confidence_gap: f64,
    /// Part C's model counts as under-trained when its last tenth of epochs made more than
    /// this share of its loss's whole fall (the tenth before minus the last tenth, over the
    /// first epoch minus the last)…
    pub max_late_loss_drop: f64,
    /// …or its training accuracy is below Part B's full-batch model's by more than this.
    pub max_train_shortfall: f64,
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
            hold_ratio: 0.8,
            replay_draws: 10,
            reproduce_tolerance: 0.03,
            reproduce_share: 0.75,
            set_columns: 4,
            max_set_size: 2,
            learned_margin: 0.02,
            max_duplicate_share: 0.05,
            calibration_bins: 10,
            max_confidence_gap: 0.1,
            max_late_loss_drop: 0.02,
            max_train_shortfall: 0.05,
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
            replay_draws: 4,
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
            .within("hold_ratio", self.hold_ratio, self.break_ratio, 1.0)
            .at_least("replay_draws", self.replay_draws, 2)
            .within("reproduce_tolerance", self.reproduce_tolerance, 0.0, 1.0)
            .rule(
                self.reproduce_tolerance < self.collapse_gap,
                "reproduce_tolerance",
                self.reproduce_tolerance.to_string(),
                "must be below part_d.collapse_gap",
            )
            .within("reproduce_share", self.reproduce_share, 0.0, 1.0)
            .at_least("max_set_size", self.max_set_size, 1)
            .within("learned_margin", self.learned_margin, 0.0, 1.0)
            .within("max_duplicate_share", self.max_duplicate_share, 0.0, 1.0)
            .at_least("calibration_bins", self.calibration_bins, 1)
            .within("max_confidence_gap", self.max_confidence_gap, 0.0, 1.0)
            .non_negative("max_late_loss_drop", self.max_late_loss_drop)
            .within("max_train_shortfall", self.max_train_shortfall, 0.0, 1.0)
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
    /// Every candidate cause replayed on the validation rows (`None` when the model did not
    /// learn: there is nothing of its own to diagnose).
    pub replay: Option<Replay>,
    /// The evidence per column the diagnosis is read beside.
    pub root_cause: RootCause,
    /// Duplicated rows between the sets.
    pub duplicates: Duplicates,
    /// Confidence against accuracy on validation.
    pub calibration_validation: Calibration,
    /// Confidence against accuracy on test.
    pub calibration_test: Calibration,
    /// The mitigations, each measured on test.
    pub mitigations: Vec<Mitigation>,
    /// The original model, then each trained mitigation, over `mitigation_seeds` seeds.
    pub mitigation_seeds: Vec<SeedAccuracies>,
    /// The decision rule corrected for the test set's class shares.
    pub class_mix_correction: ClassMixCorrection,
    /// Softmax regression on every column and without the root cause, over the same seeds.
    pub simple_models: Vec<SimpleModel>,
    /// The first root-cause column's per-class distribution in train and test, if a column
    /// is named.
    pub root_cause_distribution: Option<ColumnDistribution>,
    /// The verdicts drawn from these numbers.
    pub verdicts: PartDVerdicts,
}

/// Part D's verdicts, with the numbers and thresholds they were drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartDVerdicts {
    /// Did the model learn anything (is there something to diagnose)?
    pub learned: LearnedVerdict,
    /// Is Part C's model trained to the end?
    pub training: TrainingVerdict,
    /// Is there a collapse on test to explain?
    pub collapse: CollapseVerdict,
    /// What the fall is, from the replay.
    pub root_cause: RootCauseVerdict,
    /// Are test or validation rows copies of training rows?
    pub duplicates: DuplicatesVerdict,
    /// Is the model as sure as it is right, on validation?
    pub confidence_validation: ConfidenceVerdict,
    /// …and on test?
    pub confidence_test: ConfidenceVerdict,
    /// The model retrained without the root cause, its validation − test gap over seeds
    /// against the collapse threshold (`Absent`: no gap left).
    pub fix_gap: Option<CollapseOverSeeds>,
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
