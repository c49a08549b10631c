//! Why training cannot start or had to stop: the one error type of the models crate (model
//! files have their own, in [`crate::file`]), and the setup check every trainer runs first.

use faer::MatRef;

/// Why training stopped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainError {
    /// A loss or gradient became NaN or infinite.
    #[error(
        "training diverged at iteration {step}: {what} is {value}; try a smaller learning rate"
    )]
    Diverged {
        /// Iteration (full batch) or minibatch update, from 1, where it was detected.
        step: usize,
        /// `"loss"` or e.g. `"gradient of layer 2 weight"`.
        what: String,
        /// The offending value.
        value: f64,
    },
    /// The configuration or the data cannot be trained on.
    #[error("invalid training setup: {0}")]
    Invalid(String),
}

/// Checks shapes, labels and hyperparameters before any work.
pub(crate) fn validate(
    n_inputs: usize,
    n_classes: usize,
    sets: &[(MatRef<'_, f64>, &[usize])],
    learning_rate: f64,
) -> Result<(), TrainError> {
    let bad = |m: String| Err(TrainError::Invalid(m));
    if !(learning_rate.is_finite() && learning_rate > 0.0) {
        return bad(format!("learning rate {learning_rate} must be positive"));
    }
    for (x, y) in sets {
        if x.nrows() != y.len() {
            return bad(format!("{} rows but {} labels", x.nrows(), y.len()));
        }
        if x.ncols() != n_inputs {
            return bad(format!(
                "{} columns for a network of {n_inputs} inputs",
                x.ncols()
            ));
        }
        if let Some(c) = y.iter().find(|&&c| c >= n_classes) {
            return bad(format!("label {c} outside 0..{n_classes}"));
        }
    }
    if sets[0].1.is_empty() {
        return bad("no training rows".to_string());
    }
    Ok(())
}
