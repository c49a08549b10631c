//! The hidden-layer nonlinearities, shared by the tape's dense layer and the models.

use serde::{Deserialize, Serialize};

#[cfg(doc)]
use crate::math::sigmoid;
use crate::real::Real;

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
    /// `g(z)`, in either precision ([`Real::max`] or [`Real::sigmoid`]).
    #[inline(always)]
    pub fn apply<T: Real>(self, z: T) -> T {
        match self {
            Activation::Relu => Real::max(z, T::ZERO),
            Activation::Sigmoid => z.sigmoid(),
        }
    }

    /// `g′(z)` from the output `a = g(z)` alone, so that backward passes need not keep `z`:
    /// for ReLU `a > 0 ⇔ z > 0`, for the sigmoid `g′ = a(1 − a)`.
    #[inline(always)]
    pub fn derivative_from_output<T: Real>(self, a: T) -> T {
        self.derivative_from_dropped_output(a, T::ONE)
    }

    /// `g′(z)·μ` from the stored output `a = g(z)·μ` of inverted dropout, whose mask `μ` is
    /// 0 or `s = 1/(1 − p)` (`inv_s = 1/s`): ReLU `[a > 0]/inv_s`, sigmoid `a(1 − a·inv_s)`
    /// (0 where dropped). With `inv_s = 1` it is [`Activation::derivative_from_output`], to
    /// the bit (`a·1 = a`). The one statement of each derivative in the workspace.
    #[inline(always)]
    pub fn derivative_from_dropped_output<T: Real>(self, a: T, inv_s: T) -> T {
        match self {
            Activation::Relu => {
                if a > T::ZERO {
                    T::ONE / inv_s
                } else {
                    T::ZERO
                }
            }
            Activation::Sigmoid => a * (T::ONE - a * inv_s),
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

/// The saturation test of a hidden unit: `g′(z) < max_slope`, read from its output (a
/// saturated sigmoid; for ReLU, whose slope is 0 or 1, an inactive unit). The one test of
/// the workspace; the threshold is a value the caller configures ([`Saturation::STUDY`],
/// 0.01, unless it says otherwise), never a literal at the place that counts.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, schemars::JsonSchema)]
pub struct Saturation {
    /// Units whose slope `g′(z)` is below this count as saturated.
    pub max_slope: f64,
}

impl Saturation {
    /// The study's threshold, `g′(z) < 0.01`.
    pub const STUDY: Saturation = Saturation { max_slope: 0.01 };

    /// Whether a unit of output `a = g(z)` is saturated.
    #[inline(always)]
    pub fn test<T: Real>(self, activation: Activation, a: T) -> bool {
        activation.derivative_from_output(a) < T::of(self.max_slope)
    }
}

impl Default for Saturation {
    fn default() -> Self {
        Saturation::STUDY
    }
}
