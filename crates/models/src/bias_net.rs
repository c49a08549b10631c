//! Question 2: `h = g(x W + b)`, `ŷ = softmax(h U + b)` with ONE bias vector shared by both
//! layers (so the hidden width equals the number of classes), against its twin with
//! independent `b1`, `b2`.
//!
//! With a shared bias the chain rule collects one contribution per use:
//! `∂L/∂b = colsum δ1 + colsum δ2`, where `δ2 = (ŷ − Y)/n` and `δ1 = (δ2 Uᵀ) ⊙ g′(z1)`.

use faer::{Accum, Mat, MatRef};
use kernels::{Activation, exp, matmul_into as matmul, vectorize};
use serde::{Deserialize, Serialize};
use tape::Tape;

use crate::error::{TrainError, validate};
use crate::evaluate::logits_correct;
use crate::gradients::mean_abs;
use crate::mlp::{Init, init_dense};
use crate::train::Record;

/// Whether the two layers share their bias.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BiasMode {
    /// One `b` in both layers.
    Shared,
    /// `b1` and `b2` trained separately.
    Independent,
}

/// The biases of a [`BiasNet`], one `1 × k` row per bias: their layout is what Question 2
/// compares, and a shared network has no second bias to fall out of step.
#[derive(Clone, Debug, PartialEq)]
pub enum Biases {
    /// One bias `b`, added in both layers.
    Shared(Mat<f64>),
    /// `b1` in the hidden layer, `b2` in the output layer.
    Independent {
        /// The hidden layer's bias.
        b1: Mat<f64>,
        /// The output layer's bias.
        b2: Mat<f64>,
    },
}

impl Biases {
    /// Shared or independent.
    pub fn mode(&self) -> BiasMode {
        match self {
            Biases::Shared(_) => BiasMode::Shared,
            Biases::Independent { .. } => BiasMode::Independent,
        }
    }

    /// The bias the hidden layer adds: `b1`, or the shared `b`.
    pub fn hidden(&self) -> &Mat<f64> {
        match self {
            Biases::Shared(b) | Biases::Independent { b1: b, .. } => b,
        }
    }

    /// The bias the output layer adds: `b2`, or the shared `b`.
    pub fn output(&self) -> &Mat<f64> {
        match self {
            Biases::Shared(b) | Biases::Independent { b2: b, .. } => b,
        }
    }

    /// [`Biases::hidden`], mutably (the shared `b` moves both layers).
    pub fn hidden_mut(&mut self) -> &mut Mat<f64> {
        match self {
            Biases::Shared(b) | Biases::Independent { b1: b, .. } => b,
        }
    }

    /// The independent twin: `b1` and `b2` both start as the bias each layer uses now.
    pub fn untied(&self) -> Biases {
        Biases::Independent {
            b1: self.hidden().clone(),
            b2: self.output().clone(),
        }
    }

    /// Each bias with its name (`b`, or `b1` and `b2`).
    fn named(&self) -> Vec<(&'static str, &Mat<f64>)> {
        match self {
            Biases::Shared(b) => vec![("b", b)],
            Biases::Independent { b1, b2 } => vec![("b1", b1), ("b2", b2)],
        }
    }
}

/// The two-layer network of Question 2.
#[derive(Clone, Debug, PartialEq)]
pub struct BiasNet {
    /// Hidden nonlinearity `g`.
    pub activation: Activation,
    /// `d × k` input weights.
    pub w: Mat<f64>,
    /// `k × k` output weights.
    pub u: Mat<f64>,
    /// The hidden and output biases.
    pub biases: Biases,
}

/// Gradients of a [`BiasNet`], laid out like its parameters: `biases` holds `∂L/∂b` when
/// shared, `∂L/∂b1` and `∂L/∂b2` when independent.
#[derive(Clone, Debug, PartialEq)]
pub struct BiasNetGrads {
    /// `∂L/∂W`.
    pub w: Mat<f64>,
    /// `∂L/∂U`.
    pub u: Mat<f64>,
    /// The bias gradients.
    pub biases: Biases,
}

/// What one hand-written forward and backward pass produces.
struct Pass {
    loss: f64,
    grads: BiasNetGrads,
    correct: usize,
    saturation: f64,
}

impl BiasNet {
    /// Study initialisation ([`Init::Study`]): normal `W` (He for ReLU), `U` with sd
    /// `√(1/k)`, zero biases; drawn `W` then `U`.
    pub fn new(
        n_inputs: usize,
        n_classes: usize,
        activation: Activation,
        mode: BiasMode,
        rng: &mut impl rand::Rng,
    ) -> Self {
        let first = init_dense(n_inputs, n_classes, activation, false, Init::Study, rng);
        let second = init_dense(n_classes, n_classes, activation, true, Init::Study, rng);
        let biases = match mode {
            BiasMode::Shared => Biases::Shared(first.bias),
            BiasMode::Independent => Biases::Independent {
                b1: first.bias,
                b2: second.bias,
            },
        };
        BiasNet {
            activation,
            w: first.weight,
            u: second.weight,
            biases,
        }
    }

    /// `(h, z2)`: hidden activations and logits.
    fn forward(&self, x: MatRef<'_, f64>) -> (Mat<f64>, Mat<f64>) {
        let (n, k) = (x.nrows(), self.w.ncols());
        let mut h = Mat::zeros(n, k);
        matmul(h.as_mut(), Accum::Replace, x, self.w.as_ref(), 1.0);
        let b1 = self.biases.hidden();
        for j in 0..k {
            let b = b1[(0, j)];
            for v in h.col_as_slice_mut(j) {
                *v = self.activation.apply(*v + b);
            }
        }
        let mut z = Mat::zeros(n, k);
        matmul(z.as_mut(), Accum::Replace, h.as_ref(), self.u.as_ref(), 1.0);
        let b2 = self.biases.output();
        for j in 0..k {
            let b = b2[(0, j)];
            for v in z.col_as_slice_mut(j) {
                *v += b;
            }
        }
        (h, z)
    }

    /// Softmax probabilities `ŷ`.
    pub fn predict_proba(&self, x: MatRef<'_, f64>) -> Mat<f64> {
        let (_, mut z) = self.forward(x);
        softmax_rows(&mut z);
        z
    }

    /// Accuracy on `(x, y)` (first argmax on ties).
    pub fn accuracy(&self, x: MatRef<'_, f64>, y: &[usize]) -> f64 {
        let (_, z) = self.forward(x);
        logits_correct(z.as_ref(), y) as f64 / y.len().max(1) as f64
    }

    /// Mean cross-entropy on `(x, y)`.
    pub fn loss(&self, x: MatRef<'_, f64>, y: &[usize]) -> f64 {
        let (_, mut z) = self.forward(x);
        softmax_delta(&mut z, y)
    }

    /// Hand-written loss and gradients (mean cross-entropy).
    pub fn hand_gradients(&self, x: MatRef<'_, f64>, y: &[usize]) -> (f64, BiasNetGrads) {
        let p = self.pass(x, y);
        (p.loss, p.grads)
    }

    fn pass(&self, x: MatRef<'_, f64>, y: &[usize]) -> Pass {
        let (n, k) = (x.nrows(), self.w.ncols());
        let (h, z) = self.forward(x);
        let correct = logits_correct(z.as_ref(), y);
        let mut d2 = z;
        let loss = softmax_delta(&mut d2, y);
        let mut du = Mat::zeros(k, k);
        matmul(du.as_mut(), Accum::Replace, h.transpose(), d2.as_ref(), 1.0);
        let db2 = colsum(d2.as_ref());
        let mut d1 = Mat::zeros(n, k);
        matmul(
            d1.as_mut(),
            Accum::Replace,
            d2.as_ref(),
            self.u.transpose(),
            1.0,
        );
        let mut saturated = 0usize;
        for j in 0..k {
            for (d, &a) in d1.col_as_slice_mut(j).iter_mut().zip(h.col_as_slice(j)) {
                let g = self.activation.derivative_from_output(a);
                saturated += (g < 0.01) as usize;
                *d *= g;
            }
        }
        let mut dw = Mat::zeros(x.ncols(), k);
        matmul(dw.as_mut(), Accum::Replace, x.transpose(), d1.as_ref(), 1.0);
        let db1 = colsum(d1.as_ref());
        let biases = match self.biases {
            Biases::Independent { .. } => Biases::Independent { b1: db1, b2: db2 },
            // One bias used twice: the chain rule adds its two contributions.
            Biases::Shared(_) => Biases::Shared(&db1 + &db2),
        };
        let grads = BiasNetGrads {
            w: dw,
            u: du,
            biases,
        };
        Pass {
            loss,
            grads,
            correct,
            saturation: saturated as f64 / (n * k).max(1) as f64,
        }
    }

    /// The same loss and gradients through the tape; a shared `b` is one leaf used by
    /// both layers, so the tape's accumulation adds the two contributions.
    ///
    /// # Errors
    /// [`TrainError::Diverged`] (step 0) if the loss is not finite.
    pub fn tape_gradients(
        &self,
        x: MatRef<'_, f64>,
        y: &[usize],
        tape: &mut Tape,
    ) -> Result<(f64, BiasNetGrads), TrainError> {
        tape.clear();
        let xv = tape.leaf(x, false);
        let w = tape.leaf(self.w.as_ref(), true);
        let u = tape.leaf(self.u.as_ref(), true);
        let b1 = tape.leaf(self.biases.hidden().as_ref(), true);
        let b2 = match &self.biases {
            Biases::Shared(_) => b1,
            Biases::Independent { b2, .. } => tape.leaf(b2.as_ref(), true),
        };
        let z1 = tape.dense(xv, w, b1, None);
        let h = match self.activation {
            Activation::Relu => tape.relu(z1),
            Activation::Sigmoid => tape.sigmoid(z1),
        };
        let z2 = tape.dense(h, u, b2, None);
        let loss = tape.softmax_cross_entropy(z2, y, None, None);
        let value = tape.value(loss)[(0, 0)];
        tape.backward(loss).map_err(|e| TrainError::Diverged {
            step: 0,
            what: "loss".to_string(),
            value: e.value,
        })?;
        let get = |v, r, c| {
            tape.grad(v)
                .map_or_else(|| Mat::zeros(r, c), |g| g.to_owned())
        };
        let (d, k) = (self.w.nrows(), self.w.ncols());
        let biases = match self.biases {
            Biases::Shared(_) => Biases::Shared(get(b1, 1, k)),
            Biases::Independent { .. } => Biases::Independent {
                b1: get(b1, 1, k),
                b2: get(b2, 1, k),
            },
        };
        Ok((
            value,
            BiasNetGrads {
                w: get(w, d, k),
                u: get(u, k, k),
                biases,
            },
        ))
    }
}

/// Column sums as a `1 × k` row.
fn colsum(m: MatRef<'_, f64>) -> Mat<f64> {
    Mat::from_fn(1, m.ncols(), |_, j| m.col(j).iter().sum())
}

/// Row-wise softmax of the logits `z` in place; returns each row's log-sum-exp.
///
/// Column by column with the vectorisable [`kernels::exp`], one exponential per entry.
fn softmax_rows(z: &mut Mat<f64>) -> Vec<f64> {
    let (n, k) = z.shape();
    let mut max = vec![f64::NEG_INFINITY; n];
    let mut sum = vec![0.0; n];
    vectorize(
        #[inline(always)]
        || {
            for j in 0..k {
                for (m, &v) in max.iter_mut().zip(z.col_as_slice(j)) {
                    *m = m.max(v);
                }
            }
            for j in 0..k {
                for ((v, &m), s) in z.col_as_slice_mut(j).iter_mut().zip(&max).zip(&mut sum) {
                    *v = exp(*v - m);
                    *s += *v;
                }
            }
            for j in 0..k {
                for (v, &s) in z.col_as_slice_mut(j).iter_mut().zip(&sum) {
                    *v /= s;
                }
            }
        },
    );
    max.iter().zip(&sum).map(|(m, s)| m + s.ln()).collect()
}

/// Turns the logits `z` into `δ2 = (softmax − onehot)/n` in place; returns the mean
/// cross-entropy.
fn softmax_delta(z: &mut Mat<f64>, y: &[usize]) -> f64 {
    let n = y.len() as f64;
    // nll_i = lse_i − z_{i, y_i}: read the label's logit before the softmax overwrites it.
    let label_logit: Vec<f64> = y.iter().enumerate().map(|(i, &c)| z[(i, c)]).collect();
    let mut loss = 0.0;
    for (lse, zy) in softmax_rows(z).into_iter().zip(label_logit) {
        loss += lse - zy;
    }
    for (i, &c) in y.iter().enumerate() {
        z[(i, c)] -= 1.0;
    }
    for j in 0..z.ncols() {
        z.col_as_slice_mut(j).iter_mut().for_each(|v| *v /= n);
    }
    loss / n
}

/// Full-batch gradient descent on a [`BiasNet`] with the hand-written gradients.
///
/// Records per iteration the loss and training accuracy of that iteration's forward, the
/// validation accuracy with the same weights, mean `|∂L/∂W|` and `|∂L/∂U|`, and the hidden
/// layer's saturation.
///
/// # Errors
/// [`TrainError::Diverged`] on a non-finite loss or gradient; [`TrainError::Invalid`] for
/// mismatched shapes or labels.
pub fn train_bias_net(
    net: &mut BiasNet,
    train: (MatRef<'_, f64>, &[usize]),
    val: (MatRef<'_, f64>, &[usize]),
    learning_rate: f64,
    iterations: usize,
) -> Result<Vec<Record>, TrainError> {
    validate(net.w.nrows(), net.w.ncols(), &[train, val], learning_rate)?;
    let (x, y) = train;
    let mut history = Vec::with_capacity(iterations);
    for step in 1..=iterations {
        let pass = net.pass(x, y);
        if !pass.loss.is_finite() {
            return Err(TrainError::Diverged {
                step,
                what: "loss".to_string(),
                value: pass.loss,
            });
        }
        let g = &pass.grads;
        let mut params = vec![("W", &g.w), ("U", &g.u)];
        params.extend(g.biases.named());
        for (name, m) in params {
            if let Some(v) = m.col_iter().flat_map(|c| c.iter()).find(|v| !v.is_finite()) {
                return Err(TrainError::Diverged {
                    step,
                    what: format!("gradient of {name}"),
                    value: *v,
                });
            }
        }
        history.push(Record {
            step,
            loss: pass.loss,
            train_acc: pass.correct as f64 / y.len() as f64,
            val_acc: net.accuracy(val.0, val.1),
            grad_mean_abs: vec![mean_abs(g.w.as_ref()), mean_abs(g.u.as_ref())],
            saturation: vec![pass.saturation],
        });
        let step_of = |p: &mut Mat<f64>, g: &Mat<f64>| {
            faer::zip!(p.as_mut(), g.as_ref())
                .for_each(|faer::unzip!(p, g)| *p -= learning_rate * *g)
        };
        step_of(&mut net.w, &g.w);
        step_of(&mut net.u, &g.u);
        match (&mut net.biases, &g.biases) {
            (Biases::Shared(b), Biases::Shared(gb)) => step_of(b, gb),
            (Biases::Independent { b1, b2 }, Biases::Independent { b1: g1, b2: g2 }) => {
                step_of(b1, g1);
                step_of(b2, g2);
            }
            _ => unreachable!("gradients are laid out like the network"),
        }
    }
    Ok(history)
}
