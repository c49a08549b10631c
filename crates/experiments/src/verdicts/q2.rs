//! Question 2's verdicts: shared bias against independent biases, each drawn from paired
//! runs (seed `s` starts both modes from the same weights) with a 95 % interval of the
//! paired difference, shared minus independent, and stated only when its condition holds.
//!
//! A difference whose interval contains zero is [`Comparison::NotDetected`], never "the
//! same": the interval says how large a difference the seeds could still hide.

use serde::{Deserialize, Serialize};

use crate::evidence::Q2Cell;
use crate::interval::{Direction, Interval, paired_interval};

/// How one of Question 2's comparisons comes out for the shared bias.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// The shared bias does worse (slower, higher loss, less stable, less smooth): the
    /// interval of the paired difference lies wholly on that side of zero.
    Worse,
    /// The shared bias does better.
    Better,
    /// The interval contains zero (or the edges coincide): no difference detected.
    NotDetected,
    /// Over several learning rates, some comparisons find it worse and others better.
    Mixed,
}

impl Comparison {
    /// The finding of a paired difference (shared − independent) of a measure where
    /// higher is worse (iterations, loss, rise share).
    fn of(difference: &Interval) -> Comparison {
        match difference.direction() {
            Direction::Higher => Comparison::Worse,
            Direction::Lower => Comparison::Better,
            Direction::NotDetected => Comparison::NotDetected,
        }
    }

    /// Several findings in one: `Worse` or `Better` when every detected difference points
    /// that way, `Mixed` when they disagree, `NotDetected` when none was detected.
    fn combine(findings: impl Iterator<Item = Comparison>) -> Comparison {
        findings.fold(Comparison::NotDetected, |acc, f| match (acc, f) {
            (a, Comparison::NotDetected) => a,
            (Comparison::NotDetected, f) => f,
            (a, f) if a == f => a,
            _ => Comparison::Mixed,
        })
    }
}

/// Convergence speed: iterations to the loss target, paired over seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SpeedVerdict {
    /// The smallest learning rate at which every seed of both modes reaches the target.
    pub learning_rate: f64,
    /// Index into `cells` of the shared-bias cell.
    pub shared_cell: usize,
    /// Index into `cells` of the independent-bias cell.
    pub independent_cell: usize,
    /// Iterations to target, shared minus independent, over the seeds.
    pub difference: Interval,
    /// `Worse`: sharing needs more iterations.
    pub finding: Comparison,
}

/// Attainable loss at one learning rate, both modes converged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LossAtRate {
    /// The learning rate, the same for both modes.
    pub learning_rate: f64,
    /// Index into `cells` of the shared-bias cell.
    pub shared_cell: usize,
    /// Index into `cells` of the independent-bias cell.
    pub independent_cell: usize,
    /// Attainable loss, shared minus independent, over the seeds.
    pub difference: Interval,
    /// `Worse`: the shared bias ends higher.
    pub finding: Comparison,
}

/// Attainable loss at matched learning rates, at convergence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LossVerdict {
    /// Every learning rate at which every seed of both modes converged and is stable,
    /// ascending.
    pub rates: Vec<LossAtRate>,
    /// The rates' findings together (see [`Comparison::Mixed`]).
    pub finding: Comparison,
}

/// The largest stable learning rate of each mode, on the grid both modes ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StabilityVerdict {
    /// Shared bias: largest stable rate.
    pub shared: f64,
    /// Shared bias: the first unstable rate above it (`None`: none tried).
    pub shared_unstable: Option<f64>,
    /// Independent biases: largest stable rate.
    pub independent: f64,
    /// Independent biases: the first unstable rate above it.
    pub independent_unstable: Option<f64>,
    /// The larger of the two ratios first unstable / largest stable: how finely the edges
    /// are located (`None` when either edge is only bounded below).
    pub resolution: Option<f64>,
    /// Both edges are located finer than a factor 2 (`resolution` below 2), so a
    /// factor-2 change in the largest stable rate would move it by at least one rate.
    pub resolves_factor_two: bool,
    /// Seed by seed, each mode's own largest stable rate (every rate up to it stable for
    /// that seed), shared over independent: the geometric mean of the ratios with its 95 %
    /// interval (a paired interval of the log ratios, exponentiated). `None` when a seed's
    /// edge is not located in either mode (stable at every rate tried, or at none).
    #[serde(default)]
    pub seed_ratio: Option<Interval>,
    /// `seed_ratio`'s whole interval lies above one half: the shared bias does not halve the
    /// largest stable rate, the most the derivation allows near a minimum.
    #[serde(default)]
    pub rules_out_halving: bool,
    /// From `seed_ratio`: `Worse` when its whole interval lies below 1 (the shared bias's
    /// edge is lower, seed by seed), `Better` above 1, else `NotDetected`. The pooled edges
    /// above move with a single seed and decide nothing.
    pub finding: Comparison,
}

/// Smoothness where oscillation sets in: the share of iterations whose loss rose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SmoothnessVerdict {
    /// The smallest learning rate at which no run of either mode diverged and some run's
    /// loss rose.
    pub learning_rate: f64,
    /// Index into `cells` of the shared-bias cell.
    pub shared_cell: usize,
    /// Index into `cells` of the independent-bias cell.
    pub independent_cell: usize,
    /// Rise share, shared minus independent, over the seeds.
    pub difference: Interval,
    /// `Worse`: sharing makes the descent less smooth.
    pub finding: Comparison,
}

/// Question 2's verdicts, each `None` when its condition holds nowhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Q2Verdicts {
    /// Convergence speed.
    pub speed: Option<SpeedVerdict>,
    /// Attainable loss.
    pub attainable_loss: Option<LossVerdict>,
    /// Stability.
    pub stability: Option<StabilityVerdict>,
    /// Smoothness.
    pub smoothness: Option<SmoothnessVerdict>,
}

/// One mode's stability edge on the rates it ran: the largest rate such that it and every
/// smaller rate is stable for every seed, and the next rate tried above it (the first
/// unstable one). `(None, first)` when the smallest rate is already unstable.
pub fn edge(cells: &[Q2Cell], mode: &str) -> (Option<f64>, Option<f64>) {
    let mut rated: Vec<&Q2Cell> = cells.iter().filter(|c| c.mode == mode).collect();
    rated.sort_by(|a, b| a.learning_rate.total_cmp(&b.learning_rate));
    let first_unstable = rated.iter().position(|c| !c.stable);
    let stable = match first_unstable {
        Some(0) => None,
        Some(i) => Some(rated[i - 1].learning_rate),
        None => rated.last().map(|c| c.learning_rate),
    };
    (stable, first_unstable.map(|i| rated[i].learning_rate))
}

/// Each seed's own stability edge in one mode: the largest rate such that it and every
/// smaller rate is stable for that seed. `None` when some seed's edge is not located (it is
/// stable at every rate tried, so the edge is only bounded below, or unstable at the
/// smallest) or the cells hold different numbers of seeds.
fn seed_edges(cells: &[Q2Cell], mode: &str) -> Option<Vec<f64>> {
    let mut rated: Vec<&Q2Cell> = cells.iter().filter(|c| c.mode == mode).collect();
    rated.sort_by(|a, b| a.learning_rate.total_cmp(&b.learning_rate));
    let n = rated.first()?.runs.len();
    if rated.iter().any(|c| c.runs.len() != n) {
        return None;
    }
    (0..n)
        .map(|k| {
            let first = rated.iter().position(|c| !c.runs[k].stable)?;
            first.checked_sub(1).map(|i| rated[i].learning_rate)
        })
        .collect()
}

/// Shared over independent stability edge per seed, paired: the interval of the log ratios,
/// and its exponentiated form (geometric mean ratio).
fn seed_ratio(cells: &[Q2Cell]) -> Option<(Interval, Interval)> {
    let (s, i) = (
        seed_edges(cells, "shared")?,
        seed_edges(cells, "independent")?,
    );
    if s.len() != i.len() {
        return None;
    }
    let logs: Vec<f64> = s.iter().zip(&i).map(|(a, b)| (a / b).ln()).collect();
    let log = crate::interval::mean_interval(&logs)?;
    let ratio = Interval {
        mean: log.mean.exp(),
        low: log.low.exp(),
        high: log.high.exp(),
        n: log.n,
    };
    Some((log, ratio))
}

/// The shared and independent cells at each learning rate both modes ran (matched by the
/// rate's position, `Q2Cell::rate`), ascending.
fn pairs(cells: &[Q2Cell]) -> Vec<(f64, usize, usize)> {
    let mut out: Vec<(f64, usize, usize)> = cells
        .iter()
        .enumerate()
        .filter(|(_, c)| c.mode == "shared")
        .filter_map(|(si, s)| {
            let ii = cells.iter().position(|c| {
                c.mode == "independent" && c.rate == s.rate && c.runs.len() == s.runs.len()
            })?;
            Some((s.learning_rate, si, ii))
        })
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// The paired interval of `measure` over the seeds of two cells, `None` when a seed lacks it.
fn paired(
    cells: &[Q2Cell],
    (si, ii): (usize, usize),
    measure: impl Fn(&crate::evidence::Q2Run) -> Option<f64>,
) -> Option<Interval> {
    let take = |c: &Q2Cell| c.runs.iter().map(&measure).collect::<Option<Vec<f64>>>();
    paired_interval(&take(&cells[si])?, &take(&cells[ii])?)
}

/// Question 2's verdicts from its cells (`mode` "shared" / "independent", the same seeds).
pub fn q2(cells: &[Q2Cell]) -> Q2Verdicts {
    let pairs = pairs(cells);
    let speed = pairs.iter().find_map(|&(lr, si, ii)| {
        let difference = paired(cells, (si, ii), |r| {
            r.iterations_to_target.map(|i| i as f64)
        })?;
        Some(SpeedVerdict {
            learning_rate: lr,
            shared_cell: si,
            independent_cell: ii,
            finding: Comparison::of(&difference),
            difference,
        })
    });
    let rates: Vec<LossAtRate> = pairs
        .iter()
        .filter_map(|&(lr, si, ii)| {
            let difference = paired(cells, (si, ii), |r| {
                (r.converged && r.stable).then_some(r.attainable_loss)
            })?;
            Some(LossAtRate {
                learning_rate: lr,
                shared_cell: si,
                independent_cell: ii,
                finding: Comparison::of(&difference),
                difference,
            })
        })
        .collect();
    let attainable_loss = (!rates.is_empty()).then(|| LossVerdict {
        finding: Comparison::combine(rates.iter().map(|r| r.finding)),
        rates,
    });
    let stability = match (edge(cells, "shared"), edge(cells, "independent")) {
        ((Some(s), su), (Some(i), iu)) => {
            let resolution = su.zip(iu).map(|(su, iu)| (su / s).max(iu / i));
            let ratio = seed_ratio(cells);
            // A higher edge is better: the log ratio's direction is the opposite of
            // `Comparison::of`'s higher-is-worse reading.
            let finding = match ratio.map(|(log, _)| log.direction()) {
                Some(Direction::Higher) => Comparison::Better,
                Some(Direction::Lower) => Comparison::Worse,
                _ => Comparison::NotDetected,
            };
            Some(StabilityVerdict {
                shared: s,
                shared_unstable: su,
                independent: i,
                independent_unstable: iu,
                resolution,
                resolves_factor_two: resolution.is_some_and(|r| r < 2.0),
                seed_ratio: ratio.map(|(_, r)| r),
                rules_out_halving: ratio.is_some_and(|(_, r)| r.low > 0.5),
                finding,
            })
        }
        _ => None,
    };
    let smoothness = pairs.iter().find_map(|&(lr, si, ii)| {
        let rises = cells[si].runs.iter().chain(&cells[ii].runs);
        if !rises.clone().any(|r| r.rise_share > 0.0) {
            return None;
        }
        let difference = paired(cells, (si, ii), |r| {
            r.diverged_at.is_none().then_some(r.rise_share)
        })?;
        Some(SmoothnessVerdict {
            learning_rate: lr,
            shared_cell: si,
            independent_cell: ii,
            finding: Comparison::of(&difference),
            difference,
        })
    });
    Q2Verdicts {
        speed,
        attainable_loss,
        stability,
        smoothness,
    }
}

#[cfg(test)]
mod tests;
