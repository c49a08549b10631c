//! The plain reference of the pass: row by row in scalar code, the formulas as written,
//! with the order of summation and the roundings the fused kernel promises (row `r`
//! summed in lane `r % L`, each lane's rows in row order, the lanes added in lane order;
//! each sum of products a chain of `mul_add` from the bias, or from the first product;
//! one `ln` of the normalisers' product per `GROUPS_PER_LOG · L` rows), in `f64`
//! ([`pass`], `L` = [`LANES`]) or `f32` ([`pass_f32`], `L` = [`F32_LANES`]). The fused
//! kernel is tested against it bit for bit on every backend, and networks wider than
//! [`super::MAX_WIDTH`] run it.

use faer::MatRef;

use super::lanes::{Lane, lane_sum};
use super::net::{
    F32_LANES, GROUPS_PER_LOG, LANES, PassStats, SATURATED_SLOPE, TwoLayer, TwoLayerGrads,
    check_shapes,
};

/// One pass of `net` over the rows `x` (`n × d`) with labels `y` (class indices as `f64`):
/// mean cross-entropy and accuracy; with `backward`, also the saturation count and every
/// gradient (zero without).
///
/// # Panics
/// If the shapes disagree (see [`super::Workspace::pass`]).
pub fn pass(
    net: &TwoLayer<'_>,
    x: MatRef<'_, f64>,
    y: &[f64],
    backward: bool,
) -> (PassStats, TwoLayerGrads) {
    pass_in::<f64, LANES>(net, x, y, backward)
}

/// [`pass`] in single precision, the reference of [`super::Workspace::pass_f32`]: the
/// weights rounded to `f32`, every operation in `f32`, row `r` summed in lane
/// `r % F32_LANES`; the lanes added in `f64`.
///
/// # Panics
/// If the shapes disagree.
pub fn pass_f32(
    net: &TwoLayer<'_>,
    x: MatRef<'_, f32>,
    y: &[f32],
    backward: bool,
) -> (PassStats, TwoLayerGrads) {
    pass_in::<f32, F32_LANES>(net, x, y, backward)
}

/// [`pass`] in the scalar `S`, `L` lanes.
// Indices over units, as in the formulas.
#[allow(clippy::needless_range_loop)]
fn pass_in<S: Lane, const L: usize>(
    net: &TwoLayer<'_>,
    x: MatRef<'_, S>,
    y: &[S],
    backward: bool,
) -> (PassStats, TwoLayerGrads) {
    check_shapes(net, x, y);
    let (n, d, k) = (x.nrows(), x.ncols(), net.b1.len());
    let act = net.activation;
    let inv_n_f64 = 1.0 / n.max(1) as f64;
    let inv_n = S::of(inv_n_f64);
    let (w, u) = (
        |l: usize, j: usize| S::of(net.w[(l, j)]),
        |j: usize, c: usize| S::of(net.u[(j, c)]),
    );
    let (zero, one) = (S::ZERO, S::ONE);
    let mut linear = [zero; L];
    let mut log = [zero; L];
    let mut product = [one; L];
    let (mut correct, mut saturated) = ([zero; L], [zero; L]);
    let mut dw = vec![[zero; L]; d * k];
    let mut du = vec![[zero; L]; k * k];
    let (mut db1, mut db2) = (vec![[zero; L]; k], vec![[zero; L]; k]);
    let (mut h, mut z2, mut e, mut d2) =
        (vec![zero; k], vec![zero; k], vec![zero; k], vec![zero; k]);
    for r in 0..n {
        let i = r % L;
        // h = g(b1 + x W), z2 = b2 + h U
        for j in 0..k {
            let z = (0..d).fold(S::of(net.b1[j]), |a, l| x[(r, l)].mul_add(w(l, j), a));
            h[j] = act.apply(z);
        }
        for c in 0..k {
            z2[c] = (0..k).fold(S::of(net.b2[c]), |a, j| h[j].mul_add(u(j, c), a));
        }
        // Cross-entropy `max − z2_y + ln Σ exp(z2 − max)` and the first argmax.
        let (mut max, mut best) = (z2[0], 0);
        for (c, &z) in z2.iter().enumerate() {
            if z > max {
                (max, best) = (z, c);
            }
        }
        let label = y[r].to_f64() as usize;
        for (e, &z) in e.iter_mut().zip(&z2) {
            *e = (z - max).exp_nonpositive();
        }
        let sum = e.iter().fold(zero, |a, &e| a + e);
        linear[i] += max - z2[label];
        product[i] *= sum;
        correct[i] += S::of(f64::from(u8::from(best == label)));
        if (r + 1) % (GROUPS_PER_LOG * L) == 0 {
            flush_log(&mut log, &mut product);
        }
        if !backward {
            continue;
        }
        // δ2 = ŷ/n − onehot(y)/n, δ1 = (δ2 Uᵀ) ⊙ g′(z1)
        let scale = inv_n / sum;
        for c in 0..k {
            let onehot = if c == label { zero - inv_n } else { zero };
            d2[c] = e[c].mul_add(scale, onehot);
        }
        for j in 0..k {
            let slope = act.derivative_from_output(h[j]);
            saturated[i] += S::of(f64::from(u8::from(slope < S::of(SATURATED_SLOPE))));
            let d1 = (1..k).fold(d2[0] * u(j, 0), |a, c| d2[c].mul_add(u(j, c), a));
            let d1 = d1 * slope;
            db1[j][i] += d1;
            db2[j][i] += d2[j];
            for c in 0..k {
                du[j * k + c][i] = h[j].mul_add(d2[c], du[j * k + c][i]);
            }
            for l in 0..d {
                dw[l * k + j][i] = x[(r, l)].mul_add(d1, dw[l * k + j][i]);
            }
        }
    }
    flush_log(&mut log, &mut product);
    let stats = PassStats {
        loss: (lane_sum(&linear) + lane_sum(&log)) * inv_n_f64,
        correct: lane_sum(&correct) as usize,
        saturated: lane_sum(&saturated) as usize,
    };
    let mut grads = TwoLayerGrads::zeros(d, k);
    if backward {
        grads.w = faer::Mat::from_fn(d, k, |l, j| lane_sum(&dw[l * k + j]));
        grads.u = faer::Mat::from_fn(k, k, |j, c| lane_sum(&du[j * k + c]));
        grads.b1 = db1.iter().map(|v| lane_sum(v)).collect();
        grads.b2 = db2.iter().map(|v| lane_sum(v)).collect();
    }
    (stats, grads)
}

/// Adds each lane's `ln` of its normalisers' product, and restarts the products.
fn flush_log<S: Lane, const L: usize>(log: &mut [S; L], product: &mut [S; L]) {
    for (l, p) in log.iter_mut().zip(product.iter_mut()) {
        *l += p.ln();
        *p = S::ONE;
    }
}
