//! How Part B trains, with its range checks and the quick settings of the smoke tests.

pub use models::Precision;
use serde::{Deserialize, Serialize};

/// How Part B trains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartBConfig {
    /// Hidden layer widths.
    pub hidden: Vec<usize>,
    /// Full-batch gradient-descent iterations (the study: 200).
    pub iterations: usize,
    /// Learning rate (the study: 0.1).
    pub learning_rate: f64,
    /// Initialisation seeds for the multi-seed bands (the first is the protocol seed).
    pub seeds: usize,
    /// Learning rates of the sigmoid sweep ("stuck or only slow?").
    pub sweep_learning_rates: Vec<f64>,
    /// Iterations of each sweep run; accuracies are read at `sweep_checkpoints`.
    pub sweep_iterations: usize,
    /// Iterations at which the sweep reports accuracy.
    pub sweep_checkpoints: Vec<usize>,
    /// Sigmoid counts as learning ("slow, not stuck") when its best sweep run beats the
    /// majority share of validation by more than this.
    pub stuck_margin: f64,
    /// Sigmoid's first-layer weight gradient (relative to the output layer's) counts as
    /// vanishing when the whole 95 % interval of its ratio to ReLU's, paired by seed, lies
    /// below this factor.
    pub vanishing_factor: f64,
    /// Saturation counts as negligible when the whole 95 % interval over seeds of the most
    /// saturated sigmoid layer's share of saturated units at the end lies below this share.
    pub saturation_share: f64,
    /// Seeds of the runs the multi-seed verdicts compare (sigmoid at every sweep rate and
    /// from the initialisation scaled for sigmoid; ReLU at `learning_rate` for B(b)), each
    /// trained for `iterations`; the first `seeds` of them at `learning_rate` are also the
    /// bands'.
    pub interval_seeds: usize,
    /// Gain of the initialisation scaled for sigmoid (Glorot's sd times this; 4, Glorot and
    /// Bengio's factor for sigmoid, makes σ′(0) times the weight scale about 1).
    pub sigmoid_init_gain: f64,
    /// Precision of the full-batch passes: `f32` (the default, about twice as fast) or
    /// `f64` (the reference). The weights are `f64` and updated in `f64` either way.
    pub precision: Precision,
}

impl Default for PartBConfig {
    fn default() -> Self {
        PartBConfig {
            hidden: vec![32, 16],
            iterations: 200,
            learning_rate: 0.1,
            seeds: 10,
            sweep_learning_rates: vec![0.1, 0.3, 1.0, 3.0],
            sweep_iterations: 2000,
            sweep_checkpoints: vec![200, 500, 1000, 2000],
            stuck_margin: 0.05,
            vanishing_factor: 0.5,
            saturation_share: 0.05,
            interval_seeds: 10,
            sigmoid_init_gain: 4.0,
            precision: Precision::default(),
        }
    }
}

impl PartBConfig {
    /// Range checks, naming the first bad key (`part_b.learning_rate = -1: must be > 0`).
    pub fn validate(&self) -> Result<(), String> {
        let late = self
            .sweep_checkpoints
            .iter()
            .find(|&&c| c > self.sweep_iterations);
        crate::config_file::Checks::new("part_b")
            .counts("hidden", &self.hidden)
            .at_least("iterations", self.iterations, 1)
            .positive("learning_rate", self.learning_rate)
            .at_least("seeds", self.seeds, 1)
            .rates("sweep_learning_rates", &self.sweep_learning_rates)
            .rule(
                self.sweep_learning_rates.windows(2).all(|w| w[0] < w[1]),
                "sweep_learning_rates",
                format!("{:?}", self.sweep_learning_rates),
                "must ascend without repeats",
            )
            .at_least("sweep_iterations", self.sweep_iterations, 1)
            .counts("sweep_checkpoints", &self.sweep_checkpoints)
            .rule(
                late.is_none(),
                "sweep_checkpoints",
                format!("{:?}", self.sweep_checkpoints),
                "every checkpoint must be ≤ sweep_iterations",
            )
            .within("stuck_margin", self.stuck_margin, 0.0, 1.0)
            .positive("vanishing_factor", self.vanishing_factor)
            .within("saturation_share", self.saturation_share, 0.0, 1.0)
            .done()
    }

    /// Small counts for smoke tests.
    pub fn quick() -> Self {
        PartBConfig {
            iterations: 20,
            seeds: 2,
            sweep_learning_rates: vec![0.1, 1.0],
            sweep_iterations: 40,
            sweep_checkpoints: vec![20, 40],
            interval_seeds: 2,
            ..PartBConfig::default()
        }
    }
}
