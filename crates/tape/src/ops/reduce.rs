//! Reductions to a `1 × 1` node: forward and backward.

use kernels::{Real, sweeps};

use super::{Backward, Op};
use crate::accumulate::Contribution;
use crate::{Tape, Var};

impl<T: Real> Tape<T> {
    /// Sum of all entries, as a `1 × 1` node.
    pub fn sum(&mut self, a: Var) -> Var {
        let s = sweeps::sum(self.value(a));
        self.scalar(Op::Sum(a), a, s)
    }

    /// Mean of all entries, as a `1 × 1` node.
    pub fn mean(&mut self, a: Var) -> Var {
        let v = self.value(a);
        let s = sweeps::sum(v) / T::of((v.nrows() * v.ncols()) as f64);
        self.scalar(Op::Mean(a), a, s)
    }

    /// Sum of squared entries, as a `1 × 1` node: the L2 weight-decay penalty.
    pub fn sum_squares(&mut self, a: Var) -> Var {
        let s = sweeps::sum_squares(self.value(a));
        self.scalar(Op::SumSquares(a), a, s)
    }

    fn scalar(&mut self, op: Op, a: Var, s: T) -> Var {
        let i = self.push_op(op, &[a], 1, 1);
        self.values[i][(0, 0)] = s;
        self.var(i)
    }
}

/// s = Σ a: ds/da = 1 everywhere.
pub(super) fn sum_backward<T: Real>(b: &mut Backward<'_, T>, a: Var) {
    let g = b.g[(0, 0)];
    b.add(a, Contribution::Fill(g));
}

/// s = Σ a / (m·n): ds/da = 1/(m·n) everywhere.
pub(super) fn mean_backward<T: Real>(b: &mut Backward<'_, T>, a: Var) {
    let (m, n) = b.value(a).shape();
    let g = b.g[(0, 0)];
    b.add(a, Contribution::Fill(g / T::of((m * n) as f64)));
}

/// s = Σ a²: ds/da = 2a.
pub(super) fn sum_squares_backward<T: Real>(b: &mut Backward<'_, T>, a: Var) {
    let g = b.g[(0, 0)];
    let v = b.value(a);
    b.add(a, Contribution::Scaled(v, T::of(2.0) * g));
}
