//! Reverse-mode automatic differentiation over `faer::Mat<f64>` (or `f32`), small enough
//! to read.
//!
//! # Design
//!
//! A [`Tape`] is a flat arena of nodes appended in forward order (the layout of
//! Rufflewind's `revad`), lifted from scalars to matrices. A [`Var`] is a `Copy` index
//! into it. Each node records its op, a private enum in the style of candle
//! (`Op::MatMul(a, b)`, `Op::Relu(a)`, …): matched exhaustively, no boxed closures,
//! printable through [`Tape::describe`]. Building a node computes its value immediately,
//! so the forward pass is just the sequence of calls that builds the graph.
//!
//! Each op lives in one file of `src/ops/` with its forward (the `Tape` method that builds
//! the node) next to its backward rule: `affine` (matmul, dense layer, bias row),
//! `elementwise` (add, sub, mul, scale, relu, sigmoid, tanh), `reduce` (sum, mean, sum of
//! squares), `cross_entropy` (softmax cross-entropy). The arithmetic itself is the
//! `kernels` crate's.
//!
//! [`Tape::backward`] makes one reverse sweep. Each op states its local chain rule in a
//! few lines (micrograd's clarity bar) as a description of its contribution to each
//! input's gradient; one helper adds every contribution into the target's buffer. No op
//! arm can assign, so a value used several times receives the sum over its uses. Nodes
//! that lead to no leaf created with `requires_grad = true` are skipped entirely.
//!
//! Values, gradients and per-node scratch (softmax probabilities, a dense layer's `δ`) live
//! in `faer::Mat<T>` buffers that survive [`Tape::clear`]. A training loop that clears
//! the tape and rebuilds the same graph every step reuses them all and allocates nothing
//! after the first step; [`Tape::growth_events`] counts the times a buffer had to grow.
//! Matrix products go through `kernels::matmul_into` into these buffers, with transposes
//! as views, on one thread.
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
//! let mut tape: Tape = Tape::new(); // `Tape` is `Tape<f64>`; `Tape<f32>` also exists
//! let x = tape.leaf(x.as_ref(), false);
//! let (w1, b1) = (tape.leaf(w1.as_ref(), true), tape.leaf(b1.as_ref(), true));
//! let (w2, b2) = (tape.leaf(w2.as_ref(), true), tape.leaf(b2.as_ref(), true));
//! let z1 = tape.matmul(x, w1);
//! let h = tape.add_row(z1, b1);
//! let h = tape.relu(h);
//! let z2 = tape.matmul(h, w2);
//! let logits = tape.add_row(z2, b2);
//! let loss = tape.softmax_cross_entropy(logits, &labels, None, None);
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
mod ops;

use std::fmt;

use faer::{Mat, MatMut, MatRef};

use accumulate::{Contribution, Sink};
use ops::{Backward, Op};

pub use kernels::{Activation, Real};

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
///
/// `T` is the precision of every value and gradient: `f64`, the reference, or `f32` (twice
/// the vector lanes; a training step whose graph is rebuilt from `f64` weights rounds them
/// into its leaves). Op constants (a scale, a loss normaliser, class weights) are given in
/// `f64` and rounded once to `T`.
#[derive(Debug)]
pub struct Tape<T: Real = f64> {
    /// Op of each live node; `ops.len()` is the number of live nodes.
    ops: Vec<Op>,
    /// Whether each live node leads to a leaf that asked for a gradient.
    needs: Vec<bool>,
    /// Whether each live node received a gradient in the last backward pass.
    touched: Vec<bool>,
    /// Forward values; slots past `ops.len()` are spare buffers kept for refilling.
    values: Vec<Mat<T>>,
    /// Gradient buffers, one per slot.
    grads: Vec<Mat<T>>,
    /// Per-node scratch: softmax probabilities, a dense layer's `δ`.
    aux: Vec<Mat<T>>,
    /// Labels of every softmax cross-entropy node, back to back.
    labels: Vec<usize>,
    /// Class weights of every weighted softmax cross-entropy node, back to back.
    weights: Vec<T>,
    /// Row-wise scratch for the softmax; a dense layer's bias gradient going back.
    scratch: Vec<T>,
    /// Incremented by `clear`, so stale `Var`s are detected.
    generation: u32,
    /// Number of times a buffer had to be (re)allocated.
    growths: usize,
}

impl<T: Real> Default for Tape<T> {
    fn default() -> Self {
        Tape {
            ops: Vec::new(),
            needs: Vec::new(),
            touched: Vec::new(),
            values: Vec::new(),
            grads: Vec::new(),
            aux: Vec::new(),
            labels: Vec::new(),
            weights: Vec::new(),
            scratch: Vec::new(),
            generation: 0,
            growths: 0,
        }
    }
}

/// Resizes `m` in place, counting the event if its memory moved.
fn resize<T: Real>(m: &mut Mat<T>, nrows: usize, ncols: usize, growths: &mut usize) {
    let before = m.as_ptr();
    m.resize_with(nrows, ncols, |_, _| T::ZERO);
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

impl<T: Real> Tape<T> {
    /// An empty tape; buffers are allocated as the first graph is built.
    pub fn new() -> Tape<T> {
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

    /// How `v` was computed, e.g. `Mul(Var(3, 0), Var(4, 0))`, for messages and printing a
    /// graph.
    pub fn describe(&self, v: Var) -> String {
        format!("{:?}", self.ops[self.index(v)])
    }

    /// A data or parameter node holding a copy of `value` (copied into a reused buffer).
    pub fn leaf(&mut self, value: MatRef<'_, T>, requires_grad: bool) -> Var {
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
        fill: impl FnOnce(MatMut<'_, T>),
    ) -> Var {
        let i = self.push_node(Op::Leaf { requires_grad }, requires_grad, nrows, ncols);
        fill(self.values[i].as_mut());
        self.var(i)
    }

    /// Value of a node.
    pub fn value(&self, v: Var) -> MatRef<'_, T> {
        self.values[self.index(v)].as_ref()
    }

    /// `∂L/∂v` from the last [`Tape::backward`]; `None` if `v` leads to no leaf that
    /// asked for a gradient or the loss does not depend on it.
    pub fn grad(&self, v: Var) -> Option<MatRef<'_, T>> {
        let i = self.index(v);
        self.touched[i].then(|| self.grads[i].as_ref())
    }

    /// Computes `∂loss/∂v` for every node on a path from a leaf that asked for its
    /// gradient to `loss`, in one reverse sweep. Gradients start from zero at each call.
    ///
    /// Each node's rule (next to its forward, in `src/ops/`) describes its contribution
    /// to each input's gradient; [`Sink::add`] adds it in.
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
        let value = self.values[l][(0, 0)].to_f64();
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
        sink.add(l, Contribution::Fill(T::ONE));
        for i in (0..=l).rev() {
            if !self.touched[i] {
                continue; // not reached from the loss, or no gradient needed
            }
            let op = self.ops[i];
            let (lower, upper) = self.grads.split_at_mut(i);
            let g = upper[0].as_ref();
            let y = self.values[i].as_ref();
            // Work a rule does on its own node before the sweep reads it (a dense layer's δ).
            op.prepare(g, y, &mut self.aux[i], &mut self.scratch, &mut self.growths);
            let mut back = Backward {
                g,
                y,
                aux: self.aux[i].as_ref(),
                scratch: &self.scratch,
                labels: &self.labels,
                weights: &self.weights,
                values: &self.values,
                sink: Sink {
                    values: &self.values,
                    grads: lower,
                    touched: &mut self.touched,
                    needs: &self.needs,
                    growths: &mut self.growths,
                },
            };
            op.backward(&mut back);
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
    fn split(&mut self, i: usize) -> (&[Mat<T>], &mut Mat<T>) {
        let (inputs, rest) = self.values.split_at_mut(i);
        (inputs, &mut rest[0])
    }
}
