//! The fused pass against its plain reference, bit for bit, on both backends.

use faer::Mat;

use super::{PassStats, TwoLayer, TwoLayerGrads, Workspace, reference};
use crate::Activation;

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
            let (want, want_grads) = reference::pass(&case.net(), case.x.as_ref(), &case.y, true);
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
