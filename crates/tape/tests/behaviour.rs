//! Numerical robustness, errors, panics and memory reuse.

use crate::common;

use common::XorShift;
use faer::{Mat, mat};
use tape::{NonFiniteLoss, Tape, Var};

#[test]
fn softmax_cross_entropy_is_finite_for_huge_logits() {
    let z = mat![[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, -1e4]];
    let labels = [1, 0, 2];
    let mut t = Tape::new();
    let zv = t.leaf(z.as_ref(), true);
    let loss = t.softmax_cross_entropy(zv, &labels, None, None);
    // Row losses: 2e4, 2e4 + ln 2, 1e4 + ln 2.
    let want = (5e4 + 2.0 * 2f64.ln()) / 3.0;
    let got = t.value(loss)[(0, 0)];
    assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    t.backward(loss).unwrap();
    let g = t.grad(zv).unwrap();
    // (softmax − onehot) / 3, with softmax rows [1,0,0], [0,½,½], [½,½,0].
    let want = [[1.0, -1.0, 0.0], [-1.0, 0.5, 0.5], [0.5, 0.5, -1.0]];
    for (i, row) in want.iter().enumerate() {
        for (j, w) in row.iter().enumerate() {
            assert!(g[(i, j)].is_finite());
            assert!(
                (g[(i, j)] - w / 3.0).abs() < 1e-15,
                "({i},{j}) {}",
                g[(i, j)]
            );
        }
    }
}

#[test]
fn weighted_cross_entropy_follows_pytorch() {
    // Zero logits: every nll is ln 3 whatever the weights, so the loss is ln 3.
    let z = Mat::<f64>::zeros(4, 3);
    let labels = [0, 2, 2, 1];
    let weights = [1.0, 3.0, 0.5];
    let mut t = Tape::new();
    let zv = t.leaf(z.as_ref(), true);
    let loss = t.softmax_cross_entropy(zv, &labels, Some(&weights), None);
    assert!((t.value(loss)[(0, 0)] - 3f64.ln()).abs() < 1e-15);
    t.backward(loss).unwrap();
    // dZ_ij = w[y_i] (1/3 − [j = y_i]) / Σ_i w[y_i], with Σ w = 1 + 0.5 + 0.5 + 3 = 5.
    let g = t.grad(zv).unwrap();
    for (i, &y) in labels.iter().enumerate() {
        for j in 0..3 {
            let onehot = if j == y { 1.0 } else { 0.0 };
            let want = weights[y] * (1.0 / 3.0 - onehot) / 5.0;
            assert!((g[(i, j)] - want).abs() < 1e-15);
        }
    }
    // Non-uniform logits: Σ w·nll / Σ w, computed by hand for two rows.
    let z = mat![[2.0, 0.0], [0.0, 1.0]];
    let mut t = Tape::new();
    let zv = t.leaf(z.as_ref(), false);
    let loss = t.softmax_cross_entropy(zv, &[1, 1], Some(&[1.0, 4.0]), None);
    let nll0 = (2f64.exp() + 1.0).ln() - 0.0;
    let nll1 = (1.0 + 1f64.exp()).ln() - 1.0;
    let want = (4.0 * nll0 + 4.0 * nll1) / 8.0;
    assert!((t.value(loss)[(0, 0)] - want).abs() < 1e-15);
}

#[test]
fn cross_entropy_shares_of_blocks_add_up_to_the_whole() {
    let mut rng = XorShift(7);
    let z = rng.mat(7, 3, -3.0, 3.0);
    let labels = [0, 2, 2, 1, 0, 1, 2];
    let weights = [1.0, 3.0, 0.5];
    let total: f64 = labels.iter().map(|&y| weights[y]).sum();
    let mut t = Tape::new();
    let zv = t.leaf(z.as_ref(), true);
    let whole = t.softmax_cross_entropy(zv, &labels, Some(&weights), None);
    let want = t.value(whole)[(0, 0)];
    t.backward(whole).unwrap();
    let want_grad = t.grad(zv).unwrap().to_owned();
    // Rows 0..3 and 3..7 as two blocks, each normalised by the whole batch's weight.
    let mut sum = 0.0;
    for (r0, m) in [(0, 3), (3, 4)] {
        let mut t = Tape::new();
        let zv = t.leaf(z.as_ref().subrows(r0, m), true);
        let part = t.softmax_cross_entropy(zv, &labels[r0..r0 + m], Some(&weights), Some(total));
        sum += t.value(part)[(0, 0)];
        t.backward(part).unwrap();
        let g = t.grad(zv).unwrap();
        for i in 0..m {
            for j in 0..3 {
                assert!((g[(i, j)] - want_grad[(r0 + i, j)]).abs() < 1e-15);
            }
        }
    }
    assert!((sum - want).abs() < 1e-14, "{sum} vs {want}");
}

#[test]
fn non_finite_loss_is_an_error() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut t = Tape::new();
        let x = t.leaf(mat![[1.0, bad]].as_ref(), true);
        let loss = t.sum(x);
        let err = t.backward(loss).unwrap_err();
        assert!(err.value.is_nan() == bad.is_nan() && (err.value.is_nan() || err.value == bad));
        assert!(err.to_string().contains("not finite"));
        assert!(t.grad(x).is_none(), "no gradient after a failed backward");
    }
    // The error type is a std error, for `?` into boxed errors.
    let e: Box<dyn std::error::Error> = Box::new(NonFiniteLoss { value: f64::NAN });
    assert!(e.to_string().contains("NaN"));
}

#[test]
#[should_panic(expected = "backward: loss must be 1×1, got 2×3")]
fn backward_needs_a_scalar() {
    let mut t = Tape::new();
    let x = t.leaf(Mat::<f64>::zeros(2, 3).as_ref(), true);
    let _ = t.backward(x);
}

#[test]
#[should_panic(expected = "matmul: inner dimensions differ: 2×3 times 2×3")]
fn matmul_shape_panic_names_both_shapes() {
    let mut t = Tape::new();
    let a = t.leaf(Mat::<f64>::zeros(2, 3).as_ref(), true);
    t.matmul(a, a);
}

#[test]
#[should_panic(expected = "add: shapes differ: 2×3 vs 3×2")]
fn elementwise_shape_panic() {
    let mut t = Tape::new();
    let a = t.leaf(Mat::<f64>::zeros(2, 3).as_ref(), true);
    let b = t.leaf(Mat::<f64>::zeros(3, 2).as_ref(), true);
    t.add(a, b);
}

#[test]
#[should_panic(expected = "add_row: row must be 1×3 to match 4×3, got 1×2")]
fn add_row_shape_panic() {
    let mut t = Tape::new();
    let a = t.leaf(Mat::<f64>::zeros(4, 3).as_ref(), true);
    let r = t.leaf(Mat::<f64>::zeros(1, 2).as_ref(), true);
    t.add_row(a, r);
}

#[test]
#[should_panic(expected = "softmax_cross_entropy: label 3 out of range for 2×3 logits")]
fn label_out_of_range_panics() {
    let mut t = Tape::new();
    let z = t.leaf(Mat::<f64>::zeros(2, 3).as_ref(), true);
    t.softmax_cross_entropy(z, &[0, 3], None, None);
}

#[test]
#[should_panic(expected = "stale after clear")]
fn stale_var_after_clear_panics() {
    let mut t = Tape::new();
    let a = t.leaf(Mat::<f64>::zeros(2, 2).as_ref(), true);
    t.clear();
    let _b = t.leaf(Mat::<f64>::zeros(2, 2).as_ref(), true);
    t.relu(a);
}

#[test]
fn gradients_only_where_asked_and_reached() {
    let mut t = Tape::new();
    let x = t.leaf(mat![[1.0, -2.0], [0.5, 3.0]].as_ref(), false); // data
    let c = t.leaf(mat![[1.0, 0.0], [2.0, 1.0]].as_ref(), false);
    let w = t.leaf(mat![[0.3, -0.2], [0.1, 0.4]].as_ref(), true);
    let unused = t.leaf(mat![[1.0]].as_ref(), true);
    let before = t.grad(w);
    assert!(before.is_none(), "no gradient before backward");
    let z = t.matmul(x, c); // constant subgraph: skipped by backward
    let z = t.relu(z);
    let y = t.mul(z, w);
    let loss = t.sum(y);
    t.backward(loss).unwrap();
    assert!(t.grad(x).is_none() && t.grad(c).is_none() && t.grad(z).is_none());
    assert!(t.grad(unused).is_none(), "not reached from the loss");
    // ∂/∂w Σ z ⊙ w = z.
    let (g, zv) = (t.grad(w).unwrap(), t.value(z));
    for i in 0..2 {
        for j in 0..2 {
            assert_eq!(g[(i, j)], zv[(i, j)]);
        }
    }
    assert_eq!(t.grad(loss).unwrap()[(0, 0)], 1.0);
    assert_eq!(t.describe(y), format!("Mul({z:?}, {w:?})"));
    assert!(t.describe(z).starts_with("Relu("));
}

#[test]
fn backward_twice_gives_the_same_gradients() {
    let mut t = Tape::new();
    let w = t.leaf(mat![[0.3, -0.2], [0.1, 0.4]].as_ref(), true);
    let y = t.mul(w, w);
    let loss = t.sum(y);
    t.backward(loss).unwrap();
    let first = t.grad(w).unwrap().to_owned();
    t.backward(loss).unwrap();
    assert_eq!(t.grad(w).unwrap(), first.as_ref());
    assert_eq!(first[(0, 0)], 0.6);
}

/// One training-style step: a two-hidden-layer MLP with dropout, weighted cross-entropy
/// and L2, on `rows` rows. Returns the `Var`s whose buffers are inspected.
fn step(t: &mut Tape, rng: &mut XorShift, rows: usize) -> Vec<Var> {
    t.clear();
    let x = t.leaf(rng.mat(rows, 5, -1.0, 1.0).as_ref(), false);
    let w1 = t.leaf(rng.mat(5, 8, -1.0, 1.0).as_ref(), true);
    let b1 = t.leaf(rng.mat(1, 8, -1.0, 1.0).as_ref(), true);
    let w2 = t.leaf(rng.mat(8, 6, -1.0, 1.0).as_ref(), true);
    let b2 = t.leaf(rng.mat(1, 6, -1.0, 1.0).as_ref(), true);
    let w3 = t.leaf(rng.mat(6, 4, -1.0, 1.0).as_ref(), true);
    let b3 = t.leaf(rng.mat(1, 4, -1.0, 1.0).as_ref(), true);
    let z1 = t.matmul(x, w1);
    let h1 = t.add_row(z1, b1);
    let h1 = t.relu(h1);
    let mask = Mat::from_fn(rows, 8, |_, _| if rng.below(2) == 0 { 0.0 } else { 2.0 });
    let mask = t.leaf(mask.as_ref(), false);
    let h1 = t.mul(h1, mask);
    let h2 = t.dense(h1, w2, b2, None);
    let h2 = t.tanh(h2);
    let logits = t.dense(h2, w3, b3, None);
    let labels: Vec<usize> = (0..rows).map(|_| rng.below(4)).collect();
    let ce = t.softmax_cross_entropy(logits, &labels, Some(&[1.0, 2.0, 0.5, 1.5]), None);
    let l2 = t.sum_squares(w1);
    let l2 = t.scale(l2, 1e-3);
    let loss = t.add(ce, l2);
    t.backward(loss).unwrap();
    vec![x, w1, b1, w2, b2, w3, b3, z1, h1, h2, logits, ce, loss]
}

fn pointers(t: &Tape, vars: &[Var]) -> Vec<(*const f64, Option<*const f64>)> {
    vars.iter()
        .map(|&v| (t.value(v).as_ptr(), t.grad(v).map(|g| g.as_ptr())))
        .collect()
}

#[test]
fn clear_and_refill_reuses_every_buffer() {
    let mut rng = XorShift(99);
    let mut t = Tape::new();
    let vars = step(&mut t, &mut rng, 50);
    let first = pointers(&t, &vars);
    let growths = t.growth_events();
    assert!(growths > 0, "the first step allocates");
    for _ in 0..5 {
        let vars = step(&mut t, &mut rng, 50);
        assert_eq!(t.growth_events(), growths, "a repeated step allocated");
        assert_eq!(pointers(&t, &vars), first, "a buffer moved");
    }
    // A smaller last batch fits in the same buffers, and so does the full size again.
    step(&mut t, &mut rng, 17);
    step(&mut t, &mut rng, 50);
    assert_eq!(t.growth_events(), growths);
    // A larger batch has to grow buffers: the counter notices.
    step(&mut t, &mut rng, 80);
    assert!(t.growth_events() > growths);
}
