//! Question 2's analysis on hand-made runs: the convergence criterion, one run's and one
//! cell's statistics, a mode's headline and the refinement around the stability edge.

use super::*;

fn config() -> Q2Config {
    Q2Config {
        learning_rates: vec![0.1, 1.0],
        base_learning_rate: 0.1,
        min_iterations: 4,
        seeds: 3,
        max_rise_share: 0.4,
        ..Q2Config::default()
    }
}

fn run(losses: &[f64], converged: bool, val_acc: f64) -> SeedRun {
    SeedRun {
        initial_loss: losses[0],
        losses: losses.to_vec(),
        diverged_at: None,
        converged,
        val_acc,
    }
}

fn diverged(at: usize) -> SeedRun {
    SeedRun {
        losses: vec![1.2, 1.1],
        initial_loss: 1.2,
        diverged_at: Some(at),
        converged: false,
        val_acc: f64::NAN,
    }
}

#[test]
fn the_loss_has_stopped_improving_when_a_window_gains_less_than_the_tolerance() {
    // Lowest up to t − 2 is 0.50; lowest up to t is 0.4996: a 0.08 % gain.
    let flat = [1.0, 0.6, 0.5, 0.4999, 0.4996];
    assert!(stopped_improving(&flat, 2, 1e-3));
    assert!(!stopped_improving(&flat, 2, 1e-4), "0.08 % is past 0.01 %");
    // An oscillating run whose best stays put has stopped improving too.
    assert!(stopped_improving(&[1.0, 0.9, 1.3, 0.95, 1.4], 2, 1e-3));
    // Too few iterations for one window: not judged.
    assert!(!stopped_improving(&[1.0, 1.0], 2, 1e-3));
    assert!(!stopped_improving(&[1.0, 0.5, 0.2], 2, 1e-3));
}

#[test]
fn a_run_is_judged_stable_on_its_first_iterations() {
    let with = |max_rise_share| Q2Config {
        max_rise_share,
        ..config()
    };
    // Judged on the first 4 losses: one rise (0.8 → 0.9) in 3 chances; the later rise
    // 0.5 → 0.55 is not judged.
    let losses = [1.0, 0.8, 0.9, 0.5, 0.55];
    let r = run_record(&run(&losses, true, 0.6), 0.85, &with(0.4));
    assert!((r.rise_share - 1.0 / 3.0).abs() < 1e-12);
    assert!(r.stable);
    assert_eq!((r.attainable_loss, r.final_loss), (0.5, 0.55));
    assert_eq!((r.iterations, r.iterations_to_target), (5, Some(2)));
    assert!(r.converged);
    let r = run_record(&run(&losses, true, 0.6), 0.1, &with(0.3));
    assert!(
        !r.stable,
        "a rise in a third of the iterations is oscillation here"
    );
    assert_eq!(r.iterations_to_target, None);
    let r = run_record(&run(&[1.0, 0.9, 1.1, 1.2], false, 0.6), 0.1, &with(0.9));
    assert!(!r.stable, "ends above its start");
    let r = run_record(&diverged(7), 2.0, &with(0.9));
    assert!(!r.stable && !r.converged);
    assert_eq!(r.iterations, 7);
    assert!(r.attainable_loss.is_nan() && r.rise_share.is_nan());
    assert_eq!(rise_share(&[1.0, 2.0, 1.0, 2.0, 3.0]), 0.75);
}

#[test]
fn a_cell_counts_seeds_and_gives_an_interval_only_when_every_seed_finished() {
    let runs = [
        run(&[1.0, 0.8, 0.9, 0.5, 0.4], true, 0.6),
        run(&[1.0, 0.6, 0.4, 0.3, 0.3], false, 0.7),
        diverged(3),
    ];
    let c = cell(BiasMode::Shared, 0.1, false, &runs, 0.55, &config());
    assert_eq!(c.mode, "shared");
    assert_eq!(
        (c.diverged_seeds, c.converged_seeds, c.stable_seeds),
        (1, 1, 2)
    );
    assert!(!c.stable, "a diverged seed makes the cell unstable");
    assert_eq!(
        c.attainable_loss, None,
        "a diverged seed has no attainable loss"
    );
    assert_eq!(c.seeds_reaching_target, 2);
    assert_eq!(c.iterations_to_target_mean, Some(3.5));
    assert!((c.final_loss_mean - 0.35).abs() < 1e-12);
    assert!((c.val_acc_mean - 0.65).abs() < 1e-12);
    assert!(
        (c.rise_share_mean - 1.0 / 6.0).abs() < 1e-12,
        "1 of 3, 0 of 3"
    );
    // The curve covers min_iterations, over the seeds that finished.
    assert_eq!(c.loss_curve.len(), 4);
    for (got, want) in c.loss_curve.iter().zip([1.0, 0.7, 0.65, 0.4]) {
        assert!((got - want).abs() < 1e-12, "{:?}", c.loss_curve);
    }

    let c = cell(
        BiasMode::Independent,
        1.0,
        true,
        &runs[..2],
        0.55,
        &config(),
    );
    assert!(c.stable && c.refined);
    let i = c.attainable_loss.unwrap();
    assert_eq!(i.n, 2);
    assert!((i.mean - 0.35).abs() < 1e-12);
    assert!(i.low < 0.3 && i.high > 0.4);
}

fn stable_cell(mode: BiasMode, (rate, lr): (usize, f64), stable: bool) -> Q2Cell {
    let losses: &[f64] = if stable {
        &[1.0, 0.9, 0.8, 0.7, 0.6]
    } else {
        &[1.0, 1.1, 1.2, 1.3, 1.4]
    };
    let runs = [run(losses, true, 0.5), run(losses, true, 0.5)];
    let mut c = cell(mode, lr, false, &runs, 0.75, &config());
    c.rate = rate;
    c
}

#[test]
fn the_headline_reads_the_base_rate_and_the_edge() {
    // The base rate is found by its position (0 here), never by its value.
    let cells = [
        stable_cell(BiasMode::Shared, (0, 0.1), true),
        stable_cell(BiasMode::Shared, (1, 1.0), true),
        stable_cell(BiasMode::Shared, (2, 3.0), false),
        stable_cell(BiasMode::Independent, (0, 0.1), false),
    ];
    let h = headline(&cells, BiasMode::Shared, 0);
    assert!((h.final_loss - 0.6).abs() < 1e-12);
    assert_eq!(
        (h.seeds_reaching_target, h.iterations_to_target),
        (2, Some(4.0))
    );
    assert_eq!(h.largest_stable_learning_rate, Some(1.0));
    assert_eq!(h.first_unstable_learning_rate, Some(3.0));
    let h = headline(&cells, BiasMode::Independent, 0);
    assert_eq!(h.largest_stable_learning_rate, None);
    assert_eq!(h.first_unstable_learning_rate, Some(0.1));
}

#[test]
fn refinement_fills_each_edge_to_the_resolution_on_both_modes() {
    let cells = [
        stable_cell(BiasMode::Shared, (1, 0.3), true),
        stable_cell(BiasMode::Shared, (2, 1.0), false),
        stable_cell(BiasMode::Independent, (1, 0.3), true),
        stable_cell(BiasMode::Independent, (2, 1.0), true),
        stable_cell(BiasMode::Independent, (3, 3.0), false),
    ];
    let added = refinement(&cells, 1.5);
    // 0.3 → 1 (×3.33) needs 3 steps, 1 → 3 (×3) needs 3 steps: 2 rates inside each.
    assert_eq!(added.len(), 4, "{added:?}");
    let mut grid = [vec![0.3, 1.0, 3.0], added].concat();
    grid.sort_by(f64::total_cmp);
    for w in grid.windows(2) {
        assert!(w[1] / w[0] <= 1.5 + 1e-12, "{grid:?}");
    }
    // An edge already resolved, or only bounded below, adds nothing.
    let cells = [
        stable_cell(BiasMode::Shared, (2, 1.0), true),
        stable_cell(BiasMode::Shared, (9, 1.5), false),
        stable_cell(BiasMode::Independent, (2, 1.0), true),
        stable_cell(BiasMode::Independent, (9, 1.5), true),
    ];
    assert!(refinement(&cells, 1.5).is_empty());
}

#[test]
fn the_grid_must_ascend_and_the_base_rate_is_found_by_position() {
    let c = Q2Config {
        learning_rates: vec![0.3, 0.1, 1.0],
        ..Q2Config::default()
    };
    let e = c.validate().unwrap_err();
    assert!(
        e.contains("q2.learning_rates") && e.contains("ascend"),
        "{e}"
    );
    let c = Q2Config::default();
    assert_eq!(c.base_position(), Some(0));
    let c = Q2Config {
        base_learning_rate: 1.0,
        ..Q2Config::default()
    };
    assert_eq!(c.base_position(), Some(2));
}
