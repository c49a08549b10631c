//! The fused pass against its plain reference, bit for bit, on every compiled path and in
//! both precisions; the reference against the textbook formulas to rounding, and the
//! single-precision pass against the double one to single precision.

use faer::Mat;

use kernels::Activation;
use kernels::small::{PassStats, Path, TwoLayer, TwoLayerGrads, Workspace, reference};

/// Every compiled form of the fused pass: AVX-512 (or the widest dispatch where the CPU
/// lacks it), AVX2 with FMA, and the baseline instruction set.
const PATHS: [Path; 3] = [Path::Best, Path::Avx2, Path::Baseline];

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

    fn pass(&self, path: Path, backward: bool) -> (PassStats, TwoLayerGrads) {
        let mut ws = Workspace::on_path(path);
        let stats = ws.pass(&self.net(), self.x.as_ref(), &self.y, backward);
        (stats, ws.grads().clone())
    }

    /// The rows and labels in `f32`, as a single-precision caller converts them.
    fn single(&self) -> (Mat<f32>, Vec<f32>) {
        (
            Mat::from_fn(self.x.nrows(), self.x.ncols(), |i, j| self.x[(i, j)] as f32),
            self.y.iter().map(|&v| v as f32).collect(),
        )
    }

    fn pass_f32(&self, path: Path, backward: bool) -> (PassStats, TwoLayerGrads) {
        let (x, y) = self.single();
        let mut ws = Workspace::on_path(path);
        let stats = ws.pass_f32(&self.net(), x.as_ref(), &y, backward);
        (stats, ws.grads().clone())
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

/// Every compiled path's pass, backward and forward only, gives `want`'s statistics and
/// gradients bit for bit (the forward its loss and accuracy).
fn every_path_gives(
    want: &(PassStats, TwoLayerGrads),
    pass: impl Fn(Path, bool) -> (PassStats, TwoLayerGrads),
    label: &str,
) {
    let (want, want_grads) = want;
    for path in PATHS {
        let (got, grads) = pass(path, true);
        assert_eq!(got.loss.to_bits(), want.loss.to_bits(), "{label} {path:?}");
        assert_eq!(got, *want, "{label} {path:?}");
        assert_eq!(bits(&grads), bits(want_grads), "{label} {path:?}");
        let (forward, _) = pass(path, false);
        assert_eq!(
            (forward.loss.to_bits(), forward.correct),
            (want.loss.to_bits(), want.correct),
            "{label} {path:?}"
        );
    }
}

/// Every compiled path gives the bits of the scalar row-by-row reference, for row counts
/// with and without a partial lane group and a partial chunk, every width class of the
/// outer products, both activations; a forward-only pass measures the same loss and
/// accuracy. (On a CPU without AVX-512 the best path is the AVX2 one; the CI machines of
/// both kinds run this test.)
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
            let want = reference::pass(&case.net(), case.x.as_ref(), &case.y, true);
            let label = format!("n {n} d {d} k {k} {activation:?}");
            every_path_gives(&want, |path, backward| case.pass(path, backward), &label);
            let want = want.0;
            if activation == Activation::Sigmoid && k >= 4 {
                assert!(want.saturated > 0, "the cases reach the saturation count");
            }
        }
    }
}

/// The textbook pass in plain `f64`: each row's `ln Σ exp` with the library's `exp` and
/// `ln`, unfused products, every sum in row order.
fn textbook(case: &Case) -> (PassStats, TwoLayerGrads) {
    let (n, d, k) = (case.x.nrows(), case.w.nrows(), case.w.ncols());
    let act = case.activation;
    let mut stats = PassStats {
        loss: 0.0,
        correct: 0,
        saturated: 0,
    };
    let mut g = TwoLayerGrads::zeros(d, k);
    for r in 0..n {
        let label = case.y[r] as usize;
        let h: Vec<f64> = (0..k)
            .map(|j| {
                let z: f64 = (0..d).map(|l| case.x[(r, l)] * case.w[(l, j)]).sum();
                act.apply(z + case.b1[j])
            })
            .collect();
        let z2: Vec<f64> = (0..k)
            .map(|c| (0..k).map(|j| h[j] * case.u[(j, c)]).sum::<f64>() + case.b2[c])
            .collect();
        let max = z2.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = z2.iter().map(|z| (z - max).exp()).sum();
        stats.loss += max + sum.ln() - z2[label];
        let best = (0..k).fold(0, |b, c| if z2[c] > z2[b] { c } else { b });
        stats.correct += usize::from(best == label);
        let d2: Vec<f64> = (0..k)
            .map(|c| ((z2[c] - max).exp() / sum - f64::from(u8::from(c == label))) / n as f64)
            .collect();
        for j in 0..k {
            let slope = act.derivative_from_output(h[j]);
            stats.saturated += usize::from(slope < 0.01);
            let d1 = (0..k).map(|c| d2[c] * case.u[(j, c)]).sum::<f64>() * slope;
            g.b1[j] += d1;
            g.b2[j] += d2[j];
            for (c, d2c) in d2.iter().enumerate() {
                g.u[(j, c)] += h[j] * d2c;
            }
            for l in 0..d {
                g.w[(l, j)] += case.x[(r, l)] * d1;
            }
        }
    }
    stats.loss /= n as f64;
    (stats, g)
}

/// The single-precision pass too: every compiled path gives the bits of its row-by-row
/// reference (16 lanes, `f32` throughout), forward and backward, on the same cases.
#[test]
fn every_backend_equals_the_single_precision_reference_bit_for_bit() {
    let mut seed = 50;
    for (n, d, k) in [
        (1, 3, 2),
        (15, 10, 4),
        (16, 10, 4),
        (512, 5, 1),
        (1100, 10, 4),
        (517, 9, 3),
        (263, 7, 6),
        (300, 3, 8),
    ] {
        for activation in [Activation::Relu, Activation::Sigmoid] {
            seed += 1;
            let case = Case::new(n, d, k, activation, seed);
            let (x, y) = case.single();
            let want = reference::pass_f32(&case.net(), x.as_ref(), &y, true);
            let label = format!("n {n} d {d} k {k} {activation:?}");
            every_path_gives(
                &want,
                |path, backward| case.pass_f32(path, backward),
                &label,
            );
        }
    }
}

/// The single-precision pass follows the double one to single precision: the loss to a
/// few `f32` roundings, every gradient to 1e-5 of its largest entry, the counts within a
/// few rows (a row whose two largest logits tie to `f32` precision may change its argmax).
#[test]
fn the_single_precision_pass_follows_the_double_one() {
    let mut seed = 200;
    for (n, d, k) in [(600, 10, 4), (2000, 10, 4), (517, 9, 3), (300, 3, 8)] {
        for activation in [Activation::Relu, Activation::Sigmoid] {
            seed += 1;
            let case = Case::new(n, d, k, activation, seed);
            let (want, want_grads) = case.pass(Path::Best, true);
            let (got, grads) = case.pass_f32(Path::Best, true);
            let label = format!("n {n} d {d} k {k} {activation:?}");
            assert!(
                (got.loss - want.loss).abs() <= 1e-6 * (1.0 + want.loss),
                "{label}: loss {} against {}",
                got.loss,
                want.loss
            );
            assert!(got.correct.abs_diff(want.correct) <= n / 200 + 1, "{label}");
            assert!(
                got.saturated.abs_diff(want.saturated) <= n / 200 + 1,
                "{label}"
            );
            let close = |what: &str, a: &[u64], b: &[u64]| {
                let (a, b) = (
                    a.iter().map(|&v| f64::from_bits(v)),
                    b.iter().map(|&v| f64::from_bits(v)),
                );
                let b: Vec<f64> = b.collect();
                let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                for (x, y) in a.zip(&b) {
                    assert!(
                        (x - y).abs() <= 1e-5 * scale,
                        "{label} {what}: {x} against {y}"
                    );
                }
            };
            close("gradients", &bits(&grads), &bits(&want_grads));
            assert_ne!(bits(&grads), bits(&want_grads), "{label}: f32 is not f64");
        }
    }
}

/// The reference (and so the fused pass) computes the textbook formulas: the same counts,
/// the loss and every gradient within a few units of rounding (its `exp`, its fused
/// multiply-adds and its order of summation move only the last bits).
#[test]
fn the_reference_is_the_textbook_pass_to_rounding() {
    let mut seed = 100;
    for (n, d, k) in [
        (1, 3, 2),
        (600, 10, 4),
        (517, 9, 3),
        (300, 3, 8),
        (260, 4, 11),
    ] {
        for activation in [Activation::Relu, Activation::Sigmoid] {
            seed += 1;
            let case = Case::new(n, d, k, activation, seed);
            let (got, grads) = reference::pass(&case.net(), case.x.as_ref(), &case.y, true);
            let (want, want_grads) = textbook(&case);
            let label = format!("n {n} d {d} k {k} {activation:?}");
            assert_eq!(
                (got.correct, got.saturated),
                (want.correct, want.saturated),
                "{label}"
            );
            // Absolutely: `ln Σ exp` of a confident row is the logarithm of a number
            // near 1, whose rounding (an ulp of 1) is large beside a tiny loss.
            assert!(
                (got.loss - want.loss).abs() <= 1e-14 * (1.0 + want.loss),
                "{label}: loss {} against {}",
                got.loss,
                want.loss
            );
            // Each gradient to 1e-12 of its largest entry (a sum of terms of both signs
            // can end near zero, where a relative bound means nothing).
            let close = |what: &str, a: &[f64], b: &[f64]| {
                let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                for (x, y) in a.iter().zip(b) {
                    assert!(
                        (x - y).abs() <= 1e-12 * scale,
                        "{label} {what}: {x} against {y}"
                    );
                }
            };
            let entries = |m: &Mat<f64>| {
                m.col_iter()
                    .flat_map(|c| c.iter().copied())
                    .collect::<Vec<_>>()
            };
            close("W", &entries(&grads.w), &entries(&want_grads.w));
            close("U", &entries(&grads.u), &entries(&want_grads.u));
            close("b1", &grads.b1, &want_grads.b1);
            close("b2", &grads.b2, &want_grads.b2);
        }
    }
}

/// Wider than the fused kernel: the workspace runs the reference, forward and backward.
#[test]
fn a_wide_network_runs_the_reference() {
    let case = Case::new(300, 5, 12, Activation::Sigmoid, 77);
    let (want, want_grads) = reference::pass(&case.net(), case.x.as_ref(), &case.y, true);
    let (got, grads) = case.pass(Path::Best, true);
    assert_eq!(got, want);
    assert_eq!(bits(&grads), bits(&want_grads));
    let (forward, _) = case.pass(Path::Best, false);
    assert_eq!(
        (forward.loss, forward.correct, forward.saturated),
        (want.loss, want.correct, 0)
    );
}
