//! The same network through the `tape` (Part C). A graph is rebuilt every step after
//! [`Tape::clear`], which keeps the tape's buffers, so steps after the first allocate
//! nothing. Training runs through [`TapeEngine`], which cuts a batch into the same fixed row
//! blocks as the hand-written pass and builds one graph per block, in `f64` or in `f32`
//! (the `f64` weights, batch and masks rounded into the graph's leaves).

use faer::{MatMut, MatRef};
use kernels::{Activation, Real, Saturation};
use tape::{Tape, Var};

use crate::batch::{Batch, Staged, round_into};
use crate::blocks::{Partials, Run, rows_per_block};
use crate::checks::{check_class_weights, check_data, check_network};
use crate::error::{Invalid, Quantity, TrainError};
use crate::evaluate::logits_correct;
use crate::gradients::Gradients;
use crate::mlp::{LossOptions, Mlp};
use crate::parallel::{in_parallel, runs};

/// Handles of one built graph.
#[derive(Debug)]
struct Graph {
    /// `(W_l, b_l)` leaves.
    pub params: Vec<(Var, Var)>,
    /// The input leaf.
    pub x: Var,
    /// Hidden activations `a_l = g(z_l)`, before dropout (for saturation).
    pub hidden: Vec<Var>,
    /// Output logits `z_L` (for accuracy).
    pub logits: Var,
    /// The scalar objective.
    pub loss: Var,
}

/// How the input leaf gets its value.
enum Input<'a, T> {
    /// Copy this matrix.
    Matrix(MatRef<'a, T>),
    /// Fill an `n × d` buffer in place (minibatch gather).
    Fill(usize, usize, &'a mut dyn FnMut(MatMut<'_, T>)),
}

/// Which rows of a batch one graph covers, and its share of the batch's objective.
struct Share<'a> {
    /// The graph's first row within the batch.
    pub r0: usize,
    /// Rows in the whole batch.
    pub n_batch: usize,
    /// The batch's `Σ_i w[y_i]` (its row count when unweighted): every block's
    /// cross-entropy is divided by it, so the blocks' losses add up to the batch's.
    pub total_weight: f64,
    /// Whether this graph carries the weight penalty (one graph per batch does).
    pub penalty: bool,
    /// The batch's dropout masks, `n_batch × width` column-major per hidden layer.
    pub masks: Option<&'a [Vec<f64>]>,
}

/// `Σ_i w[y_i]` in row order, or the row count without class weights.
///
/// # Errors
/// [`TrainError::Invalid`] if it is not positive (every row's class weighs 0).
fn total_weight(y: &[usize], opts: &LossOptions) -> Result<f64, TrainError> {
    let total = match &opts.class_weights {
        None => y.len() as f64,
        Some(w) => y.iter().map(|&c| w[c]).sum(),
    };
    if total > 0.0 {
        Ok(total)
    } else {
        Err(Invalid::NoWeight {
            rows: y.len(),
            total,
        }
        .into())
    }
}

/// Builds `loss = CE(softmax(… g(x W_1 + b_1) ⊙ mask_1 …)) + (λ/2) Σ‖W‖²` on a cleared tape,
/// for the rows `share` describes (`y` holds their labels).
fn build<T: Real>(
    tape: &mut Tape<T>,
    mlp: &Mlp,
    input: Input<'_, T>,
    y: &[usize],
    opts: &LossOptions,
    x_grad: bool,
    share: &Share<'_>,
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
                leaf_of(tape, d.weight.as_ref()),
                leaf_of(tape, d.bias.as_ref()),
            )
        })
        .collect();
    let n_hidden = params.len() - 1;
    let mut h = x;
    let mut hidden = Vec::with_capacity(n_hidden);
    for (l, &(w, b)) in params[..n_hidden].iter().enumerate() {
        h = tape.dense(h, w, b, Some(mlp.activation));
        hidden.push(h);
        if let Some(masks) = share.masks {
            // Dropout: the product with a constant mask (a leaf without gradient).
            let (width, rows) = (mlp.layers[l].fan_out(), share.n_batch);
            let mask = MatRef::from_column_major_slice(&masks[l][..rows * width], rows, width);
            let mask = tape.leaf_with(n, width, false, |dst| {
                round_into(dst, mask.subrows(share.r0, n));
            });
            h = tape.mul(h, mask);
        }
    }
    let (w, b) = params[n_hidden];
    let logits = tape.dense(h, w, b, None);
    let mut loss = tape.softmax_cross_entropy(
        logits,
        y,
        opts.class_weights.as_deref(),
        Some(share.total_weight),
    );
    if share.penalty && opts.weight_decay != 0.0 {
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
        hidden,
        logits,
        loss,
    }
}

/// A parameter leaf holding `value` rounded to the tape's precision.
fn leaf_of<T: Real>(tape: &mut Tape<T>, value: MatRef<'_, f64>) -> Var {
    tape.leaf_with(value.nrows(), value.ncols(), true, |dst| {
        round_into(dst, value)
    })
}

/// Runs backward and returns the loss, or the divergence error of step `step`.
fn backward<T: Real>(tape: &mut Tape<T>, graph: &Graph, step: usize) -> Result<T, TrainError> {
    let loss = tape.value(graph.loss)[(0, 0)];
    tape.backward(graph.loss)
        .map_err(|e| TrainError::Diverged {
            step,
            what: Quantity::Loss,
            value: e.value,
        })?;
    Ok(loss)
}

/// `dst = ∂L/∂v`, or zeros when the loss does not depend on `v`.
fn copy_grad<T: Real>(tape: &Tape<T>, v: Var, mut dst: MatMut<'_, T>) {
    match tape.grad(v) {
        Some(g) => dst.copy_from(g),
        None => dst.fill(T::ZERO),
    }
}

/// Per hidden layer, adds the number of units `saturation` calls saturated to `out`, from
/// the activations `a = g(z)` (as the hand-written pass does).
fn count_saturated<T: Real>(
    tape: &Tape<T>,
    hidden: &[Var],
    (activation, saturation): (Activation, Saturation),
    out: &mut [usize],
) {
    for (o, &a) in out.iter_mut().zip(hidden) {
        let v = tape.value(a);
        for c in (0..v.ncols()).map(|j| kernels::sweeps::col(v, j)) {
            // Summed as integers, which vectorises where `filter().count()` does not.
            *o += kernels::vectorize(
                #[inline(always)]
                || {
                    c.iter()
                        .map(|&a| u64::from(saturation.test(activation, a)))
                        .sum::<u64>() as usize
                },
            );
        }
    }
}

/// The gradient engine of [`crate::train`]'s `Engine::Tape` (`T = f64`) and
/// `Engine::TapeF32` (`T = f32`).
///
/// A batch is cut into the same fixed row blocks as [`crate::Backprop`]'s: each block's graph is
/// built on its thread's tape with its cross-entropy divided by the whole batch's weight
/// (the first block also carries the weight penalty), and the blocks' gradients are summed
/// in block order. So a full batch runs in cache-sized graphs on up to `threads` threads
/// and its gradient is bit-identical for any thread count; a
/// minibatch of at most [`crate::blocks::CHUNK`] rows (Part C's 256) is one graph. In
/// `f32` each block's partial gradients and loss are widened to `f64` for the block-order
/// sum, as in [`crate::Backprop<f32>`](crate::Backprop).
#[derive(Debug)]
pub(crate) struct TapeEngine<T: Real = f64> {
    /// Most threads a run uses.
    threads: usize,
    /// Which hidden units the forward counts as saturated.
    saturation_test: Saturation,
    /// One per thread.
    tapes: Vec<Tape<T>>,
    /// A minibatch run's data, row-major in `T`, to gather from.
    staged: Staged<T>,
    partials: Partials<T>,
    grads: Gradients,
    saturation: Vec<f64>,
}

impl<T: Real> TapeEngine<T> {
    /// Tapes and partials for `mlp`, for runs on up to `threads` threads (at least 1);
    /// buffers grow on the first run.
    pub fn new(mlp: &Mlp, threads: usize, saturation: Saturation) -> Self {
        TapeEngine {
            threads: threads.max(1),
            saturation_test: saturation,
            tapes: vec![Tape::new()],
            staged: Staged::new(),
            partials: Partials::new(mlp),
            grads: Gradients::zeros(mlp, 0),
            saturation: vec![0.0; mlp.layers.len().saturating_sub(1)],
        }
    }

    /// Loss and gradients of the batch's objective; returns `(loss, correctly classified
    /// rows)` and leaves the gradients and the forward's saturation in `self` (both counts
    /// zero unless `batch.counts`).
    ///
    /// # Errors
    /// [`TrainError::Diverged`] at `step` if a block's loss is not finite (the first such
    /// block); [`TrainError::Invalid`] if the class weights give the batch no weight.
    pub fn run(
        &mut self,
        mlp: &Mlp,
        batch: Batch<'_>,
        opts: &LossOptions,
        step: usize,
    ) -> Result<(f64, usize), TrainError> {
        let n = batch.y.len();
        let total_weight = total_weight(batch.y, opts)?;
        let n_hidden = mlp.layers.len().saturating_sub(1);
        let chunk = rows_per_block(n);
        let n_blocks = n.div_ceil(chunk);
        let plan = runs(n_blocks, self.threads);
        while self.tapes.len() < plan.len() {
            self.tapes.push(Tape::new());
        }
        let saturation = self.saturation_test;
        let staged: &[T] = match batch.rows {
            Some(_) => self.staged.rows(batch.x),
            None => &[],
        };
        let (offsets, runs) = self.partials.split(n_blocks, n_hidden, &plan);
        let job = |tape: &mut Tape<T>, run: Run<'_, T>| {
            for (i, part) in run.grads.chunks_exact_mut(run.stride).enumerate() {
                let block = run.first + i;
                let r0 = block * chunk;
                let m = chunk.min(n - r0);
                let share = Share {
                    r0,
                    n_batch: n,
                    total_weight,
                    penalty: block == 0,
                    masks: batch.masks,
                };
                let mut fill = |dst: MatMut<'_, T>| batch.fill(r0, dst, staged);
                let input = Input::Fill(m, batch.x.ncols(), &mut fill);
                let yb = &batch.y[r0..r0 + m];
                let graph = build(tape, mlp, input, yb, opts, false, &share);
                run.loss[i] = backward(tape, &graph, step)?;
                for (l, &(w, b)) in graph.params.iter().enumerate() {
                    let (ow, ob) = (offsets[2 * l], offsets[2 * l + 1]);
                    let (fan_in, fan_out) = (mlp.layers[l].fan_in(), mlp.layers[l].fan_out());
                    let (dw, db) = part[ow..].split_at_mut(ob - ow);
                    copy_grad(
                        tape,
                        w,
                        MatMut::from_column_major_slice_mut(dw, fan_in, fan_out),
                    );
                    copy_grad(
                        tape,
                        b,
                        MatMut::from_column_major_slice_mut(&mut db[..fan_out], 1, fan_out),
                    );
                }
                let sat = &mut run.sat[i * n_hidden..(i + 1) * n_hidden];
                sat.fill(0);
                run.correct[i] = 0;
                if batch.counts {
                    count_saturated(tape, &graph.hidden, (mlp.activation, saturation), sat);
                    run.correct[i] = logits_correct(tape.value(graph.logits), yb);
                }
            }
            Ok(())
        };
        in_parallel(&mut self.tapes, runs, job)
            .into_iter()
            .collect::<Result<(), TrainError>>()?;
        Ok(self
            .partials
            .reduce(mlp, n, &mut self.grads, &mut self.saturation))
    }

    /// The gradients of the last run.
    pub fn gradients(&self) -> &Gradients {
        &self.grads
    }

    /// Per hidden layer, the share of units with `g′(z) < 0.01` in the last run's forward.
    pub fn saturation(&self) -> &[f64] {
        &self.saturation
    }
}

/// Loss and gradients of every parameter and of the inputs, through the tape (Part C):
/// the reference the hand-written [`crate::Backprop`] is tested against. One graph, on
/// this thread.
///
/// # Errors
/// [`TrainError::Diverged`] (step 0) if the loss is not finite; [`TrainError::Invalid`]
/// for a network, data or class weights that do not fit (as [`crate::Backprop::run`]).
pub fn tape_gradients(
    mlp: &Mlp,
    x: MatRef<'_, f64>,
    y: &[usize],
    opts: &LossOptions,
    tape: &mut Tape,
) -> Result<(f64, Gradients), TrainError> {
    check_network(mlp)?;
    check_data(mlp.n_inputs(), mlp.n_classes(), x, Some(y))?;
    check_class_weights(opts, mlp.n_classes())?;
    let share = Share {
        r0: 0,
        n_batch: x.nrows(),
        total_weight: total_weight(y, opts)?,
        penalty: true,
        masks: None,
    };
    let graph = build(tape, mlp, Input::Matrix(x), y, opts, true, &share);
    let loss = backward(tape, &graph, 0)?.to_f64();
    let mut grads = Gradients::zeros(mlp, x.nrows());
    for (g, &(w, b)) in grads.layers.iter_mut().zip(&graph.params) {
        copy_grad(tape, w, g.weight.as_mut());
        copy_grad(tape, b, g.bias.as_mut());
    }
    copy_grad(tape, graph.x, grads.input.as_mut());
    Ok((loss, grads))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mlp::{Init, class_weights};
    use faer::Mat;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Blocks of one batch add up to the batch's single graph (loss, weighted cross-entropy
    /// normaliser, penalty counted once), with the same bits for any thread count.
    #[test]
    fn blocked_engine_equals_one_graph_and_ignores_the_thread_count() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let n = 5 * crate::blocks::CHUNK + 77;
        let x = Mat::from_fn(n, 10, |_, _| rng.random_range(-2.0..2.0));
        let y: Vec<usize> = (0..n).map(|_| rng.random_range(0..4)).collect();
        let opts = LossOptions {
            class_weights: Some(class_weights(&y, 4).unwrap()),
            weight_decay: 1e-2,
        };
        for act in [Activation::Relu, Activation::Sigmoid] {
            let mlp = Mlp::new(10, &[32, 16], 4, act, Init::Study, &mut rng);
            let (want_loss, want) =
                tape_gradients(&mlp, x.as_ref(), &y, &opts, &mut Tape::new()).expect("finite");
            let mut results = Vec::new();
            for threads in [1, 2, 3] {
                let mut engine = TapeEngine::<f64>::new(&mlp, threads, Saturation::STUDY);
                let batch = Batch {
                    x: x.as_ref(),
                    rows: None,
                    y: &y,
                    masks: None,
                    counts: true,
                };
                let (loss, correct) = engine.run(&mlp, batch, &opts, 1).expect("finite");
                assert!(
                    (loss - want_loss).abs() < 1e-12 * want_loss,
                    "{loss} vs {want_loss}"
                );
                for (a, b) in engine.gradients().layers.iter().zip(&want.layers) {
                    for (g, w) in [(&a.weight, &b.weight), (&a.bias, &b.bias)] {
                        let err = (g - w).norm_max();
                        assert!(err < 1e-13 * (1.0 + w.norm_max()), "{act:?}: {err}");
                    }
                }
                results.push((loss.to_bits(), engine.gradients().clone(), correct));
            }
            assert!(results.windows(2).all(|w| w[0] == w[1]), "{act:?}");
        }
    }
}
