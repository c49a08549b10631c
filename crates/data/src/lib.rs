//! The listing tables: loading and validating CSV files, preprocessing them into design
//! matrices, splitting, and generating synthetic data of the same shape.
//!
//! The central value is [`Table`]: a column-oriented, validated copy of one CSV file that
//! remembers the line each row came from, so that every later error can name `file:line`.
//! Nothing in this crate knows what a column *means*; the [`Schema`] only says which columns
//! are categorical, which numeric, and which holds the class label.
//!
//! The key decision: validation happens once, at the edge. [`load_csv`] turns every
//! malformed cell into a one-line [`DataError`] naming `file:line`, column and text, so code
//! past it can rely on the table (finite numbers or `NaN` for missing, labels in range,
//! sorted levels). The [`Preprocessor`] is fitted on training rows only and then applied
//! unchanged; it is plain serde data so that a saved model carries its own encoding.
//!
//! Modules: [`load`] (CSV → [`Table`]), [`writer`] ([`Table`] → CSV), [`preprocess`]
//! ([`Table`] → [`Design`]), [`split`] (stratified, seeded), [`error`], [`rng`], [`synth`].
#![deny(missing_docs)]

use serde::{Deserialize, Serialize};

pub mod error;
pub mod infer;
mod lines;
pub mod load;
pub mod preprocess;
pub mod schema_file;
pub mod split;
pub mod writer;

pub use error::{DataError, Problem, shorten};
pub use load::{Label, Loaded, MISSING, load_csv, load_csv_with, read_csv, read_csv_with};
pub use preprocess::{
    CategoricalEncoding, NumericScaling, PreprocessOptions, Preprocessor, Unseen,
};
pub use split::{Split, stratified_split};
pub use writer::write_csv;

/// Which columns a table must have, and of what kind.
///
/// Loading knows the schema; analysis code never names a column, it iterates over these lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Schema {
    /// Categorical feature columns, in canonical order.
    pub categorical: Vec<String>,
    /// Numeric feature columns, in canonical order.
    pub numeric: Vec<String>,
    /// The class label column.
    pub label: String,
    /// Number of classes; class indices lie in `0..n_classes`.
    pub n_classes: usize,
    /// Valid ranges of numeric columns (at most one per column; a column without one takes
    /// any finite value). The loader turns a value outside into a missing value and counts it
    /// in [`Table::out_of_range`]: a negative stay length is a data-entry error, and using it
    /// as a number would teach the model something false.
    #[serde(default)]
    pub ranges: Vec<ValidRange>,
    /// The label texts of the classes, in class order (class `k` is written `classes[k]` in
    /// the label column). Empty: the labels are the integers `0..n_classes`, written as
    /// decimal digits (the listings files).
    #[serde(default)]
    pub classes: Vec<String>,
    /// Whether the class order carries meaning (`None`: the default, see
    /// [`Schema::ordered_classes`]). It decides how a column's relation to the label is
    /// measured: a correlation with the class index only means something when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered: Option<bool>,
    /// How the report and the command line name things; nothing here changes a result.
    #[serde(default)]
    pub names: Names,
}

/// Display names of a schema: the report's title, what a row is, the class names and the
/// column names as people read them. Every field is optional; the fallbacks are neutral
/// ("rows", the label text, the column name), so a table without names reads plainly.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Names {
    /// The data set, as the report's title names it (e.g. "Price classes of NYC listings").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What one row is, plural (e.g. "listings"); default "rows".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<String>,
    /// Display name of each class, in class order (empty, or one per class).
    #[serde(default)]
    pub classes: Vec<String>,
    /// Display names of columns (features or label) that have one.
    #[serde(default)]
    pub columns: std::collections::BTreeMap<String, String>,
}

/// The values a numeric column can hold: `min <= value <= max`, either bound optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ValidRange {
    /// The numeric column.
    pub column: String,
    /// Smallest valid value, if any (absent, never `null`: model files hold no `null`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest valid value, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl ValidRange {
    /// Whether `value` (finite) lies in the range.
    pub fn contains(&self, value: f64) -> bool {
        self.min.is_none_or(|m| value >= m) && self.max.is_none_or(|m| value <= m)
    }

    /// The range as written in messages: `[1, 365]`, `[0, ∞)`.
    pub fn describe(&self) -> String {
        describe_range(self.min, self.max)
    }
}

/// `[a, b]` with open ends shown as `-∞` / `∞`.
pub fn describe_range(min: Option<f64>, max: Option<f64>) -> String {
    let lo = min.map_or("(-∞".to_string(), |m| format!("[{m}"));
    let hi = max.map_or("∞)".to_string(), |m| format!("{m}]"));
    format!("{lo}, {hi}")
}

/// Values of one numeric column that lay outside its [`ValidRange`] and were loaded as
/// missing (a data-quality finding, reported, not fatal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OutOfRange {
    /// The numeric column.
    pub column: String,
    /// How many values lay outside the range.
    pub count: usize,
    /// The range's lower bound, if any.
    pub min: Option<f64>,
    /// The range's upper bound, if any.
    pub max: Option<f64>,
}

impl OutOfRange {
    /// The one-line warning for `file`:
    /// `file: column "x": N values outside [a, b] treated as missing`.
    pub fn warning(&self, file: &str) -> String {
        let values = if self.count == 1 { "value" } else { "values" };
        format!(
            "{file}: column {:?}: {} {values} outside {} treated as missing",
            self.column,
            self.count,
            describe_range(self.min, self.max)
        )
    }
}

impl Schema {
    /// The schema of the NYC listings data set of the assignment: the shipped schema file
    /// `crates/data/schemas/listings.toml`, embedded at build time, so the real data needs no
    /// flag and the file people read is the one the program uses.
    pub fn listings() -> Self {
        // The embedded file is checked by a unit test; a failure here is a build defect.
        schema_file::parse(LISTINGS_TOML, "listings.toml")
            .expect("the embedded listings schema parses")
    }

    /// The text of class `k` as written in the label column.
    pub fn class_value(&self, k: usize) -> String {
        self.classes
            .get(k)
            .cloned()
            .unwrap_or_else(|| k.to_string())
    }

    /// The display name of class `k` (its label text when the schema gives no name).
    pub fn class_name(&self, k: usize) -> String {
        self.names
            .classes
            .get(k)
            .cloned()
            .unwrap_or_else(|| self.class_value(k))
    }

    /// Class `k` for legends: `"0 Budget"` when an integer label has a name, else its name.
    pub fn class_legend(&self, k: usize) -> String {
        match (self.classes.is_empty(), self.names.classes.get(k)) {
            (true, Some(name)) => format!("{k} {name}"),
            _ => self.class_name(k),
        }
    }

    /// The display name of `column` (the column name itself when the schema gives none).
    pub fn display(&self, column: &str) -> String {
        self.names
            .columns
            .get(column)
            .cloned()
            .unwrap_or_else(|| column.to_string())
    }

    /// What one row is, plural ("rows" unless the schema says).
    pub fn rows_noun(&self) -> &str {
        self.names.rows.as_deref().unwrap_or("rows")
    }

    /// Whether the class order carries meaning: the schema's `ordered` when it says,
    /// else integer labels (price bands `0 … k−1`) are ordered and text labels (species)
    /// are not.
    pub fn ordered_classes(&self) -> bool {
        self.ordered.unwrap_or(self.classes.is_empty())
    }

    /// The schema without its display names, valid ranges and class-order annotation: what
    /// inference can know.
    pub fn structure(&self) -> Schema {
        Schema {
            ranges: Vec::new(),
            ordered: None,
            names: Names::default(),
            ..self.clone()
        }
    }

    /// The valid range of numeric column `name`, if the schema declares one.
    pub fn range_of(&self, name: &str) -> Option<&ValidRange> {
        self.ranges.iter().find(|r| r.column == name)
    }

    /// Names of the feature columns: categorical first, then numeric.
    pub fn feature_columns(&self) -> impl Iterator<Item = &str> {
        self.categorical
            .iter()
            .chain(&self.numeric)
            .map(String::as_str)
    }

    /// Checks that the schema can describe a table: distinct, non-empty column names and
    /// `2..=256` classes (labels are stored as `u8`), class labels and names that fit them.
    pub fn check(&self) -> Result<(), DataError> {
        let names: Vec<&str> = self
            .feature_columns()
            .chain(std::iter::once(self.label.as_str()))
            .collect();
        for (k, name) in names.iter().enumerate() {
            if name.is_empty() {
                return Err(DataError::BadSchema("a column name is empty".into()));
            }
            if names[..k].contains(name) {
                return Err(DataError::BadSchema(format!(
                    "column {name:?} is listed twice"
                )));
            }
        }
        for (k, r) in self.ranges.iter().enumerate() {
            if !self.numeric.contains(&r.column) {
                return Err(DataError::BadSchema(format!(
                    "range for {:?}, which is not a numeric column",
                    r.column
                )));
            }
            if self.ranges[..k].iter().any(|o| o.column == r.column) {
                return Err(DataError::BadSchema(format!(
                    "column {:?} has two ranges",
                    r.column
                )));
            }
            let finite = [r.min, r.max].iter().flatten().all(|v| v.is_finite());
            if !finite || r.min.zip(r.max).is_some_and(|(a, b)| a > b) {
                return Err(DataError::BadSchema(format!(
                    "range {} of {:?} is not an interval of finite bounds",
                    r.describe(),
                    r.column
                )));
            }
        }
        if !(2..=256).contains(&self.n_classes) {
            return Err(DataError::BadSchema(format!(
                "{} classes; a classifier needs 2 to 256",
                self.n_classes
            )));
        }
        if !self.classes.is_empty() && self.classes.len() != self.n_classes {
            return Err(DataError::BadSchema(format!(
                "{} class labels for {} classes",
                self.classes.len(),
                self.n_classes
            )));
        }
        for (k, class) in self.classes.iter().enumerate() {
            let problem = if class.trim().is_empty() {
                Some("is blank".to_string())
            } else if class.trim() != class {
                let space = class
                    .chars()
                    .find(|c| c.is_whitespace())
                    .map_or(String::new(), |c| format!(" (U+{:04X})", u32::from(c)));
                Some(format!("has white space{space} around it"))
            } else if crate::load::MISSING.contains(&class.as_str()) {
                Some("is a missing-value marker".to_string())
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(DataError::BadSchema(format!(
                    "class label {class:?} {problem}; a label must be read back as itself"
                )));
            }
            if self.classes[..k].contains(class) {
                return Err(DataError::BadSchema(format!(
                    "class label {class:?} is listed twice"
                )));
            }
        }
        if !self.names.classes.is_empty() && self.names.classes.len() != self.n_classes {
            return Err(DataError::BadSchema(format!(
                "{} class names for {} classes",
                self.names.classes.len(),
                self.n_classes
            )));
        }
        let mut shown: Vec<(String, &str)> = self
            .feature_columns()
            .chain(std::iter::once(self.label.as_str()))
            .map(|c| (self.display(c), c))
            .collect();
        shown.sort();
        if let Some(pair) = shown.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(DataError::BadSchema(format!(
                "columns {:?} and {:?} are both shown as {:?}; figures and tables would mix them",
                pair[0].1, pair[1].1, pair[0].0
            )));
        }
        if let Some(unknown) = self
            .names
            .columns
            .keys()
            .find(|c| *c != &self.label && !self.feature_columns().any(|f| f == c.as_str()))
        {
            return Err(DataError::BadSchema(format!(
                "display name for {unknown:?}, which is not a column of the schema"
            )));
        }
        Ok(())
    }
}

/// The shipped listings schema file.
const LISTINGS_TOML: &str = include_str!("../schemas/listings.toml");

/// One categorical column, dictionary-encoded (compact for millions of rows).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Categorical {
    /// Distinct levels seen, sorted ascending (byte order).
    pub levels: Vec<String>,
    /// Per row: index into `levels`, or `None` where the value is missing.
    pub codes: Vec<Option<u32>>,
}

/// A validated table, stored by column.
///
/// Numeric missing values are stored as `NaN`: the loader rejects every other non-finite
/// value, so `NaN` means "missing" and nothing else.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The columns this table holds.
    pub schema: Schema,
    /// Where the table came from (a file path, or `synthetic`), for error messages.
    pub source: String,
    /// `categorical[c]`: column `schema.categorical[c]`.
    pub categorical: Vec<Categorical>,
    /// `numeric[c][r]`: column `schema.numeric[c]`, row `r`; `NaN` where missing.
    pub numeric: Vec<Vec<f64>>,
    /// Class label of each row, in `0..schema.n_classes`.
    pub labels: Vec<u8>,
    /// 1-based line in the source file of each row (as an editor shows it).
    pub lines: Vec<u64>,
    /// Numeric columns with values outside their schema range (loaded as missing), in
    /// schema order; only columns with at least one such value.
    pub out_of_range: Vec<OutOfRange>,
}

impl Table {
    /// Number of data rows.
    pub fn n_rows(&self) -> usize {
        self.labels.len()
    }

    /// Checks that the parts agree: one column per schema column, every column, `lines` and
    /// `labels` of the same length, codes within their levels, labels within the classes.
    /// The loader guarantees all of this; tables built by hand (tests, synthesis) may not,
    /// and consumers call this so that a bad table is an error rather than a panic.
    pub fn check_shape(&self) -> Result<(), DataError> {
        let n = self.n_rows();
        let bad = |message: String| DataError::InvalidTable {
            file: self.source.clone(),
            message,
        };
        if self.categorical.len() != self.schema.categorical.len()
            || self.numeric.len() != self.schema.numeric.len()
        {
            return Err(bad(format!(
                "{} categorical and {} numeric columns for a schema of {} and {}",
                self.categorical.len(),
                self.numeric.len(),
                self.schema.categorical.len(),
                self.schema.numeric.len()
            )));
        }
        if self.lines.len() != n {
            return Err(bad(format!(
                "{} line numbers for {n} rows",
                self.lines.len()
            )));
        }
        for (name, column) in self.schema.categorical.iter().zip(&self.categorical) {
            if column.codes.len() != n {
                return Err(bad(format!(
                    "column {name:?} has {} rows, not {n}",
                    column.codes.len()
                )));
            }
            let n_levels = column.levels.len();
            if column
                .codes
                .iter()
                .flatten()
                .any(|&c| c as usize >= n_levels)
            {
                return Err(bad(format!(
                    "column {name:?} has a code beyond its {n_levels} levels"
                )));
            }
        }
        for (name, column) in self.schema.numeric.iter().zip(&self.numeric) {
            if column.len() != n {
                return Err(bad(format!(
                    "column {name:?} has {} rows, not {n}",
                    column.len()
                )));
            }
        }
        if let Some(&label) = self
            .labels
            .iter()
            .find(|&&l| l as usize >= self.schema.n_classes)
        {
            return Err(bad(format!(
                "label {label} is outside 0..{}",
                self.schema.n_classes
            )));
        }
        Ok(())
    }
}

/// A numeric design matrix ready for a model: one row per example, one column per encoded
/// feature, with the labels beside it.
#[derive(Debug, Clone)]
pub struct Design {
    /// Encoded, standardised features (`n_rows × feature_names.len()`).
    pub x: faer::Mat<f64>,
    /// Class of each row.
    pub y: Vec<usize>,
    /// Encoded feature names (`<column>_<level>` for one-hot columns, the column name for
    /// numeric ones), in column order.
    pub feature_names: Vec<String>,
    /// The original feature columns kept (categorical first, then numeric; dropped columns
    /// absent).
    pub columns: Vec<String>,
    /// For each encoded feature, the index into `columns` of the column it came from (used to
    /// sum attributions per original column).
    pub feature_columns: Vec<usize>,
}

/// Seeded random streams. Every consumer draws from its own ChaCha stream of the one
/// `--seed`, so that adding a draw in one place never shifts another.
pub mod rng {
    use rand_chacha::ChaCha8Rng;
    use rand_chacha::rand_core::SeedableRng;

    /// The consumers of randomness, each with its own stream.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[repr(u64)]
    pub enum Stream {
        /// Train/validation split.
        Split = 1,
        /// Weight initialisation.
        Init = 2,
        /// Minibatch shuffles.
        Shuffle = 3,
        /// Dropout masks.
        Dropout = 4,
        /// Permutation importance.
        Permutation = 5,
        /// Synthetic data.
        Synth = 6,
        /// Part D's counterfactual replay draws.
        Replay = 7,
    }

    /// The generator for `stream` of `seed`.
    pub fn stream(seed: u64, stream: Stream) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream as u64);
        rng
    }
}

pub mod synth;
