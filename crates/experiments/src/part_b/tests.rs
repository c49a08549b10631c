//! Part B's defaults and helpers.

use super::*;

#[test]
fn the_bands_use_as_many_seeds_as_the_verdicts() {
    let c = PartBConfig::default();
    assert_eq!(
        c.seeds, c.interval_seeds,
        "Part B(a) quotes the same seeds as B(b)"
    );
}

#[test]
fn the_prior_entropy_is_that_of_the_class_shares() {
    // Shares ½, ¼, ¼: entropy (3/2) ln 2.
    let y = [0, 0, 1, 2];
    assert!((prior_entropy(&y, 3) - 1.5 * std::f64::consts::LN_2).abs() < 1e-15);
    // An absent class adds nothing.
    assert!((prior_entropy(&[0, 1], 3) - std::f64::consts::LN_2).abs() < 1e-15);
}

#[test]
fn sweep_rates_must_ascend_without_repeats() {
    // The sweep's runs are named by their rate's position, so a repeat or a descent would
    // name two runs alike or out of order.
    for rates in [vec![0.1, 0.1, 1.0], vec![1.0, 0.3]] {
        let c = PartBConfig {
            sweep_learning_rates: rates,
            ..PartBConfig::default()
        };
        let e = c.validate().unwrap_err();
        assert!(e.contains("part_b.sweep_learning_rates"), "{e}");
        assert!(
            e.contains("must ascend without repeats") || e.contains("a value is listed twice"),
            "{e}"
        );
    }
    assert!(PartBConfig::default().validate().is_ok());
}
