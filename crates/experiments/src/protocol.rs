//! The study's protocol alone, for timing: preprocessing, Part B(a) with ReLU and sigmoid
//! at the protocol configuration, Part C(b) with gradient attribution, and the test
//! accuracy of Part C's model (Part D's evaluation). No seed bands, sweeps, permutation
//! importance, mitigations or Question 2: this is the work the speed target is set on.

use data::{PreprocessOptions, Table};
use models::{Activation, Evaluate, Init, LossOptions, TrainConfig};
use serde::{Deserialize, Serialize};

use crate::part_b::{train_config, train_mlp};
use crate::part_c::{FeatureScore, gradient_attribution, train_tape_last};
use crate::{Config, ExperimentError, Prepared, Progress, Runtime};

/// Accuracy of a model after its last training iteration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Accuracy {
    /// On the training split.
    pub train: f64,
    /// On the validation split.
    pub validation: f64,
}

/// The protocol's headline numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Protocol {
    /// Part B(a) ReLU.
    pub relu: Accuracy,
    /// Part B(a) sigmoid.
    pub sigmoid: Accuracy,
    /// Part C(b) tape MLP.
    pub tape: Accuracy,
    /// Part C(b) tape MLP on the test set (Part D's evaluation).
    pub tape_test: f64,
    /// Part C(b) gradient attribution per encoded feature, in column order.
    pub attribution: Vec<FeatureScore>,
}

/// Runs the protocol on the two tables with `config`'s seed, split and part settings, on
/// `runtime`'s threads.
pub fn run_protocol(
    train: &Table,
    test: &Table,
    config: &Config,
    runtime: &Runtime,
    progress: &mut dyn Progress,
) -> Result<Protocol, ExperimentError> {
    let seed = config.seed;
    let split = crate::split(train, config)?;
    crate::check_width(train)?;
    progress.step("Preprocessing (fitted on the training split)");
    let prepared = Prepared::new(train, test, &split, &PreprocessOptions::default())?;
    let b = &config.part_b;
    // The protocol reads each run's last record only.
    let cfg = TrainConfig {
        evaluate: Evaluate::last_only(),
        ..train_config(b, b.learning_rate, b.iterations, runtime.threads)
    };
    let mut part_b = Vec::new();
    for activation in [Activation::Relu, Activation::Sigmoid] {
        progress.step(&format!("Part B(a): {activation:?} MLP"));
        let (_, history) = train_mlp(&prepared, &b.hidden, activation, &cfg, Init::Study, seed)
            .map_err(|e| ExperimentError::training(format!("Part B {activation:?}"), e))?;
        part_b.push(accuracy(history.last()));
    }
    progress.step("Part C(b): tape MLP and gradient attribution");
    let (mlp, last) = train_tape_last(
        &prepared,
        &config.part_c,
        runtime,
        LossOptions::default(),
        0.0,
        seed,
    )?;
    let attribution = gradient_attribution(&mlp, &prepared.validation)?;
    let test_acc = mlp
        .accuracy(prepared.test.x.as_ref(), &prepared.test.y)
        .map_err(|e| ExperimentError::training("protocol test accuracy".into(), e.into()))?;
    Ok(Protocol {
        relu: part_b[0],
        sigmoid: part_b[1],
        tape: accuracy(last.as_ref()),
        tape_test: test_acc,
        attribution: prepared
            .validation
            .feature_names
            .iter()
            .cloned()
            .zip(attribution)
            .map(|(feature, score)| FeatureScore { feature, score })
            .collect(),
    })
}

/// The accuracies of a history's last record (NaN without one).
fn accuracy(last: Option<&models::Record>) -> Accuracy {
    Accuracy {
        train: last.map_or(f64::NAN, |r| r.train_acc),
        validation: last.map_or(f64::NAN, |r| r.val_acc),
    }
}
