//! Hand-written forward and backward passes (Part B), blocked by rows.
//!
//! The full batch is processed in blocks of [`CHUNK`] rows (more for batches of over a
//! quarter of a million rows, see [`rows_per_block`]): each block goes through the whole
//! forward *and* backward pass while its activations (about 1 KiB a row for 10→32→16→4) are
//! still in the L2 cache. Running layer by layer over all 33,078 rows instead would stream every
//! 8 MiB activation matrix through memory about ten times an iteration. Within a block,
//! every elementwise pass is fused: bias add + activation + saturation count in one sweep per
//! hidden layer; bias add + softmax + loss + accuracy + `δ_L` in one pass at the output;
//! `⊙ g′` + bias column sums in one sweep per hidden layer going back. `g′(z)` is recomputed
//! from the stored output `a = g(z)` (see [`Activation::derivative_from_output`]), so `z`
//! and `g′(z)` are never stored. Buffers are sized on the first run and reused; later runs
//! allocate only the small per-run thread plan (and the threads' stacks when more than one).
//!
//! Blocks are the unit of parallel work too: the rows are cut into the same fixed blocks
//! whatever the thread count, each block writes its own partial weight and bias gradients,
//! loss and counts, and the partials are summed in block order afterwards. Threads
//! ([`Backprop::set_threads`]) take contiguous runs of blocks, so the results are
//! bit-identical for any thread count. Exponentials use [`tape::exp`], a branch-free `exp`
//! the sweeps vectorise.

use faer::{Accum, Mat, MatMut, MatRef};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::RngCore;
use tape::{Kernel, exp, matmul_into as matmul, sigmoid, vectorize_kernel};

use crate::blocks::{CHUNK, Partials, Run, in_parallel, rows_per_block, runs};
use crate::mlp::{Activation, Dense, LossOptions, Mlp};

/// `2^−53`: turns the top 53 bits of a `u64` into a uniform `[0, 1)` double.
const EPS53: f64 = 1.0 / (1u64 << 53) as f64;

/// Inverted dropout for one training step, drawn so that the mask is independent of how the
/// rows are blocked and identical in both engines.
///
/// The keep/drop decision of hidden layer `l`, unit `j`, row `r` (of a step with `n` rows)
/// uses the `u64` at word position `base + 2·(offset_l + j·n + r)` of the ChaCha stream,
/// where `offset_l = n·Σ_{l′<l} width_l′`: the column-major order of the full mask matrices.
/// ChaCha is seekable, so a block seeks to its first row and draws sequentially.
#[derive(Debug)]
pub(crate) struct DropoutDraw<'a> {
    /// Drop probability `p`.
    pub p: f64,
    /// The stream (`data::rng::Stream::Dropout`).
    pub rng: &'a mut ChaCha8Rng,
    /// Word position of this step's first mask value.
    pub base: u128,
    /// Rows in this step's batch.
    pub n_rows: usize,
}

impl DropoutDraw<'_> {
    /// Kept units are scaled by `1/(1−p)` so that the expected activation is unchanged.
    pub fn scale(&self) -> f64 {
        1.0 / (1.0 - self.p)
    }

    /// Seeks to (layer offset `offset`, unit `j`, row `r`).
    fn seek(&mut self, offset: usize, j: usize, r: usize) {
        let idx = (offset + j * self.n_rows + r) as u128;
        self.rng.set_word_pos(self.base + 2 * idx);
    }

    /// The next mask value: 0 or `1/(1−p)`.
    #[inline]
    fn next(&mut self, scale: f64) -> f64 {
        let u = (self.rng.next_u64() >> 11) as f64 * EPS53;
        if u < self.p { 0.0 } else { scale }
    }

    /// Fills a full column-major mask for hidden layer at `offset` (used by the tape engine).
    pub fn fill(&mut self, offset: usize, mask: &mut [f64]) {
        let scale = self.scale();
        self.seek(offset, 0, 0);
        for v in mask {
            *v = self.next(scale);
        }
    }

    /// Words this step consumes for hidden widths `widths`: where the next step starts.
    pub fn words(n_rows: usize, hidden_widths: impl Iterator<Item = usize>) -> u128 {
        2 * hidden_widths.map(|w| (w * n_rows) as u128).sum::<u128>()
    }
}

/// Column `j` of a column-major `m`-row buffer.
#[inline]
fn col(buf: &[f64], m: usize, j: usize) -> &[f64] {
    &buf[j * m..(j + 1) * m]
}

/// Column `j` of a column-major `m`-row buffer, mutably.
#[inline]
fn col_mut(buf: &mut [f64], m: usize, j: usize) -> &mut [f64] {
    &mut buf[j * m..(j + 1) * m]
}

/// A column-major `m × w` view of the front of `buf`.
#[inline]
fn view(buf: &[f64], m: usize, w: usize) -> MatRef<'_, f64> {
    MatRef::from_column_major_slice(&buf[..m * w], m, w)
}

/// A mutable column-major `m × w` view of the front of `buf`.
#[inline]
fn view_mut(buf: &mut [f64], m: usize, w: usize) -> MatMut<'_, f64> {
    MatMut::from_column_major_slice_mut(&mut buf[..m * w], m, w)
}

/// `buf[:, j] = g(buf[:, j] + b_j)` for every unit, counting units with `g′(z) < 0.01`
/// into `sat`, with dropout applied after the activation when asked.
#[inline(always)]
fn hidden_sweep(
    buf: &mut [f64],
    m: usize,
    bias: MatRef<'_, f64>,
    activation: Activation,
    sat: &mut usize,
    mut dropout: Option<(&mut DropoutDraw<'_>, usize, usize)>,
) {
    for j in 0..bias.ncols() {
        let b = bias[(0, j)];
        let c = col_mut(buf, m, j);
        let mut count = 0usize;
        match activation {
            Activation::Relu => {
                for v in c.iter_mut() {
                    let z = *v + b;
                    count += (z <= 0.0) as usize;
                    *v = z.max(0.0);
                }
            }
            Activation::Sigmoid => {
                for v in c.iter_mut() {
                    let s = sigmoid(*v + b);
                    count += (s * (1.0 - s) < 0.01) as usize;
                    *v = s;
                }
            }
        }
        *sat += count;
        if let Some((d, offset, r0)) = dropout.as_mut() {
            let scale = d.scale();
            d.seek(*offset, j, *r0);
            for v in c.iter_mut() {
                *v *= d.next(scale);
            }
        }
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
struct Blocks {
    /// Rows per block.
    chunk: usize,
    /// `acts[l]`: `chunk × width_l` activations of hidden layer `l`.
    acts: Vec<Vec<f64>>,
    /// `chunk × k` logits; the backward pass turns them into `δ_L` in place.
    logits: Vec<f64>,
    /// Per-row maximum logit.
    rowmax: Vec<f64>,
    /// Per-row `Σ_j e^(z_j − max)`.
    rowsum: Vec<f64>,
    /// Per-row first argmax.
    argmax: Vec<usize>,
}

impl Blocks {
    fn new(mlp: &Mlp, chunk: usize) -> Self {
        let chunk = chunk.max(1);
        let n_hidden = mlp.layers.len() - 1;
        Blocks {
            chunk,
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
    /// activations into `acts`, biased logits into `logits`, row max and argmax.
    #[inline(always)]
    fn forward(
        &mut self,
        mlp: &Mlp,
        xc: MatRef<'_, f64>,
        r0: usize,
        sat: &mut [usize],
        mut dropout: Option<&mut DropoutDraw<'_>>,
    ) {
        let m = xc.nrows();
        let n_hidden = mlp.layers.len() - 1;
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
                mlp.activation,
                &mut sat[l],
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
    fn correct(&self, m: usize, y: &[usize]) -> usize {
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
    fn softmax_delta(
        &mut self,
        m: usize,
        k: usize,
        y: &[usize],
        c_tab: &[f64],
        db: &mut [f64],
    ) -> f64 {
        let rowmax = &self.rowmax[..m];
        let rowsum = &mut self.rowsum[..m];
        // Σ_i c_i (lse_i − z_{y_i}) = Σ_i c_i (ln s_i − (z_{y_i} − max_i)); z_y read first.
        let mut loss = 0.0;
        for (i, &yi) in y.iter().enumerate() {
            loss -= c_tab[yi] * (self.logits[yi * m + i] - rowmax[i]);
        }
        rowsum.fill(0.0);
        for j in 0..k {
            let c = col_mut(&mut self.logits, m, j);
            for ((v, mx), s) in c.iter_mut().zip(rowmax).zip(rowsum.iter_mut()) {
                let e = exp(*v - mx);
                *v = e;
                *s += e;
            }
        }
        for (s, &yi) in rowsum.iter_mut().zip(y) {
            let c = c_tab[yi];
            loss += c * s.ln();
            // Reuse the slot for `c_i / s_i`, the factor of every probability in the row.
            *s = c / *s;
        }
        for (j, dbj) in db.iter_mut().enumerate().take(k) {
            let c = col_mut(&mut self.logits, m, j);
            let mut sum = 0.0;
            for ((v, f), &yi) in c.iter_mut().zip(rowsum.iter()).zip(y) {
                let mut d = *v * f;
                if yi == j {
                    d -= c_tab[yi];
                }
                *v = d;
                sum += d;
            }
            *dbj += sum;
        }
        loss
    }
}

/// `c_tab[c] = w_c / Σ_i w[y_i]`: each row's share of the (weighted) mean.
fn row_factors(y: &[usize], k: usize, opts: &LossOptions, out: &mut [f64]) {
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

/// Forward-only evaluation, blocked like [`Backprop`] (prediction, accuracy, loss).
#[derive(Debug, Clone)]
pub(crate) struct Evaluator {
    /// One per thread (accuracy runs blocks in parallel; the rest on the first).
    blocks: Vec<Blocks>,
    /// Saturation counts per hidden layer, one set per thread.
    sat: Vec<Vec<usize>>,
}

impl Evaluator {
    /// Buffers for `mlp`'s shapes.
    pub fn new(mlp: &Mlp) -> Self {
        Evaluator {
            blocks: vec![Blocks::new(mlp, CHUNK)],
            sat: vec![vec![0; mlp.layers.len() - 1]],
        }
    }

    /// Runs every block of `x` through `each(blocks, first_row, rows)` after its forward.
    fn for_blocks(
        &mut self,
        mlp: &Mlp,
        x: MatRef<'_, f64>,
        mut each: impl FnMut(&mut Blocks, usize, usize),
    ) {
        self.sat.truncate(1);
        self.sat[0].fill(0);
        let blocks = &mut self.blocks[0];
        let n = x.nrows();
        let mut r0 = 0;
        while r0 < n {
            let m = blocks.chunk.min(n - r0);
            blocks.forward(mlp, x.subrows(r0, m), 0, &mut self.sat[0], None);
            each(blocks, r0, m);
            r0 += m;
        }
    }

    /// Class probabilities.
    pub fn proba(&mut self, mlp: &Mlp, x: MatRef<'_, f64>) -> Mat<f64> {
        let k = mlp.n_classes();
        let mut out = Mat::zeros(x.nrows(), k);
        self.for_blocks(mlp, x, |b, r0, m| {
            for i in 0..m {
                let mut s = 0.0;
                for j in 0..k {
                    let e = exp(b.logits[j * m + i] - b.rowmax[i]);
                    out[(r0 + i, j)] = e;
                    s += e;
                }
                for j in 0..k {
                    out[(r0 + i, j)] /= s;
                }
            }
        });
        out
    }

    /// Predicted classes.
    pub fn predict(&mut self, mlp: &Mlp, x: MatRef<'_, f64>) -> Vec<usize> {
        let mut out = Vec::with_capacity(x.nrows());
        self.for_blocks(mlp, x, |b, _, m| out.extend_from_slice(&b.argmax[..m]));
        out
    }

    /// Number of correctly classified rows; saturation counts per hidden layer are left in
    /// [`Evaluator::saturation_into`]. Blocks run on [`Backprop::threads`] threads; the
    /// counts are integers, so the split cannot change them.
    pub fn correct(&mut self, mlp: &Mlp, x: MatRef<'_, f64>, y: &[usize]) -> usize {
        assert_eq!(x.nrows(), y.len(), "one label per row");
        let n = x.nrows();
        let chunk = self.blocks[0].chunk;
        let plan = runs(n.div_ceil(chunk), Backprop::threads());
        let n_hidden = mlp.layers.len() - 1;
        while self.blocks.len() < plan.len() {
            self.blocks.push(Blocks::new(mlp, chunk));
        }
        self.sat.resize(plan.len(), vec![0; n_hidden]);
        let items: Vec<_> = self.sat.iter_mut().zip(plan).collect();
        in_parallel(&mut self.blocks, items, |blocks, (sat, run)| {
            vectorize_kernel(CorrectJob {
                blocks,
                sat,
                mlp,
                x,
                y,
                run,
            })
        })
        .into_iter()
        .sum()
    }

    /// Accuracy.
    pub fn accuracy(&mut self, mlp: &Mlp, x: MatRef<'_, f64>, y: &[usize]) -> f64 {
        self.correct(mlp, x, y) as f64 / y.len().max(1) as f64
    }

    /// Saturation shares of the last evaluation over `n_rows` rows.
    pub fn saturation_into(&self, mlp: &Mlp, n_rows: usize, out: &mut [f64]) {
        for (l, o) in out.iter_mut().enumerate() {
            let c: usize = self.sat.iter().map(|s| s[l]).sum();
            *o = c as f64 / (n_rows * mlp.layers[l].fan_out()).max(1) as f64;
        }
    }

    /// The training objective.
    pub fn loss(&mut self, mlp: &Mlp, x: MatRef<'_, f64>, y: &[usize], opts: &LossOptions) -> f64 {
        assert_eq!(x.nrows(), y.len(), "one label per row");
        let k = mlp.n_classes();
        let mut c_tab = vec![0.0; k];
        row_factors(y, k, opts, &mut c_tab);
        let mut loss = 0.0;
        self.for_blocks(mlp, x, |b, r0, m| {
            let yb = &y[r0..r0 + m];
            for (i, &yi) in yb.iter().enumerate() {
                let mut s = 0.0;
                for j in 0..k {
                    s += exp(b.logits[j * m + i] - b.rowmax[i]);
                }
                loss += c_tab[yi] * (s.ln() - (b.logits[yi * m + i] - b.rowmax[i]));
            }
        });
        loss + mlp.weight_penalty(opts.weight_decay)
    }
}

/// One thread's share of [`Evaluator::correct`], as a [`Kernel`] (see [`BlocksJob`]).
struct CorrectJob<'a> {
    blocks: &'a mut Blocks,
    sat: &'a mut [usize],
    mlp: &'a Mlp,
    x: MatRef<'a, f64>,
    y: &'a [usize],
    /// `(first block, number of blocks)`.
    run: (usize, usize),
}

impl Kernel for CorrectJob<'_> {
    type Output = usize;

    #[inline(always)]
    fn run(self) -> usize {
        let CorrectJob {
            blocks,
            sat,
            mlp,
            x,
            y,
            run: (first, count),
        } = self;
        let (n, chunk) = (x.nrows(), blocks.chunk);
        sat.fill(0);
        let mut correct = 0;
        for blk in first..first + count {
            let r0 = blk * chunk;
            let m = chunk.min(n - r0);
            blocks.forward(mlp, x.subrows(r0, m), 0, sat, None);
            correct += blocks.correct(m, &y[r0..r0 + m]);
        }
        correct
    }
}

/// Gradients of the loss with respect to every parameter and, when asked, the inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Gradients {
    /// `∂L/∂W_l`, `∂L/∂b_l`, shaped like the network's layers.
    pub layers: Vec<Dense>,
    /// `∂L/∂x` (`n × d`), the feature attribution of Part C; `0 × d` when not computed.
    pub input: Mat<f64>,
}

impl Gradients {
    /// Zero gradients shaped like `mlp`, with an `n_input_rows × d` input gradient.
    pub fn zeros(mlp: &Mlp, n_input_rows: usize) -> Self {
        Gradients {
            layers: mlp
                .layers
                .iter()
                .map(|d| Dense::zeros(d.fan_in(), d.fan_out()))
                .collect(),
            input: Mat::zeros(n_input_rows, mlp.n_inputs()),
        }
    }

    /// Mean `|∂L/∂W_l|` per layer: the gradient magnitudes of Part B.
    pub fn weight_mean_abs(&self) -> Vec<f64> {
        self.layers
            .iter()
            .map(|d| mean_abs(d.weight.as_ref()))
            .collect()
    }

    /// The first non-finite entry, as `(description, value)`, or `None`.
    pub fn first_non_finite(&self) -> Option<(String, f64)> {
        for (l, d) in self.layers.iter().enumerate() {
            for (what, m) in [("weight", &d.weight), ("bias", &d.bias)] {
                if let Some(v) = m.col_iter().flat_map(|c| c.iter()).find(|v| !v.is_finite()) {
                    return Some((format!("gradient of layer {} {what}", l + 1), *v));
                }
            }
        }
        None
    }
}

/// Mean absolute value of a matrix.
pub(crate) fn mean_abs(m: MatRef<'_, f64>) -> f64 {
    let n = m.nrows() * m.ncols();
    m.col_iter()
        .flat_map(|c| c.iter())
        .map(|v| v.abs())
        .sum::<f64>()
        / n.max(1) as f64
}

/// Per-thread scratch of the hand-written pass: forward blocks and hidden deltas.
#[derive(Debug, Clone)]
struct Worker {
    blocks: Blocks,
    /// `deltas[l]`: `chunk × width_l` delta of hidden layer `l`.
    deltas: Vec<Vec<f64>>,
}

impl Worker {
    fn new(mlp: &Mlp, chunk: usize) -> Self {
        let n_hidden = mlp.layers.len() - 1;
        Worker {
            blocks: Blocks::new(mlp, chunk),
            deltas: mlp.layers[..n_hidden]
                .iter()
                .map(|d| vec![0.0; chunk * d.fan_out()])
                .collect(),
        }
    }
}

/// What one run shares with every block.
struct Ctx<'a> {
    mlp: &'a Mlp,
    x: MatRef<'a, f64>,
    y: &'a [usize],
    c_tab: &'a [f64],
    /// Offset of each layer's `dW` (column-major) then `db` in a block's partial.
    offsets: &'a [usize],
    /// `(p, base)` of the step's dropout, with the stream to clone per thread.
    dropout: Option<(f64, u128, &'a ChaCha8Rng)>,
}

/// Outputs of a contiguous run of blocks.
struct Out<'a> {
    run: Run<'a>,
    /// The rows of `∂L/∂x` these blocks cover, when wanted.
    input: Option<MatMut<'a, f64>>,
}

impl Worker {
    /// Forward and backward of blocks `first..first + count` (of `chunk` rows each).
    #[inline(always)]
    fn run_blocks(&mut self, ctx: &Ctx<'_>, out: Out<'_>) {
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
        let scale = draw.as_ref().map_or(1.0, DropoutDraw::scale);
        for (i, part) in partials.chunks_exact_mut(stride).enumerate() {
            let r0 = (first + i) * chunk;
            let m = chunk.min(n - r0);
            let xc = ctx.x.subrows(r0, m);
            let yc = &ctx.y[r0..r0 + m];
            let sat_b = &mut sat[i * n_hidden..(i + 1) * n_hidden];
            sat_b.fill(0);
            self.blocks.forward(mlp, xc, r0, sat_b, draw.as_mut());
            correct[i] = self.blocks.correct(m, yc);
            let o_b = ctx.offsets[2 * n_hidden + 1];
            let db_out = &mut part[o_b..o_b + k];
            db_out.fill(0.0);
            loss[i] = self.blocks.softmax_delta(m, k, yc, ctx.c_tab, db_out);
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
                    1.0,
                );
                if l > 0 {
                    let below = &mut lower[l - 1];
                    matmul(
                        view_mut(below, m, fan_in),
                        Accum::Replace,
                        delta,
                        layer.weight.transpose(),
                        1.0,
                    );
                    let act = &self.blocks.acts[l - 1];
                    let ob = ctx.offsets[2 * (l - 1) + 1];
                    let db = &mut part[ob..ob + fan_in];
                    db.fill(0.0);
                    gate_sweep(below, act, m, mlp.activation, scale, db);
                } else if let Some(g) = input.as_mut() {
                    matmul(
                        g.as_mut().subrows_mut(i * chunk, m),
                        Accum::Replace,
                        delta,
                        layer.weight.transpose(),
                        1.0,
                    );
                }
            }
        }
    }
}

/// One thread's share of a [`Backprop`] run, as a [`Kernel`] so that the whole block loop
/// (every elementwise sweep) is compiled for the CPU's widest vectors.
struct BlocksJob<'a, 'c> {
    worker: &'a mut Worker,
    ctx: &'a Ctx<'c>,
    out: Out<'a>,
}

impl Kernel for BlocksJob<'_, '_> {
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
#[derive(Debug, Clone)]
pub struct Backprop {
    /// One per thread.
    workers: Vec<Worker>,
    /// Rows per block (fixed for a given batch size, whatever the thread count).
    chunk: usize,
    /// Per-block partial gradients, losses and counts, summed in block order.
    partials: Partials,
    grads: Gradients,
    c_tab: Vec<f64>,
    saturation: Vec<f64>,
    train_acc: f64,
    correct: usize,
    want_input: bool,
}

/// Threads of both gradient engines; 0 = not set (see [`Backprop::threads`]).
static THREADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Backprop {
    /// Sets the number of threads every later [`Backprop`] and evaluation uses (at least 1).
    ///
    /// Results do not depend on it: rows are cut into the same fixed blocks whatever the
    /// count, and block results are combined in block order.
    pub fn set_threads(n: usize) {
        THREADS.store(n.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    /// Threads in use: the last [`Backprop::set_threads`], else the available cores capped
    /// at 2 (this network is too small to feed more).
    pub fn threads() -> usize {
        match THREADS.load(std::sync::atomic::Ordering::Relaxed) {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get().min(2)),
            n => n,
        }
    }

    /// Buffers for `mlp` and batches of up to `n_rows` rows (more rows work too: the work
    /// is blocked, only the input gradient is sized by the batch).
    pub fn new(mlp: &Mlp, n_rows: usize) -> Self {
        let n_hidden = mlp.layers.len() - 1;
        let chunk = rows_per_block(n_rows).min(n_rows.max(1));
        Backprop {
            workers: vec![Worker::new(mlp, chunk)],
            chunk,
            partials: Partials::new(mlp),
            grads: Gradients::zeros(mlp, 0),
            c_tab: vec![0.0; mlp.n_classes()],
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

    /// Forward and backward over `(x, y)`: returns the loss and leaves the gradients,
    /// saturation and training accuracy of this forward in `self`.
    pub fn run(&mut self, mlp: &Mlp, x: MatRef<'_, f64>, y: &[usize], opts: &LossOptions) -> f64 {
        self.run_with(mlp, x, y, opts, None)
    }

    /// [`Backprop::run`] with optional dropout on the hidden layers.
    pub(crate) fn run_with(
        &mut self,
        mlp: &Mlp,
        x: MatRef<'_, f64>,
        y: &[usize],
        opts: &LossOptions,
        dropout: Option<&mut DropoutDraw<'_>>,
    ) -> f64 {
        let n = x.nrows();
        assert_eq!(n, y.len(), "one label per row");
        assert_eq!(x.ncols(), mlp.n_inputs(), "x has one column per input");
        let n_hidden = mlp.layers.len() - 1;
        let k = mlp.n_classes();
        if self.want_input && self.grads.input.nrows() != n {
            self.grads.input = Mat::zeros(n, mlp.n_inputs());
        }
        row_factors(y, k, opts, &mut self.c_tab);
        let n_blocks = n.div_ceil(self.chunk);
        let plan = runs(n_blocks, Self::threads());
        while self.workers.len() < plan.len() {
            self.workers.push(Worker::new(mlp, self.chunk));
        }
        let (offsets, runs) = self.partials.split(n_blocks, n_hidden, &plan);
        let ctx = Ctx {
            mlp,
            x,
            y,
            c_tab: &self.c_tab,
            offsets,
            dropout: dropout.map(|d| (d.p, d.base, &*d.rng)),
        };
        // Give each run the rows of `∂L/∂x` it covers.
        let mut jobs = Vec::with_capacity(plan.len());
        let mut input = self.want_input.then(|| self.grads.input.as_mut());
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

/// `δ = (δ W_lᵀ) ⊙ g′(z) ⊙ mask` in place, from the stored (post-dropout) activation `a`,
/// adding the column sums into the bias gradient `db`.
///
/// With inverted dropout `a = g(z)·m`, `m ∈ {0, s}`, `s = 1/(1−p)`, the factor `g′(z)·m` is
/// recoverable from `a` alone: ReLU `s·[a > 0]`; sigmoid `a(1 − a/s)` (0 where dropped).
/// Without dropout `s = 1` and these are the plain `g′`.
#[inline(always)]
fn gate_sweep(
    delta: &mut [f64],
    act: &[f64],
    m: usize,
    activation: Activation,
    s: f64,
    db: &mut [f64],
) {
    let inv_s = 1.0 / s;
    for (j, dbj) in db.iter_mut().enumerate() {
        let d = col_mut(delta, m, j);
        let a = col(act, m, j);
        *dbj += match activation {
            // Branch-free: the 50/50 active pattern of ReLU mispredicts a branch half the
            // time. The mask gives an exact 0 for inactive units.
            Activation::Relu => gate_sum(d, a, |d, a| {
                let keep = ((a > 0.0) as u64).wrapping_neg();
                f64::from_bits(d.to_bits() & keep) * s
            }),
            Activation::Sigmoid => gate_sum(d, a, |d, a| d * (a * (1.0 - a * inv_s))),
        };
    }
}

/// `d[i] = f(d[i], a[i])` and the sum of the results, with four running sums so that the
/// loop vectorises (a fixed order, hence still deterministic).
#[inline(always)]
fn gate_sum(d: &mut [f64], a: &[f64], f: impl Fn(f64, f64) -> f64) -> f64 {
    let mut acc = [0.0; 4];
    let mut dc = d.chunks_exact_mut(4);
    let mut ac = a.chunks_exact(4);
    for (dq, aq) in dc.by_ref().zip(ac.by_ref()) {
        for t in 0..4 {
            let v = f(dq[t], aq[t]);
            dq[t] = v;
            acc[t] += v;
        }
    }
    let mut rest = 0.0;
    for (dv, &av) in dc.into_remainder().iter_mut().zip(ac.remainder()) {
        *dv = f(*dv, av);
        rest += *dv;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + rest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mlp::Init;
    use rand::{Rng, SeedableRng};

    /// The block partition does not depend on the thread count, so neither do the bits.
    /// (Other tests may change the global count concurrently; that cannot matter either.)
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
                Backprop::set_threads(threads);
                let mut bp = Backprop::new(&mlp, n).with_input_gradient(true);
                let loss = bp.run(&mlp, x.as_ref(), &y, &LossOptions::default());
                let correct = Evaluator::new(&mlp).correct(&mlp, x.as_ref(), &y);
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
