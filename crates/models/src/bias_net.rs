//! Question 2: `h = g(x W + b)`, `ŷ = softmax(h U + b)` with ONE bias vector shared by both
//! layers (so the hidden width equals the number of classes), against its twin with
//! independent `b1`, `b2`.
//!
//! With a shared bias the chain rule collects one contribution per use:
//! `∂L/∂b = colsum δ1 + colsum δ2`, where `δ2 = (ŷ − Y)/n` and `δ1 = (δ2 Uᵀ) ⊙ g′(z1)`.
//!
//! The hand-written passes (loss, accuracy, gradients, training) are the one two-layer
//! pass of [`kernels::small`]: the fused row-in-lanes kernel — one pass over the rows, no
//! `n × k` intermediate, buffers reused from iteration to iteration — for up to
//! [`kernels::small::MAX_WIDTH`] classes, its plain reference beyond; the tape
//! ([`BiasNet::tape_gradients`]) is the independent check. Question 2 trains with
//! [`train_bias_net_losses`], which computes only what it reads.

use faer::{Mat, MatRef};
use kernels::Activation;
use kernels::small::{self, PassStats, TwoLayer, TwoLayerGrads};
use serde::{Deserialize, Serialize};
use tape::Tape;

use crate::checks::validate;
use crate::error::{Invalid, Parameter, Quantity, TrainError};
use crate::gradients::mean_abs;
use crate::mlp::{Dense, Init, Mlp, init_dense};
use crate::precision::Precision;
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

    /// Softmax probabilities `ŷ`: the network written out as the two-layer [`Mlp`] its
    /// model file holds, whose forward pass computes them.
    /// A matrix of the wrong width is an [`Invalid`] error, as for the [`Mlp`].
    pub fn predict_proba(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>, Invalid> {
        self.to_mlp().predict_proba(x)
    }

    /// The same network as a two-layer [`Mlp`] (each layer with the bias it adds).
    pub fn to_mlp(&self) -> Mlp {
        let layer = |weight: &Mat<f64>, bias: &Mat<f64>| Dense {
            weight: weight.clone(),
            bias: bias.clone(),
        };
        Mlp {
            activation: self.activation,
            layers: vec![
                layer(&self.w, self.biases.hidden()),
                layer(&self.u, self.biases.output()),
            ],
        }
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

/// `∂L/∂b` of a shared bias: the hidden and output layers' contributions added.
fn shared_gradient(g: &TwoLayerGrads) -> Vec<f64> {
    g.b1.iter().zip(&g.b2).map(|(a, b)| a + b).collect()
}

/// Rows with their labels, also as `f64` class indices (the fused kernel compares labels
/// in its lanes), converted once per training run; for a single-precision run also both
/// rounded to `f32`, which its passes then read instead.
struct Rows<'a> {
    x: MatRef<'a, f64>,
    labels: Vec<f64>,
    single: Option<(Mat<f32>, Vec<f32>)>,
}

impl<'a> Rows<'a> {
    fn new(x: MatRef<'a, f64>, y: &[usize]) -> Self {
        Rows {
            x,
            labels: y.iter().map(|&c| c as f64).collect(),
            single: None,
        }
    }

    /// The rows for passes in `precision`: `f32` runs the fused kernel's single-precision
    /// form, which exists for up to [`small::MAX_WIDTH`] classes (wider networks run in
    /// `f64`).
    fn in_precision(x: MatRef<'a, f64>, y: &[usize], precision: Precision, k: usize) -> Self {
        let mut rows = Rows::new(x, y);
        if precision == Precision::F32 && k <= small::MAX_WIDTH {
            rows.single = Some((
                Mat::from_fn(x.nrows(), x.ncols(), |i, j| x[(i, j)] as f32),
                y.iter().map(|&c| c as f32).collect(),
            ));
        }
        rows
    }
}

/// The hand-written passes of a [`BiasNet`] ([`kernels::small`]), with buffers reused from
/// pass to pass.
#[derive(Default)]
struct Passes {
    fused: small::Workspace,
    /// The biases each layer adds, as slices for the kernel.
    b1: Vec<f64>,
    b2: Vec<f64>,
}

impl Passes {
    /// Loss and accuracy of `net` on `rows`; with `backward`, also the gradients (read them
    /// with [`Passes::grads`]) and the saturation count.
    fn pass(&mut self, net: &BiasNet, rows: &Rows<'_>, backward: bool) -> PassStats {
        let (b1, b2) = (net.biases.hidden(), net.biases.output());
        let k = net.w.ncols();
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
        match &rows.single {
            Some((x, y)) => self.fused.pass_f32(&two, x.as_ref(), y, backward),
            None => self.fused.pass(&two, rows.x, &rows.labels, backward),
        }
    }

    /// The gradients of the last backward [`Passes::pass`].
    fn grads(&self) -> &TwoLayerGrads {
        self.fused.grads()
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
/// layer's saturation; `net` ends one update past the last record. A caller that needs
/// only the losses should use [`train_bias_net_losses`], which skips the validation forward
/// of every iteration but the last.
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
    /// The network with the weights of the last iteration's forward (before its update):
    /// the weights the last loss and [`LossHistory::val_acc`] were measured on, which a
    /// model file saved beside those numbers must hold (the trained network itself is one
    /// update further). `None` after zero iterations.
    pub evaluated: Option<BiasNet>,
}

/// [`train_bias_net`] keeping only what Question 2 reads: the same iterations and the same
/// weights, but the loss of each iteration and the validation accuracy of the last one
/// only (a validation forward every iteration was a fifth of the work, and nobody read it),
/// and the network those last numbers were measured on ([`LossHistory::evaluated`]).
/// `net` ends one update further, so that a second call continues the same descent.
///
/// The training passes run in `precision` (`f64`: exactly [`train_bias_net`]'s); in `f32`
/// the losses are those of the single-precision pass, so [`BiasNet::loss`] of the
/// evaluated network (an `f64` pass) gives the last loss to single precision, not to the
/// bit. The validation accuracy is measured in `f64` either way.
///
/// # Errors
/// As [`train_bias_net`].
pub fn train_bias_net_losses(
    net: &mut BiasNet,
    train: (MatRef<'_, f64>, &[usize]),
    val: (MatRef<'_, f64>, &[usize]),
    learning_rate: f64,
    iterations: usize,
    precision: Precision,
) -> Result<LossHistory, TrainError> {
    validate(net.w.nrows(), net.w.ncols(), &[train, val], learning_rate)?;
    let rows = Rows::in_precision(train.0, train.1, precision, net.w.ncols());
    let mut engine = Passes::default();
    let mut out = LossHistory {
        losses: Vec::with_capacity(iterations),
        val_acc: f64::NAN,
        evaluated: None,
    };
    for step in 1..=iterations {
        let stats = iterate(net, &mut engine, &rows, learning_rate, step, |net, _, _| {
            if step == iterations {
                out.val_acc = net.accuracy(val.0, val.1);
                out.evaluated = Some(net.clone());
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

    use super::{BiasMode, BiasNet, train_bias_net_losses};
    use crate::{Activation, Precision};

    /// The network a loss-only run reports as evaluated gives back the run's last loss and
    /// validation accuracy — bit for bit in `f64` (wide networks, the plain reference,
    /// included), to single precision in `f32`; the trained network is one update further,
    /// and training on from it in a second call is the same descent as one long call, in
    /// either precision.
    #[test]
    fn the_evaluated_network_reproduces_the_last_numbers() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for precision in [Precision::F64, Precision::F32] {
            for (k, act, mode) in [
                (4, Activation::Relu, BiasMode::Shared),
                (3, Activation::Sigmoid, BiasMode::Independent),
                (10, Activation::Relu, BiasMode::Independent),
            ] {
                let (n, d) = (700, 6);
                let x = Mat::from_fn(n, d, |_, _| rng.random_range(-2.0..2.0));
                let y: Vec<usize> = (0..n).map(|i| (i * 7 + i / 3) % k).collect();
                let xv = Mat::from_fn(150, d, |_, _| rng.random_range(-2.0..2.0));
                let yv: Vec<usize> = (0..150).map(|i| (i * 5) % k).collect();
                let (train, val) = ((x.as_ref(), y.as_slice()), (xv.as_ref(), yv.as_slice()));
                let start = BiasNet::new(d, k, act, mode, &mut rng);
                let mut net = start.clone();
                let run = |net: &mut BiasNet, iterations| {
                    train_bias_net_losses(net, train, val, 0.5, iterations, precision).unwrap()
                };
                let first = run(&mut net, 12);
                let second = run(&mut net, 9);
                let evaluated = second.evaluated.as_ref().unwrap();
                let what = format!("k {k} {act:?} {mode:?} {precision:?}");
                let last = *second.losses.last().unwrap();
                let measured = evaluated.loss(x.as_ref(), &y);
                if precision == Precision::F64 || k > kernels::small::MAX_WIDTH {
                    assert_eq!(measured.to_bits(), last.to_bits(), "{what}");
                } else {
                    assert!((measured - last).abs() < 1e-6 * last, "{what}");
                    assert_ne!(measured, last, "{what}: the f32 pass is not the f64 one");
                }
                assert_eq!(
                    evaluated.accuracy(xv.as_ref(), &yv),
                    second.val_acc,
                    "{what}"
                );
                assert_ne!(evaluated, &net, "{what}: the trained network moved on");
                assert_ne!(first.evaluated.as_ref(), Some(evaluated), "{what}");
                let mut once = start.clone();
                let whole = run(&mut once, 21);
                assert_eq!(once, net, "{what}");
                assert_eq!(whole.evaluated.as_ref(), Some(evaluated), "{what}");
                let losses: Vec<f64> = first.losses.iter().chain(&second.losses).copied().collect();
                assert_eq!(whole.losses, losses, "{what}");
            }
        }
        let mut net = BiasNet::new(2, 2, Activation::Relu, BiasMode::Shared, &mut rng);
        let x = Mat::from_fn(4, 2, |i, j| (i + j) as f64);
        let y = [0, 1, 0, 1];
        let none = train_bias_net_losses(
            &mut net,
            (x.as_ref(), &y),
            (x.as_ref(), &y),
            0.1,
            0,
            Precision::F32,
        );
        assert_eq!(
            none.unwrap().evaluated,
            None,
            "zero iterations evaluate nothing"
        );
    }
}
