//! Question 2: one bias vector shared by both layers against independent biases —
//! the gradient check at initialisation and the convergence measurements.

pub use crate::evidence::{Q2Cell, Q2Headline};
use data::rng::{Stream, stream};
use faer::Mat;
use models::{Activation, BiasMode, BiasNet, TrainError};
use serde::{Deserialize, Serialize};

use crate::part_b::mean_sd;
use crate::prepare::Prepared;
use crate::{ExperimentError, NamedModel, Progress};

/// How Question 2 is measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Q2Config {
    /// Hidden activation g.
    pub activation: Activation,
    /// Learning rates tried, ascending.
    pub learning_rates: Vec<f64>,
    /// The learning rate of the headline comparison.
    pub base_learning_rate: f64,
    /// Full-batch iterations per run.
    pub iterations: usize,
    /// Initialisation seeds per (mode, learning rate).
    pub seeds: usize,
    /// Step of the central finite differences in the gradient check.
    pub fd_step: f64,
    /// Threads the independent runs are shared between ([`models::default_threads`]
    /// unless set). Not written to the record: the outputs do not depend on it.
    #[serde(skip, default = "models::default_threads")]
    pub threads: usize,
    /// One mode converges more slowly when it needs more than this factor times the other's
    /// iterations to the loss target.
    pub speed_ratio: f64,
    /// One mode descends less smoothly when its loss rises more than `smooth_ratio` × the
    /// other's + `smooth_offset` iterations per run.
    pub smooth_ratio: f64,
    /// See `smooth_ratio`.
    pub smooth_offset: f64,
}

impl Default for Q2Config {
    fn default() -> Self {
        Q2Config {
            activation: Activation::Relu,
            learning_rates: vec![0.03, 0.1, 0.3, 1.0, 3.0, 10.0],
            base_learning_rate: 0.1,
            iterations: 500,
            seeds: 5,
            fd_step: 1e-6,
            threads: models::default_threads(),
            speed_ratio: 1.1,
            smooth_ratio: 1.5,
            smooth_offset: 1.0,
        }
    }
}

impl Q2Config {
    /// Range checks, naming the first bad key (`q2.seeds = 0: must be ≥ 1`).
    pub fn validate(&self) -> Result<(), String> {
        crate::config_file::Checks::new("q2")
            .rates("learning_rates", &self.learning_rates)
            .positive("base_learning_rate", self.base_learning_rate)
            .rule(
                self.learning_rates.contains(&self.base_learning_rate),
                "base_learning_rate",
                self.base_learning_rate.to_string(),
                "must be one of learning_rates",
            )
            .at_least("iterations", self.iterations, 1)
            .at_least("seeds", self.seeds, 1)
            .positive("fd_step", self.fd_step)
            .positive("speed_ratio", self.speed_ratio)
            .positive("smooth_ratio", self.smooth_ratio)
            .non_negative("smooth_offset", self.smooth_offset)
            .done()
    }

    /// Small counts for smoke tests.
    pub fn quick() -> Self {
        Q2Config {
            learning_rates: vec![0.1, 1.0],
            iterations: 30,
            seeds: 2,
            ..Q2Config::default()
        }
    }
}

/// `"shared"` or `"independent"`.
pub fn mode_name(mode: BiasMode) -> &'static str {
    match mode {
        BiasMode::Shared => "shared",
        BiasMode::Independent => "independent",
    }
}

/// ∂L/∂b of the shared network at initialisation, three ways.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GradCheck {
    /// Hand-written Σ_rows(δ1 + δ2).
    pub hand: Vec<f64>,
    /// Through the tape (b used twice, contributions accumulated).
    pub tape: Vec<f64>,
    /// Central finite differences of the loss.
    pub finite_difference: Vec<f64>,
    /// grad(b1) + grad(b2) of the independent twin with b1 = b2 = b.
    pub twin_sum: Vec<f64>,
    /// Largest relative error of hand against tape, finite differences and the twin sum.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub max_rel_error: f64,
}

/// Question 2's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Q2 {
    /// What ran.
    pub config: Q2Config,
    /// The loss target for "iterations to reach": the worse of the two modes' mean final
    /// losses at the base learning rate, plus 1 %.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub loss_target: f64,
    /// Every (mode, learning rate) cell.
    pub cells: Vec<Q2Cell>,
    /// Shared bias at the base learning rate.
    pub shared: Q2Headline,
    /// Independent biases at the base learning rate.
    pub independent: Q2Headline,
    /// The gradient check.
    pub grad_check: GradCheck,
    /// The verdicts on speed, attainable loss, stability and smoothness.
    pub verdicts: crate::verdicts::Q2Verdicts,
}

fn relative_error(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1e-8)
}

fn new_net(prepared: &Prepared, config: &Q2Config, mode: BiasMode, seed: u64) -> BiasNet {
    BiasNet::new(
        prepared.train.x.ncols(),
        prepared.n_classes,
        config.activation,
        mode,
        &mut stream(seed, Stream::Init),
    )
}

/// The three-way (four-way) check of ∂L/∂b at initialisation on the training split.
pub fn grad_check(
    prepared: &Prepared,
    config: &Q2Config,
    seed: u64,
) -> Result<GradCheck, ExperimentError> {
    let (x, y) = (prepared.train.x.as_ref(), prepared.train.y.as_slice());
    let net = new_net(prepared, config, BiasMode::Shared, seed);
    let (_, hand) = net.hand_gradients(x, y);
    let mut t = tape::Tape::new();
    let (_, taped) = net
        .tape_gradients(x, y, &mut t)
        .map_err(|e| ExperimentError::training("Question 2 gradient check".into(), e))?;
    let k = net.biases.hidden().ncols();
    let finite_difference: Vec<f64> = (0..k)
        .map(|j| {
            let at = |delta: f64| {
                let mut n = net.clone();
                n.biases.hidden_mut()[(0, j)] += delta; // the shared b: both layers
                n.loss(x, y)
            };
            (at(config.fd_step) - at(-config.fd_step)) / (2.0 * config.fd_step)
        })
        .collect();
    let twin = BiasNet {
        biases: net.biases.untied(),
        ..net.clone()
    };
    let (_, twin_grads) = twin.hand_gradients(x, y);
    let row = |m: &Mat<f64>| (0..m.ncols()).map(|j| m[(0, j)]).collect::<Vec<f64>>();
    let hand_b = row(hand.biases.hidden());
    let (g1, g2) = (twin_grads.biases.hidden(), twin_grads.biases.output());
    let twin_sum: Vec<f64> = (0..k).map(|j| g1[(0, j)] + g2[(0, j)]).collect();
    let tape_b = row(taped.biases.hidden());
    let max_rel_error = (0..k)
        .flat_map(|j| {
            [
                relative_error(hand_b[j], tape_b[j]),
                relative_error(hand_b[j], finite_difference[j]),
                relative_error(hand_b[j], twin_sum[j]),
            ]
        })
        .fold(0.0, f64::max);
    Ok(GradCheck {
        hand: hand_b,
        tape: tape_b,
        finite_difference,
        twin_sum,
        max_rel_error,
    })
}

/// One finished training run of Question 2 (a diverged run is `None` where these are listed).
#[derive(Debug, Clone, PartialEq)]
pub struct SeedRun {
    /// Training loss after each iteration.
    pub losses: Vec<f64>,
    /// Training loss at initialisation.
    pub initial_loss: f64,
    /// Final validation accuracy.
    pub val_acc: f64,
}

fn train_seed(
    prepared: &Prepared,
    config: &Q2Config,
    mode: BiasMode,
    lr: f64,
    seed: u64,
) -> Result<Option<(SeedRun, BiasNet)>, ExperimentError> {
    let mut net = new_net(prepared, config, mode, seed);
    let train = (prepared.train.x.as_ref(), prepared.train.y.as_slice());
    let initial_loss = net.loss(train.0, train.1);
    match models::train_bias_net(
        &mut net,
        train,
        (prepared.validation.x.as_ref(), &prepared.validation.y),
        lr,
        config.iterations,
    ) {
        Ok(history) => Ok(Some((
            SeedRun {
                losses: history.iter().map(|r| r.loss).collect(),
                initial_loss,
                val_acc: history.last().map_or(f64::NAN, |r| r.val_acc),
            },
            net,
        ))),
        Err(TrainError::Diverged { .. }) => Ok(None),
        Err(e) => Err(ExperimentError::training("Question 2".into(), e)),
    }
}

/// Runs Question 2.
pub fn run_q2(
    prepared: &Prepared,
    config: &Q2Config,
    seed: u64,
    progress: &mut dyn Progress,
) -> Result<(Q2, Vec<NamedModel>), ExperimentError> {
    progress.step("Question 2: gradient check at initialisation");
    let grad_check = grad_check(prepared, config, seed)?;
    let mut raw = Vec::new();
    let mut models = Vec::new();
    for mode in [BiasMode::Shared, BiasMode::Independent] {
        progress.step(&format!(
            "Question 2: {} bias, {} learning rates × {} seeds",
            mode_name(mode),
            config.learning_rates.len(),
            config.seeds
        ));
        // Every (learning rate, seed) run of this mode, shared out between the threads.
        let cells: Vec<(f64, u64)> = config
            .learning_rates
            .iter()
            .flat_map(|&lr| (0..config.seeds as u64).map(move |s| (lr, s)))
            .collect();
        // In rounds of two learning rates, so the terminal can show how far the grid is; the
        // runs are independent, so the rounds change no result.
        let mut trained = Vec::with_capacity(cells.len());
        for round in cells.chunks((2 * config.seeds).max(1)) {
            progress.advance(trained.len(), cells.len());
            trained.extend(models::map_in_parallel(
                round,
                config.threads,
                |&(lr, s)| train_seed(prepared, config, mode, lr, seed + s),
            ));
        }
        let mut trained = trained.into_iter();
        for &lr in &config.learning_rates {
            let mut runs = Vec::new();
            for s in 0..config.seeds as u64 {
                let run = trained.next().expect("one result per run");
                if let Some((r, net)) = run? {
                    if s == 0 && lr == config.base_learning_rate {
                        models.push(NamedModel::bias_net(
                            format!("q2_{}", mode_name(mode)),
                            &net,
                            prepared,
                        ));
                    }
                    runs.push(Some(r));
                } else {
                    runs.push(None);
                }
            }
            raw.push((mode, lr, runs));
        }
    }
    let base_final = |mode: BiasMode| {
        raw.iter()
            .filter(|(m, lr, _)| *m == mode && *lr == config.base_learning_rate)
            .flat_map(|(_, _, runs)| {
                runs.iter()
                    .flatten()
                    .filter_map(|r| r.losses.last().copied())
            })
            .collect::<Vec<f64>>()
    };
    let worst = [BiasMode::Shared, BiasMode::Independent]
        .iter()
        .map(|&m| {
            let v = base_final(m);
            v.iter().sum::<f64>() / v.len().max(1) as f64
        })
        .fold(f64::NEG_INFINITY, f64::max);
    let loss_target = worst * 1.01;
    let cells: Vec<Q2Cell> = raw
        .iter()
        .map(|(mode, lr, runs)| cell(*mode, *lr, runs, loss_target, config))
        .collect();
    let shared = headline(&cells, BiasMode::Shared, config);
    let independent = headline(&cells, BiasMode::Independent, config);
    let verdicts = crate::verdicts::q2(
        &cells,
        &config.learning_rates,
        config.seeds,
        &shared,
        &independent,
        crate::verdicts::Q2Rules {
            speed_ratio: config.speed_ratio,
            smooth_ratio: config.smooth_ratio,
            smooth_offset: config.smooth_offset,
        },
    );
    Ok((
        Q2 {
            shared,
            independent,
            config: config.clone(),
            loss_target,
            cells,
            grad_check,
            verdicts,
        },
        models,
    ))
}

/// One mode's headline from the cells: its numbers at the base learning rate, its best
/// final loss and its largest stable learning rate.
pub fn headline(cells: &[Q2Cell], mode: BiasMode, config: &Q2Config) -> Q2Headline {
    let name = mode_name(mode);
    let base = cells
        .iter()
        .find(|c| c.mode == name && c.learning_rate == config.base_learning_rate);
    let best = cells
        .iter()
        .filter(|c| c.mode == name && c.final_loss_mean.is_finite())
        .min_by(|a, b| a.final_loss_mean.total_cmp(&b.final_loss_mean));
    Q2Headline {
        final_loss: base.map_or(f64::NAN, |c| c.final_loss_mean),
        val_acc: base.map_or(f64::NAN, |c| c.val_acc_mean),
        iterations_to_target: base.and_then(|c| c.iterations_to_target_mean),
        seeds_reaching_target: base.map_or(0, |c| c.seeds_reaching_target),
        best_final_loss: best.map_or(f64::NAN, |c| c.final_loss_mean),
        best_learning_rate: best.map(|c| c.learning_rate),
        largest_stable_learning_rate: cells
            .iter()
            .filter(|c| c.mode == name && c.stable)
            .map(|c| c.learning_rate)
            .fold(None, |a: Option<f64>, lr| Some(a.map_or(lr, |a| a.max(lr)))),
    }
}

/// One (mode, learning rate) cell from its seeds' runs: stability, mean final loss,
/// iterations to `target`, loss rises and the mean loss curve.
pub fn cell(
    mode: BiasMode,
    lr: f64,
    runs: &[Option<SeedRun>],
    target: f64,
    config: &Q2Config,
) -> Q2Cell {
    let finished: Vec<&SeedRun> = runs.iter().flatten().collect();
    let diverged_seeds = runs.len() - finished.len();
    let (final_loss_mean, final_loss_sd) =
        mean_sd(finished.iter().filter_map(|r| r.losses.last().copied()));
    let iterations_to_target: Vec<Option<usize>> = runs
        .iter()
        .map(|r| {
            r.as_ref()
                .and_then(|r| r.losses.iter().position(|&l| l <= target).map(|i| i + 1))
        })
        .collect();
    let reached: Vec<f64> = iterations_to_target
        .iter()
        .flatten()
        .map(|&i| i as f64)
        .collect();
    let loss_curve = (0..config.iterations)
        .map(|i| finished.iter().map(|r| r.losses[i]).sum::<f64>() / finished.len().max(1) as f64)
        .collect();
    Q2Cell {
        mode: mode_name(mode).to_string(),
        learning_rate: lr,
        diverged_seeds,
        stable: diverged_seeds == 0
            && finished
                .iter()
                .all(|r| r.losses.last().is_some_and(|&l| l < r.initial_loss)),
        final_loss_mean,
        final_loss_sd,
        val_acc_mean: finished.iter().map(|r| r.val_acc).sum::<f64>()
            / finished.len().max(1) as f64,
        seeds_reaching_target: reached.len(),
        loss_increases_mean: finished
            .iter()
            .map(|r| r.losses.windows(2).filter(|w| w[1] > w[0]).count() as f64)
            .sum::<f64>()
            / finished.len() as f64,
        iterations_to_target_mean: (!reached.is_empty())
            .then(|| reached.iter().sum::<f64>() / reached.len() as f64),
        iterations_to_target,
        loss_curve,
    }
}

#[cfg(test)]
mod tests;
