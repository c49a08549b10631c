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

fn cell(mode: &str, lr: f64, reached: usize, iterations: Option<f64>, rises: f64) -> Q2Cell {
    Q2Cell {
        mode: mode.to_string(),
        learning_rate: lr,
        diverged_seeds: 0,
        stable: true,
        final_loss_mean: 0.5,
        final_loss_sd: 0.01,
        val_acc_mean: 0.6,
        iterations_to_target: vec![None; 2],
        iterations_to_target_mean: iterations,
        seeds_reaching_target: reached,
        loss_increases_mean: rises,
        loss_curve: vec![],
    }
}

fn headline(best: f64, best_lr: Option<f64>, stable: Option<f64>) -> Q2Headline {
    Q2Headline {
        final_loss: 0.5,
        val_acc: 0.6,
        iterations_to_target: None,
        seeds_reaching_target: 2,
        best_final_loss: best,
        best_learning_rate: best_lr,
        largest_stable_learning_rate: stable,
    }
}

const RULES: Q2Rules = Q2Rules {
    speed_ratio: 1.1,
    smooth_ratio: 1.5,
    smooth_offset: 1.0,
};

#[test]
fn speed_is_judged_at_the_smallest_rate_where_every_seed_of_both_arrives() {
    let cells = [
        cell("shared", 0.1, 1, Some(400.0), 0.0),
        cell("independent", 0.1, 2, Some(100.0), 0.0),
        cell("shared", 1.0, 2, Some(130.0), 0.0),
        cell("independent", 1.0, 2, Some(100.0), 0.0),
    ];
    let h = headline(0.4, Some(1.0), Some(1.0));
    let v = q2(&cells, &[0.1, 1.0], 2, &h, &h, RULES);
    let s = v.speed.unwrap();
    assert_eq!(
        (s.learning_rate, s.shared_cell, s.independent_cell),
        (1.0, 2, 3)
    );
    assert_eq!(s.finding, Comparison::Worse, "130 > 1.1 × 100");

    let mut close = cells.clone();
    close[2].iterations_to_target_mean = Some(105.0);
    let v = q2(&close, &[0.1, 1.0], 2, &h, &h, RULES);
    assert_eq!(v.speed.unwrap().finding, Comparison::Same);

    let mut faster = cells.clone();
    faster[2].iterations_to_target_mean = Some(50.0);
    let v = q2(&faster, &[0.1, 1.0], 2, &h, &h, RULES);
    assert_eq!(v.speed.unwrap().finding, Comparison::Better);

    let mut never = cells.clone();
    never[2].seeds_reaching_target = 1;
    assert_eq!(q2(&never, &[0.1, 1.0], 2, &h, &h, RULES).speed, None);
}

#[test]
fn attainable_loss_and_stability_compare_the_headlines() {
    let cells: [Q2Cell; 0] = [];
    let v = q2(
        &cells,
        &[],
        2,
        &headline(0.41, Some(1.0), Some(1.0)),
        &headline(0.40, Some(1.0), Some(3.0)),
        RULES,
    );
    assert_eq!(v.attainable_loss.unwrap().finding, Comparison::Worse);
    let st = v.stability.unwrap();
    assert_eq!((st.shared, st.independent), (1.0, 3.0));
    assert_eq!(st.finding, Comparison::Worse);

    let v = q2(
        &cells,
        &[],
        2,
        &headline(0.40, Some(1.0), Some(3.0)),
        &headline(0.40, Some(1.0), Some(3.0)),
        RULES,
    );
    assert_eq!(v.attainable_loss.unwrap().finding, Comparison::Same);
    assert_eq!(v.stability.unwrap().finding, Comparison::Same);

    let v = q2(
        &cells,
        &[],
        2,
        &headline(f64::NAN, None, None),
        &headline(0.40, Some(1.0), Some(3.0)),
        RULES,
    );
    assert_eq!((v.attainable_loss, v.stability), (None, None));
}

#[test]
fn smoothness_is_judged_where_oscillation_sets_in() {
    let cells = [
        cell("shared", 0.1, 2, None, 0.0),
        cell("independent", 0.1, 2, None, 0.0),
        cell("shared", 1.0, 2, None, 9.0),
        cell("independent", 1.0, 2, None, 2.0),
    ];
    let h = headline(0.4, Some(1.0), Some(1.0));
    let sm = q2(&cells, &[0.1, 1.0], 2, &h, &h, RULES)
        .smoothness
        .unwrap();
    assert_eq!((sm.learning_rate, sm.shared_cell), (1.0, 2));
    assert_eq!(sm.finding, Comparison::Worse, "9 > 1.5 × 2 + 1");

    let mut even = cells.clone();
    even[2].loss_increases_mean = 4.0;
    let sm = q2(&even, &[0.1, 1.0], 2, &h, &h, RULES).smoothness.unwrap();
    assert_eq!(sm.finding, Comparison::Same, "4 ≤ 1.5 × 2 + 1");

    let mut unstable = cells.clone();
    unstable[3].stable = false;
    assert_eq!(
        q2(&unstable, &[0.1, 1.0], 2, &h, &h, RULES).smoothness,
        None
    );
}
