//! Why training cannot start or had to stop: the one error type of the models crate (model
//! files have their own, in [`crate::file`]), and the setup checks every entry point runs
//! first. Every variant is typed, so a caller (or a test) can tell which check fired
//! without reading a message.

use std::fmt;

/// Why training stopped, or why a network cannot run on the data given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainError {
    /// A loss or gradient became NaN or infinite.
    #[error(
        "training diverged at iteration {step}: {what} is {value}; try a smaller learning rate"
    )]
    Diverged {
        /// Iteration (full batch) or minibatch update, from 1, where it was detected.
        step: usize,
        /// What became non-finite.
        what: Quantity,
        /// The offending value.
        value: f64,
    },
    /// The configuration, the network or the data cannot be trained on or evaluated.
    #[error("invalid training setup: {0}")]
    Invalid(Invalid),
}

/// The quantity a [`TrainError::Diverged`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// The training objective.
    Loss,
    /// The gradient of one parameter.
    Gradient(Parameter),
}

/// A parameter of a network, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parameter {
    /// The weight of layer `l` (from 1) of an [`Mlp`].
    LayerWeight(usize),
    /// The bias of layer `l` (from 1) of an [`Mlp`].
    LayerBias(usize),
    /// A parameter named in its network's own terms (`W`, `b1`, …).
    Named(&'static str),
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quantity::Loss => write!(f, "loss"),
            Quantity::Gradient(Parameter::LayerWeight(l)) => {
                write!(f, "gradient of layer {l} weight")
            }
            Quantity::Gradient(Parameter::LayerBias(l)) => write!(f, "gradient of layer {l} bias"),
            Quantity::Gradient(Parameter::Named(name)) => write!(f, "gradient of {name}"),
        }
    }
}

/// Which setup check failed ([`TrainError::Invalid`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Invalid {
    /// The learning rate is not a positive finite number.
    #[error("learning rate {0} must be positive")]
    LearningRate(f64),
    /// A data set has a different number of rows and labels.
    #[error("{rows} rows but {labels} labels")]
    Labels {
        /// Rows of the matrix.
        rows: usize,
        /// Labels given.
        labels: usize,
    },
    /// A data set has the wrong number of columns for the network.
    #[error("{columns} columns for a network of {inputs} inputs")]
    Columns {
        /// Columns of the matrix.
        columns: usize,
        /// Inputs of the network.
        inputs: usize,
    },
    /// A label is not a class of the network.
    #[error("label {label} outside 0..{classes}")]
    Label {
        /// The label.
        label: usize,
        /// Classes of the network.
        classes: usize,
    },
    /// There is nothing to train on.
    #[error("no training rows")]
    NoRows,
    /// The dropout probability is outside `[0, 1)`.
    #[error("dropout {0} must lie in [0, 1)")]
    Dropout(f64),
    /// The class weights do not fit the network, or one is negative or not finite.
    #[error("{weights} class weights for {classes} classes (all finite, ≥ 0)")]
    ClassWeights {
        /// Weights given.
        weights: usize,
        /// Classes of the network.
        classes: usize,
    },
    /// A minibatch of no rows.
    #[error("batch size 0")]
    BatchSize,
    /// Every row of a batch belongs to a class of weight 0.
    #[error("the class weights give a batch of {rows} rows a total weight of {total}")]
    NoWeight {
        /// Rows of the batch.
        rows: usize,
        /// Their total weight.
        total: f64,
    },
    /// The network's layers do not chain (`Mlp`'s fields are public, so any shape can
    /// be built): no layer, or layer `layer` (from 1) takes `fan_in` inputs where the
    /// layer before gives `expected`, or its bias is not `1 × fan_out`.
    #[error("layer {layer} of the network does not fit: {problem}")]
    Network {
        /// The layer, from 1 (0: the network has none).
        layer: usize,
        /// What is wrong.
        problem: NetworkProblem,
    },
}

/// What is wrong with a network's layers ([`Invalid::Network`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NetworkProblem {
    /// The network has no layer at all.
    #[error("the network has no layers")]
    NoLayers,
    /// The layer's weight has `fan_in` rows, the layer below gives `expected` outputs.
    #[error("{fan_in} inputs where the layer below gives {expected}")]
    FanIn {
        /// Rows of the weight.
        fan_in: usize,
        /// Outputs of the layer below.
        expected: usize,
    },
    /// The bias is not one row of `fan_out` values.
    #[error("a {rows} × {cols} bias for {fan_out} outputs")]
    Bias {
        /// Rows of the bias.
        rows: usize,
        /// Columns of the bias.
        cols: usize,
        /// Outputs of the layer.
        fan_out: usize,
    },
}

impl From<Invalid> for TrainError {
    fn from(e: Invalid) -> Self {
        TrainError::Invalid(e)
    }
}
