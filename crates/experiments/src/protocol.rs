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
    // The three trainings are independent: each runs on one thread, side by side on the
    // runtime's threads (a minibatch step is one graph on one thread, and a full-batch
    // run's block partition does not depend on its threads, so no bit moves). In turn,
    // each on every thread, Part C's run left a core idle and each Part B run paid a
    // barrier per iteration.
    progress.step("Part B(a) ReLU and sigmoid, Part C(b) tape MLP, side by side");
    // The protocol reads each run's last record only.
    let cfg = TrainConfig {
        evaluate: Evaluate::last_only(),
        ..train_config(b, b.learning_rate, b.iterations, 1)
    };
    let one = Runtime::with_threads(1);
    let jobs = [
        Job::PartB(Activation::Sigmoid),
        Job::PartB(Activation::Relu),
        Job::PartC,
    ];
    let mut done = models::map_in_parallel(jobs.into_iter(), runtime.threads, |job| match job {
        Job::PartB(activation) => {
            train_mlp(&prepared, &b.hidden, activation, &cfg, Init::Study, seed)
                .map(|(_, history)| Trained::PartB(accuracy(history.last())))
                .map_err(|e| ExperimentError::training(format!("Part B {activation:?}"), e))
        }
        Job::PartC => train_tape_last(
            &prepared,
            &config.part_c,
            &one,
            LossOptions::default(),
            0.0,
            seed,
        )
        .map(|(mlp, last)| Trained::PartC(mlp, last)),
    })
    .into_iter();
    let mut next = || done.next().expect("one result per job");
    let (Trained::PartB(sigmoid), Trained::PartB(relu), Trained::PartC(mlp, last)) =
        (next()?, next()?, next()?)
    else {
        unreachable!("results come back in the order of the jobs")
    };
    progress.step("Part C(b): gradient attribution and test accuracy");
    let attribution = gradient_attribution(&mlp, &prepared.validation)?;
    let test_acc = mlp
        .accuracy(prepared.test.x.as_ref(), &prepared.test.y)
        .map_err(|e| ExperimentError::training("protocol test accuracy".into(), e.into()))?;
    Ok(Protocol {
        relu,
        sigmoid,
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

/// One training of the protocol.
#[derive(Clone, Copy)]
enum Job {
    PartB(Activation),
    PartC,
}

/// What a [`Job`] gives back.
enum Trained {
    PartB(Accuracy),
    PartC(models::Mlp, Option<models::Record>),
}

/// The accuracies of a history's last record (NaN without one).
fn accuracy(last: Option<&models::Record>) -> Accuracy {
    Accuracy {
        train: last.map_or(f64::NAN, |r| r.train_acc),
        validation: last.map_or(f64::NAN, |r| r.val_acc),
    }
}
