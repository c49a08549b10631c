//! The network the fused pass and its plain reference both compute, what a pass measures,
//! the gradients it writes, and the constants that fix their order of summation.

use faer::{Mat, MatRef};

use crate::activation::Activation;

/// Rows per lane group: eight `f64`, one AVX-512 register. Row `r` of a pass is summed in
/// lane `r % LANES`, whatever the CPU's vector width.
pub const LANES: usize = 8;

/// Rows per lane group of the single-precision pass ([`super::Workspace::pass_f32`]):
/// sixteen `f32`, one AVX-512 register; row `r` is summed in lane `r % F32_LANES`.
pub const F32_LANES: usize = 16;

/// The widest network the fused pass is compiled for (hidden units = classes); wider ones
/// run the plain reference.
pub const MAX_WIDTH: usize = 8;

/// Row groups whose softmax normalisers are multiplied before one `ln` (the normaliser of a
/// row lies in `[1, k]`, so a product of 32 stays below `8³² ≈ 10²⁹`, inside `f32` too):
/// the logarithm is a scalar library call, and one per row cost as much as the rest of the
/// forward pass.
pub(super) const GROUPS_PER_LOG: usize = 32;

/// `g′(z1)` below this counts a hidden unit as saturated (sigmoid) or inactive (ReLU): the
/// study's threshold, [`crate::Saturation::STUDY`].
pub(super) const SATURATED_SLOPE: f64 = crate::Saturation::STUDY.max_slope;

/// A borrowed two-layer softmax network `ŷ = softmax(g(x W + b1) U + b2)`, hidden width =
/// classes = `k`.
#[derive(Clone, Copy, Debug)]
pub struct TwoLayer<'a> {
    /// `d × k` input weights.
    pub w: MatRef<'a, f64>,
    /// Hidden bias, `k` values.
    pub b1: &'a [f64],
    /// `k × k` output weights.
    pub u: MatRef<'a, f64>,
    /// Output bias, `k` values.
    pub b2: &'a [f64],
    /// Hidden nonlinearity `g`.
    pub activation: Activation,
}

/// What a pass measured on its rows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PassStats {
    /// Mean cross-entropy.
    pub loss: f64,
    /// Rows whose first argmax of the logits is their label.
    pub correct: usize,
    /// Hidden units (row × unit) with `g′(z1) < 0.01`; counted only by a backward pass.
    pub saturated: usize,
}

/// The gradients of the mean cross-entropy that a backward pass writes.
#[derive(Clone, Debug, PartialEq)]
pub struct TwoLayerGrads {
    /// `∂L/∂W`, `d × k`.
    pub w: Mat<f64>,
    /// `∂L/∂U`, `k × k`.
    pub u: Mat<f64>,
    /// `∂L/∂b1` (`colsum δ1`).
    pub b1: Vec<f64>,
    /// `∂L/∂b2` (`colsum δ2`).
    pub b2: Vec<f64>,
}

impl TwoLayerGrads {
    /// All zero, `d × k`.
    pub fn zeros(d: usize, k: usize) -> Self {
        TwoLayerGrads {
            w: Mat::zeros(d, k),
            u: Mat::zeros(k, k),
            b1: vec![0.0; k],
            b2: vec![0.0; k],
        }
    }
}

/// Panics unless `x` (`n × d`, contiguous columns), `y` (`n` labels) and `net` fit together
/// and `net` has at least one unit: caller bugs, checked before any work.
pub(super) fn check_shapes<S>(net: &TwoLayer<'_>, x: MatRef<'_, S>, y: &[S]) {
    let (d, k) = net.w.shape();
    assert!(k >= 1, "a network of at least one unit");
    assert!(
        x.ncols() == d && x.nrows() == y.len() && net.u.shape() == (k, k),
        "shapes disagree"
    );
    assert!(
        net.b1.len() == k && net.b2.len() == k,
        "bias widths disagree"
    );
    assert!(
        x.nrows() < 2 || x.ncols() == 0 || x.row_stride() == 1,
        "columns must be contiguous"
    );
}
