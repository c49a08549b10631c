//! Question 2: the gradient check and the convergence comparison.

use std::fmt::Write as _;

use experiments::Q2;
use experiments::verdicts::Comparison;

use super::*;
use crate::figures::q2_figure_name;

pub(super) fn write(w: &mut Writer, r: &Results) {
    let q = &r.q2;
    const F: &str = files::Q2;
    w.raw("## Question 2: one bias shared by both layers");
    w.raw(
        r"With $Z_1 = XW + \mathbf{1}b$, $H = g(Z_1)$, $Z_2 = HU + \mathbf{1}b$ and $\hat{Y} = \operatorname{softmax}(Z_2)$,
$b$ reaches the loss directly through $Z_2$ and through the hidden layer, and the chain rule adds both paths:

$$
\frac{\partial L}{\partial b} = \mathbf{1}^\top(\delta_1 + \delta_2),
\qquad
\delta_2 = \tfrac{1}{n}(\hat{Y} - Y),
\qquad
\delta_1 = (\delta_2 U^\top) \odot g'(Z_1),
$$

which is $\text{grad}(b_1) + \text{grad}(b_2)$ of the two-bias network at $b_1 = b_2 = b$. Sharing is that network held
to $b_1 = b_2$, stepping twice as far along the bias: it cannot lower the best attainable loss, and may lower the
largest stable learning rate, by at most half near a minimum (Appendix A).",
    );
    let err = w.sci(q.grad_check.max_rel_error, F, "/grad_check/max_rel_error");
    w.para(format!(
        "Computed four ways at initialisation (by hand, by the tape, by finite differences and as the two-bias \
         sum; @tab:grad-check), the gradient's largest relative difference from the hand-written one is {err}."
    ));

    w.raw("### Does sharing change convergence?");
    method(w, q);
    w.table(
        "Shared (S) against independent (I) bias at each learning rate, over seeds; the full table is in Appendix B {#tab:q2-summary}",
        &summary_table(q),
    );
    for paragraph in findings(w, q) {
        w.para(paragraph);
    }
    let base = q.base_rate;
    if has_curve(q, base) {
        let lr = q.rates[base];
        w.figure(
            &q2_figure_name(lr),
            &format!("Training loss, shared against independent bias, learning rate {lr}"),
        );
    }
    w.figure(
        "q2_attainable_loss",
        "Lowest training loss reached per learning rate, mean over seeds",
    );
}

/// Question 2's tables and figures the text cites but does not need: the gradient check
/// per component, every cell, and the loss curves at the other rates.
pub(super) fn appendix(w: &mut Writer, r: &Results) {
    let q = &r.q2;
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
        "Question 2: the shared bias's gradient at initialisation on the training split, computed four ways {#tab:grad-check}",
        &t,
    );
    let mut t = String::from(
        "| bias | learning rate | stable seeds | diverged seeds | converged seeds | lowest loss reached (mean, 95 % interval) | share of the judged iterations with a loss rise (mean) | seeds reaching target | iterations to target (mean of those) | validation accuracy |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
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
        "Question 2: shared against independent bias at each learning rate, over seeds; the lowest loss reached is an attainable loss only where every seed converged {#tab:q2-grid}",
        &t,
    );
    for (k, &lr) in q.rates.iter().enumerate() {
        let refined = q.cells.iter().any(|c| c.rate == k && c.refined);
        if k != q.base_rate && !refined && has_curve(q, k) {
            w.figure(
                &q2_figure_name(lr),
                &format!(
                    "Question 2: training loss, shared against independent bias, learning rate {lr}"
                ),
            );
        }
    }
}

/// Whether some cell at the rate at position `rate` has a mean loss curve to draw (the
/// figures module draws one exactly then).
fn has_curve(q: &Q2, rate: usize) -> bool {
    q.cells.iter().any(|c| {
        c.rate == rate && c.loss_curve.iter().all(|v| v.is_finite()) && !c.loss_curve.is_empty()
    })
}

/// One row per learning rate, both modes side by side: stable and converged seeds, mean
/// iterations to the target, and the lowest loss reached.
fn summary_table(q: &Q2) -> String {
    let mut t = String::from(
        "| learning rate | stable seeds, S / I | converged, S / I | iterations to target, S / I | lowest loss, S / I |\n| ---: | ---: | ---: | ---: | ---: |\n",
    );
    for (k, &lr) in q.rates.iter().enumerate() {
        let cell = |mode: &str| q.cells.iter().find(|c| c.mode == mode && c.rate == k);
        let (s, i) = (cell("shared"), cell("independent"));
        let both = |f: &dyn Fn(&experiments::q2::Q2Cell) -> String| {
            format!("{} / {}", s.map_or("—".into(), f), i.map_or("—".into(), f))
        };
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} |",
            rate(lr),
            both(&|c| c.stable_seeds.to_string()),
            both(&|c| c.converged_seeds.to_string()),
            both(&|c| c
                .iterations_to_target_mean
                .map_or("—".into(), |v| fmt(v, 0))),
            both(&|c| c.attainable_loss.map_or("—".into(), |i| fmt(i.mean, 4))),
        );
    }
    t
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
    format!("{mean} ({low} to {high}, {n} paired seeds)")
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
        format!("no rates were needed at the stability edges for neighbours within a factor {res}")
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
            "rates {} were added at the stability edges for neighbours within a factor {res}",
            list.join(", ")
        )
    };
    let base = quote_rate(w, c.base_learning_rate, "/config/base_learning_rate");
    let min2 = w.num(c.min_iterations as f64, 0, F, "/config/min_iterations");
    let precision = precision_sentence(c.precision);
    w.para(format!(
        "Both networks train by full-batch gradient descent from the same {seeds} initialisations (pairs), at \
         each rate of a grid; {added}. A run is stable when, over its first {min} iterations, it does not \
         diverge, ends below its initial loss and rises in at most {rise} of them; a stable run goes on until its \
         lowest loss improves by less than {tol} over {window} iterations (converged) or {max} iterations. The \
         speed target, {target}, is the worse of the two networks' mean losses after {min2} iterations at rate \
         {base}, plus one per cent: a loss both reach, so the iterations to it say which gets there first. \
         Differences are shared minus independent, paired by seed. {precision}"
    ));
}

/// How the training passes compute, from the record, in words (the prose's numbers are all
/// quoted from the records, and `f32` would read as one).
fn precision_sentence(precision: models::Precision) -> &'static str {
    match precision {
        models::Precision::F32 => {
            "The training passes compute in single precision while the weights and their updates stay in \
             double precision; each run's last loss, the validation accuracy and the gradient check are \
             measured in double precision."
        }
        models::Precision::F64 => "The training passes compute in double precision.",
    }
}

/// The verdict paragraphs, each a plain sentence worded from its typed verdict, then the
/// interval it was drawn from.
fn findings(w: &mut Writer, q: &Q2) -> Vec<String> {
    const F: &str = files::Q2;
    let v = &q.verdicts;
    let mut out = Vec::new();
    out.push(match &v.speed {
        Some(sp) => {
            let lr = quote_rate(w, sp.learning_rate, "/verdicts/speed/learning_rate");
            let d = quote_interval(w, &sp.difference, 1, "/verdicts/speed/difference");
            let verdict = match sp.finding {
                Comparison::Worse => "Sharing slows convergence",
                Comparison::Better => "Sharing speeds convergence",
                _ => "No difference in speed is detected",
            };
            format!(
                "**Speed.** {verdict}: at rate {lr}, the smallest where every seed of both reaches the target, the \
                 iterations to it differ by {d}."
            )
        }
        None => "**Speed** is not compared: at no learning rate did every seed of both networks reach the target."
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
                    let d = quote_interval(w, &r.difference, 5, &format!("{p}/difference"));
                    format!("{d} at learning rate {lr}")
                })
                .collect();
            let verdict = match loss.finding {
                Comparison::Worse => {
                    "The shared bias ends higher, consistent with the derivation (sharing cannot lower the best \
                     attainable loss) without confirming it, since only a lower shared loss could contradict it"
                }
                Comparison::Better => {
                    "The shared bias ends lower, which contradicts the derivation's expectation (the networks \
                     are not convex, so runs may settle in different minima)"
                }
                Comparison::Mixed => "The shared bias ends higher at some rates and lower at others",
                Comparison::NotDetected => {
                    "No difference in attainable loss is detected, consistent with the derivation (sharing cannot \
                     lower it) without confirming it"
                }
            };
            format!(
                "**Attainable loss.** {verdict}: where every run of both converged and stayed stable, the lowest \
                 losses differ by {}.",
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
                "**Attainable loss** is not compared: at no learning rate did every run of both networks converge \
                 within {max} iterations and stay stable, so the lowest losses reached say where the runs stopped, \
                 not where they would settle."
            )
        }
    });
    if let Some(st) = &v.stability {
        let p = "/verdicts/stability";
        let s = quote_rate(w, st.shared, format!("{p}/shared"));
        let i = quote_rate(w, st.independent, format!("{p}/independent"));
        let resolution = match st.resolution {
            Some(r) if st.resolves_factor_two => format!(
                "on a grid fine enough to see a halving, neighbours within a factor {}",
                w.num(r, 2, F, format!("{p}/resolution"))
            ),
            Some(r) => format!(
                "on a grid too coarse to see a halving, neighbours a factor {} apart",
                w.num(r, 2, F, format!("{p}/resolution"))
            ),
            None => "with an edge beyond the grid, so a halving may go unseen".to_string(),
        };
        let text = match &st.seed_ratio {
            Some(ratio) => {
                let [mean, low, high] = w.interval_ends(
                    ratio,
                    F,
                    &format!("{p}/seed_ratio"),
                    |w, v, f, p| w.num(v, 2, f, p),
                );
                let n = w.num(ratio.n as f64, 0, F, format!("{p}/seed_ratio/n"));
                let verdict = match st.finding {
                    Comparison::Worse => "Sharing lowers the largest stable learning rate",
                    Comparison::Better => {
                        "Sharing raises the largest stable learning rate, which the derivation does not predict"
                    }
                    _ => "No difference in the largest stable learning rate is detected",
                };
                let halving = if st.rules_out_halving {
                    "so a halving, the most the derivation allows, is ruled out"
                } else {
                    "so a halving, the most the derivation allows, is not ruled out"
                };
                format!(
                    "**Stability.** {verdict}: seed by seed, the shared network's largest stable rate is {mean} \
                     times the independent one's ({low} to {high}, {n} paired seeds), {halving}."
                )
            }
            None => "**Stability** is not compared seed by seed: some seed is stable at every rate tried in one \
                     network, or at none, so its own edge is not located."
                .to_string(),
        };
        out.push(format!(
            "{text} (Pooled, every seed is stable up to rate {s} shared and {i} independent, {resolution}.)"
        ));
    }
    if let Some(sm) = &v.smoothness {
        let p = "/verdicts/smoothness";
        let lr = quote_rate(w, sm.learning_rate, format!("{p}/learning_rate"));
        let d = quote_interval(w, &sm.difference, 3, &format!("{p}/difference"));
        let verdict = match sm.finding {
            Comparison::Worse => "Sharing makes the descent less smooth",
            Comparison::Better => "Sharing makes the descent smoother",
            _ => "No difference in smoothness is detected",
        };
        out.push(format!(
            "**Smoothness.** {verdict}: at rate {lr}, the smallest where a loss rises and none diverges, the \
             share of rising iterations differs by {d}."
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
            rates: vec![0.1, 0.3, 0.448, 0.669, 1.0],
            base_rate: 0,
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
                    rules_out_halving: true,
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
        assert!(detected.contains("Sharing slows convergence"), "{detected}");
        assert!(detected.contains("differ by 40.0 (30.0 to 50.0, 10 paired seeds)"));
        assert!(detected.contains("The shared bias ends higher"));
        assert!(detected.contains("consistent with the derivation"));
        assert!(detected.contains("without confirming it"));
        assert!(detected.starts_with("**Speed.**"));
        assert!(!detected.contains("No difference in speed is detected"));
        assert!(quotes.iter().any(|q| q.pointer
            == "/verdicts/attainable_loss/rates/0/difference/low"
            && q.value == 0.01 - 0.004));

        let (not_detected, _) = text(&record(interval(5.0, 30.0), interval(0.003, 0.008)));
        assert!(not_detected.contains("No difference in speed is detected"));
        assert!(not_detected.contains("differ by 5.0 (-25.0 to 35.0"));
        assert!(not_detected.contains("No difference in attainable loss is detected"));
        assert!(!not_detected.contains("slows"));
        assert_ne!(detected, not_detected);

        let (lower, _) = text(&record(interval(-40.0, 10.0), interval(-0.01, 0.004)));
        assert!(lower.contains("Sharing speeds convergence"));
        assert!(lower.contains("contradicts the derivation"));

        // Without converged pairs there is no loss comparison, and the text says so; the
        // word "attainable" then names only what is not compared.
        let mut open = record(interval(40.0, 10.0), interval(0.01, 0.004));
        open.verdicts.attainable_loss = None;
        open.verdicts.speed = None;
        let (open, _) = text(&open);
        assert!(
            open.contains("**Attainable loss** is not compared"),
            "{open}"
        );
        assert!(open.contains("not where they would settle"));
        assert!(open.contains("**Speed** is not compared"));
    }

    #[test]
    fn the_stability_wording_follows_the_seed_by_seed_ratio() {
        let mut q = record(interval(40.0, 10.0), interval(0.01, 0.004));
        let (undetected, _) = text(&q);
        assert!(
            undetected
                .contains("largest stable rate is 0.80 times the independent one's (0.60 to 1.10")
        );
        assert!(
            undetected.contains("No difference in the largest stable learning rate is detected")
        );
        assert!(undetected.contains("so a halving, the most the derivation allows, is ruled out"));
        assert!(undetected.contains("(Pooled, every seed is stable up to rate"));
        let st = q.verdicts.stability.as_mut().unwrap();
        st.seed_ratio = Some(Interval {
            mean: 0.7,
            low: 0.45,
            high: 0.8,
            n: 10,
        });
        st.rules_out_halving = false;
        st.finding = Comparison::Worse;
        let (lower, quotes) = text(&q);
        assert!(lower.contains("Sharing lowers the largest stable learning rate"));
        assert!(lower.contains("is not ruled out"));
        assert!(
            quotes
                .iter()
                .any(|q| q.pointer == "/verdicts/stability/seed_ratio/high" && q.value == 0.8)
        );
        q.verdicts.stability.as_mut().unwrap().seed_ratio = None;
        q.verdicts.stability.as_mut().unwrap().finding = Comparison::NotDetected;
        let (none, _) = text(&q);
        assert!(none.contains("**Stability** is not compared seed by seed"));
        assert!(!none.contains("Sharing lowers"));
    }

    #[test]
    fn learning_rates_read_to_three_significant_digits() {
        assert_eq!(rate(0.448_140_474_655_716_4), "0.448");
        assert_eq!(rate(0.03), "0.03");
        assert_eq!(rate(10.0), "10");
        assert_eq!(rate(1.442_249_570_307_408), "1.44");
    }
}
