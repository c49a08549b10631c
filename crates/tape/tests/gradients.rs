//! Every op, and random compositions of them: the tape's values equal a direct
//! computation and its gradients equal central finite differences (see `common::check`
//! for the tolerance: 1e-6 relative plus 1e-7 × (1 + |loss|) absolute).

use crate::common;

use common::{Instr, Program, XorShift, check, config, near_relu_kink};
use proptest::prelude::*;
use tape::Activation;

/// Every activation a dense layer takes.
const ACTIVATIONS: [Activation; 2] = [Activation::Relu, Activation::Sigmoid];

/// `loss = Σ out ⊙ R` for a constant random `R` already added as input `r`: every entry
/// of `out` gets a different upstream gradient.
fn reduce(p: &mut Program, out: usize, r: usize) {
    let weighted = p.push(Instr::Mul(out, r));
    p.push(Instr::Sum(weighted));
}

/// A single elementwise op on inputs of shape `rows × cols`, reduced to a loss.
/// Unary ops ignore `b`, which then does not ask for a gradient (and must get none).
fn elementwise(
    rows: usize,
    cols: usize,
    seed: u64,
    op: impl Fn(usize, usize) -> Instr,
    lo: f64,
    hi: f64,
) -> Program {
    let mut rng = XorShift(seed | 1);
    let mut p = Program::new();
    let a = p.input(rng.mat(rows, cols, lo, hi), true);
    let binary = matches!(op(0, 1), Instr::Add(..) | Instr::Sub(..) | Instr::Mul(..));
    let b = p.input(rng.mat(rows, cols, lo, hi), binary);
    let r = p.input(rng.mat(rows, cols, -1.0, 1.0), false);
    let out = p.push(op(a, b));
    reduce(&mut p, out, r);
    p
}

/// A layer `op(x, w, b)` with `x: n × k`, `w: k × m`, `b: 1 × m`, all asking for gradients,
/// reduced to a loss.
fn layer(
    n: usize,
    k: usize,
    m: usize,
    seed: u64,
    op: impl Fn(usize, usize, usize) -> Instr,
) -> Program {
    let mut rng = XorShift(seed | 1);
    let mut p = Program::new();
    let x = p.input(rng.mat(n, k, -2.0, 2.0), true);
    let w = p.input(rng.mat(k, m, -2.0, 2.0), true);
    let b = p.input(rng.mat(1, m, -2.0, 2.0), true);
    let r = p.input(rng.mat(n, m, -1.0, 1.0), false);
    let out = p.push(op(x, w, b));
    reduce(&mut p, out, r);
    p
}

fn labels(rng: &mut XorShift, n: usize, k: usize) -> Vec<usize> {
    (0..n).map(|_| rng.below(k)).collect()
}

proptest! {
    #![proptest_config(config("proptest-regressions/gradients.txt"))]

    #[test]
    fn matmul(n in 1usize..=6, k in 1usize..=6, m in 1usize..=6, seed in any::<u64>()) {
        let mut rng = XorShift(seed | 1);
        let mut p = Program::new();
        let a = p.input(rng.mat(n, k, -2.0, 2.0), true);
        let b = p.input(rng.mat(k, m, -2.0, 2.0), true);
        let r = p.input(rng.mat(n, m, -1.0, 1.0), false);
        let out = p.push(Instr::MatMul(a, b));
        reduce(&mut p, out, r);
        check(&p).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn linear(n in 1usize..=6, k in 1usize..=6, m in 1usize..=6, seed in any::<u64>()) {
        check(&layer(n, k, m, seed, Instr::Linear)).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn dense(n in 1usize..=6, k in 1usize..=6, m in 1usize..=6, act in 0usize..2, seed in any::<u64>()) {
        let p = layer(n, k, m, seed, |x, w, b| Instr::Dense(x, w, b, ACTIVATIONS[act]));
        prop_assume!(!near_relu_kink(&p));
        check(&p).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn add_row(n in 1usize..=6, m in 1usize..=6, seed in any::<u64>()) {
        let mut rng = XorShift(seed | 1);
        let mut p = Program::new();
        let a = p.input(rng.mat(n, m, -2.0, 2.0), true);
        let row = p.input(rng.mat(1, m, -2.0, 2.0), true);
        let r = p.input(rng.mat(n, m, -1.0, 1.0), false);
        let out = p.push(Instr::AddRow(a, row));
        reduce(&mut p, out, r);
        check(&p).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn add(n in 1usize..=6, m in 1usize..=6, seed in any::<u64>()) {
        check(&elementwise(n, m, seed, Instr::Add, -2.0, 2.0)).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn sub(n in 1usize..=6, m in 1usize..=6, seed in any::<u64>()) {
        check(&elementwise(n, m, seed, Instr::Sub, -2.0, 2.0)).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn mul(n in 1usize..=6, m in 1usize..=6, seed in any::<u64>()) {
        check(&elementwise(n, m, seed, Instr::Mul, -2.0, 2.0)).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn scale(n in 1usize..=6, m in 1usize..=6, c in -3.0f64..3.0, seed in any::<u64>()) {
        check(&elementwise(n, m, seed, |a, _| Instr::Scale(a, c), -2.0, 2.0)).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn relu(n in 1usize..=6, m in 1usize..=6, seed in any::<u64>()) {
        let p = elementwise(n, m, seed, |a, _| Instr::Relu(a), -2.0, 2.0);
        prop_assume!(!near_relu_kink(&p));
        check(&p).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn sigmoid(n in 1usize..=6, m in 1usize..=6, seed in any::<u64>()) {
        check(&elementwise(n, m, seed, |a, _| Instr::Sigmoid(a), -4.0, 4.0)).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn tanh(n in 1usize..=6, m in 1usize..=6, seed in any::<u64>()) {
        check(&elementwise(n, m, seed, |a, _| Instr::Tanh(a), -3.0, 3.0)).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn mul_by_a_constant_mask(n in 1usize..=6, m in 1usize..=6, keep in 0.2f64..0.9, seed in any::<u64>()) {
        let mut rng = XorShift(seed | 1);
        let mask = faer::Mat::from_fn(n, m, |_, _| if rng.uniform(0.0, 1.0) < keep { 1.0 / keep } else { 0.0 });
        let p = elementwise(n, m, seed, |a, _| Instr::MulConst(a, mask.clone()), -2.0, 2.0);
        check(&p).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn sum_mean_sum_squares(n in 1usize..=6, m in 1usize..=6, which in 0usize..3, seed in any::<u64>()) {
        let mut rng = XorShift(seed | 1);
        let mut p = Program::new();
        let a = p.input(rng.mat(n, m, -2.0, 2.0), true);
        p.push([Instr::Sum(a), Instr::Mean(a), Instr::SumSquares(a)][which].clone());
        check(&p).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn softmax_cross_entropy(n in 1usize..=6, k in 1usize..=6, weighted in any::<bool>(), normalised in any::<bool>(), seed in any::<u64>()) {
        let mut rng = XorShift(seed | 1);
        let mut p = Program::new();
        let z = p.input(rng.mat(n, k, -4.0, 4.0), true);
        let labels = labels(&mut rng, n, k);
        let weights = weighted.then(|| (0..k).map(|_| rng.uniform(0.1, 3.0)).collect());
        let normaliser = normalised.then(|| rng.uniform(0.5, 20.0));
        p.push(Instr::SoftmaxCe(z, labels, weights, normaliser));
        check(&p).map_err(TestCaseError::fail)?;
    }

    /// Random chains of ops over a pool of values; values are reused, so fan-out is
    /// common, and the data input `x` asks for its gradient too.
    #[test]
    fn random_compositions(p in compositions()) {
        prop_assume!(!near_relu_kink(&p));
        check(&p).map_err(TestCaseError::fail)?;
    }
}

/// Random shape-valid programs over every op: up to six rows and columns, one to nine
/// op codes, one to four classes, weighted or not.
pub(crate) fn compositions() -> impl Strategy<Value = Program> {
    (
        1usize..=6,
        1usize..=6,
        proptest::collection::vec(0u8..10, 1..10),
        1usize..=4,
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(|(n, d, codes, classes, weighted, seed)| {
            composition(n, d, &codes, classes, weighted, seed)
        })
}

/// Turns op codes into a shape-valid program. Parameters are created up front (the
/// program lists inputs first), so the builder plans the shapes before emitting ops.
fn composition(
    n: usize,
    d: usize,
    codes: &[u8],
    classes: usize,
    weighted: bool,
    seed: u64,
) -> Program {
    let mut rng = XorShift(seed | 1);
    // Plan: walk the codes tracking the current width, recording the parameters needed.
    let mut widths = vec![d];
    let mut width = d;
    for &code in codes {
        if matches!(code, 5 | 7 | 9) {
            width = 1 + rng.below(6);
        }
        widths.push(width);
    }
    let mut p = Program::new();
    let x = p.input(rng.mat(n, d, -2.0, 2.0), true);
    let x2 = p.input(rng.mat(n, d, -2.0, 2.0), false);
    let mut params = Vec::new();
    for (k, &code) in codes.iter().enumerate() {
        let (w_in, w_out) = (widths[k], widths[k + 1]);
        params.push(match code {
            5 => vec![p.input(rng.mat(w_in, w_out, -1.0, 1.0), true)],
            6 => vec![p.input(rng.mat(1, w_out, -1.0, 1.0), true)],
            7 | 9 => vec![
                p.input(rng.mat(w_in, w_out, -1.0, 1.0), true),
                p.input(rng.mat(1, w_out, -1.0, 1.0), true),
            ],
            _ => Vec::new(),
        });
    }
    let head_w = p.input(rng.mat(width, classes, -1.0, 1.0), true);
    let head_b = p.input(rng.mat(1, classes, -1.0, 1.0), true);
    // Pool of earlier values of the current width, partners for add/sub/mul.
    let mut pool: Vec<usize> = vec![x, x2];
    let mut cur = x;
    for (k, &code) in codes.iter().enumerate() {
        let pick = pool[rng.below(pool.len())];
        let (w_in, w_out) = (widths[k], widths[k + 1]);
        cur = match code {
            0 => p.push(Instr::Relu(cur)),
            1 => p.push(Instr::Sigmoid(cur)),
            2 => p.push(Instr::Tanh(cur)),
            3 => p.push(Instr::Scale(cur, rng.uniform(-2.0, 2.0))),
            4 => match rng.below(3) {
                0 => p.push(Instr::Add(cur, pick)),
                1 => p.push(Instr::Sub(cur, pick)),
                _ => p.push(Instr::Mul(cur, pick)),
            },
            5 => p.push(Instr::MatMul(cur, params[k][0])),
            6 => p.push(Instr::AddRow(cur, params[k][0])),
            7 => p.push(Instr::Linear(cur, params[k][0], params[k][1])),
            9 => p.push(Instr::Dense(
                cur,
                params[k][0],
                params[k][1],
                ACTIVATIONS[rng.below(2)],
            )),
            _ => {
                let mask =
                    faer::Mat::from_fn(n, w_in, |_, _| if rng.below(3) == 0 { 0.0 } else { 1.5 });
                p.push(Instr::MulConst(cur, mask))
            }
        };
        if w_out != w_in {
            pool.clear();
        }
        pool.push(cur);
    }
    let logits = p.push(Instr::Linear(cur, head_w, head_b));
    let labels = labels(&mut rng, n, classes);
    let weights = weighted.then(|| (0..classes).map(|_| rng.uniform(0.1, 3.0)).collect());
    let ce = p.push(Instr::SoftmaxCe(logits, labels, weights, None));
    // L2 penalty on the head and a mean of the last hidden value: more fan-out of `cur`.
    let l2 = p.push(Instr::SumSquares(head_w));
    let l2 = p.push(Instr::Scale(l2, 0.05));
    let m = p.push(Instr::Mean(cur));
    let loss = p.push(Instr::Add(ce, l2));
    p.push(Instr::Add(loss, m));
    p
}
