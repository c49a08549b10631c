//! One fused, allocation-free pass over every row of a small two-layer softmax network,
//! `ŷ = softmax(g(x W + b1) U + b2)` with `k ≤ MAX_WIDTH` hidden units and `k` classes
//! (Question 2's network): forward, cross-entropy, accuracy and, when asked, the whole
//! backward pass, with the rows in SIMD lanes.
//!
//! Why not faer products: at `k = 4` the products are `n × 10 · 10 × 4` and thinner; a
//! whole-matrix pass writes and rereads several `n × k` intermediates and allocates them
//! every step. Here the design matrix is column-major, so [`LANES`] consecutive rows of a
//! column are one vector load; the weights are broadcast scalars. The rows go in chunks of
//! 256: the forward of each lane group (`z1`, `h`, `z2`, `ŷ`, `δ2`, `δ1` in registers, the
//! loss, accuracy and bias partials in registers across the chunk), then the outer
//! products `∂L/∂U += hᵀ δ2` and `∂L/∂W += xᵀ δ1` over the chunk with their partial sums
//! in registers (all of them at once did not fit in the 32 vector registers). The kernel
//! is compiled once per width `k` (a const generic, so the loops over units unroll) and
//! written on a small lane-vector trait (`Backend`): pulp's AVX-512 `f64x8` where the CPU
//! has it, lane arrays under [`crate::vectorize`] (AVX2) elsewhere.
//!
//! Determinism: each lane keeps its own partial sums over the row groups in row order, and
//! the lanes are added in lane order at the end; splitting the work into chunks and phases
//! changes only the interleaving of different sums, never the order of the additions into
//! one. A lane group is always [`LANES`] rows (one `zmm`, or two `ymm` on AVX2), every
//! operation is lane-wise IEEE arithmetic (no `mul_add`), so the bits depend on the data
//! and the weights only — not on the CPU's vector width, nor on who calls.

use faer::{Mat, MatRef};

use crate::activation::Activation;
use crate::math::exp;

/// Rows per lane group: eight `f64`, one AVX-512 register.
pub const LANES: usize = 8;

/// The widest network the fused pass is compiled for (hidden units = classes).
pub const MAX_WIDTH: usize = 8;

/// Row groups whose softmax normalisers are multiplied before one `ln` (the normaliser of a
/// row lies in `[1, k]`, so a product of 32 stays below `8³² ≈ 10²⁹`): the logarithm is a
/// scalar library call, and one per row cost as much as the rest of the forward pass.
const GROUPS_PER_LOG: usize = 32;

/// A borrowed two-layer softmax network `ŷ = softmax(g(x W + b1) U + b2)`, hidden width =
/// classes = `k`.
#[derive(Clone, Copy, Debug)]
pub struct TwoLayer<'a> {
    /// `d × k` input weights.
    pub w: MatRef<'a, f64>,
    /// Hidden bias, `k` values.
    pub b1: &'a [f64],
    /// `k × k` output weights.
    pub u: MatRef<'a, f64>,
    /// Output bias, `k` values.
    pub b2: &'a [f64],
    /// Hidden nonlinearity `g`.
    pub activation: Activation,
}

/// What a pass measured on its rows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PassStats {
    /// Mean cross-entropy.
    pub loss: f64,
    /// Rows whose first argmax of the logits is their label.
    pub correct: usize,
    /// Hidden units (row × unit) with `g′(z1) < 0.01`; counted only by a backward pass.
    pub saturated: usize,
}

/// The gradients of the mean cross-entropy that a backward pass writes.
#[derive(Clone, Debug, PartialEq)]
pub struct TwoLayerGrads {
    /// `∂L/∂W`, `d × k`.
    pub w: Mat<f64>,
    /// `∂L/∂U`, `k × k`.
    pub u: Mat<f64>,
    /// `∂L/∂b1` (`colsum δ1`).
    pub b1: Vec<f64>,
    /// `∂L/∂b2` (`colsum δ2`).
    pub b2: Vec<f64>,
}

/// Buffers reused from pass to pass (sized on first use), and the last backward pass's
/// gradients.
#[derive(Clone, Debug)]
pub struct Workspace {
    /// `W` row-major (`l · k + j`), read as broadcast scalars.
    w: Vec<f64>,
    /// The chunk's inputs, `CHUNK` lane groups per feature (`l · CHUNK + g`), zero-padded
    /// past the last row.
    x: Vec<V>,
    /// Per-lane partial sums of `∂L/∂W`, `l · k + j`.
    dw: Vec<V>,
    /// The gradients of the last backward pass.
    grads: TwoLayerGrads,
    /// Run the portable backend even where AVX-512 is available (for the test that the
    /// backends agree).
    portable: bool,
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace {
            w: Vec::new(),
            x: Vec::new(),
            dw: Vec::new(),
            grads: TwoLayerGrads {
                w: Mat::zeros(0, 0),
                u: Mat::zeros(0, 0),
                b1: Vec::new(),
                b2: Vec::new(),
            },
            portable: false,
        }
    }
}

impl Workspace {
    /// An empty workspace; the first pass sizes it.
    pub fn new() -> Self {
        Workspace::default()
    }

    /// The gradients of the last [`Workspace::pass`] with `backward`.
    pub fn grads(&self) -> &TwoLayerGrads {
        &self.grads
    }

    /// One pass over the rows `x` (`n × d`, column-major with contiguous columns) with
    /// labels `y` (class indices as `f64`, each in `0..k`). Forward, mean cross-entropy and
    /// accuracy always; with `backward`, also every gradient (into [`Workspace::grads`]) and
    /// the saturation count.
    ///
    /// # Panics
    /// If `k` is 0 or above [`MAX_WIDTH`] (see [`supports`]), if the shapes disagree, or if
    /// `x`'s columns are not contiguous — all caller bugs, checked before any work.
    pub fn pass(
        &mut self,
        net: &TwoLayer<'_>,
        x: MatRef<'_, f64>,
        y: &[f64],
        backward: bool,
    ) -> PassStats {
        let (d, k) = net.w.shape();
        assert!(
            supports(k),
            "fused pass compiled for 1..={MAX_WIDTH} units, not {k}"
        );
        assert!(
            x.ncols() == d && x.nrows() == y.len() && net.u.shape() == (k, k),
            "shapes disagree"
        );
        assert!(
            net.b1.len() == k && net.b2.len() == k,
            "bias widths disagree"
        );
        assert!(
            x.nrows() < 2 || x.ncols() == 0 || x.row_stride() == 1,
            "columns must be contiguous"
        );
        self.w.clear();
        self.w
            .extend((0..d).flat_map(|l| (0..k).map(move |j| net.w[(l, j)])));
        self.x.resize(d * CHUNK, V::ZERO);
        self.dw.clear();
        self.dw.resize(if backward { d * k } else { 0 }, V::ZERO);
        if backward {
            let g = &mut self.grads;
            if g.w.shape() != (d, k) {
                g.w = Mat::zeros(d, k);
                g.u = Mat::zeros(k, k);
            }
            g.b1.resize(k, 0.0);
            g.b2.resize(k, 0.0);
        }
        macro_rules! dispatch {
            ($($k:literal)*) => {
                match (k, net.activation, backward) {
                    $(
                        ($k, Activation::Relu, false) => self.run::<$k, true, false>(net, x, y),
                        ($k, Activation::Relu, true) => self.run::<$k, true, true>(net, x, y),
                        ($k, Activation::Sigmoid, false) => self.run::<$k, false, false>(net, x, y),
                        ($k, Activation::Sigmoid, true) => self.run::<$k, false, true>(net, x, y),
                    )*
                    _ => unreachable!("checked by `supports`"),
                }
            };
        }
        dispatch!(1 2 3 4 5 6 7 8)
    }

    /// The pass for `K` units, ReLU or sigmoid, with or without the backward: chunk by
    /// chunk, the forward of every lane group (keeping `h`, `δ2`, `δ1` of the chunk), then
    /// the `∂L/∂U` and `∂L/∂W` outer products over the chunk.
    fn run<const K: usize, const RELU: bool, const BACKWARD: bool>(
        &mut self,
        net: &TwoLayer<'_>,
        x: MatRef<'_, f64>,
        y: &[f64],
    ) -> PassStats {
        let (n, d) = (x.nrows(), x.ncols());
        let b1: [f64; K] = std::array::from_fn(|j| net.b1[j]);
        let b2: [f64; K] = std::array::from_fn(|c| net.b2[c]);
        let u: [[f64; K]; K] = std::array::from_fn(|j| std::array::from_fn(|c| net.u[(j, c)]));
        let p = Params {
            w: &self.w,
            b1,
            u,
            b2,
            inv_n: 1.0 / n.max(1) as f64,
        };
        let (xs, dw) = (&mut self.x, &mut self.dw);
        let kernel = Kernel::<'_, '_, K, RELU, BACKWARD> {
            p: &p,
            x,
            y,
            xs,
            dw,
        };
        let (sums, du) = backend::run(kernel, self.portable);
        if BACKWARD {
            let g = &mut self.grads;
            for l in 0..d {
                for j in 0..K {
                    g.w[(l, j)] = lane_sum(&self.dw[l * K + j].0);
                }
            }
            for (j, row) in du.iter().enumerate() {
                g.b1[j] = lane_sum(&sums.db1[j]);
                g.b2[j] = lane_sum(&sums.db2[j]);
                for (c, v) in row.iter().enumerate() {
                    g.u[(j, c)] = lane_sum(v);
                }
            }
        }
        PassStats {
            loss: (lane_sum(&sums.loss_linear) + lane_sum(&sums.loss_log)) * p.inv_n,
            correct: lane_sum(&sums.correct) as usize,
            saturated: lane_sum(&sums.saturated) as usize,
        }
    }
}

/// Whether the fused pass is compiled for `k` hidden units (and classes).
pub fn supports(k: usize) -> bool {
    (1..=MAX_WIDTH).contains(&k)
}

/// Lane groups per chunk: 256 rows, whose inputs (`d` vectors a group) and `h`, `δ2`, `δ1`
/// (`3k` vectors a group) stay in L1 between the forward and the outer products. It is
/// also the span of one `ln` ([`GROUPS_PER_LOG`]).
const CHUNK: usize = GROUPS_PER_LOG;

/// One value per lane.
type Lanes = [f64; LANES];

/// The lanes added in lane order.
fn lane_sum(v: &Lanes) -> f64 {
    v.iter().sum()
}

/// A lane vector in memory, aligned for one `zmm` load.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C, align(64))]
struct V(Lanes);

impl V {
    const ZERO: V = V([0.0; LANES]);

    /// Up to [`LANES`] values, padded with `fill`; a full group is one fixed-size copy (a
    /// copy of variable length would be a `memcpy` call).
    #[inline(always)]
    fn load(v: &[f64], fill: f64) -> V {
        match v.try_into() {
            Ok(full) => V(full),
            Err(_) => V(std::array::from_fn(|i| v.get(i).copied().unwrap_or(fill))),
        }
    }
}

/// The network's parameters as the lane loops read them.
struct Params<'a, const K: usize> {
    /// `W` row-major.
    w: &'a [f64],
    b1: [f64; K],
    u: [[f64; K]; K],
    b2: [f64; K],
    /// `1 / n`.
    inv_n: f64,
}

/// The lane arithmetic the kernel is written in: [`LANES`] rows of one quantity per value,
/// every operation lane-wise IEEE arithmetic, so every backend gives the same bits.
///
/// Why explicit vectors: the same loops written over `[f64; 8]` arrays left the choice to
/// LLVM, which vectorised the loops over lane groups instead (gathers, scatters, scalar
/// `vmulsd` in the forward, per perf annotate); values of a vector type keep each lane
/// group in one register.
trait Backend: Copy {
    /// One lane vector.
    type V: Copy;
    fn splat(self, v: f64) -> Self::V;
    fn load_lanes(self, v: Lanes) -> Self::V;
    fn to_lanes(self, v: Self::V) -> Lanes;
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    fn sub(self, a: Self::V, b: Self::V) -> Self::V;
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    fn div(self, a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise `if a > b { t } else { f }`.
    fn gt_select(self, a: Self::V, b: Self::V, t: Self::V, f: Self::V) -> Self::V;
    /// Lane-wise `if a == b { t } else { f }`.
    fn eq_select(self, a: Self::V, b: Self::V, t: Self::V, f: Self::V) -> Self::V;

    /// `f` of every lane (through lane arrays, for the scalar-written `exp` and
    /// activations, which LLVM vectorises lane by lane).
    #[inline(always)]
    fn map(self, v: Self::V, f: impl Fn(f64) -> f64) -> Self::V {
        let mut lanes = self.to_lanes(v);
        for x in &mut lanes {
            *x = f(*x);
        }
        self.load_lanes(lanes)
    }

    /// The lanes `valid` marks, else `fill`.
    #[inline(always)]
    fn valid_or(self, v: Self::V, valid: &[bool; LANES], fill: f64) -> Self::V {
        let mut lanes = self.to_lanes(v);
        for (x, &ok) in lanes.iter_mut().zip(valid) {
            if !ok {
                *x = fill;
            }
        }
        self.load_lanes(lanes)
    }
}

mod backend {
    //! The backends of [`super::Backend`] and the choice between them.

    use super::{Backend, Kernel, Lanes, Totals};

    /// Plain lane arrays: the fallback for CPUs without AVX-512, run under
    /// [`crate::vectorize`] (AVX2 where the CPU has it).
    #[derive(Clone, Copy)]
    pub(super) struct Portable;

    impl Backend for Portable {
        type V = Lanes;
        #[inline(always)]
        fn splat(self, v: f64) -> Lanes {
            [v; super::LANES]
        }
        #[inline(always)]
        fn load_lanes(self, v: Lanes) -> Lanes {
            v
        }
        #[inline(always)]
        fn to_lanes(self, v: Lanes) -> Lanes {
            v
        }
        #[inline(always)]
        fn add(self, a: Lanes, b: Lanes) -> Lanes {
            std::array::from_fn(|i| a[i] + b[i])
        }
        #[inline(always)]
        fn sub(self, a: Lanes, b: Lanes) -> Lanes {
            std::array::from_fn(|i| a[i] - b[i])
        }
        #[inline(always)]
        fn mul(self, a: Lanes, b: Lanes) -> Lanes {
            std::array::from_fn(|i| a[i] * b[i])
        }
        #[inline(always)]
        fn div(self, a: Lanes, b: Lanes) -> Lanes {
            std::array::from_fn(|i| a[i] / b[i])
        }
        #[inline(always)]
        fn gt_select(self, a: Lanes, b: Lanes, t: Lanes, f: Lanes) -> Lanes {
            std::array::from_fn(|i| if a[i] > b[i] { t[i] } else { f[i] })
        }
        #[inline(always)]
        fn eq_select(self, a: Lanes, b: Lanes, t: Lanes, f: Lanes) -> Lanes {
            std::array::from_fn(|i| if a[i] == b[i] { t[i] } else { f[i] })
        }
    }

    #[cfg(target_arch = "x86_64")]
    mod avx512 {
        use pulp::f64x8;
        use pulp::x86::V4;

        use super::super::{Backend, Lanes};

        impl Backend for V4 {
            type V = f64x8;
            #[inline(always)]
            fn splat(self, v: f64) -> f64x8 {
                self.splat_f64x8(v)
            }
            #[inline(always)]
            fn load_lanes(self, v: Lanes) -> f64x8 {
                pulp::cast(v)
            }
            #[inline(always)]
            fn to_lanes(self, v: f64x8) -> Lanes {
                pulp::cast(v)
            }
            #[inline(always)]
            fn add(self, a: f64x8, b: f64x8) -> f64x8 {
                self.add_f64x8(a, b)
            }
            #[inline(always)]
            fn sub(self, a: f64x8, b: f64x8) -> f64x8 {
                self.sub_f64x8(a, b)
            }
            #[inline(always)]
            fn mul(self, a: f64x8, b: f64x8) -> f64x8 {
                self.mul_f64x8(a, b)
            }
            #[inline(always)]
            fn div(self, a: f64x8, b: f64x8) -> f64x8 {
                self.div_f64x8(a, b)
            }
            #[inline(always)]
            fn gt_select(self, a: f64x8, b: f64x8, t: f64x8, f: f64x8) -> f64x8 {
                self.select_f64x8(self.cmp_gt_f64x8(a, b), t, f)
            }
            #[inline(always)]
            fn eq_select(self, a: f64x8, b: f64x8, t: f64x8, f: f64x8) -> f64x8 {
                self.select_f64x8(self.cmp_eq_f64x8(a, b), t, f)
            }
        }
    }

    /// Adapts a kernel run on backend `B` to pulp's dispatch (which compiles it with the
    /// backend's instructions enabled).
    struct With<'k, 'a, const K: usize, const RELU: bool, const BACKWARD: bool, B> {
        kernel: Kernel<'k, 'a, K, RELU, BACKWARD>,
        backend: B,
    }

    impl<const K: usize, const RELU: bool, const BACKWARD: bool, B: Backend> pulp::WithSimd
        for With<'_, '_, K, RELU, BACKWARD, B>
    {
        type Output = (Totals<K>, [[Lanes; K]; K]);
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _simd: S) -> Self::Output {
            self.kernel.run(self.backend)
        }
    }

    /// Runs `kernel` on AVX-512 where the CPU has it, else on lane arrays with the widest
    /// vectors it has. `force_portable` is for the test that the backends agree.
    pub(super) fn run<const K: usize, const RELU: bool, const BACKWARD: bool>(
        kernel: Kernel<'_, '_, K, RELU, BACKWARD>,
        force_portable: bool,
    ) -> (Totals<K>, [[Lanes; K]; K]) {
        #[cfg(target_arch = "x86_64")]
        if !force_portable && let Some(simd) = pulp::x86::V4::try_new() {
            return pulp::Simd::vectorize(
                simd,
                With {
                    kernel,
                    backend: simd,
                },
            );
        }
        let _ = force_portable;
        pulp::Arch::new().dispatch(With {
            kernel,
            backend: Portable,
        })
    }
}

/// A pass's inputs and buffers, run by [`backend::run`].
struct Kernel<'k, 'a, const K: usize, const RELU: bool, const BACKWARD: bool> {
    p: &'k Params<'a, K>,
    x: MatRef<'k, f64>,
    y: &'k [f64],
    /// [`Workspace::x`].
    xs: &'k mut [V],
    /// [`Workspace::dw`].
    dw: &'k mut [V],
}

/// The per-lane totals of a pass (but `∂L/∂U` and `∂L/∂W`).
struct Totals<const K: usize> {
    loss_linear: Lanes,
    loss_log: Lanes,
    correct: Lanes,
    saturated: Lanes,
    db1: [Lanes; K],
    db2: [Lanes; K],
}

/// The per-lane running sums of a pass, as backend vectors.
struct Sums<B: Backend, const K: usize> {
    /// `Σ (max_c z2 − z2_y)`: the cross-entropy less `ln Σ exp(z2 − max)`.
    loss_linear: B::V,
    /// `Σ ln Σ exp(z2 − max)`, flushed from `normaliser_product`.
    loss_log: Lanes,
    /// Product of the normalisers since the last flush.
    normaliser_product: B::V,
    correct: B::V,
    saturated: B::V,
    db1: [B::V; K],
    db2: [B::V; K],
}

/// What the forward of a chunk keeps for its outer products: `h`, `δ2` and `δ1` of each
/// lane group.
struct Chunk<B: Backend, const K: usize> {
    h: [[B::V; K]; CHUNK],
    d2: [[B::V; K]; CHUNK],
    d1: [[B::V; K]; CHUNK],
}

impl<const K: usize, const RELU: bool, const BACKWARD: bool> Kernel<'_, '_, K, RELU, BACKWARD> {
    /// The pass on backend `b`: chunk by chunk, the forward of every lane group (keeping
    /// `h`, `δ2`, `δ1`), then the `∂L/∂U` and `∂L/∂W` outer products over the chunk.
    #[inline(always)]
    fn run<B: Backend>(self, b: B) -> (Totals<K>, [[Lanes; K]; K]) {
        let Kernel { p, x, y, xs, dw } = self;
        let (n, d) = (x.nrows(), x.ncols());
        let zero = b.splat(0.0);
        let mut s = Sums::<B, K> {
            loss_linear: zero,
            loss_log: [0.0; LANES],
            normaliser_product: b.splat(1.0),
            correct: zero,
            saturated: zero,
            db1: [zero; K],
            db2: [zero; K],
        };
        let mut du = [[zero; K]; K];
        let mut chunk = Chunk::<B, K> {
            h: [[zero; K]; CHUNK],
            d2: [[zero; K]; CHUNK],
            d1: [[zero; K]; CHUNK],
        };
        for r0 in (0..n).step_by(CHUNK * LANES) {
            let rows = (n - r0).min(CHUNK * LANES);
            let groups = rows.div_ceil(LANES);
            for l in 0..d {
                let column = &crate::sweeps::col(x, l)[r0..r0 + rows];
                let dst = &mut xs[l * CHUNK..l * CHUNK + groups];
                let src = column.chunks_exact(LANES);
                let tail = src.remainder();
                for (v, src) in dst.iter_mut().zip(src) {
                    v.0.copy_from_slice(src);
                }
                if !tail.is_empty() {
                    dst[groups - 1] = V::load(tail, 0.0);
                }
            }
            for g in 0..groups {
                let valid = rows - g * LANES;
                // Past the last row the label is −1, no class.
                let labels = &y[r0 + g * LANES..r0 + g * LANES + valid.min(LANES)];
                let yv = b.load_lanes(V::load(labels, -1.0).0);
                if valid >= LANES {
                    s.group::<RELU, BACKWARD, true>(b, xs, g, p, yv, LANES, &mut chunk);
                } else {
                    s.group::<RELU, BACKWARD, false>(b, xs, g, p, yv, valid, &mut chunk);
                }
            }
            if groups == CHUNK {
                s.flush_log(b);
            }
            if BACKWARD {
                chunk.outer_u(b, &mut du, groups);
                chunk.outer_w(b, xs, dw, d, groups);
            }
        }
        s.flush_log(b);
        let lanes = |v: [B::V; K]| v.map(|v| b.to_lanes(v));
        let totals = Totals {
            loss_linear: b.to_lanes(s.loss_linear),
            loss_log: s.loss_log,
            correct: b.to_lanes(s.correct),
            saturated: b.to_lanes(s.saturated),
            db1: lanes(s.db1),
            db2: lanes(s.db2),
        };
        (totals, du.map(lanes))
    }
}

impl<B: Backend, const K: usize> Chunk<B, K> {
    /// `∂L/∂U += hᵀ δ2` over the chunk's `groups`, each lane's sums in row order; all
    /// `K²` sums in registers when `K ≤ 4`, else one row of `U` at a time.
    #[inline(always)]
    fn outer_u(&self, b: B, du: &mut [[B::V; K]; K], groups: usize) {
        if K <= 4 {
            self.outer_u_rows::<K>(b, du, 0, groups);
        } else {
            for j in 0..K {
                self.outer_u_rows::<1>(b, du, j, groups);
            }
        }
    }

    /// [`Chunk::outer_u`] for the rows `j0..j0 + T` of `U`.
    #[inline(always)]
    fn outer_u_rows<const T: usize>(
        &self,
        b: B,
        du: &mut [[B::V; K]; K],
        j0: usize,
        groups: usize,
    ) {
        let mut acc: [[B::V; K]; T] = std::array::from_fn(|t| du[j0 + t]);
        for g in 0..groups {
            for (t, row) in acc.iter_mut().enumerate() {
                let hj = self.h[g][j0 + t];
                for (a, &d2) in row.iter_mut().zip(&self.d2[g]) {
                    *a = b.add(*a, b.mul(hj, d2));
                }
            }
        }
        du[j0..j0 + T].copy_from_slice(&acc);
    }

    /// `∂L/∂W += xᵀ δ1` over the chunk's `groups` (`x` as in [`Workspace::x`]): four
    /// features at a time when `K ≤ 4` (16 sums in registers), else two, then one at a time.
    #[inline(always)]
    fn outer_w(&self, b: B, x: &[V], dw: &mut [V], d: usize, groups: usize) {
        let wide = if K <= 4 { 4 } else { 2 };
        let mut l0 = 0;
        while l0 + wide <= d {
            if wide == 4 {
                self.outer_w_tile::<4>(b, x, dw, l0, groups);
            } else {
                self.outer_w_tile::<2>(b, x, dw, l0, groups);
            }
            l0 += wide;
        }
        for l in l0..d {
            self.outer_w_tile::<1>(b, x, dw, l, groups);
        }
    }

    /// [`Chunk::outer_w`] for the features `l0..l0 + T`.
    #[inline(always)]
    fn outer_w_tile<const T: usize>(&self, b: B, x: &[V], dw: &mut [V], l0: usize, groups: usize) {
        let mut acc: [[B::V; K]; T] =
            std::array::from_fn(|t| std::array::from_fn(|j| b.load_lanes(dw[(l0 + t) * K + j].0)));
        for g in 0..groups {
            for (t, row) in acc.iter_mut().enumerate() {
                let xl = b.load_lanes(x[(l0 + t) * CHUNK + g].0);
                for (a, &d1) in row.iter_mut().zip(&self.d1[g]) {
                    *a = b.add(*a, b.mul(xl, d1));
                }
            }
        }
        for (t, row) in acc.iter().enumerate() {
            for (j, &a) in row.iter().enumerate() {
                dw[(l0 + t) * K + j] = V(b.to_lanes(a));
            }
        }
    }
}

impl<B: Backend, const K: usize> Sums<B, K> {
    /// Adds the logarithm of the normalisers gathered since the last flush.
    #[inline(always)]
    fn flush_log(&mut self, b: B) {
        let product = b.to_lanes(self.normaliser_product);
        for (acc, p) in self.loss_log.iter_mut().zip(product) {
            *acc += p.ln();
        }
        self.normaliser_product = b.splat(1.0);
    }

    /// Forward (and backward through `δ1`) of lane group `g` of the chunk `x`, whose first
    /// `rows` lanes are rows (all of them when `FULL`): the running sums here, `h`, `δ2`
    /// and `δ1` into `keep` for the outer products. Lanes past the last row add nothing.
    #[inline(always)]
    // Indices over units, as in the formulas: the loops unroll over `K`.
    #[allow(clippy::needless_range_loop, clippy::too_many_arguments)]
    fn group<const RELU: bool, const BACKWARD: bool, const FULL: bool>(
        &mut self,
        b: B,
        x: &[V],
        g: usize,
        p: &Params<'_, K>,
        y: B::V,
        rows: usize,
        keep: &mut Chunk<B, K>,
    ) {
        let valid: [bool; LANES] = std::array::from_fn(|i| FULL || i < rows);
        // The one definition of g and g′; `RELU` is a constant, so the match folds away.
        let act = if RELU {
            Activation::Relu
        } else {
            Activation::Sigmoid
        };
        let (zero, one) = (b.splat(0.0), b.splat(1.0));
        // z1 = x W + b1, h = g(z1)
        let mut h = [zero; K];
        for (l, wl) in p.w.chunks_exact(K).enumerate() {
            let xl = b.load_lanes(x[l * CHUNK + g].0);
            for j in 0..K {
                h[j] = b.add(h[j], b.mul(xl, b.splat(wl[j])));
            }
        }
        for j in 0..K {
            h[j] = b.map(b.add(h[j], b.splat(p.b1[j])), |v| act.apply(v));
        }
        // z2 = h U + b2
        let mut z2 = [zero; K];
        for j in 0..K {
            for c in 0..K {
                z2[c] = b.add(z2[c], b.mul(h[j], b.splat(p.u[j][c])));
            }
        }
        for c in 0..K {
            z2[c] = b.add(z2[c], b.splat(p.b2[c]));
        }
        // Softmax cross-entropy and the first argmax.
        let mut max = z2[0];
        let mut best = zero;
        let mut label_logit = zero;
        for c in 0..K {
            let class = b.splat(c as f64);
            best = b.gt_select(z2[c], max, class, best);
            max = b.gt_select(z2[c], max, z2[c], max);
            label_logit = b.eq_select(y, class, z2[c], label_logit);
        }
        let mut e = [zero; K];
        let mut sum = zero;
        for c in 0..K {
            e[c] = b.map(b.sub(z2[c], max), exp);
            sum = b.add(sum, e[c]);
        }
        // A padded lane adds 0, multiplies by 1, and its label −1 is never the argmax.
        let linear = b.sub(max, label_logit);
        let (linear, normaliser) = if FULL {
            (linear, sum)
        } else {
            (
                b.valid_or(linear, &valid, 0.0),
                b.valid_or(sum, &valid, 1.0),
            )
        };
        self.loss_linear = b.add(self.loss_linear, linear);
        self.normaliser_product = b.mul(self.normaliser_product, normaliser);
        self.correct = b.add(self.correct, b.eq_select(best, y, one, zero));
        if !BACKWARD {
            return;
        }
        // δ2 = (ŷ − onehot(y)) / n; ∂L/∂b2 += colsum δ2.
        let inv_sum = b.div(one, sum);
        let inv_n = b.splat(p.inv_n);
        let mut d2 = [zero; K];
        for c in 0..K {
            let onehot = b.eq_select(y, b.splat(c as f64), one, zero);
            d2[c] = b.mul(b.sub(b.mul(e[c], inv_sum), onehot), inv_n);
            if !FULL {
                d2[c] = b.valid_or(d2[c], &valid, 0.0);
            }
            self.db2[c] = b.add(self.db2[c], d2[c]);
        }
        // δ1 = (δ2 Uᵀ) ⊙ g′(z1); ∂L/∂b1 += colsum δ1.
        let mut d1 = [zero; K];
        for j in 0..K {
            for c in 0..K {
                d1[j] = b.add(d1[j], b.mul(d2[c], b.splat(p.u[j][c])));
            }
            let slope = b.map(h[j], |a| act.derivative_from_output(a));
            let mut flat = b.gt_select(b.splat(0.01), slope, one, zero);
            d1[j] = b.mul(d1[j], slope);
            if !FULL {
                flat = b.valid_or(flat, &valid, 0.0);
                d1[j] = b.valid_or(d1[j], &valid, 0.0);
            }
            self.saturated = b.add(self.saturated, flat);
            self.db1[j] = b.add(self.db1[j], d1[j]);
        }
        keep.h[g] = h;
        keep.d2[g] = d2;
        keep.d1[g] = d1;
    }
}

#[cfg(test)]
mod tests {
    use faer::Mat;

    use super::{LANES, PassStats, TwoLayer, TwoLayerGrads, Workspace};
    use crate::Activation;
    use crate::math::exp;

    /// Deterministic values in `[-scale, scale)` (a 64-bit LCG; no RNG crate needed).
    fn values(seed: u64, scale: f64) -> impl FnMut() -> f64 {
        let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * scale
        }
    }

    struct Case {
        w: Mat<f64>,
        u: Mat<f64>,
        b1: Vec<f64>,
        b2: Vec<f64>,
        x: Mat<f64>,
        y: Vec<f64>,
        activation: Activation,
    }

    impl Case {
        fn new(n: usize, d: usize, k: usize, activation: Activation, seed: u64) -> Case {
            let mut r = values(seed, 2.0);
            Case {
                w: Mat::from_fn(d, k, |_, _| r()),
                u: Mat::from_fn(k, k, |_, _| r()),
                b1: (0..k).map(|_| r()).collect(),
                b2: (0..k).map(|_| r()).collect(),
                x: Mat::from_fn(n, d, |_, _| r()),
                y: (0..n)
                    .map(|_| ((r() + 2.0) * k as f64 / 4.0).floor().min(k as f64 - 1.0))
                    .collect(),
                activation,
            }
        }

        fn net(&self) -> TwoLayer<'_> {
            TwoLayer {
                w: self.w.as_ref(),
                b1: &self.b1,
                u: self.u.as_ref(),
                b2: &self.b2,
                activation: self.activation,
            }
        }

        fn pass(&self, portable: bool, backward: bool) -> (PassStats, TwoLayerGrads) {
            let mut ws = Workspace {
                portable,
                ..Workspace::new()
            };
            let stats = ws.pass(&self.net(), self.x.as_ref(), &self.y, backward);
            (stats, ws.grads().clone())
        }

        /// The pass row by row in scalar code, each lane's sums in row order (row `r` in
        /// lane `r % 8`), the lanes added in lane order, one `ln` per 256 rows: the order
        /// the kernel promises, independent of how it splits its work.
        fn reference(&self) -> (PassStats, TwoLayerGrads) {
            let (n, d, k) = (self.x.nrows(), self.w.nrows(), self.w.ncols());
            let act = self.activation;
            let inv_n = 1.0 / n as f64;
            let mut lin = [0.0; LANES];
            let mut log = [0.0; LANES];
            let mut prod = [1.0; LANES];
            let (mut correct, mut saturated) = ([0.0; LANES], [0.0; LANES]);
            let mut dw = vec![[0.0; LANES]; d * k];
            let mut du = vec![[0.0; LANES]; k * k];
            let (mut db1, mut db2) = (vec![[0.0; LANES]; k], vec![[0.0; LANES]; k]);
            for r in 0..n {
                let i = r % LANES;
                let h: Vec<f64> = (0..k)
                    .map(|j| {
                        let z = (0..d).fold(0.0, |a, l| a + self.x[(r, l)] * self.w[(l, j)]);
                        act.apply(z + self.b1[j])
                    })
                    .collect();
                let z2: Vec<f64> = (0..k)
                    .map(|c| (0..k).fold(0.0, |a, j| a + h[j] * self.u[(j, c)]) + self.b2[c])
                    .collect();
                let (mut max, mut best) = (z2[0], 0);
                for (c, &z) in z2.iter().enumerate() {
                    if z > max {
                        (max, best) = (z, c);
                    }
                }
                let label = self.y[r] as usize;
                let e: Vec<f64> = z2.iter().map(|z| exp(z - max)).collect();
                let sum = e.iter().fold(0.0, |a, e| a + e);
                lin[i] += max - z2[label];
                prod[i] *= sum;
                correct[i] += (best == label) as u8 as f64;
                let d2: Vec<f64> = (0..k)
                    .map(|c| (e[c] * (1.0 / sum) - (c == label) as u8 as f64) * inv_n)
                    .collect();
                for j in 0..k {
                    let slope = act.derivative_from_output(h[j]);
                    saturated[i] += (slope < 0.01) as u8 as f64;
                    let d1 = (0..k).fold(0.0, |a, c| a + d2[c] * self.u[(j, c)]) * slope;
                    db1[j][i] += d1;
                    db2[j][i] += d2[j];
                    for c in 0..k {
                        du[j * k + c][i] += h[j] * d2[c];
                    }
                    for l in 0..d {
                        dw[l * k + j][i] += self.x[(r, l)] * d1;
                    }
                }
                if (r + 1) % (32 * LANES) == 0 {
                    for i in 0..LANES {
                        log[i] += prod[i].ln();
                        prod[i] = 1.0;
                    }
                }
            }
            for i in 0..LANES {
                log[i] += prod[i].ln();
            }
            let sum = |v: &[f64; LANES]| v.iter().sum::<f64>();
            let stats = PassStats {
                loss: (sum(&lin) + sum(&log)) * inv_n,
                correct: sum(&correct) as usize,
                saturated: sum(&saturated) as usize,
            };
            let grads = TwoLayerGrads {
                w: Mat::from_fn(d, k, |l, j| sum(&dw[l * k + j])),
                u: Mat::from_fn(k, k, |j, c| sum(&du[j * k + c])),
                b1: db1.iter().map(sum).collect(),
                b2: db2.iter().map(sum).collect(),
            };
            (stats, grads)
        }
    }

    fn bits(g: &TwoLayerGrads) -> Vec<u64> {
        let m = |m: &Mat<f64>| {
            (0..m.ncols())
                .flat_map(|j| (0..m.nrows()).map(move |i| (i, j)))
                .map(|ij| m[ij].to_bits())
                .collect::<Vec<_>>()
        };
        let mut out = m(&g.w);
        out.extend(m(&g.u));
        out.extend(g.b1.iter().chain(&g.b2).map(|v| v.to_bits()));
        out
    }

    /// Every backend gives the bits of the scalar row-by-row reference, for row counts
    /// with and without a partial lane group and a partial chunk, every width class of the
    /// outer products, both activations; a forward-only pass measures the same loss and
    /// accuracy.
    #[test]
    fn every_backend_equals_the_row_by_row_reference_bit_for_bit() {
        let mut seed = 0;
        for (n, d, k) in [
            (1, 3, 2),
            (7, 10, 4),
            (8, 10, 4),
            (256, 5, 1),
            (600, 10, 4),
            (517, 9, 3),
            (263, 7, 6),
            (300, 3, 8),
        ] {
            for activation in [Activation::Relu, Activation::Sigmoid] {
                seed += 1;
                let case = Case::new(n, d, k, activation, seed);
                let (want, want_grads) = case.reference();
                for portable in [false, true] {
                    let (got, grads) = case.pass(portable, true);
                    let label = format!("n {n} d {d} k {k} {activation:?} portable {portable}");
                    assert_eq!(got.loss.to_bits(), want.loss.to_bits(), "{label}");
                    assert_eq!(got, want, "{label}");
                    assert_eq!(bits(&grads), bits(&want_grads), "{label}");
                    let (forward, _) = case.pass(portable, false);
                    assert_eq!(
                        (forward.loss.to_bits(), forward.correct),
                        (want.loss.to_bits(), want.correct),
                        "{label}"
                    );
                }
                if activation == Activation::Sigmoid && k >= 4 {
                    assert!(want.saturated > 0, "the cases reach the saturation count");
                }
            }
        }
    }
}
