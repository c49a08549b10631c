//! The checks every entry point runs before any work: the network's shape, the data's
//! shape and labels, the hyperparameters and the class weights, each failing with the
//! [`Invalid`] variant that names it.

use faer::MatRef;

use crate::error::{Invalid, NetworkProblem, TrainError};
use crate::mlp::{LossOptions, Mlp};

/// Checks that `mlp`'s layers chain into a network with at least one layer.
pub(crate) fn check_network(mlp: &Mlp) -> Result<(), Invalid> {
    let bad = |layer, problem| Err(Invalid::Network { layer, problem });
    if mlp.layers.is_empty() {
        return bad(0, NetworkProblem::NoLayers);
    }
    for (l, d) in mlp.layers.iter().enumerate() {
        if l > 0 && d.fan_in() != mlp.layers[l - 1].fan_out() {
            let problem = NetworkProblem::FanIn {
                fan_in: d.fan_in(),
                expected: mlp.layers[l - 1].fan_out(),
            };
            return bad(l + 1, problem);
        }
        if d.bias.nrows() != 1 || d.bias.ncols() != d.fan_out() {
            let problem = NetworkProblem::Bias {
                rows: d.bias.nrows(),
                cols: d.bias.ncols(),
                fan_out: d.fan_out(),
            };
            return bad(l + 1, problem);
        }
    }
    Ok(())
}

/// Checks that `x` has one column per input of a network of `n_inputs` inputs and, when
/// labels are given, one label per row, each a class below `n_classes`.
pub(crate) fn check_data(
    n_inputs: usize,
    n_classes: usize,
    x: MatRef<'_, f64>,
    y: Option<&[usize]>,
) -> Result<(), Invalid> {
    if let Some(y) = y
        && x.nrows() != y.len()
    {
        return Err(Invalid::Labels {
            rows: x.nrows(),
            labels: y.len(),
        });
    }
    if x.ncols() != n_inputs {
        return Err(Invalid::Columns {
            columns: x.ncols(),
            inputs: n_inputs,
        });
    }
    if let Some(&label) = y.into_iter().flatten().find(|&&c| c >= n_classes) {
        return Err(Invalid::Label {
            label,
            classes: n_classes,
        });
    }
    Ok(())
}

/// Checks shapes, labels and hyperparameters before any work.
pub(crate) fn validate(
    n_inputs: usize,
    n_classes: usize,
    sets: &[(MatRef<'_, f64>, &[usize])],
    learning_rate: f64,
) -> Result<(), TrainError> {
    if !(learning_rate.is_finite() && learning_rate > 0.0) {
        return Err(Invalid::LearningRate(learning_rate).into());
    }
    for &(x, y) in sets {
        check_data(n_inputs, n_classes, x, Some(y))?;
    }
    if sets[0].1.is_empty() {
        return Err(Invalid::NoRows.into());
    }
    Ok(())
}

/// Checks that class weights, when given, are one finite, non-negative weight per class.
pub(crate) fn check_class_weights(opts: &LossOptions, n_classes: usize) -> Result<(), Invalid> {
    match &opts.class_weights {
        Some(w) if w.len() != n_classes || w.iter().any(|v| !(v.is_finite() && *v >= 0.0)) => {
            Err(Invalid::ClassWeights {
                weights: w.len(),
                classes: n_classes,
            })
        }
        _ => Ok(()),
    }
}
