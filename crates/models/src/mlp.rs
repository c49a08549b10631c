//! The multilayer perceptron: initialisation, parameters and the loss options. Its
//! evaluation (prediction, accuracy, loss) is in [`crate::evaluate`].

use faer::Mat;
pub use kernels::Activation;
use rand_distr::{Distribution, Normal, Uniform};
use serde::{Deserialize, Serialize};

use crate::error::Invalid;

/// How the weights are drawn.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// The study's scheme (Part B): normal weights with sd `√(2/fan_in)` (He) into ReLU
    /// hidden layers, `√(1/fan_in)` into sigmoid hidden layers and into the output layer;
    /// zero biases.
    Study,
    /// PyTorch's `nn.Linear` default (Part C): weights and biases `U(−1/√fan_in, 1/√fan_in)`.
    PyTorch,
}

/// One affine layer `z = a W + b`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    /// `fan_in × fan_out`, so that a row of activations multiplies from the left.
    pub weight: Mat<f64>,
    /// `1 × fan_out`, added to every row.
    pub bias: Mat<f64>,
}

impl Dense {
    /// A layer of zeros (also the shape of its gradient).
    pub fn zeros(fan_in: usize, fan_out: usize) -> Self {
        Dense {
            weight: Mat::zeros(fan_in, fan_out),
            bias: Mat::zeros(1, fan_out),
        }
    }

    /// Number of inputs.
    pub fn fan_in(&self) -> usize {
        self.weight.nrows()
    }

    /// Number of outputs.
    pub fn fan_out(&self) -> usize {
        self.weight.ncols()
    }
}

/// A multilayer perceptron: hidden layers with activation `g`, then a softmax output layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    /// The hidden nonlinearity.
    pub activation: Activation,
    /// Hidden layers first, the output (logit) layer last.
    pub layers: Vec<Dense>,
}

impl Mlp {
    /// A freshly initialised network `n_inputs → hidden… → n_classes`.
    ///
    /// Draws layer by layer; within a layer the weights in column-major order (all inputs of
    /// output unit 0 first, like PyTorch's `out × in` weight), then the biases (PyTorch only).
    pub fn new(
        n_inputs: usize,
        hidden: &[usize],
        n_classes: usize,
        activation: Activation,
        init: Init,
        rng: &mut impl rand::Rng,
    ) -> Mlp {
        let mut widths = Vec::with_capacity(hidden.len() + 2);
        widths.push(n_inputs);
        widths.extend_from_slice(hidden);
        widths.push(n_classes);
        let n_layers = widths.len() - 1;
        let layers = (0..n_layers)
            .map(|l| {
                let is_output = l + 1 == n_layers;
                init_dense(widths[l], widths[l + 1], activation, is_output, init, rng)
            })
            .collect();
        Mlp { activation, layers }
    }

    /// Number of input features (0 for a network without layers).
    pub fn n_inputs(&self) -> usize {
        self.layers.first().map_or(0, Dense::fan_in)
    }

    /// Number of classes (width of the output layer).
    pub fn n_classes(&self) -> usize {
        self.layers.last().map_or(0, Dense::fan_out)
    }

    /// Layer widths from input to output, e.g. `[10, 32, 16, 4]`.
    pub fn widths(&self) -> Vec<usize> {
        let mut w = vec![self.n_inputs()];
        w.extend(self.layers.iter().map(Dense::fan_out));
        w
    }

    /// `(λ/2)·Σ_l ‖W_l‖²` over the weights only (biases are not decayed).
    pub fn weight_penalty(&self, weight_decay: f64) -> f64 {
        if weight_decay == 0.0 {
            return 0.0;
        }
        let ss: f64 = self
            .layers
            .iter()
            .map(|d| {
                d.weight
                    .col_iter()
                    .flat_map(|c| c.iter())
                    .map(|v| v * v)
                    .sum::<f64>()
            })
            .sum();
        0.5 * weight_decay * ss
    }
}

/// Draws one layer; see [`Init`].
pub(crate) fn init_dense(
    fan_in: usize,
    fan_out: usize,
    activation: Activation,
    is_output: bool,
    init: Init,
    rng: &mut impl rand::Rng,
) -> Dense {
    let mut d = Dense::zeros(fan_in, fan_out);
    match init {
        Init::Study => {
            let gain = if !is_output && activation == Activation::Relu {
                2.0
            } else {
                1.0
            };
            // `max(1)`: a layer of no inputs draws no weight, and its sd must stay finite.
            let sd = (gain / fan_in.max(1) as f64).sqrt();
            let normal = Normal::new(0.0, sd).expect("sd is finite and positive");
            for j in 0..fan_out {
                for i in 0..fan_in {
                    d.weight[(i, j)] = normal.sample(rng);
                }
            }
        }
        Init::PyTorch => {
            let bound = 1.0 / (fan_in.max(1) as f64).sqrt();
            let uniform = Uniform::new(-bound, bound).expect("bound is finite and positive");
            for j in 0..fan_out {
                for i in 0..fan_in {
                    d.weight[(i, j)] = uniform.sample(rng);
                }
            }
            for j in 0..fan_out {
                d.bias[(0, j)] = uniform.sample(rng);
            }
        }
    }
    d
}

/// What the loss adds to plain mean cross-entropy (Part D's mitigations).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LossOptions {
    /// Per-class weights `w_c`: the loss becomes `Σ w[y_i]·nll_i / Σ w[y_i]` (PyTorch's
    /// weighted `CrossEntropyLoss`). `None` = all ones.
    pub class_weights: Option<Vec<f64>>,
    /// `λ` of the L2 penalty `(λ/2)·Σ‖W‖²` over weights only, so that plain gradient descent
    /// sees `∂/∂W = λW` (PyTorch's `weight_decay`); 0 = off.
    pub weight_decay: f64,
}

/// Inverse-frequency class weights `n / (k · count_c)` (scikit-learn's "balanced"); a class
/// absent from `y` gets weight 0 since it contributes no terms anyway.
///
/// # Errors
/// [`Invalid::Label`] for a label that is not below `n_classes`.
pub fn class_weights(y: &[usize], n_classes: usize) -> Result<Vec<f64>, Invalid> {
    let mut counts = vec![0usize; n_classes];
    for &c in y {
        *counts.get_mut(c).ok_or(Invalid::Label {
            label: c,
            classes: n_classes,
        })? += 1;
    }
    let n = y.len() as f64;
    Ok(counts
        .iter()
        .map(|&c| {
            if c == 0 {
                0.0
            } else {
                n / (n_classes as f64 * c as f64)
            }
        })
        .collect())
}
