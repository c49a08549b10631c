//! The diagnosis on small hand-made records.

use super::*;
use crate::part_c::{ColumnScore, PartC, PartCConfig};
use crate::verdicts::collapse;

fn part_c(columns: &[(&str, f64, f64)]) -> PartC {
    PartC {
        config: PartCConfig::default(),
        train_acc: 0.82,
        val_acc: 0.81,
        history: Vec::new(),
        attribution: Vec::new(),
        columns: columns
            .iter()
            .map(|&(column, share, drop)| ColumnScore {
                column: column.to_string(),
                score: share,
                share,
                permutation_drop: drop,
                permutation_drop_sd: 0.0,
                permutation_drops: Vec::new(),
            })
            .collect(),
        methods_agree_on_top: true,
        top_column: None,
    }
}

fn shift(column: &str, train: f64, test: f64) -> ColumnShift {
    ColumnShift {
        dominant: false,
        column: column.to_string(),
        relation_train: train,
        relation_test: test,
        distribution_shift: 0.01,
        measure: RelationMeasure::AbsPearsonR,
    }
}

fn model(val_acc: f64, test_acc: f64) -> Evaluation {
    Evaluation {
        train_acc: 0.82,
        val_acc,
        test_acc,
        overfitting_gap: 0.82 - val_acc,
        test_gap: val_acc - test_acc,
    }
}

fn run(
    columns: &[(&str, f64, f64)],
    shifts: &[ColumnShift],
    m: &Evaluation,
    rows: usize,
) -> RootCause {
    let config = PartDConfig::default();
    let c = collapse(
        m.val_acc,
        m.test_acc,
        rows,
        config.collapse_gap,
        config.min_test_rows,
    );
    diagnose(&part_c(columns), shifts, &config, m, &c)
}

const COLUMNS: [(&str, f64, f64); 3] = [("a", 0.6, 0.2), ("b", 0.3, 0.01), ("c", 0.1, 0.0)];

#[test]
fn the_relied_upon_column_whose_relation_breaks_is_named() {
    let shifts = [
        shift("a", 0.9, 0.05),
        shift("b", 0.3, 0.1),
        shift("c", 0.02, 0.0),
    ];
    let r = run(&COLUMNS, &shifts, &model(0.81, 0.30), 7_000);
    assert_eq!(r.feature.as_deref(), Some("a"));
    let breaks: Vec<bool> = r.evidence.iter().map(|e| e.relation_breaks).collect();
    // b breaks too (0.1 < 0.5 × 0.3) but the model relies on it less; c is too weak in train.
    assert_eq!(breaks, [true, true, false]);
    assert_eq!(r.evidence[0].attribution_rank, 1);
    assert_eq!(r.evidence[1].permutation_rank, 2);
    assert!(
        r.statement.contains("a gap of 51.0 points"),
        "{}",
        r.statement
    );
}

#[test]
fn a_relation_that_holds_names_nothing() {
    let shifts = [
        shift("a", 0.9, 0.8),
        shift("b", 0.3, 0.25),
        shift("c", 0.02, 0.0),
    ];
    let r = run(&COLUMNS, &shifts, &model(0.81, 0.30), 7_000);
    assert_eq!(r.feature, None);
    assert!(r.statement.starts_with("No column the model relies on"));
}

#[test]
fn without_a_collapse_nothing_is_diagnosed() {
    let shifts = [
        shift("a", 0.9, 0.05),
        shift("b", 0.3, 0.1),
        shift("c", 0.02, 0.0),
    ];
    // Test above validation: "a gap of -16.0 points" must never be written.
    let r = run(&COLUMNS, &shifts, &model(0.60, 0.76), 7_000);
    assert_eq!(r.feature, None);
    assert!(
        r.statement.starts_with("No collapse to explain"),
        "{}",
        r.statement
    );
    assert!(!r.statement.contains('-'), "{}", r.statement);
    // One test row: too few for any statistic.
    let r = run(&COLUMNS, &shifts, &model(0.81, 0.0), 1);
    assert_eq!(r.feature, None);
    assert!(r.statement.starts_with("Too few rows"), "{}", r.statement);
    // The evidence is gathered either way.
    assert!(r.evidence[0].relation_breaks);
}

#[test]
fn an_undefined_relation_stays_undefined_and_never_breaks() {
    let shifts = [shift("a", f64::NAN, f64::NAN), shift("b", 0.3, 0.1)];
    let r = run(&COLUMNS, &shifts, &model(0.81, 0.30), 7_000);
    let a = &r.evidence[0];
    assert!(a.shift.relation_train.is_nan() && a.shift.relation_test.is_nan());
    assert!(!a.relation_breaks);
    // c has no shift record at all: undefined, not 0.
    assert!(r.evidence[2].shift.distribution_shift.is_nan());
    assert_eq!(r.feature.as_deref(), Some("b"));
    let json = serde_json::to_value(a).unwrap();
    assert!(json["relation_train"].is_null(), "{json}");
    assert_eq!(json["column"], "a");
}

#[test]
fn the_best_mitigation_is_a_trained_one() {
    let m = |name, test_acc| Mitigation {
        name,
        description: String::new(),
        train_acc: 0.5,
        val_acc: 0.5,
        test_acc,
    };
    let list = [
        m(MitigationKind::ClassWeights, 0.3),
        m(MitigationKind::DropRootCause, 0.5),
        m(MitigationKind::MajorityBaseline, 0.6),
    ];
    assert_eq!(best_mitigation(&list), Some(1));
    assert_eq!(best_mitigation(&list[2..]), None);
    assert_eq!(
        serde_json::to_value(MitigationKind::MajorityBaseline).unwrap(),
        "majority_baseline"
    );
}
