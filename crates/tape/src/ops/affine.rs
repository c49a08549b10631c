//! Matrix product, dense layer and bias row: forward and backward.

use faer::{Accum, Mat, MatRef};
use kernels::sweeps::{Chain, activate, add_row_into, fill_rows, gate};
use kernels::{Activation, Real, matmul_into};

use super::{Backward, Op, inner_fits, row_fits};
use crate::accumulate::Contribution;
use crate::{Tape, Var, resize};

/// `out = a · b` (or `+=` with `Accum::Add`).
fn product_into<T: Real>(out: &mut Mat<T>, accum: Accum, a: &Mat<T>, b: &Mat<T>) {
    matmul_into(out.as_mut(), accum, a.as_ref(), b.as_ref(), T::ONE);
}

impl<T: Real> Tape<T> {
    /// Matrix product `a · b`.
    pub fn matmul(&mut self, a: Var, b: Var) -> Var {
        let (ia, ib) = (self.index(a), self.index(b));
        inner_fits("matmul", self.value(a), self.value(b));
        let (m, n) = (self.values[ia].nrows(), self.values[ib].ncols());
        let i = self.push_op(Op::MatMul(a, b), &[a, b], m, n);
        let (inputs, out) = self.split(i);
        product_into(out, Accum::Replace, &inputs[ia], &inputs[ib]);
        self.var(i)
    }

    /// A dense layer as one node: `act(x · w + b)`, or `x · w + b` with `act = None`
    /// (`b` a `1 × n` row). The same value as `matmul`, `add_row` and the activation op up
    /// to rounding, with one buffer instead of three and one sweep each way.
    ///
    /// Without an activation the bias is the product's starting value (faer accumulates onto
    /// it). With one, the bias and the activation are applied in one sweep after the
    /// product; only the output is kept (these activations' derivatives are functions of
    /// their output), and backward turns the upstream gradient into `δ = ∂L/∂z` and the bias
    /// gradient in a single sweep.
    pub fn dense(&mut self, x: Var, w: Var, b: Var, act: Option<Activation>) -> Var {
        inner_fits("dense", self.value(x), self.value(w));
        row_fits("dense", self.value(w), self.value(b));
        let (m, n) = (self.value(x).nrows(), self.value(w).ncols());
        let i = self.push_op(Op::Dense(x, w, b, act), &[x, w, b], m, n);
        let (inputs, out) = self.split(i);
        let (x, w, b) = (
            &inputs[x.index()],
            &inputs[w.index()],
            inputs[b.index()].as_ref(),
        );
        match act {
            None => {
                fill_rows(out, b);
                product_into(out, Accum::Add, x, w);
            }
            Some(act) => {
                product_into(out, Accum::Replace, x, w);
                activate(out, b, act);
            }
        }
        self.var(i)
    }

    /// `a` with the `1 × n` `row` added to every row: a bias.
    pub fn add_row(&mut self, a: Var, row: Var) -> Var {
        let (ia, ir) = (self.index(a), self.index(row));
        row_fits("add_row", self.value(a), self.value(row));
        let (m, n) = self.values[ia].shape();
        let i = self.push_op(Op::AddRow(a, row), &[a, row], m, n);
        let (inputs, out) = self.split(i);
        add_row_into(out, inputs[ia].as_ref(), inputs[ir].as_ref());
        self.var(i)
    }
}

/// C = A·B: dA = dC·Bᵀ, dB = Aᵀ·dC.
pub(super) fn matmul_backward<T: Real>(b: &mut Backward<'_, T>, x: Var, w: Var) {
    let g = b.g;
    b.add(x, Contribution::MatMul(g, b.value(w).transpose()));
    b.add(w, Contribution::MatMul(b.value(x).transpose(), g));
}

/// `δ = g ⊙ act′` into the node's scratch `aux` and its column sums into `sums`, in one
/// sweep (run before [`dense_backward`]).
pub(super) fn dense_delta<T: Real>(
    g: MatRef<'_, T>,
    y: MatRef<'_, T>,
    act: Activation,
    aux: &mut Mat<T>,
    sums: &mut Vec<T>,
    growths: &mut usize,
) {
    resize(aux, y.nrows(), y.ncols(), growths);
    gate(aux, sums, g, y, Chain::of(act));
}

/// Y = act(Z), Z = X·W + 1bᵀ: with δ = dZ (= dY without an activation), dX = δ·Wᵀ,
/// dW = Xᵀ·δ, db = column sums of δ.
pub(super) fn dense_backward<T: Real>(
    b: &mut Backward<'_, T>,
    x: Var,
    w: Var,
    bias: Var,
    act: Option<Activation>,
) {
    let (wt, xt) = (b.value(w).transpose(), b.value(x).transpose());
    match act {
        None => {
            let g = b.g;
            b.add(x, Contribution::MatMul(g, wt));
            b.add(w, Contribution::MatMul(xt, g));
            b.add(bias, Contribution::ColumnSums(g));
        }
        Some(_) => {
            let delta = b.aux;
            let sums =
                MatRef::from_column_major_slice(&b.scratch[..delta.ncols()], 1, delta.ncols());
            b.add(x, Contribution::MatMul(delta, wt));
            b.add(w, Contribution::MatMul(xt, delta));
            b.add(bias, Contribution::Scaled(sums, T::ONE));
        }
    }
}

/// Y = A + 1rᵀ: dA = dY, dr = column sums of dY.
pub(super) fn add_row_backward<T: Real>(b: &mut Backward<'_, T>, a: Var, row: Var) {
    let g = b.g;
    b.add(a, Contribution::Scaled(g, T::ONE));
    b.add(row, Contribution::ColumnSums(g));
}
