//! The sigmoid sweep goes on from the runs over seeds that already trained its first
//! iterations (same seed, rate and settings); its points must be those of sweep runs
//! trained from scratch, bit for bit, whichever way each rate starts: from a band run
//! (every step measured), from a run measured at its last step only (a checkpoint inside
//! it then needs a fresh run), or from a run that diverged.

use data::synth::{SynthConfig, generate};
use experiments::part_b::{train_config, train_mlp};
use experiments::{Config, Prepared, split};
use models::{Activation, Evaluate, Init, TrainConfig, TrainError};

use crate::part_b_models::run_part_b;

#[test]
fn the_sweep_equals_its_runs_trained_from_scratch() {
    let (train, test) = generate(&SynthConfig::new(1_500, 300, 5)).unwrap();
    let mut config = Config::quick(5);
    let b = &mut config.part_b;
    b.iterations = 20;
    // 0.1 is the study's rate (its band measures every step); 1.0 runs over seeds measured
    // at the last step only, so its checkpoint 10 needs a fresh run; 3.0 continues from
    // such a run; 1e308 diverges within the first iterations.
    b.learning_rate = 0.1;
    b.sweep_learning_rates = vec![0.1, 1.0, 3.0, 1e308];
    b.sweep_iterations = 45;
    b.sweep_checkpoints = vec![10, 20, 30, 45];
    let mut no_checkpoint_inside = config.clone();
    no_checkpoint_inside.part_b.sweep_checkpoints = vec![20, 30, 45];
    let split = split(&train, &config).unwrap();
    let prepared = Prepared::new(&train, &test, &split, &Default::default()).unwrap();
    for config in [config, no_checkpoint_inside] {
        let (b, _) = run_part_b(&train, &test, &config);
        let pb = &config.part_b;
        // Each point as (rate, iterations, then the bits of loss and accuracies, divergence).
        let point = |rate: usize, at: usize, numbers: [f64; 3], diverged: Option<usize>| {
            format!("{rate} {at} {:?} {diverged:?}", numbers.map(f64::to_bits))
        };
        let mut want = Vec::new();
        for (rate, &lr) in pb.sweep_learning_rates.iter().enumerate() {
            let cfg = TrainConfig {
                evaluate: Evaluate::EveryStep,
                ..train_config(pb, lr, pb.sweep_iterations, 1)
            };
            let run = train_mlp(
                &prepared,
                &pb.hidden,
                Activation::Sigmoid,
                &cfg,
                Init::Study,
                config.seed,
            );
            match run {
                Ok((_, history)) => {
                    for &c in &pb.sweep_checkpoints {
                        let r = &history[c - 1];
                        want.push(point(rate, c, [r.loss, r.train_acc, r.val_acc], None));
                    }
                }
                Err(TrainError::Diverged { step, .. }) => {
                    want.push(point(rate, step, [f64::NAN; 3], Some(step)))
                }
                Err(e) => panic!("{e}"),
            }
        }
        let got: Vec<String> = b
            .sigmoid_sweep
            .iter()
            .map(|p| {
                let numbers = [p.loss, p.train_acc, p.val_acc];
                point(p.rate, p.iterations, numbers, p.diverged_at)
            })
            .collect();
        assert_eq!(got, want);
        let diverged = b.sigmoid_sweep.iter().filter(|p| p.diverged_at.is_some());
        assert_eq!(diverged.count(), 1, "one rate diverges");
        assert_eq!(b.sigmoid_sweep.len(), 3 * pb.sweep_checkpoints.len() + 1);
    }
}
