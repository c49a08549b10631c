//! The ops. Each file holds one family's forward passes (the [`Tape`] methods that build
//! and compute a node) next to their backward rules (`*_backward`, which describe each
//! input's [`Contribution`]); [`Op::backward`] only dispatches.

mod affine;
mod cross_entropy;
mod elementwise;
mod reduce;

use faer::{Mat, MatRef};
use kernels::{Activation, Real};

use crate::Var;
use crate::accumulate::{Contribution, Sink};

#[cfg(doc)]
use crate::Tape;

/// How a node was computed: the record the backward sweep dispatches on. Private: the
/// offsets it holds point into the tape's own buffers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Op {
    /// Input data or a parameter; `requires_grad` says whether its gradient is wanted.
    Leaf { requires_grad: bool },
    /// `a · b`.
    MatMul(Var, Var),
    /// `act(x · w + b)`, or `x · w + b` without an activation: a whole dense layer.
    Dense(Var, Var, Var, Option<Activation>),
    /// `a + row`, the `1 × n` row added to every row of `a`.
    AddRow(Var, Var),
    /// `a + b`.
    Add(Var, Var),
    /// `a − b`.
    Sub(Var, Var),
    /// `a ⊙ b`.
    Mul(Var, Var),
    /// `c · a`.
    Scale(Var, f64),
    /// `max(a, 0)`.
    Relu(Var),
    /// `1 / (1 + e^{−a})`.
    Sigmoid(Var),
    /// `tanh a`.
    Tanh(Var),
    /// Sum of all entries.
    Sum(Var),
    /// Mean of all entries.
    Mean(Var),
    /// Sum of squared entries.
    SumSquares(Var),
    /// `Σ_i w[y_i] · nll_i / normaliser` over the rows of `logits`.
    SoftmaxCrossEntropy {
        /// The `n × k` logits.
        logits: Var,
        /// Offset of this node's `n` labels in the tape's label buffer.
        labels_at: usize,
        /// Offset of this node's `k` class weights in the tape's weight buffer.
        weights_at: Option<usize>,
        /// What the weighted sum of the rows' losses is divided by.
        normaliser: f64,
    },
}

/// What a backward rule sees of its node and the tape.
pub(crate) struct Backward<'a, T: Real> {
    /// `∂L/∂y`, the upstream gradient of the node.
    pub g: MatRef<'a, T>,
    /// The node's forward value `y`.
    pub y: MatRef<'a, T>,
    /// The node's scratch (softmax probabilities, a dense layer's `δ`).
    pub aux: MatRef<'a, T>,
    /// The tape's row scratch (a dense layer's bias gradient).
    pub scratch: &'a [T],
    /// Every cross-entropy node's labels.
    pub labels: &'a [usize],
    /// Every weighted cross-entropy node's class weights.
    pub weights: &'a [T],
    /// Forward values of all nodes.
    pub values: &'a [Mat<T>],
    /// Where contributions go.
    pub sink: Sink<'a, T>,
}

impl<'a, T: Real> Backward<'a, T> {
    /// Forward value of an input.
    fn value(&self, v: Var) -> MatRef<'a, T> {
        self.values[v.index()].as_ref()
    }

    /// Adds `c` into `∂L/∂v`.
    fn add(&mut self, v: Var, c: Contribution<'_, T>) {
        self.sink.add(v.index(), c);
    }
}

impl Op {
    /// Work a rule does on its own node before the backward sweep reads it: a dense layer
    /// turns `g` into `δ = ∂L/∂z` (in `aux`) and its column sums (in `scratch`).
    pub(crate) fn prepare<T: Real>(
        self,
        g: MatRef<'_, T>,
        y: MatRef<'_, T>,
        aux: &mut Mat<T>,
        scratch: &mut Vec<T>,
        growths: &mut usize,
    ) {
        if let Op::Dense(.., Some(act)) = self {
            affine::dense_delta(g, y, act, aux, scratch, growths);
        }
    }

    /// Adds this node's contribution to each input's gradient.
    pub(crate) fn backward<T: Real>(self, b: &mut Backward<'_, T>) {
        match self {
            Op::Leaf { .. } => {}
            Op::MatMul(x, w) => affine::matmul_backward(b, x, w),
            Op::Dense(x, w, bias, act) => affine::dense_backward(b, x, w, bias, act),
            Op::AddRow(a, row) => affine::add_row_backward(b, a, row),
            Op::Add(x, y) => elementwise::add_backward(b, x, y),
            Op::Sub(x, y) => elementwise::sub_backward(b, x, y),
            Op::Mul(x, y) => elementwise::mul_backward(b, x, y),
            Op::Scale(a, c) => elementwise::scale_backward(b, a, c),
            Op::Relu(a) => elementwise::relu_backward(b, a),
            Op::Sigmoid(a) => elementwise::sigmoid_backward(b, a),
            Op::Tanh(a) => elementwise::tanh_backward(b, a),
            Op::Sum(a) => reduce::sum_backward(b, a),
            Op::Mean(a) => reduce::mean_backward(b, a),
            Op::SumSquares(a) => reduce::sum_squares_backward(b, a),
            Op::SoftmaxCrossEntropy {
                logits,
                labels_at,
                weights_at,
                normaliser,
            } => cross_entropy::backward(b, logits, labels_at, weights_at, normaliser),
        }
    }
}

/// Panics unless `a` and `b` have the same shape.
fn same_shape<T: Real>(op: &str, a: MatRef<'_, T>, b: MatRef<'_, T>) {
    assert!(
        a.shape() == b.shape(),
        "{op}: shapes differ: {}×{} vs {}×{}",
        a.nrows(),
        a.ncols(),
        b.nrows(),
        b.ncols()
    );
}

/// Panics unless `row` is `1 × a.ncols()`.
fn row_fits<T: Real>(op: &str, a: MatRef<'_, T>, row: MatRef<'_, T>) {
    assert!(
        row.nrows() == 1 && row.ncols() == a.ncols(),
        "{op}: row must be 1×{} to match {}×{}, got {}×{}",
        a.ncols(),
        a.nrows(),
        a.ncols(),
        row.nrows(),
        row.ncols()
    );
}

/// Panics unless `a · b` is defined.
fn inner_fits<T: Real>(op: &str, a: MatRef<'_, T>, b: MatRef<'_, T>) {
    assert!(
        a.ncols() == b.nrows(),
        "{op}: inner dimensions differ: {}×{} times {}×{}",
        a.nrows(),
        a.ncols(),
        b.nrows(),
        b.ncols()
    );
}
