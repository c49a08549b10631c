//! Elementwise ops: forward and backward. The local derivatives of the activations are
//! written in terms of the output `y`, which the node keeps anyway.

use faer::Accum;
use kernels::Real;
use kernels::sweeps::{Chain, map_into, zip_into};

use super::{Backward, Op, same_shape};
use crate::accumulate::Contribution;
use crate::{Tape, Var};

impl<T: Real> Tape<T> {
    /// Elementwise `a + b`.
    pub fn add(&mut self, a: Var, b: Var) -> Var {
        self.binary("add", Op::Add(a, b), a, b, |x, y| x + y)
    }

    /// Elementwise `a − b`.
    pub fn sub(&mut self, a: Var, b: Var) -> Var {
        self.binary("sub", Op::Sub(a, b), a, b, |x, y| x - y)
    }

    /// Elementwise (Hadamard) product `a ⊙ b`. A constant factor (a dropout mask) is a
    /// leaf that does not require a gradient.
    pub fn mul(&mut self, a: Var, b: Var) -> Var {
        self.binary("mul", Op::Mul(a, b), a, b, |x, y| x * y)
    }

    /// `c · a`.
    pub fn scale(&mut self, a: Var, c: f64) -> Var {
        let k = T::of(c);
        self.unary(Op::Scale(a, c), a, |x| k * x)
    }

    /// Rectified linear unit `max(a, 0)`; its derivative at 0 is taken as 0.
    pub fn relu(&mut self, a: Var) -> Var {
        self.unary(Op::Relu(a), a, |x| Real::max(x, T::ZERO))
    }

    /// Logistic sigmoid ([`Real::sigmoid`]), without overflow for large `|a|`.
    pub fn sigmoid(&mut self, a: Var) -> Var {
        self.unary(Op::Sigmoid(a), a, Real::sigmoid)
    }

    /// Hyperbolic tangent.
    pub fn tanh(&mut self, a: Var) -> Var {
        self.unary(Op::Tanh(a), a, Real::tanh)
    }

    fn unary(&mut self, op: Op, a: Var, f: impl Fn(T) -> T) -> Var {
        let ia = self.index(a);
        let (m, n) = self.values[ia].shape();
        let i = self.push_op(op, &[a], m, n);
        let (inputs, out) = self.split(i);
        map_into(out, Accum::Replace, inputs[ia].as_ref(), f);
        self.var(i)
    }

    fn binary(&mut self, name: &str, op: Op, a: Var, b: Var, f: impl Fn(T, T) -> T) -> Var {
        let (ia, ib) = (self.index(a), self.index(b));
        same_shape(name, self.value(a), self.value(b));
        let (m, n) = self.values[ia].shape();
        let i = self.push_op(op, &[a, b], m, n);
        let (inputs, out) = self.split(i);
        zip_into(
            out,
            Accum::Replace,
            inputs[ia].as_ref(),
            inputs[ib].as_ref(),
            f,
        );
        self.var(i)
    }
}

/// Y = A + B: dA = dY, dB = dY.
pub(super) fn add_backward<T: Real>(b: &mut Backward<'_, T>, x: Var, y: Var) {
    let g = b.g;
    b.add(x, Contribution::Scaled(g, T::ONE));
    b.add(y, Contribution::Scaled(g, T::ONE));
}

/// Y = A − B: dA = dY, dB = −dY.
pub(super) fn sub_backward<T: Real>(b: &mut Backward<'_, T>, x: Var, y: Var) {
    let g = b.g;
    b.add(x, Contribution::Scaled(g, T::ONE));
    b.add(y, Contribution::Scaled(g, T::of(-1.0)));
}

/// Y = A ⊙ B: dA = dY ⊙ B, dB = dY ⊙ A.
pub(super) fn mul_backward<T: Real>(b: &mut Backward<'_, T>, x: Var, y: Var) {
    let g = b.g;
    b.add(x, Contribution::Zip(g, b.value(y), Chain::Product));
    b.add(y, Contribution::Zip(g, b.value(x), Chain::Product));
}

/// Y = cA: dA = c·dY.
pub(super) fn scale_backward<T: Real>(b: &mut Backward<'_, T>, a: Var, c: f64) {
    let g = b.g;
    b.add(a, Contribution::Scaled(g, T::of(c)));
}

/// Y = max(A, 0): dA = dY ⊙ [Y > 0].
pub(super) fn relu_backward<T: Real>(b: &mut Backward<'_, T>, a: Var) {
    let (g, y) = (b.g, b.y);
    b.add(a, Contribution::Zip(g, y, Chain::Relu));
}

/// Y = σ(A): dA = dY ⊙ Y(1 − Y).
pub(super) fn sigmoid_backward<T: Real>(b: &mut Backward<'_, T>, a: Var) {
    let (g, y) = (b.g, b.y);
    b.add(a, Contribution::Zip(g, y, Chain::Sigmoid));
}

/// Y = tanh A: dA = dY ⊙ (1 − Y²).
pub(super) fn tanh_backward<T: Real>(b: &mut Backward<'_, T>, a: Var) {
    let (g, y) = (b.g, b.y);
    b.add(a, Contribution::Zip(g, y, Chain::Tanh));
}
