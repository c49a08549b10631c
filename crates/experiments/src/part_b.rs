//! Part B: the from-scratch MLP, sigmoid against ReLU (B(a)), and the gradient magnitudes
//! per layer that test the "vanishing gradients" explanation (B(b)).

mod config;
mod gradients;
mod record;
mod seeds;
mod signals;
mod sweep;
mod train;

pub use config::{PartBConfig, Precision};
pub use record::{ActivationRun, PartB, PartBVerdicts};
pub use train::{train_config, train_mlp, train_mlps};

pub use crate::evidence::{
    GradientEvidence, GradientSeeds, InitScheme, SeedBand, SeedRuns, SignalEvidence,
    SoftmaxRegression, SweepPoint,
};
use models::{Activation, Record};

use crate::prepare::{Prepared, majority};
use crate::verdicts::{self, Moment};
use crate::{ExperimentError, NamedModel, Progress, Runtime};
use gradients::evidence;
use seeds::{per_seed, runs_over_seeds, seed_band, signal_evidence, summarise};
use sweep::sweep;
use train::softmax_regression;

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
    runtime: &Runtime,
    progress: &mut dyn Progress,
) -> Result<(PartB, Vec<NamedModel>), ExperimentError> {
    let band_seeds: Vec<u64> = (0..config.seeds as u64).map(|k| seed + k).collect();
    let interval_seeds: Vec<u64> = (0..config.seeds.max(config.interval_seeds) as u64)
        .map(|k| seed + k)
        .collect();
    // ReLU runs over the verdicts' seeds too, so B(b) pairs it with sigmoid seed by seed;
    // its band takes the first `seeds` of them.
    let mut runs_at_study_setting = Vec::new();
    for activation in [Activation::Relu, Activation::Sigmoid] {
        progress.step(&format!(
            "Part B(a): {activation:?} over {} seeds",
            interval_seeds.len()
        ));
        runs_at_study_setting.push(runs_over_seeds(
            prepared,
            config,
            runtime,
            (activation, InitScheme::Study, config.learning_rate),
            (&interval_seeds, band_seeds.len()),
            progress,
        )?);
    }
    let sigmoid_runs = runs_at_study_setting.pop().expect("two settings");
    let relu_runs = runs_at_study_setting.pop().expect("two settings");
    // The protocol runs are the bands' first runs: the protocol seed at the study's
    // setting, trained once (`runs_over_seeds` gives what `train_mlp` would).
    let mut models = Vec::new();
    let mut protocol = Vec::new();
    for (activation, runs) in [
        (Activation::Relu, &relu_runs),
        (Activation::Sigmoid, &sigmoid_runs),
    ] {
        let first = &runs[0];
        let history = first
            .history
            .clone()
            .map_err(|e| ExperimentError::training(format!("Part B {activation:?}"), e))?;
        models.push(NamedModel::mlp(
            format!("part_b_{}", activation.name()),
            &first.mlp,
            prepared,
        ));
        protocol.push(run(history, activation));
    }
    let sigmoid = protocol.pop().expect("two runs");
    let relu = protocol.pop().expect("two runs");
    let seeds = vec![
        seed_band(config, Activation::Relu, &band_seeds, &relu_runs)?,
        seed_band(config, Activation::Sigmoid, &band_seeds, &sigmoid_runs)?,
    ];

    progress.step(&format!(
        "Part B(a): softmax regression over {} seeds",
        interval_seeds.len()
    ));
    let softmax = softmax_regression(prepared, config, runtime, &interval_seeds)?;

    // The study's setting first, then every other sweep rate, then the scaled
    // initialisation last: the verdicts find the settings by these positions.
    let mut groups = vec![(
        (Activation::Sigmoid, InitScheme::Study, config.learning_rate),
        sigmoid_runs,
    )];
    // A sweep rate that is the study's own is run once, as the study's setting (the one
    // place a rate's value is compared, on the configuration, before any run).
    for &lr in &config.sweep_learning_rates {
        if lr == config.learning_rate {
            continue;
        }
        progress.step(&format!(
            "Part B(a): sigmoid at learning rate {lr} over {} seeds",
            interval_seeds.len()
        ));
        let setting = (Activation::Sigmoid, InitScheme::Study, lr);
        let runs = runs_over_seeds(
            prepared,
            config,
            runtime,
            setting,
            (&interval_seeds, 0),
            progress,
        )?;
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
    let scaled = runs_over_seeds(
        prepared,
        config,
        runtime,
        setting,
        (&interval_seeds, 0),
        progress,
    )?;
    groups.push((setting, scaled));

    // The sweep goes on from the runs of the protocol seed (the first of `interval_seeds`)
    // at its rates, which the runs over seeds above trained for `config.iterations`.
    progress.step("Part B(a): sigmoid learning-rate sweep");
    let trained: Vec<Option<&seeds::Outcome>> = config
        .sweep_learning_rates
        .iter()
        .map(|&lr| {
            groups
                .iter()
                .find(|((a, init, rate), _)| {
                    *a == Activation::Sigmoid && *init == InitScheme::Study && *rate == lr
                })
                .and_then(|(_, runs)| runs.first())
        })
        .collect();
    let sigmoid_sweep = sweep(prepared, config, seed, runtime, &trained, progress)?;

    let relu_setting = (Activation::Relu, InitScheme::Study, config.learning_rate);
    let relu_summary = summarise(relu_setting, config, &interval_seeds, &relu_runs);
    let mut signals = signal_evidence(Activation::Relu, InitScheme::Study, config, &relu_runs);
    let mut gradient_seeds = vec![per_seed(relu_setting, &interval_seeds, &relu_runs)];
    // The two sigmoid settings at the study's rate: the first group and the last.
    let (study, scaled) = (0, groups.len() - 1);
    for (setting, runs) in [&groups[study], &groups[scaled]] {
        signals.extend(signal_evidence(setting.0, setting.1, config, runs));
        gradient_seeds.push(per_seed(*setting, &interval_seeds, runs));
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
        sigmoid_progress: verdicts::sigmoid_progress(
            (study, &sigmoid_runs[study]),
            &relu_summary,
            prior_entropy,
            majority_share,
            config.stuck_margin,
        ),
        remedy: verdicts::remedy(&sigmoid_runs, (study, scaled)),
        attenuation: verdicts::attenuation(&gradient_seeds, config.vanishing_factor),
        saturation: verdicts::saturation(&gradient_seeds, config.saturation_share),
        attenuation_site: [Moment::Initialisation, Moment::AfterTraining]
            .into_iter()
            .filter_map(|m| verdicts::attenuation_site(&gradient_seeds, m))
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

#[cfg(test)]
mod tests;
