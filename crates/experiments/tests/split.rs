//! Training data that cannot be split or learned from is an error before any work, with one
//! line naming the class, its rows and the minimum.

use data::synth::{SynthConfig, generate};
use experiments::{Config, ExperimentError, min_rows_per_class, split};

fn table() -> data::Table {
    generate(&SynthConfig::new(400, 50, 1)).unwrap().0
}

#[test]
fn the_minimum_puts_a_row_in_each_part() {
    assert_eq!(min_rows_per_class(0.2), Some(3));
    assert_eq!(min_rows_per_class(0.5), Some(2));
    assert_eq!(min_rows_per_class(0.0), None);
    assert_eq!(min_rows_per_class(1.0), None);
}

#[test]
fn a_class_with_too_few_rows_is_named() {
    let mut t = table();
    let mut seen = 0;
    for y in &mut t.labels {
        if *y == 3 {
            seen += 1;
            if seen > 2 {
                *y = 0;
            }
        }
    }
    let e = split(&t, &Config::quick(1)).unwrap_err();
    assert!(
        matches!(
            e,
            ExperimentError::TooFewRows {
                class: 3,
                rows: 2,
                minimum: 3,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "synthetic: class 3 (Luxury) has 2 row(s), too few to split; a validation fraction of 0.2 needs at least 3 rows per class"
    );
}

#[test]
fn one_class_or_an_empty_validation_split_is_refused() {
    let mut t = table();
    t.labels.iter_mut().for_each(|y| *y = 2);
    let e = split(&t, &Config::quick(1)).unwrap_err();
    assert!(
        matches!(e, ExperimentError::SingleClass { class: 2, .. }),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "synthetic: every row has class 2 (Premium); a classifier needs at least two classes"
    );

    let mut config = Config::quick(1);
    config.validation_fraction = 0.0;
    let e = split(&table(), &config).unwrap_err();
    assert!(
        matches!(e, ExperimentError::EmptySplit { validation: 0, .. }),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with("synthetic: the split with validation fraction 0 leaves 0 validation"),
        "{e}"
    );
    let s = split(&table(), &Config::quick(1)).unwrap();
    assert!(!s.validation.is_empty() && !s.train.is_empty());
}

#[test]
fn features_that_give_no_input_column_are_refused_naming_them() {
    let mut t = table();
    // Keep one categorical column with a single level, drop every other feature.
    t.schema.numeric.clear();
    t.numeric.clear();
    t.schema.categorical.truncate(1);
    t.categorical.truncate(1);
    let c = &mut t.categorical[0];
    c.levels.truncate(1);
    c.codes.iter_mut().for_each(|code| *code = Some(0));
    t.schema.names.columns.clear();
    t.schema.ranges.clear();
    assert_eq!(experiments::input_width(&t), 0);
    split(&t, &Config::quick(1)).unwrap();
    let e = experiments::check_width(&t).unwrap_err();
    assert!(matches!(e, ExperimentError::NoInputColumns { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "synthetic: the schema's features give the network no input column (features: neighbourhood_group (1 level(s)); a categorical column needs two levels, a numeric one any value); add a feature to the schema"
    );
    assert_eq!(experiments::input_width(&table()), 10);
}
