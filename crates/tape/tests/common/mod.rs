//! Shared test support: a tiny program language that runs either on the tape or on a
//! naive reference implementation (plain loops, no tape code), and a checker that
//! compares values and compares tape gradients with central finite differences of the
//! reference.

#![allow(dead_code)] // each test binary uses a different part

use faer::Mat;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed};
use tape::{Activation, Real, Tape, Var};

/// Proptest configuration: 64 cases and a fixed seed unless `PROPTEST_CASES` /
/// `PROPTEST_RNG_SEED` say otherwise; failures are saved to `regressions` (a file under
/// `crates/tape/proptest-regressions/`, the working directory of tests being the crate).
pub fn config(regressions: &'static str) -> Config {
    let mut config = Config {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(regressions))),
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 64;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(0x5EED_7A9E);
    }
    config
}

/// One instruction; operands index the values computed so far (inputs first).
#[derive(Clone, Debug)]
pub enum Instr {
    MatMul(usize, usize),
    /// `dense` without an activation.
    Linear(usize, usize, usize),
    /// `dense` with an activation.
    Dense(usize, usize, usize, Activation),
    AddRow(usize, usize),
    Add(usize, usize),
    Sub(usize, usize),
    Mul(usize, usize),
    Scale(usize, f64),
    Relu(usize),
    Sigmoid(usize),
    Tanh(usize),
    /// `mul` by a constant (a leaf that asks for no gradient), e.g. a dropout mask.
    MulConst(usize, Mat<f64>),
    Sum(usize),
    Mean(usize),
    SumSquares(usize),
    /// Logits, labels, class weights, normaliser.
    SoftmaxCe(usize, Vec<usize>, Option<Vec<f64>>, Option<f64>),
}

/// Inputs (leaves) and instructions; the last value is the `1 × 1` loss.
#[derive(Clone, Debug)]
pub struct Program {
    pub inputs: Vec<Mat<f64>>,
    pub requires_grad: Vec<bool>,
    pub instrs: Vec<Instr>,
}

impl Program {
    pub fn new() -> Program {
        Program {
            inputs: Vec::new(),
            requires_grad: Vec::new(),
            instrs: Vec::new(),
        }
    }

    /// Adds an input; returns its value index.
    pub fn input(&mut self, m: Mat<f64>, requires_grad: bool) -> usize {
        assert!(self.instrs.is_empty(), "inputs come first");
        self.inputs.push(m);
        self.requires_grad.push(requires_grad);
        self.inputs.len() - 1
    }

    /// Adds an instruction; returns its value index.
    pub fn push(&mut self, instr: Instr) -> usize {
        self.instrs.push(instr);
        self.inputs.len() + self.instrs.len() - 1
    }
}

fn shape_of(values: &[Mat<f64>], i: usize) -> (usize, usize) {
    (values[i].nrows(), values[i].ncols())
}

/// Direct computation of every value with plain loops.
pub fn eval_ref(p: &Program, inputs: &[Mat<f64>]) -> Vec<Mat<f64>> {
    let mut v: Vec<Mat<f64>> = inputs.to_vec();
    for instr in &p.instrs {
        let out = match instr {
            Instr::MatMul(a, b) => {
                let (a, b) = (&v[*a], &v[*b]);
                Mat::from_fn(a.nrows(), b.ncols(), |i, j| {
                    (0..a.ncols()).map(|k| a[(i, k)] * b[(k, j)]).sum()
                })
            }
            Instr::Linear(x, w, b) => linear(&v[*x], &v[*w], &v[*b]),
            Instr::Dense(x, w, b, act) => {
                let z = linear(&v[*x], &v[*w], &v[*b]);
                match act {
                    Activation::Relu => map(&z, |x| if x > 0.0 { x } else { 0.0 }),
                    Activation::Sigmoid => map(&z, |x| 1.0 / (1.0 + (-x).exp())),
                }
            }
            Instr::AddRow(a, r) => {
                let (a, r) = (&v[*a], &v[*r]);
                Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[(i, j)] + r[(0, j)])
            }
            Instr::Add(a, b) => zip(&v[*a], &v[*b], |x, y| x + y),
            Instr::Sub(a, b) => zip(&v[*a], &v[*b], |x, y| x - y),
            Instr::Mul(a, b) => zip(&v[*a], &v[*b], |x, y| x * y),
            Instr::Scale(a, c) => map(&v[*a], |x| c * x),
            Instr::Relu(a) => map(&v[*a], |x| if x > 0.0 { x } else { 0.0 }),
            Instr::Sigmoid(a) => map(&v[*a], |x| 1.0 / (1.0 + (-x).exp())),
            Instr::Tanh(a) => map(&v[*a], f64::tanh),
            Instr::MulConst(a, m) => zip(&v[*a], m, |x, y| x * y),
            Instr::Sum(a) => scalar(entries(&v[*a]).sum()),
            Instr::Mean(a) => {
                let (r, c) = shape_of(&v, *a);
                scalar(entries(&v[*a]).sum::<f64>() / (r * c) as f64)
            }
            Instr::SumSquares(a) => scalar(entries(&v[*a]).map(|x| x * x).sum()),
            Instr::SoftmaxCe(z, labels, weights, normaliser) => {
                let z = &v[*z];
                let (mut num, mut den) = (0.0, 0.0);
                for (i, &y) in labels.iter().enumerate() {
                    let max = (0..z.ncols()).map(|j| z[(i, j)]).fold(f64::MIN, f64::max);
                    let lse = max
                        + (0..z.ncols())
                            .map(|j| (z[(i, j)] - max).exp())
                            .sum::<f64>()
                            .ln();
                    let w = weights.as_ref().map_or(1.0, |w| w[y]);
                    num += w * (lse - z[(i, y)]);
                    den += w;
                }
                scalar(num / normaliser.unwrap_or(den))
            }
        };
        v.push(out);
    }
    v
}

fn linear(x: &Mat<f64>, w: &Mat<f64>, b: &Mat<f64>) -> Mat<f64> {
    Mat::from_fn(x.nrows(), w.ncols(), |i, j| {
        b[(0, j)] + (0..x.ncols()).map(|k| x[(i, k)] * w[(k, j)]).sum::<f64>()
    })
}

fn entries(m: &Mat<f64>) -> impl Iterator<Item = f64> + '_ {
    (0..m.ncols()).flat_map(move |j| (0..m.nrows()).map(move |i| m[(i, j)]))
}

fn zip(a: &Mat<f64>, b: &Mat<f64>, f: impl Fn(f64, f64) -> f64) -> Mat<f64> {
    assert_eq!((a.nrows(), a.ncols()), (b.nrows(), b.ncols()));
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| f(a[(i, j)], b[(i, j)]))
}

fn map(a: &Mat<f64>, f: impl Fn(f64) -> f64) -> Mat<f64> {
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| f(a[(i, j)]))
}

fn scalar(x: f64) -> Mat<f64> {
    Mat::from_fn(1, 1, |_, _| x)
}

/// A leaf holding `m` rounded to the tape's precision (a copy for `f64`).
fn leaf<T: Real>(tape: &mut Tape<T>, m: &Mat<f64>, requires_grad: bool) -> Var {
    tape.leaf_with(m.nrows(), m.ncols(), requires_grad, |mut dst| {
        for j in 0..m.ncols() {
            for i in 0..m.nrows() {
                dst[(i, j)] = T::of(m[(i, j)]);
            }
        }
    })
}

/// Builds the program on `tape` (its inputs rounded to the tape's precision); returns the
/// `Var` of every value.
pub fn eval_tape<T: Real>(p: &Program, tape: &mut Tape<T>) -> Vec<Var> {
    let mut v: Vec<Var> = p
        .inputs
        .iter()
        .zip(&p.requires_grad)
        .map(|(m, &r)| leaf(tape, m, r))
        .collect();
    for instr in &p.instrs {
        let out = match instr {
            Instr::MatMul(a, b) => tape.matmul(v[*a], v[*b]),
            Instr::Linear(x, w, b) => tape.dense(v[*x], v[*w], v[*b], None),
            Instr::Dense(x, w, b, act) => tape.dense(v[*x], v[*w], v[*b], Some(*act)),
            Instr::AddRow(a, r) => tape.add_row(v[*a], v[*r]),
            Instr::Add(a, b) => tape.add(v[*a], v[*b]),
            Instr::Sub(a, b) => tape.sub(v[*a], v[*b]),
            Instr::Mul(a, b) => tape.mul(v[*a], v[*b]),
            Instr::Scale(a, c) => tape.scale(v[*a], *c),
            Instr::Relu(a) => tape.relu(v[*a]),
            Instr::Sigmoid(a) => tape.sigmoid(v[*a]),
            Instr::Tanh(a) => tape.tanh(v[*a]),
            Instr::MulConst(a, m) => {
                let c = leaf(tape, m, false);
                tape.mul(v[*a], c)
            }
            Instr::Sum(a) => tape.sum(v[*a]),
            Instr::Mean(a) => tape.mean(v[*a]),
            Instr::SumSquares(a) => tape.sum_squares(v[*a]),
            Instr::SoftmaxCe(z, labels, w, d) => {
                tape.softmax_cross_entropy(v[*z], labels, w.as_deref(), *d)
            }
        };
        v.push(out);
    }
    v
}

/// Whether some ReLU input lies within `1e-4` of the kink at 0 (finite differences are
/// meaningless there).
pub fn near_relu_kink(p: &Program) -> bool {
    let values = eval_ref(p, &p.inputs);
    p.instrs.iter().any(|instr| match instr {
        Instr::Relu(a) => entries(&values[*a]).any(|x| x.abs() < 1e-4),
        Instr::Dense(x, w, b, Activation::Relu) => {
            entries(&linear(&values[*x], &values[*w], &values[*b])).any(|x| x.abs() < 1e-4)
        }
        _ => false,
    })
}

/// Relative tolerance of the gradient check.
pub const RTOL: f64 = 1e-6;
/// Absolute tolerance of the gradient check, per unit of loss magnitude.
pub const ATOL: f64 = 1e-7;
/// Finite-difference step.
pub const H: f64 = 1e-6;

/// Runs `p` on a tape and checks: every node's value equals the reference within
/// `1e-10·(1+|v|)`; every input that requires a gradient has one, equal to the central
/// finite difference of the reference loss within `RTOL·|fd| + ATOL·(1+|L|)`; inputs
/// that do not require one have none. Returns an error message on failure.
pub fn check(p: &Program) -> Result<(), String> {
    let mut tape: Tape = Tape::new();
    let vars = eval_tape(p, &mut tape);
    let reference = eval_ref(p, &p.inputs);
    for (k, (&var, want)) in vars.iter().zip(&reference).enumerate() {
        let got = tape.value(var);
        if (got.nrows(), got.ncols()) != (want.nrows(), want.ncols()) {
            return Err(format!(
                "value {k}: shape {:?} vs {:?}",
                got.shape(),
                (want.nrows(), want.ncols())
            ));
        }
        for j in 0..want.ncols() {
            for i in 0..want.nrows() {
                let (g, w) = (got[(i, j)], want[(i, j)]);
                if (g - w).abs() > 1e-10 * (1.0 + w.abs()) {
                    return Err(format!(
                        "value {k} ({}) at ({i},{j}): tape {g} vs direct {w}",
                        tape.describe(var)
                    ));
                }
            }
        }
    }
    let loss = *vars.last().expect("program has a loss");
    let loss_value = tape.value(loss)[(0, 0)];
    tape.backward(loss).map_err(|e| e.to_string())?;
    for (k, m) in p.inputs.iter().enumerate() {
        let grad = tape.grad(vars[k]);
        if !p.requires_grad[k] {
            if grad.is_some() {
                return Err(format!("input {k} got a gradient it did not ask for"));
            }
            continue;
        }
        let grad = grad.ok_or_else(|| format!("input {k}: no gradient"))?;
        for j in 0..m.ncols() {
            for i in 0..m.nrows() {
                let fd = finite_difference(p, k, i, j);
                let g = grad[(i, j)];
                let tol = RTOL * fd.abs() + ATOL * (1.0 + loss_value.abs());
                if (g - fd).abs() > tol {
                    return Err(format!(
                        "input {k} at ({i},{j}): tape {g} vs finite difference {fd} (tol {tol})"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Central difference of the reference loss with respect to input `k` at `(i, j)`.
pub fn finite_difference(p: &Program, k: usize, i: usize, j: usize) -> f64 {
    let loss_at = |delta: f64| {
        let mut inputs = p.inputs.clone();
        inputs[k][(i, j)] += delta;
        eval_ref(p, &inputs).last().expect("loss")[(0, 0)]
    };
    (loss_at(H) - loss_at(-H)) / (2.0 * H)
}

/// xorshift64*: deterministic values for tests without a rand dependency.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next() >> 11) as f64 / (1u64 << 53) as f64)
    }

    /// Uniform in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn mat(&mut self, r: usize, c: usize, lo: f64, hi: f64) -> Mat<f64> {
        Mat::from_fn(r, c, |_, _| self.uniform(lo, hi))
    }
}
