//! Part D on tables built here, one cause of a test failure planted in each, run through
//! the real pipeline (CSV text → loader → split → Parts A and C → Part D). Each must get its
//! own verdict and name no column falsely:
//! - a one-column shortcut (`c` tracks the class in train, is noise in test) → `c`;
//! - a two-column interaction shortcut (the signs of `b` and `c` agree for even classes in
//!   train; alone each is unrelated to the class) → the pair, and no single column;
//! - a class-mix change (a rare, hard class becomes most of test) → the class mix;
//! - label noise in test (half the labels redrawn) → a concept shift, no column;
//! - a covariate shift that keeps the label relation (`a` moves, the rule from the inputs to
//!   the class is the same) → a distribution shift, never a shortcut;
//! - duplicated rows (half of test copied from train) → warned, no column;
//! - a table with no problem → no collapse, nothing warned, no column;
//! - a table of noise the model cannot learn → no diagnosis at all.
//!
//! The tables are small (2,500 training and 1,000 test rows) and the settings quick, so the
//! eight run in seconds.

use data::{Names, Schema, read_csv};
use experiments::part_d::{CandidateKind, PartD};
use experiments::verdicts::{ColumnChange, Diagnosis, Duplication};
use experiments::{Config, Part, PartRecord, Runtime, Silent, run_part};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const NUMERIC: [&str; 4] = ["a", "b", "c", "d"];
const TRAIN_ROWS: usize = 2_500;
const TEST_ROWS: usize = 1_000;

/// One row: its class, the numeric columns `a`–`d` and the categorical `g`.
#[derive(Clone)]
struct Row {
    y: usize,
    x: [f64; 4],
    g: usize,
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// A class drawn with probabilities `shares`.
fn class(rng: &mut ChaCha8Rng, shares: &[f64]) -> usize {
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for (c, s) in shares.iter().enumerate() {
        acc += s;
        if u < acc {
            return c;
        }
    }
    shares.len() - 1
}

/// `g` is the class's own level half the time, else any of three.
fn level(rng: &mut ChaCha8Rng, y: usize) -> usize {
    if rng.random::<f64>() < 0.5 {
        y % 3
    } else {
        rng.random_range(0..3)
    }
}

/// The honest part of every table: `a` tracks the class (sd `spread`), `b`–`d` are noise.
fn honest(rng: &mut ChaCha8Rng, y: usize, spread: f64) -> Row {
    Row {
        y,
        x: [
            y as f64 + spread * normal(rng),
            normal(rng),
            normal(rng),
            normal(rng),
        ],
        g: level(rng, y),
    }
}

/// An honest row of a class drawn uniformly from `k`.
fn balanced(rng: &mut ChaCha8Rng, k: usize, spread: f64) -> Row {
    let y = class(rng, &uniform(k));
    honest(rng, y, spread)
}

fn csv(rows: &[Row]) -> String {
    let mut text = String::from("outcome,g,a,b,c,d\n");
    for r in rows {
        text.push_str(&format!(
            "{},g{},{:.4},{:.4},{:.4},{:.4}\n",
            r.y, r.g, r.x[0], r.x[1], r.x[2], r.x[3]
        ));
    }
    text
}

/// Part D of the pipeline on the two tables (quick settings).
fn part_d(k: usize, train: &[Row], test: &[Row]) -> PartD {
    let schema = Schema {
        categorical: vec!["g".into()],
        numeric: NUMERIC.iter().map(|c| c.to_string()).collect(),
        label: "outcome".into(),
        n_classes: k,
        ranges: Vec::new(),
        classes: Vec::new(),
        ordered: None,
        names: Names::default(),
    };
    let read =
        |rows: &[Row], name: &str| read_csv(csv(rows).as_bytes(), name, &schema).unwrap().table;
    let (train, test) = (read(train, "train.csv"), read(test, "test.csv"));
    let mut config = Config::quick(7);
    config.part_c.min_steps = 800;
    match run_part(
        Part::D,
        &train,
        &test,
        &config,
        &Runtime::default(),
        &mut Silent,
    )
    .unwrap()
    .0
    {
        PartRecord::D(d) => *d,
        _ => unreachable!("Part D was asked for"),
    }
}

fn rows(n: usize, seed: u64, mut row: impl FnMut(&mut ChaCha8Rng) -> Row) -> Vec<Row> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| row(&mut rng)).collect()
}

fn uniform(k: usize) -> Vec<f64> {
    vec![1.0 / k as f64; k]
}

/// The verdict, the columns it names (sorted) and, for a failed assertion, the replay.
fn verdict(d: &PartD) -> (Diagnosis, Vec<String>) {
    let mut columns = d.verdicts.root_cause.columns.clone();
    columns.sort();
    (d.verdicts.root_cause.finding, columns)
}

fn explain(d: &PartD) -> String {
    let mut out = format!(
        "val {:.3} test {:.3} {:?}\n",
        d.model.val_acc, d.model.test_acc, d.verdicts.root_cause
    );
    for c in d.replay.iter().flat_map(|r| &r.candidates) {
        out.push_str(&format!(
            "{:?} {:?} predicted {:.3} share {:.2} reproduces {}\n",
            c.kind,
            c.columns,
            c.accuracy_mean(),
            c.gap_share,
            c.reproduces
        ));
    }
    for e in &d.root_cause.evidence {
        out.push_str(&format!(
            "{} {:.3} → {:.3} moved {} {:?} share {:.2}\n",
            e.shift.column,
            e.shift.relation_train,
            e.shift.relation_test,
            e.shift.distribution_moved,
            e.change,
            e.attribution_share
        ));
    }
    out
}

fn single_columns_reproducing(d: &PartD) -> Vec<String> {
    d.replay
        .iter()
        .flat_map(|r| &r.candidates)
        .filter(|c| c.kind == CandidateKind::Column && c.reproduces)
        .flat_map(|c| c.columns.clone())
        .collect()
}

#[test]
fn a_one_column_shortcut_is_named() {
    let k = 4;
    let leak = |test: bool| {
        move |rng: &mut ChaCha8Rng| {
            let mut r = balanced(rng, k, 1.2);
            r.x[2] = if test {
                rng.random_range(-0.5..k as f64 - 0.5)
            } else {
                r.y as f64 + 0.15 * normal(rng)
            };
            r
        }
    };
    let d = part_d(
        k,
        &rows(TRAIN_ROWS, 1, leak(false)),
        &rows(TEST_ROWS, 2, leak(true)),
    );
    assert_eq!(
        verdict(&d),
        (Diagnosis::Shortcut, vec!["c".into()]),
        "{}",
        explain(&d)
    );
    let replay = d.replay.as_ref().unwrap();
    assert!(
        !replay.candidates[0].reproduces,
        "the class mix is unchanged"
    );
    assert_eq!(single_columns_reproducing(&d), ["c"], "{}", explain(&d));
}

#[test]
fn a_two_column_interaction_shortcut_names_the_pair_and_no_single_column() {
    let k = 4;
    let pair = |test: bool| {
        move |rng: &mut ChaCha8Rng| {
            let mut r = balanced(rng, k, 0.7);
            let sign_b = if rng.random::<bool>() { 1.0 } else { -1.0 };
            let parity = if r.y.is_multiple_of(2) { 1.0 } else { -1.0 };
            let sign_c = if test {
                if rng.random::<bool>() { 1.0 } else { -1.0 }
            } else {
                sign_b * parity
            };
            r.x[1] = sign_b * (0.3 + normal(rng).abs());
            r.x[2] = sign_c * (0.3 + normal(rng).abs());
            r
        }
    };
    let d = part_d(
        k,
        &rows(TRAIN_ROWS, 3, pair(false)),
        &rows(TEST_ROWS, 4, pair(true)),
    );
    assert_eq!(
        verdict(&d),
        (Diagnosis::Shortcut, vec!["b".into(), "c".into()]),
        "{}",
        explain(&d)
    );
    assert!(single_columns_reproducing(&d).is_empty(), "{}", explain(&d));
    // Alone, each is unrelated to the class in train.
    for e in d
        .root_cause
        .evidence
        .iter()
        .filter(|e| e.shift.column != "a")
    {
        assert!(e.shift.relation_train < 0.2, "{}", explain(&d));
    }
}

#[test]
fn a_class_mix_change_is_named_as_such_and_its_correction_helps() {
    let k = 3;
    let means = [0.0, 2.0, 2.6];
    let mix = |shares: [f64; 3]| {
        move |rng: &mut ChaCha8Rng| {
            let y = class(rng, &shares);
            let mut r = honest(rng, y, 0.0);
            r.x[0] = means[y] + normal(rng);
            r.g = rng.random_range(0..3);
            r
        }
    };
    let d = part_d(
        k,
        &rows(TRAIN_ROWS, 5, mix([0.6, 0.3, 0.1])),
        &rows(TEST_ROWS, 6, mix([0.1, 0.2, 0.7])),
    );
    assert_eq!(
        verdict(&d),
        (Diagnosis::ClassMix, vec![]),
        "{}",
        explain(&d)
    );
    let fix = &d.class_mix_correction;
    assert!(fix.test_acc_with > fix.test_acc_without + 0.05, "{fix:?}");
}

#[test]
fn label_noise_in_test_is_a_concept_shift_naming_no_column() {
    let k = 4;
    let noisy = |test: bool| {
        move |rng: &mut ChaCha8Rng| {
            let y = class(rng, &uniform(k));
            let mut r = honest(rng, y, 0.35);
            r.x[3] = y as f64 + 1.2 * normal(rng);
            if test && rng.random::<bool>() {
                r.y = rng.random_range(0..k);
            }
            r
        }
    };
    let d = part_d(
        k,
        &rows(TRAIN_ROWS, 7, noisy(false)),
        &rows(TEST_ROWS, 8, noisy(true)),
    );
    assert_eq!(
        verdict(&d),
        (Diagnosis::ConceptShift, vec![]),
        "{}",
        explain(&d)
    );
}

#[test]
fn a_covariate_shift_that_keeps_the_label_relation_is_never_a_shortcut() {
    let k = 3;
    let shifted = |centre: f64| {
        move |rng: &mut ChaCha8Rng| {
            let a = centre + normal(rng);
            let b = normal(rng);
            let s = a + b + 0.4 * normal(rng);
            let y = if s < -1.0 {
                0
            } else if s < 1.0 {
                1
            } else {
                2
            };
            Row {
                y,
                x: [a, b, normal(rng), normal(rng)],
                g: rng.random_range(0..3),
            }
        }
    };
    let d = part_d(
        k,
        &rows(TRAIN_ROWS, 9, shifted(0.0)),
        &rows(TEST_ROWS, 10, shifted(1.2)),
    );
    let (finding, columns) = verdict(&d);
    assert!(
        matches!(
            finding,
            Diagnosis::NoCollapse | Diagnosis::DistributionShift
        ),
        "{}",
        explain(&d)
    );
    assert!(columns.is_empty() || columns == ["a"], "{}", explain(&d));
    let a = d
        .root_cause
        .evidence
        .iter()
        .find(|e| e.shift.column == "a")
        .unwrap();
    assert!(a.shift.distribution_moved, "{}", explain(&d));
    assert_eq!(a.change, ColumnChange::DistributionShift, "{}", explain(&d));
    assert!(d.root_cause.shortcuts.is_empty());
}

#[test]
fn duplicated_rows_are_warned_and_name_no_column() {
    let k = 4;
    let make = |rng: &mut ChaCha8Rng| balanced(rng, k, 0.6);
    let train = rows(TRAIN_ROWS, 11, make);
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let mut test = rows(TEST_ROWS / 2, 13, make);
    test.extend((0..TEST_ROWS / 2).map(|_| train[rng.random_range(0..TRAIN_ROWS)].clone()));
    let d = part_d(k, &train, &test);
    assert_eq!(d.verdicts.duplicates.test, Duplication::Warned);
    assert_eq!(d.verdicts.duplicates.validation, Duplication::Below);
    let share = d.duplicates.train_test.with_label_share;
    assert!((share - 0.5).abs() < 0.01, "{:?}", d.duplicates);
    assert!(
        d.duplicates.test_acc_duplicated.is_finite() && d.duplicates.test_acc_fresh.is_finite()
    );
    let (_, columns) = verdict(&d);
    assert!(columns.is_empty(), "{}", explain(&d));
}

#[test]
fn a_table_with_no_problem_has_no_collapse_and_no_warning() {
    let k = 4;
    let make = |rng: &mut ChaCha8Rng| balanced(rng, k, 0.6);
    let d = part_d(k, &rows(TRAIN_ROWS, 14, make), &rows(TEST_ROWS, 15, make));
    assert_eq!(
        verdict(&d),
        (Diagnosis::NoCollapse, vec![]),
        "{}",
        explain(&d)
    );
    assert_eq!(d.verdicts.duplicates.test, Duplication::Below);
    assert_eq!(d.verdicts.duplicates.validation, Duplication::Below);
    assert!(
        d.replay
            .iter()
            .flat_map(|r| &r.candidates)
            .all(|c| !c.reproduces)
    );
}

#[test]
fn a_model_that_did_not_learn_is_not_diagnosed() {
    // Pure noise: no column says anything about the class, so the best the model can do is
    // the majority class; whatever test shows, there is nothing of the model's to diagnose.
    let noise = |rng: &mut ChaCha8Rng| Row {
        y: class(rng, &[0.7, 0.3]),
        x: [normal(rng), normal(rng), normal(rng), normal(rng)],
        g: rng.random_range(0..3),
    };
    let d = part_d(2, &rows(TRAIN_ROWS, 16, noise), &rows(TEST_ROWS, 17, noise));
    assert_eq!(
        verdict(&d),
        (Diagnosis::NotLearned, vec![]),
        "{}",
        explain(&d)
    );
    assert!(d.replay.is_none());
}
