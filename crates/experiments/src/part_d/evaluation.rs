//! A model's accuracy on each set, and the error a network gives when it refuses the rows
//! Part D scores it on: shared by the run and the mitigations.

use models::Mlp;
use serde::{Deserialize, Serialize};

use crate::ExperimentError;
use crate::prepare::Prepared;

/// Accuracy of one model on each set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evaluation {
    /// Training split.
    pub train_acc: f64,
    /// Validation split.
    pub val_acc: f64,
    /// Held-out test set.
    pub test_acc: f64,
    /// Training minus validation accuracy: what overfitting would show.
    pub overfitting_gap: f64,
    /// Validation minus test accuracy: the collapse to explain.
    pub test_gap: f64,
}

pub(super) fn evaluate(mlp: &Mlp, prepared: &Prepared) -> Result<Evaluation, ExperimentError> {
    let accuracy = |d: &data::Design| {
        mlp.accuracy(d.x.as_ref(), &d.y)
            .map_err(model_error("Part D evaluation"))
    };
    let train_acc = accuracy(&prepared.train)?;
    let val_acc = accuracy(&prepared.validation)?;
    let test_acc = accuracy(&prepared.test)?;
    Ok(Evaluation {
        train_acc,
        val_acc,
        test_acc,
        overfitting_gap: train_acc - val_acc,
        test_gap: val_acc - test_acc,
    })
}

/// A network refusing the rows Part D scores it on (a width or class count that does not
/// match its encoding) as the run's error, named by the step.
pub(super) fn model_error(step: &'static str) -> impl Fn(models::Invalid) -> ExperimentError {
    move |e| ExperimentError::training(step.into(), e.into())
}
