//! Hand-written forward and backward passes (Part B), blocked by rows.
//!
//! The full batch is processed in blocks of [`CHUNK`] rows (more for batches of over a
//! quarter of a million rows, see [`rows_per_block`]): each block goes through the whole
//! forward *and* backward pass while its activations (about 1 KiB a row for 10→32→16→4) are
//! still in the L2 cache. Running layer by layer over all 33,078 rows instead would stream every
//! 8 MiB activation matrix through memory about ten times an iteration. Within a block,
//! every elementwise pass is fused: bias add + activation + saturation count in one sweep per
//! hidden layer; bias add + softmax + loss + accuracy + `δ_L` in one pass at the output;
//! `⊙ g′` and the bias column sums per hidden layer going back
//! ([`kernels::sweeps::gate_block`]: two passes over the block while it is in L1, both in
//! vector lanes, the sums in a fixed order). `g′(z)` is recomputed
//! from the stored output `a = g(z)` (see [`Activation::derivative_from_output`]), so `z`
//! and `g′(z)` are never stored. Buffers are sized on the first run and reused; later runs
//! allocate only the small per-run thread plan (and the threads' stacks when more than one).
//!
//! Blocks are the unit of parallel work too: the rows are cut into the same fixed blocks
//! whatever the thread count, each block writes its own partial weight and bias gradients,
//! loss and counts, and the partials are summed in block order afterwards. Threads
//! (the `threads` of [`Backprop::new`]) take contiguous runs of blocks, so the results are
//! bit-identical for any thread count. The forward half of a block is [`crate::forward`]'s,
//! shared with evaluation.
//!
//! The pass runs in `f64` or `f32` (`Backprop<T>`): in `f32` each product and sweep works
//! on twice the vector lanes, while the weights, the block-order sum of the partials and
//! everything a caller reads stay `f64` (see [`Backprop`]).

use faer::{Accum, Mat, MatMut, MatRef};
use kernels::sweeps::gate_block;
use kernels::{Kernel, Real, Saturation, matmul_into as matmul, vectorize_kernel};
use rand_chacha::ChaCha8Rng;

use crate::blocks::{Partials, Run, rows_per_block};
use crate::checks::{check_class_weights, check_data, check_network};
use crate::dropout::DropoutDraw;
use crate::error::TrainError;
use crate::forward::{Blocks, Cast, Params, row_factors, view, view_mut};
use crate::gradients::Gradients;
use crate::mlp::{Activation, LossOptions, Mlp};
use crate::parallel::{in_parallel, runs};

/// Per-thread scratch of the hand-written pass: forward blocks and hidden deltas.
#[derive(Debug, Clone)]
struct Worker<T> {
    blocks: Blocks<T>,
    /// `deltas[l]`: `chunk × width_l` delta of hidden layer `l`.
    deltas: Vec<Vec<T>>,
}

impl<T: Real> Worker<T> {
    fn new(mlp: &Mlp, chunk: usize, saturation: Saturation) -> Self {
        let n_hidden = mlp.layers.len().saturating_sub(1);
        Worker {
            blocks: Blocks::new(mlp, chunk, saturation),
            deltas: mlp.layers[..n_hidden]
                .iter()
                .map(|d| vec![T::ZERO; chunk * d.fan_out()])
                .collect(),
        }
    }
}

/// What one run shares with every block.
struct Ctx<'a, T> {
    mlp: &'a Mlp,
    /// The parameters in the pass's precision.
    params: &'a Cast<T>,
    x: MatRef<'a, T>,
    y: &'a [usize],
    c_tab: &'a [T],
    /// Offset of each layer's `dW` (column-major) then `db` in a block's partial.
    offsets: &'a [usize],
    /// `(p, base)` of the step's dropout, with the stream to clone per thread.
    dropout: Option<(f64, u128, &'a ChaCha8Rng)>,
    /// Whether to count the correct rows and the saturated units.
    counts: bool,
}

/// Outputs of a contiguous run of blocks.
struct Out<'a, T> {
    run: Run<'a, T>,
    /// The rows of `∂L/∂x` these blocks cover, when wanted.
    input: Option<MatMut<'a, T>>,
}

impl<T: Real> Worker<T> {
    /// Forward and backward of blocks `first..first + count` (of `chunk` rows each).
    #[inline(always)]
    fn run_blocks(&mut self, ctx: &Ctx<'_, T>, out: Out<'_, T>) {
        let Out {
            run:
                Run {
                    first,
                    stride,
                    grads: partials,
                    loss,
                    correct,
                    sat,
                },
            mut input,
        } = out;
        let mlp = ctx.mlp;
        let n = ctx.x.nrows();
        let n_layers = mlp.layers.len();
        let n_hidden = n_layers - 1;
        let k = mlp.n_classes();
        let chunk = self.blocks.chunk;
        let mut rng = ctx.dropout.map(|(_, _, r)| r.clone());
        let mut draw = match (ctx.dropout, rng.as_mut()) {
            (Some((p, base, _)), Some(rng)) => Some(DropoutDraw {
                p,
                rng,
                base,
                n_rows: n,
            }),
            _ => None,
        };
        let scale = T::of(draw.as_ref().map_or(1.0, DropoutDraw::scale));
        for (i, part) in partials.chunks_exact_mut(stride).enumerate() {
            let r0 = (first + i) * chunk;
            let m = chunk.min(n - r0);
            let xc = ctx.x.subrows(r0, m);
            let yc = &ctx.y[r0..r0 + m];
            let sat_b = &mut sat[i * n_hidden..(i + 1) * n_hidden];
            sat_b.fill(0);
            self.blocks.forward(
                mlp,
                ctx.params,
                xc,
                r0,
                ctx.counts.then_some(sat_b),
                draw.as_mut(),
            );
            correct[i] = if ctx.counts {
                self.blocks.correct(m, yc)
            } else {
                0
            };
            let o_b = ctx.offsets[2 * n_hidden + 1];
            let db_out = &mut part[o_b..o_b + k];
            db_out.fill(T::ZERO);
            loss[i] = self.blocks.softmax_delta(m, yc, ctx.c_tab, db_out);
            // Backward, output layer first. `delta` of layer l is in `logits` (l = L) or
            // `deltas[l]`; the input to layer l is `x` (l = 0) or `acts[l − 1]`.
            for l in (0..n_layers).rev() {
                let layer = &mlp.layers[l];
                let (fan_in, fan_out) = (layer.fan_in(), layer.fan_out());
                let (lower, upper) = self.deltas.split_at_mut(l.min(n_hidden));
                let delta = if l == n_hidden {
                    view(&self.blocks.logits, m, fan_out)
                } else {
                    view(&upper[0], m, fan_out)
                };
                let input_l = if l == 0 {
                    xc
                } else {
                    view(&self.blocks.acts[l - 1], m, fan_in)
                };
                let ow = ctx.offsets[2 * l];
                matmul(
                    view_mut(&mut part[ow..], fan_in, fan_out),
                    Accum::Replace,
                    input_l.transpose(),
                    delta,
                    T::ONE,
                );
                if l > 0 {
                    let below = &mut lower[l - 1];
                    matmul(
                        view_mut(below, m, fan_in),
                        Accum::Replace,
                        delta,
                        ctx.params.weight(l).transpose(),
                        T::ONE,
                    );
                    let act = &self.blocks.acts[l - 1];
                    let ob = ctx.offsets[2 * (l - 1) + 1];
                    let db = &mut part[ob..ob + fan_in];
                    db.fill(T::ZERO);
                    gate_sweep(below, act, m, mlp.activation, scale, db);
                } else if let Some(g) = input.as_mut() {
                    matmul(
                        g.as_mut().subrows_mut(i * chunk, m),
                        Accum::Replace,
                        delta,
                        ctx.params.weight(l).transpose(),
                        T::ONE,
                    );
                }
            }
        }
    }
}

/// One thread's share of a [`Backprop`] run, as a [`Kernel`] so that the whole block loop
/// (every elementwise sweep) is compiled for the CPU's widest vectors.
struct BlocksJob<'a, 'c, T> {
    worker: &'a mut Worker<T>,
    ctx: &'a Ctx<'c, T>,
    out: Out<'a, T>,
}

impl<T: Real> Kernel for BlocksJob<'_, '_, T> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        self.worker.run_blocks(self.ctx, self.out);
    }
}

/// Hand-written backpropagation with every buffer allocated once (Part B).
///
/// ```text
/// forward   z_l = a_{l−1} W_l + b_l,  a_l = g(z_l),  ŷ = softmax(z_L)
/// backward  δ_L = c ⊙ (ŷ − Y)         (c_i = 1/n, or w[y_i]/Σw with class weights)
///           dW_l = a_{l−1}ᵀ δ_l,  db_l = colsum δ_l
///           δ_{l−1} = (δ_l W_lᵀ) ⊙ g′(z_{l−1}),   ∂L/∂x = δ_1 W_1ᵀ
/// ```
///
/// `T` is the precision of the pass (`f64`, the reference, or `f32`: see
/// `docs/performance.md`); the network's parameters are rounded to it before each run, and
/// the per-block partials are widened to `f64` for their block-order sum, so the gradients,
/// loss and counts it returns are `f64` either way.
#[derive(Debug, Clone)]
pub struct Backprop<T = f64> {
    /// One per thread.
    workers: Vec<Worker<T>>,
    /// Most threads a run uses.
    threads: usize,
    /// Rows per block (fixed for a given batch size, whatever the thread count).
    chunk: usize,
    /// Which hidden units the forward counts as saturated.
    saturation_test: Saturation,
    /// Per-block partial gradients, losses and counts, summed in block order.
    partials: Partials<T>,
    /// The network's parameters in precision `T`.
    params: Cast<T>,
    /// `∂L/∂x` in precision `T`, when wanted (copied into `grads.input`).
    input: Mat<T>,
    grads: Gradients,
    c_tab: Vec<T>,
    saturation: Vec<f64>,
    train_acc: f64,
    correct: usize,
    want_input: bool,
}

impl<T: Real> Backprop<T> {
    /// Buffers for `mlp` and batches of up to `n_rows` rows (more rows work too: the work
    /// is blocked, only the input gradient is sized by the batch), run on up to `threads`
    /// threads (at least 1). The results do not depend on `threads`: rows are cut into the
    /// same fixed blocks whatever the count, and block results are combined in block order.
    pub fn new(mlp: &Mlp, n_rows: usize, threads: usize) -> Self {
        let n_hidden = mlp.layers.len().saturating_sub(1);
        let chunk = rows_per_block(n_rows).min(n_rows.max(1));
        Backprop {
            workers: vec![Worker::new(mlp, chunk, Saturation::STUDY)],
            threads: threads.max(1),
            chunk,
            saturation_test: Saturation::STUDY,
            partials: Partials::new(mlp),
            params: Cast::new(mlp),
            input: Mat::zeros(0, mlp.n_inputs()),
            grads: Gradients::zeros(mlp, 0),
            c_tab: vec![T::ZERO; mlp.n_classes()],
            saturation: vec![0.0; n_hidden],
            train_acc: 0.0,
            correct: 0,
            want_input: false,
        }
    }

    /// Also compute `∂L/∂x` on later runs (off by default: training does not need it).
    pub fn with_input_gradient(mut self, yes: bool) -> Self {
        self.want_input = yes;
        self
    }

    /// Count the hidden units `saturation` calls saturated (default [`Saturation::STUDY`]).
    pub fn with_saturation(mut self, saturation: Saturation) -> Self {
        self.saturation_test = saturation;
        for w in &mut self.workers {
            w.blocks.saturation = saturation;
        }
        self
    }

    /// [`Backprop::run`] with optional dropout on the hidden layers; without `counts`, the
    /// correct rows and the saturation are not counted (they read 0), the rest is the same
    /// bits.
    pub(crate) fn run_with(
        &mut self,
        mlp: &Mlp,
        x: MatRef<'_, T>,
        y: &[usize],
        opts: &LossOptions,
        dropout: Option<&mut DropoutDraw<'_>>,
        counts: bool,
    ) -> f64 {
        let n = x.nrows();
        assert_eq!(n, y.len(), "one label per row");
        assert_eq!(x.ncols(), mlp.n_inputs(), "x has one column per input");
        let n_hidden = mlp.layers.len().saturating_sub(1);
        let k = mlp.n_classes();
        if self.want_input && self.input.nrows() != n {
            self.input = Mat::zeros(n, mlp.n_inputs());
        }
        row_factors(y, k, opts, &mut self.c_tab);
        self.params.load(mlp);
        let n_blocks = n.div_ceil(self.chunk);
        let plan = runs(n_blocks, self.threads);
        while self.workers.len() < plan.len() {
            self.workers
                .push(Worker::new(mlp, self.chunk, self.saturation_test));
        }
        let (offsets, runs) = self.partials.split(n_blocks, n_hidden, &plan);
        let ctx = Ctx {
            mlp,
            params: &self.params,
            x,
            y,
            c_tab: &self.c_tab,
            offsets,
            dropout: dropout.map(|d| (d.p, d.base, &*d.rng)),
            counts,
        };
        // Give each run the rows of `∂L/∂x` it covers.
        let mut jobs = Vec::with_capacity(plan.len());
        let mut input = self.want_input.then(|| self.input.as_mut());
        for (run, &(first, count)) in runs.into_iter().zip(&plan) {
            let rows = (count * self.chunk).min(n - first * self.chunk);
            let (g, rest) = match input.take().map(|g| g.split_at_row_mut(rows)) {
                Some((a, b)) => (Some(a), Some(b)),
                None => (None, None),
            };
            input = rest;
            jobs.push(Out { run, input: g });
        }
        let ctx = &ctx;
        in_parallel(&mut self.workers, jobs, |worker, out| {
            vectorize_kernel(BlocksJob { worker, ctx, out })
        });
        let (loss, correct) = self
            .partials
            .reduce(mlp, n, &mut self.grads, &mut self.saturation);
        if self.want_input {
            if self.grads.input.nrows() != n {
                self.grads.input = Mat::zeros(n, mlp.n_inputs());
            }
            faer::zip!(self.grads.input.as_mut(), self.input.as_ref())
                .for_each(|faer::unzip!(g, t)| *g = t.to_f64());
        }
        if opts.weight_decay != 0.0 {
            for (g, layer) in self.grads.layers.iter_mut().zip(&mlp.layers) {
                faer::zip!(g.weight.as_mut(), layer.weight.as_ref())
                    .for_each(|faer::unzip!(g, w)| *g += opts.weight_decay * *w);
            }
        }
        self.train_acc = correct as f64 / n.max(1) as f64;
        self.correct = correct;
        loss + mlp.weight_penalty(opts.weight_decay)
    }

    /// The gradients of the last run.
    pub fn gradients(&self) -> &Gradients {
        &self.grads
    }

    /// Per hidden layer, the share of pre-activations with `g′(z) < 0.01` in the last run's
    /// forward: saturated sigmoid units, or inactive ReLU units.
    pub fn saturation(&self) -> &[f64] {
        &self.saturation
    }

    /// Correctly classified rows in the last run's forward.
    pub(crate) fn correct(&self) -> usize {
        self.correct
    }

    /// Accuracy of the last run's forward on its own rows.
    pub fn train_accuracy(&self) -> f64 {
        self.train_acc
    }
}

impl Backprop {
    /// Forward and backward over `(x, y)`: returns the loss and leaves the gradients,
    /// saturation and training accuracy of this forward in `self`.
    ///
    /// # Errors
    /// [`TrainError::Invalid`] when the network's layers do not chain, `x` does not have
    /// one column per input and one label per row, a label is not a class, or the class
    /// weights do not fit; checked before any work.
    pub fn run(
        &mut self,
        mlp: &Mlp,
        x: MatRef<'_, f64>,
        y: &[usize],
        opts: &LossOptions,
    ) -> Result<f64, TrainError> {
        check_network(mlp)?;
        check_data(mlp.n_inputs(), mlp.n_classes(), x, Some(y))?;
        check_class_weights(opts, mlp.n_classes())?;
        Ok(self.run_with(mlp, x, y, opts, None, true))
    }
}

/// `δ = (δ W_lᵀ) ⊙ g′(z) ⊙ mask` in place, from the stored (post-dropout) activation `a`,
/// adding the column sums into the bias gradient `db` ([`kernels::sweeps::gate_block`]:
/// the sums in a fixed order).
///
/// With inverted dropout `a = g(z)·m`, `m ∈ {0, s}`, `s = 1/(1−p)`, the factor `g′(z)·m` is
/// recoverable from `a` alone: ReLU `s·[a > 0]`; sigmoid `a(1 − a/s)` (0 where dropped).
/// Without dropout `s = 1` and these are the plain `g′`.
#[inline(always)]
fn gate_sweep<T: Real>(
    delta: &mut [T],
    act: &[T],
    m: usize,
    activation: Activation,
    s: T,
    db: &mut [T],
) {
    let inv_s = T::ONE / s;
    match activation {
        // Branch-free: the 50/50 active pattern of ReLU mispredicts a branch half the
        // time. The mask gives an exact 0 for inactive units.
        Activation::Relu => gate_block(delta, act, m, db, |d, a| T::keep_if_positive(d, a) * s),
        Activation::Sigmoid => gate_block(delta, act, m, db, |d, a| {
            d * Activation::Sigmoid.derivative_from_dropped_output(a, inv_s)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::CHUNK;
    use crate::evaluate::Evaluator;
    use crate::mlp::Init;
    use rand::{Rng, SeedableRng};

    /// The gate keeps the order of its sums, on any number of columns and rows: in `f64`
    /// per column element `i` into sum `i mod 4`, then `(s0 + s1) + (s2 + s3) + tail`; in
    /// `f32` element `i` into sum `i mod 64`, the 64 folded in halves, then the tail rows
    /// one by one.
    #[test]
    fn gate_sweep_sums_each_column_in_the_fixed_order() {
        check_gate_order::<f64>();
        check_gate_order::<f32>();
    }

    fn check_gate_order<T: Real>() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let two = T::of(2.0);
        for (m, w) in [
            (1, 1),
            (3, 5),
            (4, 4),
            (7, 3),
            (55, 32),
            (256, 16),
            (259, 6),
            (64, 2),
            (200, 5),
        ] {
            let d0: Vec<T> = (0..m * w)
                .map(|_| T::of(rng.random_range(-1e3..1e3)))
                .collect();
            let a: Vec<T> = (0..m * w)
                .map(|_| T::of(rng.random_range(0.0..1.0)))
                .collect();
            for act in [Activation::Relu, Activation::Sigmoid] {
                let mut want = d0.clone();
                let mut want_db = vec![T::of(0.5); w];
                let lanes = if std::any::TypeId::of::<T>() == std::any::TypeId::of::<f64>() {
                    4
                } else {
                    64
                };
                for j in 0..w {
                    let (mut sums, mut tail) = (vec![T::ZERO; lanes], Vec::new());
                    for i in 0..m {
                        let (d, x) = (d0[j * m + i], a[j * m + i]);
                        let v = match act {
                            Activation::Relu => {
                                if x > T::ZERO {
                                    d * two
                                } else {
                                    T::ZERO
                                }
                            }
                            Activation::Sigmoid => d * (x * (T::ONE - x * T::of(0.5))),
                        };
                        want[j * m + i] = v;
                        if i < m / lanes * lanes {
                            sums[i % lanes] += v;
                        } else {
                            tail.push(v);
                        }
                    }
                    want_db[j] += if lanes == 4 {
                        let mut rest = T::ZERO;
                        for v in tail {
                            rest += v;
                        }
                        (sums[0] + sums[1]) + (sums[2] + sums[3]) + rest
                    } else {
                        let mut width = lanes / 2;
                        while width >= 1 {
                            for t in 0..width {
                                let high = sums[t + width];
                                sums[t] += high;
                            }
                            width /= 2;
                        }
                        let mut total = sums[0];
                        for v in tail {
                            total += v;
                        }
                        total
                    };
                }
                let mut d = d0.clone();
                let mut db = vec![T::of(0.5); w];
                kernels::vectorize(
                    #[inline(always)]
                    || gate_sweep(&mut d, &a, m, act, two, &mut db),
                );
                let bits = |v: &[T]| v.iter().map(|x| x.to_f64().to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&d), bits(&want), "{m} × {w} {act:?}");
                assert_eq!(bits(&db), bits(&want_db), "{m} × {w} {act:?}");
            }
        }
    }

    /// The block partition does not depend on the thread count, so neither do the bits.
    #[test]
    fn gradients_are_bit_identical_for_any_thread_count() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let n = 5 * CHUNK + 77;
        let x = Mat::from_fn(n, 10, |_, _| rng.random_range(-2.0..2.0));
        let y: Vec<usize> = (0..n).map(|_| rng.random_range(0..4)).collect();
        for act in [Activation::Relu, Activation::Sigmoid] {
            let mlp = Mlp::new(10, &[32, 16], 4, act, Init::Study, &mut rng);
            let mut results = Vec::new();
            for threads in [1, 2, 3] {
                let mut bp = Backprop::new(&mlp, n, threads).with_input_gradient(true);
                let loss = bp
                    .run(&mlp, x.as_ref(), &y, &LossOptions::default())
                    .unwrap();
                let correct =
                    Evaluator::new(&mlp, threads, Saturation::STUDY).correct(&mlp, x.as_ref(), &y);
                results.push((
                    loss.to_bits(),
                    bp.gradients().clone(),
                    correct,
                    bp.correct(),
                ));
            }
            assert!(results.windows(2).all(|w| w[0] == w[1]), "{act:?}");
        }
    }
}
