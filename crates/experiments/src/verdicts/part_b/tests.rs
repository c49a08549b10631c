//! B(b)'s gradient rules on hand-made per-seed records: each fires when its interval lies
//! past its line and says "not detected" (or undetermined) when it does not.

use super::*;

const LR: f64 = 0.1;

/// A setting at the study's rate whose seed `k` has first-to-last weight-gradient ratio
/// `ratio[k]`, saturation `saturation[k]` per hidden layer and, at both moments, mean |δ|
/// `delta[k]` per layer.
fn setting(
    activation: Activation,
    ratio: &[f64],
    saturation: &[Vec<f64>],
    delta: &[Vec<f64>],
) -> GradientSeeds {
    GradientSeeds {
        activation,
        init: InitScheme::Study,
        learning_rate: LR,
        seeds: (0..ratio.len() as u64).collect(),
        weight_first_to_last: ratio.to_vec(),
        saturation_last: saturation.to_vec(),
        delta_start: delta.to_vec(),
        delta_end: delta.to_vec(),
    }
}

fn relu(ratio: &[f64]) -> GradientSeeds {
    let n = ratio.len();
    setting(
        Activation::Relu,
        ratio,
        &vec![vec![0.0, 0.0]; n],
        &vec![vec![0.4, 0.5, 0.5]; n],
    )
}

fn sigmoid(ratio: &[f64], saturation: &[Vec<f64>]) -> GradientSeeds {
    let n = ratio.len();
    setting(
        Activation::Sigmoid,
        ratio,
        saturation,
        &vec![vec![0.1, 0.5, 0.5]; n],
    )
}

fn no_saturation(n: usize) -> Vec<Vec<f64>> {
    vec![vec![0.0, 0.0]; n]
}

#[test]
fn a_ratio_interval_is_the_log_interval_taken_back() {
    // Ratios 2, 4, 8 (logs ln2 · 1, 2, 3): geometric mean 4.
    let r = paired_ratio((&[0, 1, 2], &[2.0, 4.0, 8.0]), (&[0, 1, 2], &[1.0; 3])).unwrap();
    assert!((r.geometric_mean - 4.0).abs() < 1e-12);
    let half = 4.302652730 * std::f64::consts::LN_2 / 3f64.sqrt();
    assert!((r.low - (4f64.ln() - half).exp()).abs() < 1e-9);
    assert!((r.high - (4f64.ln() + half).exp()).abs() < 1e-9);
    assert_eq!(
        r.direction(),
        Direction::NotDetected,
        "the interval reaches below 1"
    );
    // Pairs are found by seed, not by position: seed 7 has no partner.
    let r = paired_ratio((&[2, 1, 7], &[1.0, 1.0, 9.0]), (&[1, 2], &[2.0, 4.0])).unwrap();
    assert_eq!(r.n, 2);
    assert!((r.geometric_mean - (0.25f64 * 0.5).sqrt()).abs() < 1e-12);
    // A zero or a missing value has no logarithm: no interval.
    assert_eq!(
        paired_ratio((&[0, 1], &[0.0, 1.0]), (&[0, 1], &[1.0, 1.0])),
        None
    );
    assert_eq!(
        paired_ratio((&[0, 1], &[f64::NAN, 1.0]), (&[0, 1], &[1.0, 1.0])),
        None
    );
}

/// `g` with its first layer's mean |δ| at the start set so that its share of the output's
/// signal is `share[k]` on seed `k`.
fn signal_share(mut g: GradientSeeds, share: &[f64]) -> GradientSeeds {
    g.delta_start = share.iter().map(|s| vec![0.5 * s, 0.5, 0.5]).collect();
    g
}

#[test]
fn attenuation_is_vanishing_only_when_the_signal_at_the_start_is_below_the_factor() {
    let relu_ratios = [1.0, 1.2, 0.9, 1.1, 1.0];
    let r = signal_share(relu(&relu_ratios), &[0.8, 0.82, 0.79, 0.81, 0.8]);
    // Planted: sigmoid's first layer gets about a ninth of ReLU's share at the start, while
    // its weight-gradient ratio over training is only about half of ReLU's (training
    // dilutes the attenuation; the verdict reads the start).
    let s = sigmoid(&[0.5, 0.62, 0.44, 0.56, 0.5], &no_saturation(5));
    let s = signal_share(s, &[0.09, 0.095, 0.085, 0.092, 0.088]);
    let v = attenuation(&[r.clone(), s.clone()], 0.5).unwrap();
    assert_eq!((v.relu, v.sigmoid), (0, 1));
    assert!(v.signal_at_start.high < 0.5 && v.signal_at_start.geometric_mean > 0.1);
    assert!(
        v.relative.high > 0.5 && v.relative.low < 0.6,
        "{:?}",
        v.relative
    );
    assert!((v.relu_ratio.mean - 1.04).abs() < 1e-12);
    assert_eq!(v.finding, Attenuation::Vanishing);

    // About 0.7 of ReLU's share: detectably smaller, not by the factor (found by activation).
    let s2 = signal_share(s.clone(), &[0.56, 0.58, 0.55, 0.57, 0.56]);
    let v = attenuation(&[s2, r.clone()], 0.5).unwrap();
    assert_eq!((v.relu, v.sigmoid), (1, 0), "found by activation");
    assert!(v.signal_at_start.high < 1.0 && v.signal_at_start.low > 0.5);
    assert_eq!(v.finding, Attenuation::Smaller);

    // Seed by seed either side of ReLU's: nothing detected, whatever the weight gradients say.
    let s3 = signal_share(s.clone(), &[0.9, 0.8, 0.79, 0.75, 0.85]);
    let v = attenuation(&[r.clone(), s3], 0.5).unwrap();
    assert_eq!(v.finding, Attenuation::NotDetected);

    // More than ReLU's everywhere: larger.
    let s4 = signal_share(s.clone(), &[1.6, 1.7, 1.5, 1.65, 1.6]);
    assert_eq!(
        attenuation(&[r.clone(), s4], 0.5).unwrap().finding,
        Attenuation::Larger
    );

    // A diverged seed, a missing activation or another learning rate: no verdict.
    let mut diverged = s.clone();
    diverged.weight_first_to_last[1] = f64::NAN;
    assert_eq!(attenuation(&[r.clone(), diverged], 0.5), None);
    assert_eq!(attenuation(std::slice::from_ref(&r), 0.5), None);
    // Without a ReLU setting at the study's initialisation: no verdict.
    let mut scaled = r.clone();
    scaled.init = InitScheme::SigmoidScaled;
    assert_eq!(attenuation(&[scaled, s], 0.5), None);
}

#[test]
fn saturation_is_negligible_only_when_the_whole_interval_is_below_the_threshold() {
    let r = relu(&[1.0; 4]);
    // The most saturated layer per seed is layer 2 or layer 1: 1 %, 2 %, 1 %, 2 %.
    let low = vec![
        vec![0.0, 0.01],
        vec![0.02, 0.0],
        vec![0.0, 0.01],
        vec![0.01, 0.02],
    ];
    let v = saturation(&[r.clone(), sigmoid(&[0.5; 4], &low)], 0.05).unwrap();
    assert_eq!(v.sigmoid, 1);
    assert!((v.share.mean - 0.015).abs() < 1e-12);
    assert!((v.layers[0].unwrap().mean - 0.0075).abs() < 1e-12);
    assert_eq!(v.finding, Saturation::Negligible);

    // Around the threshold: undetermined. Well above it: notable.
    let around = vec![
        vec![0.0, 0.02],
        vec![0.09, 0.0],
        vec![0.0, 0.03],
        vec![0.07, 0.0],
    ];
    let v = saturation(&[r.clone(), sigmoid(&[0.5; 4], &around)], 0.05).unwrap();
    assert!(v.share.contains(0.05));
    assert_eq!(v.finding, Saturation::Undetermined);
    let high = vec![
        vec![0.3, 0.2],
        vec![0.4, 0.1],
        vec![0.35, 0.0],
        vec![0.3, 0.3],
    ];
    let v = saturation(&[sigmoid(&[0.5; 4], &high)], 0.05).unwrap();
    assert_eq!(v.finding, Saturation::Notable);

    // A diverged seed has no shares: no verdict rather than a verdict from fewer seeds.
    let mut diverged = low.clone();
    diverged[2] = vec![];
    assert_eq!(saturation(&[sigmoid(&[0.5; 4], &diverged)], 0.05), None);
    assert_eq!(saturation(&[r], 0.05), None, "no sigmoid runs");
}

#[test]
fn the_site_names_the_layers_whose_gain_is_detectably_smaller() {
    let n = 5;
    let r = relu(&[1.0; 5]);
    // ReLU's gains: 0.4/0.5 = 0.8 at layer 1, about 1 at layer 2. Sigmoid's layer 1
    // passes 0.16 to 0.22 of its layer-2 signal (about a quarter of ReLU's gain), its
    // layer 2 about as much as ReLU's, with seed-to-seed spread so that the paired
    // intervals have width.
    let delta: Vec<Vec<f64>> = (0..n)
        .map(|k| {
            let j = 0.01 * k as f64;
            vec![0.08 + j, 0.5 + j, 0.5 + 2.0 * j]
        })
        .collect();
    let mut s = sigmoid(&[0.5; 5], &no_saturation(n));
    s.delta_start = delta.clone();
    s.delta_end = delta;
    // ReLU's layer-2 gain varies a little by seed around 1.
    let mut r = r;
    r.delta_start = (0..n)
        .map(|k| vec![0.4, 0.5, 0.5 + 0.03 * (k as f64 - 2.0)])
        .collect();
    r.delta_end = r.delta_start.clone();
    let v = attenuation_site(&[r.clone(), s.clone()], Moment::Initialisation).unwrap();
    assert_eq!(v.layers.len(), 2);
    assert_eq!(v.smaller, vec![1]);
    assert!(v.larger.is_empty());
    assert_eq!(v.layers[1].direction, Direction::NotDetected);
    let g = v.layers[0].relative.unwrap();
    assert!(g.high < 1.0 && g.geometric_mean > 0.15 && g.geometric_mean < 0.25);
    assert_eq!(v.first_to_last.unwrap().direction(), Direction::Lower);

    // After training sigmoid's layer 1 passes as much as ReLU's, with spread: nothing
    // detected anywhere; the moment is the one asked for.
    s.delta_end = (0..n)
        .map(|k| {
            vec![
                0.4 + 0.02 * (k as f64 - 2.0) * (k as f64 % 2.0 - 0.5),
                0.5,
                0.5,
            ]
        })
        .collect();
    let v = attenuation_site(&[r.clone(), s.clone()], Moment::AfterTraining).unwrap();
    assert_eq!(v.moment, Moment::AfterTraining);
    assert!(v.smaller.is_empty() && v.larger.is_empty(), "{v:?}");

    // A diverged sigmoid seed (no signals after training): that moment has no intervals.
    s.delta_end[3] = vec![];
    let v = attenuation_site(&[r.clone(), s.clone()], Moment::AfterTraining).unwrap();
    assert!(v.layers.iter().all(|g| g.relative.is_none()));
    assert!(v.smaller.is_empty() && v.first_to_last.is_none());
    assert_eq!(attenuation_site(&[s], Moment::Initialisation), None);
}

#[test]
fn the_hidden_layers_gain_is_the_paired_difference_over_the_same_seeds() {
    use crate::evidence::{SeedRuns, SoftmaxRegression};
    let relu = |val_acc: &[f64]| SeedRuns {
        activation: Activation::Relu,
        init: InitScheme::Study,
        learning_rate: LR,
        iterations: 200,
        seeds: vec![0, 1, 2, 3],
        val_acc: val_acc.to_vec(),
        loss: vec![0.4; 4],
        diverged: 0,
        val_acc_interval: mean_interval(val_acc),
        loss_interval: None,
    };
    let softmax = |val_acc: &[f64]| SoftmaxRegression {
        learning_rate: LR,
        iterations: 200,
        seeds: vec![0, 1, 2, 3],
        train_acc: val_acc.to_vec(),
        val_acc: val_acc.to_vec(),
        loss: vec![0.5; 4],
        diverged: 0,
        train_acc_interval: mean_interval(val_acc),
        val_acc_interval: mean_interval(val_acc),
    };
    // The hidden layers add about five points on every seed.
    let gain = hidden_layers_gain(
        &relu(&[0.82, 0.81, 0.83, 0.82]),
        &softmax(&[0.77, 0.765, 0.775, 0.772]),
    )
    .unwrap();
    assert_eq!(gain.direction(), Direction::Higher);
    assert!((gain.mean - 0.0495).abs() < 1e-12);
    // As good as the softmax regression, seed by seed either side: not detected.
    let same = hidden_layers_gain(
        &relu(&[0.62, 0.61, 0.625, 0.615]),
        &softmax(&[0.615, 0.62, 0.62, 0.618]),
    )
    .unwrap();
    assert_eq!(same.direction(), Direction::NotDetected);
    // Other seeds, or a diverged one: no comparison.
    let mut other = softmax(&[0.77; 4]);
    other.seeds = vec![4, 5, 6, 7];
    assert_eq!(hidden_layers_gain(&relu(&[0.8; 4]), &other), None);
    assert_eq!(
        hidden_layers_gain(
            &relu(&[0.8, 0.81, 0.8, 0.8]),
            &softmax(&[0.7, f64::NAN, 0.7, 0.7])
        ),
        None
    );
}
