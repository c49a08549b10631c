//! Question 2's analysis on hand-made runs: one cell's statistics and a mode's headline.

use super::*;

fn config(iterations: usize) -> Q2Config {
    Q2Config {
        learning_rates: vec![0.1, 1.0],
        base_learning_rate: 0.1,
        iterations,
        seeds: 3,
        ..Q2Config::default()
    }
}

fn run(losses: &[f64], initial_loss: f64, val_acc: f64) -> Option<SeedRun> {
    Some(SeedRun {
        losses: losses.to_vec(),
        initial_loss,
        val_acc,
    })
}

#[test]
fn a_cell_counts_divergence_rises_and_iterations_to_target() {
    let runs = [
        run(&[1.0, 0.8, 0.9, 0.5], 1.2, 0.6),
        run(&[1.0, 0.6, 0.4, 0.3], 1.2, 0.7),
        None,
    ];
    let c = cell(BiasMode::Shared, 0.1, &runs, 0.55, &config(4));
    assert_eq!(c.mode, "shared");
    assert_eq!(c.diverged_seeds, 1);
    assert!(!c.stable, "a diverged seed makes the cell unstable");
    assert_eq!(c.iterations_to_target, [Some(4), Some(3), None]);
    assert_eq!(c.seeds_reaching_target, 2);
    assert_eq!(c.iterations_to_target_mean, Some(3.5));
    assert!((c.final_loss_mean - 0.4).abs() < 1e-12);
    assert!((c.val_acc_mean - 0.65).abs() < 1e-12);
    // One rise (0.8 → 0.9) in the first run, none in the second.
    assert_eq!(c.loss_increases_mean, 0.5);
    for (got, want) in c.loss_curve.iter().zip([1.0, 0.7, 0.65, 0.4]) {
        assert!((got - want).abs() < 1e-12, "{:?}", c.loss_curve);
    }
    assert_eq!(c.loss_curve.len(), 4);
}

#[test]
fn a_cell_is_stable_only_when_every_seed_ends_below_its_start() {
    let runs = [run(&[1.0, 0.9], 1.2, 0.6), run(&[1.3, 1.25], 1.2, 0.6)];
    let c = cell(BiasMode::Independent, 1.0, &runs, 0.1, &config(2));
    assert_eq!(c.diverged_seeds, 0);
    assert!(!c.stable, "the second run ends above its initial loss");
    assert_eq!(c.iterations_to_target_mean, None);
    let runs = [run(&[1.0, 0.9], 1.2, 0.6), run(&[1.1, 1.0], 1.2, 0.6)];
    assert!(cell(BiasMode::Independent, 1.0, &runs, 0.1, &config(2)).stable);
}

#[test]
fn the_headline_reads_the_base_rate_the_best_loss_and_the_largest_stable_rate() {
    let c = config(2);
    let mk = |mode, lr, loss: f64, stable| {
        let mut cell = cell(mode, lr, &[run(&[loss, loss], 1.0, 0.5)], 0.0, &c);
        cell.stable = stable;
        cell
    };
    let cells = [
        mk(BiasMode::Shared, 0.1, 0.6, true),
        mk(BiasMode::Shared, 1.0, 0.4, true),
        mk(BiasMode::Shared, 3.0, f64::NAN, false),
        mk(BiasMode::Independent, 0.1, 0.2, true),
    ];
    let h = headline(&cells, BiasMode::Shared, &c);
    assert_eq!(h.final_loss, 0.6);
    assert_eq!((h.best_final_loss, h.best_learning_rate), (0.4, Some(1.0)));
    assert_eq!(h.largest_stable_learning_rate, Some(1.0));
    let h = headline(&cells, BiasMode::Independent, &c);
    assert_eq!((h.final_loss, h.best_learning_rate), (0.2, Some(0.1)));
}
