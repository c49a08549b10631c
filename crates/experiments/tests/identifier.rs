//! An identifier that predicts the label is an identifier leak, never an honest feature:
//! planted in a table (a row counter numbered class by class, in train and test alike, so
//! its relation to the label holds on test), it is flagged as such; a shortcut planted
//! instead (the synthetic leak, which breaks on test) is dominant but no identifier; a
//! table with neither flags nothing.

use data::Table;
use data::synth::{SynthConfig, generate};
use experiments::part_a::{PartA, PartAConfig, analyse};
use experiments::verdicts::{Dominance, dominance};
use experiments::{Config, split};

/// Adds a numeric column `row_id` numbering the rows class by class (all of class 0 first).
fn with_row_counter(mut t: Table) -> Table {
    let mut order: Vec<usize> = (0..t.n_rows()).collect();
    order.sort_by_key(|&r| (t.labels[r], r));
    let mut id = vec![0.0; t.n_rows()];
    for (rank, &r) in order.iter().enumerate() {
        id[r] = rank as f64 + 1000.0;
    }
    t.schema.numeric.push("row_id".into());
    t.numeric.push(id);
    t
}

fn part_a(train: &Table, test: &Table) -> PartA {
    let s = split(train, &Config::quick(1)).unwrap();
    analyse(
        train,
        test,
        &s.train,
        &s.validation,
        &PartAConfig::default(),
    )
}

/// Each dominant column with its verdict, as Part D draws it (relations from Part A's
/// shift check; a break as Part D's default rule has it).
fn verdicts(a: &PartA) -> Vec<(String, Dominance)> {
    a.dominance
        .rules
        .iter()
        .filter_map(|r| {
            let (train, test) = match a.shift.get(&r.column) {
                Some(s) => (s.label_corr_train?.abs(), s.label_corr_test?.abs()),
                None => (f64::NAN, f64::NAN),
            };
            let breaks = train >= 0.2 && test < 0.5 * train;
            dominance(r.dominant, r.identifier, train, test, breaks).map(|d| (r.column.clone(), d))
        })
        .collect()
}

#[test]
fn a_row_counter_that_encodes_the_label_is_an_identifier_leak() {
    let mut synth = SynthConfig::new(3_000, 600, 4);
    synth.leak = None;
    let (train, test) = generate(&synth).unwrap();
    let (train, test) = (with_row_counter(train), with_row_counter(test));
    let a = part_a(&train, &test);
    let rule = a
        .dominance
        .rules
        .iter()
        .find(|r| r.column == "row_id")
        .unwrap();
    assert!(rule.identifier && rule.dominant, "{rule:?}");
    assert_eq!(
        verdicts(&a),
        [("row_id".to_string(), Dominance::IdentifierLeak)]
    );
}

#[test]
fn a_shortcut_is_dominant_but_no_identifier_and_a_clean_table_flags_nothing() {
    let (train, test) = generate(&SynthConfig::new(3_000, 600, 4)).unwrap();
    let a = part_a(&train, &test);
    assert!(a.dominance.rules.iter().all(|r| !r.identifier));
    assert_eq!(
        verdicts(&a),
        [("amenity_score".to_string(), Dominance::Shortcut)]
    );
    let mut synth = SynthConfig::new(3_000, 600, 4);
    synth.leak = None;
    let (train, test) = generate(&synth).unwrap();
    let a = part_a(&train, &test);
    assert!(
        a.dominance
            .rules
            .iter()
            .all(|r| !r.identifier && !r.dominant)
    );
    assert!(verdicts(&a).is_empty());
}
