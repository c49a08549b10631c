//! Part A's record (`eda.json`) and its parts.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::stats::Summary;
use crate::Pair;

/// Row counts of the two tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Rows {
    /// Rows of the train table.
    pub train: usize,
    /// Rows of the test table.
    pub test: usize,
    /// Rows of train in the training split (fits the one-column rules).
    pub training_split: usize,
    /// Rows of train in the validation split (scores them).
    pub validation_split: usize,
}

/// The kind of a feature column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Dictionary-encoded levels.
    Categorical,
    /// Real numbers.
    Numeric,
}

/// One feature column and its kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Feature {
    /// Column name.
    pub name: String,
    /// Its kind.
    pub kind: Kind,
}

/// A categorical column against the class (train).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CategoryTable {
    /// The column's levels, sorted.
    pub levels: Vec<String>,
    /// `counts[level][class]`.
    pub counts: Vec<Vec<usize>>,
    /// Rows per class where the column is missing.
    pub missing: Vec<usize>,
}

/// One feature's one-column rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OneColumnRule {
    /// Column name.
    pub column: String,
    /// Its kind.
    pub kind: Kind,
    /// Groups the rule distinguishes (bins or levels, plus one for missing values).
    pub groups: usize,
    /// Accuracy on the validation split.
    pub validation_accuracy: f64,
    /// Share of the majority baseline's validation errors the rule removes (the dominance
    /// measure; negative when the rule is worse than the baseline).
    pub error_reduction: f64,
    /// Uncertainty coefficient `I(column; label) / H(label)` on the validation split, with the
    /// rule's groups: how much of the label's entropy the column explains (context, not
    /// thresholded).
    pub uncertainty_coefficient: Option<f64>,
    /// Accuracy of the same rule (fitted on the training split) on the test table: a dominant
    /// column that is a real signal keeps it, a shortcut loses it.
    pub test_accuracy: Option<f64>,
    /// Whether `error_reduction` reaches the threshold.
    pub dominant: bool,
    /// Whether the column identifies rows (one distinct value per row of the training file):
    /// an identifier that predicts the label is an identifier leak, never an honest feature
    /// (written only when true).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub identifier: bool,
}

/// The dominance check: which single column predicts the label suspiciously well.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Dominance {
    /// The threshold on `error_reduction`.
    pub threshold: f64,
    /// Quantile bins per numeric column.
    pub bins: usize,
    /// The majority class of the training split.
    pub baseline_class: usize,
    /// The majority baseline's validation accuracy.
    pub baseline_accuracy: f64,
    /// Every feature's rule, in schema order (categorical, then numeric).
    pub rules: Vec<OneColumnRule>,
    /// The threshold was chosen on this same data; the same columns are flagged for every
    /// threshold `t` with `same_verdict_above < t ≤ same_verdict_up_to` (`None`: unbounded
    /// on that side), so the report can say how far the verdict carries.
    pub same_verdict_above: Option<f64>,
    /// See `same_verdict_above`.
    pub same_verdict_up_to: Option<f64>,
}

/// The measure of a column's relation to the label. Which one applies depends on the
/// column's kind and on whether the classes are ordered (`Schema::ordered_classes`): a
/// correlation with the class index means nothing when the numbering of the classes is
/// arbitrary.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RelationMeasure {
    /// Pearson r with the class index (numeric column, ordered classes); its absolute
    /// value where a strength is compared.
    #[default]
    AbsPearsonR,
    /// The correlation ratio η of the class index on the column's levels (categorical
    /// column, ordered classes).
    CorrelationRatio,
    /// The correlation ratio η of the column's values on the class (numeric column,
    /// unordered classes): how much of the column's variance the class explains.
    CorrelationRatioOnClass,
    /// Cramér's V of the column's levels with the class (categorical column, unordered
    /// classes).
    CramersV,
}

impl RelationMeasure {
    /// The measure's name in a sentence.
    pub fn name(self) -> &'static str {
        match self {
            RelationMeasure::AbsPearsonR => "absolute Pearson correlation",
            RelationMeasure::CorrelationRatio => "correlation ratio η",
            RelationMeasure::CorrelationRatioOnClass => {
                "correlation ratio η of the values on the class"
            }
            RelationMeasure::CramersV => "Cramér's V",
        }
    }

    /// The measure's name in a table cell.
    pub fn short(self) -> &'static str {
        match self {
            RelationMeasure::AbsPearsonR => "abs Pearson r",
            RelationMeasure::CorrelationRatio => "η",
            RelationMeasure::CorrelationRatioOnClass => "η of values on class",
            RelationMeasure::CramersV => "Cramér's V",
        }
    }

    /// The categorical columns' measure when a record does not name one (older records:
    /// their classes were always treated as ordered).
    pub fn categorical_default() -> Self {
        RelationMeasure::CorrelationRatio
    }
}

/// Train-versus-test shift of one numeric column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NumericShift {
    /// Two-sample Kolmogorov–Smirnov statistic of the present values.
    pub ks: Option<f64>,
    /// Its asymptotic p-value.
    pub ks_p_value: Option<f64>,
    /// Mean in train.
    pub mean_train: Option<f64>,
    /// Mean in test.
    pub mean_test: Option<f64>,
    /// Relation to the label in train, in the measure `measure` names: Pearson r with the
    /// class index (signed) for ordered classes, else η of the values on the class.
    pub label_corr_train: Option<f64>,
    /// The same in test.
    pub label_corr_test: Option<f64>,
    /// `label_corr_test − label_corr_train`.
    pub label_corr_change: Option<f64>,
    /// Which measure `label_corr_train` and `label_corr_test` are.
    #[serde(default)]
    pub measure: RelationMeasure,
    /// Spearman correlation with the label in train (`None` when the classes are not
    /// ordered: a rank correlation with an arbitrary numbering means nothing).
    pub label_spearman_train: Option<f64>,
    /// Spearman correlation with the label in test (`None` likewise).
    pub label_spearman_test: Option<f64>,
    /// KS statistic and p-value both past their thresholds.
    pub marginal_shift: bool,
    /// |change of label correlation| past its threshold.
    pub label_relation_shift: bool,
    /// Fisher's z 95 % interval of `label_corr_train` (Pearson's r only: η has none here).
    #[serde(default)]
    pub label_corr_train_interval: Option<Bounds>,
    /// The same for `label_corr_test`.
    #[serde(default)]
    pub label_corr_test_interval: Option<Bounds>,
    /// 95 % interval of `label_corr_change`, from the two Fisher intervals (Zou's method;
    /// train and test are independent samples).
    #[serde(default)]
    pub label_corr_change_interval: Option<Bounds>,
    /// Where that interval lies against the change threshold.
    #[serde(default)]
    pub label_corr_change_reading: Option<crate::verdicts::ChangeReading>,
}

/// The two ends of a 95 % interval around an estimate that is not a mean (a correlation,
/// a difference of correlations).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Bounds {
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

/// Train-versus-test shift of one categorical column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CategoricalShift {
    /// Share of each level among the present values in train.
    pub shares_train: BTreeMap<String, f64>,
    /// Share of each level among the present values in test.
    pub shares_test: BTreeMap<String, f64>,
    /// Total variation distance between the two.
    pub tvd: f64,
    /// Relation to the label in train, in the measure `measure` names: the correlation
    /// ratio η of the class index on the levels for ordered classes (comparable with
    /// |Pearson|), else Cramér's V.
    pub label_corr_train: Option<f64>,
    /// The same in test.
    pub label_corr_test: Option<f64>,
    /// `label_corr_test − label_corr_train`.
    pub label_corr_change: Option<f64>,
    /// Which measure `label_corr_train` and `label_corr_test` are.
    #[serde(default = "RelationMeasure::categorical_default")]
    pub measure: RelationMeasure,
    /// Cramér's V of column × class in train.
    pub cramers_v_train: Option<f64>,
    /// The same in test.
    pub cramers_v_test: Option<f64>,
    /// `tvd` past its threshold.
    pub marginal_shift: bool,
    /// |change of η| past its threshold.
    pub label_relation_shift: bool,
}

/// Thresholds of the shift check, kept in the record so the report can quote them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ShiftThresholds {
    /// Minimum KS statistic of a marginal shift.
    pub ks: f64,
    /// Maximum KS p-value of a marginal shift.
    pub alpha: f64,
    /// Minimum total variation distance of a categorical shift.
    pub tvd: f64,
    /// Minimum |change| of a label correlation.
    pub label_corr_change: f64,
    /// Exactly the same columns' label relations count as shifted for any threshold above
    /// this (the largest |change| not flagged; `None`: down to zero)…
    #[serde(default)]
    pub label_corr_same_verdict_above: Option<f64>,
    /// …and up to this (the smallest |change| flagged; `None`: none is flagged).
    #[serde(default)]
    pub label_corr_same_verdict_up_to: Option<f64>,
}

/// Part A's record (saved as `eda.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartA {
    /// Row counts.
    pub rows: Rows,
    /// Feature columns and their kinds, in schema order.
    pub features: Vec<Feature>,
    /// The label column.
    pub label: String,
    /// Number of classes.
    pub n_classes: usize,
    /// Missing values per feature column in train.
    pub missing: BTreeMap<String, usize>,
    /// Missing values per feature column in test.
    pub missing_test: BTreeMap<String, usize>,
    /// Rows per class in train.
    pub class_counts: Vec<usize>,
    /// Share of each class in train.
    pub class_shares: Vec<f64>,
    /// Rows per class in test.
    pub class_counts_test: Vec<usize>,
    /// Share of each class in test.
    pub class_shares_test: Vec<f64>,
    /// Largest over smallest class count in train (`None` if a class is absent).
    pub imbalance_ratio: Option<f64>,
    /// Per numeric column, its summary in train (`None`: all missing).
    pub numeric_summary: BTreeMap<String, Option<Summary>>,
    /// Per numeric column, its summary in test.
    pub numeric_summary_test: BTreeMap<String, Option<Summary>>,
    /// Per numeric column, per class, its summary in train.
    pub numeric_by_class: BTreeMap<String, Vec<Option<Summary>>>,
    /// Per categorical column, level × class counts in train.
    pub category_by_class: BTreeMap<String, CategoryTable>,
    /// Pearson correlations among the numeric columns and the label (as a number; only when
    /// its classes are ordered) in train,
    /// pairwise complete; `None` where undefined.
    pub correlation: BTreeMap<String, BTreeMap<String, Option<f64>>>,
    /// Spearman correlations (average ranks for ties), train.
    pub spearman: BTreeMap<String, BTreeMap<String, Option<f64>>>,
    /// Pearson correlations in test.
    pub correlation_test: BTreeMap<String, BTreeMap<String, Option<f64>>>,
    /// Spearman correlations in test.
    pub spearman_test: BTreeMap<String, BTreeMap<String, Option<f64>>>,
    /// The dominance check in full.
    pub dominance: Dominance,
    /// Columns the dominance check flags.
    pub dominant_features: Vec<String>,
    /// Shift of each numeric column.
    pub shift: BTreeMap<String, NumericShift>,
    /// Shift of each categorical column.
    pub shift_categorical: BTreeMap<String, CategoricalShift>,
    /// The shift check's thresholds.
    pub shift_thresholds: ShiftThresholds,
    /// Columns whose relation to the label changes between train and test.
    pub label_relation_shifted: Vec<String>,
    /// Columns whose marginal distribution changes between train and test.
    pub marginal_shifted: Vec<String>,
    /// Data-quality findings: per numeric column with any, the values outside the schema's
    /// valid range (the loader stored them as missing), in the training and the test file.
    pub out_of_range: Pair<Vec<data::OutOfRange>>,
    /// The schema the tables were read with: the report takes its title, class names and
    /// column names from it (records written before it existed were all the listings').
    #[serde(default = "data::Schema::listings")]
    pub schema: data::Schema,
}
