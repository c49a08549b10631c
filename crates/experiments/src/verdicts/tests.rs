//! Each rule on small hand-made records: it fires when its condition holds and not when it
//! does not, with the numbers it was drawn from.

use models::Activation;

use super::*;
use crate::evidence::{InitScheme, SeedRuns};

fn runs(init: InitScheme, learning_rate: f64, val_acc: &[f64]) -> SeedRuns {
    SeedRuns {
        activation: Activation::Sigmoid,
        init,
        learning_rate,
        iterations: 200,
        seeds: (0..val_acc.len() as u64).collect(),
        val_acc: val_acc.to_vec(),
        loss: vec![1.0; val_acc.len()],
        diverged: val_acc.iter().filter(|v| v.is_nan()).count(),
        val_acc_interval: crate::interval::mean_interval(val_acc),
        loss_interval: None,
    }
}

const STUDY: InitScheme = InitScheme::Study;
const SCALED: InitScheme = InitScheme::SigmoidScaled;

/// A setting's runs with training losses `loss` (one per seed).
fn with_loss(mut r: SeedRuns, loss: &[f64]) -> SeedRuns {
    r.loss = loss.to_vec();
    r.loss_interval = crate::interval::mean_interval(loss);
    r
}

#[test]
fn sigmoid_is_called_stuck_only_where_relu_learns_and_slow_when_its_loss_beats_the_priors() {
    const ENTROPY: f64 = 1.11;
    let relu_learns = SeedRuns {
        activation: Activation::Relu,
        ..runs(STUDY, 0.1, &[0.80, 0.82, 0.81, 0.815])
    };
    let at_majority = [0.56, 0.56, 0.561, 0.56];
    // The cause of "slow" planted: accuracy at the majority, loss below the priors' entropy.
    let slow = with_loss(runs(STUDY, 0.1, &at_majority), &[1.03, 1.06, 1.05, 1.04]);
    let v = sigmoid_progress((0, &slow), &relu_learns, ENTROPY, 0.56, 0.05).unwrap();
    assert_eq!(v.finding, SigmoidProgress::Slow);
    assert!((v.loss_below_prior.mean - 0.065).abs() < 1e-12);
    assert_eq!(v.study, 0);
    // The cause of "stuck" planted: the loss stays at the entropy while ReLU learns.
    let stuck = with_loss(runs(STUDY, 0.1, &at_majority), &[1.11, 1.112, 1.109, 1.111]);
    let v = sigmoid_progress((0, &stuck), &relu_learns, ENTROPY, 0.56, 0.05).unwrap();
    assert_eq!(v.finding, SigmoidProgress::Stuck);
    // Another cause planted (random labels): ReLU learns nothing either, so sigmoid is
    // not called stuck.
    let relu_flat = SeedRuns {
        activation: Activation::Relu,
        ..runs(STUDY, 0.1, &[0.56, 0.561, 0.559, 0.56])
    };
    let v = sigmoid_progress((0, &stuck), &relu_flat, ENTROPY, 0.56, 0.05).unwrap();
    assert_eq!(v.finding, SigmoidProgress::NeitherLearns);
    // No problem: sigmoid learns.
    let learns = with_loss(runs(STUDY, 0.1, &[0.70, 0.69, 0.71, 0.70]), &[0.6; 4]);
    let v = sigmoid_progress((0, &learns), &relu_learns, ENTROPY, 0.56, 0.05).unwrap();
    assert_eq!(v.finding, SigmoidProgress::Learns);
    // Intervals across both lines decide nothing.
    let wide = with_loss(
        runs(STUDY, 0.1, &[0.50, 0.80, 0.60, 0.58]),
        &[1.0, 1.2, 1.1, 1.15],
    );
    let v = sigmoid_progress((0, &wide), &relu_learns, ENTROPY, 0.56, 0.05).unwrap();
    assert_eq!(v.finding, SigmoidProgress::Undetermined);
    // A diverged seed or seeds that do not pair: no verdict.
    let diverged = with_loss(runs(STUDY, 0.1, &[0.56, f64::NAN, 0.56, 0.56]), &[1.0; 4]);
    assert_eq!(
        sigmoid_progress((0, &diverged), &relu_learns, ENTROPY, 0.56, 0.05),
        None
    );
    let mut unpaired = relu_learns.clone();
    unpaired.seeds = vec![7, 8, 9, 10];
    assert_eq!(
        sigmoid_progress((0, &slow), &unpaired, ENTROPY, 0.56, 0.05),
        None
    );
}

#[test]
fn the_remedy_follows_the_paired_differences() {
    let study = runs(STUDY, 0.1, &[0.56, 0.57, 0.56, 0.58]);
    let step = runs(STUDY, 1.0, &[0.80, 0.82, 0.79, 0.81]);
    let weaker_step = runs(STUDY, 0.3, &[0.70, 0.71, 0.70, 0.72]);
    let same_as_study = runs(SCALED, 0.1, &[0.57, 0.56, 0.58, 0.56]);
    let better_init = runs(SCALED, 0.1, &[0.60, 0.61, 0.60, 0.62]);

    let all = [
        study.clone(),
        weaker_step.clone(),
        step.clone(),
        same_as_study,
    ];
    let v = remedy(&all, (0, 3)).unwrap();
    assert_eq!((v.study, v.larger_step, v.scaled_init), (0, 2, 3));
    assert!((v.step_difference.mean - 0.2375).abs() < 1e-12);
    assert_eq!(v.init_difference.direction(), Direction::NotDetected);
    assert_eq!(v.finding, Remedy::StepSize);

    let all = [study.clone(), step.clone(), better_init.clone()];
    assert_eq!(remedy(&all, (0, 2)).unwrap().finding, Remedy::Both);
    let all = [
        study.clone(),
        runs(STUDY, 1.0, &[0.56, 0.58, 0.56, 0.57]),
        better_init,
    ];
    assert_eq!(
        remedy(&all, (0, 2)).unwrap().finding,
        Remedy::Initialisation
    );
    let flat = runs(STUDY, 1.0, &[0.57, 0.56, 0.58, 0.56]);
    let all = [
        study.clone(),
        flat,
        runs(SCALED, 0.1, &[0.56, 0.57, 0.56, 0.58]),
    ];
    assert_eq!(remedy(&all, (0, 2)).unwrap().finding, Remedy::Neither);

    // No scaled run, or seeds that do not pair: no verdict.
    // Positions that do not hold the scaled run: no verdict.
    assert_eq!(remedy(&[study.clone(), step.clone()], (0, 1)), None);
    assert_eq!(remedy(&[study.clone(), step.clone()], (0, 2)), None);
    let mut unpaired = runs(SCALED, 0.1, &[0.60, 0.61, 0.60, 0.62]);
    unpaired.seeds = vec![9, 10, 11, 12];
    assert_eq!(remedy(&[study, step, unpaired], (0, 2)), None);
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

fn accuracies(name: &str, test_acc: &[f64], original: Option<&[f64]>) -> SeedAccuracies {
    SeedAccuracies {
        name: name.to_string(),
        seeds: (0..test_acc.len() as u64).collect(),
        train_acc: Vec::new(),
        val_acc: test_acc.to_vec(),
        test_acc: test_acc.to_vec(),
        test_acc_interval: crate::interval::mean_interval(test_acc),
        test_difference: original.and_then(|o| crate::interval::paired_interval(test_acc, o)),
    }
}

#[test]
fn the_best_mitigation_over_seeds_is_judged_by_paired_intervals() {
    let original = [0.35, 0.34, 0.36, 0.35];
    let drop = [0.62, 0.63, 0.61, 0.62];
    let decay = [0.36, 0.34, 0.37, 0.35];
    let models = [
        accuracies("original", &original, None),
        accuracies("weight_decay", &decay, Some(&original)),
        accuracies("drop_root_cause", &drop, Some(&original)),
    ];
    let v = best_mitigation_over_seeds(&models).unwrap();
    assert_eq!(
        (v.best, v.runner_up),
        (2, Some(1)),
        "the original is no candidate"
    );
    assert_eq!(v.finding, Direction::Higher);
    assert!((v.over_original.mean - 0.27).abs() < 1e-12);
    assert_eq!(v.over_runner_up.unwrap().direction(), Direction::Higher);

    // Alone, weight decay is the best, but its gain over the original is not detected.
    let v = best_mitigation_over_seeds(&models[..2]).unwrap();
    assert_eq!((v.best, v.runner_up, v.over_runner_up), (1, None, None));
    assert_eq!(v.finding, Direction::NotDetected);
    assert_eq!(best_mitigation_over_seeds(&models[..1]), None);
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

fn band(activation: Activation, seeds: &[u64], final_val_acc: &[f64]) -> crate::evidence::SeedBand {
    crate::evidence::SeedBand {
        activation,
        seeds: seeds.to_vec(),
        train_acc_mean: vec![],
        train_acc_sd: vec![],
        val_acc_mean: vec![],
        val_acc_sd: vec![],
        final_val_acc: final_val_acc.to_vec(),
        final_val_acc_mean: 0.0,
        final_val_acc_sd: 0.0,
    }
}

#[test]
fn the_activation_gap_is_paired_by_seed_and_says_when_it_is_not_detected() {
    let seeds = [1, 2, 3, 4, 5];
    // Seeds move both activations together; ReLU is 0.25 to 0.27 ahead in every pair.
    let relu = band(Activation::Relu, &seeds, &[0.82, 0.80, 0.84, 0.81, 0.83]);
    let sigmoid = band(Activation::Sigmoid, &seeds, &[0.56, 0.55, 0.57, 0.55, 0.57]);
    let gap = activation_gap(&[relu.clone(), sigmoid.clone()]).unwrap();
    assert!((gap.mean - 0.26).abs() < 1e-12);
    assert_eq!(gap.direction(), Direction::Higher);

    // Equal on average, pair by pair both ways: no difference detected.
    let close = band(Activation::Sigmoid, &seeds, &[0.83, 0.79, 0.85, 0.80, 0.83]);
    let gap = activation_gap(&[relu.clone(), close]).unwrap();
    assert_eq!(gap.direction(), Direction::NotDetected);

    // Different seeds cannot be paired; a missing band gives nothing.
    let other = band(
        Activation::Sigmoid,
        &[6, 7, 8, 9, 10],
        &sigmoid.final_val_acc,
    );
    assert_eq!(activation_gap(&[relu.clone(), other]), None);
    assert_eq!(activation_gap(&[relu]), None);
}
