//! The model file: everything needed to predict from a raw CSV row, as plain serde data
//! (the caller chooses the format and does the I/O; see `docs/model-format.md`).

use data::Preprocessor;
use faer::{Mat, MatRef};
use serde::{Deserialize, Serialize};

use crate::bias_net::{BiasMode, BiasNet};
use crate::mlp::{Activation, Dense, Mlp};

/// Version of the layout below; bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;

/// One affine layer, row-major so that the JSON reads like the maths (`z = a W + b`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, schemars::JsonSchema)]
pub struct LayerFile {
    /// `fan_in` rows of `fan_out` numbers.
    pub weight: Vec<Vec<f64>>,
    /// `fan_out` numbers.
    pub bias: Vec<f64>,
}

/// A saved network with its fitted preprocessing.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, schemars::JsonSchema)]
pub struct ModelFile {
    /// [`FORMAT_VERSION`] when written.
    pub format_version: u32,
    /// Encoded feature names, in the column order the first layer expects.
    pub feature_names: Vec<String>,
    /// Hidden nonlinearity (every layer but the last); the last is followed by softmax.
    pub activation: Activation,
    /// Hidden layers first, the output layer last.
    pub layers: Vec<LayerFile>,
    /// `None` for an MLP; for a Question 2 network, whether the two layers share one bias
    /// (then both layers list the same bias).
    pub shared_bias: Option<bool>,
    /// The fitted imputation, one-hot encoding and scaling.
    pub preprocessor: Preprocessor,
}

/// Why a model file cannot become a network.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelFileError {
    /// Written by a different version of this layout.
    #[error("model file format version {found}, this program reads version {FORMAT_VERSION}")]
    Version {
        /// The version in the file.
        found: u32,
    },
    /// The layers do not chain, or do not match the feature names.
    #[error("model file is inconsistent: {0}")]
    Shape(String),
}

impl LayerFile {
    fn from_parts(weight: MatRef<'_, f64>, bias: MatRef<'_, f64>) -> Self {
        LayerFile {
            weight: (0..weight.nrows())
                .map(|i| (0..weight.ncols()).map(|j| weight[(i, j)]).collect())
                .collect(),
            bias: (0..bias.ncols()).map(|j| bias[(0, j)]).collect(),
        }
    }

    fn to_dense(&self, l: usize) -> Result<Dense, ModelFileError> {
        let fan_in = self.weight.len();
        let fan_out = self.bias.len();
        if let Some(r) = self.weight.iter().position(|r| r.len() != fan_out) {
            return Err(ModelFileError::Shape(format!(
                "layer {}: weight row {r} has {} numbers, the bias {fan_out}",
                l + 1,
                self.weight[r].len()
            )));
        }
        Ok(Dense {
            weight: Mat::from_fn(fan_in, fan_out, |i, j| self.weight[i][j]),
            bias: Mat::from_fn(1, fan_out, |_, j| self.bias[j]),
        })
    }
}

impl ModelFile {
    /// Snapshot of a trained MLP and the preprocessor it was trained behind.
    pub fn from_mlp(mlp: &Mlp, preprocessor: &Preprocessor) -> Self {
        ModelFile {
            format_version: FORMAT_VERSION,
            feature_names: preprocessor.feature_names().to_vec(),
            activation: mlp.activation,
            layers: mlp
                .layers
                .iter()
                .map(|d| LayerFile::from_parts(d.weight.as_ref(), d.bias.as_ref()))
                .collect(),
            shared_bias: None,
            preprocessor: preprocessor.clone(),
        }
    }

    /// Snapshot of a Question 2 network as two layers (identical biases when shared).
    pub fn from_bias_net(net: &BiasNet, preprocessor: &Preprocessor) -> Self {
        let b2 = match net.mode {
            BiasMode::Shared => net.b1.as_ref(),
            BiasMode::Independent => net.b2.as_ref(),
        };
        ModelFile {
            format_version: FORMAT_VERSION,
            feature_names: preprocessor.feature_names().to_vec(),
            activation: net.activation,
            layers: vec![
                LayerFile::from_parts(net.w.as_ref(), net.b1.as_ref()),
                LayerFile::from_parts(net.u.as_ref(), b2),
            ],
            shared_bias: Some(net.mode == BiasMode::Shared),
            preprocessor: preprocessor.clone(),
        }
    }

    /// The network, checked: version, chained shapes, and one input per feature name.
    pub fn to_mlp(&self) -> Result<Mlp, ModelFileError> {
        if self.format_version != FORMAT_VERSION {
            return Err(ModelFileError::Version {
                found: self.format_version,
            });
        }
        if self.layers.is_empty() {
            return Err(ModelFileError::Shape("no layers".to_string()));
        }
        let layers = self
            .layers
            .iter()
            .enumerate()
            .map(|(l, f)| f.to_dense(l))
            .collect::<Result<Vec<_>, _>>()?;
        if layers[0].fan_in() != self.feature_names.len() {
            return Err(ModelFileError::Shape(format!(
                "{} feature names but the first layer takes {} inputs",
                self.feature_names.len(),
                layers[0].fan_in()
            )));
        }
        for l in 1..layers.len() {
            if layers[l].fan_in() != layers[l - 1].fan_out() {
                return Err(ModelFileError::Shape(format!(
                    "layer {} gives {} outputs, layer {} takes {}",
                    l,
                    layers[l - 1].fan_out(),
                    l + 1,
                    layers[l].fan_in()
                )));
            }
        }
        Ok(Mlp {
            activation: self.activation,
            layers,
        })
    }

    /// The Question 2 network (requires `shared_bias` set and two square-output layers).
    pub fn to_bias_net(&self) -> Result<BiasNet, ModelFileError> {
        let Some(shared) = self.shared_bias else {
            return Err(ModelFileError::Shape(
                "not a shared-bias network (shared_bias is absent)".to_string(),
            ));
        };
        let mlp = self.to_mlp()?;
        let two_layers =
            || ModelFileError::Shape("a shared-bias network has two layers of equal width".into());
        let [first, second]: [Dense; 2] = mlp.layers.try_into().map_err(|_| two_layers())?;
        if first.fan_out() != second.fan_out() {
            return Err(two_layers());
        }
        if shared && first.bias != second.bias {
            return Err(ModelFileError::Shape(
                "shared_bias is true but the two biases differ".to_string(),
            ));
        }
        Ok(BiasNet {
            activation: self.activation,
            w: first.weight,
            u: second.weight,
            b1: first.bias,
            b2: second.bias,
            mode: if shared {
                BiasMode::Shared
            } else {
                BiasMode::Independent
            },
        })
    }

    /// Class probabilities for an already preprocessed design matrix (both kinds of
    /// network are the same two-or-more-layer softmax MLP once written out).
    pub fn predict_proba(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>, ModelFileError> {
        Ok(self.to_mlp()?.predict_proba(x))
    }
}
