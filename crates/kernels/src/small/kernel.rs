//! The fused pass itself: chunk by chunk of 256 rows, the forward and `δ2`, `δ1` of every
//! lane group with the running sums in registers, then the `∂L/∂U` and `∂L/∂W` outer
//! products over the chunk; compiled per width `K`, activation and direction, and
//! dispatched to the AVX-512 or the portable backend.

use faer::MatRef;

use super::lanes::{Backend, Lane, Portable, V, lane_sum};
use super::net::{GROUPS_PER_LOG, PassStats, SATURATED_SLOPE, TwoLayer, TwoLayerGrads};
use crate::activation::Activation;
use crate::real::Real;

/// Lane groups per chunk: 256 rows in `f64`, 512 in `f32`, whose inputs (`d` vectors a
/// group) and `h`, `δ2`, `δ1` (`3k` vectors a group) stay in L1 between the forward and the
/// outer products. It is also the span of one `ln` ([`GROUPS_PER_LOG`]).
const CHUNK: usize = GROUPS_PER_LOG;

/// The scalars the fused pass is compiled for, each with its lane count `L` (one AVX-512
/// register): `f64` in 8 lanes (the reference), `f32` in 16.
pub(super) trait Form<const L: usize>: Lane {
    /// This scalar's AVX-512 backend, where the CPU has it.
    #[cfg(target_arch = "x86_64")]
    fn avx512() -> Option<impl Backend<L, S = Self> + pulp::Simd>;
}

impl Form<8> for f64 {
    #[cfg(target_arch = "x86_64")]
    fn avx512() -> Option<impl Backend<8, S = f64> + pulp::Simd> {
        pulp::x86::V4::try_new()
    }
}

impl Form<16> for f32 {
    #[cfg(target_arch = "x86_64")]
    fn avx512() -> Option<impl Backend<16, S = f32> + pulp::Simd> {
        pulp::x86::V4::try_new()
    }
}

/// Which compiled form of the pass runs: the CPU's best, or one chosen by the tests that
/// every form gives the same bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Path {
    /// AVX-512 vectors where the CPU has them, else lane arrays compiled for AVX2 and FMA
    /// where it has those, else lane arrays in the baseline instruction set.
    #[default]
    Best,
    /// Lane arrays compiled for AVX2 and FMA, the path of CPUs without AVX-512 (the
    /// baseline form where the CPU lacks AVX2).
    Avx2,
    /// Lane arrays in the baseline instruction set, no dispatch (`mul_add` is then a
    /// library call).
    Baseline,
}

/// The fused pass's buffers, reused from pass to pass (sized on first use).
#[derive(Clone, Debug)]
pub(super) struct Buffers<S, const L: usize> {
    /// `W` row-major (`l · k + j`), read as broadcast scalars.
    w: Vec<S>,
    /// The last chunk's inputs when it is not full: `CHUNK · L` rows per feature
    /// (`l · CHUNK · L + r`), zero-padded past the last row. Full chunks are read in place.
    x: Vec<S>,
    /// Per-lane partial sums of `∂L/∂W`, `l · k + j`.
    dw: Vec<V<S, L>>,
}

impl<S, const L: usize> Default for Buffers<S, L> {
    fn default() -> Self {
        Buffers {
            w: Vec::new(),
            x: Vec::new(),
            dw: Vec::new(),
        }
    }
}

impl<S: Form<L>, const L: usize> Buffers<S, L> {
    /// The fused pass of `net` (`1 ≤ k ≤ MAX_WIDTH`, shapes checked by the caller) over
    /// `x`, `y`; with `backward`, the gradients into `grads` (already `d × k`), on `path`.
    /// The weights are rounded to `S` (exact for `f64`).
    pub(super) fn pass(
        &mut self,
        net: &TwoLayer<'_>,
        x: MatRef<'_, S>,
        y: &[S],
        backward: bool,
        grads: &mut TwoLayerGrads,
        path: Path,
    ) -> PassStats {
        let (d, k) = net.w.shape();
        self.w.clear();
        self.w
            .extend((0..d).flat_map(|l| (0..k).map(move |j| S::of(net.w[(l, j)]))));
        self.x.resize(d * CHUNK * L, S::ZERO);
        self.dw.clear();
        self.dw.resize(if backward { d * k } else { 0 }, V::ZERO);
        macro_rules! dispatch {
            ($($k:literal)*) => {
                match (k, net.activation, backward) {
                    $(
                        ($k, Activation::Relu, false) => self.run::<$k, true, false>(net, x, y, grads, path),
                        ($k, Activation::Relu, true) => self.run::<$k, true, true>(net, x, y, grads, path),
                        ($k, Activation::Sigmoid, false) => self.run::<$k, false, false>(net, x, y, grads, path),
                        ($k, Activation::Sigmoid, true) => self.run::<$k, false, true>(net, x, y, grads, path),
                    )*
                    _ => unreachable!("the caller runs the fused pass for 1..=MAX_WIDTH units"),
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
        x: MatRef<'_, S>,
        y: &[S],
        g: &mut TwoLayerGrads,
        path: Path,
    ) -> PassStats {
        let (n, d) = (x.nrows(), x.ncols());
        let b1: [S; K] = std::array::from_fn(|j| S::of(net.b1[j]));
        let b2: [S; K] = std::array::from_fn(|c| S::of(net.b2[c]));
        let u: [[S; K]; K] = std::array::from_fn(|j| std::array::from_fn(|c| S::of(net.u[(j, c)])));
        let inv_n = 1.0 / n.max(1) as f64;
        let p = Params {
            w: &self.w,
            b1,
            u,
            b2,
            inv_n: S::of(inv_n),
        };
        let (xs, dw) = (&mut self.x, &mut self.dw);
        let kernel = Kernel::<'_, '_, S, L, K, RELU, BACKWARD> {
            p: &p,
            x,
            y,
            xs,
            dw,
        };
        let (sums, du) = dispatch(kernel, path);
        if BACKWARD {
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
            loss: (lane_sum(&sums.loss_linear) + lane_sum(&sums.loss_log)) * inv_n,
            correct: lane_sum(&sums.correct) as usize,
            saturated: lane_sum(&sums.saturated) as usize,
        }
    }
}

/// A chunk's inputs: the rows from `start` of each feature's column.
struct ChunkX<'c, S> {
    cols: &'c [&'c [S]],
    start: usize,
}

impl<S> Clone for ChunkX<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for ChunkX<'_, S> {}

impl<S: Lane> ChunkX<'_, S> {
    /// Lane group `g` of feature `l`: the chunk's rows `g · L..(g + 1) · L`.
    #[inline(always)]
    fn group<const L: usize>(self, l: usize, g: usize) -> [S; L] {
        let at = self.start + g * L;
        self.cols[l][at..at + L]
            .try_into()
            .expect("a whole lane group")
    }
}

/// The one definition of `g` and `g′` for a compiled form; `RELU` is a constant, so the
/// choice folds away.
#[inline(always)]
fn activation<const RELU: bool>() -> Activation {
    if RELU {
        Activation::Relu
    } else {
        Activation::Sigmoid
    }
}

/// The network's parameters as the lane loops read them.
struct Params<'a, S, const K: usize> {
    /// `W` row-major.
    w: &'a [S],
    b1: [S; K],
    u: [[S; K]; K],
    b2: [S; K],
    /// `1 / n`.
    inv_n: S,
}

/// Adapts a kernel run on backend `B` to pulp's dispatch (which compiles it with the
/// backend's instructions enabled).
struct With<'k, 'a, S, const L: usize, const K: usize, const RELU: bool, const BACKWARD: bool, B> {
    kernel: Kernel<'k, 'a, S, L, K, RELU, BACKWARD>,
    backend: B,
}

impl<
    S: Lane,
    const L: usize,
    const K: usize,
    const RELU: bool,
    const BACKWARD: bool,
    B: Backend<L, S = S>,
> pulp::WithSimd for With<'_, '_, S, L, K, RELU, BACKWARD, B>
{
    type Output = (Totals<S, L, K>, [[[S; L]; K]; K]);
    #[inline(always)]
    fn with_simd<Simd: pulp::Simd>(self, _simd: Simd) -> Self::Output {
        self.kernel.run(self.backend)
    }
}

/// Runs `kernel` on `path`: by default on AVX-512 where the CPU has it, else on lane
/// arrays with the widest vectors it has.
fn dispatch<S: Form<L>, const L: usize, const K: usize, const RELU: bool, const BACKWARD: bool>(
    kernel: Kernel<'_, '_, S, L, K, RELU, BACKWARD>,
    path: Path,
) -> (Totals<S, L, K>, [[[S; L]; K]; K]) {
    // Three compiled forms per (K, activation, direction), no more: pulp's `Arch::dispatch`
    // would compile the kernel once for every level it knows, and those copies made this
    // crate the slowest to build in the workspace (132 s against 40 s alone, 2 cores).
    #[cfg(target_arch = "x86_64")]
    {
        if path == Path::Best
            && let Some(simd) = S::avx512()
        {
            return pulp::Simd::vectorize(
                simd,
                With {
                    kernel,
                    backend: simd,
                },
            );
        }
        if matches!(path, Path::Best | Path::Avx2)
            && let Some(simd) = pulp::x86::V3::try_new()
        {
            return pulp::Simd::vectorize(
                simd,
                With {
                    kernel,
                    backend: Portable::NEW,
                },
            );
        }
        kernel.run(Portable::NEW)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        if path == Path::Baseline {
            return kernel.run(Portable::NEW);
        }
        pulp::Arch::new().dispatch(With {
            kernel,
            backend: Portable::NEW,
        })
    }
}

/// A pass's inputs and buffers, run by [`dispatch`].
struct Kernel<'k, 'a, S, const L: usize, const K: usize, const RELU: bool, const BACKWARD: bool> {
    p: &'k Params<'a, S, K>,
    x: MatRef<'k, S>,
    y: &'k [S],
    /// [`Buffers::x`].
    xs: &'k mut [S],
    /// [`Buffers::dw`].
    dw: &'k mut [V<S, L>],
}

/// The per-lane totals of a pass (but `∂L/∂U` and `∂L/∂W`).
struct Totals<S, const L: usize, const K: usize> {
    loss_linear: [S; L],
    loss_log: [S; L],
    correct: [S; L],
    saturated: [S; L],
    db1: [[S; L]; K],
    db2: [[S; L]; K],
}

/// The per-lane running sums of a pass, as backend vectors.
struct Sums<B: Backend<L>, const L: usize, const K: usize> {
    /// `Σ (max_c z2 − z2_y)`: the cross-entropy less `ln Σ exp(z2 − max)`.
    loss_linear: B::V,
    /// `Σ ln Σ exp(z2 − max)`, flushed from `normaliser_product`.
    loss_log: [B::S; L],
    /// Product of the normalisers since the last flush.
    normaliser_product: B::V,
    correct: B::V,
    saturated: B::V,
    db1: [B::V; K],
    db2: [B::V; K],
}

/// What the forward of a chunk keeps for its outer products: `h`, `δ2` and `δ1` of each
/// lane group.
struct Chunk<B: Backend<L>, const L: usize, const K: usize> {
    h: [[B::V; K]; CHUNK],
    d2: [[B::V; K]; CHUNK],
    d1: [[B::V; K]; CHUNK],
}

impl<S: Lane, const L: usize, const K: usize, const RELU: bool, const BACKWARD: bool>
    Kernel<'_, '_, S, L, K, RELU, BACKWARD>
{
    /// The pass on backend `b`: chunk by chunk, the forward of every lane group (keeping
    /// `h`, `δ2`, `δ1`), then the `∂L/∂U` and `∂L/∂W` outer products over the chunk.
    #[inline(always)]
    fn run<B: Backend<L, S = S>>(self, b: B) -> (Totals<S, L, K>, [[[S; L]; K]; K]) {
        let Kernel { p, x, y, xs, dw } = self;
        let (n, d) = (x.nrows(), x.ncols());
        let zero = b.splat(S::ZERO);
        let mut s = Sums::<B, L, K> {
            loss_linear: zero,
            loss_log: [S::ZERO; L],
            normaliser_product: b.splat(S::ONE),
            correct: zero,
            saturated: zero,
            db1: [zero; K],
            db2: [zero; K],
        };
        let mut du = [[zero; K]; K];
        let mut chunk = Chunk::<B, L, K> {
            h: [[zero; K]; CHUNK],
            d2: [[zero; K]; CHUNK],
            d1: [[zero; K]; CHUNK],
        };
        let columns: Vec<&[S]> = (0..d).map(|l| crate::sweeps::col(x, l)).collect();
        for r0 in (0..n).step_by(CHUNK * L) {
            let rows = (n - r0).min(CHUNK * L);
            let groups = rows.div_ceil(L);
            // The chunk's rows of each feature: in place when the chunk is full (a copy
            // was a fifth of the pass, the design streaming from memory with nothing to
            // overlap it), else a zero-padded copy.
            let tail: Vec<&[S]>;
            let cols = if rows == CHUNK * L {
                ChunkX {
                    cols: &columns,
                    start: r0,
                }
            } else {
                for (l, column) in columns.iter().enumerate() {
                    let dst = &mut xs[l * CHUNK * L..(l + 1) * CHUNK * L];
                    dst[..rows].copy_from_slice(&column[r0..r0 + rows]);
                    dst[rows..].fill(S::ZERO);
                }
                tail = xs.chunks_exact(CHUNK * L).collect();
                ChunkX {
                    cols: &tail,
                    start: 0,
                }
            };
            let full = rows / L;
            let mut g = 0;
            let none = S::ZERO - S::ONE;
            // Two full groups an iteration, so that their two long chains of dependent
            // operations (the forward, the `exp`, the division, the backward) can overlap.
            while g + 2 <= full {
                let at = r0 + g * L;
                let y0 = b.load_lanes(V::<S, L>::load(&y[at..at + L], none).0);
                let y1 = b.load_lanes(V::<S, L>::load(&y[at + L..at + 2 * L], none).0);
                s.group::<RELU, BACKWARD, true>(b, cols, g, p, y0, L, &mut chunk);
                s.group::<RELU, BACKWARD, true>(b, cols, g + 1, p, y1, L, &mut chunk);
                g += 2;
            }
            for g in g..groups {
                let valid = rows - g * L;
                // Past the last row the label is −1, no class.
                let labels = &y[r0 + g * L..r0 + g * L + valid.min(L)];
                let yv = b.load_lanes(V::<S, L>::load(labels, none).0);
                if valid >= L {
                    s.group::<RELU, BACKWARD, true>(b, cols, g, p, yv, L, &mut chunk);
                } else {
                    s.group::<RELU, BACKWARD, false>(b, cols, g, p, yv, valid, &mut chunk);
                }
            }
            if groups == CHUNK {
                s.flush_log(b);
            }
            if BACKWARD {
                for g in 0..groups {
                    let valid = rows - g * L;
                    if valid >= L {
                        s.gate_group::<RELU, true>(b, g, p, L, &mut chunk);
                    } else {
                        s.gate_group::<RELU, false>(b, g, p, valid, &mut chunk);
                    }
                }
                chunk.outer_u(b, &mut du, groups);
                chunk.outer_w(b, cols, dw, d, groups);
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

impl<B: Backend<L>, const L: usize, const K: usize> Chunk<B, L, K> {
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
                    *a = b.mul_add(hj, d2, *a);
                }
            }
        }
        du[j0..j0 + T].copy_from_slice(&acc);
    }

    /// `∂L/∂W += xᵀ δ1` over the chunk's `groups` ([`ChunkX`]): four
    /// features at a time when `K ≤ 4` (16 sums in registers), else two, then one at a time.
    #[inline(always)]
    fn outer_w(&self, b: B, x: ChunkX<'_, B::S>, dw: &mut [V<B::S, L>], d: usize, groups: usize) {
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
    fn outer_w_tile<const T: usize>(
        &self,
        b: B,
        x: ChunkX<'_, B::S>,
        dw: &mut [V<B::S, L>],
        l0: usize,
        groups: usize,
    ) {
        let mut acc: [[B::V; K]; T] =
            std::array::from_fn(|t| std::array::from_fn(|j| b.load_lanes(dw[(l0 + t) * K + j].0)));
        for g in 0..groups {
            for (t, row) in acc.iter_mut().enumerate() {
                let xl = b.load_lanes(x.group(l0 + t, g));
                for (a, &d1) in row.iter_mut().zip(&self.d1[g]) {
                    *a = b.mul_add(xl, d1, *a);
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

impl<B: Backend<L>, const L: usize, const K: usize> Sums<B, L, K> {
    /// Adds the logarithm of the normalisers gathered since the last flush.
    #[inline(always)]
    fn flush_log(&mut self, b: B) {
        let product = b.to_lanes(self.normaliser_product);
        for (acc, p) in self.loss_log.iter_mut().zip(product) {
            *acc += Real::ln(p);
        }
        self.normaliser_product = b.splat(B::S::ONE);
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
        x: ChunkX<'_, B::S>,
        g: usize,
        p: &Params<'_, B::S, K>,
        y: B::V,
        rows: usize,
        keep: &mut Chunk<B, L, K>,
    ) {
        let valid: [bool; L] = std::array::from_fn(|i| FULL || i < rows);
        let act = activation::<RELU>();
        let (zero, one) = (b.splat(B::S::ZERO), b.splat(B::S::ONE));
        // z1 = b1 + x W, h = g(z1)
        let mut h: [B::V; K] = std::array::from_fn(|j| b.splat(p.b1[j]));
        for (l, wl) in p.w.chunks_exact(K).enumerate() {
            let xl = b.load_lanes(x.group(l, g));
            for j in 0..K {
                h[j] = b.mul_add(xl, b.splat(wl[j]), h[j]);
            }
        }
        for j in 0..K {
            h[j] = b.map(h[j], |v| act.apply(v));
        }
        // z2 = b2 + h U
        let mut z2: [B::V; K] = std::array::from_fn(|c| b.splat(p.b2[c]));
        for j in 0..K {
            for c in 0..K {
                z2[c] = b.mul_add(h[j], b.splat(p.u[j][c]), z2[c]);
            }
        }
        // Softmax cross-entropy and the first argmax.
        let mut max = z2[0];
        let mut best = zero;
        let mut label_logit = zero;
        for c in 0..K {
            let class = b.splat(B::S::of(c as f64));
            best = b.gt_select(z2[c], max, class, best);
            max = b.gt_select(z2[c], max, z2[c], max);
            label_logit = b.eq_select(y, class, z2[c], label_logit);
        }
        let mut e = [zero; K];
        let mut sum = zero;
        for c in 0..K {
            e[c] = b.map(b.sub(z2[c], max), Lane::exp_nonpositive);
            sum = b.add(sum, e[c]);
        }
        // A padded lane adds 0, multiplies by 1, and its label −1 is never the argmax.
        let linear = b.sub(max, label_logit);
        let (linear, normaliser) = if FULL {
            (linear, sum)
        } else {
            (
                b.valid_or(linear, &valid, B::S::ZERO),
                b.valid_or(sum, &valid, B::S::ONE),
            )
        };
        self.loss_linear = b.add(self.loss_linear, linear);
        self.normaliser_product = b.mul(self.normaliser_product, normaliser);
        self.correct = b.add(self.correct, b.eq_select(best, y, one, zero));
        if !BACKWARD {
            return;
        }
        // δ2 = ŷ/n − onehot(y)/n = e · (1/n)/Σe − onehot(y)/n; ∂L/∂b2 += colsum δ2.
        let scale = b.div(b.splat(p.inv_n), sum);
        let minus_inv_n = b.splat(B::S::ZERO - p.inv_n);
        let mut d2 = [zero; K];
        for c in 0..K {
            let onehot = b.eq_select(y, b.splat(B::S::of(c as f64)), minus_inv_n, zero);
            d2[c] = b.mul_add(e[c], scale, onehot);
            if !FULL {
                d2[c] = b.valid_or(d2[c], &valid, B::S::ZERO);
            }
            self.db2[c] = b.add(self.db2[c], d2[c]);
        }
        keep.h[g] = h;
        keep.d2[g] = d2;
    }

    /// The backward of lane group `g` through the hidden layer, after [`Sums::group`] kept
    /// its `h` and `δ2`: `δ1` into `keep`, the saturation count and `∂L/∂b1` here. A
    /// second sweep over the chunk, so that the forward's loop holds fewer live vectors.
    #[inline(always)]
    #[allow(clippy::needless_range_loop)]
    fn gate_group<const RELU: bool, const FULL: bool>(
        &mut self,
        b: B,
        g: usize,
        p: &Params<'_, B::S, K>,
        rows: usize,
        keep: &mut Chunk<B, L, K>,
    ) {
        let valid: [bool; L] = std::array::from_fn(|i| FULL || i < rows);
        let act = activation::<RELU>();
        let (zero, one) = (b.splat(B::S::ZERO), b.splat(B::S::ONE));
        let (h, d2) = (keep.h[g], keep.d2[g]);
        // δ1 = (δ2 Uᵀ) ⊙ g′(z1); ∂L/∂b1 += colsum δ1.
        let mut d1 = [zero; K];
        for j in 0..K {
            d1[j] = b.mul(d2[0], b.splat(p.u[j][0]));
            for c in 1..K {
                d1[j] = b.mul_add(d2[c], b.splat(p.u[j][c]), d1[j]);
            }
            let slope = b.map(h[j], |a| act.derivative_from_output(a));
            let mut flat = b.gt_select(b.splat(B::S::of(SATURATED_SLOPE)), slope, one, zero);
            d1[j] = b.mul(d1[j], slope);
            if !FULL {
                flat = b.valid_or(flat, &valid, B::S::ZERO);
                d1[j] = b.valid_or(d1[j], &valid, B::S::ZERO);
            }
            self.saturated = b.add(self.saturated, flat);
            self.db1[j] = b.add(self.db1[j], d1[j]);
        }
        keep.d1[g] = d1;
    }
}
