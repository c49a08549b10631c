//! Part D's diagnosis: which change between validation and test explains the fall.
//!
//! Every candidate cause is replayed on the validation rows (the class mix, one column, a set
//! of columns, every column at once; `part_d::replay`). The rules here read those replays:
//! - a candidate **reproduces** the fall when the accuracy it predicts is within a tolerance
//!   of the test accuracy, or when it explains at least a set share of the gap;
//! - the **root cause** is the first reproducing candidate in the order class mix, single
//!   columns, sets by size (a set is reached only when no smaller one reproduces), everything;
//! - a column or set is named only when the change is **confined** to it: the informative
//!   column outside it that the model relies on most keeps its relation to the label. When
//!   that column's relation weakens too, the change is spread over the inputs (label noise, a
//!   changed labelling policy: a concept shift), and no column is named;
//! - a named column whose relation to the label holds while its distribution moved is a
//!   **distribution shift** (covariate shift), never a shortcut.
//!
//! No diagnosis is drawn for a model that did not learn (validation accuracy within a margin
//! of the majority baseline) or without a collapse.

use serde::{Deserialize, Serialize};

use crate::evidence::{Candidate, CandidateKind, ColumnRelation};

use super::{Collapse, CollapseVerdict};

/// Whether a candidate's replay reproduces the fall: the test accuracy it predicts lies
/// within `tolerance` of `test_acc`, or it explains at least `min_gap_share` of the gap.
/// Never without a fall to reproduce (`gap_share` undefined) or a prediction.
pub fn reproduces(
    predicted: f64,
    gap_share: f64,
    test_acc: f64,
    tolerance: f64,
    min_gap_share: f64,
) -> bool {
    if !(predicted.is_finite() && gap_share.is_finite()) {
        return false;
    }
    (predicted - test_acc).abs() <= tolerance || gap_share >= min_gap_share
}

/// How one column changes between train and test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ColumnChange {
    /// Neither its distribution nor its relation to the label moves.
    Stable,
    /// Its distribution moves while its relation to the label holds (or it never had one):
    /// a covariate shift, never a shortcut.
    DistributionShift,
    /// Its relation to the label weakens (below `hold_ratio` of train) without breaking.
    RelationWeakens,
    /// Its relation to the label breaks (below `break_ratio` of train).
    RelationBreaks,
    /// Its relation is undefined in train or test (a constant or empty column on one side).
    Undetermined,
}

/// The change of one column from its label relation in train and test (strengths in
/// [0, 1], `NaN` when undefined) and whether its distribution moved. A relation counts only
/// when it is at least `min_train_relation` in train: it breaks below `break_ratio` of that,
/// holds from `hold_ratio` of it.
pub fn column_change(
    train: f64,
    test: f64,
    moved: bool,
    min_train_relation: f64,
    break_ratio: f64,
    hold_ratio: f64,
) -> ColumnChange {
    let informative = train.abs() >= min_train_relation;
    if informative && test.abs() < break_ratio * train.abs() {
        ColumnChange::RelationBreaks
    } else if informative && test.abs() < hold_ratio * train.abs() {
        ColumnChange::RelationWeakens
    } else if train.is_nan() || test.is_nan() {
        ColumnChange::Undetermined
    } else if moved {
        ColumnChange::DistributionShift
    } else {
        ColumnChange::Stable
    }
}

/// Did the model learn anything to diagnose?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Learning {
    /// Validation accuracy beats the majority baseline by at least the margin.
    Learned,
    /// It does not: the model predicts little beyond the most frequent class, and there is
    /// nothing of its own to diagnose.
    NotLearned,
}

/// The learning verdict and what it was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LearnedVerdict {
    /// The model's validation accuracy.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub val_acc: f64,
    /// The training split's most frequent class.
    pub majority_class: usize,
    /// Validation accuracy of always predicting it.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub majority_acc: f64,
    /// The lead over the baseline the model needs (`PartDConfig::learned_margin`).
    pub margin: f64,
    /// The verdict.
    pub finding: Learning,
}

/// `Learned` when `val_acc ≥ majority_acc + margin` (an undefined accuracy never is).
pub fn learned(
    val_acc: f64,
    majority_class: usize,
    majority_acc: f64,
    margin: f64,
) -> LearnedVerdict {
    LearnedVerdict {
        val_acc,
        majority_class,
        majority_acc,
        margin,
        finding: if val_acc >= majority_acc + margin {
            Learning::Learned
        } else {
            Learning::NotLearned
        },
    }
}

/// What Part D finds the fall to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Diagnosis {
    /// The model did not beat the majority baseline: nothing is diagnosed.
    NotLearned,
    /// The test set is too small for its statistics.
    TooFewRows,
    /// Test accuracy is not below validation by the collapse threshold.
    NoCollapse,
    /// The class mix of test reproduces the fall (a prior or label shift).
    ClassMix,
    /// A column or set of columns whose relation to the label, as the model learned it,
    /// does not hold on test, the change confined to it.
    Shortcut,
    /// A column or set whose distribution moved while its relation to the label held.
    DistributionShift,
    /// The relation between the inputs and the label changed as a whole (label noise, a
    /// changed labelling policy): only every column at once reproduces the fall, or the
    /// change of a reproducing column reaches the others too. No column is named.
    ConceptShift,
    /// No candidate reproduces the fall.
    Unexplained,
}

/// Is a candidate's change confined to it?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConfinementFinding {
    /// The informative column outside the candidate that the model relies on most keeps its
    /// relation to the label: the change is the candidate's own.
    Confined,
    /// That column's relation weakens too: the change is spread over the inputs.
    Spread,
    /// No column outside the candidate relates to the label: the check cannot be made.
    Unchecked,
}

/// The confinement check and the column it read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Confinement {
    /// The column checked: of the columns outside the candidate whose train relation is at
    /// least `min_train_relation`, the one with the largest attribution share.
    pub column: Option<String>,
    /// Its relation to the label in train.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub relation_train: f64,
    /// The same in test.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub relation_test: f64,
    /// The verdict.
    pub finding: ConfinementFinding,
}

/// The thresholds of the root-cause rule (from `PartDConfig`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RootCauseRule {
    /// A candidate reproduces when the accuracy it predicts is within this of test's…
    pub tolerance: f64,
    /// …or when it explains at least this share of the gap.
    pub min_gap_share: f64,
    /// A column's label relation counts from this strength in train.
    pub min_train_relation: f64,
    /// A relation holds when its test strength is at least this share of its train strength.
    pub hold_ratio: f64,
}

/// The root-cause verdict and what it was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RootCauseVerdict {
    /// The diagnosis.
    pub finding: Diagnosis,
    /// Index into the replay's candidates of the candidate the diagnosis rests on (the class
    /// mix, the named column or set, or for a concept shift the reproducing candidate whose
    /// change is spread, else `everything`); `None` when nothing reproduces or nothing is
    /// diagnosed.
    pub candidate: Option<usize>,
    /// The columns named as the root cause, highest attribution first (empty unless the
    /// finding is a shortcut or a distribution shift).
    pub columns: Vec<String>,
    /// The confinement check of a reproducing column or set.
    pub confinement: Option<Confinement>,
    /// The thresholds.
    pub rule: RootCauseRule,
}

impl RootCauseVerdict {
    /// Whether a column is named (a shortcut or a distribution shift).
    pub fn names_columns(&self) -> bool {
        !self.columns.is_empty()
    }
}

/// The root cause: see the module documentation. `candidates` are in replay order (class
/// mix, columns, sets by size, everything), with `reproduces` already decided; `columns` are
/// every column's relations and attribution.
pub fn root_cause(
    learned: &LearnedVerdict,
    collapse: &CollapseVerdict,
    candidates: &[Candidate],
    columns: &[ColumnRelation<'_>],
    rule: &RootCauseRule,
) -> RootCauseVerdict {
    let verdict = |finding, candidate, columns, confinement| RootCauseVerdict {
        finding,
        candidate,
        columns,
        confinement,
        rule: rule.clone(),
    };
    if learned.finding == Learning::NotLearned {
        return verdict(Diagnosis::NotLearned, None, Vec::new(), None);
    }
    match collapse.finding {
        Collapse::TooFewRows => return verdict(Diagnosis::TooFewRows, None, Vec::new(), None),
        Collapse::NoCollapse => return verdict(Diagnosis::NoCollapse, None, Vec::new(), None),
        Collapse::Collapse => {}
    }
    // The first stage with a reproducing candidate; within it the one that explains most.
    let stage = |c: &Candidate| match c.kind {
        CandidateKind::ClassMix => 0,
        CandidateKind::Column => 1,
        CandidateKind::Columns => 1 + c.columns.len(),
        CandidateKind::Everything => usize::MAX,
    };
    let found = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.reproduces)
        .min_by(|(_, a), (_, b)| {
            stage(a)
                .cmp(&stage(b))
                .then(b.gap_share.total_cmp(&a.gap_share))
        });
    let Some((index, cause)) = found else {
        return verdict(Diagnosis::Unexplained, None, Vec::new(), None);
    };
    match cause.kind {
        CandidateKind::ClassMix => verdict(Diagnosis::ClassMix, Some(index), Vec::new(), None),
        CandidateKind::Everything => {
            verdict(Diagnosis::ConceptShift, Some(index), Vec::new(), None)
        }
        CandidateKind::Column | CandidateKind::Columns => {
            let confinement = confinement(&cause.columns, columns, rule);
            if confinement.finding == ConfinementFinding::Spread {
                return verdict(
                    Diagnosis::ConceptShift,
                    Some(index),
                    Vec::new(),
                    Some(confinement),
                );
            }
            let holds = |name: &String| {
                columns.iter().find(|c| c.column == name).is_some_and(|c| {
                    c.distribution_moved
                        && c.train.abs() >= rule.min_train_relation
                        && c.test.abs() >= rule.hold_ratio * c.train.abs()
                })
            };
            let finding = if cause.columns.iter().all(holds) {
                Diagnosis::DistributionShift
            } else {
                Diagnosis::Shortcut
            };
            verdict(
                finding,
                Some(index),
                cause.columns.clone(),
                Some(confinement),
            )
        }
    }
}

/// The confinement check of a candidate over `named`: the informative column outside it
/// that the model relies on most, and whether its relation holds.
fn confinement(
    named: &[String],
    columns: &[ColumnRelation<'_>],
    rule: &RootCauseRule,
) -> Confinement {
    let outside = columns
        .iter()
        .filter(|c| !named.iter().any(|n| n == c.column))
        .filter(|c| c.train.abs() >= rule.min_train_relation && c.test.is_finite())
        .max_by(|a, b| a.attribution_share.total_cmp(&b.attribution_share));
    match outside {
        None => Confinement {
            column: None,
            relation_train: f64::NAN,
            relation_test: f64::NAN,
            finding: ConfinementFinding::Unchecked,
        },
        Some(c) => Confinement {
            column: Some(c.column.to_string()),
            relation_train: c.train,
            relation_test: c.test,
            finding: if c.test.abs() >= rule.hold_ratio * c.train.abs() {
                ConfinementFinding::Confined
            } else {
                ConfinementFinding::Spread
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interval::Interval;
    use crate::verdicts::collapse;

    const RULE: RootCauseRule = RootCauseRule {
        tolerance: 0.03,
        min_gap_share: 0.75,
        min_train_relation: 0.2,
        hold_ratio: 0.8,
    };
    const VAL: f64 = 0.83;
    const TEST: f64 = 0.35;

    /// A candidate whose replay predicts `predicted` (validation 0.83, test 0.35).
    fn candidate(kind: CandidateKind, columns: &[&str], predicted: f64) -> Candidate {
        let effect = predicted - VAL;
        let share = -effect / (VAL - TEST);
        Candidate {
            kind,
            columns: columns.iter().map(|c| c.to_string()).collect(),
            replayed: vec![predicted; 3],
            null: vec![VAL; 3],
            effect: Some(Interval {
                mean: effect,
                low: effect - 0.01,
                high: effect + 0.01,
                n: 6,
            }),
            accuracy: Some(Interval {
                mean: predicted,
                low: predicted - 0.01,
                high: predicted + 0.01,
                n: 6,
            }),
            gap_share: share,
            reproduces: reproduces(predicted, share, TEST, RULE.tolerance, RULE.min_gap_share),
        }
    }

    fn relation(column: &str, train: f64, test: f64, share: f64) -> ColumnRelation<'_> {
        ColumnRelation {
            column,
            train,
            test,
            attribution_share: share,
            distribution_moved: false,
        }
    }

    /// The replay of a table with columns a, b (pair among the top) and c.
    fn replay(mix: f64, a: f64, b: f64, c: f64, ab: f64, all: f64) -> Vec<Candidate> {
        use CandidateKind::*;
        vec![
            candidate(ClassMix, &[], mix),
            candidate(Column, &["a"], a),
            candidate(Column, &["b"], b),
            candidate(Column, &["c"], c),
            candidate(Columns, &["a", "b"], ab),
            candidate(Everything, &["a", "b", "c"], all),
        ]
    }

    fn diagnose(candidates: &[Candidate], columns: &[ColumnRelation<'_>]) -> RootCauseVerdict {
        let l = learned(VAL, 1, 0.56, 0.02);
        let c = collapse(VAL, TEST, 7_000, 0.05, 30);
        root_cause(&l, &c, candidates, columns, &RULE)
    }

    /// Relations where a breaks and b, c hold (a one-column shortcut).
    fn shortcut_relations() -> Vec<ColumnRelation<'static>> {
        vec![
            relation("a", 0.88, 0.01, 0.5),
            relation("b", 0.55, 0.53, 0.3),
            relation("c", 0.34, 0.34, 0.2),
        ]
    }

    #[test]
    fn a_reproducing_column_is_within_the_tolerance_or_explains_most_of_the_gap() {
        assert!(reproduces(0.36, 0.98, 0.35, 0.03, 0.75));
        assert!(reproduces(0.30, 1.1, 0.35, 0.03, 0.75), "past the fall");
        assert!(reproduces(0.45, 0.79, 0.35, 0.03, 0.75));
        assert!(!reproduces(0.60, 0.48, 0.35, 0.03, 0.75));
        assert!(!reproduces(0.83, 0.0, 0.35, 0.03, 0.75));
        assert!(!reproduces(f64::NAN, 0.9, 0.35, 0.03, 0.75));
        assert!(!reproduces(0.36, f64::NAN, 0.35, 0.03, 0.75), "no gap");
    }

    #[test]
    fn the_column_that_reproduces_alone_is_named_a_shortcut() {
        let c = replay(0.83, 0.35, 0.82, 0.83, 0.34, 0.35);
        let v = diagnose(&c, &shortcut_relations());
        assert_eq!(v.finding, Diagnosis::Shortcut);
        assert_eq!(v.columns, ["a"]);
        assert_eq!(v.candidate, Some(1));
        let conf = v.confinement.unwrap();
        assert_eq!(
            conf.column.as_deref(),
            Some("b"),
            "the most relied-upon other column"
        );
        assert_eq!(conf.finding, ConfinementFinding::Confined);
    }

    #[test]
    fn the_class_mix_comes_first() {
        // Both reproduce: the class mix is the simpler change and is tested first.
        let c = replay(0.36, 0.35, 0.82, 0.83, 0.34, 0.35);
        let v = diagnose(&c, &shortcut_relations());
        assert_eq!(v.finding, Diagnosis::ClassMix);
        assert!(v.columns.is_empty());
        assert_eq!(v.candidate, Some(0));
    }

    #[test]
    fn a_pair_is_named_only_when_no_single_column_reproduces() {
        // Neither a nor b alone moves the accuracy; together they give the fall.
        let rel = [
            relation("a", 0.02, 0.01, 0.4),
            relation("b", 0.03, 0.02, 0.35),
            relation("c", 0.5, 0.5, 0.25),
        ];
        let c = replay(0.83, 0.80, 0.81, 0.83, 0.36, 0.35);
        let v = diagnose(&c, &rel);
        assert_eq!(v.finding, Diagnosis::Shortcut);
        assert_eq!(v.columns, ["a", "b"]);
        assert_eq!(v.candidate, Some(4));
        // With a reproducing alone, a is named and the pair is not.
        let c = replay(0.83, 0.36, 0.81, 0.83, 0.35, 0.35);
        assert_eq!(diagnose(&c, &rel).columns, ["a"]);
    }

    #[test]
    fn only_everything_at_once_is_a_concept_shift_and_names_no_column() {
        let c = replay(0.80, 0.70, 0.72, 0.80, 0.60, 0.36);
        let rel = [
            relation("a", 0.88, 0.45, 0.5),
            relation("b", 0.55, 0.27, 0.3),
            relation("c", 0.34, 0.17, 0.2),
        ];
        let v = diagnose(&c, &rel);
        assert_eq!(v.finding, Diagnosis::ConceptShift);
        assert!(v.columns.is_empty());
        assert_eq!(v.candidate, Some(5));
    }

    #[test]
    fn a_reproducing_column_whose_change_reaches_the_others_is_a_concept_shift() {
        // Label noise: a alone reproduces (the model leans on it), but b, the next column the
        // model relies on, loses half its relation as well.
        let c = replay(0.80, 0.40, 0.72, 0.80, 0.36, 0.35);
        let rel = [
            relation("a", 0.88, 0.45, 0.5),
            relation("b", 0.55, 0.27, 0.3),
            relation("c", 0.34, 0.17, 0.2),
        ];
        let v = diagnose(&c, &rel);
        assert_eq!(v.finding, Diagnosis::ConceptShift);
        assert!(v.columns.is_empty(), "no column is named");
        let conf = v.confinement.unwrap();
        assert_eq!(conf.finding, ConfinementFinding::Spread);
        assert_eq!(conf.column.as_deref(), Some("b"));
    }

    #[test]
    fn a_moved_column_whose_relation_holds_is_a_distribution_shift_not_a_shortcut() {
        let c = replay(0.83, 0.36, 0.82, 0.83, 0.35, 0.35);
        let mut rel = shortcut_relations();
        rel[0] = ColumnRelation {
            distribution_moved: true,
            ..relation("a", 0.6, 0.58, 0.5)
        };
        let v = diagnose(&c, &rel);
        assert_eq!(v.finding, Diagnosis::DistributionShift);
        assert_eq!(v.columns, ["a"]);
        // Its relation breaking as well makes it a shortcut again.
        rel[0].test = 0.1;
        assert_eq!(diagnose(&c, &rel).finding, Diagnosis::Shortcut);
    }

    #[test]
    fn nothing_reproducing_names_nothing() {
        let c = replay(0.80, 0.70, 0.72, 0.80, 0.60, 0.60);
        let v = diagnose(&c, &shortcut_relations());
        assert_eq!(v.finding, Diagnosis::Unexplained);
        assert_eq!(v.candidate, None);
        assert!(v.columns.is_empty());
    }

    #[test]
    fn no_collapse_or_no_learning_diagnoses_nothing() {
        let c = replay(0.83, 0.35, 0.82, 0.83, 0.34, 0.35);
        let rel = shortcut_relations();
        let l = learned(VAL, 1, 0.56, 0.02);
        let none = collapse(VAL, 0.81, 7_000, 0.05, 30);
        let v = root_cause(&l, &none, &c, &rel, &RULE);
        assert_eq!(v.finding, Diagnosis::NoCollapse);
        assert!(v.columns.is_empty());
        let few = collapse(VAL, TEST, 10, 0.05, 30);
        assert_eq!(
            root_cause(&l, &few, &c, &rel, &RULE).finding,
            Diagnosis::TooFewRows
        );
        // The majority class scores 0.565; a model at 0.57 has learned nothing to diagnose.
        let stuck = learned(0.57, 1, 0.565, 0.02);
        assert_eq!(stuck.finding, Learning::NotLearned);
        let fall = collapse(0.57, 0.30, 7_000, 0.05, 30);
        let v = root_cause(&stuck, &fall, &c, &rel, &RULE);
        assert_eq!(v.finding, Diagnosis::NotLearned);
        assert!(v.columns.is_empty());
        assert_eq!(learned(0.6, 1, 0.565, 0.02).finding, Learning::Learned);
        assert_eq!(
            learned(f64::NAN, 1, 0.565, 0.02).finding,
            Learning::NotLearned
        );
    }

    #[test]
    fn a_shortcut_with_no_other_informative_column_is_named_unchecked() {
        let c = replay(0.83, 0.35, 0.82, 0.83, 0.34, 0.35);
        let rel = [
            relation("a", 0.88, 0.01, 0.8),
            relation("b", 0.05, 0.04, 0.1),
            relation("c", f64::NAN, f64::NAN, 0.1),
        ];
        let v = diagnose(&c, &rel);
        assert_eq!(v.finding, Diagnosis::Shortcut);
        assert_eq!(
            v.confinement.unwrap().finding,
            ConfinementFinding::Unchecked
        );
    }

    #[test]
    fn each_column_change_from_its_relations() {
        use ColumnChange::*;
        let change = |train, test, moved| column_change(train, test, moved, 0.2, 0.5, 0.8);
        assert_eq!(change(0.88, 0.01, false), RelationBreaks);
        assert_eq!(change(0.88, 0.01, true), RelationBreaks);
        assert_eq!(change(0.6, 0.4, false), RelationWeakens);
        assert_eq!(change(0.6, 0.58, true), DistributionShift);
        assert_eq!(
            change(0.05, 0.01, true),
            DistributionShift,
            "no relation to keep"
        );
        assert_eq!(change(0.6, 0.58, false), Stable);
        assert_eq!(change(f64::NAN, 0.3, false), Undetermined);
        assert_eq!(change(0.6, f64::NAN, true), Undetermined);
    }
}
