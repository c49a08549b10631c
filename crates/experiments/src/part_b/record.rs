//! Part B's record (`part_b.json`): the protocol runs, the runs over seeds and the verdicts
//! drawn from them. The measured evidence the verdicts read lives in `crate::evidence`.

use models::{Activation, Record};
use serde::{Deserialize, Serialize};

use super::PartBConfig;
use crate::evidence::{
    GradientEvidence, GradientSeeds, SeedBand, SeedRuns, SignalEvidence, SoftmaxRegression,
    SweepPoint,
};
use crate::verdicts;

/// One training run of the protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ActivationRun {
    /// Hidden activation.
    pub activation: Activation,
    /// Training accuracy after the last iteration.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub train_acc: f64,
    /// Validation accuracy after the last iteration.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub val_acc: f64,
    /// Training loss at the last iteration.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub final_loss: f64,
    /// Per-iteration history.
    pub history: Vec<Record>,
}

/// Part B's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartB {
    /// What ran.
    pub config: PartBConfig,
    /// Share of the majority class in the validation split (what a stuck model scores).
    pub majority_share: f64,
    /// The class-prior entropy of the training split, in nats: the training loss of
    /// predicting every row's class shares, which a network that learns anything from the
    /// features goes below.
    pub prior_entropy: f64,
    /// The protocol run with ReLU.
    pub relu: ActivationRun,
    /// The protocol run with sigmoid.
    pub sigmoid: ActivationRun,
    /// Multi-seed bands, ReLU then sigmoid.
    pub seeds: Vec<SeedBand>,
    /// ReLU at the study's setting over `interval_seeds` seeds, each for `iterations`: the
    /// runs sigmoid's are compared with.
    pub relu_runs: SeedRuns,
    /// The softmax regression (no hidden layer), trained like the MLPs from the same seeds.
    pub softmax: SoftmaxRegression,
    /// The sigmoid sweep over longer budgets, from the protocol seed alone: an
    /// illustration; no verdict is drawn from it (they come from `sigmoid_runs`).
    pub sigmoid_sweep: Vec<SweepPoint>,
    /// B(b): the protocol runs' weight gradients, ReLU then sigmoid (one seed; the
    /// gradient verdicts come from `gradient_seeds`).
    pub gradients: Vec<GradientEvidence>,
    /// Sigmoid runs over `interval_seeds` seeds, each for `iterations`: the study's rate,
    /// then every other sweep rate, from the study's initialisation; then the study's rate
    /// from the initialisation scaled for sigmoid (the multi-seed verdicts' evidence).
    pub sigmoid_runs: Vec<SeedRuns>,
    /// B(b): the backward signal per layer over seeds, at initialisation and after
    /// `iterations`: ReLU, sigmoid from the study's initialisation, sigmoid scaled.
    pub signals: Vec<SignalEvidence>,
    /// B(b): the per-seed values of the same three settings that the gradient verdicts
    /// pair by seed.
    pub gradient_seeds: Vec<GradientSeeds>,
    /// The verdicts, each drawn from runs over seeds.
    pub verdicts: PartBVerdicts,
}

/// Part B's verdicts, each `None` when its evidence is missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartBVerdicts {
    /// ReLU minus sigmoid in final validation accuracy, paired by seed over the bands
    /// (`None` when the bands' seeds differ or fewer than two finished).
    #[serde(default)]
    pub activation_gap: Option<crate::interval::Interval>,
    /// ReLU's MLP minus the softmax regression in final validation accuracy, paired by
    /// seed: what the hidden layers add.
    pub hidden_layers_gain: Option<crate::interval::Interval>,
    /// Is sigmoid stuck or only slow at the study's setting? (over seeds, from
    /// `sigmoid_runs` and `relu_runs`)
    pub sigmoid_progress: Option<verdicts::ProgressVerdict>,
    /// A larger step or an initialisation scaled for sigmoid? (paired over seeds)
    pub remedy: Option<verdicts::RemedyVerdict>,
    /// Does sigmoid's first-layer weight gradient vanish relative to ReLU's? (paired over
    /// seeds, from `gradient_seeds`)
    pub attenuation: Option<verdicts::AttenuationVerdict>,
    /// Are sigmoid's units saturated at the end? (over seeds)
    pub saturation: Option<verdicts::SaturationVerdict>,
    /// Which layer's backward gain is smaller under sigmoid: at initialisation, then after
    /// training (paired over seeds).
    pub attenuation_site: Vec<verdicts::AttenuationSite>,
}
