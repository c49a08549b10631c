//! The study's verdicts, decided here from the numbers and stored in the records as typed
//! values with the numbers and thresholds they were drawn from. The report only phrases them:
//! a threshold lives in the configuration ([`crate::Config`]) and is echoed in the record,
//! and a rule is one small pure function with its own tests.
//!
//! Each rule returns `None` when its inputs are missing (no finite sweep point, a gradient
//! record absent), so no verdict is stated without the evidence for it.

use serde::{Deserialize, Serialize};

use crate::evidence::{GradientEvidence, SweepPoint};

mod q2;
pub use q2::{
    Comparison, LossAtRate, LossVerdict, Q2Verdicts, SmoothnessVerdict, SpeedVerdict,
    StabilityVerdict, edge, q2,
};

/// Is sigmoid stuck, or only slow? Read from the best run of the sigmoid sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SigmoidProgress {
    /// The best sweep run beats the majority share by more than the margin: it learns
    /// with a larger step or more iterations.
    Slow,
    /// No sweep run gets past the majority share by the margin.
    Stuck,
}

/// The sweep verdict and what it was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SweepVerdict {
    /// Index into `sigmoid_sweep` of the best run (highest finite validation accuracy; the
    /// last one on ties).
    pub best: usize,
    /// Its validation accuracy.
    pub best_val_acc: f64,
    /// The majority share of validation.
    pub majority_share: f64,
    /// Margin over the majority share a run needs to count as learning.
    pub margin: f64,
    /// The verdict.
    pub finding: SigmoidProgress,
}

/// Slow or stuck: `best_val_acc > majority_share + margin` means slow.
pub fn sigmoid_sweep(
    sweep: &[SweepPoint],
    majority_share: f64,
    margin: f64,
) -> Option<SweepVerdict> {
    let (best, p) = sweep
        .iter()
        .enumerate()
        .filter(|(_, p)| p.val_acc.is_finite())
        .max_by(|a, b| a.1.val_acc.total_cmp(&b.1.val_acc))?;
    Some(SweepVerdict {
        best,
        best_val_acc: p.val_acc,
        majority_share,
        margin,
        finding: if p.val_acc > majority_share + margin {
            SigmoidProgress::Slow
        } else {
            SigmoidProgress::Stuck
        },
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
