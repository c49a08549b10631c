//! Gradient-descent training: full batch (Part B) or minibatch SGD (Part C), with class
//! weights, weight decay and dropout (Part D), a per-step history, and a divergence guard.

use std::thread::ScopedJoinHandle;

use faer::{Mat, MatRef};
use kernels::{Real, Saturation};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::autodiff::TapeEngine;
use crate::backprop::Backprop;
use crate::batch::{Batch, gather, round_into};
use crate::checks::{check_class_weights, check_network, validate};
use crate::dropout::DropoutDraw;
use crate::error::{Invalid, Quantity, TrainError};
use crate::evaluate::Evaluator;
use crate::gradients::{Gradients, mean_abs};
use crate::mlp::{LossOptions, Mlp};

/// Which gradient code a training run uses.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// [`Backprop`]: the hand-written, blocked passes (Part B), in `f64`: the reference.
    HandWritten,
    /// The same passes in `f32` ([`Backprop<f32>`](Backprop)): the weights stay `f64` and
    /// are updated in `f64`; each step rounds them and the inputs to `f32`, and the
    /// per-block partial gradients and losses are widened to `f64` for their sum. About
    /// twice as fast; its numbers differ from the reference's in the digits `f32` rounds
    /// (`docs/performance.md` says by how much on the study). A full-batch run's last
    /// record (loss, training accuracy, saturation; the loss only without dropout) is
    /// measured in `f64` on the weights the run leaves, so that a model file saved from
    /// them reproduces it exactly.
    #[serde(rename = "handwritten-f32")]
    HandWrittenF32,
    /// The `tape` autodiff in `f64`, graph rebuilt every step: Part C's reference.
    Tape,
    /// The same graphs on a `Tape<f32>` (Part C's default): the weights stay `f64` and are
    /// updated in `f64`; each step rounds them, the batch and the dropout masks into the
    /// graph's leaves, and widens the per-block partial gradients and losses to `f64` for
    /// their sum; as [`Engine::HandWrittenF32`], a full-batch run's last record is measured
    /// in `f64`. Its numbers differ from the reference's in the digits `f32` rounds
    /// (`docs/performance.md` says by how much on the study).
    #[serde(rename = "tape-f32")]
    TapeF32,
}

impl Engine {
    /// Whether the passes run in `f32` (the weights stay `f64` either way).
    pub fn is_single_precision(self) -> bool {
        matches!(self, Engine::HandWrittenF32 | Engine::TapeF32)
    }
}

/// What a training run does.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Step size of plain gradient descent `θ ← θ − η ∇L`.
    pub learning_rate: f64,
    /// Iterations (full batch) or epochs (minibatch).
    pub steps: usize,
    /// Minibatch size; `None` = full batch.
    pub batch_size: Option<usize>,
    /// Class weights and weight decay.
    pub loss: LossOptions,
    /// Inverted-dropout probability on every hidden layer; 0 = off.
    pub dropout: f64,
    /// Gradient code.
    pub engine: Engine,
    /// Threads of the gradient engine and of the evaluations (at least 1; e.g.
    /// [`crate::default_threads`]). The results do not depend on it.
    pub threads: usize,
    /// Which hidden units the records count as saturated ([`Record::saturation`]).
    pub saturation: Saturation,
    /// At which steps the records measure accuracy and saturation ([`Evaluate`]).
    pub evaluate: Evaluate,
}

/// At which steps a run measures its accuracies and saturation.
///
/// Validation accuracy costs a forward pass over the validation rows at every step it is
/// taken (and minibatch training also a forward over the training rows); a caller that
/// reads only some steps' numbers saves those passes by naming the steps. Skipping a
/// measurement changes nothing else: the weights, the losses and the gradient magnitudes
/// are the same bits, and so is every number at a measured step. A skipped step's record
/// has NaN accuracies and NaN saturation shares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Evaluate {
    /// Every step.
    #[default]
    EveryStep,
    /// The listed steps (from 1) and always the last, so that the final record measures
    /// the network the run leaves behind. A step beyond the run's steps is ignored.
    At(Vec<usize>),
}

impl Evaluate {
    /// Only the last step: for a caller that reads only the final accuracies.
    pub fn last_only() -> Self {
        Evaluate::At(Vec::new())
    }

    /// Whether step `step` (from 1) of a run of `steps` steps is measured.
    pub fn includes(&self, step: usize, steps: usize) -> bool {
        match self {
            Evaluate::EveryStep => true,
            Evaluate::At(listed) => step == steps || listed.contains(&step),
        }
    }
}

// At a step that `TrainConfig::evaluate` skips, `train_acc`, `val_acc` and every
// `saturation` share are NaN: not measured. (A plain comment: the doc comment is the
// results files' schema, and no file the study writes holds a skipped step.)
/// One row of the training history.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, schemars::JsonSchema)]
pub struct Record {
    /// Iteration (full batch) or epoch (minibatch), from 1.
    pub step: usize,
    /// Training objective: of this iteration's forward (before its update), or the mean
    /// over the epoch's minibatches.
    pub loss: f64,
    /// Training accuracy: full batch, of this iteration's forward (a separate forward
    /// without dropout when dropout is on); minibatch, on the whole set after the epoch.
    pub train_acc: f64,
    /// Validation accuracy with the same weights as `train_acc`.
    pub val_acc: f64,
    /// Mean `|∂L/∂W_l|` per layer (minibatch: averaged over the epoch's batches).
    pub grad_mean_abs: Vec<f64>,
    /// Per hidden layer, share of units the run's [`TrainConfig::saturation`] test calls
    /// saturated (`g′(z) < 0.01` in the study), from the forward that gave `train_acc`.
    pub saturation: Vec<f64>,
}

/// Trains `mlp` in place and returns the history.
///
/// Full batch (`batch_size: None`) makes `cfg.steps` iterations on all of `train`, each
/// recording the network it starts from and then stepping, except the last, which only
/// records: the network left in `mlp` is the one the last record measured. Minibatch makes
/// `cfg.steps` epochs, each over a fresh permutation drawn from
/// `data::rng::stream(seed, Stream::Shuffle)`, each record measuring the network after its
/// epoch (so again the one left in `mlp` after the last). Dropout masks come from `Stream::Dropout`
/// (the same masks for both engines). Same inputs and seed → bit-identical weights and
/// history. A record's accuracies and saturation are measured only at the steps
/// `cfg.evaluate` names (and the last); nothing else depends on it.
///
/// # Errors
/// [`TrainError::Diverged`] as soon as a loss or gradient is not finite (the weights are
/// left as they were before that step); [`TrainError::Invalid`] for a bad setup.
pub fn train(
    mlp: &mut Mlp,
    train: (MatRef<'_, f64>, &[usize]),
    val: (MatRef<'_, f64>, &[usize]),
    cfg: &TrainConfig,
    seed: u64,
) -> Result<Vec<Record>, TrainError> {
    check_network(mlp)?;
    validate(
        mlp.n_inputs(),
        mlp.n_classes(),
        &[train, val],
        cfg.learning_rate,
    )?;
    if !(0.0..1.0).contains(&cfg.dropout) {
        return Err(Invalid::Dropout(cfg.dropout).into());
    }
    check_class_weights(&cfg.loss, mlp.n_classes())?;
    if cfg.batch_size == Some(0) {
        return Err(Invalid::BatchSize.into());
    }
    let mut t = Trainer::new(mlp, train.0.nrows(), cfg, seed);
    match cfg.batch_size {
        None => t.full_batch(mlp, train, val, cfg),
        Some(bs) => t.minibatch(mlp, train, val, cfg, bs, seed),
    }
}

/// The gradient code of a run, with its buffers.
enum Engines {
    /// [`Engine::HandWritten`].
    HandWritten(Backprop),
    /// [`Engine::HandWrittenF32`].
    HandWrittenF32 {
        /// The `f32` passes.
        engine: Backprop<f32>,
        /// The full batch in `f32`, rounded on the first step (a run's rows never change).
        x: Option<Mat<f32>>,
        /// A gathered minibatch in `f32` (no rows for full batch).
        batch: Mat<f32>,
    },
    /// [`Engine::Tape`].
    Tape(TapeEngine),
    /// [`Engine::TapeF32`].
    TapeF32(TapeEngine<f32>),
}

/// Everything a run allocates, once.
struct Trainer {
    engines: Engines,
    eval: Evaluator,
    dropout_rng: rand_chacha::ChaCha8Rng,
    /// Word position of the next step's dropout masks.
    dropout_pos: u128,
    /// A tape step's full dropout masks per hidden layer (empty for the hand-written
    /// engines, which draw theirs block by block, and without dropout).
    masks: Vec<Vec<f64>>,
    saturation: Vec<f64>,
    hidden_widths: Vec<usize>,
}

impl Trainer {
    fn new(mlp: &Mlp, n_rows: usize, cfg: &TrainConfig, seed: u64) -> Self {
        let batch = cfg.batch_size.map_or(n_rows, |b| b.min(n_rows));
        let hidden_widths: Vec<usize> = mlp.layers[..mlp.layers.len() - 1]
            .iter()
            .map(|d| d.fan_out())
            .collect();
        let engines = match cfg.engine {
            Engine::HandWritten => Engines::HandWritten(
                Backprop::new(mlp, batch, cfg.threads).with_saturation(cfg.saturation),
            ),
            Engine::HandWrittenF32 => Engines::HandWrittenF32 {
                engine: Backprop::new(mlp, batch, cfg.threads).with_saturation(cfg.saturation),
                x: None,
                batch: Mat::zeros(
                    if cfg.batch_size.is_some() { batch } else { 0 },
                    mlp.n_inputs(),
                ),
            },
            Engine::Tape => Engines::Tape(TapeEngine::new(mlp, cfg.threads, cfg.saturation)),
            Engine::TapeF32 => Engines::TapeF32(TapeEngine::new(mlp, cfg.threads, cfg.saturation)),
        };
        let tape_engine = matches!(engines, Engines::Tape(_) | Engines::TapeF32(_));
        let masks = if tape_engine && cfg.dropout > 0.0 {
            hidden_widths.iter().map(|w| vec![0.0; w * batch]).collect()
        } else {
            Vec::new()
        };
        Trainer {
            engines,
            eval: Evaluator::new(mlp, cfg.threads, cfg.saturation),
            dropout_rng: data::rng::stream(seed, data::rng::Stream::Dropout),
            dropout_pos: 0,
            masks,
            saturation: vec![0.0; hidden_widths.len()],
            hidden_widths,
        }
    }

    /// One gradient evaluation on `(x, y)` (or the rows `rows` of `x` gathered, for the
    /// tape): returns `(loss, correct rows in this forward)` and leaves the gradients in
    /// [`Trainer::grads`] and the forward's saturation in `self.saturation`. Both counts
    /// are skipped (0) where no record reads them: on a minibatch (its record measures
    /// after the epoch) and at a full-batch step that `cfg.evaluate` does not measure.
    #[allow(clippy::too_many_arguments)]
    fn gradient(
        &mut self,
        mlp: &Mlp,
        x: MatRef<'_, f64>,
        rows: Option<&[usize]>,
        xb: &mut Mat<f64>,
        y: &[usize],
        cfg: &TrainConfig,
        step: usize,
    ) -> Result<(f64, usize), TrainError> {
        let n = y.len();
        let counts = rows.is_none() && cfg.evaluate.includes(step, cfg.steps);
        let p = cfg.dropout;
        let base = self.dropout_pos;
        if p > 0.0 {
            self.dropout_pos += DropoutDraw::words(n, self.hidden_widths.iter().copied());
        }
        let mut draw = DropoutDraw {
            p,
            rng: &mut self.dropout_rng,
            base,
            n_rows: n,
        };
        // A tape step takes the whole batch's masks as constant leaves.
        let mut offset = 0;
        for (mask, &w) in self.masks.iter_mut().zip(&self.hidden_widths) {
            draw.fill(offset, &mut mask[..n * w]);
            offset += n * w;
        }
        let batch = Batch {
            x,
            rows,
            y,
            masks: (!self.masks.is_empty()).then_some(self.masks.as_slice()),
            counts,
        };
        let result = match &mut self.engines {
            Engines::HandWritten(bp) => {
                let xin = gathered(x, rows, xb);
                let draw = (p > 0.0).then_some(&mut draw);
                hand_written(bp, mlp, (xin, y), cfg, draw, counts, &mut self.saturation)
            }
            Engines::HandWrittenF32 {
                engine,
                x: full,
                batch,
            } => {
                let xin = match rows {
                    None => full.get_or_insert_with(|| rounded(x)).as_ref(),
                    Some(_) => {
                        round_into(batch.as_mut().subrows_mut(0, n), gathered(x, rows, xb));
                        batch.as_ref().subrows(0, n)
                    }
                };
                let draw = (p > 0.0).then_some(&mut draw);
                hand_written(
                    engine,
                    mlp,
                    (xin, y),
                    cfg,
                    draw,
                    counts,
                    &mut self.saturation,
                )
            }
            Engines::Tape(engine) => taped(engine, mlp, batch, cfg, step, &mut self.saturation)?,
            Engines::TapeF32(engine) => taped(engine, mlp, batch, cfg, step, &mut self.saturation)?,
        };
        if !result.0.is_finite() {
            return Err(TrainError::Diverged {
                step,
                what: Quantity::Loss,
                value: result.0,
            });
        }
        if let Some((what, value)) = self.grads().first_non_finite() {
            return Err(TrainError::Diverged { step, what, value });
        }
        Ok(result)
    }

    /// The gradients of the last [`Trainer::gradient`].
    fn grads(&self) -> &Gradients {
        match &self.engines {
            Engines::HandWritten(bp) => bp.gradients(),
            Engines::HandWrittenF32 { engine, .. } => engine.gradients(),
            Engines::Tape(engine) => engine.gradients(),
            Engines::TapeF32(engine) => engine.gradients(),
        }
    }

    /// `θ ← θ − η ∇L`.
    fn update(&self, mlp: &mut Mlp, lr: f64) {
        for (layer, g) in mlp.layers.iter_mut().zip(&self.grads().layers) {
            faer::zip!(layer.weight.as_mut(), g.weight.as_ref())
                .for_each(|faer::unzip!(w, g)| *w -= lr * *g);
            faer::zip!(layer.bias.as_mut(), g.bias.as_ref())
                .for_each(|faer::unzip!(b, g)| *b -= lr * *g);
        }
    }

    fn full_batch(
        &mut self,
        mlp: &mut Mlp,
        (x, y): (MatRef<'_, f64>, &[usize]),
        (xv, yv): (MatRef<'_, f64>, &[usize]),
        cfg: &TrainConfig,
    ) -> Result<Vec<Record>, TrainError> {
        let mut history = Vec::with_capacity(cfg.steps);
        let mut unused = Mat::zeros(0, 0);
        // The f32 engine's own forward measures in f32; the last record describes the
        // network a model file saves, so there it is measured in f64 on those weights: a
        // reader of the file re-derives its loss and accuracies exactly. (With dropout the
        // loss is the dropped forward's, as in every record, and no file gives it back.)
        let exact_last = cfg.engine.is_single_precision();
        for step in 1..=cfg.steps {
            let (mut loss, correct) = self.gradient(mlp, x, None, &mut unused, y, cfg, step)?;
            let remeasure = exact_last && step == cfg.steps;
            if remeasure && cfg.dropout == 0.0 {
                loss = self.eval.loss(mlp, x, y, &cfg.loss);
            }
            let (train_acc, saturation, val_acc) = if cfg.evaluate.includes(step, cfg.steps) {
                let mut train_acc = correct as f64 / y.len() as f64;
                let mut saturation = self.saturation.clone();
                if cfg.dropout > 0.0 || remeasure {
                    train_acc = self.eval.accuracy(mlp, x, y);
                    self.eval.saturation_into(mlp, y.len(), &mut saturation);
                }
                (train_acc, saturation, self.eval.accuracy(mlp, xv, yv))
            } else {
                not_measured(self.saturation.len())
            };
            history.push(Record {
                step,
                loss,
                train_acc,
                val_acc,
                grad_mean_abs: self.grads().weight_mean_abs(),
                saturation,
            });
            // No update after the last iteration: the network left in `mlp` is the one the
            // last record measured (its loss, accuracies and saturation), so a model file
            // saved from it reproduces the recorded numbers exactly.
            if step < cfg.steps {
                self.update(mlp, cfg.learning_rate);
            }
        }
        Ok(history)
    }

    /// Minibatch SGD. With two threads or more, each epoch's evaluation (training and
    /// validation accuracy) runs on a copy of the weights on a second thread while the next
    /// epoch's steps run here: a 256-row step is one block on one thread, so that thread
    /// would otherwise idle. The counts are integers, so the records are the same as
    /// evaluating in line (the last epoch, with nothing left to overlap, evaluates here on
    /// all the threads).
    fn minibatch(
        &mut self,
        mlp: &mut Mlp,
        (x, y): (MatRef<'_, f64>, &[usize]),
        (xv, yv): (MatRef<'_, f64>, &[usize]),
        cfg: &TrainConfig,
        batch_size: usize,
        seed: u64,
    ) -> Result<Vec<Record>, TrainError> {
        let n = y.len();
        let bs = batch_size.min(n);
        let mut shuffle = data::rng::stream(seed, data::rng::Stream::Shuffle);
        let mut perm: Vec<usize> = (0..n).collect();
        // The hand-written pass reads a gathered copy; the tape gathers into its own leaf.
        let gathered = matches!(
            self.engines,
            Engines::HandWritten(_) | Engines::HandWrittenF32 { .. }
        );
        let mut xb = Mat::zeros(if gathered { bs } else { 0 }, x.ncols());
        let mut yb = vec![0usize; bs];
        let n_layers = mlp.layers.len();
        let mut grad_sum = vec![0.0; n_layers];
        let mut history = Vec::with_capacity(cfg.steps);
        let mut side = (cfg.threads >= 2).then(|| Evaluator::new(mlp, 1, cfg.saturation));
        std::thread::scope(|scope| {
            let mut pending = None;
            let mut update = 0usize;
            for epoch in 1..=cfg.steps {
                perm.shuffle(&mut shuffle);
                let mut loss_sum = 0.0;
                let mut batches = 0usize;
                grad_sum.fill(0.0);
                for rows in perm.chunks(bs) {
                    update += 1;
                    let m = rows.len();
                    for (t, &r) in yb.iter_mut().zip(rows) {
                        *t = y[r];
                    }
                    let (loss, _) =
                        self.gradient(mlp, x, Some(rows), &mut xb, &yb[..m], cfg, update)?;
                    loss_sum += loss;
                    batches += 1;
                    for (s, g) in grad_sum.iter_mut().zip(&self.grads().layers) {
                        *s += mean_abs(g.weight.as_ref());
                    }
                    self.update(mlp, cfg.learning_rate);
                }
                let trained = Trained {
                    epoch,
                    loss: loss_sum / batches as f64,
                    grad_mean_abs: grad_sum.iter().map(|s| s / batches as f64).collect(),
                };
                if let Some((done, handle)) = pending.take() {
                    let (eval, checked) = ScopedJoinHandle::join(handle).expect("evaluation");
                    history.push(record(done, checked));
                    side = Some(eval);
                }
                if !cfg.evaluate.includes(epoch, cfg.steps) {
                    history.push(record(trained, not_measured(n_layers - 1)));
                    continue;
                }
                match side.take() {
                    Some(mut eval) if epoch < cfg.steps => {
                        let snapshot = mlp.clone();
                        let handle = scope.spawn(move || {
                            let checked = evaluate_epoch(&mut eval, &snapshot, (x, y), (xv, yv));
                            (eval, checked)
                        });
                        pending = Some((trained, handle));
                    }
                    unused => {
                        side = unused;
                        let checked = evaluate_epoch(&mut self.eval, mlp, (x, y), (xv, yv));
                        history.push(record(trained, checked));
                    }
                }
            }
            Ok(history)
        })
    }
}

/// `x` itself (full batch), or its rows `rows` gathered into the front of `xb`.
fn gathered<'a>(
    x: MatRef<'a, f64>,
    rows: Option<&[usize]>,
    xb: &'a mut Mat<f64>,
) -> MatRef<'a, f64> {
    match rows {
        None => x,
        Some(rows) => {
            let n = rows.len();
            gather(x, rows, xb.as_mut().subrows_mut(0, n));
            xb.as_ref().subrows(0, n)
        }
    }
}

/// `x` rounded to `f32`.
fn rounded(x: MatRef<'_, f64>) -> Mat<f32> {
    let mut out = Mat::zeros(x.nrows(), x.ncols());
    round_into(out.as_mut(), x);
    out
}

/// One pass of the tape engine at precision `T` on `batch`: the loss and the correct rows;
/// the forward's saturation into `saturation`.
fn taped<T: Real>(
    engine: &mut TapeEngine<T>,
    mlp: &Mlp,
    batch: Batch<'_>,
    cfg: &TrainConfig,
    step: usize,
    saturation: &mut [f64],
) -> Result<(f64, usize), TrainError> {
    let result = engine.run(mlp, batch, &cfg.loss, step)?;
    saturation.copy_from_slice(engine.saturation());
    Ok(result)
}

/// One pass of the hand-written engine at precision `T` on `(x, y)`: the loss and the
/// correct rows; the forward's saturation into `saturation`.
fn hand_written<T: Real>(
    engine: &mut Backprop<T>,
    mlp: &Mlp,
    (x, y): (MatRef<'_, T>, &[usize]),
    cfg: &TrainConfig,
    draw: Option<&mut DropoutDraw<'_>>,
    counts: bool,
    saturation: &mut [f64],
) -> (f64, usize) {
    let loss = engine.run_with(mlp, x, y, &cfg.loss, draw, counts);
    saturation.copy_from_slice(engine.saturation());
    (loss, engine.correct())
}

/// What an epoch's steps measured.
struct Trained {
    epoch: usize,
    /// Mean loss over the epoch's minibatches.
    loss: f64,
    /// Mean `|∂L/∂W_l|` per layer over the epoch's minibatches.
    grad_mean_abs: Vec<f64>,
}

/// What the evaluation after an epoch measured: training accuracy, the saturation of its
/// forward, validation accuracy.
type Checked = (f64, Vec<f64>, f64);

/// Accuracy on the training and validation sets and the training forward's saturation.
fn evaluate_epoch(
    eval: &mut Evaluator,
    mlp: &Mlp,
    (x, y): (MatRef<'_, f64>, &[usize]),
    (xv, yv): (MatRef<'_, f64>, &[usize]),
) -> Checked {
    let train_acc = eval.accuracy(mlp, x, y);
    let mut saturation = vec![0.0; mlp.layers.len() - 1];
    eval.saturation_into(mlp, y.len(), &mut saturation);
    let val_acc = eval.accuracy(mlp, xv, yv);
    (train_acc, saturation, val_acc)
}

/// What a record holds at a step [`TrainConfig::evaluate`] skips, for `hidden` hidden
/// layers.
fn not_measured(hidden: usize) -> Checked {
    (f64::NAN, vec![f64::NAN; hidden], f64::NAN)
}

/// An epoch's history row.
fn record(t: Trained, (train_acc, saturation, val_acc): Checked) -> Record {
    Record {
        step: t.epoch,
        loss: t.loss,
        train_acc,
        val_acc,
        grad_mean_abs: t.grad_mean_abs,
        saturation,
    }
}
