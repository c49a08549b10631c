//! Forward-only evaluation of an [`Mlp`] (prediction, probabilities, accuracy, loss),
//! blocked like training; and the argmax count both engines use for accuracy.

use faer::{Mat, MatRef};
use kernels::softmax::exp_rows;
use kernels::{Kernel, Saturation, vectorize_kernel};

use crate::blocks::CHUNK;
use crate::checks::{check_class_weights, check_data, check_network};
use crate::error::Invalid;
use crate::forward::{Blocks, row_factors, view_mut};
use crate::mlp::{LossOptions, Mlp};
use crate::parallel::{default_threads, in_parallel, runs};

/// Forward-only evaluation, blocked like [`crate::Backprop`] (prediction, accuracy, loss).
#[derive(Debug, Clone)]
pub(crate) struct Evaluator {
    /// Most threads [`Evaluator::correct`] uses.
    threads: usize,
    /// One per thread (accuracy runs blocks in parallel; the rest on the first).
    blocks: Vec<Blocks>,
    /// Saturation counts per hidden layer, one set per thread.
    sat: Vec<Vec<usize>>,
}

impl Evaluator {
    /// Buffers for `mlp`'s shapes; accuracy runs on up to `threads` threads (at least 1);
    /// `saturation` says which hidden units the forward counts.
    pub fn new(mlp: &Mlp, threads: usize, saturation: Saturation) -> Self {
        Evaluator {
            threads: threads.max(1),
            blocks: vec![Blocks::new(mlp, CHUNK, saturation)],
            sat: vec![vec![0; mlp.layers.len().saturating_sub(1)]],
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
            blocks.forward(
                mlp,
                mlp,
                x.subrows(r0, m),
                0,
                Some(&mut self.sat[0][..]),
                None,
            );
            each(blocks, r0, m);
            r0 += m;
        }
    }

    /// Class probabilities.
    pub fn proba(&mut self, mlp: &Mlp, x: MatRef<'_, f64>) -> Mat<f64> {
        let k = mlp.n_classes();
        let mut out = Mat::zeros(x.nrows(), k);
        self.for_blocks(mlp, x, |b, r0, m| {
            let mut rows = out.as_mut().subrows_mut(r0, m);
            rows.copy_from(crate::forward::view(&b.logits, m, k));
            exp_rows(rows.as_mut(), &b.rowmax, &mut b.rowsum);
            for j in 0..k {
                for (p, &s) in rows.as_mut().col_mut(j).iter_mut().zip(&b.rowsum[..m]) {
                    *p /= s;
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
    /// [`Evaluator::saturation_into`]. Blocks run on the evaluator's threads; the counts
    /// are integers, so the split cannot change them.
    pub fn correct(&mut self, mlp: &Mlp, x: MatRef<'_, f64>, y: &[usize]) -> usize {
        assert_eq!(x.nrows(), y.len(), "one label per row");
        let n = x.nrows();
        let (chunk, saturation) = (self.blocks[0].chunk, self.blocks[0].saturation);
        let plan = runs(n.div_ceil(chunk), self.threads);
        let n_hidden = mlp.layers.len().saturating_sub(1);
        while self.blocks.len() < plan.len() {
            self.blocks.push(Blocks::new(mlp, chunk, saturation));
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
            // z_y − max, read before the logits turn into exponentials.
            for (i, &yi) in yb.iter().enumerate() {
                b.rowsum[i] = b.logits[yi * m + i] - b.rowmax[i];
            }
            let shifted: Vec<f64> = b.rowsum[..m].to_vec();
            exp_rows(view_mut(&mut b.logits, m, k), &b.rowmax, &mut b.rowsum);
            for ((&s, &d), &yi) in b.rowsum[..m].iter().zip(&shifted).zip(yb) {
                loss += c_tab[yi] * (s.ln() - d);
            }
        });
        loss + mlp.weight_penalty(opts.weight_decay)
    }
}

/// One thread's share of [`Evaluator::correct`], as a [`Kernel`] (see `backprop::BlocksJob`).
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
            blocks.forward(mlp, mlp, x.subrows(r0, m), 0, Some(sat), None);
            correct += blocks.correct(m, &y[r0..r0 + m]);
        }
        correct
    }
}

/// Evaluation on up to [`default_threads`] threads (the counts do not depend on it). Each
/// checks its input first: a network whose layers do not chain, a matrix with the wrong
/// number of columns, a label count that differs from the rows or a label outside the
/// classes is an [`Invalid`] error, never a panic.
impl Mlp {
    /// Class probabilities `softmax(z_L)`, one row per example.
    pub fn predict_proba(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>, Invalid> {
        let mut eval = self.evaluator(x, None)?;
        Ok(eval.proba(self, x))
    }

    /// The most probable class of each row (the first one on ties).
    pub fn predict(&self, x: MatRef<'_, f64>) -> Result<Vec<usize>, Invalid> {
        let mut eval = self.evaluator(x, None)?;
        Ok(eval.predict(self, x))
    }

    /// Share of rows whose predicted class equals `y`.
    pub fn accuracy(&self, x: MatRef<'_, f64>, y: &[usize]) -> Result<f64, Invalid> {
        let mut eval = self.evaluator(x, Some(y))?;
        Ok(eval.accuracy(self, x, y))
    }

    /// The training objective: (weighted) mean cross-entropy plus `(λ/2)·Σ‖W‖²`.
    pub fn loss(
        &self,
        x: MatRef<'_, f64>,
        y: &[usize],
        opts: &LossOptions,
    ) -> Result<f64, Invalid> {
        let mut eval = self.evaluator(x, Some(y))?;
        check_class_weights(opts, self.n_classes())?;
        Ok(eval.loss(self, x, y, opts))
    }

    /// An evaluator for `x` (and `y`) once both fit this network.
    fn evaluator(&self, x: MatRef<'_, f64>, y: Option<&[usize]>) -> Result<Evaluator, Invalid> {
        check_network(self)?;
        check_data(self.n_inputs(), self.n_classes(), x, y)?;
        Ok(Evaluator::new(self, default_threads(), Saturation::STUDY))
    }
}

/// Number of rows whose first argmax among `logits` equals `y`.
pub(crate) fn logits_correct<T: kernels::Real>(logits: MatRef<'_, T>, y: &[usize]) -> usize {
    let cols: Vec<&[T]> = (0..logits.ncols())
        .map(|j| kernels::sweeps::col(logits, j))
        .collect();
    y.iter()
        .enumerate()
        .filter(|&(i, &yi)| {
            let (mut best, mut top) = (0, cols[0][i]);
            for (j, c) in cols.iter().enumerate().skip(1) {
                if c[i] > top {
                    (best, top) = (j, c[i]);
                }
            }
            best == yi
        })
        .count()
}
