//! Fixed row blocks: the unit of work, of threading and of determinism for both gradient
//! engines. A batch is cut into blocks of [`CHUNK`] rows whatever the thread count; each
//! block writes its own partial gradients, loss and counts; threads take contiguous runs
//! of blocks; the partials are summed in block order. So the bits of a gradient depend on
//! the batch, never on how many threads computed it.

use faer::MatRef;
use kernels::Real;

use crate::gradients::Gradients;
use crate::mlp::Mlp;

/// Rows per block. A 256-row block's activations, deltas and (for the tape) gradient buffers
/// of the 10→32→16→4 network take a few hundred KiB, well inside a 2 MiB L2. Measured with
/// `benches/step.rs` (steady-state full-batch iteration, 2 threads), 256 beat 128, 512 and
/// 1,024 for both engines (hand-written ≈ 5.2 ms against 5.7 ms at 1,024). It is also
/// Part C's minibatch size, so a minibatch is exactly one graph.
pub(crate) const CHUNK: usize = 256;

/// Most blocks a batch is cut into. Every block keeps its partial gradient until the
/// block-order sum (about 7.6 KiB each for the 10→32→16→4 network), so beyond
/// `MAX_BLOCKS · CHUNK` rows the blocks grow instead of multiplying: the partials then stay
/// under 8 MiB (about 2 % of a 5-million-row design) instead of 37 % of the input.
const MAX_BLOCKS: usize = 1024;

/// Rows per block for a batch of `n` rows: [`CHUNK`], or more when that would make more than
/// `MAX_BLOCKS` blocks. A function of `n` alone, so the bits still do not depend on the
/// thread count.
pub(crate) fn rows_per_block(n: usize) -> usize {
    CHUNK.max(n.div_ceil(MAX_BLOCKS))
}

/// Per-block results of one pass over a batch in precision `T`, and their block-order sum
/// in `f64` (each partial widened exactly, so for `f64` the sum is the plain one).
#[derive(Debug, Clone)]
pub(crate) struct Partials<T = f64> {
    /// Offset of each layer's `dW` (column-major `fan_in × fan_out`) then `db` in a
    /// block's partial gradient.
    offsets: Vec<usize>,
    /// Length of one block's partial gradient.
    stride: usize,
    grads: Vec<T>,
    loss: Vec<T>,
    correct: Vec<usize>,
    sat: Vec<usize>,
    total: Vec<f64>,
}

/// The outputs of one contiguous run of blocks, one entry per block.
pub(crate) struct Run<'a, T = f64> {
    /// Index of the run's first block.
    pub first: usize,
    /// Length of one block's partial gradient.
    pub stride: usize,
    /// `stride` numbers per block, laid out by the offsets [`Partials::split`] returns.
    pub grads: &'a mut [T],
    pub loss: &'a mut [T],
    pub correct: &'a mut [usize],
    /// `n_hidden` saturation counts per block.
    pub sat: &'a mut [usize],
}

impl<T: Real> Partials<T> {
    /// The layout of `mlp`'s gradients; buffers grow on the first [`Partials::split`].
    pub fn new(mlp: &Mlp) -> Self {
        let mut offsets = Vec::with_capacity(2 * mlp.layers.len());
        let mut stride = 0;
        for d in &mlp.layers {
            offsets.push(stride);
            stride += d.fan_in() * d.fan_out();
            offsets.push(stride);
            stride += d.fan_out();
        }
        Partials {
            offsets,
            stride,
            grads: Vec::new(),
            loss: Vec::new(),
            correct: Vec::new(),
            sat: Vec::new(),
            total: vec![0.0; stride],
        }
    }

    /// Sizes the buffers for `n_blocks` and cuts them into the runs of `plan`; also
    /// returns the offsets of the partial gradients.
    pub fn split(
        &mut self,
        n_blocks: usize,
        n_hidden: usize,
        plan: &[(usize, usize)],
    ) -> (&[usize], Vec<Run<'_, T>>) {
        self.grads.resize(n_blocks * self.stride, T::ZERO);
        self.loss.resize(n_blocks, T::ZERO);
        self.correct.resize(n_blocks, 0);
        self.sat.resize(n_blocks * n_hidden, 0);
        let (mut g, mut l, mut c, mut s) = (
            self.grads.as_mut_slice(),
            self.loss.as_mut_slice(),
            self.correct.as_mut_slice(),
            self.sat.as_mut_slice(),
        );
        let mut out = Vec::with_capacity(plan.len());
        for &(first, count) in plan {
            let (g0, g1) = std::mem::take(&mut g).split_at_mut(count * self.stride);
            let (l0, l1) = std::mem::take(&mut l).split_at_mut(count);
            let (c0, c1) = std::mem::take(&mut c).split_at_mut(count);
            let (s0, s1) = std::mem::take(&mut s).split_at_mut(count * n_hidden);
            (g, l, c, s) = (g1, l1, c1, s1);
            out.push(Run {
                first,
                stride: self.stride,
                grads: g0,
                loss: l0,
                correct: c0,
                sat: s0,
            });
        }
        (&self.offsets, out)
    }

    /// Sums the blocks of the last split in block order: writes the gradients into `grads`
    /// and the saturation shares of `n_rows` rows into `saturation`; returns the loss and
    /// the number of correctly classified rows.
    pub fn reduce(
        &mut self,
        mlp: &Mlp,
        n_rows: usize,
        grads: &mut Gradients,
        saturation: &mut [f64],
    ) -> (f64, usize) {
        let total = &mut self.total;
        total.fill(0.0);
        for part in self.grads.chunks_exact(self.stride) {
            for (t, &p) in total.iter_mut().zip(part) {
                *t += p.to_f64();
            }
        }
        for (l, g) in grads.layers.iter_mut().enumerate() {
            let (ow, ob) = (self.offsets[2 * l], self.offsets[2 * l + 1]);
            let (fan_in, fan_out) = (g.weight.nrows(), g.weight.ncols());
            g.weight.as_mut().copy_from(MatRef::from_column_major_slice(
                &total[ow..ow + fan_in * fan_out],
                fan_in,
                fan_out,
            ));
            for j in 0..fan_out {
                g.bias[(0, j)] = total[ob + j];
            }
        }
        let mut loss = 0.0;
        for &l in &self.loss {
            loss += l.to_f64();
        }
        let n_hidden = saturation.len();
        for (l, s) in saturation.iter_mut().enumerate() {
            let c: usize = self.sat.iter().skip(l).step_by(n_hidden).sum();
            *s = c as f64 / (n_rows * mlp.layers[l].fan_out()).max(1) as f64;
        }
        (loss, self.correct.iter().sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_stay_small_and_few() {
        assert_eq!(rows_per_block(33_078), CHUNK);
        assert_eq!(rows_per_block(MAX_BLOCKS * CHUNK), CHUNK);
        assert_eq!(rows_per_block(MAX_BLOCKS * CHUNK + 1), CHUNK + 1);
        for n in [1, 255, 256, 257, 800_000, 4_000_000, 10_000_001] {
            let rows = rows_per_block(n);
            assert!(
                rows >= CHUNK && n.div_ceil(rows) <= MAX_BLOCKS,
                "{n}: {rows}"
            );
        }
    }
}
