//! Reverse-mode automatic differentiation over `faer::Mat<f64>`, small enough to read.
//!
//! # Design
//!
//! A [`Tape`] is a flat arena of nodes appended in forward order (the layout of
//! Rufflewind's `revad`), lifted from scalars to matrices. A [`Var`] is a `Copy` index
//! into it. Each node records an [`Op`], a plain enum in the style of candle
//! (`Op::MatMul(a, b)`, `Op::Relu(a)`, …): printable, matched exhaustively, no boxed
//! closures. Building a node computes its value immediately, so the forward pass is
//! just the sequence of calls that builds the graph.
//!
//! [`Tape::backward`] makes one reverse sweep. Each op states its local chain rule in a
//! few lines (micrograd's clarity bar) as a description of its contribution to each
//! input's gradient; one helper adds every contribution into the target's buffer. No op
//! arm can assign, so a value used several times receives the sum over its uses. Nodes
//! that lead to no leaf created with `requires_grad = true` are skipped entirely.
//!
//! Values, gradients and per-node scratch (softmax probabilities, dropout masks) live
//! in `faer::Mat<f64>` buffers that survive [`Tape::clear`]. A training loop that clears
//! the tape and rebuilds the same graph every step reuses them all and allocates nothing
//! after the first step; [`Tape::growth_events`] counts the times a buffer had to grow.
//! Matrix products go through `faer::linalg::matmul::matmul` into these buffers, with
//! transposes as views, on one thread.
//!
//! Shape mismatches are programming errors and panic with the op and both shapes. A
//! non-finite loss is reported by [`Tape::backward`] as [`NonFiniteLoss`].
//!
//! # Example
//!
//! A two-layer network `softmax(relu(x·W1 + b1)·W2 + b2)` with cross-entropy loss; the
//! gradient of the output bias is the column sum of `(softmax − onehot) / n`.
//!
//! ```
//! use faer::mat;
//! use tape::Tape;
//!
//! let x = mat![[1.0, 2.0], [-1.0, 0.5], [0.0, -2.0]]; // 3 rows, 2 features
//! let w1 = mat![[0.5, -0.3, 0.8], [0.1, 0.4, -0.6]];  // 2 → 3
//! let b1 = mat![[0.0, 0.1, -0.1]];
//! let w2 = mat![[1.0, -1.0], [0.5, 0.2], [-0.3, 0.7]]; // 3 → 2 classes
//! let b2 = mat![[0.05, -0.05]];
//! let labels = [0, 1, 1];
//!
//! let mut tape = Tape::new();
//! let x = tape.leaf(x.as_ref(), false);
//! let (w1, b1) = (tape.leaf(w1.as_ref(), true), tape.leaf(b1.as_ref(), true));
//! let (w2, b2) = (tape.leaf(w2.as_ref(), true), tape.leaf(b2.as_ref(), true));
//! let z1 = tape.matmul(x, w1);
//! let h = tape.add_row(z1, b1);
//! let h = tape.relu(h);
//! let z2 = tape.matmul(h, w2);
//! let logits = tape.add_row(z2, b2);
//! let loss = tape.softmax_cross_entropy(logits, &labels, None);
//! tape.backward(loss).unwrap();
//!
//! // ∂L/∂b2 = Σ_i (p_i − onehot(y_i)) / n, computed here from the logits directly.
//! let z = tape.value(logits);
//! let mut expected = [0.0; 2];
//! for i in 0..3 {
//!     let norm: f64 = (0..2).map(|j| z[(i, j)].exp()).sum();
//!     for j in 0..2 {
//!         let onehot = if labels[i] == j { 1.0 } else { 0.0 };
//!         expected[j] += (z[(i, j)].exp() / norm - onehot) / 3.0;
//!     }
//! }
//! let db2 = tape.grad(b2).unwrap();
//! assert!((db2[(0, 0)] - expected[0]).abs() < 1e-12);
//! assert!((db2[(0, 1)] - expected[1]).abs() < 1e-12);
//! assert_eq!(tape.grad(w1).unwrap().shape(), (2, 3));
//! assert!(tape.grad(x).is_none()); // the data did not ask for a gradient
//!
//! // The next step: forget the graph, keep the memory.
//! tape.clear();
//! ```
#![deny(missing_docs)]

mod accumulate;
mod kernels;

use std::fmt;

use faer::{Accum, Mat, MatMut, MatRef};

use accumulate::{Chain, Contribution, Sink};
pub use kernels::{
    Kernel, clear_upper_state, exp, matmul as matmul_into, sigmoid, vectorize, vectorize_kernel,
};

/// Handle to a node of a [`Tape`]: its index, plus the tape generation that made it so
/// that a handle kept across [`Tape::clear`] is caught instead of silently aliasing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Var(u32, u32);

impl Var {
    /// Position of the node in forward order (useful when printing a graph).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The activation of a [`Tape::dense`] layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// `max(z, 0)`.
    Relu,
    /// `1 / (1 + e^{−z})`.
    Sigmoid,
    /// `tanh z`.
    Tanh,
}

impl Activation {
    /// The chain rule of this activation, in terms of its output.
    fn chain(self) -> Chain {
        match self {
            Activation::Relu => Chain::Relu,
            Activation::Sigmoid => Chain::Sigmoid,
            Activation::Tanh => Chain::Tanh,
        }
    }
}

/// How a node was computed: the record the backward sweep dispatches on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// Input data or a parameter; `requires_grad` says whether its gradient is wanted.
    Leaf {
        /// Whether backward should compute `∂L/∂leaf`.
        requires_grad: bool,
    },
    /// `a · b`.
    MatMul(Var, Var),
    /// `x · w + b` with `b` a `1 × n` row: a fused dense layer (no intermediate buffer).
    Linear(Var, Var, Var),
    /// `act(x · w + b)`: a whole dense layer; only its output is stored.
    Dense(Var, Var, Var, Activation),
    /// `a + row`, the `1 × n` row added to every row of `a`.
    AddRow(Var, Var),
    /// `a + b`, same shapes.
    Add(Var, Var),
    /// `a − b`, same shapes.
    Sub(Var, Var),
    /// `a ⊙ b`, same shapes.
    Mul(Var, Var),
    /// `c · a`.
    Scale(Var, f64),
    /// `max(a, 0)`.
    Relu(Var),
    /// `1 / (1 + e^{−a})`.
    Sigmoid(Var),
    /// `tanh a`.
    Tanh(Var),
    /// `a ⊙ mask` with a constant mask kept in the node's scratch buffer.
    MaskMul(Var),
    /// Sum of all entries (`1 × 1`).
    Sum(Var),
    /// Mean of all entries (`1 × 1`).
    Mean(Var),
    /// Sum of squared entries (`1 × 1`).
    SumSquares(Var),
    /// Weighted mean of `−log softmax(logits)[label]` over rows (`1 × 1`).
    SoftmaxCrossEntropy {
        /// The `n × k` logits.
        logits: Var,
        /// Offset of this node's `n` labels in the tape's label buffer.
        labels_at: usize,
        /// Offset of this node's `k` class weights in the tape's weight buffer.
        weights_at: Option<usize>,
        /// `Σ_i w[y_i]` (or `n` when unweighted): the loss normaliser.
        total_weight: f64,
    },
}

/// A loss that is NaN or infinite: training has diverged or the data holds a NaN.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NonFiniteLoss {
    /// The offending loss value.
    pub value: f64,
}

impl fmt::Display for NonFiniteLoss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "loss is not finite ({}); no gradients computed",
            self.value
        )
    }
}

impl std::error::Error for NonFiniteLoss {}

/// An arena of nodes in forward order, with buffers that are reused across [`Tape::clear`].
#[derive(Debug, Default)]
pub struct Tape {
    /// Op of each live node; `ops.len()` is the number of live nodes.
    ops: Vec<Op>,
    /// Whether each live node leads to a leaf that asked for a gradient.
    needs: Vec<bool>,
    /// Whether each live node received a gradient in the last backward pass.
    touched: Vec<bool>,
    /// Forward values; slots past `ops.len()` are spare buffers kept for refilling.
    values: Vec<Mat<f64>>,
    /// Gradient buffers, one per slot.
    grads: Vec<Mat<f64>>,
    /// Per-node scratch: softmax probabilities, dropout masks.
    aux: Vec<Mat<f64>>,
    /// Labels of every softmax cross-entropy node, back to back.
    labels: Vec<usize>,
    /// Class weights of every weighted softmax cross-entropy node, back to back.
    weights: Vec<f64>,
    /// Row-wise scratch for the softmax.
    scratch: Vec<f64>,
    /// Incremented by `clear`, so stale `Var`s are detected.
    generation: u32,
    /// Number of times a buffer had to be (re)allocated.
    growths: usize,
}

/// `out = a · b` (or `+=` with `Accum::Add`).
fn product_into(out: &mut Mat<f64>, accum: Accum, a: &Mat<f64>, b: &Mat<f64>) {
    matmul_into(out.as_mut(), accum, a.as_ref(), b.as_ref(), 1.0);
}

/// Resizes `m` in place, counting the event if its memory moved.
fn resize(m: &mut Mat<f64>, nrows: usize, ncols: usize, growths: &mut usize) {
    let before = m.as_ptr();
    m.resize_with(nrows, ncols, |_, _| 0.0);
    if m.as_ptr() != before && nrows * ncols > 0 {
        *growths += 1;
    }
}

/// Pushes onto a reused `Vec`, counting the event if it had to grow.
fn push<T>(v: &mut Vec<T>, x: T, growths: &mut usize) {
    if v.len() == v.capacity() {
        *growths += 1;
    }
    v.push(x);
}

fn same_shape(op: &str, a: MatRef<'_, f64>, b: MatRef<'_, f64>) {
    assert!(
        a.shape() == b.shape(),
        "{op}: shapes differ: {}×{} vs {}×{}",
        a.nrows(),
        a.ncols(),
        b.nrows(),
        b.ncols()
    );
}

fn row_fits(op: &str, a: MatRef<'_, f64>, row: MatRef<'_, f64>) {
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

fn inner_fits(op: &str, a: MatRef<'_, f64>, b: MatRef<'_, f64>) {
    assert!(
        a.ncols() == b.nrows(),
        "{op}: inner dimensions differ: {}×{} times {}×{}",
        a.nrows(),
        a.ncols(),
        b.nrows(),
        b.ncols()
    );
}

impl Tape {
    /// An empty tape; buffers are allocated as the first graph is built.
    pub fn new() -> Tape {
        Tape::default()
    }

    /// Forgets every node but keeps all buffers, so rebuilding the same graph is
    /// allocation-free. `Var`s from before the call become invalid.
    pub fn clear(&mut self) {
        self.ops.clear();
        self.needs.clear();
        self.touched.clear();
        self.labels.clear();
        self.weights.clear();
        self.generation = self.generation.wrapping_add(1);
    }

    /// Number of live nodes.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether the tape holds no nodes.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// How many times a buffer had to be allocated or grown since the tape was made. A
    /// loop that rebuilds the same graph sees this stay flat after its first step.
    pub fn growth_events(&self) -> usize {
        self.growths
    }

    /// The op that produced `v`.
    pub fn op(&self, v: Var) -> Op {
        self.ops[self.index(v)]
    }

    /// A data or parameter node holding a copy of `value` (copied into a reused buffer).
    pub fn leaf(&mut self, value: MatRef<'_, f64>, requires_grad: bool) -> Var {
        self.leaf_with(value.nrows(), value.ncols(), requires_grad, |mut dst| {
            dst.copy_from(value)
        })
    }

    /// A leaf of shape `nrows × ncols` whose value `fill` writes in place, e.g. a
    /// minibatch gathered straight into the tape's buffer. `fill` must set every entry.
    pub fn leaf_with(
        &mut self,
        nrows: usize,
        ncols: usize,
        requires_grad: bool,
        fill: impl FnOnce(MatMut<'_, f64>),
    ) -> Var {
        let i = self.push_node(Op::Leaf { requires_grad }, requires_grad, nrows, ncols);
        fill(self.values[i].as_mut());
        self.var(i)
    }

    /// Value of a node.
    pub fn value(&self, v: Var) -> MatRef<'_, f64> {
        self.values[self.index(v)].as_ref()
    }

    /// `∂L/∂v` from the last [`Tape::backward`]; `None` if `v` leads to no leaf that
    /// asked for a gradient or the loss does not depend on it.
    pub fn grad(&self, v: Var) -> Option<MatRef<'_, f64>> {
        let i = self.index(v);
        self.touched[i].then(|| self.grads[i].as_ref())
    }

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

    /// Dense layer `x · w + b` in one node (`b` is `1 × n`): same result as
    /// `add_row(matmul(x, w), b)` with one buffer and one pass fewer each way.
    pub fn linear(&mut self, x: Var, w: Var, b: Var) -> Var {
        let i = self.affine("linear", Op::Linear(x, w, b), x, w, b);
        let (inputs, out) = self.split(i);
        kernels::fill_rows(out, inputs[b.index()].as_ref());
        product_into(out, Accum::Add, &inputs[x.index()], &inputs[w.index()]);
        self.var(i)
    }

    /// `act(x · w + b)` with `b` a `1 × n` row: a dense layer as one node.
    ///
    /// Same value as [`Tape::linear`] followed by the activation, up to rounding (the bias
    /// is added after the product here), but the layer takes one buffer and one sweep
    /// after the product, only the output is kept (these activations' derivatives are
    /// functions of their output), and backward turns the upstream gradient into
    /// `δ = ∂L/∂z` and the bias gradient in a single sweep.
    pub fn dense(&mut self, x: Var, w: Var, b: Var, act: Activation) -> Var {
        let i = self.affine("dense", Op::Dense(x, w, b, act), x, w, b);
        let (inputs, out) = self.split(i);
        product_into(out, Accum::Replace, &inputs[x.index()], &inputs[w.index()]);
        kernels::activate(out, inputs[b.index()].as_ref(), act);
        self.var(i)
    }

    /// Checks the shapes of `x · w + b` and pushes `op` with a buffer for it; returns its
    /// slot.
    fn affine(&mut self, name: &str, op: Op, x: Var, w: Var, b: Var) -> usize {
        inner_fits(name, self.value(x), self.value(w));
        row_fits(name, self.value(w), self.value(b));
        let (m, n) = (self.value(x).nrows(), self.value(w).ncols());
        self.push_op(op, &[x, w, b], m, n)
    }

    /// `a` with the `1 × n` `row` added to every row: a bias.
    pub fn add_row(&mut self, a: Var, row: Var) -> Var {
        let (ia, ir) = (self.index(a), self.index(row));
        row_fits("add_row", self.value(a), self.value(row));
        let (m, n) = self.values[ia].shape();
        let i = self.push_op(Op::AddRow(a, row), &[a, row], m, n);
        let (inputs, out) = self.split(i);
        kernels::add_row_into(out, inputs[ia].as_ref(), inputs[ir].as_ref());
        self.var(i)
    }

    /// Elementwise `a + b`.
    pub fn add(&mut self, a: Var, b: Var) -> Var {
        self.binary("add", Op::Add(a, b), a, b, |x, y| x + y)
    }

    /// Elementwise `a − b`.
    pub fn sub(&mut self, a: Var, b: Var) -> Var {
        self.binary("sub", Op::Sub(a, b), a, b, |x, y| x - y)
    }

    /// Elementwise (Hadamard) product `a ⊙ b`.
    pub fn mul(&mut self, a: Var, b: Var) -> Var {
        self.binary("mul", Op::Mul(a, b), a, b, |x, y| x * y)
    }

    /// `c · a`.
    pub fn scale(&mut self, a: Var, c: f64) -> Var {
        self.unary(Op::Scale(a, c), a, |x| c * x)
    }

    /// Rectified linear unit `max(a, 0)`; its derivative at 0 is taken as 0.
    pub fn relu(&mut self, a: Var) -> Var {
        self.unary(Op::Relu(a), a, |x| x.max(0.0))
    }

    /// Logistic sigmoid, computed without overflow for large `|a|`.
    pub fn sigmoid(&mut self, a: Var) -> Var {
        self.unary(Op::Sigmoid(a), a, kernels::sigmoid)
    }

    /// Hyperbolic tangent.
    pub fn tanh(&mut self, a: Var) -> Var {
        self.unary(Op::Tanh(a), a, f64::tanh)
    }

    /// `a ⊙ mask` for dropout: `mask` already holds 0 or `1/(1−p)` and is a constant
    /// (copied into the node's reused scratch buffer).
    pub fn mask_mul(&mut self, a: Var, mask: MatRef<'_, f64>) -> Var {
        let ia = self.index(a);
        same_shape("mask_mul", self.value(a), mask);
        let (m, n) = self.values[ia].shape();
        let i = self.push_op(Op::MaskMul(a), &[a], m, n);
        resize(&mut self.aux[i], m, n, &mut self.growths);
        self.aux[i].as_mut().copy_from(mask);
        let (inputs, rest) = self.values.split_at_mut(i);
        kernels::zip_into(
            &mut rest[0],
            Accum::Replace,
            inputs[ia].as_ref(),
            self.aux[i].as_ref(),
            |x, m| x * m,
        );
        self.var(i)
    }

    /// Sum of all entries, as a `1 × 1` node.
    pub fn sum(&mut self, a: Var) -> Var {
        let s = kernels::sum(self.value(a));
        self.scalar(Op::Sum(a), a, s)
    }

    /// Mean of all entries, as a `1 × 1` node.
    pub fn mean(&mut self, a: Var) -> Var {
        let v = self.value(a);
        let s = kernels::sum(v) / (v.nrows() * v.ncols()) as f64;
        self.scalar(Op::Mean(a), a, s)
    }

    /// Sum of squared entries, as a `1 × 1` node: the L2 weight-decay penalty.
    pub fn sum_squares(&mut self, a: Var) -> Var {
        let s = kernels::sum_squares(self.value(a));
        self.scalar(Op::SumSquares(a), a, s)
    }

    /// Cross-entropy of the row-wise softmax of `logits` (`n × k`) against `labels`
    /// (`n` classes in `0..k`), as a `1 × 1` node.
    ///
    /// Unweighted it is the mean over rows of `−log p[i, y_i]`; with `class_weights`
    /// (length `k`) it is `Σ_i w[y_i] · nll_i / Σ_i w[y_i]`, as in PyTorch. Computed
    /// with log-sum-exp, so it stays finite for logits of any finite size.
    pub fn softmax_cross_entropy(
        &mut self,
        logits: Var,
        labels: &[usize],
        class_weights: Option<&[f64]>,
    ) -> Var {
        self.cross_entropy(logits, labels, class_weights, None)
    }

    /// One block's share `Σ_{i ∈ block} w[y_i] · nll_i / total_weight` of a loss over a
    /// larger batch, where `total_weight` is that batch's `Σ_i w[y_i]` (its row count when
    /// unweighted): the shares of disjoint blocks add up to
    /// [`Tape::softmax_cross_entropy`] of the whole batch, and so do their gradients.
    ///
    /// # Panics
    /// As [`Tape::softmax_cross_entropy`], and if `total_weight` is not positive.
    pub fn softmax_cross_entropy_share(
        &mut self,
        logits: Var,
        labels: &[usize],
        class_weights: Option<&[f64]>,
        total_weight: f64,
    ) -> Var {
        assert!(
            total_weight > 0.0,
            "softmax_cross_entropy_share: total weight {total_weight} must be positive"
        );
        self.cross_entropy(logits, labels, class_weights, Some(total_weight))
    }

    /// Both cross-entropies: normalised by the rows' own weight, or by `normaliser`.
    fn cross_entropy(
        &mut self,
        logits: Var,
        labels: &[usize],
        class_weights: Option<&[f64]>,
        normaliser: Option<f64>,
    ) -> Var {
        let il = self.index(logits);
        let (n, k) = self.values[il].shape();
        assert!(
            labels.len() == n,
            "softmax_cross_entropy: {} labels for {n}×{k} logits",
            labels.len()
        );
        if let Some(&bad) = labels.iter().find(|&&y| y >= k) {
            panic!("softmax_cross_entropy: label {bad} out of range for {n}×{k} logits");
        }
        if let Some(w) = class_weights {
            assert!(
                w.len() == k,
                "softmax_cross_entropy: {} class weights for {n}×{k} logits",
                w.len()
            );
        }
        let labels_at = self.labels.len();
        for &y in labels {
            push(&mut self.labels, y, &mut self.growths);
        }
        let weights_at = class_weights.map(|w| {
            let at = self.weights.len();
            for &x in w {
                push(&mut self.weights, x, &mut self.growths);
            }
            at
        });
        let op = Op::SoftmaxCrossEntropy {
            logits,
            labels_at,
            weights_at,
            total_weight: 0.0,
        };
        let i = self.push_op(op, &[logits], 1, 1);
        resize(&mut self.aux[i], n, k, &mut self.growths);
        let cap = self.scratch.capacity();
        let (total, total_weight) = kernels::softmax_cross_entropy(
            self.values[il].as_ref(),
            &self.labels[labels_at..labels_at + n],
            weights_at.map(|at| &self.weights[at..at + k]),
            &mut self.aux[i],
            &mut self.scratch,
        );
        if self.scratch.capacity() != cap {
            self.growths += 1;
        }
        let total_weight = normaliser.unwrap_or(total_weight);
        self.values[i][(0, 0)] = total / total_weight;
        if let Op::SoftmaxCrossEntropy {
            total_weight: t, ..
        } = &mut self.ops[i]
        {
            *t = total_weight;
        }
        self.var(i)
    }

    /// Computes `∂loss/∂v` for every node on a path from a leaf that asked for its
    /// gradient to `loss`, in one reverse sweep. Gradients start from zero at each call.
    ///
    /// # Errors
    /// [`NonFiniteLoss`] if the loss value is NaN or infinite; no gradient is computed.
    ///
    /// # Panics
    /// If `loss` is not `1 × 1`.
    pub fn backward(&mut self, loss: Var) -> Result<(), NonFiniteLoss> {
        let l = self.index(loss);
        let (r, c) = self.values[l].shape();
        assert!((r, c) == (1, 1), "backward: loss must be 1×1, got {r}×{c}");
        let value = self.values[l][(0, 0)];
        if !value.is_finite() {
            return Err(NonFiniteLoss { value });
        }
        self.touched.iter_mut().for_each(|t| *t = false);
        let mut sink = Sink {
            values: &self.values,
            grads: &mut self.grads,
            touched: &mut self.touched,
            needs: &self.needs,
            growths: &mut self.growths,
        };
        sink.add(l, Contribution::Fill(1.0));
        for i in (0..=l).rev() {
            if !self.touched[i] {
                continue; // not reached from the loss, or no gradient needed
            }
            let (lower, upper) = self.grads.split_at_mut(i);
            let g = upper[0].as_ref();
            let v = |x: Var| self.values[x.index()].as_ref();
            let y = self.values[i].as_ref();
            if let Op::Dense(.., act) = self.ops[i] {
                // δ = g ⊙ act′ into the node's scratch, its column sums into `scratch`.
                resize(&mut self.aux[i], y.nrows(), y.ncols(), &mut self.growths);
                kernels::gate(&mut self.aux[i], &mut self.scratch, g, y, act.chain());
            }
            let mut sink = Sink {
                values: &self.values,
                grads: lower,
                touched: &mut self.touched,
                needs: &self.needs,
                growths: &mut self.growths,
            };
            let mut add = |x: Var, c| sink.add(x.index(), c);
            match self.ops[i] {
                Op::Leaf { .. } => {}
                // C = A·B: dA = dC·Bᵀ, dB = Aᵀ·dC.
                Op::MatMul(a, b) => {
                    add(a, Contribution::MatMul(g, v(b).transpose()));
                    add(b, Contribution::MatMul(v(a).transpose(), g));
                }
                // Y = X·W + 1bᵀ: dX = dY·Wᵀ, dW = Xᵀ·dY, db = column sums of dY.
                Op::Linear(x, w, b) => {
                    add(x, Contribution::MatMul(g, v(w).transpose()));
                    add(w, Contribution::MatMul(v(x).transpose(), g));
                    add(b, Contribution::ColumnSums(g));
                }
                // Y = act(Z), Z = X·W + 1bᵀ: with δ = dZ, dX = δ·Wᵀ, dW = Xᵀ·δ, db = colsum δ.
                Op::Dense(x, w, b, _) => {
                    let delta = self.aux[i].as_ref();
                    let sums = MatRef::from_column_major_slice(
                        &self.scratch[..delta.ncols()],
                        1,
                        delta.ncols(),
                    );
                    add(x, Contribution::MatMul(delta, v(w).transpose()));
                    add(w, Contribution::MatMul(v(x).transpose(), delta));
                    add(b, Contribution::Scaled(sums, 1.0));
                }
                // Y = A + 1rᵀ: dA = dY, dr = column sums of dY.
                Op::AddRow(a, row) => {
                    add(a, Contribution::Scaled(g, 1.0));
                    add(row, Contribution::ColumnSums(g));
                }
                Op::Add(a, b) => {
                    add(a, Contribution::Scaled(g, 1.0));
                    add(b, Contribution::Scaled(g, 1.0));
                }
                Op::Sub(a, b) => {
                    add(a, Contribution::Scaled(g, 1.0));
                    add(b, Contribution::Scaled(g, -1.0));
                }
                // Y = A ⊙ B: dA = dY ⊙ B, dB = dY ⊙ A.
                Op::Mul(a, b) => {
                    add(a, Contribution::Zip(g, v(b), Chain::Product));
                    add(b, Contribution::Zip(g, v(a), Chain::Product));
                }
                Op::Scale(a, c) => add(a, Contribution::Scaled(g, c)),
                // The local derivatives below are written in terms of the output Y.
                Op::Relu(a) => add(a, Contribution::Zip(g, y, Chain::Relu)),
                Op::Sigmoid(a) => add(a, Contribution::Zip(g, y, Chain::Sigmoid)),
                Op::Tanh(a) => add(a, Contribution::Zip(g, y, Chain::Tanh)),
                Op::MaskMul(a) => add(
                    a,
                    Contribution::Zip(g, self.aux[i].as_ref(), Chain::Product),
                ),
                // s = Σ a: ds/da = 1 everywhere; mean divides by the count.
                Op::Sum(a) => add(a, Contribution::Fill(g[(0, 0)])),
                Op::Mean(a) => {
                    let (m, n) = v(a).shape();
                    add(a, Contribution::Fill(g[(0, 0)] / (m * n) as f64));
                }
                // s = Σ a²: ds/da = 2a.
                Op::SumSquares(a) => add(a, Contribution::Scaled(v(a), 2.0 * g[(0, 0)])),
                // L = Σ w_i nll_i / Σ w_i: dZ_ij = w_i (p_ij − [j = y_i]) / Σ w.
                Op::SoftmaxCrossEntropy {
                    logits,
                    labels_at,
                    weights_at,
                    total_weight,
                } => {
                    let (n, k) = v(logits).shape();
                    add(
                        logits,
                        Contribution::SoftmaxCe {
                            probs: self.aux[i].as_ref(),
                            labels: &self.labels[labels_at..labels_at + n],
                            weights: weights_at.map(|at| &self.weights[at..at + k]),
                            scale: g[(0, 0)] / total_weight,
                        },
                    );
                }
            }
        }
        Ok(())
    }

    /// Slot index of `v`, checking that it belongs to the current graph.
    fn index(&self, v: Var) -> usize {
        assert!(
            v.1 == self.generation && v.index() < self.ops.len(),
            "{v:?} does not belong to this tape's current graph (stale after clear?)"
        );
        v.index()
    }

    fn var(&self, i: usize) -> Var {
        Var(i as u32, self.generation)
    }

    /// Appends a node with an `nrows × ncols` value buffer, reusing a spare slot.
    fn push_node(&mut self, op: Op, needs: bool, nrows: usize, ncols: usize) -> usize {
        let i = self.ops.len();
        assert!(i < u32::MAX as usize, "tape is full");
        push(&mut self.ops, op, &mut self.growths);
        push(&mut self.needs, needs, &mut self.growths);
        push(&mut self.touched, false, &mut self.growths);
        if self.values.len() == i {
            push(&mut self.values, Mat::new(), &mut self.growths);
            push(&mut self.grads, Mat::new(), &mut self.growths);
            push(&mut self.aux, Mat::new(), &mut self.growths);
        }
        resize(&mut self.values[i], nrows, ncols, &mut self.growths);
        i
    }

    /// Appends an op node; it needs a gradient if any input does.
    fn push_op(&mut self, op: Op, inputs: &[Var], nrows: usize, ncols: usize) -> usize {
        let needs = inputs.iter().any(|x| self.needs[x.index()]);
        self.push_node(op, needs, nrows, ncols)
    }

    /// Values of the nodes before `i`, and the value buffer of node `i`.
    fn split(&mut self, i: usize) -> (&[Mat<f64>], &mut Mat<f64>) {
        let (inputs, rest) = self.values.split_at_mut(i);
        (inputs, &mut rest[0])
    }

    fn unary(&mut self, op: Op, a: Var, f: impl Fn(f64) -> f64) -> Var {
        let ia = self.index(a);
        let (m, n) = self.values[ia].shape();
        let i = self.push_op(op, &[a], m, n);
        let (inputs, out) = self.split(i);
        kernels::map_into(out, Accum::Replace, inputs[ia].as_ref(), f);
        self.var(i)
    }

    fn binary(&mut self, name: &str, op: Op, a: Var, b: Var, f: impl Fn(f64, f64) -> f64) -> Var {
        let (ia, ib) = (self.index(a), self.index(b));
        same_shape(name, self.value(a), self.value(b));
        let (m, n) = self.values[ia].shape();
        let i = self.push_op(op, &[a, b], m, n);
        let (inputs, out) = self.split(i);
        kernels::zip_into(
            out,
            Accum::Replace,
            inputs[ia].as_ref(),
            inputs[ib].as_ref(),
            f,
        );
        self.var(i)
    }

    fn scalar(&mut self, op: Op, a: Var, s: f64) -> Var {
        let i = self.push_op(op, &[a], 1, 1);
        self.values[i][(0, 0)] = s;
        self.var(i)
    }
}
