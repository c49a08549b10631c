//! One value per table: the training file and the test file, side by side.

use serde::{Deserialize, Serialize};

/// A value measured on the training file and on the test file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Pair<T> {
    /// On the training file.
    pub train: T,
    /// On the test file.
    pub test: T,
}

impl<T> Pair<T> {
    /// `f` applied to both sides.
    pub fn map<U>(&self, f: impl Fn(&T) -> U) -> Pair<U> {
        Pair {
            train: f(&self.train),
            test: f(&self.test),
        }
    }

    /// The two sides with their names, train first.
    pub fn sides(&self) -> [(&'static str, &T); 2] {
        [("train", &self.train), ("test", &self.test)]
    }
}

/// `f` applied to the training and the test table.
pub fn both<T, U>(train: &T, test: &T, f: impl Fn(&T) -> U) -> Pair<U> {
    Pair {
        train: f(train),
        test: f(test),
    }
}
