//! Part B: the from-scratch MLP, sigmoid against ReLU (B(a)), and the gradient magnitudes
//! per layer that test the "vanishing gradients" explanation (B(b)).

mod signals;

pub use crate::evidence::{
    GradientEvidence, GradientSeeds, InitScheme, SeedRuns, SignalEvidence, SoftmaxRegression,
    SweepPoint,
};
use data::rng::{Stream, stream};
use models::{
    Activation, Engine, Init, LossOptions, Mlp, Record, TrainConfig, TrainError, TrainJob,
};
use serde::{Deserialize, Serialize};

use crate::interval::mean_interval;
use crate::prepare::{Prepared, majority};
use crate::verdicts::{self, Moment};
use crate::{ExperimentError, NamedModel, Progress};

/// How Part B trains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartBConfig {
    /// Hidden layer widths.
    pub hidden: Vec<usize>,
    /// Full-batch gradient-descent iterations (the study: 200).
    pub iterations: usize,
    /// Learning rate (the study: 0.1).
    pub learning_rate: f64,
    /// Initialisation seeds for the multi-seed bands (the first is the protocol seed).
    pub seeds: usize,
    /// Learning rates of the sigmoid sweep ("stuck or only slow?").
    pub sweep_learning_rates: Vec<f64>,
    /// Iterations of each sweep run; accuracies are read at `sweep_checkpoints`.
    pub sweep_iterations: usize,
    /// Iterations at which the sweep reports accuracy.
    pub sweep_checkpoints: Vec<usize>,
    /// Threads of the gradient engine and evaluations ([`models::default_threads`] unless
    /// set). Not written to the record: the outputs do not depend on it.
    #[serde(skip, default = "models::default_threads")]
    pub threads: usize,
    /// Sigmoid counts as learning ("slow, not stuck") when its best sweep run beats the
    /// majority share of validation by more than this.
    pub stuck_margin: f64,
    /// Sigmoid's first-layer weight gradient (relative to the output layer's) counts as
    /// vanishing when the whole 95 % interval of its ratio to ReLU's, paired by seed, lies
    /// below this factor.
    pub vanishing_factor: f64,
    /// Saturation counts as negligible when the whole 95 % interval over seeds of the most
    /// saturated sigmoid layer's share of saturated units at the end lies below this share.
    pub saturation_share: f64,
    /// Seeds of the runs the multi-seed verdicts compare (sigmoid at every sweep rate and
    /// from the initialisation scaled for sigmoid; ReLU at `learning_rate` for B(b)), each
    /// trained for `iterations`; the first `seeds` of them at `learning_rate` are also the
    /// bands'.
    pub interval_seeds: usize,
    /// Gain of the initialisation scaled for sigmoid (Glorot's sd times this; 4, Glorot and
    /// Bengio's factor for sigmoid, makes σ′(0) times the weight scale about 1).
    pub sigmoid_init_gain: f64,
}

impl Default for PartBConfig {
    fn default() -> Self {
        PartBConfig {
            hidden: vec![32, 16],
            iterations: 200,
            learning_rate: 0.1,
            seeds: 10,
            sweep_learning_rates: vec![0.1, 0.3, 1.0, 3.0],
            sweep_iterations: 2000,
            sweep_checkpoints: vec![200, 500, 1000, 2000],
            threads: models::default_threads(),
            stuck_margin: 0.05,
            vanishing_factor: 0.5,
            saturation_share: 0.05,
            interval_seeds: 10,
            sigmoid_init_gain: 4.0,
        }
    }
}

impl PartBConfig {
    /// Range checks, naming the first bad key (`part_b.learning_rate = -1: must be > 0`).
    pub fn validate(&self) -> Result<(), String> {
        let late = self
            .sweep_checkpoints
            .iter()
            .find(|&&c| c > self.sweep_iterations);
        crate::config_file::Checks::new("part_b")
            .counts("hidden", &self.hidden)
            .at_least("iterations", self.iterations, 1)
            .positive("learning_rate", self.learning_rate)
            .at_least("seeds", self.seeds, 1)
            .rates("sweep_learning_rates", &self.sweep_learning_rates)
            .at_least("sweep_iterations", self.sweep_iterations, 1)
            .counts("sweep_checkpoints", &self.sweep_checkpoints)
            .rule(
                late.is_none(),
                "sweep_checkpoints",
                format!("{:?}", self.sweep_checkpoints),
                "every checkpoint must be ≤ sweep_iterations",
            )
            .within("stuck_margin", self.stuck_margin, 0.0, 1.0)
            .positive("vanishing_factor", self.vanishing_factor)
            .within("saturation_share", self.saturation_share, 0.0, 1.0)
            .done()
    }

    /// Small counts for smoke tests.
    pub fn quick() -> Self {
        PartBConfig {
            iterations: 20,
            seeds: 2,
            sweep_learning_rates: vec![0.1, 1.0],
            sweep_iterations: 40,
            sweep_checkpoints: vec![20, 40],
            interval_seeds: 2,
            ..PartBConfig::default()
        }
    }
}

/// One training run of the protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ActivationRun {
    /// Hidden activation.
    pub activation: Activation,
    /// Training accuracy after the last iteration.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub train_acc: f64,
    /// Validation accuracy after the last iteration.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub val_acc: f64,
    /// Training loss at the last iteration.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub final_loss: f64,
    /// Per-iteration history.
    pub history: Vec<Record>,
}

/// Mean and standard deviation over initialisation seeds, per iteration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeedBand {
    /// Hidden activation.
    pub activation: Activation,
    /// The seeds used.
    pub seeds: Vec<u64>,
    /// Mean training accuracy per iteration.
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub train_acc_mean: Vec<f64>,
    /// Standard deviation (ddof = 1) of training accuracy per iteration.
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub train_acc_sd: Vec<f64>,
    /// Mean validation accuracy per iteration.
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub val_acc_mean: Vec<f64>,
    /// Standard deviation of validation accuracy per iteration.
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub val_acc_sd: Vec<f64>,
    /// Final validation accuracy of each seed.
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub final_val_acc: Vec<f64>,
    /// Their mean.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub final_val_acc_mean: f64,
    /// Their standard deviation (ddof = 1).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub final_val_acc_sd: f64,
}

/// Part B's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartB {
    /// What ran.
    pub config: PartBConfig,
    /// Share of the majority class in the validation split (what a stuck model scores).
    pub majority_share: f64,
    /// The class-prior entropy of the training split, in nats: the training loss of
    /// predicting every row's class shares, which a network that learns anything from the
    /// features goes below.
    pub prior_entropy: f64,
    /// The protocol run with ReLU.
    pub relu: ActivationRun,
    /// The protocol run with sigmoid.
    pub sigmoid: ActivationRun,
    /// Multi-seed bands, ReLU then sigmoid.
    pub seeds: Vec<SeedBand>,
    /// ReLU at the study's setting over `interval_seeds` seeds, each for `iterations`: the
    /// runs sigmoid's are compared with.
    pub relu_runs: SeedRuns,
    /// The softmax regression (no hidden layer), trained like the MLPs from the same seeds.
    pub softmax: SoftmaxRegression,
    /// The sigmoid sweep over longer budgets, from the protocol seed alone: an
    /// illustration; no verdict is drawn from it (they come from `sigmoid_runs`).
    pub sigmoid_sweep: Vec<SweepPoint>,
    /// B(b): the protocol runs' weight gradients, ReLU then sigmoid (one seed; the
    /// gradient verdicts come from `gradient_seeds`).
    pub gradients: Vec<GradientEvidence>,
    /// Sigmoid runs over `interval_seeds` seeds, each for `iterations`: the study's rate,
    /// then every other sweep rate, from the study's initialisation; then the study's rate
    /// from the initialisation scaled for sigmoid (the multi-seed verdicts' evidence).
    pub sigmoid_runs: Vec<SeedRuns>,
    /// B(b): the backward signal per layer over seeds, at initialisation and after
    /// `iterations`: ReLU, sigmoid from the study's initialisation, sigmoid scaled.
    pub signals: Vec<SignalEvidence>,
    /// B(b): the per-seed values of the same three settings that the gradient verdicts
    /// pair by seed.
    pub gradient_seeds: Vec<GradientSeeds>,
    /// The verdicts, each drawn from runs over seeds.
    pub verdicts: PartBVerdicts,
}

/// Part B's verdicts, each `None` when its evidence is missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartBVerdicts {
    /// ReLU minus sigmoid in final validation accuracy, paired by seed over the bands
    /// (`None` when the bands' seeds differ or fewer than two finished).
    #[serde(default)]
    pub activation_gap: Option<crate::interval::Interval>,
    /// ReLU's MLP minus the softmax regression in final validation accuracy, paired by
    /// seed: what the hidden layers add.
    pub hidden_layers_gain: Option<crate::interval::Interval>,
    /// Is sigmoid stuck or only slow at the study's setting? (over seeds, from
    /// `sigmoid_runs` and `relu_runs`)
    pub sigmoid_progress: Option<verdicts::ProgressVerdict>,
    /// A larger step or an initialisation scaled for sigmoid? (paired over seeds)
    pub remedy: Option<verdicts::RemedyVerdict>,
    /// Does sigmoid's first-layer weight gradient vanish relative to ReLU's? (paired over
    /// seeds, from `gradient_seeds`)
    pub attenuation: Option<verdicts::AttenuationVerdict>,
    /// Are sigmoid's units saturated at the end? (over seeds)
    pub saturation: Option<verdicts::SaturationVerdict>,
    /// Which layer's backward gain is smaller under sigmoid: at initialisation, then after
    /// training (paired over seeds).
    pub attenuation_site: Vec<verdicts::AttenuationSite>,
}

/// Full-batch gradient descent through the hand-written backward pass.
pub fn train_config(learning_rate: f64, steps: usize, threads: usize) -> TrainConfig {
    TrainConfig {
        learning_rate,
        steps,
        batch_size: None,
        loss: LossOptions::default(),
        dropout: 0.0,
        engine: Engine::HandWritten,
        threads,
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

fn run(history: Vec<Record>, activation: Activation) -> ActivationRun {
    let last = history.last().cloned();
    ActivationRun {
        activation,
        train_acc: last.as_ref().map_or(f64::NAN, |r| r.train_acc),
        val_acc: last.as_ref().map_or(f64::NAN, |r| r.val_acc),
        final_loss: last.as_ref().map_or(f64::NAN, |r| r.loss),
        history,
    }
}

/// Runs Part B(a) and B(b) on the prepared data.
pub fn run_part_b(
    prepared: &Prepared,
    config: &PartBConfig,
    seed: u64,
    progress: &mut dyn Progress,
) -> Result<(PartB, Vec<NamedModel>), ExperimentError> {
    let cfg = train_config(config.learning_rate, config.iterations, config.threads);
    let mut runs = Vec::new();
    let mut models = Vec::new();
    for activation in [Activation::Relu, Activation::Sigmoid] {
        progress.step(&format!(
            "Part B(a): {activation:?} MLP, {} iterations",
            config.iterations
        ));
        let (mlp, history) = train_mlp(
            prepared,
            &config.hidden,
            activation,
            &cfg,
            Init::Study,
            seed,
        )
        .map_err(|e| ExperimentError::training(format!("Part B {activation:?}"), e))?;
        models.push(NamedModel::mlp(
            format!("part_b_{}", activation_name(activation)),
            &mlp,
            prepared,
        ));
        runs.push(run(history, activation));
    }
    let sigmoid = runs.pop().expect("two runs");
    let relu = runs.pop().expect("two runs");

    let band_seeds: Vec<u64> = (0..config.seeds as u64).map(|k| seed + k).collect();
    let interval_seeds: Vec<u64> = (0..config.seeds.max(config.interval_seeds) as u64)
        .map(|k| seed + k)
        .collect();
    // ReLU runs over the verdicts' seeds too, so B(b) pairs it with sigmoid seed by seed;
    // its band takes the first `seeds` of them.
    progress.step(&format!(
        "Part B(a): Relu over {} seeds",
        interval_seeds.len()
    ));
    let relu_runs = runs_over_seeds(
        prepared,
        config,
        (Activation::Relu, InitScheme::Study, config.learning_rate),
        &interval_seeds,
        progress,
    )?;
    progress.step(&format!(
        "Part B(a): Sigmoid over {} seeds",
        interval_seeds.len()
    ));
    let sigmoid_runs = runs_over_seeds(
        prepared,
        config,
        (Activation::Sigmoid, InitScheme::Study, config.learning_rate),
        &interval_seeds,
        progress,
    )?;
    let seeds = vec![
        seed_band(config, Activation::Relu, &band_seeds, &relu_runs)?,
        seed_band(config, Activation::Sigmoid, &band_seeds, &sigmoid_runs)?,
    ];

    progress.step(&format!(
        "Part B(a): softmax regression over {} seeds",
        interval_seeds.len()
    ));
    let softmax = softmax_regression(prepared, config, &interval_seeds)?;

    progress.step("Part B(a): sigmoid learning-rate sweep");
    let sigmoid_sweep = sweep(prepared, config, seed, progress)?;

    let mut groups = vec![(
        (Activation::Sigmoid, InitScheme::Study, config.learning_rate),
        sigmoid_runs,
    )];
    for &lr in &config.sweep_learning_rates {
        if lr == config.learning_rate {
            continue;
        }
        progress.step(&format!(
            "Part B(a): sigmoid at learning rate {lr} over {} seeds",
            interval_seeds.len()
        ));
        let setting = (Activation::Sigmoid, InitScheme::Study, lr);
        let runs = runs_over_seeds(prepared, config, setting, &interval_seeds, progress)?;
        groups.push((setting, runs));
    }
    progress.step(&format!(
        "Part B(b): sigmoid scaled for sigmoid (gain {}) over {} seeds",
        config.sigmoid_init_gain,
        interval_seeds.len()
    ));
    let setting = (
        Activation::Sigmoid,
        InitScheme::SigmoidScaled,
        config.learning_rate,
    );
    let scaled = runs_over_seeds(prepared, config, setting, &interval_seeds, progress)?;
    groups.push((setting, scaled));

    let relu_setting = (Activation::Relu, InitScheme::Study, config.learning_rate);
    let relu_summary = summarise(relu_setting, config, &interval_seeds, &relu_runs);
    let mut signals = signal_evidence(Activation::Relu, InitScheme::Study, config, &relu_runs);
    let mut gradient_seeds = vec![per_seed(relu_setting, &interval_seeds, &relu_runs)];
    for (setting, runs) in &groups {
        if setting.2 == config.learning_rate {
            signals.extend(signal_evidence(setting.0, setting.1, config, runs));
            gradient_seeds.push(per_seed(*setting, &interval_seeds, runs));
        }
    }
    let sigmoid_runs: Vec<SeedRuns> = groups
        .iter()
        .map(|(setting, runs)| summarise(*setting, config, &interval_seeds, runs))
        .collect();

    let gradients: Vec<GradientEvidence> = [&relu, &sigmoid].iter().map(|r| evidence(r)).collect();
    let (_, majority_share) = majority(&prepared.validation.y, prepared.n_classes);
    let prior_entropy = prior_entropy(&prepared.train.y, prepared.n_classes);
    let verdicts = PartBVerdicts {
        activation_gap: verdicts::activation_gap(&seeds),
        hidden_layers_gain: verdicts::hidden_layers_gain(&relu_summary, &softmax),
        // The study's setting is the first of `sigmoid_runs` (see `groups`).
        sigmoid_progress: verdicts::sigmoid_progress(
            (0, &sigmoid_runs[0]),
            &relu_summary,
            prior_entropy,
            majority_share,
            config.stuck_margin,
        ),
        remedy: verdicts::remedy(&sigmoid_runs, config.learning_rate),
        attenuation: verdicts::attenuation(
            &gradient_seeds,
            config.learning_rate,
            config.vanishing_factor,
        ),
        saturation: verdicts::saturation(
            &gradient_seeds,
            config.learning_rate,
            config.saturation_share,
        ),
        attenuation_site: [Moment::Initialisation, Moment::AfterTraining]
            .into_iter()
            .filter_map(|m| verdicts::attenuation_site(&gradient_seeds, config.learning_rate, m))
            .collect(),
    };
    Ok((
        PartB {
            config: config.clone(),
            majority_share,
            prior_entropy,
            relu,
            sigmoid,
            seeds,
            relu_runs: relu_summary,
            softmax,
            sigmoid_sweep,
            gradients,
            sigmoid_runs,
            signals,
            gradient_seeds,
            verdicts,
        },
        models,
    ))
}

/// The entropy of the class shares of `y`, in nats: the cross-entropy of predicting those
/// shares for every row.
fn prior_entropy(y: &[usize], n_classes: usize) -> f64 {
    let counts = crate::part_a::stats::class_counts(y.iter().copied(), n_classes);
    crate::part_a::stats::shares(&counts)
        .iter()
        .filter(|&&p| p > 0.0)
        .map(|p| -p * p.ln())
        .sum()
}

/// The softmax regression (an [`Mlp`] with no hidden layer) trained like the study's MLPs
/// from each seed, side by side.
fn softmax_regression(
    prepared: &Prepared,
    config: &PartBConfig,
    seeds: &[u64],
) -> Result<SoftmaxRegression, ExperimentError> {
    let cfg = train_config(config.learning_rate, config.iterations, config.threads);
    let runs: Vec<(TrainConfig, u64)> = seeds.iter().map(|&s| (cfg.clone(), s)).collect();
    // The activation has no unit to act on: there is no hidden layer.
    let trained = train_mlps(
        prepared,
        &[],
        Activation::Relu,
        &runs,
        Init::Study,
        config.threads,
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
        train_acc_interval: mean_interval(&train_acc),
        val_acc_interval: mean_interval(&val_acc),
        train_acc,
        val_acc,
        loss,
    })
}

/// `"relu"` or `"sigmoid"`, as in file names.
pub fn activation_name(activation: Activation) -> &'static str {
    match activation {
        Activation::Relu => "relu",
        Activation::Sigmoid => "sigmoid",
    }
}

/// One run of [`runs_over_seeds`]: its history (or why it stopped) and the backward
/// signals at initialisation and at the end.
struct Outcome {
    history: Result<Vec<Record>, TrainError>,
    start: Option<signals::LayerSignals>,
    end: Option<signals::LayerSignals>,
}

/// Trains one setting `(activation, initialisation, learning rate)` for
/// `config.iterations` from each seed (the same initial draws as [`train_mlp`]), measuring
/// the backward signals before and after. A diverged run is kept as its error.
fn runs_over_seeds(
    prepared: &Prepared,
    config: &PartBConfig,
    (activation, init, learning_rate): (Activation, InitScheme, f64),
    seeds: &[u64],
    progress: &mut dyn Progress,
) -> Result<Vec<Outcome>, ExperimentError> {
    let cfg = train_config(learning_rate, config.iterations, config.threads);
    let (x, y) = (prepared.train.x.as_ref(), &prepared.train.y[..]);
    let mut jobs: Vec<TrainJob> = seeds
        .iter()
        .map(|&s| {
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
            TrainJob {
                mlp,
                cfg: cfg.clone(),
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
        config.threads,
    );
    let mut outcomes = Vec::new();
    for ((job, history), start) in jobs.iter().zip(histories).zip(starts) {
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
            start,
            end,
        });
    }
    progress.advance(seeds.len(), seeds.len());
    Ok(outcomes)
}

/// The band over the first `seeds.len()` outcomes, which must all have finished.
fn seed_band(
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
fn summarise(
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
        val_acc_interval: mean_interval(&val_acc),
        loss_interval: mean_interval(&loss),
        val_acc,
        loss,
        diverged: outcomes.iter().filter(|o| o.history.is_err()).count(),
    }
}

/// The signals of a setting's runs at initialisation and, over the runs that finished, at
/// the end.
fn signal_evidence(
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
fn per_seed(
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

/// Mean over the iterations of `history` of mean |∂L/∂W_a| / mean |∂L/∂W_b| (iterations
/// whose layer-`b` gradient is zero skipped).
fn mean_ratio(history: &[Record], a: usize, b: usize) -> f64 {
    let r: Vec<f64> = history
        .iter()
        .filter(|r| r.grad_mean_abs[b] > 0.0)
        .map(|r| r.grad_mean_abs[a] / r.grad_mean_abs[b])
        .collect();
    r.iter().sum::<f64>() / r.len().max(1) as f64
}

fn layer_count(history: &[Record]) -> usize {
    history.first().map_or(0, |r| r.grad_mean_abs.len())
}

/// [`mean_ratio`] of the first layer over the output layer.
fn first_to_last_ratio(history: &[Record]) -> f64 {
    mean_ratio(history, 0, layer_count(history).saturating_sub(1))
}

/// Mean and sample standard deviation (ddof = 1; 0 for a single value).
pub fn mean_sd(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let v: Vec<f64> = values.collect();
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 {
        v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt())
}

fn sweep(
    prepared: &Prepared,
    config: &PartBConfig,
    seed: u64,
    progress: &mut dyn Progress,
) -> Result<Vec<SweepPoint>, ExperimentError> {
    // The learning rates train side by side; the results are those of one run after another.
    let runs: Vec<(TrainConfig, u64)> = config
        .sweep_learning_rates
        .iter()
        .map(|&lr| {
            (
                train_config(lr, config.sweep_iterations, config.threads),
                seed,
            )
        })
        .collect();
    progress.advance(0, runs.len());
    let trained = train_mlps(
        prepared,
        &config.hidden,
        Activation::Sigmoid,
        &runs,
        Init::Study,
        config.threads,
    );
    progress.advance(runs.len(), runs.len());
    let mut points = Vec::new();
    for (&lr, result) in config.sweep_learning_rates.iter().zip(trained) {
        match result {
            Ok((_, history)) => {
                for &c in &config.sweep_checkpoints {
                    if let Some(r) = history.get(c.saturating_sub(1)) {
                        points.push(SweepPoint {
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

fn evidence(run: &ActivationRun) -> GradientEvidence {
    let h = &run.history;
    let layers = layer_count(h);
    GradientEvidence {
        activation: run.activation,
        initial: h
            .first()
            .map(|r| r.grad_mean_abs.clone())
            .unwrap_or_default(),
        last: h
            .last()
            .map(|r| r.grad_mean_abs.clone())
            .unwrap_or_default(),
        first_to_last_ratio: first_to_last_ratio(h),
        w1_to_w2_ratio: mean_ratio(h, 0, 1.min(layers.saturating_sub(1))),
        saturation_initial: h.first().map(|r| r.saturation.clone()).unwrap_or_default(),
        saturation_last: h.last().map(|r| r.saturation.clone()).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bands_use_as_many_seeds_as_the_verdicts() {
        let c = PartBConfig::default();
        assert_eq!(
            c.seeds, c.interval_seeds,
            "Part B(a) quotes the same seeds as B(b)"
        );
    }

    #[test]
    fn the_prior_entropy_is_that_of_the_class_shares() {
        // Shares ½, ¼, ¼: entropy (3/2) ln 2.
        let y = [0, 0, 1, 2];
        assert!((prior_entropy(&y, 3) - 1.5 * std::f64::consts::LN_2).abs() < 1e-15);
        // An absent class adds nothing.
        assert!((prior_entropy(&[0, 1], 3) - std::f64::consts::LN_2).abs() < 1e-15);
    }
}
