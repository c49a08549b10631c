//! One full-batch ReLU training iteration (forward, backward, update, validation forward) on
//! 33,078 + 8,270 random rows of 10 features, hand-written and through the tape.
//!
//! Also one epoch of 256-row minibatch SGD (Part C's step, 130 times), both engines.
//!
//! Each sample is one training run of as many iterations as criterion asks for, so the
//! figure is the steady-state cost of an iteration (buffers allocated once per run, as in
//! real training), not the cost of setting a run up.

use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use faer::Mat;
use models::{Activation, Backprop, Engine, Init, LossOptions, Mlp, TrainConfig, train};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn data(rng: &mut ChaCha8Rng, n: usize) -> (Mat<f64>, Vec<usize>) {
    let x = Mat::from_fn(n, 10, |_, _| rng.random_range(-2.0..2.0));
    let y = (0..n).map(|_| rng.random_range(0..4)).collect();
    (x, y)
}

fn step(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let (x, y) = data(&mut rng, 33_078);
    let (xv, yv) = data(&mut rng, 8_270);
    let mlp = Mlp::new(10, &[32, 16], 4, Activation::Relu, Init::Study, &mut rng);
    let mut group = c.benchmark_group("full_batch_iteration");
    group.sample_size(30);
    for (threads, (name, engine)) in [1, 2].into_iter().flat_map(|t| {
        [
            (t, ("hand_written", Engine::HandWritten)),
            (t, ("tape", Engine::Tape)),
        ]
    }) {
        group.bench_function(format!("{name}/{threads}_threads"), |b| {
            Backprop::set_threads(threads);
            b.iter_custom(|iters| {
                let cfg = TrainConfig {
                    learning_rate: 0.1,
                    steps: iters as usize,
                    batch_size: None,
                    loss: LossOptions::default(),
                    dropout: 0.0,
                    engine,
                };
                let mut m = mlp.clone();
                let start = Instant::now();
                let history = train(&mut m, (x.as_ref(), &y), (xv.as_ref(), &yv), &cfg, 7);
                let elapsed = start.elapsed();
                assert_eq!(history.unwrap().len(), iters as usize);
                elapsed
            })
        });
    }
    group.finish();

    // Part C's unit of work: one epoch of minibatch SGD (batch 256, so 130 steps) plus the
    // epoch-end accuracies on all training and validation rows.
    let mut group = c.benchmark_group("minibatch_epoch");
    group.sample_size(20);
    Backprop::set_threads(2);
    for (name, engine) in [
        ("hand_written", Engine::HandWritten),
        ("tape", Engine::Tape),
    ] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let cfg = TrainConfig {
                    learning_rate: 0.1,
                    steps: iters as usize,
                    batch_size: Some(256),
                    loss: LossOptions::default(),
                    dropout: 0.0,
                    engine,
                };
                let mut m = mlp.clone();
                let start = Instant::now();
                let history = train(&mut m, (x.as_ref(), &y), (xv.as_ref(), &yv), &cfg, 7);
                let elapsed = start.elapsed();
                assert_eq!(history.unwrap().len(), iters as usize);
                elapsed
            })
        });
    }
    group.finish();
}

criterion_group!(benches, step);
criterion_main!(benches);
