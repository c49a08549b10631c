//! The single place where gradient buffers are written.
//!
//! Every op's backward rule describes its contribution as a [`Contribution`] and hands it
//! to [`Sink::add`]. `add` accumulates: the first contribution a node receives in a
//! backward pass is written as `0 + c` (no separate zeroing pass), every later one is
//! added. No op arm can overwrite a gradient, so a node used several times gets the sum
//! over all its uses.

use faer::{Accum, Mat, MatRef};
use kernels::sweeps::{
    Chain, chain_into, column_sums_into, fill_into, map_into, softmax_ce_grad_into,
};
use kernels::{Real, matmul_into};

/// One term of `∂L/∂target`, described rather than computed, so that [`Sink::add`] can
/// write it straight into the gradient buffer.
pub(crate) enum Contribution<'a, T: Real> {
    /// Every entry gets `c` (gradient of a sum or mean, and the seed `∂L/∂L = 1`).
    Fill(T),
    /// `alpha · m`.
    Scaled(MatRef<'a, T>, T),
    /// `chain(a, b)` elementwise: the chain rule of an elementwise op.
    Zip(MatRef<'a, T>, MatRef<'a, T>, Chain),
    /// `lhs · rhs` (matrix product; transposes are views).
    MatMul(MatRef<'a, T>, MatRef<'a, T>),
    /// Column sums of `m` as a `1 × n` row (gradient of a broadcast bias).
    ColumnSums(MatRef<'a, T>),
    /// `scale · w_i · (p_ij − [j = y_i])`, the fused softmax cross-entropy gradient.
    SoftmaxCe {
        /// Row-wise softmax probabilities saved by the forward pass.
        probs: MatRef<'a, T>,
        /// Class label of each row.
        labels: &'a [usize],
        /// Per-class weights, or `None` for weight 1.
        weights: Option<&'a [T]>,
        /// `∂L/∂loss` divided by the loss normaliser.
        scale: T,
    },
}

/// Write access to the gradients of the nodes that precede the one being differentiated.
pub(crate) struct Sink<'a, T: Real> {
    /// Forward values, for shapes.
    pub values: &'a [Mat<T>],
    /// Gradient buffers of nodes `0..current`.
    pub grads: &'a mut [Mat<T>],
    /// Whether a node has received a contribution in this backward pass.
    pub touched: &'a mut [bool],
    /// Whether a node leads to a leaf that asked for its gradient.
    pub needs: &'a [bool],
    /// Counter of buffer (re)allocations.
    pub growths: &'a mut usize,
}

impl<T: Real> Sink<'_, T> {
    /// Adds `c` into the gradient of `target`; nothing for nodes that need no gradient.
    #[inline(always)]
    pub fn add(&mut self, target: usize, c: Contribution<'_, T>) {
        if !self.needs[target] {
            return;
        }
        let grad = &mut self.grads[target];
        let accum = if self.touched[target] {
            Accum::Add
        } else {
            self.touched[target] = true;
            let value = &self.values[target];
            let before = grad.as_ptr();
            grad.resize_with(value.nrows(), value.ncols(), |_, _| T::ZERO);
            if grad.as_ptr() != before {
                *self.growths += 1;
            }
            // First touch: `0 + c` is written directly instead of zeroing then adding.
            Accum::Replace
        };
        match c {
            Contribution::Fill(c) => fill_into(grad, accum, c),
            Contribution::Scaled(m, alpha) => map_into(grad, accum, m, |x| alpha * x),
            Contribution::Zip(g, b, chain) => chain_into(grad, accum, g, b, chain),
            Contribution::MatMul(lhs, rhs) => matmul_into(grad.as_mut(), accum, lhs, rhs, T::ONE),
            Contribution::ColumnSums(m) => column_sums_into(grad, accum, m),
            Contribution::SoftmaxCe {
                probs,
                labels,
                weights,
                scale,
            } => softmax_ce_grad_into(grad, accum, probs, labels, weights, scale),
        }
    }
}
