//! A dense layer's forward over one row block in one pass: `out = g(a·W + b)`, the product
//! with its bias, activation and saturation count fused, the rows in vector lanes.
//!
//! faer computes each entry of a product as one chain of fused multiply-adds over the
//! inner index, from zero, in order (checked bit for bit against faer for every shape of
//! the study's networks and for blocks of 1 to 300 rows: `tests::the_product_has_fairs_bits`).
//! This kernel keeps exactly that chain for every entry, so replacing faer's call and the
//! sweep after it changes no bit; what it saves is the call (packing, dispatch, edge
//! handling for a 256 × 10 · 10 × 32 product cost about as much as its arithmetic) and the
//! second pass over the block for the bias and activation.
//!
//! With AVX-512 the tile is 32 rows (four 8-lane vectors) by 4 output columns in explicit
//! `zmm` registers (pulp's `f64x8`; left to the auto-vectoriser, the tile compiled to
//! scalar `vfmadd…sd` with the accumulators on the stack, four times slower than faer).
//! Rows past the last full tile, columns past the last group of four, and every entry on
//! other CPUs take the same chain one input column at a time, a plain loop over the rows.
//! Call it under [`crate::vectorize`] so those loops compile to the CPU's widest vectors
//! with hardware FMA (elsewhere `mul_add` is the C library's correctly rounded `fma`: the
//! same bits).

use faer::MatRef;

use crate::activation::{Activation, Saturation};
use crate::math::sigmoid;
use crate::sweeps::col;

/// Rows of a tile.
const ROWS: usize = 32;
/// Output columns of a tile.
const COLS: usize = 4;

/// What follows the product: the bias is always added; then, for a hidden layer, the
/// activation and the saturation count.
#[derive(Clone, Copy, Debug)]
pub enum Epilogue {
    /// `z` alone (a backward product, `δ·Wᵀ`; the bias is not read).
    Plain,
    /// `z + b` (the output layer's logits).
    Bias,
    /// `g(z + b)`, counting the outputs `saturation` calls saturated.
    Hidden(Activation, Saturation),
}

/// `out[:, j] = epilogue(Σ_p a[:, p]·w[p, j] + b[j])` for the `m = a.nrows()` rows of the
/// block, `out` column-major with stride `m`; returns the number of saturated outputs (0
/// without an activation). `a` needs contiguous columns (any column stride); `w` is
/// `a.ncols() × width` with any strides (a transposed weight for `δ·Wᵀ`), `bias` `1 ×
/// width` (or empty for [`Epilogue::Plain`]).
#[inline(always)]
pub fn dense_forward(
    a: MatRef<'_, f64>,
    w: MatRef<'_, f64>,
    bias: MatRef<'_, f64>,
    out: &mut [f64],
    epilogue: Epilogue,
) -> usize {
    let (m, width) = (a.nrows(), w.ncols());
    debug_assert_eq!(w.nrows(), a.ncols());
    let mut saturated = 0;
    let mut j = 0;
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V4::try_new() {
        let full = m / ROWS * ROWS;
        while j + COLS <= width {
            for r0 in (0..full).step_by(ROWS) {
                let acc = simd.vectorize(
                    #[inline(always)]
                    || tile_v4(simd, a, w, r0, j),
                );
                for (c, z) in acc.iter().enumerate() {
                    let dst = &mut out[(j + c) * m + r0..(j + c) * m + r0 + ROWS];
                    dst.copy_from_slice(z);
                    saturated += finish(dst, bias_of(bias, j + c), epilogue);
                }
            }
            for c in 0..COLS {
                let dst = &mut out[(j + c) * m + full..(j + c + 1) * m];
                saturated += column(a, w, j + c, full, dst, bias_of(bias, j + c), epilogue);
            }
            j += COLS;
        }
    }
    for j in j..width {
        let dst = &mut out[j * m..(j + 1) * m];
        saturated += column(a, w, j, 0, dst, bias_of(bias, j), epilogue);
    }
    saturated
}

/// The products of one 32-row by 4-column tile in AVX-512 registers: 16 accumulators,
/// each input column loaded once (four vectors of eight rows) for the four outputs, each
/// weight broadcast once for the 32 rows; every entry's chain `fma` over `p` in order.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn tile_v4(
    simd: pulp::x86::V4,
    a: MatRef<'_, f64>,
    w: MatRef<'_, f64>,
    r0: usize,
    j: usize,
) -> [[f64; ROWS]; COLS] {
    use pulp::f64x8;
    const LANES: usize = 8;
    let zero = simd.splat_f64x8(0.0);
    let mut acc = [[zero; ROWS / LANES]; COLS];
    for p in 0..a.ncols() {
        let x = &col(a, p)[r0..r0 + ROWS];
        let xv: [f64x8; ROWS / LANES] = std::array::from_fn(|q| {
            let lanes: [f64; LANES] = x[q * LANES..(q + 1) * LANES]
                .try_into()
                .expect("eight rows");
            pulp::cast(lanes)
        });
        for (c, acc_c) in acc.iter_mut().enumerate() {
            let wv = simd.splat_f64x8(w[(p, j + c)]);
            for (acc_q, &x_q) in acc_c.iter_mut().zip(&xv) {
                *acc_q = simd.mul_add_f64x8(x_q, wv, *acc_q);
            }
        }
    }
    acc.map(|acc_c| {
        let mut z = [0.0; ROWS];
        for (q, v) in acc_c.iter().enumerate() {
            let lanes: [f64; LANES] = pulp::cast(*v);
            z[q * LANES..(q + 1) * LANES].copy_from_slice(&lanes);
        }
        z
    })
}

/// `b[j]`, or 0 without a bias ([`Epilogue::Plain`] is called with an empty one).
#[inline(always)]
fn bias_of(bias: MatRef<'_, f64>, j: usize) -> f64 {
    if bias.ncols() > j { bias[(0, j)] } else { 0.0 }
}

/// Rows `from..from + dst.len()` of output column `j`: the same chain, accumulated in
/// `dst` one input column at a time.
#[inline(always)]
fn column(
    a: MatRef<'_, f64>,
    w: MatRef<'_, f64>,
    j: usize,
    from: usize,
    dst: &mut [f64],
    b: f64,
    epilogue: Epilogue,
) -> usize {
    dst.fill(0.0);
    for p in 0..a.ncols() {
        let wp = w[(p, j)];
        for (d, &x) in dst.iter_mut().zip(&col(a, p)[from..]) {
            *d = x.mul_add(wp, *d);
        }
    }
    finish(dst, b, epilogue)
}

/// `z ← epilogue(z + b)` in place; returns the saturated count.
#[inline(always)]
fn finish(z: &mut [f64], b: f64, epilogue: Epilogue) -> usize {
    match epilogue {
        Epilogue::Plain => 0,
        Epilogue::Bias => {
            for v in z.iter_mut() {
                *v += b;
            }
            0
        }
        Epilogue::Hidden(Activation::Relu, s) => {
            let mut count = 0;
            for v in z.iter_mut() {
                let a = (*v + b).max(0.0);
                count += s.test(Activation::Relu, a) as usize;
                *v = a;
            }
            count
        }
        Epilogue::Hidden(Activation::Sigmoid, s) => {
            let mut count = 0;
            for v in z.iter_mut() {
                let a = sigmoid(*v + b);
                count += s.test(Activation::Sigmoid, a) as usize;
                *v = a;
            }
            count
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{matmul_into, vectorize};
    use faer::{Accum, Mat};

    fn random(rows: usize, cols: usize, seed: &mut u64) -> Mat<f64> {
        Mat::from_fn(rows, cols, |_, _| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            (*seed >> 11) as f64 / (1u64 << 53) as f64 * 4.0 - 2.0
        })
    }

    /// The fused pass equals faer's product followed by the separate bias, activation and
    /// count, bit for bit, on the study's shapes and on block heights around every tile
    /// edge (the input a row range of a taller matrix, as a block of the design is).
    #[test]
    fn the_product_has_faers_bits() {
        let mut seed = 0x9e37_79b9_7f4a_7c15;
        for &(f, width) in &[
            (10, 32),
            (12, 32),
            (32, 16),
            (16, 4),
            (16, 3),
            (7, 5),
            (4, 16),
            (1, 1),
        ] {
            for m in [1, 3, 8, 31, 32, 33, 55, 64, 77, 100, 255, 256] {
                let tall = random(m + 9, f, &mut seed);
                let a = tall.as_ref().subrows(4, m);
                let w = random(f, width, &mut seed);
                let bias = random(1, width, &mut seed);
                let mut z = Mat::zeros(m, width);
                matmul_into(z.as_mut(), Accum::Replace, a, w.as_ref(), 1.0);
                for epilogue in [
                    Epilogue::Plain,
                    Epilogue::Bias,
                    Epilogue::Hidden(Activation::Relu, Saturation::STUDY),
                    Epilogue::Hidden(Activation::Sigmoid, Saturation::STUDY),
                ] {
                    let mut want = vec![0.0; m * width];
                    let mut want_sat = 0;
                    for j in 0..width {
                        for i in 0..m {
                            let v = z[(i, j)] + bias[(0, j)];
                            want[j * m + i] = match epilogue {
                                Epilogue::Plain => z[(i, j)],
                                Epilogue::Bias => v,
                                Epilogue::Hidden(g, s) => {
                                    let a = g.apply(v);
                                    want_sat += s.test(g, a) as usize;
                                    a
                                }
                            };
                        }
                    }
                    let mut got = vec![f64::NAN; m * width];
                    let sat = vectorize(
                        #[inline(always)]
                        || dense_forward(a, w.as_ref(), bias.as_ref(), &mut got, epilogue),
                    );
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(
                        bits(&got),
                        bits(&want),
                        "{m} × {f} · {f} × {width} {epilogue:?}"
                    );
                    assert_eq!(sat, want_sat);
                    // Outside the dispatch (libm's `fma`): the same bits.
                    let mut plain = vec![f64::NAN; m * width];
                    dense_forward(a, w.as_ref(), bias.as_ref(), &mut plain, epilogue);
                    assert_eq!(bits(&plain), bits(&want));
                }
                // The backward product `δ·Wᵀ` (the weight read transposed), as faer does it.
                let wt = random(width, f, &mut seed);
                let mut dx = Mat::zeros(m, width);
                matmul_into(dx.as_mut(), Accum::Replace, a, wt.as_ref().transpose(), 1.0);
                let mut got = vec![f64::NAN; m * width];
                let none = Mat::<f64>::zeros(1, 0);
                vectorize(
                    #[inline(always)]
                    || {
                        let t = wt.as_ref().transpose();
                        dense_forward(a, t, none.as_ref(), &mut got, Epilogue::Plain)
                    },
                );
                for j in 0..width {
                    for i in 0..m {
                        assert_eq!(
                            got[j * m + i].to_bits(),
                            dx[(i, j)].to_bits(),
                            "δWᵀ {m} {f} {width}"
                        );
                    }
                }
            }
        }
    }
}
