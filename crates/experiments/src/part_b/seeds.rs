//! The runs over seeds the verdicts compare: one setting (activation, initialisation,
//! learning rate) trained from every seed, with the backward signals measured before and
//! after, summarised as bands, final values and the per-seed values B(b) pairs.

use data::rng::{Stream, stream};
use models::{Activation, Evaluate, Init, Mlp, Record, TrainConfig, TrainError, TrainJob};

use super::gradients::first_to_last_ratio;
use super::{PartBConfig, signals, train_config};
use crate::evidence::{GradientSeeds, InitScheme, SeedBand, SeedRuns, SignalEvidence};
use crate::interval::{non_negative_interval, proportion_interval};
use crate::prepare::Prepared;
use crate::stats::mean_sd;
use crate::{ExperimentError, Progress, Runtime};

/// One run of [`runs_over_seeds`]: its history (or why it stopped), the trained network
/// and the backward signals at initialisation and at the end.
pub(super) struct Outcome {
    pub(super) history: Result<Vec<Record>, TrainError>,
    /// The network as the run left it (the one its last record measured).
    pub(super) mlp: Mlp,
    start: Option<signals::LayerSignals>,
    end: Option<signals::LayerSignals>,
}

/// Trains one setting `(activation, initialisation, learning rate)` for
/// `config.iterations` from each seed (the same initial draws as [`train_mlp`]), measuring
/// the backward signals before and after. A diverged run is kept as its error.
///
/// The runs of the first `banded` seeds measure accuracy at every iteration (a band's
/// curves read them, and at the study's setting the first is the protocol run); the others only at the last, which is all [`summarise`] and
/// [`per_seed`] read of them (their losses and gradients are kept at every iteration).
pub(super) fn runs_over_seeds(
    prepared: &Prepared,
    config: &PartBConfig,
    runtime: &Runtime,
    (activation, init, learning_rate): (Activation, InitScheme, f64),
    (seeds, banded): (&[u64], usize),
    progress: &mut dyn Progress,
) -> Result<Vec<Outcome>, ExperimentError> {
    let cfg = train_config(config, learning_rate, config.iterations, runtime.threads);
    let (x, y) = (prepared.train.x.as_ref(), &prepared.train.y[..]);
    let mut jobs: Vec<TrainJob> = seeds
        .iter()
        .enumerate()
        .map(|(k, &s)| {
            let mut mlp = Mlp::new(
                prepared.train.x.ncols(),
                &config.hidden,
                prepared.n_classes,
                activation,
                Init::Study,
                &mut stream(s, Stream::Init),
            );
            if init == InitScheme::SigmoidScaled {
                signals::scale_for_sigmoid(&mut mlp, config.sigmoid_init_gain);
            }
            let evaluate = if k < banded {
                Evaluate::EveryStep
            } else {
                Evaluate::last_only()
            };
            TrainJob {
                mlp,
                cfg: TrainConfig {
                    evaluate,
                    ..cfg.clone()
                },
                seed: s,
            }
        })
        .collect();
    let starts: Vec<_> = jobs
        .iter()
        .map(|j| signals::measure(&j.mlp, x, y))
        .collect();
    // The seeds train side by side; each result is that of its own `models::train` call.
    let histories = models::train_many(
        &mut jobs,
        (x, y),
        (prepared.validation.x.as_ref(), &prepared.validation.y),
        runtime.threads,
    );
    let mut outcomes = Vec::new();
    for ((job, history), start) in jobs.into_iter().zip(histories).zip(starts) {
        let end = match &history {
            Ok(_) => signals::measure(&job.mlp, x, y),
            Err(TrainError::Diverged { .. }) => None,
            Err(e) => {
                return Err(ExperimentError::training(
                    format!("Part B {activation:?} seed {}", job.seed),
                    e.clone(),
                ));
            }
        };
        outcomes.push(Outcome {
            history,
            mlp: job.mlp,
            start,
            end,
        });
    }
    progress.advance(seeds.len(), seeds.len());
    Ok(outcomes)
}

/// The band over the first `seeds.len()` outcomes, which must all have finished.
pub(super) fn seed_band(
    config: &PartBConfig,
    activation: Activation,
    seeds: &[u64],
    outcomes: &[Outcome],
) -> Result<SeedBand, ExperimentError> {
    let mut histories = Vec::new();
    for (o, s) in outcomes.iter().zip(seeds) {
        let h = o.history.as_ref().map_err(|e| {
            ExperimentError::training(format!("Part B {activation:?} seed {s}"), e.clone())
        })?;
        histories.push(h);
    }
    let column = |f: fn(&Record) -> f64| -> (Vec<f64>, Vec<f64>) {
        (0..config.iterations)
            .map(|i| mean_sd(histories.iter().map(|h| f(&h[i]))))
            .unzip()
    };
    let (train_acc_mean, train_acc_sd) = column(|r| r.train_acc);
    let (val_acc_mean, val_acc_sd) = column(|r| r.val_acc);
    let final_val_acc: Vec<f64> = histories
        .iter()
        .map(|h| h.last().map_or(f64::NAN, |r| r.val_acc))
        .collect();
    let (final_val_acc_mean, final_val_acc_sd) = mean_sd(final_val_acc.iter().copied());
    Ok(SeedBand {
        activation,
        final_val_acc,
        final_val_acc_mean,
        final_val_acc_sd,
        seeds: seeds.to_vec(),
        train_acc_mean,
        train_acc_sd,
        val_acc_mean,
        val_acc_sd,
    })
}

/// A setting's final accuracy and loss per seed, with the accuracy's interval.
pub(super) fn summarise(
    (activation, init, learning_rate): (Activation, InitScheme, f64),
    config: &PartBConfig,
    seeds: &[u64],
    outcomes: &[Outcome],
) -> SeedRuns {
    let last = |f: fn(&Record) -> f64| -> Vec<f64> {
        outcomes
            .iter()
            .map(|o| match &o.history {
                Ok(h) => h.last().map_or(f64::NAN, f),
                Err(_) => f64::NAN,
            })
            .collect()
    };
    let val_acc = last(|r| r.val_acc);
    let loss = last(|r| r.loss);
    SeedRuns {
        activation,
        init,
        learning_rate,
        iterations: config.iterations,
        seeds: seeds.to_vec(),
        val_acc_interval: proportion_interval(&val_acc),
        loss_interval: non_negative_interval(&loss),
        val_acc,
        loss,
        diverged: outcomes.iter().filter(|o| o.history.is_err()).count(),
    }
}

/// The signals of a setting's runs at initialisation and, over the runs that finished, at
/// the end.
pub(super) fn signal_evidence(
    activation: Activation,
    init: InitScheme,
    config: &PartBConfig,
    outcomes: &[Outcome],
) -> Vec<SignalEvidence> {
    let start: Vec<_> = outcomes.iter().filter_map(|o| o.start.clone()).collect();
    let end: Vec<_> = outcomes.iter().filter_map(|o| o.end.clone()).collect();
    vec![
        signals::over_seeds(activation, init, 0, &start),
        signals::over_seeds(activation, init, config.iterations, &end),
    ]
}

/// The per-seed values of one setting's runs (`outcomes` in `seeds` order) that B(b)'s
/// verdicts pair by seed.
pub(super) fn per_seed(
    (activation, init, learning_rate): (Activation, InitScheme, f64),
    seeds: &[u64],
    outcomes: &[Outcome],
) -> GradientSeeds {
    fn finished(o: &Outcome) -> Option<&[Record]> {
        o.history.as_ref().ok().map(|h| h.as_slice())
    }
    let delta = |s: &Option<signals::LayerSignals>| s.as_ref().map_or(vec![], |s| s.delta.clone());
    GradientSeeds {
        activation,
        init,
        learning_rate,
        seeds: seeds.to_vec(),
        weight_first_to_last: outcomes
            .iter()
            .map(|o| finished(o).map_or(f64::NAN, first_to_last_ratio))
            .collect(),
        saturation_last: outcomes
            .iter()
            .map(|o| {
                finished(o)
                    .and_then(|h| h.last())
                    .map_or(vec![], |r| r.saturation.clone())
            })
            .collect(),
        delta_start: outcomes.iter().map(|o| delta(&o.start)).collect(),
        delta_end: outcomes.iter().map(|o| delta(&o.end)).collect(),
    }
}
