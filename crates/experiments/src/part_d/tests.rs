//! The per-column evidence on small hand-made records.

use super::*;
use crate::part_c::{ColumnScore, PartC, PartCConfig};
use crate::verdicts::ColumnChange;

fn part_c(columns: &[(&str, f64, f64)]) -> PartC {
    PartC {
        config: PartCConfig::default(),
        train_acc: 0.82,
        val_acc: 0.81,
        epochs: 20,
        steps: 2_600,
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
        identifier: false,
        column: column.to_string(),
        relation_train: train,
        relation_test: test,
        distribution_shift: 0.01,
        measure: RelationMeasure::AbsPearsonR,
        distribution_moved: false,
    }
}

fn run(columns: &[(&str, f64, f64)], shifts: &[ColumnShift]) -> RootCause {
    column_evidence(&part_c(columns), shifts, &PartDConfig::default())
}

const COLUMNS: [(&str, f64, f64); 3] = [("a", 0.6, 0.2), ("b", 0.3, 0.01), ("c", 0.1, 0.0)];

#[test]
fn each_column_is_ranked_and_its_change_classified() {
    let mut moved = shift("c", 0.02, 0.0);
    moved.distribution_moved = true;
    let shifts = [shift("a", 0.9, 0.05), shift("b", 0.3, 0.2), moved];
    let r = run(&COLUMNS, &shifts);
    let changes: Vec<ColumnChange> = r.evidence.iter().map(|e| e.change).collect();
    // a breaks (0.05 < 0.5 × 0.9); b weakens (0.2 < 0.8 × 0.3); c has no relation to keep
    // and its distribution moved.
    assert_eq!(
        changes,
        [
            ColumnChange::RelationBreaks,
            ColumnChange::RelationWeakens,
            ColumnChange::DistributionShift
        ]
    );
    let breaks: Vec<bool> = r.evidence.iter().map(|e| e.relation_breaks).collect();
    assert_eq!(breaks, [true, false, false]);
    assert_eq!(r.evidence[0].attribution_rank, 1);
    assert_eq!(r.evidence[1].permutation_rank, 2);
    let relations = r.relations();
    assert_eq!(relations[0].column, "a");
    assert!(relations[2].distribution_moved);
}

#[test]
fn dominant_columns_are_strong_features_or_shortcuts() {
    let mut a = shift("a", 0.9, 0.05);
    a.dominant = true;
    let mut b = shift("b", 0.6, 0.58);
    b.dominant = true;
    let r = run(&COLUMNS, &[a, b, shift("c", 0.02, 0.0)]);
    assert_eq!(r.shortcuts, ["a"]);
    assert_eq!(r.strong_features, ["b"]);
}

#[test]
fn an_undefined_relation_stays_undefined_and_never_breaks() {
    let shifts = [shift("a", f64::NAN, f64::NAN), shift("b", 0.3, 0.1)];
    let r = run(&COLUMNS, &shifts);
    let a = &r.evidence[0];
    assert!(a.shift.relation_train.is_nan() && a.shift.relation_test.is_nan());
    assert!(!a.relation_breaks);
    assert_eq!(a.change, ColumnChange::Undetermined);
    // c has no shift record at all: undefined, not 0.
    assert!(r.evidence[2].shift.distribution_shift.is_nan());
    assert!(r.evidence[1].relation_breaks);
    let json = serde_json::to_value(a).unwrap();
    assert!(json["relation_train"].is_null(), "{json}");
    assert_eq!(json["column"], "a");
}

#[test]
fn the_best_mitigation_is_a_trained_one() {
    let m = |name, test_acc| Mitigation {
        name,
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
