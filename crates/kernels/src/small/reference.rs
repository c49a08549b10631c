//! The plain reference of the pass: row by row in scalar code, the formulas as written,
//! with the order of summation and the roundings the fused kernel promises (row `r`
//! summed in lane `r % LANES`, each lane's rows in row order, the lanes added in lane
//! order; each sum of products a chain of `mul_add` from the bias, or from the first
//! product; one `ln` of the normalisers' product per [`ROWS_PER_LOG`] rows). The fused
//! kernel is tested against it bit for bit on every backend, and networks wider than
//! [`super::MAX_WIDTH`] run it.

use faer::MatRef;

use super::exp::exp_nonpositive;
use super::lanes::{Lanes, lane_sum};
use super::net::{
    LANES, PassStats, ROWS_PER_LOG, SATURATED_SLOPE, TwoLayer, TwoLayerGrads, check_shapes,
};

/// One pass of `net` over the rows `x` (`n × d`) with labels `y` (class indices as `f64`):
/// mean cross-entropy and accuracy; with `backward`, also the saturation count and every
/// gradient (zero without).
///
/// # Panics
/// If the shapes disagree (see [`super::Workspace::pass`]).
// Indices over units, as in the formulas.
#[allow(clippy::needless_range_loop)]
pub fn pass(
    net: &TwoLayer<'_>,
    x: MatRef<'_, f64>,
    y: &[f64],
    backward: bool,
) -> (PassStats, TwoLayerGrads) {
    check_shapes(net, x, y);
    let (n, d, k) = (x.nrows(), x.ncols(), net.b1.len());
    let act = net.activation;
    let inv_n = 1.0 / n.max(1) as f64;
    let mut linear = [0.0; LANES];
    let mut log = [0.0; LANES];
    let mut product = [1.0; LANES];
    let (mut correct, mut saturated) = ([0.0; LANES], [0.0; LANES]);
    let mut dw = vec![[0.0; LANES]; d * k];
    let mut du = vec![[0.0; LANES]; k * k];
    let (mut db1, mut db2) = (vec![[0.0; LANES]; k], vec![[0.0; LANES]; k]);
    let (mut h, mut z2, mut e, mut d2) = (vec![0.0; k], vec![0.0; k], vec![0.0; k], vec![0.0; k]);
    for r in 0..n {
        let i = r % LANES;
        // h = g(b1 + x W), z2 = b2 + h U
        for j in 0..k {
            let z = (0..d).fold(net.b1[j], |a, l| x[(r, l)].mul_add(net.w[(l, j)], a));
            h[j] = act.apply(z);
        }
        for c in 0..k {
            z2[c] = (0..k).fold(net.b2[c], |a, j| h[j].mul_add(net.u[(j, c)], a));
        }
        // Cross-entropy `max − z2_y + ln Σ exp(z2 − max)` and the first argmax.
        let (mut max, mut best) = (z2[0], 0);
        for (c, &z) in z2.iter().enumerate() {
            if z > max {
                (max, best) = (z, c);
            }
        }
        let label = y[r] as usize;
        for (e, &z) in e.iter_mut().zip(&z2) {
            *e = exp_nonpositive(z - max);
        }
        let sum = e.iter().fold(0.0, |a, e| a + e);
        linear[i] += max - z2[label];
        product[i] *= sum;
        correct[i] += f64::from(u8::from(best == label));
        if (r + 1) % ROWS_PER_LOG == 0 {
            flush_log(&mut log, &mut product);
        }
        if !backward {
            continue;
        }
        // δ2 = ŷ/n − onehot(y)/n, δ1 = (δ2 Uᵀ) ⊙ g′(z1)
        let scale = inv_n / sum;
        for c in 0..k {
            let onehot = if c == label { -inv_n } else { 0.0 };
            d2[c] = e[c].mul_add(scale, onehot);
        }
        for j in 0..k {
            let slope = act.derivative_from_output(h[j]);
            saturated[i] += f64::from(u8::from(slope < SATURATED_SLOPE));
            let d1 = (1..k).fold(d2[0] * net.u[(j, 0)], |a, c| {
                d2[c].mul_add(net.u[(j, c)], a)
            });
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
        loss: (lane_sum(&linear) + lane_sum(&log)) * inv_n,
        correct: lane_sum(&correct) as usize,
        saturated: lane_sum(&saturated) as usize,
    };
    let mut grads = TwoLayerGrads::zeros(d, k);
    if backward {
        grads.w = faer::Mat::from_fn(d, k, |l, j| lane_sum(&dw[l * k + j]));
        grads.u = faer::Mat::from_fn(k, k, |j, c| lane_sum(&du[j * k + c]));
        grads.b1 = db1.iter().map(lane_sum).collect();
        grads.b2 = db2.iter().map(lane_sum).collect();
    }
    (stats, grads)
}

/// Adds each lane's `ln` of its normalisers' product, and restarts the products.
fn flush_log(log: &mut Lanes, product: &mut Lanes) {
    for (l, p) in log.iter_mut().zip(product.iter_mut()) {
        *l += p.ln();
        *p = 1.0;
    }
}
