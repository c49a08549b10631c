//! Question 2: `h = g(x W + b)`, `ŷ = softmax(h U + b)` with ONE bias vector shared by both
//! layers (so the hidden width equals the number of classes), against its twin with
//! independent `b1`, `b2`.
//!
//! With a shared bias the chain rule collects one contribution per use:
//! `∂L/∂b = colsum δ1 + colsum δ2`, where `δ2 = (ŷ − Y)/n` and `δ1 = (δ2 Uᵀ) ⊙ g′(z1)`.
//!
//! The hand-written passes (loss, accuracy, gradients, training) run the fused row-in-lanes
//! kernel of [`kernels::small`] — one pass over the rows, no `n × k` intermediate, buffers
//! reused from iteration to iteration — for up to [`kernels::small::MAX_WIDTH`] classes, and
//! whole-matrix faer products beyond. Question 2 trains with [`train_bias_net_losses`],
//! which computes only what it reads.

use faer::{Accum, Mat, MatRef};
use kernels::small::{self, PassStats, TwoLayer, TwoLayerGrads};
use kernels::{Activation, exp, matmul_into as matmul, vectorize};
use serde::{Deserialize, Serialize};
use tape::Tape;

use crate::error::{Parameter, Quantity, TrainError, validate};
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
        let stats = Passes::default().pass(self, &Rows::new(x, y), false);
        stats.correct as f64 / y.len().max(1) as f64
    }

    /// Mean cross-entropy on `(x, y)`.
    pub fn loss(&self, x: MatRef<'_, f64>, y: &[usize]) -> f64 {
        Passes::default().pass(self, &Rows::new(x, y), false).loss
    }

    /// Hand-written loss and gradients (mean cross-entropy).
    pub fn hand_gradients(&self, x: MatRef<'_, f64>, y: &[usize]) -> (f64, BiasNetGrads) {
        let mut passes = Passes::default();
        let stats = passes.pass(self, &Rows::new(x, y), true);
        let g = passes.grads();
        let row = |v: &[f64]| Mat::from_fn(1, v.len(), |_, j| v[j]);
        let biases = match self.biases {
            Biases::Independent { .. } => Biases::Independent {
                b1: row(&g.b1),
                b2: row(&g.b2),
            },
            // One bias used twice: the chain rule adds its two contributions.
            Biases::Shared(_) => Biases::Shared(row(&shared_gradient(g))),
        };
        let grads = BiasNetGrads {
            w: g.w.clone(),
            u: g.u.clone(),
            biases,
        };
        (stats.loss, grads)
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
            what: Quantity::Loss,
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

/// Column sums.
fn colsum(m: MatRef<'_, f64>) -> Vec<f64> {
    (0..m.ncols()).map(|j| m.col(j).iter().sum()).collect()
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

/// `∂L/∂b` of a shared bias: the hidden and output layers' contributions added.
fn shared_gradient(g: &TwoLayerGrads) -> Vec<f64> {
    g.b1.iter().zip(&g.b2).map(|(a, b)| a + b).collect()
}

/// Rows with their labels, also as `f64` class indices (the fused kernel compares labels
/// in its lanes), converted once per training run.
struct Rows<'a> {
    x: MatRef<'a, f64>,
    y: &'a [usize],
    labels: Vec<f64>,
}

impl<'a> Rows<'a> {
    fn new(x: MatRef<'a, f64>, y: &'a [usize]) -> Self {
        Rows {
            x,
            y,
            labels: y.iter().map(|&c| c as f64).collect(),
        }
    }
}

/// The hand-written passes of a [`BiasNet`], with buffers reused from pass to pass: the
/// fused row-in-lanes kernel ([`kernels::small`]) for up to [`small::MAX_WIDTH`] classes,
/// the whole-matrix faer pass for wider networks.
#[derive(Default)]
struct Passes {
    fused: small::Workspace,
    /// The biases each layer adds, as slices for the fused kernel.
    b1: Vec<f64>,
    b2: Vec<f64>,
    /// The whole-matrix pass's gradients.
    whole: Option<TwoLayerGrads>,
}

impl Passes {
    /// Loss and accuracy of `net` on `rows`; with `backward`, also the gradients (read them
    /// with [`Passes::grads`]) and the saturation count.
    fn pass(&mut self, net: &BiasNet, rows: &Rows<'_>, backward: bool) -> PassStats {
        let (b1, b2) = (net.biases.hidden(), net.biases.output());
        let k = net.w.ncols();
        if !small::supports(k) {
            let (stats, grads) = net.whole_pass(rows.x, rows.y, backward);
            self.whole = grads;
            return stats;
        }
        self.b1.clear();
        self.b1.extend((0..k).map(|j| b1[(0, j)]));
        self.b2.clear();
        self.b2.extend((0..k).map(|j| b2[(0, j)]));
        let two = TwoLayer {
            w: net.w.as_ref(),
            b1: &self.b1,
            u: net.u.as_ref(),
            b2: &self.b2,
            activation: net.activation,
        };
        self.whole = None;
        self.fused.pass(&two, rows.x, &rows.labels, backward)
    }

    /// The gradients of the last backward [`Passes::pass`].
    fn grads(&self) -> &TwoLayerGrads {
        self.whole.as_ref().unwrap_or_else(|| self.fused.grads())
    }
}

impl BiasNet {
    /// The whole-matrix pass (faer products over all rows), for networks wider than the
    /// fused kernel: `(stats, gradients if backward)`.
    fn whole_pass(
        &self,
        x: MatRef<'_, f64>,
        y: &[usize],
        backward: bool,
    ) -> (PassStats, Option<TwoLayerGrads>) {
        let (n, k) = (x.nrows(), self.w.ncols());
        let (h, z) = self.forward(x);
        let correct = logits_correct(z.as_ref(), y);
        let mut d2 = z;
        let loss = softmax_delta(&mut d2, y);
        let mut stats = PassStats {
            loss,
            correct,
            saturated: 0,
        };
        if !backward {
            return (stats, None);
        }
        let mut du = Mat::zeros(k, k);
        matmul(du.as_mut(), Accum::Replace, h.transpose(), d2.as_ref(), 1.0);
        let mut d1 = Mat::zeros(n, k);
        matmul(
            d1.as_mut(),
            Accum::Replace,
            d2.as_ref(),
            self.u.transpose(),
            1.0,
        );
        for j in 0..k {
            for (d, &a) in d1.col_as_slice_mut(j).iter_mut().zip(h.col_as_slice(j)) {
                let g = self.activation.derivative_from_output(a);
                stats.saturated += (g < 0.01) as usize;
                *d *= g;
            }
        }
        let mut dw = Mat::zeros(x.ncols(), k);
        matmul(dw.as_mut(), Accum::Replace, x.transpose(), d1.as_ref(), 1.0);
        let grads = TwoLayerGrads {
            w: dw,
            u: du,
            b1: colsum(d1.as_ref()),
            b2: colsum(d2.as_ref()),
        };
        (stats, Some(grads))
    }
}

/// The entries of `m`, column by column.
fn entries(m: &Mat<f64>) -> impl Iterator<Item = f64> + '_ {
    m.col_iter().flat_map(|c| c.iter().copied())
}

/// [`TrainError::Diverged`] at `step` on the first non-finite value of the gradient `name`.
fn finite(
    step: usize,
    name: &'static str,
    values: impl Iterator<Item = f64>,
) -> Result<(), TrainError> {
    for value in values {
        if !value.is_finite() {
            return Err(TrainError::Diverged {
                step,
                what: Quantity::Gradient(Parameter::Named(name)),
                value,
            });
        }
    }
    Ok(())
}

/// One full-batch iteration: a pass with gradients on `rows`, the divergence checks, then
/// `observe` (with the weights of the pass, before they move) and the update. Returns the
/// pass's statistics.
fn iterate(
    net: &mut BiasNet,
    engine: &mut Passes,
    rows: &Rows<'_>,
    learning_rate: f64,
    step: usize,
    observe: impl FnOnce(&BiasNet, &PassStats, &TwoLayerGrads),
) -> Result<PassStats, TrainError> {
    let stats = engine.pass(net, rows, true);
    if !stats.loss.is_finite() {
        return Err(TrainError::Diverged {
            step,
            what: Quantity::Loss,
            value: stats.loss,
        });
    }
    let g = engine.grads();
    let shared = matches!(net.biases, Biases::Shared(_));
    let shared_b = if shared {
        shared_gradient(g)
    } else {
        Vec::new()
    };
    finite(step, "W", entries(&g.w))?;
    finite(step, "U", entries(&g.u))?;
    if shared {
        finite(step, "b", shared_b.iter().copied())?;
    } else {
        finite(step, "b1", g.b1.iter().copied())?;
        finite(step, "b2", g.b2.iter().copied())?;
    }
    observe(net, &stats, g);
    let step_of = |p: &mut Mat<f64>, g: MatRef<'_, f64>| {
        faer::zip!(p.as_mut(), g).for_each(|faer::unzip!(p, g)| *p -= learning_rate * *g)
    };
    let step_row = |p: &mut Mat<f64>, g: &[f64]| {
        for (j, g) in g.iter().enumerate() {
            p[(0, j)] -= learning_rate * g;
        }
    };
    step_of(&mut net.w, g.w.as_ref());
    step_of(&mut net.u, g.u.as_ref());
    match &mut net.biases {
        Biases::Shared(b) => step_row(b, &shared_b),
        Biases::Independent { b1, b2 } => {
            step_row(b1, &g.b1);
            step_row(b2, &g.b2);
        }
    }
    Ok(stats)
}

/// Full-batch gradient descent on a [`BiasNet`] with the hand-written gradients.
///
/// Records per iteration the loss and training accuracy of that iteration's forward, the
/// validation accuracy with the same weights, mean `|∂L/∂W|` and `|∂L/∂U|`, and the hidden
/// layer's saturation. A caller that needs only the losses should use
/// [`train_bias_net_losses`], which skips the validation forward of every iteration but the
/// last.
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
    let (rows, val_rows) = (Rows::new(train.0, train.1), Rows::new(val.0, val.1));
    let (mut engine, mut val_engine) = (Passes::default(), Passes::default());
    let units = (train.1.len() * net.w.ncols()).max(1) as f64;
    let mut history = Vec::with_capacity(iterations);
    for step in 1..=iterations {
        let mut record = None;
        iterate(
            net,
            &mut engine,
            &rows,
            learning_rate,
            step,
            |net, stats, g| {
                let val_correct = val_engine.pass(net, &val_rows, false).correct;
                record = Some(Record {
                    step,
                    loss: stats.loss,
                    train_acc: stats.correct as f64 / train.1.len() as f64,
                    val_acc: val_correct as f64 / val.1.len().max(1) as f64,
                    grad_mean_abs: vec![mean_abs(g.w.as_ref()), mean_abs(g.u.as_ref())],
                    saturation: vec![stats.saturated as f64 / units],
                });
            },
        )?;
        history.extend(record);
    }
    Ok(history)
}

/// What [`train_bias_net_losses`] keeps of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct LossHistory {
    /// The training loss of each iteration's forward (before its update), as
    /// [`Record::loss`].
    pub losses: Vec<f64>,
    /// Validation accuracy with the weights of the last iteration's forward (before its
    /// update), as the last [`Record::val_acc`] of [`train_bias_net`]; `NaN` after zero
    /// iterations.
    pub val_acc: f64,
}

/// [`train_bias_net`] keeping only what Question 2 reads: the same iterations and the same
/// weights, but the loss of each iteration and the validation accuracy of the last one
/// only (a validation forward every iteration was a fifth of the work, and nobody read it).
///
/// # Errors
/// As [`train_bias_net`].
pub fn train_bias_net_losses(
    net: &mut BiasNet,
    train: (MatRef<'_, f64>, &[usize]),
    val: (MatRef<'_, f64>, &[usize]),
    learning_rate: f64,
    iterations: usize,
) -> Result<LossHistory, TrainError> {
    validate(net.w.nrows(), net.w.ncols(), &[train, val], learning_rate)?;
    let rows = Rows::new(train.0, train.1);
    let mut engine = Passes::default();
    let mut out = LossHistory {
        losses: Vec::with_capacity(iterations),
        val_acc: f64::NAN,
    };
    for step in 1..=iterations {
        let stats = iterate(net, &mut engine, &rows, learning_rate, step, |net, _, _| {
            if step == iterations {
                out.val_acc = net.accuracy(val.0, val.1);
            }
        })?;
        out.losses.push(stats.loss);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use faer::Mat;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::{BiasMode, BiasNet, Passes, Rows};
    use crate::Activation;

    /// The fused pass and the whole-matrix one count the same correct rows and the same
    /// saturated units, and agree on the loss and every gradient to rounding; a second
    /// pass through the same buffers gives the same bits.
    #[test]
    fn fused_pass_equals_the_whole_matrix_pass() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for (k, act, n) in [
            (4, Activation::Sigmoid, 517),
            (4, Activation::Relu, 8),
            (2, Activation::Relu, 1),
            (6, Activation::Sigmoid, 263),
        ] {
            let mut net = BiasNet::new(7, k, act, BiasMode::Independent, &mut rng);
            // Weights large enough that some sigmoid units saturate.
            net.w = Mat::from_fn(7, k, |_, _| rng.random_range(-3.0..3.0));
            let x = Mat::from_fn(n, 7, |_, _| rng.random_range(-2.0..2.0));
            let y: Vec<usize> = (0..n).map(|_| rng.random_range(0..k)).collect();
            let rows = Rows::new(x.as_ref(), &y);
            let mut passes = Passes::default();
            let fused = passes.pass(&net, &rows, true);
            let (whole, wg) = net.whole_pass(x.as_ref(), &y, true);
            let wg = wg.unwrap();
            assert_eq!(
                (fused.correct, fused.saturated),
                (whole.correct, whole.saturated)
            );
            assert!(
                act == Activation::Relu || fused.saturated > 0,
                "{k} {act:?}"
            );
            assert!((fused.loss - whole.loss).abs() < 1e-13, "{k} {act:?}");
            let g = passes.grads();
            let near = |a: f64, b: f64| (a - b).abs() <= 1e-15 + 1e-11 * a.abs().max(b.abs());
            for (a, b) in
                g.w.col_iter()
                    .flat_map(|c| c.iter())
                    .zip(wg.w.col_iter().flat_map(|c| c.iter()))
            {
                assert!(near(*a, *b), "W {a} vs {b}");
            }
            for (a, b) in
                g.u.col_iter()
                    .flat_map(|c| c.iter())
                    .zip(wg.u.col_iter().flat_map(|c| c.iter()))
            {
                assert!(near(*a, *b), "U {a} vs {b}");
            }
            for (a, b) in g.b1.iter().chain(&g.b2).zip(wg.b1.iter().chain(&wg.b2)) {
                assert!(near(*a, *b), "b {a} vs {b}");
            }
            let w_bits = g.w.clone();
            let again = passes.pass(&net, &rows, true);
            assert_eq!(again, fused);
            assert_eq!(passes.grads().w, w_bits);
            // A forward-only pass measures the same loss and accuracy.
            let forward = passes.pass(&net, &rows, false);
            assert_eq!(
                (forward.loss.to_bits(), forward.correct),
                (fused.loss.to_bits(), fused.correct)
            );
        }
    }
}
