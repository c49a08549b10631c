//! The study's verdicts, decided here from the numbers and stored in the records as typed
//! values with the numbers and thresholds they were drawn from. The report only phrases them:
//! a threshold lives in the configuration ([`crate::Config`]) and is echoed in the record,
//! and a rule is one small pure function with its own tests.
//!
//! Each rule returns `None` when its inputs are missing (no finite sweep point, a gradient
//! record absent), so no verdict is stated without the evidence for it.

use serde::{Deserialize, Serialize};

use crate::evidence::SeedAccuracies;
use crate::interval::{Direction, Interval, proportion_difference};

mod part_a;
mod part_b;
pub use part_a::{ChangeReading, change_reading, relation_shift_range};
mod part_c;
pub use part_c::{TopColumn, TopColumnVerdict, top_column};
mod diagnosis;
mod part_d;
mod part_d_checks;
pub use diagnosis::{
    ColumnChange, Confinement, ConfinementFinding, Diagnosis, LearnedVerdict, Learning,
    RootCauseRule, RootCauseVerdict, column_change, learned, reproduces, root_cause,
};
pub use part_d::{
    ClassWeighting, CollapseOverSeeds, GapOverSeeds, OverfittingOverSeeds, class_weighting,
    collapse_over_seeds, overfitting_over_seeds,
};
pub use part_d_checks::{
    Confidence, ConfidenceVerdict, DuplicatesVerdict, Duplication, Training, TrainingVerdict,
    confidence, duplicates, training,
};
mod q2;
pub use part_b::{
    Attenuation, AttenuationSite, AttenuationVerdict, LayerGain, Moment, ProgressVerdict,
    RatioInterval, Remedy, RemedyVerdict, Saturation, SaturationVerdict, SigmoidProgress,
    activation_gap, attenuation, attenuation_site, hidden_layers_gain, remedy, saturation,
    sigmoid_progress,
};
pub use q2::{
    Comparison, LossAtRate, LossVerdict, Q2Verdicts, SmoothnessVerdict, SpeedVerdict,
    StabilityVerdict, edge, q2,
};

/// What a dominant column is: both are findings, only a shortcut can be a root cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dominance {
    /// Dominant, and its relation to the label holds on test: a strong, honest feature.
    StrongFeature,
    /// Dominant, and its relation to the label breaks on test: a shortcut.
    Shortcut,
    /// Dominant, but its relation is undefined in train or test (a constant or empty
    /// column on one side): neither can be said.
    Undetermined,
    /// Dominant, and a row identifier (one distinct value per row): the label leaks through
    /// how rows were numbered or named, whatever test shows; never an honest feature.
    IdentifierLeak,
}

/// The kind of a column Part A flags as dominant (`None` if it is not flagged): an
/// identifier leak when it identifies rows, else a shortcut when its relation breaks
/// (Part D's `break_ratio` rule), a strong feature when both relations are defined and it
/// does not break.
pub fn dominance(
    dominant: bool,
    identifier: bool,
    train: f64,
    test: f64,
    breaks: bool,
) -> Option<Dominance> {
    dominant.then(|| {
        if identifier {
            Dominance::IdentifierLeak
        } else if breaks {
            Dominance::Shortcut
        } else if train.is_nan() || test.is_nan() {
            Dominance::Undetermined
        } else {
            Dominance::StrongFeature
        }
    })
}

/// Is there a collapse on test for Part D to explain?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Collapse {
    /// Test accuracy is below validation by at least the threshold, on enough rows.
    Collapse,
    /// Test accuracy is not materially below validation (it may be above).
    NoCollapse,
    /// The test set has too few rows for its statistics to mean anything.
    TooFewRows,
}

/// The collapse verdict and what it was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CollapseVerdict {
    /// Validation minus test accuracy (negative: test is better).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub gap: f64,
    /// The gap a collapse needs.
    pub min_gap: f64,
    /// Rows of the test set.
    pub test_rows: usize,
    /// Rows the test set needs.
    pub min_test_rows: usize,
    /// The verdict.
    pub finding: Collapse,
}

/// A collapse when the test set has at least `min_test_rows` rows and validation minus test
/// accuracy is at least `min_gap`.
pub fn collapse(
    val_acc: f64,
    test_acc: f64,
    test_rows: usize,
    min_gap: f64,
    min_test_rows: usize,
) -> CollapseVerdict {
    let gap = val_acc - test_acc;
    let finding = if test_rows < min_test_rows {
        Collapse::TooFewRows
    } else if gap >= min_gap {
        Collapse::Collapse
    } else {
        Collapse::NoCollapse
    };
    CollapseVerdict {
        gap,
        min_gap,
        test_rows,
        min_test_rows,
        finding,
    }
}

/// Could overfitting explain anything? Read from the train-minus-validation gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Overfitting {
    /// |gap| is below the threshold: the model generalises to rows drawn like training.
    Absent,
    /// The gap is large enough that overfitting could contribute.
    Possible,
}

/// The overfitting verdict and what it was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OverfittingVerdict {
    /// Training minus validation accuracy.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub gap: f64,
    /// |gap| below this means no overfitting.
    pub max_gap: f64,
    /// The verdict.
    pub finding: Overfitting,
}

/// `Absent` when |train − validation| < `max_gap`.
pub fn overfitting(gap: f64, max_gap: f64) -> OverfittingVerdict {
    OverfittingVerdict {
        gap,
        max_gap,
        finding: if gap.abs() < max_gap {
            Overfitting::Absent
        } else {
            Overfitting::Possible
        },
    }
}

/// Which mitigation does best on test over seeds, and is that detected?
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MitigationVerdict {
    /// Index into `mitigation_seeds` of the mitigation with the highest mean test accuracy.
    pub best: usize,
    /// Its test accuracy minus the original model's, paired by seed.
    pub over_original: Interval,
    /// Where that interval lies: `Higher` means the mitigation detectably helps on test.
    pub finding: Direction,
    /// Index of the mitigation with the next highest mean, if any.
    pub runner_up: Option<usize>,
    /// Best minus runner-up, paired by seed: `Higher` means the ranking is detected, not
    /// an accident of the seeds.
    pub over_runner_up: Option<Interval>,
}

/// The best mitigation by mean test accuracy over seeds (entries named `"original"` are
/// the reference, not candidates; entries without an interval do not count), with its
/// paired differences from the original and from the runner-up; `None` without a
/// candidate.
pub fn best_mitigation_over_seeds(models: &[SeedAccuracies]) -> Option<MitigationVerdict> {
    let mut ranked: Vec<(usize, f64)> = models
        .iter()
        .enumerate()
        .filter(|(_, m)| m.name != "original")
        .filter_map(|(i, m)| Some((i, m.test_acc_interval?.mean)))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let best = ranked.first()?.0;
    let over_original = models[best].test_difference?;
    let runner_up = ranked.get(1).map(|r| r.0);
    let over_runner_up = runner_up.and_then(|r| {
        (models[r].seeds == models[best].seeds)
            .then(|| proportion_difference(&models[best].test_acc, &models[r].test_acc))
            .flatten()
    });
    Some(MitigationVerdict {
        best,
        over_original,
        finding: over_original.direction(),
        runner_up,
        over_runner_up,
    })
}

/// Does the class mix of test differ from training's?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClassMix {
    /// The total variation is below the threshold: imbalance is the same on both sides.
    Same,
    /// The class mix moves.
    Shifted,
}

/// The class-mix verdict and what it was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClassMixVerdict {
    /// Total variation distance of the class shares, training split against test.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub shift: f64,
    /// Below this the mix counts as the same.
    pub max_shift: f64,
    /// The verdict.
    pub finding: ClassMix,
}

/// `Same` when the total variation of the class shares is below `max_shift`.
pub fn class_mix(shift: f64, max_shift: f64) -> ClassMixVerdict {
    ClassMixVerdict {
        shift,
        max_shift,
        finding: if shift < max_shift {
            ClassMix::Same
        } else {
            ClassMix::Shifted
        },
    }
}

#[cfg(test)]
mod tests;
