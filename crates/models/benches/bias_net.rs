//! One full-batch iteration of Question 2's network (10 → 4 → 4, shared bias) on 33,078
//! training rows and 8,270 validation rows, ReLU and sigmoid: through `train_bias_net`
//! (every iteration recorded, validation accuracy included) and through
//! `train_bias_net_losses` (Question 2's trainer: losses, and the validation accuracy of
//! the last iteration only).
//!
//! Each sample is one training run of as many iterations as criterion asks for, so the
//! figure is the steady-state cost of an iteration, not of setting a run up.
//!
//! `bias_net_pass` times one pass alone on the training rows (the kernel of
//! `kernels::small`): forward only (`loss`) and forward with backward (`hand_gradients`,
//! which also converts the labels and copies the gradients out, about 3 % of it).

// Only the shared problem's rows are used here, not its MLP timing helper.
#[allow(dead_code)]
mod common;

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use models::{Activation, BiasMode, BiasNet, Precision, train_bias_net, train_bias_net_losses};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Part B's rows (the shared bench problem); the network is Question 2's.
struct Problem(common::Problem);

impl Problem {
    /// Wall time of a run of `iterations` at learning rate 0.1, setup excluded.
    fn time(&self, act: Activation, losses_only: bool, iterations: usize) -> Duration {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut net = BiasNet::new(10, 4, act, BiasMode::Shared, &mut rng);
        let (train, val) = (
            (self.0.x.as_ref(), &self.0.y[..]),
            (self.0.xv.as_ref(), &self.0.yv[..]),
        );
        let start = Instant::now();
        if losses_only {
            let h =
                train_bias_net_losses(&mut net, train, val, 0.1, iterations, Precision::default())
                    .expect("trains");
            assert_eq!(h.losses.len(), iterations);
        } else {
            let h = train_bias_net(&mut net, train, val, 0.1, iterations).expect("trains");
            assert_eq!(h.len(), iterations);
        }
        start.elapsed()
    }
}

fn iteration(c: &mut Criterion) {
    let p = Problem(common::Problem::new());
    let mut group = c.benchmark_group("bias_net_iteration");
    group.sample_size(30);
    for (name, act) in [("relu", Activation::Relu), ("sigmoid", Activation::Sigmoid)] {
        for (trainer, losses_only) in [("recording", false), ("losses_only", true)] {
            group.bench_function(format!("{trainer}/{name}"), |b| {
                b.iter_custom(|iters| p.time(act, losses_only, iters as usize))
            });
        }
    }
    group.finish();
}

fn pass(c: &mut Criterion) {
    let p = common::Problem::new();
    let mut group = c.benchmark_group("bias_net_pass");
    group.sample_size(50);
    for (name, act) in [("relu", Activation::Relu), ("sigmoid", Activation::Sigmoid)] {
        let net = BiasNet::new(
            10,
            4,
            act,
            BiasMode::Shared,
            &mut ChaCha8Rng::seed_from_u64(2),
        );
        group.bench_function(format!("forward/{name}"), |b| {
            b.iter(|| net.loss(p.x.as_ref(), &p.y))
        });
        group.bench_function(format!("backward/{name}"), |b| {
            b.iter(|| net.hand_gradients(p.x.as_ref(), &p.y))
        });
    }
    group.finish();
}

criterion_group!(benches, iteration, pass);
criterion_main!(benches);
