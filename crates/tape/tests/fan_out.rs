//! A value used several times gets the sum of the gradients along each use.
//!
//! Each scenario builds `L = Σ_p path_p(x)` on one tape and each `path_p(x)` on its own
//! tape. The combined gradient must equal the sum of the separate ones. To show the
//! check has teeth, it must also differ clearly from every single path's gradient: if an
//! op arm assigned instead of adding, the gradient would be exactly one path's (the one
//! processed last), and these tests would fail.

use crate::common;

use common::XorShift;
use faer::{Mat, MatRef};
use tape::{Tape, Var};

type Path = Box<dyn Fn(&mut Tape, Var) -> Var>;

/// `Σ v ⊙ r` for a constant `r`.
fn dot(t: &mut Tape, v: Var, r: &Mat<f64>) -> Var {
    let r = t.leaf(r.as_ref(), false);
    let m = t.mul(v, r);
    t.sum(m)
}

fn max_abs_diff(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
    assert_eq!(a.shape(), b.shape());
    let mut d: f64 = 0.0;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            d = d.max((a[(i, j)] - b[(i, j)]).abs());
        }
    }
    d
}

/// ∂/∂x of the sum of the chosen paths.
fn grad_of(x: &Mat<f64>, paths: &[&Path]) -> Mat<f64> {
    let mut t = Tape::new();
    let xv = t.leaf(x.as_ref(), true);
    let mut loss = paths[0](&mut t, xv);
    for p in &paths[1..] {
        let l = p(&mut t, xv);
        loss = t.add(loss, l);
    }
    t.backward(loss).expect("finite loss");
    t.grad(xv).expect("x reaches the loss").to_owned()
}

/// The combined gradient equals the sum of the separate ones and differs from each of
/// them by more than `margin`.
fn check_fan_out(x: &Mat<f64>, paths: &[Path]) {
    let all: Vec<&Path> = paths.iter().collect();
    let combined = grad_of(x, &all);
    let mut sum = Mat::<f64>::zeros(x.nrows(), x.ncols());
    for p in paths {
        let single = grad_of(x, &[p]);
        sum += &single;
        let margin = max_abs_diff(combined.as_ref(), single.as_ref());
        assert!(
            margin > 0.05,
            "fan-out gradient is indistinguishable from one path's ({margin}): test is vacuous"
        );
    }
    let err = max_abs_diff(combined.as_ref(), sum.as_ref());
    assert!(
        err < 1e-12,
        "fan-out gradient is not the sum of the paths: {err}"
    );
}

#[test]
fn matmul_lhs_rhs_and_both_operands() {
    let mut rng = XorShift(11);
    let x = rng.mat(3, 3, -1.0, 1.0);
    let (w, a, r1, r2, r3) = (
        rng.mat(3, 2, -1.0, 1.0),
        rng.mat(4, 3, -1.0, 1.0),
        rng.mat(3, 2, -1.0, 1.0),
        rng.mat(4, 3, -1.0, 1.0),
        rng.mat(3, 3, -1.0, 1.0),
    );
    let paths: Vec<Path> = vec![
        Box::new(move |t, x| {
            let w = t.leaf(w.as_ref(), false);
            let y = t.matmul(x, w);
            dot(t, y, &r1)
        }),
        Box::new(move |t, x| {
            let a = t.leaf(a.as_ref(), false);
            let y = t.matmul(a, x);
            dot(t, y, &r2)
        }),
        Box::new(move |t, x| {
            let y = t.matmul(x, x);
            dot(t, y, &r3)
        }),
    ];
    check_fan_out(&x, &paths);
}

/// The case named in the assignment: one row used as a matmul operand and as a bias.
#[test]
fn row_in_matmul_and_bias_at_once() {
    let mut rng = XorShift(12);
    let x = rng.mat(1, 3, -1.0, 1.0);
    let (w, a, a2, w2) = (
        rng.mat(3, 2, -1.0, 1.0),
        rng.mat(4, 3, -1.0, 1.0),
        rng.mat(5, 3, -1.0, 1.0),
        rng.mat(3, 3, -1.0, 1.0),
    );
    let (r1, r2, r3) = (
        rng.mat(1, 2, -1.0, 1.0),
        rng.mat(4, 3, -1.0, 1.0),
        rng.mat(5, 3, -1.0, 1.0),
    );
    let paths: Vec<Path> = vec![
        Box::new(move |t, x| {
            let w = t.leaf(w.as_ref(), false);
            let y = t.matmul(x, w);
            dot(t, y, &r1)
        }),
        Box::new(move |t, x| {
            let a = t.leaf(a.as_ref(), false);
            let y = t.add_row(a, x);
            dot(t, y, &r2)
        }),
        Box::new(move |t, x| {
            let (a2, w2) = (t.leaf(a2.as_ref(), false), t.leaf(w2.as_ref(), false));
            let y = t.dense(a2, w2, x, None);
            dot(t, y, &r3)
        }),
    ];
    check_fan_out(&x, &paths);
}

#[test]
fn linear_input_weight_and_add_row_input() {
    let mut rng = XorShift(13);
    let x = rng.mat(3, 3, -1.0, 1.0);
    let (w, a, b, row) = (
        rng.mat(3, 2, -1.0, 1.0),
        rng.mat(4, 3, -1.0, 1.0),
        rng.mat(1, 3, -1.0, 1.0),
        rng.mat(1, 3, -1.0, 1.0),
    );
    let (r1, r2, r3) = (
        rng.mat(3, 2, -1.0, 1.0),
        rng.mat(4, 3, -1.0, 1.0),
        rng.mat(3, 3, -1.0, 1.0),
    );
    let b2 = rng.mat(1, 2, -1.0, 1.0);
    let paths: Vec<Path> = vec![
        Box::new(move |t, x| {
            let (w, b2) = (t.leaf(w.as_ref(), false), t.leaf(b2.as_ref(), false));
            let y = t.dense(x, w, b2, None);
            dot(t, y, &r1)
        }),
        Box::new(move |t, x| {
            let (a, b) = (t.leaf(a.as_ref(), false), t.leaf(b.as_ref(), false));
            let y = t.dense(a, x, b, None);
            dot(t, y, &r2)
        }),
        Box::new(move |t, x| {
            let row = t.leaf(row.as_ref(), false);
            let y = t.add_row(x, row);
            dot(t, y, &r3)
        }),
    ];
    check_fan_out(&x, &paths);
}

#[test]
fn add_sub_mul_twice_and_thrice() {
    let mut rng = XorShift(14);
    let x = rng.mat(3, 4, -1.0, 1.0);
    let (b, r1, r2, r3, r4) = (
        rng.mat(3, 4, -1.0, 1.0),
        rng.mat(3, 4, -1.0, 1.0),
        rng.mat(3, 4, -1.0, 1.0),
        rng.mat(3, 4, -1.0, 1.0),
        rng.mat(3, 4, -1.0, 1.0),
    );
    let b2 = b.clone();
    let paths: Vec<Path> = vec![
        Box::new(move |t, x| {
            let b = t.leaf(b.as_ref(), false);
            let y = t.add(x, b);
            dot(t, y, &r1)
        }),
        Box::new(move |t, x| {
            let b = t.leaf(b2.as_ref(), false);
            let y = t.sub(b, x);
            dot(t, y, &r2)
        }),
        Box::new(move |t, x| {
            let y = t.mul(x, x);
            dot(t, y, &r3)
        }),
        Box::new(move |t, x| {
            let y = t.add(x, x);
            let y = t.add(y, x); // x thrice in one expression
            dot(t, y, &r4)
        }),
    ];
    check_fan_out(&x, &paths);
}

#[test]
fn unary_ops() {
    let mut rng = XorShift(15);
    // Entries kept away from ReLU's kink.
    let x = Mat::from_fn(3, 4, |_, _| {
        let v = rng.uniform(0.2, 1.5);
        if rng.below(2) == 0 { v } else { -v }
    });
    let rs: Vec<Mat<f64>> = (0..5).map(|_| rng.mat(3, 4, -1.0, 1.0)).collect();
    let mask = Mat::from_fn(3, 4, |i, j| if (i + j) % 3 == 0 { 0.0 } else { 1.5 });
    let r = rs.clone();
    let paths: Vec<Path> = vec![
        Box::new({
            let r = r[0].clone();
            move |t, x| {
                let y = t.relu(x);
                dot(t, y, &r)
            }
        }),
        Box::new({
            let r = r[1].clone();
            move |t, x| {
                let y = t.sigmoid(x);
                dot(t, y, &r)
            }
        }),
        Box::new({
            let r = r[2].clone();
            move |t, x| {
                let y = t.tanh(x);
                dot(t, y, &r)
            }
        }),
        Box::new({
            let r = r[3].clone();
            move |t, x| {
                let y = t.scale(x, 3.0);
                dot(t, y, &r)
            }
        }),
        Box::new({
            let r = r[4].clone();
            move |t, x| {
                let mask = t.leaf(mask.as_ref(), false);
                let y = t.mul(x, mask);
                dot(t, y, &r)
            }
        }),
    ];
    check_fan_out(&x, &paths);
}

#[test]
fn reductions_and_softmax_cross_entropy() {
    let mut rng = XorShift(16);
    let x = rng.mat(4, 3, -2.0, 2.0);
    let paths: Vec<Path> = vec![
        Box::new(|t, x| t.sum(x)),
        Box::new(|t, x| {
            let m = t.mean(x);
            t.scale(m, 5.0)
        }),
        Box::new(|t, x| t.sum_squares(x)),
        Box::new(|t, x| t.softmax_cross_entropy(x, &[0, 2, 1, 2], None, None)),
        Box::new(|t, x| t.softmax_cross_entropy(x, &[1, 1, 0, 2], Some(&[0.5, 2.0, 1.0]), None)),
    ];
    check_fan_out(&x, &paths);
}

/// Within one node: `x ⊙ x`, `x + x` and `x · x` each contribute twice to `x`. Assigning
/// would keep only the second contribution; the exact sums are checked here.
#[test]
fn same_operand_twice_in_one_node() {
    let mut rng = XorShift(17);
    let x = rng.mat(3, 3, -1.0, 1.0);
    let r = rng.mat(3, 3, -1.0, 1.0);
    let run = |f: &dyn Fn(&mut Tape, Var) -> Var| {
        let mut t = Tape::new();
        let xv = t.leaf(x.as_ref(), true);
        let y = f(&mut t, xv);
        let loss = dot(&mut t, y, &r);
        t.backward(loss).unwrap();
        t.grad(xv).unwrap().to_owned()
    };
    // d/dx Σ (x ⊙ x) ⊙ r = 2 x ⊙ r; one contribution alone is x ⊙ r.
    let g = run(&|t, x| t.mul(x, x));
    let half = Mat::from_fn(3, 3, |i, j| x[(i, j)] * r[(i, j)]);
    let twice = Mat::from_fn(3, 3, |i, j| 2.0 * half[(i, j)]);
    assert!(max_abs_diff(g.as_ref(), twice.as_ref()) < 1e-14);
    assert!(max_abs_diff(g.as_ref(), half.as_ref()) > 0.05);
    // d/dx Σ (x + x) ⊙ r = 2 r.
    let g = run(&|t, x| t.add(x, x));
    let twice_r = Mat::from_fn(3, 3, |i, j| 2.0 * r[(i, j)]);
    assert!(max_abs_diff(g.as_ref(), twice_r.as_ref()) < 1e-14);
    assert!(max_abs_diff(g.as_ref(), r.as_ref()) > 0.05);
    // d/dx Σ (x·x) ⊙ r = r·xᵀ + xᵀ·r; either term alone is what assigning would leave.
    let g = run(&|t, x| t.matmul(x, x));
    let left = &r * x.transpose();
    let right = x.transpose() * &r;
    let both = &left + &right;
    assert!(max_abs_diff(g.as_ref(), both.as_ref()) < 1e-14);
    assert!(max_abs_diff(g.as_ref(), left.as_ref()) > 0.05);
    assert!(max_abs_diff(g.as_ref(), right.as_ref()) > 0.05);
}
