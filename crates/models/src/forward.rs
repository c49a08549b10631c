//! The blocked forward pass of the hand-written network, shared by training
//! ([`crate::backprop`]) and evaluation ([`crate::evaluate`]).
//!
//! A block of rows goes through every layer while its activations are in cache, and every
//! elementwise step is fused: bias add, activation, saturation count and dropout in one
//! sweep per hidden layer; bias add, row max and argmax at the output; softmax, loss, `δ_L`
//! and the output bias gradient in one pass ([`kernels::softmax::cross_entropy_delta`]).
//! The sigmoid is [`Real::sigmoid`] ([`kernels::sigmoid`] in `f64`); the saturation count
//! is [`Saturation::test`]. Everything here is generic over the pass's precision `T`
//! ([`Real`]); the parameters come through [`Params`]: the [`Mlp`] itself in `f64`, or a
//! [`Cast`] of it rounded to `T`.

use faer::{Accum, Mat, MatMut, MatRef};
use kernels::{Activation, Real, Saturation, matmul_into as matmul};

use crate::dropout::DropoutDraw;
use crate::mlp::{LossOptions, Mlp};

/// Column `j` of a column-major `m`-row buffer, mutably.
#[inline]
pub(crate) fn col_mut<T>(buf: &mut [T], m: usize, j: usize) -> &mut [T] {
    &mut buf[j * m..(j + 1) * m]
}

/// A column-major `m × w` view of the front of `buf`.
#[inline]
pub(crate) fn view<T>(buf: &[T], m: usize, w: usize) -> MatRef<'_, T> {
    MatRef::from_column_major_slice(&buf[..m * w], m, w)
}

/// A mutable column-major `m × w` view of the front of `buf`.
#[inline]
pub(crate) fn view_mut<T>(buf: &mut [T], m: usize, w: usize) -> MatMut<'_, T> {
    MatMut::from_column_major_slice_mut(&mut buf[..m * w], m, w)
}

/// `buf[:, j] = g(buf[:, j] + b_j)` for every unit, counting the units `saturation` calls
/// saturated into `sat` when given, with dropout applied after the activation when asked.
#[inline(always)]
fn hidden_sweep<T: Real>(
    buf: &mut [T],
    m: usize,
    bias: MatRef<'_, T>,
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
                    let a = Real::max(*v + b, T::ZERO);
                    count += saturation.test(Activation::Relu, a) as usize;
                    *v = a;
                }
            }
            (Activation::Relu, false) => {
                for v in c.iter_mut() {
                    *v = Real::max(*v + b, T::ZERO);
                }
            }
            (Activation::Sigmoid, true) => {
                for v in c.iter_mut() {
                    let a = Real::sigmoid(*v + b);
                    count += saturation.test(Activation::Sigmoid, a) as usize;
                    *v = a;
                }
            }
            (Activation::Sigmoid, false) => {
                for v in c.iter_mut() {
                    *v = Real::sigmoid(*v + b);
                }
            }
        }
        if let Some((d, offset, r0)) = dropout.as_mut() {
            let scale = d.scale();
            d.seek(*offset, j, *r0);
            for v in c.iter_mut() {
                *v *= T::of(d.next(scale));
            }
        }
    }
    if let Some(sat) = sat {
        *sat += count;
    }
}

/// Adds the output bias to the logits block and finds each row's maximum and first argmax.
#[inline(always)]
fn logits_rowmax<T: Real>(
    logits: &mut [T],
    m: usize,
    bias: MatRef<'_, T>,
    rowmax: &mut [T],
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

/// A network's parameters as the blocked passes read them, in the passes' precision `T`:
/// an [`Mlp`] itself for `f64`, or a [`Cast`] of it.
pub(crate) trait Params<T> {
    /// `W_l`, `fan_in × fan_out`.
    fn weight(&self, l: usize) -> MatRef<'_, T>;
    /// `b_l`, `1 × fan_out`.
    fn bias(&self, l: usize) -> MatRef<'_, T>;
}

impl Params<f64> for Mlp {
    fn weight(&self, l: usize) -> MatRef<'_, f64> {
        self.layers[l].weight.as_ref()
    }

    fn bias(&self, l: usize) -> MatRef<'_, f64> {
        self.layers[l].bias.as_ref()
    }
}

/// An [`Mlp`]'s parameters rounded to `T` ([`Real::of`]), refreshed before each pass: the
/// f32 engine computes in single precision while the weights it updates stay `f64`.
#[derive(Debug, Clone)]
pub(crate) struct Cast<T> {
    layers: Vec<(Mat<T>, Mat<T>)>,
}

impl<T: Real> Cast<T> {
    /// Zeros shaped like `mlp`.
    pub fn new(mlp: &Mlp) -> Self {
        Cast {
            layers: mlp
                .layers
                .iter()
                .map(|d| {
                    (
                        Mat::zeros(d.fan_in(), d.fan_out()),
                        Mat::zeros(1, d.fan_out()),
                    )
                })
                .collect(),
        }
    }

    /// Copies `mlp`'s parameters, rounded to `T`.
    pub fn load(&mut self, mlp: &Mlp) {
        for ((w, b), d) in self.layers.iter_mut().zip(&mlp.layers) {
            faer::zip!(w.as_mut(), d.weight.as_ref()).for_each(|faer::unzip!(t, s)| *t = T::of(*s));
            faer::zip!(b.as_mut(), d.bias.as_ref()).for_each(|faer::unzip!(t, s)| *t = T::of(*s));
        }
    }
}

impl<T> Params<T> for Cast<T> {
    fn weight(&self, l: usize) -> MatRef<'_, T> {
        self.layers[l].0.as_ref()
    }

    fn bias(&self, l: usize) -> MatRef<'_, T> {
        self.layers[l].1.as_ref()
    }
}

/// Per-block scratch of the forward pass: one activation buffer per hidden layer, the
/// logits, and per-row maximum, argmax and softmax denominators, in precision `T`.
#[derive(Debug, Clone)]
pub(crate) struct Blocks<T = f64> {
    /// Rows per block.
    pub chunk: usize,
    /// Which hidden units the forward counts as saturated.
    pub saturation: Saturation,
    /// `acts[l]`: `chunk × width_l` activations of hidden layer `l`.
    pub acts: Vec<Vec<T>>,
    /// `chunk × k` logits; the backward pass turns them into `δ_L` in place.
    pub logits: Vec<T>,
    /// Per-row maximum logit.
    pub rowmax: Vec<T>,
    /// Per-row `Σ_j e^(z_j − max)`.
    pub rowsum: Vec<T>,
    /// Per-row first argmax.
    pub argmax: Vec<usize>,
}

impl<T: Real> Blocks<T> {
    pub fn new(mlp: &Mlp, chunk: usize, saturation: Saturation) -> Self {
        let chunk = chunk.max(1);
        let n_hidden = mlp.layers.len().saturating_sub(1);
        Blocks {
            chunk,
            saturation,
            acts: mlp.layers[..n_hidden]
                .iter()
                .map(|d| vec![T::ZERO; chunk * d.fan_out()])
                .collect(),
            logits: vec![T::ZERO; chunk * mlp.n_classes()],
            rowmax: vec![T::ZERO; chunk],
            rowsum: vec![T::ZERO; chunk],
            argmax: vec![0; chunk],
        }
    }

    /// Forward pass of one block `xc` (`m` rows starting at row `r0` of the step) through
    /// `mlp`'s layers with the parameters `params`: hidden activations into `acts`, biased
    /// logits into `logits`, row max and argmax; the saturated units of each hidden layer
    /// added into `sat` when given (a training step whose record measures nothing skips
    /// the count).
    #[inline(always)]
    pub fn forward(
        &mut self,
        mlp: &Mlp,
        params: &impl Params<T>,
        xc: MatRef<'_, T>,
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
                params.weight(l),
                T::ONE,
            );
            let drop = dropout.as_deref_mut().map(|d| (d, offset, r0));
            hidden_sweep(
                out,
                m,
                params.bias(l),
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
            params.weight(n_hidden),
            T::ONE,
        );
        logits_rowmax(
            &mut self.logits,
            m,
            params.bias(n_hidden),
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
    pub fn softmax_delta(&mut self, m: usize, y: &[usize], c_tab: &[T], db: &mut [T]) -> T {
        kernels::softmax::cross_entropy_delta(
            &mut self.logits,
            m,
            y,
            c_tab,
            &mut self.rowmax,
            &mut self.rowsum,
            db,
        )
    }
}

/// `c_tab[c] = w_c / Σ_i w[y_i]`: each row's share of the (weighted) mean.
/// Computed in `f64` and rounded to `T` (exact for `f64`).
pub(crate) fn row_factors<T: Real>(y: &[usize], k: usize, opts: &LossOptions, out: &mut [T]) {
    match &opts.class_weights {
        None => out[..k].fill(T::of(1.0 / y.len() as f64)),
        Some(w) => {
            let total: f64 = y.iter().map(|&c| w[c]).sum();
            for (o, wc) in out.iter_mut().zip(w) {
                *o = T::of(wc / total);
            }
        }
    }
}
