//! The measured numbers the verdicts are drawn from, shared by the parts that measure them
//! (`part_b`, `q2`) and `verdicts`, which reads them: kept apart so that imports point one
//! way (part → verdicts → evidence).

use models::Activation;

use crate::interval::Interval;
use serde::{Deserialize, Serialize};

mod part_d;
pub use part_d::{Candidate, CandidateKind, ColumnRelation};

/// One cell of the sigmoid learning-rate × iterations sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SweepPoint {
    /// The position of its learning rate in `config.sweep_learning_rates`: the points of one
    /// run share it.
    pub rate: usize,
    /// Learning rate.
    pub learning_rate: f64,
    /// Iterations trained when read.
    pub iterations: usize,
    /// Training loss then.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub loss: f64,
    /// Training accuracy then.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub train_acc: f64,
    /// Validation accuracy then.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub val_acc: f64,
    /// Iteration at which training diverged, if it did (no later checkpoints then).
    pub diverged_at: Option<usize>,
}

/// Part B(b)'s evidence for one activation: gradient magnitudes per layer and saturation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GradientEvidence {
    /// Hidden activation.
    pub activation: Activation,
    /// Mean |∂L/∂W_l| per layer at the first iteration.
    pub initial: Vec<f64>,
    /// Mean |∂L/∂W_l| per layer at the last iteration.
    pub last: Vec<f64>,
    /// Mean over iterations of |∂L/∂W1| / |∂L/∂W_last|: how much smaller the first layer's
    /// gradient is than the output layer's (vanishing gradients make this ≪ 1).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub first_to_last_ratio: f64,
    /// Mean over iterations of |∂L/∂W1| / |∂L/∂W2|, the two layers the assignment names.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub w1_to_w2_ratio: f64,
    /// Share of saturated hidden units (g′(z) < 0.01) per hidden layer at the first iteration.
    pub saturation_initial: Vec<f64>,
    /// The same at the last iteration.
    pub saturation_last: Vec<f64>,
}

/// One training run of Question 2: one seed, one bias mode, one learning rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Q2Run {
    /// Iteration (1-based) at which the loss or a gradient stopped being finite, if it did.
    pub diverged_at: Option<usize>,
    /// Iterations trained: until the loss stopped improving, the cap, or divergence.
    pub iterations: usize,
    /// The loss stopped improving before the cap (the criterion is in the configuration:
    /// `convergence_window`, `convergence_tolerance`). A diverged run has not converged.
    pub converged: bool,
    /// Training loss at initialisation.
    pub initial_loss: f64,
    /// Training loss of the last iteration (`NaN` if diverged).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub final_loss: f64,
    /// Lowest training loss the run reached: its attainable loss (`NaN` if diverged).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub attainable_loss: f64,
    /// Share of the first `min_iterations` iterations whose loss rose above the previous
    /// one's: oscillation that a diverged/finished verdict does not show (`NaN` if
    /// diverged).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub rise_share: f64,
    /// Judged on the first `min_iterations` iterations: trained them all without
    /// diverging, ended them below the initial loss, and the rise share is at most the
    /// configuration's `max_rise_share`. An unstable run stops there.
    pub stable: bool,
    /// First iteration (1-based) with loss ≤ the record's loss target, if reached.
    pub iterations_to_target: Option<usize>,
    /// Validation accuracy at the end (`NaN` if diverged).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub val_acc: f64,
}

/// The measurements of one bias mode at one learning rate, over seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Q2Cell {
    /// `"shared"` or `"independent"`.
    pub mode: String,
    /// The position of its learning rate in the record's `rates`: the two modes' cells at
    /// one rate share it.
    pub rate: usize,
    /// Learning rate.
    pub learning_rate: f64,
    /// Added by the refinement around a stability edge (not in the configured grid).
    pub refined: bool,
    /// One run per seed, in seed order. Seed `s` starts both modes from the same weights
    /// (the biases start at zero), so the runs of two cells at one rate are pairs.
    pub runs: Vec<Q2Run>,
    /// Seeds whose training diverged (non-finite loss or gradient).
    pub diverged_seeds: usize,
    /// Seeds whose loss stopped improving before the cap.
    pub converged_seeds: usize,
    /// Seeds whose run is stable (see [`Q2Run::stable`]).
    pub stable_seeds: usize,
    /// Every seed is stable.
    pub stable: bool,
    /// Mean attainable loss over the seeds with its 95 % interval (`None` when a seed
    /// diverged or there are fewer than two).
    pub attainable_loss: Option<Interval>,
    /// Mean rise share over the seeds that finished.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub rise_share_mean: f64,
    /// Mean final training loss over the seeds that finished.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub final_loss_mean: f64,
    /// Mean validation accuracy at the end over the seeds that finished.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub val_acc_mean: f64,
    /// Mean iterations to the loss target over the seeds that reached it.
    pub iterations_to_target_mean: Option<f64>,
    /// How many seeds reached the target.
    pub seeds_reaching_target: usize,
    /// Mean training loss per iteration over the seeds that finished, for the first
    /// `min_iterations` iterations (which every finished run trains).
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub loss_curve: Vec<f64>,
}

/// The headline numbers of one mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Q2Headline {
    /// Mean final training loss at the base learning rate.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub final_loss: f64,
    /// Mean final validation accuracy at the base learning rate.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub val_acc: f64,
    /// Mean iterations to the loss target at the base learning rate, over the seeds that
    /// reached it.
    pub iterations_to_target: Option<f64>,
    /// How many of the seeds reached it.
    pub seeds_reaching_target: usize,
    /// The largest learning rate tried below which every rate tried (it included) is stable
    /// for every seed; `None` when the smallest rate is not.
    pub largest_stable_learning_rate: Option<f64>,
    /// The next rate tried above it, the first unstable one: the edge lies between the two
    /// (`None`: stable up to the largest rate tried, so the edge is only bounded below).
    pub first_unstable_learning_rate: Option<f64>,
}

/// Mean and standard deviation over initialisation seeds, per iteration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeedBand {
    /// Hidden activation.
    pub activation: Activation,
    /// The seeds used.
    pub seeds: Vec<u64>,
    /// Mean training accuracy per iteration.
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub train_acc_mean: Vec<f64>,
    /// Standard deviation (ddof = 1) of training accuracy per iteration.
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub train_acc_sd: Vec<f64>,
    /// Mean validation accuracy per iteration.
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub val_acc_mean: Vec<f64>,
    /// Standard deviation of validation accuracy per iteration.
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub val_acc_sd: Vec<f64>,
    /// Final validation accuracy of each seed.
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub final_val_acc: Vec<f64>,
    /// Their mean.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub final_val_acc_mean: f64,
    /// Their standard deviation (ddof = 1).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub final_val_acc_sd: f64,
}

/// Which initialisation a Part B run started from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InitScheme {
    /// The study's: weights normal with sd `√(1/fan_in)` into sigmoid layers and the output
    /// layer, `√(2/fan_in)` (He) into ReLU layers; zero biases.
    Study,
    /// Scaled for sigmoid: the same normal draws rescaled to Glorot's sd
    /// `gain · √(2/(fan_in + fan_out))` in every layer (`PartBConfig::sigmoid_init_gain`,
    /// 4 by default, Glorot and Bengio's factor for sigmoid; `docs/derivations.md`, "A layer's backward gain").
    SigmoidScaled,
}

/// One Part B setting (activation, initialisation, learning rate) trained over seeds for
/// the same number of iterations: the runs the multi-seed verdicts compare.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeedRuns {
    /// Hidden activation.
    pub activation: Activation,
    /// Initialisation.
    pub init: InitScheme,
    /// Learning rate.
    pub learning_rate: f64,
    /// Iterations of full-batch gradient descent.
    pub iterations: usize,
    /// The seeds, in order (runs of different settings with the same seed share their
    /// initial normal draws, so differences between settings are paired by seed).
    pub seeds: Vec<u64>,
    /// Final validation accuracy per seed (`null` where the run diverged).
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub val_acc: Vec<f64>,
    /// Final training loss per seed (`null` where the run diverged).
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub loss: Vec<f64>,
    /// Seeds whose training diverged.
    pub diverged: usize,
    /// Mean validation accuracy with its 95 % interval (`None` if a seed diverged or there
    /// are fewer than two seeds).
    pub val_acc_interval: Option<Interval>,
    /// Mean final training loss with its 95 % interval (`None` likewise).
    pub loss_interval: Option<Interval>,
}

/// Part B(a)'s simple model: the softmax (multinomial logistic) regression, a network with
/// no hidden layer, trained by the same hand-written engine for the same iterations at the
/// same rate as the MLPs, from the same seeds: what the hidden layers add is the MLP's
/// accuracy over this one's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SoftmaxRegression {
    /// Learning rate (the study's).
    pub learning_rate: f64,
    /// Iterations of full-batch gradient descent (the study's).
    pub iterations: usize,
    /// The seeds, in order.
    pub seeds: Vec<u64>,
    /// Final training-split accuracy per seed (`null` where the run diverged).
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub train_acc: Vec<f64>,
    /// Final validation accuracy per seed.
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub val_acc: Vec<f64>,
    /// Final training loss per seed.
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub loss: Vec<f64>,
    /// Seeds whose training diverged.
    pub diverged: usize,
    /// Mean training accuracy with its 95 % interval.
    pub train_acc_interval: Option<Interval>,
    /// Mean validation accuracy with its 95 % interval.
    pub val_acc_interval: Option<Interval>,
}

/// Part B(b)'s direct measurement of the backward signal: per layer, the mean |δ_l| (the
/// derivative of each row's own loss with respect to the layer's pre-activation) apart
/// from the size of the layer's input, each a mean over seeds with its 95 % interval.
/// `∂L/∂W_l = A_{l−1}ᵀ δ_l` mixes the two; these separate them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SignalEvidence {
    /// Hidden activation.
    pub activation: Activation,
    /// Initialisation.
    pub init: InitScheme,
    /// When measured: 0 at initialisation, else after this many iterations.
    pub iteration: usize,
    /// Seeds measured.
    pub seeds: usize,
    /// Per layer (hidden layers, then the output layer): mean over rows and units of |δ_l|.
    pub delta: Vec<Option<Interval>>,
    /// Per layer: mean |A_{l−1}|, the layer's input (the standardised features for the
    /// first layer, the previous layer's activations after it).
    pub input_scale: Vec<Option<Interval>>,
    /// Per hidden layer l: mean |δ_l| / mean |δ_{l+1}|, one layer's backward gain (below 1:
    /// the signal shrinks passing back through that layer).
    pub delta_ratio: Vec<Option<Interval>>,
    /// Mean |δ_1| / mean |δ_L|: the attenuation from the output back to the first layer.
    pub first_to_last: Option<Interval>,
}

/// Part B(b)'s per-seed measurements of one setting, the values its intervals summarise and
/// the gradient verdicts pair by seed (runs with the same seed share their initial normal
/// draws). A diverged seed's after-training values are `null` or empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GradientSeeds {
    /// Hidden activation.
    pub activation: Activation,
    /// Initialisation.
    pub init: InitScheme,
    /// Learning rate.
    pub learning_rate: f64,
    /// The seeds, in order.
    pub seeds: Vec<u64>,
    /// Per seed: the mean over iterations of mean |∂L/∂W_1| / mean |∂L/∂W_L|, the first
    /// layer's weight gradient relative to the output layer's (the protocol run's
    /// `first_to_last_ratio`, here for every seed).
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub weight_first_to_last: Vec<f64>,
    /// Per seed, per hidden layer: share of units with g′(z) < 0.01 at the last iteration
    /// (empty where the seed diverged).
    pub saturation_last: Vec<Vec<f64>>,
    /// Per seed, per layer: mean |δ_l| at initialisation (as in [`SignalEvidence::delta`]).
    pub delta_start: Vec<Vec<f64>>,
    /// Per seed, per layer: mean |δ_l| after training (empty where the seed diverged).
    pub delta_end: Vec<Vec<f64>>,
}

/// One model of Part D (the original or a mitigation) trained from several seeds: its
/// accuracy per seed and, paired by seed, its difference from the original model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeedAccuracies {
    /// `"original"` or the mitigation's snake-case name.
    pub name: String,
    /// The seeds (initialisation, shuffles and dropout masks), the same for every model.
    pub seeds: Vec<u64>,
    /// Training-split accuracy per seed (empty in records written before it was kept):
    /// with `val_acc`, the train − validation gap per seed that overfitting is judged on.
    #[serde(default)]
    pub train_acc: Vec<f64>,
    /// Validation accuracy per seed.
    pub val_acc: Vec<f64>,
    /// Test accuracy per seed.
    pub test_acc: Vec<f64>,
    /// Mean test accuracy with its 95 % interval.
    pub test_acc_interval: Option<Interval>,
    /// Test accuracy minus the original model's from the same seed, with its 95 % interval
    /// (`None` for the original itself).
    pub test_difference: Option<Interval>,
}
