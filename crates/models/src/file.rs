//! The model file: everything needed to predict from a raw CSV row, as plain serde data
//! (the caller chooses the format and does the I/O; see `docs/model-format.md`).

use data::Preprocessor;
use faer::{Mat, MatRef};
use serde::{Deserialize, Serialize};

use crate::bias_net::{BiasMode, BiasNet, Biases};
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
    /// The layer list is empty: there is not even an output layer.
    #[error("model file lists no layers (a network needs at least its output layer)")]
    NoLayers,
    /// The layers do not chain, or do not match the feature names or the preprocessor.
    #[error("model file is inconsistent: {0}")]
    Shape(String),
    /// A weight or bias that is not a finite number (a diverged network is not saved).
    #[error("model file holds a non-finite number: {0}")]
    NotFinite(String),
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

    /// Checks one layer (`l` counts from 0): a non-empty rectangular weight matching the
    /// bias, every number finite.
    fn check(&self, l: usize) -> Result<(), ModelFileError> {
        let fan_out = self.bias.len();
        if self.weight.is_empty() || fan_out == 0 {
            return Err(ModelFileError::Shape(format!(
                "layer {}: {} weight rows and {fan_out} biases; both must be at least 1",
                l + 1,
                self.weight.len()
            )));
        }
        if let Some(r) = self.weight.iter().position(|r| r.len() != fan_out) {
            return Err(ModelFileError::Shape(format!(
                "layer {}: weight row {} has {} numbers, the bias {fan_out}",
                l + 1,
                r + 1,
                self.weight[r].len()
            )));
        }
        let weights = self.weight.iter().flatten();
        if let Some(v) = weights.chain(&self.bias).find(|v| !v.is_finite()) {
            return Err(ModelFileError::NotFinite(format!("layer {}: {v}", l + 1)));
        }
        Ok(())
    }

    fn to_dense(&self, l: usize) -> Result<Dense, ModelFileError> {
        self.check(l)?;
        let (fan_in, fan_out) = (self.weight.len(), self.bias.len());
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
        ModelFile {
            format_version: FORMAT_VERSION,
            feature_names: preprocessor.feature_names().to_vec(),
            activation: net.activation,
            layers: vec![
                LayerFile::from_parts(net.w.as_ref(), net.biases.hidden().as_ref()),
                LayerFile::from_parts(net.u.as_ref(), net.biases.output().as_ref()),
            ],
            shared_bias: Some(net.biases.mode() == BiasMode::Shared),
            preprocessor: preprocessor.clone(),
        }
    }

    /// Checks everything a reader relies on, so that a file edited by hand (or a network
    /// that diverged) is an error here and never a panic or a NaN later: the version; a
    /// non-empty layer list; every number finite; `feature_names` equal to the
    /// preprocessor's; the first layer taking one input per feature; the layers chaining;
    /// 1 to 256 classes; and for a Question 2 network two layers of equal width, with equal
    /// biases when `shared_bias` is true. Writers call it before saving.
    pub fn check(&self) -> Result<(), ModelFileError> {
        let shape = |m: String| Err(ModelFileError::Shape(m));
        if self.format_version != FORMAT_VERSION {
            return Err(ModelFileError::Version {
                found: self.format_version,
            });
        }
        let (Some(first), Some(last)) = (self.layers.first(), self.layers.last()) else {
            return Err(ModelFileError::NoLayers);
        };
        for (l, layer) in self.layers.iter().enumerate() {
            layer.check(l)?;
        }
        if let Err(e) = self.preprocessor.validate() {
            return shape(format!("preprocessor: {e}"));
        }
        if self.feature_names != self.preprocessor.feature_names() {
            return shape(format!(
                "feature_names ({} names) differ from the preprocessor's ({} names{})",
                self.feature_names.len(),
                self.preprocessor.feature_names().len(),
                first_difference(&self.feature_names, self.preprocessor.feature_names())
            ));
        }
        if first.weight.len() != self.feature_names.len() {
            return shape(format!(
                "{} feature names but the first layer takes {} inputs",
                self.feature_names.len(),
                first.weight.len()
            ));
        }
        for (l, pair) in self.layers.windows(2).enumerate() {
            if pair[1].weight.len() != pair[0].bias.len() {
                return shape(format!(
                    "layer {} gives {} outputs, layer {} takes {}",
                    l + 1,
                    pair[0].bias.len(),
                    l + 2,
                    pair[1].weight.len()
                ));
            }
        }
        let classes = last.bias.len();
        if classes > 256 {
            return shape(format!(
                "{classes} classes (outputs of the last layer); expected 1 to 256"
            ));
        }
        if let Some(shared) = self.shared_bias {
            if self.layers.len() != 2 || first.bias.len() != last.bias.len() {
                return shape(format!(
                    "a shared-bias network has two layers of equal width; this one has widths {}",
                    self.layers
                        .iter()
                        .map(|l| l.bias.len().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if shared && first.bias != last.bias {
                return shape("shared_bias is true but the two biases differ".to_string());
            }
        }
        Ok(())
    }

    /// Number of classes: the width of the last layer (0 for a file without layers).
    pub fn n_classes(&self) -> usize {
        self.layers.last().map_or(0, |l| l.bias.len())
    }

    /// The network, after [`ModelFile::check`].
    pub fn to_mlp(&self) -> Result<Mlp, ModelFileError> {
        self.check()?;
        let layers = self
            .layers
            .iter()
            .enumerate()
            .map(|(l, f)| f.to_dense(l))
            .collect::<Result<Vec<_>, _>>()?;
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
        // `check` (in `to_mlp`) ensured two layers of equal width and equal shared biases.
        let two_layers =
            || ModelFileError::Shape("a shared-bias network has two layers of equal width".into());
        let [first, second]: [Dense; 2] = mlp.layers.try_into().map_err(|_| two_layers())?;
        Ok(BiasNet {
            activation: self.activation,
            w: first.weight,
            u: second.weight,
            biases: if shared {
                Biases::Shared(first.bias)
            } else {
                Biases::Independent {
                    b1: first.bias,
                    b2: second.bias,
                }
            },
        })
    }

    /// Class probabilities for an already preprocessed design matrix (both kinds of
    /// network are the same two-or-more-layer softmax MLP once written out).
    pub fn predict_proba(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>, ModelFileError> {
        let mlp = self.to_mlp()?;
        if x.ncols() != mlp.n_inputs() {
            return Err(ModelFileError::Shape(format!(
                "{} input columns for a network of {} inputs",
                x.ncols(),
                mlp.n_inputs()
            )));
        }
        mlp.predict_proba(x)
            .map_err(|e| ModelFileError::Shape(e.to_string()))
    }
}

/// `: first at position k, "a" against "b"`, or nothing when one list extends the other.
fn first_difference(a: &[String], b: &[String]) -> String {
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(k) => format!(
            "; first at position {}: {:?} against {:?}",
            k + 1,
            data::shorten(&a[k]),
            data::shorten(&b[k])
        ),
        None => String::new(),
    }
}
