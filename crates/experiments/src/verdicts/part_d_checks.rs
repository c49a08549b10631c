//! Part D's checks around the diagnosis: is the model trained to the end, are test or
//! validation rows copies of training rows, and is the model as sure of its answers as it is
//! right?

use serde::{Deserialize, Serialize};

/// Was the model trained to the end?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Training {
    /// Its loss has levelled off and it fits its training rows about as well as the
    /// full-batch model of Part B.
    Converged,
    /// Its loss was still falling at the end, or it fits its training rows well below the
    /// full-batch model: its numbers describe a model in the making.
    UnderTrained,
}

/// The training verdict and what it was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrainingVerdict {
    /// Epochs trained.
    pub epochs: usize,
    /// Gradient steps made.
    pub steps: usize,
    /// Share of the loss's whole fall (first epoch to last) made over the last tenth of the
    /// epochs: the mean loss of the tenth before minus that of the last tenth, over the first
    /// epoch's loss minus the last's (`null` with fewer than two epochs or a loss that did
    /// not fall). A share, not a size in nats, so a loss falling towards zero on a
    /// separable table does not read as still training.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub late_loss_drop: f64,
    /// A larger share means the loss is still falling (`PartDConfig::max_late_loss_drop`).
    pub max_late_loss_drop: f64,
    /// The model's training accuracy.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub train_acc: f64,
    /// Part B's full-batch ReLU network's training accuracy on the same rows (`None` when
    /// Part B did not run).
    pub full_batch_train_acc: Option<f64>,
    /// Training accuracy this far below the full-batch model's counts as under-trained
    /// (`PartDConfig::max_train_shortfall`).
    pub max_shortfall: f64,
    /// The loss was still falling at the end.
    pub loss_still_falling: bool,
    /// The model fits its training rows well below the full-batch model.
    pub below_full_batch: bool,
    /// The verdict.
    pub finding: Training,
}

/// The training verdict from the per-epoch losses, the steps made, the training accuracy and
/// the full-batch model's: under-trained when the last tenth of the epochs made more than
/// `max_drop` of the loss's whole fall, or the training accuracy is below the full-batch
/// model's by more than `max_shortfall`.
pub fn training(
    losses: &[f64],
    steps: usize,
    train_acc: f64,
    full_batch_train_acc: Option<f64>,
    max_drop: f64,
    max_shortfall: f64,
) -> TrainingVerdict {
    let n = losses.len();
    let w = (n / 10).max(1);
    let late_loss_drop = if n >= 2 * w && n >= 2 {
        let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
        let last = mean(&losses[n - w..]);
        let before = mean(&losses[n - 2 * w..n - w]);
        let whole = losses[0] - losses[n - 1];
        if whole > 0.0 {
            (before - last) / whole
        } else {
            f64::NAN
        }
    } else {
        f64::NAN
    };
    let loss_still_falling = late_loss_drop > max_drop;
    let below_full_batch = full_batch_train_acc.is_some_and(|f| f - train_acc > max_shortfall);
    TrainingVerdict {
        epochs: n,
        steps,
        late_loss_drop,
        max_late_loss_drop: max_drop,
        train_acc,
        full_batch_train_acc,
        max_shortfall,
        loss_still_falling,
        below_full_batch,
        finding: if loss_still_falling || below_full_batch {
            Training::UnderTrained
        } else {
            Training::Converged
        },
    }
}

/// Whether a share of copied rows passes the warning threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Duplication {
    /// Below the threshold.
    Below,
    /// At or above it: the set's accuracy is partly a memory test.
    Warned,
}

/// The duplicates verdict and what it was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DuplicatesVerdict {
    /// Share of test rows whose feature values equal a training-file row's.
    pub test_share: f64,
    /// Share of validation rows whose feature values equal a training-split row's.
    pub validation_share: f64,
    /// The warning threshold (`PartDConfig::max_duplicate_share`).
    pub max_share: f64,
    /// Test against the training file.
    pub test: Duplication,
    /// Validation against the training split.
    pub validation: Duplication,
}

/// Warns for each set whose share of copied feature rows is at least `max_share`.
pub fn duplicates(test_share: f64, validation_share: f64, max_share: f64) -> DuplicatesVerdict {
    let warn = |share: f64| {
        if share >= max_share {
            Duplication::Warned
        } else {
            Duplication::Below
        }
    };
    DuplicatesVerdict {
        test_share,
        validation_share,
        max_share,
        test: warn(test_share),
        validation: warn(validation_share),
    }
}

/// Is the model as sure of its answers as it is right?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Mean top-class probability and accuracy differ by less than the threshold.
    Matches,
    /// The model is surer than it is right by at least the threshold: confidently wrong.
    Overconfident,
    /// It is right more often than it is sure by at least the threshold.
    Underconfident,
}

/// The confidence verdict on one set and what it was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ConfidenceVerdict {
    /// Mean over rows of the predicted class's probability.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub mean_confidence: f64,
    /// Accuracy on the same rows.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub accuracy: f64,
    /// The threshold (`PartDConfig::max_confidence_gap`).
    pub max_gap: f64,
    /// The verdict.
    pub finding: Confidence,
}

/// `Overconfident` when `mean_confidence − accuracy ≥ max_gap`, `Underconfident` when
/// `accuracy − mean_confidence ≥ max_gap`, else `Matches`.
pub fn confidence(mean_confidence: f64, accuracy: f64, max_gap: f64) -> ConfidenceVerdict {
    let gap = mean_confidence - accuracy;
    ConfidenceVerdict {
        mean_confidence,
        accuracy,
        max_gap,
        finding: if gap >= max_gap {
            Confidence::Overconfident
        } else if -gap >= max_gap {
            Confidence::Underconfident
        } else {
            Confidence::Matches
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loss_still_falling_or_a_fit_below_full_batch_is_under_training() {
        // Levelled off (the real data's last epochs), and as good as full batch.
        let flat = [
            0.93, 0.51, 0.41, 0.389, 0.381, 0.377, 0.374, 0.373, 0.371, 0.370, 0.369, 0.367, 0.366,
            0.366, 0.366, 0.363, 0.363, 0.363, 0.363, 0.363,
        ];
        let v = training(&flat, 2_600, 0.837, Some(0.824), 0.02, 0.05);
        assert_eq!(v.finding, Training::Converged);
        assert!(v.late_loss_drop.abs() < 0.01, "{}", v.late_loss_drop);
        // A loss still halving towards zero on a separable table: small in nats, but most of
        // the fall is over.
        let separable: Vec<f64> = (0..200).map(|i| 1.1 * (-0.05 * i as f64).exp()).collect();
        let v = training(&separable, 200, 1.0, Some(0.995), 0.02, 0.05);
        assert_eq!(v.finding, Training::Converged, "{}", v.late_loss_drop);
        // Still falling steeply (20 steps on a small table).
        let falling: Vec<f64> = (0..20).map(|i| 1.15 - 0.023 * i as f64).collect();
        let v = training(&falling, 20, 0.80, Some(0.995), 0.02, 0.05);
        assert_eq!(v.finding, Training::UnderTrained);
        assert!(v.loss_still_falling && v.below_full_batch);
        // Flat, but far below the full-batch model on the same rows.
        let v = training(&flat, 2_600, 0.70, Some(0.824), 0.02, 0.05);
        assert_eq!(v.finding, Training::UnderTrained);
        assert!(!v.loss_still_falling && v.below_full_batch);
        // No full-batch model to compare with: only the loss is read.
        assert_eq!(
            training(&flat, 2_600, 0.70, None, 0.02, 0.05).finding,
            Training::Converged
        );
        // One epoch: no trend to read.
        let v = training(&[0.9], 130, 0.8, None, 0.02, 0.05);
        assert!(v.late_loss_drop.is_nan());
        assert_eq!(v.finding, Training::Converged);
    }

    #[test]
    fn copies_are_warned_from_the_threshold_on() {
        let v = duplicates(0.5, 0.01, 0.05);
        assert_eq!(v.test, Duplication::Warned);
        assert_eq!(v.validation, Duplication::Below);
        let v = duplicates(0.0, 0.05, 0.05);
        assert_eq!(v.test, Duplication::Below);
        assert_eq!(v.validation, Duplication::Warned);
    }

    #[test]
    fn a_model_surer_than_it_is_right_is_overconfident() {
        assert_eq!(
            confidence(0.85, 0.35, 0.1).finding,
            Confidence::Overconfident
        );
        assert_eq!(confidence(0.85, 0.83, 0.1).finding, Confidence::Matches);
        assert_eq!(
            confidence(0.40, 0.83, 0.1).finding,
            Confidence::Underconfident
        );
        assert_eq!(confidence(f64::NAN, 0.83, 0.1).finding, Confidence::Matches);
    }
}
