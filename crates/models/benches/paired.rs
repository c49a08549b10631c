//! The hand-written and tape engines timed alternately, so that both see the same machine.
//!
//! On a shared virtual machine the speed drifts by 20 % or more over minutes, and criterion
//! measures one function after the other, so the ratio of two criterion figures can be off by
//! that much. Here each round runs 40 full-batch ReLU iterations (forward, backward, update,
//! validation forward) with each engine back to back; the table gives the median and best of
//! 15 rounds per thread count, and the tape/hand-written ratio of each.

mod common;

use models::Engine;

const ROUNDS: usize = 15;
const STEPS: usize = 40;

fn main() {
    let p = common::Problem::new();
    println!("ms per full-batch iteration, {ROUNDS} alternating rounds of {STEPS} iterations");
    println!("threads  hand median  hand best  tape median  tape best  ratio (median)");
    for threads in [1, 2] {
        let mut times = [Vec::new(), Vec::new()];
        for _ in 0..ROUNDS {
            for (t, engine) in times.iter_mut().zip([Engine::HandWritten, Engine::Tape]) {
                let elapsed = p.time_training(engine, None, STEPS, threads);
                t.push(elapsed.as_secs_f64() * 1e3 / STEPS as f64);
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
