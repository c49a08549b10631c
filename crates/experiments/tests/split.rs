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
    let text = e.to_string();
    assert_eq!(text.lines().count(), 1);
    assert!(text.contains("class 3 has 2 row(s)"), "{text}");
}

#[test]
fn one_class_or_an_empty_validation_split_is_refused() {
    let mut t = table();
    t.labels.iter_mut().for_each(|y| *y = 2);
    let e = split(&t, &Config::quick(1)).unwrap_err();
    assert!(
        matches!(e, ExperimentError::SingleClass { class: 2 }),
        "{e}"
    );

    let mut config = Config::quick(1);
    config.validation_fraction = 0.0;
    let e = split(&table(), &config).unwrap_err();
    assert!(
        matches!(e, ExperimentError::EmptySplit { validation: 0, .. }),
        "{e}"
    );
    let s = split(&table(), &Config::quick(1)).unwrap();
    assert!(!s.validation.is_empty() && !s.train.is_empty());
}
