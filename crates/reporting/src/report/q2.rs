//! Question 2: the gradient check and the convergence comparison.

use std::fmt::Write as _;

use experiments::Q2;
use experiments::verdicts::Comparison;

use super::*;
use crate::figures::q2_figure_name;

pub(super) fn write(w: &mut Writer, r: &Results, derivation: &str) {
    let q = &r.q2;
    const F: &str = files::Q2;
    w.raw("## Question 2: one bias shared by both layers");
    w.raw(derivation);
    w.raw("### The gradient check at initialisation");
    let mut t = String::from(
        "| component | hand-written | tape | finite differences | twin: dL/db1 + dL/db2 |\n| ---: | ---: | ---: | ---: | ---: |\n",
    );
    let g = &q.grad_check;
    for j in 0..g.hand.len() {
        let _ = writeln!(
            t,
            "| {j} | {:.10} | {:.10} | {:.10} | {:.10} |",
            g.hand[j], g.tape[j], g.finite_difference[j], g.twin_sum[j]
        );
    }
    w.table(
        "The shared bias's gradient at initialisation, computed four ways {#tab:grad-check}",
        &t,
    );
    let err = w.sci(g.max_rel_error, F, "/grad_check/max_rel_error");
    w.para(format!(
        "The largest relative difference between the hand-written gradient and the other three is {err} (@tab:grad-check)."
    ));

    w.raw("### Does sharing change convergence?");
    method(w, q);
    let mut t = String::from(
        "| bias | learning rate | stable seeds | diverged seeds | converged seeds | attainable loss (mean, 95 % interval) | share of the judged iterations with a loss rise (mean) | seeds reaching target | iterations to target (mean of those) | validation accuracy |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for c in &q.cells {
        let n = c.runs.len();
        let _ = writeln!(
            t,
            "| {} | {}{} | {} of {n} | {} | {} | {} | {} | {} of {n} | {} | {} |",
            c.mode,
            rate(c.learning_rate),
            if c.refined { " (added)" } else { "" },
            if c.stable {
                c.stable_seeds.to_string()
            } else {
                format!("**{}**", c.stable_seeds)
            },
            c.diverged_seeds,
            c.converged_seeds,
            c.attainable_loss.map_or("—".into(), |i| format!(
                "{} ({} to {})",
                fmt(i.mean, 4),
                fmt(i.low, 4),
                fmt(i.high, 4)
            )),
            pct_cell(c.rise_share_mean),
            c.seeds_reaching_target,
            c.iterations_to_target_mean
                .map_or("not reached".into(), |v| fmt(v, 1)),
            pct_cell(c.val_acc_mean)
        );
    }
    w.table(
        "Shared against independent bias at each learning rate, over seeds {#tab:q2-grid}",
        &t,
    );
    for paragraph in findings(w, q) {
        w.para(paragraph);
    }
    for &lr in &q.config.learning_rates {
        if q.cells.iter().any(|c| {
            c.learning_rate == lr
                && c.loss_curve.iter().all(|v| v.is_finite())
                && !c.loss_curve.is_empty()
        }) {
            w.figure(
                &q2_figure_name(lr),
                &format!("Training loss, shared against independent bias, learning rate {lr}"),
            );
        }
    }
    w.figure(
        "q2_attainable_loss",
        "Attainable training loss per learning rate",
    );
}

/// A learning rate to three significant digits, without trailing zeros (`0.448`, `10`).
fn rate(lr: f64) -> String {
    let decimals = (2 - lr.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{lr:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A learning rate quoted from the record, written as [`rate`] writes it.
fn quote_rate(w: &mut Writer, lr: f64, pointer: impl Into<String>) -> String {
    w.quote(rate(lr), lr, files::Q2, pointer)
}

/// An interval quoted from the record: `mean (95 % interval low to high, n seeds)`.
fn quote_interval(
    w: &mut Writer,
    i: &experiments::interval::Interval,
    decimals: usize,
    pointer: &str,
) -> String {
    let f = files::Q2;
    let [mean, low, high] = w.interval_ends(i, f, pointer, |w, v, f, p| w.num(v, decimals, f, p));
    let n = w.num(i.n as f64, 0, f, format!("{pointer}/n"));
    format!("{mean} (ninety-five per cent interval {low} to {high}, {n} paired seeds)")
}

/// How the runs were made and judged.
fn method(w: &mut Writer, q: &Q2) {
    const F: &str = files::Q2;
    let c = &q.config;
    let seeds = w.num(c.seeds as f64, 0, F, "/config/seeds");
    let min = w.num(c.min_iterations as f64, 0, F, "/config/min_iterations");
    let max = w.num(c.max_iterations as f64, 0, F, "/config/max_iterations");
    let window = w.num(
        c.convergence_window as f64,
        0,
        F,
        "/config/convergence_window",
    );
    let tol = w.pct(c.convergence_tolerance, F, "/config/convergence_tolerance");
    let rise = w.pct(c.max_rise_share, F, "/config/max_rise_share");
    let res = w.num(c.edge_resolution, 2, F, "/config/edge_resolution");
    let target = w.num(q.loss_target, 4, F, "/loss_target");
    let added = if q.refined_learning_rates.is_empty() {
        format!(
            "No rates had to be added around the stability edges: neighbouring rates there already differ by at \
             most a factor {res}, or no edge lies inside the grid."
        )
    } else {
        let list: Vec<String> = (0..q.refined_learning_rates.len())
            .map(|i| {
                quote_rate(
                    w,
                    q.refined_learning_rates[i],
                    format!("/refined_learning_rates/{i}"),
                )
            })
            .collect();
        format!(
            "Around each network's stability edge, rates were added ({}) so that neighbouring rates there differ \
             by at most a factor {res}.",
            list.join(", ")
        )
    };
    w.para(format!(
        "Both networks are trained by full-batch gradient descent from the same {seeds} initialisations (seed by \
         seed, both start from the same weights, so their runs are pairs) at each learning rate of the grid. \
         {added} Every run trains {min} iterations, on which its stability is judged: it is stable when it \
         does not diverge, ends them below its initial loss, and its loss rose in at most {rise} of them, so \
         oscillation counts as instability. An unstable run stops there; a stable one goes on until its lowest \
         loss has improved by less than {tol} over the last {window} iterations (it has converged) or until {max} \
         iterations (it has not). Differences are shared minus \
         independent, paired by seed, with ninety-five per cent Student-t intervals; an interval that contains zero means no \
         difference was detected, not that there is none. The loss target for the speed comparison is {target}."
    ));
}

/// The verdict paragraphs, each worded from its typed verdict and quoting its interval.
fn findings(w: &mut Writer, q: &Q2) -> Vec<String> {
    const F: &str = files::Q2;
    let v = &q.verdicts;
    let mut out = Vec::new();
    let base = quote_rate(w, q.config.base_learning_rate, "/config/base_learning_rate");
    let sl = w.num(q.shared.final_loss, 4, F, "/shared/final_loss");
    let il = w.num(q.independent.final_loss, 4, F, "/independent/final_loss");
    let converged = |w: &mut Writer, mode: &str| {
        q.cells
            .iter()
            .position(|c| c.mode == mode && c.learning_rate == q.config.base_learning_rate)
            .map(|k| {
                let c = &q.cells[k];
                let done = w.num(
                    c.converged_seeds as f64,
                    0,
                    F,
                    format!("/cells/{k}/converged_seeds"),
                );
                let n = w.num(c.runs.len() as f64, 0, F, "/config/seeds");
                format!("{done} of {n}")
            })
    };
    let caveat = match (converged(w, "shared"), converged(w, "independent")) {
        (Some(s), Some(i)) => format!(
            " Runs there stop at convergence or at the cap ({s} shared and {i} independent runs converged), so \
             these means describe where the runs stopped; they are not a comparison, which the paired intervals \
             below make."
        ),
        _ => String::new(),
    };
    out.push(format!(
        "At learning rate {base} the mean final training loss is {sl} with the shared bias and {il} with \
         independent biases (@tab:q2-grid, @fig:q2_attainable_loss).{caveat}"
    ));
    out.push(match &v.speed {
        Some(sp) => {
            let lr = quote_rate(w, sp.learning_rate, "/verdicts/speed/learning_rate");
            let d = quote_interval(w, &sp.difference, 1, "/verdicts/speed/difference");
            let verdict = match sp.finding {
                Comparison::Worse => "the shared network needs more iterations: sharing slows convergence",
                Comparison::Better => "the shared network needs fewer iterations: sharing speeds convergence",
                _ => "no difference in speed detected",
            };
            format!(
                "Speed: at learning rate {lr}, the smallest where every seed of both networks reaches the target, \
                 the iterations to the target differ by {d}: {verdict}."
            )
        }
        None => "Speed: at no learning rate did every seed of both networks reach the target, so speed is not \
                 compared."
            .to_string(),
    });
    out.push(match &v.attainable_loss {
        Some(loss) => {
            let rates: Vec<String> = loss
                .rates
                .iter()
                .enumerate()
                .map(|(k, r)| {
                    let p = format!("/verdicts/attainable_loss/rates/{k}");
                    let lr = quote_rate(w, r.learning_rate, format!("{p}/learning_rate"));
                    let d = quote_interval(w, &r.difference, 4, &format!("{p}/difference"));
                    format!("{d} at learning rate {lr}")
                })
                .collect();
            let verdict = match loss.finding {
                Comparison::Worse => {
                    "the shared bias ends higher at the same rate (at least once, and never lower). This is \
                     consistent with the derivation, which predicts only that sharing cannot lower the best \
                     attainable loss (shared ≥ independent); it is not a confirmation, since no outcome but a \
                     reliably lower shared loss could have contradicted that prediction"
                }
                Comparison::Better => {
                    "the shared bias ends lower at the same rate (at least once, and never higher). This contradicts \
                     the derivation's expectation that independent biases reach an equal or lower loss given \
                     enough iterations (the networks are not convex, so runs may settle in different minima)"
                }
                Comparison::Mixed => {
                    "the shared bias ends higher at some rates and lower at others: no consistent effect"
                }
                Comparison::NotDetected => {
                    "no difference in attainable loss detected. This is consistent with the derivation, which \
                     predicts only shared ≥ independent, and it is not a confirmation: only a reliably lower \
                     shared loss (an interval wholly below zero) would have contradicted it"
                }
            };
            format!(
                "Attainable loss, the lowest training loss a run reaches, compared at the same learning rate and \
                 only where every run of both networks converged and stayed stable: shared minus independent is {}; \
                 {verdict}.",
                rates.join("; ")
            )
        }
        None => {
            let max = w.num(
                q.config.max_iterations as f64,
                0,
                F,
                "/config/max_iterations",
            );
            format!(
                "Attainable loss: at no learning rate did every run of both networks converge within {max} \
                 iterations and stay stable, so attainable loss is not compared."
            )
        }
    });
    if let Some(st) = &v.stability {
        let p = "/verdicts/stability";
        let edge = |w: &mut Writer, at: f64, next: Option<f64>, name: &str| {
            let at = quote_rate(w, at, format!("{p}/{name}"));
            match next {
                Some(n) => {
                    let n = quote_rate(w, n, format!("{p}/{name}_unstable"));
                    format!("{at} (the next rate tried, {n}, is not stable)")
                }
                None => format!("{at} (the largest rate tried, so only a lower bound)"),
            }
        };
        let s = edge(w, st.shared, st.shared_unstable, "shared");
        let i = edge(w, st.independent, st.independent_unstable, "independent");
        let resolution = match st.resolution {
            Some(r) if st.resolves_factor_two => format!(
                "the edges are located to within a factor {}, fine enough to resolve a change by a factor of two",
                w.num(r, 2, F, format!("{p}/resolution"))
            ),
            Some(r) => format!(
                "the edges are located only to within a factor {}, too coarse to resolve a change by a factor of two",
                w.num(r, 2, F, format!("{p}/resolution"))
            ),
            None => "at least one edge lies beyond the grid, so a change by a factor of two may go unseen"
                .to_string(),
        };
        let seeds = match &st.seed_ratio {
            Some(ratio) => {
                let [mean, low, high] = w.interval_ends(
                    ratio,
                    F,
                    &format!("{p}/seed_ratio"),
                    |w, v, f, p| w.num(v, 2, f, p),
                );
                let n = w.num(ratio.n as f64, 0, F, format!("{p}/seed_ratio/n"));
                let verdict = match st.finding {
                    Comparison::Worse => {
                        "sharing lowers the largest stable learning rate, a direction the derivation allows (it \
                         bounds the change at a factor two near a minimum)"
                    }
                    Comparison::Better => {
                        "sharing raises the largest stable learning rate, which the derivation does not predict"
                    }
                    _ => "no difference in the largest stable learning rate detected",
                };
                format!(
                    "Seed by seed, each network's own largest stable rate, shared over independent, has a geometric \
                     mean ratio of {mean} (ninety-five per cent interval {low} to {high}, {n} paired seeds): {verdict}."
                )
            }
            None => "Some seed is stable at every rate tried in one network (or at none), so its own edge is not \
                     located and the edges are not compared seed by seed: no verdict on stability is drawn."
                .to_string(),
        };
        out.push(format!(
            "Stability: the largest learning rate at and below which every rate tried is stable for every seed \
             is {s} with the shared bias and {i} with independent biases; {resolution}. Those pooled edges move \
             with a single seed's run, so they decide nothing alone. {seeds}"
        ));
    }
    if let Some(sm) = &v.smoothness {
        let p = "/verdicts/smoothness";
        let lr = quote_rate(w, sm.learning_rate, format!("{p}/learning_rate"));
        let d = quote_interval(w, &sm.difference, 3, &format!("{p}/difference"));
        let verdict = match sm.finding {
            Comparison::Worse => "sharing makes the descent less smooth",
            Comparison::Better => "sharing makes the descent smoother",
            _ => "no difference in smoothness detected",
        };
        out.push(format!(
            "Smoothness: at learning rate {lr}, the smallest where a loss rises and no run diverged, the share of \
             iterations whose loss rose differs by {d}: {verdict}."
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use experiments::interval::Interval;
    use experiments::q2::{GradCheck, Q2Config, Q2Headline};
    use experiments::verdicts::{
        LossAtRate, LossVerdict, Q2Verdicts, SpeedVerdict, StabilityVerdict,
    };

    use super::*;

    fn headline(final_loss: f64) -> Q2Headline {
        Q2Headline {
            final_loss,
            val_acc: 0.8,
            iterations_to_target: Some(300.0),
            seeds_reaching_target: 10,
            largest_stable_learning_rate: Some(0.45),
            first_unstable_learning_rate: Some(0.67),
        }
    }

    fn interval(mean: f64, half: f64) -> Interval {
        Interval {
            mean,
            low: mean - half,
            high: mean + half,
            n: 10,
        }
    }

    /// A hand-made record whose verdicts are drawn from these differences.
    fn record(speed: Interval, loss: Interval) -> Q2 {
        let of = |i: &Interval| match i.direction() {
            experiments::interval::Direction::Higher => Comparison::Worse,
            experiments::interval::Direction::Lower => Comparison::Better,
            experiments::interval::Direction::NotDetected => Comparison::NotDetected,
        };
        Q2 {
            config: Q2Config::default(),
            loss_target: 0.45,
            refined_learning_rates: vec![0.448, 0.669],
            cells: vec![],
            shared: headline(0.41),
            independent: headline(0.40),
            grad_check: GradCheck {
                hand: vec![],
                tape: vec![],
                finite_difference: vec![],
                twin_sum: vec![],
                max_rel_error: 1e-9,
            },
            verdicts: Q2Verdicts {
                speed: Some(SpeedVerdict {
                    learning_rate: 0.1,
                    shared_cell: 1,
                    independent_cell: 9,
                    difference: speed,
                    finding: of(&speed),
                }),
                attainable_loss: Some(LossVerdict {
                    rates: vec![LossAtRate {
                        learning_rate: 0.3,
                        shared_cell: 2,
                        independent_cell: 10,
                        difference: loss,
                        finding: of(&loss),
                    }],
                    finding: of(&loss),
                }),
                stability: Some(StabilityVerdict {
                    shared: 0.45,
                    shared_unstable: Some(0.669),
                    independent: 0.45,
                    independent_unstable: Some(0.669),
                    resolution: Some(0.669 / 0.45),
                    resolves_factor_two: true,
                    seed_ratio: Some(Interval {
                        mean: 0.8,
                        low: 0.6,
                        high: 1.1,
                        n: 10,
                    }),
                    finding: Comparison::NotDetected,
                }),
                smoothness: None,
            },
        }
    }

    fn text(q: &Q2) -> (String, Vec<Quote>) {
        let mut w = Writer::default();
        let paragraphs = findings(&mut w, q);
        let (_, quotes, _) = w.finish();
        (paragraphs.join("\n").replace([OPEN, CLOSE], ""), quotes)
    }

    #[test]
    fn the_wording_follows_the_measured_differences() {
        let (detected, quotes) = text(&record(interval(40.0, 10.0), interval(0.01, 0.004)));
        assert!(detected.contains("sharing slows convergence"), "{detected}");
        assert!(detected.contains(
            "differ by 40.0 (ninety-five per cent interval 30.0 to 50.0, 10 paired seeds)"
        ));
        assert!(detected.contains("the shared bias ends higher"));
        assert!(detected.contains("consistent with the derivation"));
        assert!(detected.contains("not a confirmation"));
        assert!(!detected.contains("no difference in speed detected"));
        assert!(quotes.iter().any(|q| q.pointer
            == "/verdicts/attainable_loss/rates/0/difference/low"
            && q.value == 0.01 - 0.004));

        let (not_detected, _) = text(&record(interval(5.0, 30.0), interval(0.003, 0.008)));
        assert!(not_detected.contains("no difference in speed detected"));
        assert!(
            not_detected.contains("differ by 5.0 (ninety-five per cent interval -25.0 to 35.0")
        );
        assert!(not_detected.contains("no difference in attainable loss detected"));
        assert!(!not_detected.contains("slows"));
        assert_ne!(detected, not_detected);

        let (lower, _) = text(&record(interval(-40.0, 10.0), interval(-0.01, 0.004)));
        assert!(lower.contains("sharing speeds convergence"));
        assert!(lower.contains("contradicts the derivation"));

        // Without converged pairs there is no loss comparison, and the text says so.
        let mut open = record(interval(40.0, 10.0), interval(0.01, 0.004));
        open.verdicts.attainable_loss = None;
        open.verdicts.speed = None;
        let (open, _) = text(&open);
        assert!(open.contains("attainable loss is not compared"));
        assert!(open.contains("speed is not compared"));
    }

    #[test]
    fn the_stability_wording_follows_the_seed_by_seed_ratio() {
        let mut q = record(interval(40.0, 10.0), interval(0.01, 0.004));
        let (undetected, _) = text(&q);
        assert!(
            undetected.contains(
                "geometric mean ratio of 0.80 (ninety-five per cent interval 0.60 to 1.10"
            )
        );
        assert!(undetected.contains("no difference in the largest stable learning rate detected"));
        assert!(undetected.contains("decide nothing alone"));
        let st = q.verdicts.stability.as_mut().unwrap();
        st.seed_ratio = Some(Interval {
            mean: 0.7,
            low: 0.6,
            high: 0.8,
            n: 10,
        });
        st.finding = Comparison::Worse;
        let (lower, quotes) = text(&q);
        assert!(lower.contains("sharing lowers the largest stable learning rate"));
        assert!(
            quotes
                .iter()
                .any(|q| q.pointer == "/verdicts/stability/seed_ratio/high" && q.value == 0.8)
        );
        q.verdicts.stability.as_mut().unwrap().seed_ratio = None;
        q.verdicts.stability.as_mut().unwrap().finding = Comparison::NotDetected;
        let (none, _) = text(&q);
        assert!(none.contains("no verdict on stability is drawn"));
        assert!(!none.contains("sharing lowers"));
    }

    #[test]
    fn learning_rates_read_to_three_significant_digits() {
        assert_eq!(rate(0.448_140_474_655_716_4), "0.448");
        assert_eq!(rate(0.03), "0.03");
        assert_eq!(rate(10.0), "10");
        assert_eq!(rate(1.442_249_570_307_408), "1.44");
    }
}
