//! Each of Question 2's rules on hand-made cells: it fires when its condition holds and
//! its interval lies off zero, and not otherwise.

use super::*;
use crate::evidence::Q2Run;

/// A finished, converged, stable run with these numbers.
fn run(attainable: f64, to_target: Option<usize>, rise_share: f64) -> Q2Run {
    Q2Run {
        diverged_at: None,
        iterations: 500,
        converged: true,
        initial_loss: 1.5,
        final_loss: attainable,
        attainable_loss: attainable,
        rise_share,
        stable: true,
        iterations_to_target: to_target,
        val_acc: 0.6,
    }
}

fn cell(mode: &str, lr: f64, runs: Vec<Q2Run>) -> Q2Cell {
    Q2Cell {
        mode: mode.to_string(),
        // A position both modes' cells at one rate share (the rates here are multiples of
        // a thousandth).
        rate: (lr * 1000.0).round() as usize,
        learning_rate: lr,
        refined: false,
        stable: runs.iter().all(|r| r.stable),
        stable_seeds: runs.iter().filter(|r| r.stable).count(),
        converged_seeds: runs.iter().filter(|r| r.converged).count(),
        diverged_seeds: runs.iter().filter(|r| r.diverged_at.is_some()).count(),
        runs,
        attainable_loss: None,
        rise_share_mean: 0.0,
        final_loss_mean: 0.5,
        val_acc_mean: 0.6,
        iterations_to_target_mean: None,
        seeds_reaching_target: 0,
        loss_curve: vec![],
    }
}

/// Runs over four seeds: attainable loss `base[s] + shift`, iterations `its[s]`.
fn runs(base: [f64; 4], shift: f64, its: [Option<usize>; 4], rise: f64) -> Vec<Q2Run> {
    (0..4).map(|s| run(base[s] + shift, its[s], rise)).collect()
}

const BASE: [f64; 4] = [0.40, 0.45, 0.38, 0.42];
const ITS: [Option<usize>; 4] = [Some(100), Some(150), Some(90), Some(120)];

#[test]
fn speed_is_a_paired_interval_at_the_smallest_rate_where_every_seed_arrives() {
    let never = [None, Some(150), Some(90), Some(120)];
    // Seed-to-seed spread is large; the pairs differ by 20 ± 1 iterations.
    let jitter = [Some(121), Some(169), Some(111), Some(139)];
    let cells = [
        cell("shared", 0.1, runs(BASE, 0.0, never, 0.0)),
        cell("shared", 0.3, runs(BASE, 0.0, jitter, 0.0)),
        cell("independent", 0.1, runs(BASE, 0.0, ITS, 0.0)),
        cell("independent", 0.3, runs(BASE, 0.0, ITS, 0.0)),
    ];
    let s = q2(&cells).speed.unwrap();
    assert_eq!(
        (s.learning_rate, s.shared_cell, s.independent_cell),
        (0.3, 1, 3),
        "at 0.1 one shared seed never reaches the target"
    );
    assert!((s.difference.mean - 20.0).abs() < 1e-12);
    assert_eq!(s.difference.n, 4);
    assert_eq!(s.finding, Comparison::Worse);

    let mut faster = cells.clone();
    // 29 or 31 fewer iterations per pair (equal differences over four seeds would be an
    // interval without spread, which four pairs cannot turn into a finding).
    let fewer = [Some(71), Some(119), Some(61), Some(89)];
    faster[1] = cell("shared", 0.3, runs(BASE, 0.0, fewer, 0.0));
    assert_eq!(q2(&faster).speed.unwrap().finding, Comparison::Better);

    // Differences of −10, +10, −5, +5: an interval across zero detects nothing.
    let mut mixed = cells.clone();
    let its = [Some(90), Some(160), Some(85), Some(125)];
    mixed[1] = cell("shared", 0.3, runs(BASE, 0.0, its, 0.0));
    let s = q2(&mixed).speed.unwrap();
    assert_eq!(s.finding, Comparison::NotDetected);
    assert!(s.difference.low < 0.0 && s.difference.high > 0.0);

    let mut nowhere = cells.clone();
    nowhere[1] = cell("shared", 0.3, runs(BASE, 0.0, never, 0.0));
    assert_eq!(q2(&nowhere).speed, None);
}

#[test]
fn attainable_loss_compares_matched_rates_where_every_run_converged() {
    let jitter = [0.0101, 0.0099, 0.0102, 0.0098];
    let mut higher = runs(BASE, 0.0, ITS, 0.0);
    for (r, j) in higher.iter_mut().zip(jitter) {
        r.attainable_loss += j;
    }
    let cells = [
        cell("shared", 0.3, higher.clone()),
        cell("shared", 1.0, runs(BASE, 0.0, ITS, 0.0)),
        cell("independent", 0.3, runs(BASE, 0.0, ITS, 0.0)),
        cell("independent", 1.0, runs(BASE, 0.0, ITS, 0.0)),
    ];
    let v = q2(&cells).attainable_loss.unwrap();
    assert_eq!(v.rates.len(), 2);
    assert_eq!((v.rates[0].learning_rate, v.rates[0].shared_cell), (0.3, 0));
    assert_eq!(v.rates[0].finding, Comparison::Worse);
    assert!((v.rates[0].difference.mean - 0.01).abs() < 1e-12);
    assert_eq!(
        v.rates[1].finding,
        Comparison::NotDetected,
        "identical runs"
    );
    assert_eq!(v.finding, Comparison::Worse);

    // Lower at another rate: the rates disagree.
    let mut lower = cells.clone();
    let mut below = runs(BASE, 0.0, ITS, 0.0);
    for (r, j) in below.iter_mut().zip(jitter) {
        r.attainable_loss -= j;
    }
    lower[1] = cell("shared", 1.0, below);
    assert_eq!(
        q2(&lower).attainable_loss.unwrap().finding,
        Comparison::Mixed
    );

    // A run that has not converged (or is not stable) keeps its rate out.
    let mut open = cells.clone();
    open[0].runs[2].converged = false;
    open[3].runs[0].stable = false;
    assert_eq!(q2(&open).attainable_loss, None);
}

/// One mode's cells on `grid` whose seed `k` is stable up to `edges[k]` and not above.
fn edged(mode: &str, grid: &[f64], edges: [f64; 4]) -> Vec<Q2Cell> {
    grid.iter()
        .map(|&lr| {
            let mut c = cell(mode, lr, runs(BASE, 0.0, ITS, 0.0));
            for (r, &e) in c.runs.iter_mut().zip(&edges) {
                r.stable = lr <= e;
            }
            c.stable = c.runs.iter().all(|r| r.stable);
            c.stable_seeds = c.runs.iter().filter(|r| r.stable).count();
            c
        })
        .collect()
}

const GRID: [f64; 4] = [0.3, 0.45, 0.67, 1.0];

#[test]
fn stability_is_judged_seed_by_seed_not_on_the_pooled_edges() {
    // Every seed's shared edge is one or two rates below its independent one.
    let mut cells = edged("shared", &GRID, [0.3, 0.3, 0.3, 0.45]);
    cells.extend(edged("independent", &GRID, [0.45, 0.67, 0.45, 0.67]));
    let st = q2(&cells).stability.unwrap();
    assert_eq!((st.shared, st.shared_unstable), (0.3, Some(0.45)));
    assert_eq!(
        (st.independent, st.independent_unstable),
        (0.45, Some(0.67))
    );
    assert!((st.resolution.unwrap() - 1.5).abs() < 1e-12);
    assert!(st.resolves_factor_two);
    let r = st.seed_ratio.unwrap();
    assert_eq!(r.n, 4);
    let logs = [
        (0.3f64 / 0.45).ln(),
        (0.3f64 / 0.67).ln(),
        (0.3f64 / 0.45).ln(),
        (0.45f64 / 0.67).ln(),
    ];
    assert!((r.mean - (logs.iter().sum::<f64>() / 4.0).exp()).abs() < 1e-12);
    assert!(r.high < 1.0);
    assert_eq!(st.finding, Comparison::Worse);
    // Lower, and these four seeds leave an interval reaching below one half: a halving is
    // not ruled out.
    assert!(r.low < 0.5 && !st.rules_out_halving, "{r:?}");

    // The pooled edges differ the same way (one seed is unstable at 0.45 in shared), but
    // seed by seed the edges go both ways: nothing is detected.
    let mut mixed = edged("shared", &GRID, [0.3, 0.67, 0.45, 0.67]);
    mixed.extend(edged("independent", &GRID, [0.45, 0.45, 0.67, 0.67]));
    let st = q2(&mixed).stability.unwrap();
    assert_eq!((st.shared, st.independent), (0.3, 0.45));
    assert!(st.seed_ratio.unwrap().contains(1.0));
    assert_eq!(st.finding, Comparison::NotDetected);

    // The mirror image: shared higher on every seed.
    let mut higher = edged("shared", &GRID, [0.45, 0.67, 0.45, 0.67]);
    higher.extend(edged("independent", &GRID, [0.3, 0.3, 0.3, 0.45]));
    let st = q2(&higher).stability.unwrap();
    assert_eq!(st.finding, Comparison::Better);
    // The whole interval above one: a halving is ruled out.
    assert!(st.rules_out_halving);
}

#[test]
fn stability_edges_not_located_decide_nothing() {
    let unstable = |mode: &str, lr: f64| {
        let mut c = cell(mode, lr, runs(BASE, 0.0, ITS, 0.5));
        c.runs[1].stable = false;
        c.stable = false;
        c
    };
    let ok = |mode: &str, lr: f64| cell(mode, lr, runs(BASE, 0.0, ITS, 0.0));
    let cells = [
        ok("shared", 0.3),
        unstable("shared", 0.45),
        unstable("shared", 0.67),
        ok("independent", 0.3),
        ok("independent", 0.45),
        unstable("independent", 0.67),
    ];
    // Only seed 1 is ever unstable: the other seeds' edges lie beyond the grid, so there is
    // no per-seed ratio and no finding, though the pooled edges differ.
    let st = q2(&cells).stability.unwrap();
    assert_eq!((st.shared, st.independent), (0.3, 0.45));
    assert_eq!(st.seed_ratio, None);
    assert_eq!(st.finding, Comparison::NotDetected);

    // A stable rate above an unstable one does not move the edge.
    let mut again = cells.clone();
    again[2] = ok("shared", 0.67);
    assert_eq!(q2(&again).stability.unwrap().shared, 0.3);

    let mut higher = cells.clone();
    higher[5] = ok("independent", 0.67);
    higher[1] = ok("shared", 0.45);
    higher[2] = ok("shared", 0.67);
    let st = q2(&higher).stability.unwrap();
    assert_eq!(
        st.finding,
        Comparison::NotDetected,
        "both stable throughout"
    );
    assert_eq!(st.resolution, None, "the edges are only bounded below");
    assert!(!st.resolves_factor_two);
    // A coarse grid alone (×3.3 between neighbours) cannot see a factor 2; every seed's
    // edges coincide, so the ratio is exactly 1.
    let all_unstable = |mode: &str, lr: f64| {
        let mut c = unstable(mode, lr);
        c.runs.iter_mut().for_each(|r| r.stable = false);
        c
    };
    let coarse = [
        ok("shared", 3.0),
        all_unstable("shared", 10.0),
        ok("independent", 3.0),
        all_unstable("independent", 10.0),
    ];
    let st = q2(&coarse).stability.unwrap();
    assert_eq!(st.finding, Comparison::NotDetected);
    assert_eq!(st.seed_ratio.unwrap().mean, 1.0);
    assert!(!st.resolves_factor_two);

    let mut none = cells.clone();
    none[0] = unstable("shared", 0.3);
    assert_eq!(q2(&none).stability, None, "shared is stable nowhere");
}

#[test]
fn smoothness_is_a_paired_interval_where_oscillation_sets_in() {
    let rough = |mode: &str, lr: f64, rise: f64| {
        let mut c = cell(mode, lr, runs(BASE, 0.0, ITS, rise));
        for (s, r) in c.runs.iter_mut().enumerate() {
            r.rise_share += 0.001 * s as f64;
        }
        c
    };
    let mut cells = [
        rough("shared", 0.3, 0.0),
        rough("shared", 1.0, 0.30),
        rough("independent", 0.3, 0.0),
        rough("independent", 1.0, 0.20),
    ];
    // Pairs at 1.0 differ by 0.100 to 0.103 (not all alike, so the interval has a spread).
    for (s, r) in cells[1].runs.iter_mut().enumerate() {
        r.rise_share += 0.001 * s as f64;
    }
    // At 0.3 the jitter alone makes rises (0.001 per seed) in both: that rate is taken.
    let sm = q2(&cells).smoothness.unwrap();
    assert_eq!(sm.learning_rate, 0.3);
    assert_eq!(sm.finding, Comparison::NotDetected, "identical runs");

    let mut smooth_low = cells.clone();
    for c in &mut smooth_low[..] {
        if c.learning_rate == 0.3 {
            c.runs.iter_mut().for_each(|r| r.rise_share = 0.0);
        }
    }
    let sm = q2(&smooth_low).smoothness.unwrap();
    assert_eq!(
        (sm.learning_rate, sm.shared_cell, sm.independent_cell),
        (1.0, 1, 3)
    );
    assert!((sm.difference.mean - 0.1015).abs() < 1e-12);
    assert_eq!(sm.finding, Comparison::Worse);

    let mut diverged = smooth_low.clone();
    diverged[3].runs[0].diverged_at = Some(40);
    assert_eq!(q2(&diverged).smoothness, None);
}
