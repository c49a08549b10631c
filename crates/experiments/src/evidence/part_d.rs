//! Part D's measured evidence, read by its verdicts: the counterfactual replay's candidates
//! and the relations of the columns around them.

use serde::{Deserialize, Serialize};

use crate::interval::Interval;

/// Which change between validation and test a replay candidate carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CandidateKind {
    /// The validation rows resampled to the test set's class shares (a prior or label
    /// shift); every row keeps its own values.
    ClassMix,
    /// One column's values drawn from test rows of the same class.
    Column,
    /// A small set of columns drawn jointly from one test row of the same class.
    Columns,
    /// Every column drawn jointly from one test row of the same class: the inputs' whole
    /// relation to the label as in test, with validation's class mix.
    Everything,
}

/// One candidate cause of the fall, replayed on the validation rows over several draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Candidate {
    /// What the candidate changes.
    pub kind: CandidateKind,
    /// The columns it replays, highest attribution first (empty for the class mix; every
    /// column for `everything`).
    pub columns: Vec<String>,
    /// The model's accuracy on each draw of the replayed validation rows.
    pub replayed: Vec<f64>,
    /// The null of each draw: the same draw made from validation's own rows of the same class
    /// (for the class mix, validation's own class shares). What the draw itself costs, with
    /// nothing changed between the sets.
    pub null: Vec<f64>,
    /// Replayed minus null accuracy, the change this candidate alone makes, with its 95 %
    /// Welch interval over the draws (`None` with fewer than two draws).
    pub effect: Option<Interval>,
    /// Validation accuracy plus the effect: the test accuracy this change alone predicts,
    /// with its interval.
    pub accuracy: Option<Interval>,
    /// Share of the validation-to-test gap the effect explains (`−effect / gap`; 1 = all of
    /// it; `null` when test is not below validation).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub gap_share: f64,
    /// Whether the candidate reproduces the fall ([`crate::verdicts::reproduces`]).
    pub reproduces: bool,
}

impl Candidate {
    /// Mean predicted accuracy (`NaN` without an interval).
    pub fn accuracy_mean(&self) -> f64 {
        self.accuracy.map_or(f64::NAN, |i| i.mean)
    }
}

/// What the confinement check reads of one column: its relation to the label in train and
/// in test, and how much the model relies on it.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnRelation<'a> {
    /// Original column name.
    pub column: &'a str,
    /// Relation to the label in train (`NaN` when undefined).
    pub train: f64,
    /// The same in test.
    pub test: f64,
    /// Share of the model's gradient attribution.
    pub attribution_share: f64,
    /// Whether its own distribution moved between train and test (Part A's marginal check).
    pub distribution_moved: bool,
}
