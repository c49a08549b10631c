//! Rows copied between the sets: a test row equal to a training row measures memory, not
//! generalisation, so a test score with many of them is inflated.
//!
//! Rows are compared on their raw values (before imputation, so a missing value equals only
//! a missing value; categorical levels by their text, numbers bit for bit with `-0` as `0`).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Copies of one set's rows in another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DuplicateCount {
    /// Rows of the set checked.
    pub rows: usize,
    /// Rows whose feature values all equal those of some row of the reference set.
    pub features: usize,
    /// Rows equal to some reference row in their features and their label: exact copies.
    pub with_label: usize,
    /// `features / rows`.
    pub features_share: f64,
    /// `with_label / rows`.
    pub with_label_share: f64,
}

/// Duplicated rows between the sets, and what they do to the test score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Duplicates {
    /// Test rows against every row of the training file.
    pub train_test: DuplicateCount,
    /// Validation rows against the training split's rows.
    pub train_validation: DuplicateCount,
    /// The model's accuracy on the test rows whose features appear in the training file
    /// (`null` when there are none).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub test_acc_duplicated: f64,
    /// Its accuracy on the other test rows (`null` when there are none).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub test_acc_fresh: f64,
}

/// Turns rows into comparable keys, with one id per categorical level text across tables.
#[derive(Default)]
struct Keys {
    levels: HashMap<String, u64>,
}

impl Keys {
    fn key(&mut self, t: &data::Table, r: usize) -> Vec<u64> {
        let mut key = Vec::with_capacity(t.categorical.len() + t.numeric.len());
        for col in &t.categorical {
            key.push(match col.codes[r] {
                None => u64::MAX,
                Some(code) => {
                    let next = self.levels.len() as u64;
                    *self
                        .levels
                        .entry(col.levels[code as usize].clone())
                        .or_insert(next)
                }
            });
        }
        for col in &t.numeric {
            let v = col[r];
            key.push(if v.is_nan() {
                f64::NAN.to_bits()
            } else if v == 0.0 {
                0
            } else {
                v.to_bits()
            });
        }
        key
    }
}

/// Counts the rows `rows` of `set` whose features (and label) appear among the rows
/// `reference_rows` of `reference`; returns the count and, per checked row, whether its
/// features appear.
fn count(
    keys: &mut Keys,
    reference: &data::Table,
    reference_rows: &[usize],
    set: &data::Table,
    rows: &[usize],
) -> (DuplicateCount, Vec<bool>) {
    let mut seen: HashMap<Vec<u64>, Vec<u8>> = HashMap::new();
    for &r in reference_rows {
        let labels = seen.entry(keys.key(reference, r)).or_default();
        if !labels.contains(&reference.labels[r]) {
            labels.push(reference.labels[r]);
        }
    }
    let mut features = 0;
    let mut with_label = 0;
    let flags: Vec<bool> = rows
        .iter()
        .map(|&r| match seen.get(&keys.key(set, r)) {
            Some(labels) => {
                features += 1;
                if labels.contains(&set.labels[r]) {
                    with_label += 1;
                }
                true
            }
            None => false,
        })
        .collect();
    let share = |n: usize| n as f64 / rows.len().max(1) as f64;
    (
        DuplicateCount {
            rows: rows.len(),
            features,
            with_label,
            features_share: share(features),
            with_label_share: share(with_label),
        },
        flags,
    )
}

/// The duplicates between the training file and test, and between the training and
/// validation splits; `test_correct` says per test row whether the model is right.
pub fn duplicates(
    train: &data::Table,
    test: &data::Table,
    split: &data::Split,
    test_correct: &[bool],
) -> Duplicates {
    let mut keys = Keys::default();
    let all_train: Vec<usize> = (0..train.n_rows()).collect();
    let all_test: Vec<usize> = (0..test.n_rows()).collect();
    let (train_test, flags) = count(&mut keys, train, &all_train, test, &all_test);
    let (train_validation, _) = count(&mut keys, train, &split.train, train, &split.validation);
    let acc = |dup: bool| {
        let (n, right) = flags
            .iter()
            .zip(test_correct)
            .filter(|(f, _)| **f == dup)
            .fold((0usize, 0usize), |(n, k), (_, &c)| {
                (n + 1, k + usize::from(c))
            });
        if n == 0 {
            f64::NAN
        } else {
            right as f64 / n as f64
        }
    };
    Duplicates {
        train_test,
        train_validation,
        test_acc_duplicated: acc(true),
        test_acc_fresh: acc(false),
    }
}
