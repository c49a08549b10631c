//! The hand-written and tape engines timed alternately, so that both see the same machine.
//!
//! On a shared virtual machine the speed drifts by 20 % or more over minutes, and criterion
//! measures one function after the other, so the ratio of two criterion figures can be off by
//! that much. Here each round runs 40 full-batch ReLU iterations (forward, backward, update,
//! validation forward) with each engine back to back; the table gives the median and best of
//! 15 rounds per thread count, and the tape/hand-written ratio of each.

use std::time::Instant;

use faer::Mat;
use models::{Activation, Backprop, Engine, Init, LossOptions, Mlp, TrainConfig, train};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const ROUNDS: usize = 15;
const STEPS: usize = 40;

fn data(rng: &mut ChaCha8Rng, n: usize) -> (Mat<f64>, Vec<usize>) {
    let x = Mat::from_fn(n, 10, |_, _| rng.random_range(-2.0..2.0));
    let y = (0..n).map(|_| rng.random_range(0..4)).collect();
    (x, y)
}

fn main() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let (x, y) = data(&mut rng, 33_078);
    let (xv, yv) = data(&mut rng, 8_270);
    let mlp = Mlp::new(10, &[32, 16], 4, Activation::Relu, Init::Study, &mut rng);
    println!("ms per full-batch iteration, {ROUNDS} alternating rounds of {STEPS} iterations");
    println!("threads  hand median  hand best  tape median  tape best  ratio (median)");
    for threads in [1, 2] {
        Backprop::set_threads(threads);
        let mut times = [Vec::new(), Vec::new()];
        for _ in 0..ROUNDS {
            for (t, engine) in times.iter_mut().zip([Engine::HandWritten, Engine::Tape]) {
                let cfg = TrainConfig {
                    learning_rate: 0.1,
                    steps: STEPS,
                    batch_size: None,
                    loss: LossOptions::default(),
                    dropout: 0.0,
                    engine,
                };
                let mut m = mlp.clone();
                let start = Instant::now();
                train(&mut m, (x.as_ref(), &y), (xv.as_ref(), &yv), &cfg, 7).expect("trains");
                t.push(start.elapsed().as_secs_f64() * 1e3 / STEPS as f64);
            }
        }
        for t in &mut times {
            t.sort_by(f64::total_cmp);
        }
        let [hand, tape] = &times;
        let mid = ROUNDS / 2;
        println!(
            "{threads:>7}  {:>11.3}  {:>9.3}  {:>11.3}  {:>9.3}  {:>14.3}",
            hand[mid],
            hand[0],
            tape[mid],
            tape[0],
            tape[mid] / hand[mid]
        );
    }
}
