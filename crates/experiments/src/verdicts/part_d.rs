//! Part D's verdicts over seeds: overfitting read from the train − validation gap of the
//! original model trained from every seed of the mitigation comparison, and the class
//! imbalance explanation read from the class-weighted mitigation paired with the original
//! seed by seed. One model's single gap, or one threshold on the class shares, cannot say
//! how much the seed alone moves them; these intervals can.

use serde::{Deserialize, Serialize};

use crate::evidence::SeedAccuracies;
use crate::interval::{Direction, Interval, Range, mean_interval_in};

/// What the train − validation gap over seeds says about overfitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GapOverSeeds {
    /// The whole 95 % interval of the gap lies below the threshold: overfitting is ruled
    /// out at that threshold.
    Absent,
    /// The whole interval lies at or above the threshold: the model fits its training rows
    /// better than validation rows by at least that much.
    Present,
    /// The interval straddles the threshold: more seeds would be needed to say either.
    Undetermined,
}

/// The overfitting verdict over seeds and what it was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OverfittingOverSeeds {
    /// Index into `mitigation_seeds` of the model read (the original).
    pub model: usize,
    /// Training minus validation accuracy, mean over seeds with its 95 % interval.
    pub gap: Interval,
    /// The threshold (`PartDConfig::overfitting_gap`).
    pub max_gap: f64,
    /// The verdict.
    pub finding: GapOverSeeds,
}

/// Where the interval of per-seed gaps `a − b` lies against `threshold`, or `None` with
/// mismatched lengths or fewer than two seeds.
fn gap_over_seeds(a: &[f64], b: &[f64], threshold: f64) -> Option<(Interval, GapOverSeeds)> {
    if a.len() != b.len() {
        return None;
    }
    let gaps: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let gap = mean_interval_in(&gaps, Range::PROPORTION_DIFFERENCE)?;
    let finding = if gap.high < threshold {
        GapOverSeeds::Absent
    } else if gap.low >= threshold {
        GapOverSeeds::Present
    } else {
        GapOverSeeds::Undetermined
    };
    Some((gap, finding))
}

/// The collapse over seeds: validation minus test accuracy of the original model trained
/// from every seed, against the collapse threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CollapseOverSeeds {
    /// Index into `mitigation_seeds` of the model read (the original).
    pub model: usize,
    /// Validation minus test accuracy, mean over seeds with its 95 % interval.
    pub gap: Interval,
    /// The threshold (`PartDConfig::collapse_gap`).
    pub min_gap: f64,
    /// `Present`: the whole interval is at or past the threshold, a collapse on every
    /// reading the seeds allow; `Absent`: wholly below; `Undetermined`: it straddles.
    pub finding: GapOverSeeds,
}

/// The collapse verdict over the seeds of `models[model]`; `None` with fewer than two.
pub fn collapse_over_seeds(
    models: &[SeedAccuracies],
    model: usize,
    min_gap: f64,
) -> Option<CollapseOverSeeds> {
    let m = models.get(model)?;
    let (gap, finding) = gap_over_seeds(&m.val_acc, &m.test_acc, min_gap)?;
    Some(CollapseOverSeeds {
        model,
        gap,
        min_gap,
        finding,
    })
}

/// Overfitting from the per-seed training and validation accuracies of `models[model]`:
/// `Absent` when the interval's upper end is below `max_gap`, `Present` when its lower end
/// is at least `max_gap`, else `Undetermined`. `None` when the model lacks training
/// accuracies (a record written before they were kept) or has fewer than two seeds.
pub fn overfitting_over_seeds(
    models: &[SeedAccuracies],
    model: usize,
    max_gap: f64,
) -> Option<OverfittingOverSeeds> {
    let m = models.get(model)?;
    let (gap, finding) = gap_over_seeds(&m.train_acc, &m.val_acc, max_gap)?;
    Some(OverfittingOverSeeds {
        model,
        gap,
        max_gap,
        finding,
    })
}

/// The class-imbalance explanation, tested by its own remedy: the class-weighted loss
/// against the original model, test accuracy paired by seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClassWeighting {
    /// Index into `mitigation_seeds` of the class-weighted model.
    pub model: usize,
    /// Its test accuracy minus the original's, paired by seed.
    pub difference: Interval,
    /// `Higher`: weighting the loss by class detectably raises test accuracy, so the
    /// imbalance costs accuracy on test; `NotDetected`: no gain detected; `Lower`: it
    /// detectably costs accuracy.
    pub finding: Direction,
}

/// The class-weighting verdict from `models[model]`'s paired test difference; `None` when
/// it has none (the original itself, or fewer than two seeds).
pub fn class_weighting(models: &[SeedAccuracies], model: usize) -> Option<ClassWeighting> {
    let difference = models.get(model)?.test_difference?;
    Some(ClassWeighting {
        model,
        difference,
        finding: difference.direction(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interval::{mean_interval, paired_interval};

    fn seeds(
        name: &str,
        train: &[f64],
        val: &[f64],
        test: &[f64],
        original: &[f64],
    ) -> SeedAccuracies {
        SeedAccuracies {
            name: name.to_string(),
            seeds: (0..val.len() as u64).collect(),
            train_acc: train.to_vec(),
            val_acc: val.to_vec(),
            test_acc: test.to_vec(),
            test_acc_interval: mean_interval(test),
            test_difference: (name != "original")
                .then(|| paired_interval(test, original))
                .flatten(),
        }
    }

    const VAL: [f64; 5] = [0.80, 0.81, 0.79, 0.80, 0.82];
    const TEST: [f64; 5] = [0.50, 0.52, 0.49, 0.51, 0.50];

    fn original(train: &[f64]) -> Vec<SeedAccuracies> {
        vec![seeds("original", train, &VAL, &TEST, &TEST)]
    }

    #[test]
    fn overfitting_is_ruled_out_only_when_the_whole_interval_is_below_the_threshold() {
        // Gaps 0.01 ± a little: the interval lies below 0.03.
        let train = [0.81, 0.82, 0.80, 0.81, 0.83];
        let v = overfitting_over_seeds(&original(&train), 0, 0.03).unwrap();
        assert_eq!(v.finding, GapOverSeeds::Absent);
        assert!((v.gap.mean - 0.01).abs() < 1e-9);
        assert!(v.gap.high < 0.03);
        // A mean gap of 0.01 whose seeds spread widely: the interval reaches past 0.03.
        let train = [0.80, 0.87, 0.77, 0.81, 0.82];
        let v = overfitting_over_seeds(&original(&train), 0, 0.03).unwrap();
        assert!((v.gap.mean - 0.01).abs() < 1e-9);
        assert_eq!(v.finding, GapOverSeeds::Undetermined);
        // Every seed's gap about 0.10: overfitting is present.
        let train = [0.90, 0.91, 0.89, 0.90, 0.93];
        let v = overfitting_over_seeds(&original(&train), 0, 0.03).unwrap();
        assert_eq!(v.finding, GapOverSeeds::Present);
        assert!(v.gap.low >= 0.03);
    }

    #[test]
    fn a_collapse_over_seeds_needs_the_whole_interval_past_the_threshold() {
        // Validation about 0.80, test about 0.50: a gap of about 0.30 on every seed.
        let v = collapse_over_seeds(&original(&VAL), 0, 0.05).unwrap();
        assert_eq!(v.finding, GapOverSeeds::Present);
        assert!((v.gap.mean - 0.30).abs() < 1e-9);
        // Test as good as validation: no collapse.
        let same = vec![seeds("original", &VAL, &VAL, &VAL, &VAL)];
        let v = collapse_over_seeds(&same, 0, 0.05).unwrap();
        assert_eq!(v.finding, GapOverSeeds::Absent);
        // Gaps 0 to 0.12 around a mean of 0.05: neither.
        let test = [0.80, 0.69, 0.79, 0.76, 0.79];
        let wide = vec![seeds("original", &VAL, &VAL, &test, &test)];
        let v = collapse_over_seeds(&wide, 0, 0.05).unwrap();
        assert!((v.gap.mean - 0.038).abs() < 1e-9, "{v:?}");
        assert_eq!(v.finding, GapOverSeeds::Undetermined);
        assert!(collapse_over_seeds(&wide, 1, 0.05).is_none());
    }

    #[test]
    fn no_training_accuracies_no_overfitting_verdict() {
        assert!(overfitting_over_seeds(&original(&[]), 0, 0.03).is_none());
        assert!(overfitting_over_seeds(&original(&[0.9]), 0, 0.03).is_none());
        assert!(overfitting_over_seeds(&original(&VAL), 1, 0.03).is_none());
        let one = vec![seeds("original", &[0.9], &[0.8], &[0.5], &[0.5])];
        assert!(overfitting_over_seeds(&one, 0, 0.03).is_none());
    }

    #[test]
    fn class_weighting_reads_the_paired_difference() {
        let mut models = original(&VAL);
        let gain = [0.60, 0.61, 0.60, 0.62, 0.59];
        models.push(seeds("class_weights", &VAL, &VAL, &gain, &TEST));
        let v = class_weighting(&models, 1).unwrap();
        assert_eq!(v.finding, Direction::Higher);
        assert!((v.difference.mean - 0.10).abs() < 1e-9);
        // The same mean test accuracy as the original, seed by seed a wash.
        let wash = [0.51, 0.51, 0.50, 0.50, 0.50];
        models[1] = seeds("class_weights", &VAL, &VAL, &wash, &TEST);
        assert_eq!(
            class_weighting(&models, 1).unwrap().finding,
            Direction::NotDetected
        );
        let loss = [0.40, 0.41, 0.40, 0.42, 0.39];
        models[1] = seeds("class_weights", &VAL, &VAL, &loss, &TEST);
        assert_eq!(
            class_weighting(&models, 1).unwrap().finding,
            Direction::Lower
        );
        // The original has no difference from itself.
        assert!(class_weighting(&models, 0).is_none());
        assert!(class_weighting(&models, 2).is_none());
    }
}
