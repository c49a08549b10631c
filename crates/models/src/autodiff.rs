//! The same network through the `tape` (Part C): the graph is rebuilt every step after
//! [`Tape::clear`], which keeps the tape's buffers, so steps after the first allocate nothing.

use faer::{MatMut, MatRef};
use tape::{Tape, Var};

use crate::backprop::Gradients;
use crate::mlp::{Activation, LossOptions, Mlp};
use crate::train::TrainError;

/// Handles of one built graph.
#[derive(Debug)]
pub(crate) struct Graph {
    /// `(W_l, b_l)` leaves.
    pub params: Vec<(Var, Var)>,
    /// The input leaf.
    pub x: Var,
    /// Hidden pre-activations `z_l` (for saturation).
    pub pre: Vec<Var>,
    /// Output logits `z_L` (for accuracy).
    pub logits: Var,
    /// The scalar objective.
    pub loss: Var,
}

/// How the input leaf gets its value.
pub(crate) enum Input<'a> {
    /// Copy this matrix.
    Matrix(MatRef<'a, f64>),
    /// Fill an `n × d` buffer in place (minibatch gather).
    Fill(usize, usize, &'a mut dyn FnMut(MatMut<'_, f64>)),
}

/// Builds `loss = CE(softmax(… g(x W_1 + b_1) ⊙ mask_1 …)) + (λ/2) Σ‖W‖²` on a cleared tape.
pub(crate) fn build(
    tape: &mut Tape,
    mlp: &Mlp,
    input: Input<'_>,
    y: &[usize],
    opts: &LossOptions,
    x_grad: bool,
    masks: Option<&[Vec<f64>]>,
) -> Graph {
    tape.clear();
    let x = match input {
        Input::Matrix(m) => tape.leaf(m, x_grad),
        Input::Fill(n, d, fill) => tape.leaf_with(n, d, x_grad, fill),
    };
    let n = tape.value(x).nrows();
    let params: Vec<(Var, Var)> = mlp
        .layers
        .iter()
        .map(|d| {
            (
                tape.leaf(d.weight.as_ref(), true),
                tape.leaf(d.bias.as_ref(), true),
            )
        })
        .collect();
    let n_hidden = params.len() - 1;
    let mut h = x;
    let mut pre = Vec::with_capacity(n_hidden);
    for (l, &(w, b)) in params[..n_hidden].iter().enumerate() {
        let z = tape.linear(h, w, b);
        pre.push(z);
        h = match mlp.activation {
            Activation::Relu => tape.relu(z),
            Activation::Sigmoid => tape.sigmoid(z),
        };
        if let Some(masks) = masks {
            let width = mlp.layers[l].fan_out();
            let mask = MatRef::from_column_major_slice(&masks[l][..n * width], n, width);
            h = tape.mask_mul(h, mask);
        }
    }
    let (w, b) = params[n_hidden];
    let logits = tape.linear(h, w, b);
    let mut loss = tape.softmax_cross_entropy(logits, y, opts.class_weights.as_deref());
    if opts.weight_decay != 0.0 {
        let mut penalty: Option<Var> = None;
        for &(w, _) in &params {
            let s = tape.sum_squares(w);
            penalty = Some(match penalty {
                None => s,
                Some(p) => tape.add(p, s),
            });
        }
        if let Some(p) = penalty {
            let p = tape.scale(p, 0.5 * opts.weight_decay);
            loss = tape.add(loss, p);
        }
    }
    Graph {
        params,
        x,
        pre,
        logits,
        loss,
    }
}

/// Runs backward and copies the parameter (and, if `grads.input` is non-empty, input)
/// gradients into `grads`; returns the loss.
pub(crate) fn backward_into(
    tape: &mut Tape,
    graph: &Graph,
    grads: &mut Gradients,
    step: usize,
) -> Result<f64, TrainError> {
    let loss = tape.value(graph.loss)[(0, 0)];
    tape.backward(graph.loss)
        .map_err(|e| TrainError::Diverged {
            step,
            what: "loss".to_string(),
            value: e.value,
        })?;
    for (g, &(w, b)) in grads.layers.iter_mut().zip(&graph.params) {
        copy_grad(tape, w, g.weight.as_mut());
        copy_grad(tape, b, g.bias.as_mut());
    }
    if grads.input.nrows() > 0 {
        copy_grad(tape, graph.x, grads.input.as_mut());
    }
    Ok(loss)
}

/// `dst = ∂L/∂v`, or zeros when the loss does not depend on `v`.
fn copy_grad(tape: &Tape, v: Var, mut dst: MatMut<'_, f64>) {
    match tape.grad(v) {
        Some(g) => dst.copy_from(g),
        None => dst.fill(0.0),
    }
}

/// Number of rows whose first argmax among the tape's logits equals `y`.
pub(crate) fn logits_correct(logits: MatRef<'_, f64>, y: &[usize]) -> usize {
    let k = logits.ncols();
    y.iter()
        .enumerate()
        .filter(|&(i, &yi)| {
            let mut best = 0;
            for j in 1..k {
                if logits[(i, j)] > logits[(i, best)] {
                    best = j;
                }
            }
            best == yi
        })
        .count()
}

/// Per hidden layer, the share of pre-activations with `g′(z) < 0.01`.
pub(crate) fn saturation_of(tape: &Tape, pre: &[Var], activation: Activation, out: &mut [f64]) {
    for (o, &z) in out.iter_mut().zip(pre) {
        let v = tape.value(z);
        let count: usize = v
            .col_iter()
            .map(|c| {
                c.iter()
                    .filter(|&&z| activation.derivative(z) < 0.01)
                    .count()
            })
            .sum();
        *o = count as f64 / (v.nrows() * v.ncols()).max(1) as f64;
    }
}

/// Loss and gradients of every parameter and of the inputs, through the tape (Part C):
/// the reference the hand-written [`crate::Backprop`] is tested against.
///
/// # Errors
/// [`TrainError::Diverged`] (step 0) if the loss is not finite.
pub fn tape_gradients(
    mlp: &Mlp,
    x: MatRef<'_, f64>,
    y: &[usize],
    opts: &LossOptions,
    tape: &mut Tape,
) -> Result<(f64, Gradients), TrainError> {
    let graph = build(tape, mlp, Input::Matrix(x), y, opts, true, None);
    let mut grads = Gradients::zeros(mlp, x.nrows());
    let loss = backward_into(tape, &graph, &mut grads, 0)?;
    Ok((loss, grads))
}
