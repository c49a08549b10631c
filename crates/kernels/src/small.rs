//! One fused, allocation-free pass over every row of a small two-layer softmax network,
//! `ŷ = softmax(g(x W + b1) U + b2)` with `k` hidden units and `k` classes (Question 2's
//! network): forward, cross-entropy, accuracy and, when asked, the whole backward pass,
//! with the rows in SIMD lanes; and its plain reference.
//!
//! Why not faer products: at `k = 4` the products are `n × 10 · 10 × 4` and thinner; a
//! whole-matrix pass writes and rereads several `n × k` intermediates and allocates them
//! every step. Here the design matrix is column-major, so [`LANES`] consecutive rows of a
//! column are one vector load; the weights are broadcast scalars. The rows go in chunks of
//! 256: the forward of each lane group (`z1`, `h`, `z2`, `ŷ`, `δ2`, `δ1` in registers, the
//! loss, accuracy and bias partials in registers across the chunk), then the outer
//! products `∂L/∂U += hᵀ δ2` and `∂L/∂W += xᵀ δ1` over the chunk with their partial sums
//! in registers (all of them at once did not fit in the 32 vector registers). The kernel
//! is compiled once per width `k ≤ MAX_WIDTH` (a const generic, so the loops over units
//! unroll) and written on a small lane-vector trait: pulp's AVX-512 `f64x8` where the CPU
//! has it, lane arrays compiled for AVX2 and FMA elsewhere. Wider networks run the
//! plain [`reference`], which computes the same bits row by row.
//!
//! Determinism: each lane keeps its own partial sums over the row groups in row order, and
//! the lanes are added in lane order at the end; splitting the work into chunks and phases
//! changes only the interleaving of different sums, never the order of the additions into
//! one. A lane group is always [`LANES`] rows (one `zmm`, or two `ymm` on AVX2), every
//! operation is lane-wise IEEE arithmetic (each multiply-add fused, `f64::mul_add`,
//! rounded once on every CPU), so the bits depend on the data and the weights only — not
//! on the CPU's vector width, nor on who calls.
//!
//! Single precision ([`Workspace::pass_f32`]): the same kernel on `f32` rows in
//! [`F32_LANES`] lanes (`f32x16`, one AVX-512 register), twice the rows per instruction
//! and half the bytes of the design; the weights are rounded to `f32` for the pass and the
//! lanes' sums are added in `f64`. Its order is fixed the same way (row `r` in lane
//! `r % F32_LANES`), and [`reference::pass_f32`] computes its bits row by row.
//!
//! The files: `net` (the network, its statistics and gradients, the constants of the
//! summation order), `lanes` (the lane scalar, the lane-vector trait and its backends),
//! `exp` (the softmax's `e^x` for arguments `≤ 0` in `f64`; the `f32` one is
//! [`crate::exp_nonpositive_f32`]), `kernel` (the fused pass), `reference` (the plain
//! pass).

use faer::MatRef;

mod exp;
mod kernel;
mod lanes;
mod net;
pub mod reference;

pub use exp::exp_nonpositive;
pub use kernel::Path;
pub use net::{F32_LANES, LANES, MAX_WIDTH, PassStats, TwoLayer, TwoLayerGrads};

/// Buffers reused from pass to pass (sized on first use), and the last backward pass's
/// gradients.
#[derive(Clone, Debug)]
pub struct Workspace {
    /// The fused pass's buffers.
    fused: kernel::Buffers<f64, LANES>,
    /// The single-precision pass's buffers.
    fused_f32: kernel::Buffers<f32, F32_LANES>,
    /// The gradients of the last backward pass.
    grads: TwoLayerGrads,
    /// Which compiled form of the fused pass runs (the tests choose each).
    path: kernel::Path,
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace {
            fused: kernel::Buffers::default(),
            fused_f32: kernel::Buffers::default(),
            grads: TwoLayerGrads::zeros(0, 0),
            path: kernel::Path::Best,
        }
    }
}

impl Workspace {
    /// An empty workspace; the first pass sizes it.
    pub fn new() -> Self {
        Workspace::default()
    }

    /// An empty workspace whose passes run the compiled form `path`: the tests check that
    /// every form gives the same bits, and a benchmark can time each.
    pub fn on_path(path: Path) -> Self {
        Workspace {
            path,
            ..Workspace::default()
        }
    }

    /// The gradients of the last [`Workspace::pass`] with `backward`.
    pub fn grads(&self) -> &TwoLayerGrads {
        &self.grads
    }

    /// One pass over the rows `x` (`n × d`, column-major with contiguous columns) with
    /// labels `y` (class indices as `f64`, each in `0..k`). Forward, mean cross-entropy and
    /// accuracy always; with `backward`, also every gradient (into [`Workspace::grads`]) and
    /// the saturation count. The fused kernel up to [`MAX_WIDTH`] units, the plain
    /// [`reference`] beyond.
    ///
    /// # Panics
    /// If `k` is 0, if the shapes disagree, or if `x`'s columns are not contiguous — all
    /// caller bugs, checked before any work.
    pub fn pass(
        &mut self,
        net: &TwoLayer<'_>,
        x: MatRef<'_, f64>,
        y: &[f64],
        backward: bool,
    ) -> PassStats {
        net::check_shapes(net, x, y);
        let (d, k) = net.w.shape();
        if k > MAX_WIDTH {
            let (stats, grads) = reference::pass(net, x, y, backward);
            if backward {
                self.grads = grads;
            }
            return stats;
        }
        self.size_grads(backward, d, k);
        self.fused
            .pass(net, x, y, backward, &mut self.grads, self.path)
    }

    /// [`Workspace::pass`] in single precision: the rows `x` and labels `y` as `f32`
    /// (converted once by the caller), the weights rounded to `f32` for the pass, every
    /// operation in `f32` with [`F32_LANES`] rows to a vector — twice the rows per
    /// instruction, and half the bytes of the design to stream. The lanes' sums are added
    /// in `f64`, so the statistics and gradients come back as `f64`. Its reference is
    /// [`reference::pass_f32`].
    ///
    /// # Panics
    /// As [`Workspace::pass`], and if `k > MAX_WIDTH` (the fused kernel's widths only).
    pub fn pass_f32(
        &mut self,
        net: &TwoLayer<'_>,
        x: MatRef<'_, f32>,
        y: &[f32],
        backward: bool,
    ) -> PassStats {
        net::check_shapes(net, x, y);
        let (d, k) = net.w.shape();
        assert!(k <= MAX_WIDTH, "the single-precision pass is fused only");
        self.size_grads(backward, d, k);
        self.fused_f32
            .pass(net, x, y, backward, &mut self.grads, self.path)
    }

    /// Before a fused backward pass: the gradients `d × k`, reallocated only when the shape
    /// changed (the kernel writes every entry).
    fn size_grads(&mut self, backward: bool, d: usize, k: usize) {
        if backward && self.grads.w.shape() != (d, k) {
            self.grads = TwoLayerGrads::zeros(d, k);
        }
    }
}
