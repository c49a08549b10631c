//! The study's verdicts, decided here from the numbers and stored in the records as typed
//! values with the numbers and thresholds they were drawn from. The report only phrases them:
//! a threshold lives in the configuration ([`crate::Config`]) and is echoed in the record,
//! and a rule is one small pure function with its own tests.
//!
//! Each rule returns `None` when its inputs are missing (no finite sweep point, a gradient
//! record absent), so no verdict is stated without the evidence for it.

use serde::{Deserialize, Serialize};

use crate::evidence::{GradientEvidence, InitScheme, SeedAccuracies, SeedRuns};
use crate::interval::{Direction, Interval, paired_interval};

mod part_a;
pub use part_a::relation_shift_range;
mod part_c;
pub use part_c::{TopColumn, TopColumnVerdict, top_column};
mod part_d;
pub use part_d::{
    ClassWeighting, CollapseOverSeeds, GapOverSeeds, OverfittingOverSeeds, class_weighting,
    collapse_over_seeds, overfitting_over_seeds,
};
mod q2;
pub use q2::{
    Comparison, LossAtRate, LossVerdict, Q2Verdicts, SmoothnessVerdict, SpeedVerdict,
    StabilityVerdict, edge, q2,
};

/// Is sigmoid stuck, or only slow? Read from the sigmoid runs over seeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SigmoidProgress {
    /// Some learning rate's whole 95 % interval of validation accuracy lies above the
    /// majority share plus the margin: sigmoid learns within the budget with that step.
    Slow,
    /// Every learning rate's whole interval lies below the majority share plus the margin.
    Stuck,
    /// Neither: the intervals straddle the line, more seeds would be needed.
    Undetermined,
}

/// The sweep verdict and what it was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProgressVerdict {
    /// Index into `sigmoid_runs` of the deciding run: the study-initialised sigmoid run
    /// whose interval has the highest lower end.
    pub best: usize,
    /// Its validation accuracy over seeds.
    pub val_acc: Interval,
    /// The majority share of validation.
    pub majority_share: f64,
    /// Margin over the majority share a run needs to count as learning.
    pub margin: f64,
    /// The verdict.
    pub finding: SigmoidProgress,
}

/// Slow, stuck or undetermined from the study-initialised sigmoid runs with an interval
/// (a run with a diverged seed has none and does not count); `None` if there is none.
pub fn sigmoid_progress(
    runs: &[SeedRuns],
    majority_share: f64,
    margin: f64,
) -> Option<ProgressVerdict> {
    let line = majority_share + margin;
    let candidates: Vec<(usize, Interval)> = runs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.activation == models::Activation::Sigmoid && r.init == InitScheme::Study)
        .filter_map(|(i, r)| Some((i, r.val_acc_interval?)))
        .collect();
    let &(best, val_acc) = candidates
        .iter()
        .max_by(|a, b| a.1.low.total_cmp(&b.1.low))?;
    let finding = if val_acc.low > line {
        SigmoidProgress::Slow
    } else if candidates.iter().all(|(_, i)| i.high < line) {
        SigmoidProgress::Stuck
    } else {
        SigmoidProgress::Undetermined
    };
    Some(ProgressVerdict {
        best,
        val_acc,
        majority_share,
        margin,
        finding,
    })
}

/// What the comparison over seeds says would cure sigmoid's slow start: a larger step, an
/// initialisation scaled for sigmoid, both, or neither (at the study's budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Remedy {
    /// Only the larger step raises validation accuracy (paired interval above zero).
    StepSize,
    /// Only the scaled initialisation does.
    Initialisation,
    /// Both do.
    Both,
    /// Neither is detected.
    Neither,
}

/// The step-or-initialisation verdict and the paired comparisons it was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RemedyVerdict {
    /// Index into `sigmoid_runs` of the study's setting (study initialisation, study rate).
    pub study: usize,
    /// Index of the larger-step run compared with it: among the study-initialised runs at a
    /// larger rate with an interval, the highest mean validation accuracy.
    pub larger_step: usize,
    /// Index of the run from the initialisation scaled for sigmoid, at the study's rate.
    pub scaled_init: usize,
    /// Larger step minus study, validation accuracy paired by seed.
    pub step_difference: Interval,
    /// Scaled initialisation minus study, paired by seed.
    pub init_difference: Interval,
    /// The verdict.
    pub finding: Remedy,
}

/// ReLU minus sigmoid in final validation accuracy, paired by seed: the bands train both
/// activations from the same seeds, so the pairing removes what the seed does to both.
/// `None` unless there is exactly one band per activation, on the same seeds.
pub fn activation_gap(bands: &[crate::part_b::SeedBand]) -> Option<Interval> {
    use models::Activation;
    let find = |a: Activation| {
        let mut it = bands.iter().filter(move |b| b.activation == a);
        match (it.next(), it.next()) {
            (Some(b), None) => Some(b),
            _ => None,
        }
    };
    let (relu, sigmoid) = (find(Activation::Relu)?, find(Activation::Sigmoid)?);
    if relu.seeds != sigmoid.seeds {
        return None;
    }
    paired_interval(&relu.final_val_acc, &sigmoid.final_val_acc)
}

/// Step or initialisation, from paired differences of final validation accuracy over the
/// seeds the runs share; `None` when the study's run, a larger-step run or the scaled run
/// is missing, or their seeds differ.
pub fn remedy(runs: &[SeedRuns], study_learning_rate: f64) -> Option<RemedyVerdict> {
    let sigmoid = |r: &&SeedRuns| r.activation == models::Activation::Sigmoid;
    let position = |init: InitScheme, lr: f64| {
        runs.iter()
            .position(|r| sigmoid(&r) && r.init == init && r.learning_rate == lr)
    };
    let study = position(InitScheme::Study, study_learning_rate)?;
    let scaled_init = position(InitScheme::SigmoidScaled, study_learning_rate)?;
    let larger_step = runs
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            sigmoid(r) && r.init == InitScheme::Study && r.learning_rate > study_learning_rate
        })
        .filter_map(|(i, r)| Some((i, r.val_acc_interval?.mean)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?
        .0;
    let paired = |a: usize| {
        (runs[a].seeds == runs[study].seeds)
            .then(|| paired_interval(&runs[a].val_acc, &runs[study].val_acc))
            .flatten()
    };
    let (step_difference, init_difference) = (paired(larger_step)?, paired(scaled_init)?);
    let helps = |i: &Interval| i.direction() == Direction::Higher;
    let finding = match (helps(&step_difference), helps(&init_difference)) {
        (true, true) => Remedy::Both,
        (true, false) => Remedy::StepSize,
        (false, true) => Remedy::Initialisation,
        (false, false) => Remedy::Neither,
    };
    Some(RemedyVerdict {
        study,
        larger_step,
        scaled_init,
        step_difference,
        init_difference,
        finding,
    })
}

/// Does the first layer's gradient vanish under sigmoid, relative to ReLU?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Attenuation {
    /// Sigmoid's first-to-last gradient ratio is below `factor` × ReLU's.
    Vanishing,
    /// It is not: depth alone does not explain the stall.
    Comparable,
}

/// Are sigmoid's hidden units saturated at the end of training?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Saturation {
    /// The most saturated layer's share is below the threshold.
    Negligible,
    /// It is not.
    Notable,
}

/// Part B(b)'s verdicts and what they were drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GradientVerdict {
    /// Index into `gradients` of the ReLU evidence.
    pub relu: usize,
    /// Index into `gradients` of the sigmoid evidence.
    pub sigmoid: usize,
    /// Sigmoid's mean first-to-last gradient ratio.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub sigmoid_ratio: f64,
    /// ReLU's.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub relu_ratio: f64,
    /// Sigmoid vanishes when its ratio is below this factor times ReLU's.
    pub attenuation_factor: f64,
    /// The attenuation verdict.
    pub attenuation: Attenuation,
    /// Largest share of saturated units over sigmoid's hidden layers at the end.
    pub max_saturation: f64,
    /// Its layer (0-based).
    pub max_saturation_layer: usize,
    /// Saturation is negligible below this share.
    pub saturation_threshold: f64,
    /// The saturation verdict.
    pub saturation: Saturation,
}

/// Attenuation and saturation from the ReLU and sigmoid gradient records (found by
/// activation), or `None` if either is missing.
pub fn gradients(
    evidence: &[GradientEvidence],
    attenuation_factor: f64,
    saturation_threshold: f64,
) -> Option<GradientVerdict> {
    let find = |a: models::Activation| evidence.iter().position(|e| e.activation == a);
    let (relu, sigmoid) = (
        find(models::Activation::Relu)?,
        find(models::Activation::Sigmoid)?,
    );
    let (r, s) = (&evidence[relu], &evidence[sigmoid]);
    let max_saturation = s.saturation_last.iter().copied().fold(0.0, f64::max);
    let max_saturation_layer = s
        .saturation_last
        .iter()
        .position(|&v| v == max_saturation)
        .unwrap_or(0);
    Some(GradientVerdict {
        relu,
        sigmoid,
        sigmoid_ratio: s.first_to_last_ratio,
        relu_ratio: r.first_to_last_ratio,
        attenuation_factor,
        attenuation: if s.first_to_last_ratio < attenuation_factor * r.first_to_last_ratio {
            Attenuation::Vanishing
        } else {
            Attenuation::Comparable
        },
        max_saturation,
        max_saturation_layer,
        saturation_threshold,
        saturation: if max_saturation < saturation_threshold {
            Saturation::Negligible
        } else {
            Saturation::Notable
        },
    })
}

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
}

/// The kind of a column Part A flags as dominant (`None` if it is not flagged): a shortcut
/// when its relation breaks (Part D's `break_ratio` rule), a strong feature when both
/// relations are defined and it does not break.
pub fn dominance(dominant: bool, train: f64, test: f64, breaks: bool) -> Option<Dominance> {
    dominant.then(|| {
        if breaks {
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
            .then(|| paired_interval(&models[best].test_acc, &models[r].test_acc))
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
