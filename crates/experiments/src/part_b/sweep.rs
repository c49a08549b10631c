//! The sigmoid sweep over learning rates and longer budgets, on the protocol's seed alone: an
//! illustration (no verdict is drawn from it).

use models::{Activation, Evaluate, Init, Record, TrainConfig, TrainError, TrainJob};

use super::seeds::Outcome;
use super::{PartBConfig, train_config};
use crate::evidence::SweepPoint;
use crate::prepare::Prepared;
use crate::{ExperimentError, Progress, Runtime};

/// Where a sweep run starts: from its initialisation, or from the run of the same seed and
/// rate that the runs over seeds already trained for `config.iterations` (the sweep's
/// first iterations are exactly that run, so they are not trained twice).
enum Start<'a> {
    /// Trained from its initialisation.
    Fresh,
    /// The run over seeds that is the sweep's first `config.iterations`.
    From(&'a [Record], &'a models::Mlp),
    /// That run diverged at this step: so does the sweep.
    Diverged(usize),
}

/// The sigmoid sweep: one run per rate of `config.sweep_learning_rates` from `seed`, read
/// at `config.sweep_checkpoints`. `trained[i]` is, when the runs over seeds have it, the
/// run of `seed` at rate `i` for `config.iterations` (with the same initialisation and
/// settings): the sweep then goes on from where it stopped.
pub(super) fn sweep(
    prepared: &Prepared,
    config: &PartBConfig,
    seed: u64,
    runtime: &Runtime,
    trained: &[Option<&Outcome>],
    progress: &mut dyn Progress,
) -> Result<Vec<SweepPoint>, ExperimentError> {
    let done = config.iterations;
    let starts: Vec<Start<'_>> = (0..config.sweep_learning_rates.len())
        .map(|i| match trained.get(i).copied().flatten() {
            Some(o) if config.sweep_iterations >= done => match &o.history {
                // Each checkpoint inside the trained run must have been measured there.
                Ok(h)
                    if h.len() == done
                        && config
                            .sweep_checkpoints
                            .iter()
                            .filter(|&&c| c >= 1 && c <= done)
                            .all(|&c| !h[c - 1].val_acc.is_nan()) =>
                {
                    Start::From(h, &o.mlp)
                }
                Err(TrainError::Diverged { step, .. }) if *step <= done => Start::Diverged(*step),
                _ => Start::Fresh,
            },
            _ => Start::Fresh,
        })
        .collect();
    // The learning rates train side by side; the results are those of one run after another.
    // Only the checkpoints' records are read, so only they measure validation accuracy. A
    // run that goes on from a trained one repeats its last iteration (the network left is
    // the one its last record measured, before that iteration's update), so its step `k`
    // is the sweep's `k + done − 1`.
    let mut jobs = Vec::new();
    let mut job_of = Vec::new();
    for (&lr, start) in config.sweep_learning_rates.iter().zip(&starts) {
        let (mlp, offset) = match start {
            Start::Fresh => (
                models::Mlp::new(
                    prepared.train.x.ncols(),
                    &config.hidden,
                    prepared.n_classes,
                    Activation::Sigmoid,
                    Init::Study,
                    &mut data::rng::stream(seed, data::rng::Stream::Init),
                ),
                0,
            ),
            Start::From(_, mlp) => ((*mlp).clone(), done - 1),
            Start::Diverged(_) => {
                job_of.push(None);
                continue;
            }
        };
        let checkpoints = config
            .sweep_checkpoints
            .iter()
            .filter(|&&c| c > offset)
            .map(|&c| c - offset)
            .collect();
        job_of.push(Some((jobs.len(), offset)));
        jobs.push(TrainJob {
            mlp,
            cfg: TrainConfig {
                evaluate: Evaluate::At(checkpoints),
                ..train_config(
                    config,
                    lr,
                    config.sweep_iterations - offset,
                    runtime.threads,
                )
            },
            seed,
        });
    }
    progress.advance(0, jobs.len());
    let histories = models::train_many(
        &mut jobs,
        (prepared.train.x.as_ref(), &prepared.train.y),
        (prepared.validation.x.as_ref(), &prepared.validation.y),
        runtime.threads,
    );
    progress.advance(jobs.len(), jobs.len());
    let mut points = Vec::new();
    for (rate, ((&lr, start), job)) in config
        .sweep_learning_rates
        .iter()
        .zip(&starts)
        .zip(job_of)
        .enumerate()
    {
        let diverged = |step| SweepPoint {
            rate,
            learning_rate: lr,
            iterations: step,
            loss: f64::NAN,
            train_acc: f64::NAN,
            val_acc: f64::NAN,
            diverged_at: Some(step),
        };
        let Some((j, offset)) = job else {
            if let Start::Diverged(step) = start {
                points.push(diverged(*step));
            }
            continue;
        };
        match &histories[j] {
            Ok(history) => {
                for &c in &config.sweep_checkpoints {
                    // The trained run's last record is not read: at the f32 precision
                    // it is measured in f64 (`models::Engine::HandWrittenF32`), and a
                    // sweep run trained alone measures that step like every other; the
                    // run that goes on repeats that step and measures it so.
                    let record = match start {
                        Start::From(first, _) if c < done => first.get(c.saturating_sub(1)),
                        Start::From(..) => history.get(c - done),
                        _ => history.get(c.saturating_sub(1)),
                    };
                    if let Some(r) = record {
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
            Err(TrainError::Diverged { step, .. }) => points.push(diverged(step + offset)),
            Err(e) => return Err(ExperimentError::training("Part B sweep".into(), e.clone())),
        }
    }
    Ok(points)
}
