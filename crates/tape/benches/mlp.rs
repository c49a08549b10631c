//! One forward + backward pass of a 10→32→16→4 ReLU MLP on 33,078 rows (the size of the
//! Airbnb training split), through the tape and written by hand with faer, to measure the
//! tape's overhead.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use faer::{Accum, Mat, MatRef};
use kernels::matmul_into as matmul;
use tape::{Activation, Tape};

const ROWS: usize = 33_078;
const SIZES: [usize; 4] = [10, 32, 16, 4];

/// xorshift64*: a fixed-seed stream, so the tape crate needs no rand dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [-1, 1).
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// Data and parameters of the benchmark network.
struct Problem {
    x: Mat<f64>,
    labels: Vec<usize>,
    weights: Vec<Mat<f64>>,
    biases: Vec<Mat<f64>>,
}

fn problem() -> Problem {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let x = Mat::from_fn(ROWS, SIZES[0], |_, _| rng.uniform());
    let labels = (0..ROWS).map(|_| (rng.next() % 4) as usize).collect();
    let mut weights = Vec::new();
    let mut biases = Vec::new();
    for l in 0..3 {
        let scale = (6.0 / SIZES[l] as f64).sqrt();
        weights.push(Mat::from_fn(SIZES[l], SIZES[l + 1], |_, _| {
            scale * rng.uniform()
        }));
        biases.push(Mat::from_fn(1, SIZES[l + 1], |_, _| 0.1 * rng.uniform()));
    }
    Problem {
        x,
        labels,
        weights,
        biases,
    }
}

/// How the tape builds each layer.
#[derive(Clone, Copy)]
enum Layer {
    /// `matmul`, `add_row`, then `relu`.
    Separate,
    /// `dense` without activation, then `relu`.
    Linear,
    /// `dense` (product, bias and ReLU in one node).
    Dense,
}

/// Forward + backward through the tape; returns the loss.
fn tape_step(tape: &mut Tape, p: &Problem, layer: Layer) -> f64 {
    tape.clear();
    let mut h = tape.leaf(p.x.as_ref(), false);
    let mut params = Vec::with_capacity(6);
    for l in 0..3 {
        let w = tape.leaf(p.weights[l].as_ref(), true);
        let b = tape.leaf(p.biases[l].as_ref(), true);
        params.push(w);
        params.push(b);
        h = match layer {
            Layer::Dense if l < 2 => tape.dense(h, w, b, Some(Activation::Relu)),
            Layer::Linear | Layer::Dense => tape.dense(h, w, b, None),
            Layer::Separate => {
                let z = tape.matmul(h, w);
                tape.add_row(z, b)
            }
        };
        if l < 2 && !matches!(layer, Layer::Dense) {
            h = tape.relu(h);
        }
    }
    let loss = tape.softmax_cross_entropy(h, &p.labels, None, None);
    tape.backward(loss).expect("finite loss");
    black_box(tape.grad(params[0]).expect("gradient")[(0, 0)]);
    tape.value(loss)[(0, 0)]
}

/// Buffers of the hand-written pass, allocated once.
struct Hand {
    /// Activations after bias and ReLU (logits for the last layer).
    acts: Vec<Mat<f64>>,
    /// Gradients with respect to each layer's pre-activation.
    deltas: Vec<Mat<f64>>,
    grad_w: Vec<Mat<f64>>,
    grad_b: Vec<Mat<f64>>,
}

impl Hand {
    fn new() -> Hand {
        let m = |r, c| Mat::zeros(r, c);
        Hand {
            acts: (1..4).map(|l| m(ROWS, SIZES[l])).collect(),
            deltas: (1..4).map(|l| m(ROWS, SIZES[l])).collect(),
            grad_w: (0..3).map(|l| m(SIZES[l], SIZES[l + 1])).collect(),
            grad_b: (0..3).map(|l| m(1, SIZES[l + 1])).collect(),
        }
    }
}

/// Forward + backward written directly with faer: matmul, in-place fused bias + ReLU,
/// softmax cross-entropy, then the textbook backprop recursions; returns the loss.
fn hand_step(h: &mut Hand, p: &Problem) -> f64 {
    for l in 0..3 {
        let (done, rest) = h.acts.split_at_mut(l);
        let input: MatRef<'_, f64> = if l == 0 {
            p.x.as_ref()
        } else {
            done[l - 1].as_ref()
        };
        let z = &mut rest[0];
        matmul(
            z.as_mut(),
            Accum::Replace,
            input,
            p.weights[l].as_ref(),
            1.0,
        );
        for j in 0..z.ncols() {
            let b = p.biases[l][(0, j)];
            let col = z.col_as_slice_mut(j);
            if l < 2 {
                col.iter_mut().for_each(|v| *v = (*v + b).max(0.0));
            } else {
                col.iter_mut().for_each(|v| *v += b);
            }
        }
    }
    // Softmax cross-entropy, row by row; delta3 = (softmax − onehot) / n.
    let (logits, d3) = (&h.acts[2], &mut h.deltas[2]);
    let mut loss = 0.0;
    for i in 0..ROWS {
        let mut max = f64::NEG_INFINITY;
        for j in 0..4 {
            max = max.max(logits[(i, j)]);
        }
        let mut norm = 0.0;
        for j in 0..4 {
            let e = kernels::exp(logits[(i, j)] - max);
            d3[(i, j)] = e;
            norm += e;
        }
        let y = p.labels[i];
        loss += max + norm.ln() - logits[(i, y)];
        for j in 0..4 {
            let onehot = if j == y { 1.0 } else { 0.0 };
            d3[(i, j)] = (d3[(i, j)] / norm - onehot) / ROWS as f64;
        }
    }
    for l in (0..3).rev() {
        let input = if l == 0 {
            p.x.as_ref()
        } else {
            h.acts[l - 1].as_ref()
        };
        let (lower, upper) = h.deltas.split_at_mut(l);
        let delta = upper[0].as_ref();
        matmul(
            h.grad_w[l].as_mut(),
            Accum::Replace,
            input.transpose(),
            delta,
            1.0,
        );
        for j in 0..delta.ncols() {
            h.grad_b[l][(0, j)] = delta.col(j).iter().sum();
        }
        if l > 0 {
            let prev = &mut lower[l - 1];
            matmul(
                prev.as_mut(),
                Accum::Replace,
                delta,
                p.weights[l].transpose(),
                1.0,
            );
            let act = &h.acts[l - 1];
            for j in 0..prev.ncols() {
                let a = act.col_as_slice(j);
                for (d, &a) in prev.col_as_slice_mut(j).iter_mut().zip(a) {
                    if a <= 0.0 {
                        *d = 0.0;
                    }
                }
            }
        }
    }
    black_box(h.grad_w[0][(0, 0)]);
    loss / ROWS as f64
}

fn bench(c: &mut Criterion) {
    let p = problem();
    let mut tape = Tape::new();
    let mut hand = Hand::new();
    // The four versions compute the same loss.
    let h = hand_step(&mut hand, &p);
    for layer in [Layer::Separate, Layer::Linear, Layer::Dense] {
        assert!((tape_step(&mut tape, &p, layer) - h).abs() < 1e-12);
    }

    let mut group = c.benchmark_group("mlp_10_32_16_4_x33078");
    group.sample_size(30);
    for (name, layer) in [
        ("tape_matmul_add_row", Layer::Separate),
        ("tape_linear", Layer::Linear),
        ("tape_dense", Layer::Dense),
    ] {
        group.bench_function(name, |bench| bench.iter(|| tape_step(&mut tape, &p, layer)));
    }
    group.bench_function("hand_faer", |bench| bench.iter(|| hand_step(&mut hand, &p)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
