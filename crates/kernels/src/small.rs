//! One fused, allocation-free pass over every row of a small two-layer softmax network,
//! `ŷ = softmax(g(x W + b1) U + b2)` with `k ≤ MAX_WIDTH` hidden units and `k` classes
//! (Question 2's network): forward, cross-entropy, accuracy and, when asked, the whole
//! backward pass, with the rows in SIMD lanes.
//!
//! Why not faer products: at `k = 4` the products are `n × 10 · 10 × 4` and thinner; a
//! whole-matrix pass writes and rereads several `n × k` intermediates and allocates them
//! every step. Here the design matrix is column-major, so [`LANES`] consecutive rows of a
//! column are one vector load; the weights are broadcast scalars, and every intermediate of
//! a lane group (`z1`, `h`, `z2`, `ŷ`, `δ2`, `δ1`) lives in registers. The kernel is
//! compiled once per width `k` (a const generic, so the loops over units unroll) and runs
//! under [`vectorize`] (AVX-512 where the CPU has it, else AVX2).
//!
//! Determinism: each lane keeps its own partial sums over the row groups in row order, and
//! the lanes are added in lane order at the end. A lane group is always [`LANES`] rows
//! (one `zmm`, or two `ymm` on AVX2), every operation is lane-wise IEEE arithmetic (no
//! `mul_add`), so the bits depend on the data and the weights only — not on the CPU's
//! vector width, nor on who calls.

use faer::{Mat, MatRef};

use crate::activation::Activation;
use crate::math::exp;
use crate::simd::vectorize;

/// Rows per lane group: eight `f64`, one AVX-512 register.
pub const LANES: usize = 8;

/// The widest network the fused pass is compiled for (hidden units = classes).
pub const MAX_WIDTH: usize = 8;

/// Row groups whose softmax normalisers are multiplied before one `ln` (the normaliser of a
/// row lies in `[1, k]`, so a product of 32 stays below `8³² ≈ 10²⁹`): the logarithm is a
/// scalar library call, and one per row cost as much as the rest of the forward pass.
const GROUPS_PER_LOG: usize = 32;

type Lanes = [f64; LANES];

const ZERO: Lanes = [0.0; LANES];

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
    /// The lane group's inputs, one vector per feature (zero-padded past the last row).
    x: Vec<Lanes>,
    /// Per-lane partial sums of `∂L/∂W`, `l · k + j`.
    dw: Vec<Lanes>,
    /// The gradients of the last backward pass.
    grads: TwoLayerGrads,
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
        self.x.resize(d, ZERO);
        self.dw.clear();
        self.dw.resize(if backward { d * k } else { 0 }, ZERO);
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

    /// The pass for `K` units, ReLU or sigmoid, with or without the backward.
    fn run<const K: usize, const RELU: bool, const BACKWARD: bool>(
        &mut self,
        net: &TwoLayer<'_>,
        x: MatRef<'_, f64>,
        y: &[f64],
    ) -> PassStats {
        let n = x.nrows();
        let b1: [f64; K] = std::array::from_fn(|j| net.b1[j]);
        let b2: [f64; K] = std::array::from_fn(|c| net.b2[c]);
        let u: [[f64; K]; K] = std::array::from_fn(|j| std::array::from_fn(|c| net.u[(j, c)]));
        let inv_n = 1.0 / n.max(1) as f64;
        let Workspace { w, x: xs, dw, .. } = self;
        let sums = vectorize(
            #[inline(always)]
            || {
                let mut s = Sums::<K>::new();
                for (group, r0) in (0..n).step_by(LANES).enumerate() {
                    let rows = LANES.min(n - r0);
                    for (l, xl) in xs.iter_mut().enumerate() {
                        *xl = lanes(&crate::sweeps::col(x, l)[r0..r0 + rows], 0.0);
                    }
                    // Past the last row the label is −1, no class.
                    let yl = lanes(&y[r0..r0 + rows], -1.0);
                    let valid: [bool; LANES] = std::array::from_fn(|i| i < rows);
                    s.group::<RELU, BACKWARD>(xs, w, dw, &b1, &u, &b2, &yl, &valid, inv_n);
                    if (group + 1) % GROUPS_PER_LOG == 0 {
                        s.flush_log();
                    }
                }
                s.flush_log();
                s
            },
        );
        if BACKWARD {
            let g = &mut self.grads;
            for l in 0..x.ncols() {
                for j in 0..K {
                    g.w[(l, j)] = lane_sum(&self.dw[l * K + j]);
                }
            }
            for j in 0..K {
                g.b1[j] = lane_sum(&sums.db1[j]);
                g.b2[j] = lane_sum(&sums.db2[j]);
                for c in 0..K {
                    g.u[(j, c)] = lane_sum(&sums.du[j][c]);
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

/// Whether the fused pass is compiled for `k` hidden units (and classes).
pub fn supports(k: usize) -> bool {
    (1..=MAX_WIDTH).contains(&k)
}

/// Up to [`LANES`] values as one lane vector, padded with `fill`; a full group is one
/// fixed-size copy (a copy of variable length would be a `memcpy` call per column).
#[inline(always)]
fn lanes(v: &[f64], fill: f64) -> Lanes {
    match v.try_into() {
        Ok(full) => full,
        Err(_) => std::array::from_fn(|i| v.get(i).copied().unwrap_or(fill)),
    }
}

/// The lanes of `v` added in lane order.
fn lane_sum(v: &Lanes) -> f64 {
    v.iter().sum()
}

/// The per-lane running sums of one pass (all but `∂L/∂W`, which lives in the workspace).
struct Sums<const K: usize> {
    /// `Σ (max_c z2 − z2_y)`: the cross-entropy less `ln Σ exp(z2 − max)`.
    loss_linear: Lanes,
    /// `Σ ln Σ exp(z2 − max)`, flushed from `normaliser_product`.
    loss_log: Lanes,
    /// Product of the normalisers since the last flush.
    normaliser_product: Lanes,
    correct: Lanes,
    saturated: Lanes,
    du: [[Lanes; K]; K],
    db1: [Lanes; K],
    db2: [Lanes; K],
}

impl<const K: usize> Sums<K> {
    fn new() -> Self {
        Sums {
            loss_linear: ZERO,
            loss_log: ZERO,
            normaliser_product: [1.0; LANES],
            correct: ZERO,
            saturated: ZERO,
            du: [[ZERO; K]; K],
            db1: [ZERO; K],
            db2: [ZERO; K],
        }
    }

    /// Adds the logarithm of the normalisers gathered since the last flush.
    #[inline(always)]
    fn flush_log(&mut self) {
        for (acc, p) in self.loss_log.iter_mut().zip(&mut self.normaliser_product) {
            *acc += p.ln();
            *p = 1.0;
        }
    }

    /// Forward (and backward) of one lane group; lanes past the last row are `valid = false`
    /// and add nothing.
    #[inline(always)]
    // Indices over units and lanes, as in the formulas: the loops unroll over `K` and
    // vectorise over the lanes.
    #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
    fn group<const RELU: bool, const BACKWARD: bool>(
        &mut self,
        x: &[Lanes],
        w: &[f64],
        dw: &mut [Lanes],
        b1: &[f64; K],
        u: &[[f64; K]; K],
        b2: &[f64; K],
        y: &Lanes,
        valid: &[bool; LANES],
        inv_n: f64,
    ) {
        // The one definition of g and g′; `RELU` is a constant, so the match folds away.
        let act = if RELU {
            Activation::Relu
        } else {
            Activation::Sigmoid
        };
        // z1 = x W + b1, h = g(z1)
        let mut h = [ZERO; K];
        for (l, xl) in x.iter().enumerate() {
            let wl = &w[l * K..l * K + K];
            for j in 0..K {
                for i in 0..LANES {
                    h[j][i] += xl[i] * wl[j];
                }
            }
        }
        for j in 0..K {
            for v in &mut h[j] {
                *v = act.apply(*v + b1[j]);
            }
        }
        // z2 = h U + b2
        let mut z2 = [ZERO; K];
        for j in 0..K {
            for c in 0..K {
                for i in 0..LANES {
                    z2[c][i] += h[j][i] * u[j][c];
                }
            }
        }
        for c in 0..K {
            for v in &mut z2[c] {
                *v += b2[c];
            }
        }
        // Softmax cross-entropy and the first argmax.
        let mut max = z2[0];
        let mut best = ZERO;
        let mut label_logit = ZERO;
        for c in 0..K {
            for i in 0..LANES {
                if z2[c][i] > max[i] {
                    max[i] = z2[c][i];
                    best[i] = c as f64;
                }
                if y[i] == c as f64 {
                    label_logit[i] = z2[c][i];
                }
            }
        }
        let mut e = [ZERO; K];
        let mut sum = ZERO;
        for c in 0..K {
            for i in 0..LANES {
                e[c][i] = exp(z2[c][i] - max[i]);
                sum[i] += e[c][i];
            }
        }
        // Selects, not branches, so that the lanes stay in one vector (a padded lane adds
        // 0, multiplies by 1, and its label −1 is never the argmax).
        for i in 0..LANES {
            self.loss_linear[i] += if valid[i] {
                max[i] - label_logit[i]
            } else {
                0.0
            };
            self.normaliser_product[i] *= if valid[i] { sum[i] } else { 1.0 };
            self.correct[i] += if best[i] == y[i] { 1.0 } else { 0.0 };
        }
        if !BACKWARD {
            return;
        }
        // δ2 = (ŷ − onehot(y)) / n; ∂L/∂U += hᵀ δ2, ∂L/∂b2 += colsum δ2.
        let mut inv_sum = ZERO;
        for i in 0..LANES {
            inv_sum[i] = 1.0 / sum[i];
        }
        let mut d2 = [ZERO; K];
        for c in 0..K {
            for i in 0..LANES {
                let onehot = if y[i] == c as f64 { 1.0 } else { 0.0 };
                let d = (e[c][i] * inv_sum[i] - onehot) * inv_n;
                d2[c][i] = if valid[i] { d } else { 0.0 };
                self.db2[c][i] += d2[c][i];
            }
            for j in 0..K {
                for i in 0..LANES {
                    self.du[j][c][i] += h[j][i] * d2[c][i];
                }
            }
        }
        // δ1 = (δ2 Uᵀ) ⊙ g′(z1); ∂L/∂b1 += colsum δ1, ∂L/∂W += xᵀ δ1.
        let mut d1 = [ZERO; K];
        for j in 0..K {
            for c in 0..K {
                for i in 0..LANES {
                    d1[j][i] += d2[c][i] * u[j][c];
                }
            }
            for i in 0..LANES {
                let slope = act.derivative_from_output(h[j][i]);
                self.saturated[i] += if valid[i] && slope < 0.01 { 1.0 } else { 0.0 };
                d1[j][i] = if valid[i] { d1[j][i] * slope } else { 0.0 };
                self.db1[j][i] += d1[j][i];
            }
        }
        for (l, xl) in x.iter().enumerate() {
            for j in 0..K {
                let acc = &mut dw[l * K + j];
                for i in 0..LANES {
                    acc[i] += xl[i] * d1[j][i];
                }
            }
        }
    }
}
