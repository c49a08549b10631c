//! One full-batch ReLU training iteration (forward, backward, update, validation forward) on
//! 33,078 + 8,270 random rows of 10 features, hand-written and through the tape.

use criterion::{Criterion, criterion_group, criterion_main};
use faer::Mat;
use models::{Activation, Engine, Init, LossOptions, Mlp, TrainConfig, train};
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
    for (name, engine) in [
        ("hand_written", Engine::HandWritten),
        ("tape", Engine::Tape),
    ] {
        let cfg = TrainConfig {
            learning_rate: 0.1,
            steps: 1,
            batch_size: None,
            loss: LossOptions::default(),
            dropout: 0.0,
            engine,
        };
        group.bench_function(name, |b| {
            b.iter_batched_ref(
                || mlp.clone(),
                |m| train(m, (x.as_ref(), &y), (xv.as_ref(), &yv), &cfg, 7).unwrap(),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, step);
criterion_main!(benches);
