//! Each rule on small hand-made records: it fires when its condition holds and not when it
//! does not, with the numbers it was drawn from.

use models::Activation;

use super::*;

fn point(learning_rate: f64, val_acc: f64) -> SweepPoint {
    SweepPoint {
        learning_rate,
        iterations: 100,
        loss: 1.0,
        train_acc: val_acc,
        val_acc,
        diverged_at: None,
    }
}

#[test]
fn sigmoid_is_slow_only_when_the_best_run_beats_the_majority_by_the_margin() {
    let sweep = [point(0.1, 0.50), point(1.0, 0.62), point(3.0, f64::NAN)];
    let v = sigmoid_sweep(&sweep, 0.56, 0.05).unwrap();
    assert_eq!((v.best, v.best_val_acc), (1, 0.62));
    assert_eq!(v.finding, SigmoidProgress::Slow);
    let v = sigmoid_sweep(&sweep, 0.58, 0.05).unwrap();
    assert_eq!(
        v.finding,
        SigmoidProgress::Stuck,
        "0.62 is not past 0.58 + 0.05"
    );
    assert_eq!(sigmoid_sweep(&[point(0.1, f64::NAN)], 0.5, 0.05), None);
    assert_eq!(sigmoid_sweep(&[], 0.5, 0.05), None);
}

fn evidence(activation: Activation, ratio: f64, saturation_last: Vec<f64>) -> GradientEvidence {
    GradientEvidence {
        activation,
        initial: vec![1e-3, 2e-3, 3e-3],
        last: vec![1e-4, 2e-4, 3e-4],
        first_to_last_ratio: ratio,
        w1_to_w2_ratio: ratio,
        saturation_initial: vec![0.0, 0.0],
        saturation_last,
    }
}

#[test]
fn vanishing_and_saturation_fire_on_their_thresholds_only() {
    let records = [
        evidence(Activation::Relu, 0.8, vec![0.0, 0.0]),
        evidence(Activation::Sigmoid, 0.3, vec![0.01, 0.2]),
    ];
    let v = gradients(&records, 0.5, 0.05).unwrap();
    assert_eq!((v.relu, v.sigmoid), (0, 1));
    assert_eq!(v.attenuation, Attenuation::Vanishing, "0.3 < 0.5 × 0.8");
    assert_eq!((v.max_saturation, v.max_saturation_layer), (0.2, 1));
    assert_eq!(v.saturation, Saturation::Notable);

    // Found by activation, not by position; a ratio of 0.5 × 0.8 = 0.4 is not below it.
    let records = [
        evidence(Activation::Sigmoid, 0.4, vec![0.04, 0.01]),
        evidence(Activation::Relu, 0.8, vec![0.0, 0.0]),
    ];
    let v = gradients(&records, 0.5, 0.05).unwrap();
    assert_eq!((v.relu, v.sigmoid), (1, 0));
    assert_eq!(v.attenuation, Attenuation::Comparable);
    assert_eq!((v.max_saturation, v.max_saturation_layer), (0.04, 0));
    assert_eq!(v.saturation, Saturation::Negligible);

    assert_eq!(gradients(&records[..1], 0.5, 0.05), None, "no ReLU record");
}

#[test]
fn a_collapse_needs_a_gap_past_the_threshold_and_enough_test_rows() {
    let c = collapse(0.80, 0.30, 7_000, 0.05, 30);
    assert_eq!(c.finding, Collapse::Collapse);
    assert!((c.gap - 0.5).abs() < 1e-12);
    // Test above validation: a negative gap is never a collapse.
    let c = collapse(0.60, 0.76, 7_000, 0.05, 30);
    assert_eq!(c.finding, Collapse::NoCollapse);
    assert!(c.gap < 0.0);
    // A small gap is not material.
    assert_eq!(
        collapse(0.60, 0.57, 7_000, 0.05, 30).finding,
        Collapse::NoCollapse
    );
    // One test row: whatever the gap, too few rows.
    let c = collapse(0.80, 0.0, 1, 0.05, 30);
    assert_eq!(c.finding, Collapse::TooFewRows);
    assert_eq!((c.test_rows, c.min_test_rows), (1, 30));
}

#[test]
fn overfitting_and_class_mix_rules() {
    assert_eq!(overfitting(0.01, 0.03).finding, Overfitting::Absent);
    assert_eq!(overfitting(-0.02, 0.03).finding, Overfitting::Absent);
    assert_eq!(overfitting(0.04, 0.03).finding, Overfitting::Possible);
    assert_eq!(overfitting(-0.05, 0.03).finding, Overfitting::Possible);
    assert_eq!(class_mix(0.004, 0.02).finding, ClassMix::Same);
    assert_eq!(class_mix(0.02, 0.02).finding, ClassMix::Shifted);
}
