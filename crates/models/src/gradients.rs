//! The gradients both engines produce, in the network's shapes.

use faer::{Mat, MatRef};

use crate::error::{Parameter, Quantity};
use crate::mlp::{Dense, Mlp};

/// Gradients of the loss with respect to every parameter and, when asked, the inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Gradients {
    /// `∂L/∂W_l`, `∂L/∂b_l`, shaped like the network's layers.
    pub layers: Vec<Dense>,
    /// `∂L/∂x` (`n × d`), the feature attribution of Part C; `0 × d` when not computed.
    pub input: Mat<f64>,
}

impl Gradients {
    /// Zero gradients shaped like `mlp`, with an `n_input_rows × d` input gradient.
    pub fn zeros(mlp: &Mlp, n_input_rows: usize) -> Self {
        Gradients {
            layers: mlp
                .layers
                .iter()
                .map(|d| Dense::zeros(d.fan_in(), d.fan_out()))
                .collect(),
            input: Mat::zeros(n_input_rows, mlp.n_inputs()),
        }
    }

    /// Mean `|∂L/∂W_l|` per layer: the gradient magnitudes of Part B.
    pub fn weight_mean_abs(&self) -> Vec<f64> {
        self.layers
            .iter()
            .map(|d| mean_abs(d.weight.as_ref()))
            .collect()
    }

    /// The first non-finite entry, as `(which gradient, value)`, or `None`.
    pub fn first_non_finite(&self) -> Option<(Quantity, f64)> {
        for (l, d) in self.layers.iter().enumerate() {
            let params = [
                (Parameter::LayerWeight(l + 1), &d.weight),
                (Parameter::LayerBias(l + 1), &d.bias),
            ];
            for (what, m) in params {
                if let Some(v) = m.col_iter().flat_map(|c| c.iter()).find(|v| !v.is_finite()) {
                    return Some((Quantity::Gradient(what), *v));
                }
            }
        }
        None
    }
}

/// Mean absolute value of a matrix.
pub(crate) fn mean_abs(m: MatRef<'_, f64>) -> f64 {
    let n = m.nrows() * m.ncols();
    m.col_iter()
        .flat_map(|c| c.iter())
        .map(|v| v.abs())
        .sum::<f64>()
        / n.max(1) as f64
}
