//! The sigmoid sweep over learning rates and longer budgets, on the protocol's seed alone: an
//! illustration (no verdict is drawn from it).

use models::{Activation, Evaluate, Init, TrainConfig, TrainError};

use super::{PartBConfig, train_config, train_mlps};
use crate::evidence::SweepPoint;
use crate::prepare::Prepared;
use crate::{ExperimentError, Progress, Runtime};

pub(super) fn sweep(
    prepared: &Prepared,
    config: &PartBConfig,
    seed: u64,
    runtime: &Runtime,
    progress: &mut dyn Progress,
) -> Result<Vec<SweepPoint>, ExperimentError> {
    // The learning rates train side by side; the results are those of one run after another.
    // Only the checkpoints' records are read, so only they measure validation accuracy.
    let runs: Vec<(TrainConfig, u64)> = config
        .sweep_learning_rates
        .iter()
        .map(|&lr| {
            let cfg = TrainConfig {
                evaluate: Evaluate::At(config.sweep_checkpoints.clone()),
                ..train_config(lr, config.sweep_iterations, runtime.threads)
            };
            (cfg, seed)
        })
        .collect();
    progress.advance(0, runs.len());
    let trained = train_mlps(
        prepared,
        &config.hidden,
        Activation::Sigmoid,
        &runs,
        Init::Study,
        runtime.threads,
    );
    progress.advance(runs.len(), runs.len());
    let mut points = Vec::new();
    for (rate, (&lr, result)) in config.sweep_learning_rates.iter().zip(trained).enumerate() {
        match result {
            Ok((_, history)) => {
                for &c in &config.sweep_checkpoints {
                    if let Some(r) = history.get(c.saturating_sub(1)) {
                        points.push(SweepPoint {
                            rate,
                            learning_rate: lr,
                            iterations: c,
                            loss: r.loss,
                            train_acc: r.train_acc,
                            val_acc: r.val_acc,
                            diverged_at: None,
                        });
                    }
                }
            }
            Err(TrainError::Diverged { step, .. }) => points.push(SweepPoint {
                rate,
                learning_rate: lr,
                iterations: step,
                loss: f64::NAN,
                train_acc: f64::NAN,
                val_acc: f64::NAN,
                diverged_at: Some(step),
            }),
            Err(e) => return Err(ExperimentError::training("Part B sweep".into(), e)),
        }
    }
    Ok(points)
}
