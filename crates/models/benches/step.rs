//! One full-batch ReLU training iteration (forward, backward, update, validation forward) on
//! 33,078 + 8,270 random rows of 10 features, hand-written and through the tape, on one and
//! two threads. Also one epoch of 256-row minibatch SGD (Part C's step, 130 times), both
//! engines.
//!
//! Each sample is one training run of as many iterations as criterion asks for, so the
//! figure is the steady-state cost of an iteration (buffers allocated once per run, as in
//! real training), not the cost of setting a run up.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use models::Engine;

const ENGINES: [(&str, Engine); 2] = [
    ("hand_written", Engine::HandWritten),
    ("tape", Engine::Tape),
];

fn step(c: &mut Criterion) {
    let p = common::Problem::new();
    let mut group = c.benchmark_group("full_batch_iteration");
    group.sample_size(30);
    for threads in [1, 2] {
        for (name, engine) in ENGINES {
            group.bench_function(format!("{name}/{threads}_threads"), |b| {
                b.iter_custom(|iters| p.time_training(engine, None, iters as usize, threads))
            });
        }
    }
    group.finish();

    // Part C's unit of work: one epoch of minibatch SGD (batch 256, so 130 steps) plus the
    // epoch-end accuracies on all training and validation rows.
    let mut group = c.benchmark_group("minibatch_epoch");
    group.sample_size(20);
    for (name, engine) in ENGINES {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| p.time_training(engine, Some(256), iters as usize, 2))
        });
    }
    group.finish();
}

criterion_group!(benches, step);
criterion_main!(benches);
