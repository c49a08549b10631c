//! Reductions to a `1 × 1` node: forward and backward.

use kernels::sweeps;

use super::{Backward, Op};
use crate::accumulate::Contribution;
use crate::{Tape, Var};

impl Tape {
    /// Sum of all entries, as a `1 × 1` node.
    pub fn sum(&mut self, a: Var) -> Var {
        let s = sweeps::sum(self.value(a));
        self.scalar(Op::Sum(a), a, s)
    }

    /// Mean of all entries, as a `1 × 1` node.
    pub fn mean(&mut self, a: Var) -> Var {
        let v = self.value(a);
        let s = sweeps::sum(v) / (v.nrows() * v.ncols()) as f64;
        self.scalar(Op::Mean(a), a, s)
    }

    /// Sum of squared entries, as a `1 × 1` node: the L2 weight-decay penalty.
    pub fn sum_squares(&mut self, a: Var) -> Var {
        let s = sweeps::sum_squares(self.value(a));
        self.scalar(Op::SumSquares(a), a, s)
    }

    fn scalar(&mut self, op: Op, a: Var, s: f64) -> Var {
        let i = self.push_op(op, &[a], 1, 1);
        self.values[i][(0, 0)] = s;
        self.var(i)
    }
}

/// s = Σ a: ds/da = 1 everywhere.
pub(super) fn sum_backward(b: &mut Backward<'_>, a: Var) {
    let g = b.g[(0, 0)];
    b.add(a, Contribution::Fill(g));
}

/// s = Σ a / (m·n): ds/da = 1/(m·n) everywhere.
pub(super) fn mean_backward(b: &mut Backward<'_>, a: Var) {
    let (m, n) = b.value(a).shape();
    let g = b.g[(0, 0)];
    b.add(a, Contribution::Fill(g / (m * n) as f64));
}

/// s = Σ a²: ds/da = 2a.
pub(super) fn sum_squares_backward(b: &mut Backward<'_>, a: Var) {
    let g = b.g[(0, 0)];
    let v = b.value(a);
    b.add(a, Contribution::Scaled(v, 2.0 * g));
}
