//! `Tape<f32>` against `Tape<f64>` on the same programs (inputs rounded to `f32`): the
//! same graph, values and gradients within single precision. The `f64` tape is the one the
//! finite-difference checks prove (`gradients`); this ties the `f32` tape to it.

use crate::common::{Instr, Program, XorShift, config, eval_tape, near_relu_kink};
use crate::gradients::compositions;
use faer::MatRef;
use proptest::prelude::*;
use tape::{Activation, Real, Tape};

/// `Err` unless `got` (f32) is within `tol · (1 + max |want|)` of `want` (f64) entrywise.
fn close<T: Real>(
    what: &str,
    got: MatRef<'_, T>,
    want: MatRef<'_, f64>,
    tol: f64,
) -> Result<(), String> {
    let scale = 1.0 + want.norm_max();
    for j in 0..want.ncols() {
        for i in 0..want.nrows() {
            let (g, w) = (got[(i, j)].to_f64(), want[(i, j)]);
            if (g - w).abs() > tol * scale {
                return Err(format!(
                    "{what} at ({i},{j}): f32 {g} vs f64 {w} (scale {scale})"
                ));
            }
        }
    }
    Ok(())
}

/// Runs `p` on both tapes and compares the loss and every input's gradient (and that the
/// same inputs get one).
fn agree(p: &Program, tol: f64) -> Result<(), String> {
    let (mut t64, mut t32): (Tape, Tape<f32>) = (Tape::new(), Tape::new());
    let (v64, v32) = (eval_tape(p, &mut t64), eval_tape(p, &mut t32));
    let (l64, l32) = (*v64.last().unwrap(), *v32.last().unwrap());
    close("loss", t32.value(l32), t64.value(l64), tol)?;
    t64.backward(l64).map_err(|e| e.to_string())?;
    t32.backward(l32).map_err(|e| e.to_string())?;
    for k in 0..p.inputs.len() {
        match (t32.grad(v32[k]), t64.grad(v64[k])) {
            (Some(g), Some(w)) => close(&format!("∂L/∂input {k}"), g, w, tol)?,
            (None, None) => {}
            (g, w) => {
                return Err(format!(
                    "input {k}: f32 gradient {:?}, f64 {:?}",
                    g.is_some(),
                    w.is_some()
                ));
            }
        }
    }
    Ok(())
}

/// An MLP as Part C builds it: two dense ReLU or sigmoid layers, a linear head, weighted
/// softmax cross-entropy over a larger batch's normaliser, and a weight penalty.
fn mlp(n: usize, act: Activation, seed: u64) -> Program {
    let mut rng = XorShift(seed | 1);
    let mut p = Program::new();
    let x = p.input(rng.mat(n, 10, -2.0, 2.0), false);
    let w1 = p.input(rng.mat(10, 32, -0.5, 0.5), true);
    let b1 = p.input(rng.mat(1, 32, -0.1, 0.1), true);
    let w2 = p.input(rng.mat(32, 16, -0.5, 0.5), true);
    let b2 = p.input(rng.mat(1, 16, -0.1, 0.1), true);
    let w3 = p.input(rng.mat(16, 4, -0.5, 0.5), true);
    let b3 = p.input(rng.mat(1, 4, -0.1, 0.1), true);
    let h1 = p.push(Instr::Dense(x, w1, b1, act));
    let h2 = p.push(Instr::Dense(h1, w2, b2, act));
    let z = p.push(Instr::Linear(h2, w3, b3));
    let labels = (0..n).map(|_| rng.below(4)).collect();
    let ce = p.push(Instr::SoftmaxCe(
        z,
        labels,
        Some(vec![0.7, 1.3, 2.0, 0.4]),
        Some(2.0 * n as f64),
    ));
    let sq = p.push(Instr::SumSquares(w2));
    let penalty = p.push(Instr::Scale(sq, 5e-3));
    p.push(Instr::Add(ce, penalty));
    p
}

proptest! {
    #![proptest_config(config("proptest-regressions/single_precision.txt"))]

    /// Every op, in random compositions with fan-out.
    #[test]
    fn random_compositions_agree(p in compositions()) {
        prop_assume!(!near_relu_kink(&p));
        agree(&p, 1e-4).map_err(TestCaseError::fail)?;
    }

    /// Part C's network on a block of up to 300 rows: long sums, both activations.
    #[test]
    fn an_mlp_agrees(n in 1usize..=300, act in 0usize..2, seed in any::<u64>()) {
        let act = [Activation::Relu, Activation::Sigmoid][act];
        agree(&mlp(n, act, seed), 1e-5).map_err(TestCaseError::fail)?;
    }
}
