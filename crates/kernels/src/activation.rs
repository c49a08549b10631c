//! The hidden-layer nonlinearities, shared by the tape's dense layer and the models.

use serde::{Deserialize, Serialize};

use crate::math::sigmoid;

/// A hidden-layer nonlinearity `g`. The one activation type of the workspace: the tape's
/// dense layer ([`crate::sweeps::activate`]), the MLP and the model files all use it (its
/// serde form is the lower-case name, as in model files and records).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// `g(z) = max(z, 0)`, with `g′(0) = 0` (the convention of PyTorch and of the tape).
    Relu,
    /// `g(z) = 1 / (1 + e^(−z))`, computed by [`sigmoid`].
    Sigmoid,
}

impl Activation {
    /// `g(z)`.
    #[inline(always)]
    pub fn apply(self, z: f64) -> f64 {
        match self {
            Activation::Relu => z.max(0.0),
            Activation::Sigmoid => sigmoid(z),
        }
    }

    /// `g′(z)` from the output `a = g(z)` alone, so that backward passes need not keep `z`:
    /// for ReLU `a > 0 ⇔ z > 0`, for the sigmoid `g′ = a(1 − a)`.
    #[inline(always)]
    pub fn derivative_from_output(self, a: f64) -> f64 {
        match self {
            Activation::Relu => {
                if a > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::Sigmoid => a * (1.0 - a),
        }
    }

    /// Lower-case name, as in model files and reports.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
        }
    }
}
