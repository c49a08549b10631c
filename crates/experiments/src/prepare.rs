//! From two validated tables to the design matrices every part trains on.

use data::{Design, PreprocessOptions, Preprocessor, Split, Table};
use serde::{Deserialize, Serialize};

use crate::ExperimentError;

/// Where the tables came from: the report says plainly when the data are synthetic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Read from CSV files.
    Csv,
    /// Made by `data::synth`.
    Synthetic,
}

/// The split and the encoded matrices, with the preprocessor fitted on the training split.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Which rows of the training table train and which validate.
    pub split: Split,
    /// Fitted on `split.train` only; applied unchanged to validation and test.
    pub preprocessor: Preprocessor,
    /// The training split, encoded.
    pub train: Design,
    /// The validation split, encoded.
    pub validation: Design,
    /// The test table, encoded.
    pub test: Design,
    /// Number of classes of the label.
    pub n_classes: usize,
}

impl Prepared {
    /// Splits `train` (stratified, seeded), fits the preprocessor on the training rows and
    /// encodes all three sets.
    pub fn new(
        train: &Table,
        test: &Table,
        split: &Split,
        options: &PreprocessOptions,
    ) -> Result<Self, ExperimentError> {
        let preprocessor = Preprocessor::fit(train, &split.train, options)?;
        let all_test: Vec<usize> = (0..test.n_rows()).collect();
        Ok(Prepared {
            split: split.clone(),
            train: preprocessor.transform(train, &split.train)?,
            validation: preprocessor.transform(train, &split.validation)?,
            test: preprocessor.transform(test, &all_test)?,
            preprocessor,
            n_classes: train.schema.n_classes,
        })
    }

    /// The same split, re-encoded with some original columns dropped (Part D's mitigation).
    pub fn without_columns(
        &self,
        train: &Table,
        test: &Table,
        columns: &[String],
    ) -> Result<Self, ExperimentError> {
        let options = PreprocessOptions {
            drop_columns: columns.to_vec(),
            ..PreprocessOptions::default()
        };
        Prepared::new(train, test, &self.split, &options)
    }
}

/// Share of the most frequent class among `y`, and that class: the accuracy to beat.
pub fn majority(y: &[usize], n_classes: usize) -> (usize, f64) {
    let mut counts = vec![0usize; n_classes];
    for &c in y {
        counts[c] += 1;
    }
    let (class, &count) = counts
        .iter()
        .enumerate()
        .max_by_key(|&(c, n)| (*n, std::cmp::Reverse(c)))
        .unwrap_or((0, &0));
    (class, count as f64 / y.len().max(1) as f64)
}

/// Fraction of `predicted` equal to `truth`.
pub fn accuracy(predicted: &[usize], truth: &[usize]) -> f64 {
    let hits = predicted.iter().zip(truth).filter(|(p, t)| p == t).count();
    hits as f64 / truth.len().max(1) as f64
}
