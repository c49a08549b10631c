//! Question 2: one bias vector shared by both layers against independent biases —
//! the gradient check at initialisation and the convergence measurements.

pub use crate::evidence::{Q2Cell, Q2Headline, Q2Run};
use data::rng::{Stream, stream};
use faer::Mat;
use models::{Activation, BiasMode, BiasNet, Precision, TrainError};
use serde::{Deserialize, Serialize};

use crate::interval::non_negative_interval;
use crate::prepare::Prepared;
use crate::{ExperimentError, NamedModel, Progress, Runtime};

/// How Question 2 is measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Q2Config {
    /// Hidden activation g.
    pub activation: Activation,
    /// The coarse grid of learning rates, ascending. Each mode's stability edge on it is
    /// then refined (see `edge_resolution`) and both modes run every added rate.
    pub learning_rates: Vec<f64>,
    /// The learning rate of the headline numbers and of the loss target.
    pub base_learning_rate: f64,
    /// Every run trains at least this many full-batch iterations, on which its stability
    /// is judged; a stable run then goes on until its loss stops improving or the cap, an
    /// unstable one stops. The mean loss curves cover these iterations.
    pub min_iterations: usize,
    /// The cap: a run whose loss still improves here has not converged.
    pub max_iterations: usize,
    /// The loss has stopped improving at iteration `t` (checked every `convergence_window`
    /// iterations from `min_iterations` on) when the lowest loss up to `t` is above
    /// `1 − convergence_tolerance` times the lowest loss up to `t − convergence_window`.
    pub convergence_window: usize,
    /// See `convergence_window`.
    pub convergence_tolerance: f64,
    /// Initialisation seeds per (mode, learning rate); seed `s` starts both modes alike.
    pub seeds: usize,
    /// Step of the central finite differences in the gradient check.
    pub fd_step: f64,
    /// A run oscillates, and does not count as stable, when its loss rose in more than this
    /// share of its first `min_iterations` iterations.
    pub max_rise_share: f64,
    /// Between a mode's largest stable rate of the coarse grid and the next rate, rates are
    /// added (geometrically spaced) until neighbours differ by at most this factor, so a
    /// factor-2 change in the largest stable rate moves it by at least one grid step.
    pub edge_resolution: f64,
    /// Precision of the training passes: `f32` (the default, twice the rows per vector) or
    /// `f64` (the reference). The weights are `f64` and updated in `f64`, the gradient
    /// check and the validation accuracy are `f64`, and each run's last loss is measured
    /// in `f64` on the weights saved beside it.
    pub precision: Precision,
}

impl Default for Q2Config {
    fn default() -> Self {
        Q2Config {
            activation: Activation::Relu,
            learning_rates: vec![0.1, 0.3, 1.0, 3.0, 10.0],
            base_learning_rate: 0.1,
            min_iterations: 300,
            max_iterations: 2000,
            convergence_window: 100,
            convergence_tolerance: 2e-3,
            seeds: 10,
            fd_step: 1e-6,
            max_rise_share: 0.1,
            edge_resolution: 1.5,
            precision: Precision::default(),
        }
    }
}

impl Q2Config {
    /// Range checks, naming the first bad key (`q2.seeds = 0: must be ≥ 1`).
    pub fn validate(&self) -> Result<(), String> {
        crate::config_file::Checks::new("q2")
            .rates("learning_rates", &self.learning_rates)
            .rule(
                self.learning_rates.windows(2).all(|w| w[0] < w[1]),
                "learning_rates",
                format!("{:?}", self.learning_rates),
                "must ascend without repeats",
            )
            .positive("base_learning_rate", self.base_learning_rate)
            .rule(
                self.learning_rates.contains(&self.base_learning_rate),
                "base_learning_rate",
                self.base_learning_rate.to_string(),
                "must be one of learning_rates",
            )
            .at_least("min_iterations", self.min_iterations, 1)
            .at_least("max_iterations", self.max_iterations, self.min_iterations)
            .at_least("convergence_window", self.convergence_window, 1)
            .below(
                "convergence_tolerance",
                self.convergence_tolerance,
                0.0,
                1.0,
            )
            .rule(
                self.seeds >= 2,
                "seeds",
                self.seeds.to_string(),
                "must be ≥ 2 (Question 2 compares the two networks seed by seed, and its \
                 figures and verdicts are intervals over the seeds)",
            )
            .positive("fd_step", self.fd_step)
            .within("max_rise_share", self.max_rise_share, 0.0, 1.0)
            .rule(
                self.edge_resolution.is_finite() && self.edge_resolution > 1.0,
                "edge_resolution",
                self.edge_resolution.to_string(),
                "must be > 1",
            )
            .done()
    }

    /// Small counts for smoke tests.
    pub fn quick() -> Self {
        Q2Config {
            learning_rates: vec![0.1, 1.0],
            min_iterations: 20,
            max_iterations: 30,
            convergence_window: 10,
            seeds: 2,
            edge_resolution: 3.0,
            ..Q2Config::default()
        }
    }
}

impl Q2Config {
    /// The position of `base_learning_rate` in `learning_rates` (which `validate` requires
    /// it to hold): every later lookup of the base rate is by this position, not by value.
    pub fn base_position(&self) -> Option<usize> {
        self.learning_rates
            .iter()
            .position(|&lr| lr == self.base_learning_rate)
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
    /// The loss target for "iterations to reach": the worse of the two modes' mean losses
    /// at iteration `min_iterations` at the base learning rate, plus 1 %.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub loss_target: f64,
    /// The learning rates added around the stability edges, ascending.
    pub refined_learning_rates: Vec<f64>,
    /// Every learning rate both modes ran (the grid and the added rates), ascending: cells
    /// name theirs by its position here (`Q2Cell::rate`).
    pub rates: Vec<f64>,
    /// The position in `rates` of the base learning rate.
    pub base_rate: usize,
    /// Every (mode, learning rate) cell: the shared ones, then the independent ones, each
    /// by ascending learning rate.
    pub cells: Vec<Q2Cell>,
    /// Shared bias: headline numbers.
    pub shared: Q2Headline,
    /// Independent biases: headline numbers.
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

/// One training run of Question 2 before the loss target is known.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedRun {
    /// Training loss of each iteration (up to divergence, if it diverged).
    pub losses: Vec<f64>,
    /// Training loss at initialisation.
    pub initial_loss: f64,
    /// Iteration (1-based) at which training diverged, if it did.
    pub diverged_at: Option<usize>,
    /// The loss stopped improving before the cap.
    pub converged: bool,
    /// Validation accuracy at the end (`NaN` if diverged).
    pub val_acc: f64,
}

/// Whether the loss has stopped improving by the configuration's criterion (see
/// [`Q2Config::convergence_window`]).
pub fn stopped_improving(losses: &[f64], window: usize, tolerance: f64) -> bool {
    let n = losses.len();
    if window == 0 || n <= window {
        return false;
    }
    let lowest = |l: &[f64]| l.iter().copied().fold(f64::INFINITY, f64::min);
    lowest(losses) > (1.0 - tolerance) * lowest(&losses[..n - window])
}

fn train_seed(
    prepared: &Prepared,
    config: &Q2Config,
    mode: BiasMode,
    lr: f64,
    seed: u64,
) -> Result<(SeedRun, BiasNet), ExperimentError> {
    let mut net = new_net(prepared, config, mode, seed);
    let train = (prepared.train.x.as_ref(), prepared.train.y.as_slice());
    let val = (
        prepared.validation.x.as_ref(),
        prepared.validation.y.as_slice(),
    );
    let mut run = SeedRun {
        losses: Vec::new(),
        initial_loss: net.loss(train.0, train.1),
        diverged_at: None,
        converged: false,
        val_acc: f64::NAN,
    };
    // The weights the run's last loss and validation accuracy were measured on: the model
    // file saved beside them holds these (`net` is one update further).
    let mut evaluated = None;
    // In chunks: `min_iterations` first, then one window at a time until the loss stops
    // improving or the cap. Each iteration depends only on the weights, so the chunks
    // train exactly what one long call would.
    loop {
        let chunk = if run.losses.is_empty() {
            config.min_iterations
        } else {
            config.convergence_window
        }
        .min(config.max_iterations - run.losses.len());
        if chunk == 0 {
            break;
        }
        match models::train_bias_net_losses(&mut net, train, val, lr, chunk, config.precision) {
            Ok(history) => {
                run.losses.extend(history.losses);
                run.val_acc = history.val_acc;
                evaluated = history.evaluated.or(evaluated);
            }
            Err(TrainError::Diverged { step, .. }) => {
                run.diverged_at = Some(run.losses.len() + step);
                run.val_acc = f64::NAN;
                return Ok((run, net));
            }
            Err(e) => return Err(ExperimentError::training("Question 2".into(), e)),
        }
        if run.losses.len() == config.min_iterations
            && !judged_stable(&run.losses, run.initial_loss, config.max_rise_share)
        {
            break; // judged unstable: its attainable loss is never compared
        }
        if stopped_improving(
            &run.losses,
            config.convergence_window,
            config.convergence_tolerance,
        ) {
            run.converged = true;
            break;
        }
    }
    // The run's last loss is the one its record and saved model stand on: in `f64`, on
    // the weights it was measured on (the same bits in `f64`; the `f32` pass's loss moves
    // only in its last digits, after every judgement above has read it).
    if let (Some(last), Some(evaluated)) = (run.losses.last_mut(), &evaluated) {
        *last = evaluated.loss(train.0, train.1);
    }
    Ok((run, evaluated.unwrap_or(net)))
}

/// One (mode, learning rate) group of runs before the loss target is known.
struct Trained {
    mode: BiasMode,
    learning_rate: f64,
    /// Added around a stability edge (not in the configured grid).
    refined: bool,
    /// The base learning rate (the headline's and the loss target's).
    base: bool,
    runs: Vec<SeedRun>,
}

/// Trains every (mode, learning rate, seed) run of `rates` on the runtime's threads;
/// results in the order of `rates`, shared before independent, seeds ascending. `base` is
/// the position in `rates` of the base learning rate, whose first seed's networks are
/// saved.
fn train_grid(
    prepared: &Prepared,
    config: &Q2Config,
    runtime: &Runtime,
    (rates, refined, base): (&[f64], bool, Option<usize>),
    seed: u64,
    progress: &mut dyn Progress,
    models: &mut Vec<NamedModel>,
) -> Result<Vec<Trained>, ExperimentError> {
    let modes = [BiasMode::Shared, BiasMode::Independent];
    progress.advance(0, rates.len());
    // One queue of every run: the threads take them one at a time, since runs stop at very
    // different lengths (300 to 2,000 iterations). In the order of `rates`, both modes of a
    // seed side by side: the study's grid is ascending, so its longest runs (small rates)
    // start first and the short ones fill the end.
    let jobs: Vec<(f64, u64, BiasMode)> = rates
        .iter()
        .flat_map(|&lr| (0..config.seeds as u64).flat_map(move |s| modes.map(|m| (lr, s, m))))
        .collect();
    let mut trained: Vec<Option<_>> =
        models::map_in_parallel(jobs.iter(), runtime.threads, |&(lr, s, mode)| {
            Some(train_seed(prepared, config, mode, lr, seed + s))
        });
    let mut out = Vec::new();
    for (i, &lr) in rates.iter().enumerate() {
        for (m, mode) in modes.into_iter().enumerate() {
            let mut runs = Vec::with_capacity(config.seeds);
            for s in 0..config.seeds {
                let (run, net) = trained[(i * config.seeds + s) * modes.len() + m]
                    .take()
                    .expect("one result per run")?;
                if s == 0 && base == Some(i) && run.diverged_at.is_none() {
                    models.push(NamedModel::bias_net(
                        format!("q2_{}", mode_name(mode)),
                        &net,
                        prepared,
                    ));
                }
                runs.push(run);
            }
            out.push(Trained {
                mode,
                learning_rate: lr,
                refined,
                base: base == Some(i),
                runs,
            });
        }
    }
    progress.advance(rates.len(), rates.len());
    Ok(out)
}

/// The rates to add around each mode's edge on `cells`: between its largest stable rate
/// `a` and the first unstable one `c`, `m − 1` geometric steps with
/// `m = ⌈ln(c/a) / ln(resolution)⌉`, so neighbours differ by at most `resolution`. The
/// union over both modes, ascending, without rates already tried.
pub fn refinement(cells: &[Q2Cell], resolution: f64) -> Vec<f64> {
    let mut added: Vec<f64> = Vec::new();
    for mode in ["shared", "independent"] {
        if let (Some(a), Some(c)) = crate::verdicts::edge(cells, mode) {
            let steps = ((c / a).ln() / resolution.ln() - 1e-9).ceil().max(1.0) as usize;
            added.extend((1..steps).map(|i| a * (c / a).powf(i as f64 / steps as f64)));
        }
    }
    added.sort_by(f64::total_cmp);
    added.dedup();
    added.retain(|&lr| !cells.iter().any(|c| c.learning_rate == lr));
    added
}

/// Runs Question 2: the gradient check, the coarse grid, then the rates added around the
/// stability edges, all with the same seeds in both modes.
pub fn run_q2(
    prepared: &Prepared,
    config: &Q2Config,
    seed: u64,
    runtime: &Runtime,
    progress: &mut dyn Progress,
) -> Result<(Q2, Vec<NamedModel>), ExperimentError> {
    progress.step("Question 2: gradient check at initialisation");
    let grad_check = grad_check(prepared, config, seed)?;
    let mut models = Vec::new();
    progress.step(&format!(
        "Question 2: shared and independent bias, {} learning rates × {} seeds",
        config.learning_rates.len(),
        config.seeds
    ));
    let mut raw = train_grid(
        prepared,
        config,
        runtime,
        (&config.learning_rates, false, config.base_position()),
        seed,
        progress,
        &mut models,
    )?;
    // The target comes from the coarse grid's base rate; the edges need no target.
    let base_loss = |mode: BiasMode| {
        let finished: Vec<f64> = raw
            .iter()
            .filter(|t| t.mode == mode && t.base)
            .flat_map(|t| t.runs.iter().filter(|r| r.diverged_at.is_none()))
            .filter_map(|r| r.losses.get(config.min_iterations.max(1) - 1).copied())
            .collect();
        finished.iter().sum::<f64>() / finished.len() as f64
    };
    let loss_target = 1.01 * base_loss(BiasMode::Shared).max(base_loss(BiasMode::Independent));
    let refined_learning_rates =
        refinement(&cells(&raw, loss_target, config).0, config.edge_resolution);
    if !refined_learning_rates.is_empty() {
        progress.step(&format!(
            "Question 2: {} learning rates around the stability edges × {} seeds",
            refined_learning_rates.len(),
            config.seeds
        ));
        raw.extend(train_grid(
            prepared,
            config,
            runtime,
            (&refined_learning_rates, true, None),
            seed,
            progress,
            &mut models,
        )?);
    }
    let (cells, rates, base_rate) = cells(&raw, loss_target, config);
    let shared = headline(&cells, BiasMode::Shared, base_rate);
    let independent = headline(&cells, BiasMode::Independent, base_rate);
    let verdicts = crate::verdicts::q2(&cells);
    Ok((
        Q2 {
            shared,
            independent,
            config: config.clone(),
            loss_target,
            refined_learning_rates,
            rates,
            base_rate,
            cells,
            grad_check,
            verdicts,
        },
        models,
    ))
}

/// The cells of the trained groups, the shared ones then the independent ones, each by
/// ascending learning rate; every rate tried, ascending; and the base rate's position among
/// them. Both modes run every rate, so a cell's position among its mode's cells is its
/// rate's position in that list: cells are matched by position, never by a float's value.
fn cells(raw: &[Trained], loss_target: f64, config: &Q2Config) -> (Vec<Q2Cell>, Vec<f64>, usize) {
    let mut out = Vec::new();
    let mut rates = Vec::new();
    let mut base_rate = 0;
    for mode in [BiasMode::Shared, BiasMode::Independent] {
        let mut groups: Vec<&Trained> = raw.iter().filter(|t| t.mode == mode).collect();
        groups.sort_by(|a, b| a.learning_rate.total_cmp(&b.learning_rate));
        for (k, t) in groups.iter().enumerate() {
            if mode == BiasMode::Shared {
                rates.push(t.learning_rate);
                if t.base {
                    base_rate = k;
                }
            }
            let mut c = cell(
                mode,
                t.learning_rate,
                t.refined,
                &t.runs,
                loss_target,
                config,
            );
            c.rate = k;
            out.push(c);
        }
    }
    (out, rates, base_rate)
}

/// One mode's headline from the cells: its numbers at the base learning rate (the rate at
/// position `base_rate`) and its stability edge.
pub fn headline(cells: &[Q2Cell], mode: BiasMode, base_rate: usize) -> Q2Headline {
    let name = mode_name(mode);
    let base = cells.iter().find(|c| c.mode == name && c.rate == base_rate);
    let (largest_stable_learning_rate, first_unstable_learning_rate) =
        crate::verdicts::edge(cells, name);
    Q2Headline {
        final_loss: base.map_or(f64::NAN, |c| c.final_loss_mean),
        val_acc: base.map_or(f64::NAN, |c| c.val_acc_mean),
        iterations_to_target: base.and_then(|c| c.iterations_to_target_mean),
        seeds_reaching_target: base.map_or(0, |c| c.seeds_reaching_target),
        largest_stable_learning_rate,
        first_unstable_learning_rate,
    }
}

/// The share of iterations of `losses` whose loss rose above the previous one's. The
/// first iteration's loss is the initial loss (it is read before the first step), so `n`
/// iterations have `n − 1` chances to rise.
pub fn rise_share(losses: &[f64]) -> f64 {
    let rises = losses.windows(2).filter(|w| w[1] > w[0]).count();
    rises as f64 / (losses.len().max(2) - 1) as f64
}

/// Stable over `judged` (a run's first `min_iterations` losses): it ends below the initial
/// loss and its rise share is at most `max_rise_share`.
fn judged_stable(judged: &[f64], initial_loss: f64, max_rise_share: f64) -> bool {
    judged.last().is_some_and(|&l| l < initial_loss) && rise_share(judged) <= max_rise_share
}

/// One run's record: stability judged on its first `min_iterations` iterations (finished
/// them without diverging, ended them below its start, rise share at most
/// `max_rise_share`), attainable loss and iterations to `target`.
pub fn run_record(run: &SeedRun, target: f64, config: &Q2Config) -> Q2Run {
    let finished = run.diverged_at.is_none() && !run.losses.is_empty();
    let nan_unless = |v: f64| if finished { v } else { f64::NAN };
    let judged = &run.losses[..run.losses.len().min(config.min_iterations)];
    let final_loss = nan_unless(run.losses.last().copied().unwrap_or(f64::NAN));
    let stable = finished
        && judged.len() == config.min_iterations
        && judged_stable(judged, run.initial_loss, config.max_rise_share);
    Q2Run {
        diverged_at: run.diverged_at,
        iterations: run.diverged_at.unwrap_or(run.losses.len()),
        converged: finished && run.converged,
        initial_loss: run.initial_loss,
        final_loss,
        attainable_loss: nan_unless(run.losses.iter().copied().fold(f64::INFINITY, f64::min)),
        rise_share: nan_unless(rise_share(judged)),
        stable,
        iterations_to_target: run.losses.iter().position(|&l| l <= target).map(|i| i + 1),
        val_acc: run.val_acc,
    }
}

/// One (mode, learning rate) cell from its seeds' runs.
pub fn cell(
    mode: BiasMode,
    lr: f64,
    refined: bool,
    runs: &[SeedRun],
    target: f64,
    config: &Q2Config,
) -> Q2Cell {
    let records: Vec<Q2Run> = runs.iter().map(|r| run_record(r, target, config)).collect();
    let finished: Vec<&Q2Run> = records.iter().filter(|r| r.diverged_at.is_none()).collect();
    let mean = |f: &dyn Fn(&Q2Run) -> f64| {
        finished.iter().map(|r| f(r)).sum::<f64>() / finished.len() as f64
    };
    let reached: Vec<f64> = records
        .iter()
        .filter_map(|r| r.iterations_to_target.map(|i| i as f64))
        .collect();
    let curve_runs: Vec<&SeedRun> = runs.iter().filter(|r| r.diverged_at.is_none()).collect();
    let curve_len = curve_runs.iter().map(|r| r.losses.len()).min().unwrap_or(0);
    let loss_curve = (0..curve_len.min(config.min_iterations))
        .map(|i| curve_runs.iter().map(|r| r.losses[i]).sum::<f64>() / curve_runs.len() as f64)
        .collect();
    let attainable: Vec<f64> = records.iter().map(|r| r.attainable_loss).collect();
    Q2Cell {
        mode: mode_name(mode).to_string(),
        rate: 0,
        learning_rate: lr,
        refined,
        diverged_seeds: records.len() - finished.len(),
        converged_seeds: records.iter().filter(|r| r.converged).count(),
        stable_seeds: records.iter().filter(|r| r.stable).count(),
        stable: !records.is_empty() && records.iter().all(|r| r.stable),
        attainable_loss: non_negative_interval(&attainable),
        rise_share_mean: mean(&|r| r.rise_share),
        final_loss_mean: mean(&|r| r.final_loss),
        val_acc_mean: mean(&|r| r.val_acc),
        iterations_to_target_mean: (!reached.is_empty())
            .then(|| reached.iter().sum::<f64>() / reached.len() as f64),
        seeds_reaching_target: reached.len(),
        runs: records,
        loss_curve,
    }
}

#[cfg(test)]
mod tests;
