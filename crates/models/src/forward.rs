//! The blocked forward pass of the hand-written network, shared by training
//! ([`crate::backprop`]) and evaluation ([`crate::evaluate`]).
//!
//! A block of rows goes through every layer while its activations are in cache, and every
//! elementwise step is fused: bias add, activation, saturation count and dropout in one
//! sweep per hidden layer; bias add, row max and argmax at the output; softmax, loss, `δ_L`
//! and the output bias gradient in one pass ([`kernels::softmax::cross_entropy_delta`]).
//! The sigmoid is [`kernels::sigmoid`] (through [`Activation`]); the saturation count is
//! [`Saturation::test`].

use faer::{Accum, MatMut, MatRef};
use kernels::{Activation, Saturation, matmul_into as matmul, sigmoid};

use crate::dropout::DropoutDraw;
use crate::mlp::{LossOptions, Mlp};

/// Column `j` of a column-major `m`-row buffer, mutably.
#[inline]
pub(crate) fn col_mut(buf: &mut [f64], m: usize, j: usize) -> &mut [f64] {
    &mut buf[j * m..(j + 1) * m]
}

/// A column-major `m × w` view of the front of `buf`.
#[inline]
pub(crate) fn view(buf: &[f64], m: usize, w: usize) -> MatRef<'_, f64> {
    MatRef::from_column_major_slice(&buf[..m * w], m, w)
}

/// A mutable column-major `m × w` view of the front of `buf`.
#[inline]
pub(crate) fn view_mut(buf: &mut [f64], m: usize, w: usize) -> MatMut<'_, f64> {
    MatMut::from_column_major_slice_mut(&mut buf[..m * w], m, w)
}

/// `buf[:, j] = g(buf[:, j] + b_j)` for every unit, counting the units `saturation` calls
/// saturated into `sat` when given, with dropout applied after the activation when asked.
#[inline(always)]
fn hidden_sweep(
    buf: &mut [f64],
    m: usize,
    bias: MatRef<'_, f64>,
    (activation, saturation): (Activation, Saturation),
    sat: Option<&mut usize>,
    mut dropout: Option<(&mut DropoutDraw<'_>, usize, usize)>,
) {
    let counting = sat.is_some();
    let mut count = 0usize;
    for j in 0..bias.ncols() {
        let b = bias[(0, j)];
        let c = col_mut(buf, m, j);
        match (activation, counting) {
            (Activation::Relu, true) => {
                for v in c.iter_mut() {
                    let a = (*v + b).max(0.0);
                    count += saturation.test(Activation::Relu, a) as usize;
                    *v = a;
                }
            }
            (Activation::Relu, false) => {
                for v in c.iter_mut() {
                    *v = (*v + b).max(0.0);
                }
            }
            (Activation::Sigmoid, true) => {
                for v in c.iter_mut() {
                    let a = sigmoid(*v + b);
                    count += saturation.test(Activation::Sigmoid, a) as usize;
                    *v = a;
                }
            }
            (Activation::Sigmoid, false) => {
                for v in c.iter_mut() {
                    *v = sigmoid(*v + b);
                }
            }
        }
        if let Some((d, offset, r0)) = dropout.as_mut() {
            let scale = d.scale();
            d.seek(*offset, j, *r0);
            for v in c.iter_mut() {
                *v *= d.next(scale);
            }
        }
    }
    if let Some(sat) = sat {
        *sat += count;
    }
}

/// Adds the output bias to the logits block and finds each row's maximum and first argmax.
#[inline(always)]
fn logits_rowmax(
    logits: &mut [f64],
    m: usize,
    bias: MatRef<'_, f64>,
    rowmax: &mut [f64],
    argmax: &mut [usize],
) {
    let rowmax = &mut rowmax[..m];
    let argmax = &mut argmax[..m];
    for j in 0..bias.ncols() {
        let b = bias[(0, j)];
        let c = col_mut(logits, m, j);
        if j == 0 {
            for ((v, mx), am) in c.iter_mut().zip(rowmax.iter_mut()).zip(argmax.iter_mut()) {
                *v += b;
                *mx = *v;
                *am = 0;
            }
        } else {
            for ((v, mx), am) in c.iter_mut().zip(rowmax.iter_mut()).zip(argmax.iter_mut()) {
                *v += b;
                if *v > *mx {
                    *mx = *v;
                    *am = j;
                }
            }
        }
    }
}

/// Per-block scratch of the forward pass: one activation buffer per hidden layer, the
/// logits, and per-row maximum, argmax and softmax denominators.
#[derive(Debug, Clone)]
pub(crate) struct Blocks {
    /// Rows per block.
    pub chunk: usize,
    /// Which hidden units the forward counts as saturated.
    pub saturation: Saturation,
    /// `acts[l]`: `chunk × width_l` activations of hidden layer `l`.
    pub acts: Vec<Vec<f64>>,
    /// `chunk × k` logits; the backward pass turns them into `δ_L` in place.
    pub logits: Vec<f64>,
    /// Per-row maximum logit.
    pub rowmax: Vec<f64>,
    /// Per-row `Σ_j e^(z_j − max)`.
    pub rowsum: Vec<f64>,
    /// Per-row first argmax.
    pub argmax: Vec<usize>,
}

impl Blocks {
    pub fn new(mlp: &Mlp, chunk: usize, saturation: Saturation) -> Self {
        let chunk = chunk.max(1);
        let n_hidden = mlp.layers.len().saturating_sub(1);
        Blocks {
            chunk,
            saturation,
            acts: mlp.layers[..n_hidden]
                .iter()
                .map(|d| vec![0.0; chunk * d.fan_out()])
                .collect(),
            logits: vec![0.0; chunk * mlp.n_classes()],
            rowmax: vec![0.0; chunk],
            rowsum: vec![0.0; chunk],
            argmax: vec![0; chunk],
        }
    }

    /// Forward pass of one block `xc` (`m` rows starting at row `r0` of the step): hidden
    /// activations into `acts`, biased logits into `logits`, row max and argmax; the
    /// saturated units of each hidden layer added into `sat` when given (a training step
    /// whose record measures nothing skips the count).
    #[inline(always)]
    pub fn forward(
        &mut self,
        mlp: &Mlp,
        xc: MatRef<'_, f64>,
        r0: usize,
        mut sat: Option<&mut [usize]>,
        mut dropout: Option<&mut DropoutDraw<'_>>,
    ) {
        let m = xc.nrows();
        let n_hidden = mlp.layers.len().saturating_sub(1);
        let mut offset = 0usize;
        for l in 0..n_hidden {
            let layer = &mlp.layers[l];
            let w = layer.fan_out();
            let (before, rest) = self.acts.split_at_mut(l);
            let out = &mut rest[0];
            let input = if l == 0 {
                xc
            } else {
                view(&before[l - 1], m, layer.fan_in())
            };
            matmul(
                view_mut(out, m, w),
                Accum::Replace,
                input,
                layer.weight.as_ref(),
                1.0,
            );
            let drop = dropout.as_deref_mut().map(|d| (d, offset, r0));
            hidden_sweep(
                out,
                m,
                layer.bias.as_ref(),
                (mlp.activation, self.saturation),
                sat.as_deref_mut().map(|s| &mut s[l]),
                drop,
            );
            if let Some(d) = dropout.as_deref() {
                offset += d.n_rows * w;
            }
        }
        let last = &mlp.layers[n_hidden];
        let k = last.fan_out();
        let input = if n_hidden == 0 {
            xc
        } else {
            view(&self.acts[n_hidden - 1], m, last.fan_in())
        };
        matmul(
            view_mut(&mut self.logits, m, k),
            Accum::Replace,
            input,
            last.weight.as_ref(),
            1.0,
        );
        logits_rowmax(
            &mut self.logits,
            m,
            last.bias.as_ref(),
            &mut self.rowmax,
            &mut self.argmax,
        );
    }

    /// Number of rows of the block among the first `m` whose argmax equals `y`.
    pub fn correct(&self, m: usize, y: &[usize]) -> usize {
        self.argmax[..m]
            .iter()
            .zip(y)
            .filter(|(a, y)| a == y)
            .count()
    }

    /// Fused output pass over a forwarded block: softmax, weighted cross-entropy summed over
    /// the block (returned), and `δ_L = c_i (ŷ − onehot(y))` in place of the logits, with
    /// `c_i = w[y_i]/Σw` (`1/n` unweighted). Adds `colsum δ_L` into `db`.
    #[inline(always)]
    pub fn softmax_delta(&mut self, m: usize, y: &[usize], c_tab: &[f64], db: &mut [f64]) -> f64 {
        kernels::softmax::cross_entropy_delta(
            &mut self.logits,
            m,
            y,
            c_tab,
            &self.rowmax,
            &mut self.rowsum,
            db,
        )
    }
}

/// `c_tab[c] = w_c / Σ_i w[y_i]`: each row's share of the (weighted) mean.
pub(crate) fn row_factors(y: &[usize], k: usize, opts: &LossOptions, out: &mut [f64]) {
    match &opts.class_weights {
        None => out[..k].fill(1.0 / y.len() as f64),
        Some(w) => {
            let total: f64 = y.iter().map(|&c| w[c]).sum();
            for (o, wc) in out.iter_mut().zip(w) {
                *o = wc / total;
            }
        }
    }
}
