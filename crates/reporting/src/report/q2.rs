//! Question 2: the gradient check and the convergence comparison.

use std::fmt::Write as _;

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
    let target = w.num(q.loss_target, 4, F, "/loss_target");
    let seeds = w.num(q.config.seeds as f64, 0, F, "/config/seeds");
    let iters = w.num(q.config.iterations as f64, 0, F, "/config/iterations");
    w.para(format!(
        "Both networks are trained by full-batch gradient descent for {iters} iterations from {seeds} seeds at each \
         learning rate. The loss target is {target}."
    ));
    let mut t = String::from(
        "| bias | learning rate | stable | diverged seeds | final loss (mean ± sd) | seeds reaching target | iterations to target (mean of those) | iterations with a loss rise (mean) | validation accuracy |\n| --- | ---: | :---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for c in &q.cells {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} ± {} | {} of {} | {} | {} | {} |",
            c.mode,
            c.learning_rate,
            if c.stable { "yes" } else { "**no**" },
            c.diverged_seeds,
            fmt(c.final_loss_mean, 4),
            fmt(c.final_loss_sd, 4),
            c.seeds_reaching_target,
            c.iterations_to_target.len(),
            c.iterations_to_target_mean
                .map_or("not reached".into(), |v| fmt(v, 1)),
            fmt(c.loss_increases_mean, 1),
            pct_cell(c.val_acc_mean)
        );
    }
    w.table(
        "Shared against independent bias at each learning rate, over seeds {#tab:q2-grid}",
        &t,
    );
    let base = w.num(
        q.config.base_learning_rate,
        2,
        F,
        "/config/base_learning_rate",
    );
    let sl = w.num(q.shared.final_loss, 4, F, "/shared/final_loss");
    let il = w.num(q.independent.final_loss, 4, F, "/independent/final_loss");
    let v = &q.verdicts;
    let speed = match &v.speed {
        Some(sp) => {
            let (si, ii) = (sp.shared_cell, sp.independent_cell);
            let lr = w.num(sp.learning_rate, 2, F, format!("/cells/{si}/learning_rate"));
            let sq = w.num(
                sp.shared_iterations,
                1,
                F,
                format!("/cells/{si}/iterations_to_target_mean"),
            );
            let iq = w.num(
                sp.independent_iterations,
                1,
                F,
                format!("/cells/{ii}/iterations_to_target_mean"),
            );
            let verdict = match sp.finding {
                Comparison::Worse => "sharing slows convergence",
                Comparison::Better => "sharing speeds convergence",
                Comparison::Same => "sharing barely changes the speed",
            };
            format!(
                " At learning rate {lr}, the smallest where every seed of both networks reaches the target, the \
                 shared network needs {sq} iterations on average and the independent one {iq}: {verdict}."
            )
        }
        None => {
            " At no learning rate did every seed of both networks reach the target.".to_string()
        }
    };
    let best = match (
        &v.attainable_loss,
        q.shared.best_learning_rate,
        q.independent.best_learning_rate,
    ) {
        (Some(loss), Some(slr), Some(ilr)) => {
            let sl = w.num(q.shared.best_final_loss, 4, F, "/shared/best_final_loss");
            let slr = w.num(slr, 2, F, "/shared/best_learning_rate");
            let il = w.num(
                q.independent.best_final_loss,
                4,
                F,
                "/independent/best_final_loss",
            );
            let ilr = w.num(ilr, 2, F, "/independent/best_learning_rate");
            let verdict = if loss.finding == Comparison::Worse {
                "tying the two biases together costs a little attainable loss, as the derivation predicts"
            } else {
                "the constraint costs no attainable loss here"
            };
            format!(
                " The lowest final loss over the learning rates is {sl} with the shared bias (at {slr}) and {il} with \
                 independent biases (at {ilr}): {verdict}."
            )
        }
        _ => String::new(),
    };
    let stability = match &v.stability {
        Some(st) => {
            let sq = w.num(st.shared, 2, F, "/shared/largest_stable_learning_rate");
            let iq = w.num(
                st.independent,
                2,
                F,
                "/independent/largest_stable_learning_rate",
            );
            let verdict = match st.finding {
                Comparison::Worse => "sharing makes training less stable",
                Comparison::Better => "sharing makes training more stable",
                Comparison::Same => "sharing does not change stability within the grid",
            };
            format!(
                " The largest stable learning rate tried is {sq} with a shared bias and {iq} with independent ones: {verdict}."
            )
        }
        _ => String::new(),
    };
    // Where oscillation sets in: the smallest learning rate at which both are stable and
    // either one's loss ever rises.
    let smooth = match &v.smoothness {
        Some(sm) => {
            let (si, ii) = (sm.shared_cell, sm.independent_cell);
            let lr = w.num(sm.learning_rate, 2, F, format!("/cells/{si}/learning_rate"));
            let sq = w.num(
                sm.shared_rises,
                1,
                F,
                format!("/cells/{si}/loss_increases_mean"),
            );
            let iq = w.num(
                sm.independent_rises,
                1,
                F,
                format!("/cells/{ii}/loss_increases_mean"),
            );
            let verdict = match sm.finding {
                Comparison::Worse => {
                    "sharing makes the descent less smooth, as the added curvature of the shared bias predicts"
                }
                Comparison::Better => "sharing makes the descent smoother",
                Comparison::Same => "both descend about as smoothly",
            };
            format!(
                " Oscillation sets in at learning rate {lr}: there the training loss rose in {sq} \
                 iterations per run on average with the shared bias and {iq} with independent biases: {verdict}."
            )
        }
        None => String::new(),
    };
    w.para(format!(
        "At learning rate {base} the final training loss is {sl} with the shared bias and {il} with independent biases (@tab:q2-grid, @fig:q2_final_loss).{speed}{best}{stability}{smooth}"
    ));
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
    w.figure("q2_final_loss", "Final training loss per learning rate");
}
