//! Training Part B's networks: one run, or several of one shape side by side, through the
//! hand-written engine; and the softmax regression, the same engine with no hidden layer.

use data::rng::{Stream, stream};
use models::{
    Activation, Evaluate, Init, LossOptions, Mlp, Record, TrainConfig, TrainError, TrainJob,
};

use super::PartBConfig;
use crate::evidence::SoftmaxRegression;
use crate::interval::proportion_interval;
use crate::prepare::Prepared;
use crate::{ExperimentError, Runtime};

/// Full-batch gradient descent through the hand-written backward pass at `config`'s
/// precision, measuring every iteration.
pub fn train_config(
    config: &PartBConfig,
    learning_rate: f64,
    steps: usize,
    threads: usize,
) -> TrainConfig {
    TrainConfig {
        learning_rate,
        steps,
        batch_size: None,
        loss: LossOptions::default(),
        dropout: 0.0,
        engine: config.precision.engine(),
        threads,
        saturation: models::Saturation::STUDY,
        evaluate: Evaluate::EveryStep,
    }
}

/// Trains one from-scratch MLP (Part B's engine) with the given initialisation.
pub fn train_mlp(
    prepared: &Prepared,
    hidden: &[usize],
    activation: Activation,
    cfg: &TrainConfig,
    init: Init,
    seed: u64,
) -> Result<(Mlp, Vec<Record>), TrainError> {
    let n_classes = prepared.n_classes;
    let mut mlp = Mlp::new(
        prepared.train.x.ncols(),
        hidden,
        n_classes,
        activation,
        init,
        &mut stream(seed, Stream::Init),
    );
    let history = models::train(
        &mut mlp,
        (prepared.train.x.as_ref(), &prepared.train.y),
        (prepared.validation.x.as_ref(), &prepared.validation.y),
        cfg,
        seed,
    )?;
    Ok((mlp, history))
}

/// Trains several from-scratch MLPs of one shape on the training rows side by side
/// ([`models::train_many`], up to `threads` threads): the result of run `i` is
/// bit-identical to `train_mlp(prepared, hidden, activation, &cfgs[i].0, init, cfgs[i].1)`.
pub fn train_mlps(
    prepared: &Prepared,
    hidden: &[usize],
    activation: Activation,
    runs: &[(TrainConfig, u64)],
    init: Init,
    threads: usize,
) -> Vec<Result<(Mlp, Vec<Record>), TrainError>> {
    let mut jobs: Vec<TrainJob> = runs
        .iter()
        .map(|(cfg, seed)| TrainJob {
            mlp: Mlp::new(
                prepared.train.x.ncols(),
                hidden,
                prepared.n_classes,
                activation,
                init,
                &mut stream(*seed, Stream::Init),
            ),
            cfg: cfg.clone(),
            seed: *seed,
        })
        .collect();
    let results = models::train_many(
        &mut jobs,
        (prepared.train.x.as_ref(), &prepared.train.y),
        (prepared.validation.x.as_ref(), &prepared.validation.y),
        threads,
    );
    jobs.into_iter()
        .zip(results)
        .map(|(job, r)| r.map(|history| (job.mlp, history)))
        .collect()
}

/// The softmax regression (an [`Mlp`] with no hidden layer) trained like the study's MLPs
/// from each seed, side by side.
pub(super) fn softmax_regression(
    prepared: &Prepared,
    config: &PartBConfig,
    runtime: &Runtime,
    seeds: &[u64],
) -> Result<SoftmaxRegression, ExperimentError> {
    // Only the last record is read.
    let cfg = TrainConfig {
        evaluate: Evaluate::last_only(),
        ..train_config(
            config,
            config.learning_rate,
            config.iterations,
            runtime.threads,
        )
    };
    let runs: Vec<(TrainConfig, u64)> = seeds.iter().map(|&s| (cfg.clone(), s)).collect();
    // The activation has no unit to act on: there is no hidden layer.
    let trained = train_mlps(
        prepared,
        &[],
        Activation::Relu,
        &runs,
        Init::Study,
        runtime.threads,
    );
    let (mut train_acc, mut val_acc, mut loss) = (Vec::new(), Vec::new(), Vec::new());
    for (result, seed) in trained.into_iter().zip(seeds) {
        let last = match result {
            Ok((_, history)) => history.last().cloned(),
            Err(TrainError::Diverged { .. }) => None,
            Err(e) => {
                return Err(ExperimentError::training(
                    format!("Part B softmax regression seed {seed}"),
                    e,
                ));
            }
        };
        train_acc.push(last.as_ref().map_or(f64::NAN, |r| r.train_acc));
        val_acc.push(last.as_ref().map_or(f64::NAN, |r| r.val_acc));
        loss.push(last.as_ref().map_or(f64::NAN, |r| r.loss));
    }
    Ok(SoftmaxRegression {
        learning_rate: config.learning_rate,
        iterations: config.iterations,
        seeds: seeds.to_vec(),
        diverged: val_acc.iter().filter(|v| v.is_nan()).count(),
        train_acc_interval: proportion_interval(&train_acc),
        val_acc_interval: proportion_interval(&val_acc),
        train_acc,
        val_acc,
        loss,
    })
}
