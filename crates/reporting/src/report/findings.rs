//! The findings block that opens the report: one sentence per headline, each with its
//! number and a link to its section, phrased from the verdicts the records hold. On
//! another table the same block says what that run found.

use experiments::interval::Direction;
use experiments::part_d::MitigationKind;
use experiments::verdicts::{Attenuation, Collapse, Comparison, SigmoidProgress};

use super::*;

pub(super) fn write(w: &mut Writer, r: &Results) {
    w.raw("## Findings {.unnumbered}");
    let mut items = part_d(w, r);
    items.extend(part_b(w, r));
    items.extend(q2(w, r));
    w.bullets(items);
}

/// Part D's findings: the collapse against validation and the majority baseline, the root
/// cause with its strongest evidence, and the fix with what it recovers.
///
/// The seam with Part D's rewrite: these lines are phrased from today's Part D record; once
/// `report::part_d` phrases its findings itself (with the model's confidence on test), this
/// function becomes a call to it.
fn part_d(w: &mut Writer, r: &Results) -> Vec<String> {
    const F: &str = files::PART_D;
    let d = &r.part_d;
    let mut out = Vec::new();
    let val = w.pct(d.model.val_acc, F, "/model/val_acc");
    let test = w.pct(d.model.test_acc, F, "/model/test_acc");
    let baseline = d
        .mitigations
        .iter()
        .position(|m| m.name == MitigationKind::MajorityBaseline)
        .map(|i| {
            let acc = w.pct(
                d.mitigations[i].test_acc,
                F,
                format!("/mitigations/{i}/test_acc"),
            );
            format!(", where always predicting the most frequent class scores {acc}")
        })
        .unwrap_or_default();
    out.push(match d.verdicts.collapse.finding {
        Collapse::Collapse => format!(
            "**The model collapses on test.** Part C's network scores {val} on validation but {test} on the \
             held-out test set{baseline} (@sec:part-d)."
        ),
        Collapse::NoCollapse => format!(
            "**No collapse on test.** Part C's network scores {val} on validation and {test} on the held-out \
             test set{baseline} (@sec:part-d)."
        ),
        Collapse::TooFewRows => {
            let n = w.count(d.verdicts.collapse.test_rows, F, "/verdicts/collapse/test_rows");
            format!(
                "**Too few test rows to judge.** The test set has {n} rows; Part C's network scores {val} on \
                 validation and {test} on test (@sec:part-d)."
            )
        }
    });
    let culprit = d
        .root_cause
        .evidence
        .iter()
        .position(|e| Some(&e.shift.column) == d.root_cause.feature.as_ref());
    match culprit {
        Some(i) => {
            let e = &d.root_cause.evidence[i];
            let p = format!("/root_cause/evidence/{i}");
            let col = w.name(&e.shift.column);
            let share = w.pct(e.attribution_share, F, format!("{p}/attribution_share"));
            let drop = w.points(e.permutation_drop, F, format!("{p}/permutation_drop"));
            let rt = w.num(e.shift.relation_train, 3, F, format!("{p}/relation_train"));
            let rs = w.num(e.shift.relation_test, 3, F, format!("{p}/relation_test"));
            out.push(format!(
                "**Root cause: {col}.** The model leans on it most ({share} of the gradient attribution; shuffling \
                 it costs {drop}), and its {measure} with the label, {rt} in train, is {rs} in test: a shortcut \
                 the test set does not share (@sec:part-d).",
                measure = e.shift.measure.name()
            ));
        }
        None if d.verdicts.collapse.finding == Collapse::Collapse => out.push(
            "**No root cause named.** No column the model relies on changes its relation to the label between \
             train and test (@sec:part-d)."
                .to_string(),
        ),
        None => {}
    }
    if !d.root_cause.strong_features.is_empty() {
        let cols: Vec<String> = d
            .root_cause
            .strong_features
            .iter()
            .map(|c| w.name(c))
            .collect();
        out.push(format!(
            "**Strong, honest features: {}.** Each predicts the label on its own, and its relation to the label \
             holds on test: a finding about the data, not a fault (@sec:part-a).",
            cols.join(", ")
        ));
    }
    // A fix only where there is a collapse to fix.
    if let Some(v) = &d.verdicts.best_over_seeds
        && v.finding == Direction::Higher
        && d.verdicts.collapse.finding == Collapse::Collapse
    {
        let best = &d.mitigation_seeds[v.best];
        let what = match (best.name.as_str(), &d.root_cause.feature) {
            ("drop_root_cause", Some(column)) => format!("Retrained without {}", w.name(column)),
            (name, _) => format!("With `{name}`"),
        };
        let acc = best.test_acc_interval.map(|i| {
            w.pct(
                i.mean,
                F,
                format!("/mitigation_seeds/{}/test_acc_interval/mean", v.best),
            )
        });
        let n = w.count(
            best.seeds.len(),
            F,
            format!("/mitigation_seeds/{}/test_acc_interval/n", v.best),
        );
        let gain = points_interval(
            w,
            &v.over_original,
            F,
            "/verdicts/best_over_seeds/over_original",
        );
        let acc = acc.map_or_else(String::new, |a| format!(" scores {a} on test,"));
        out.push(format!(
            "**The fix.** {what}, the model{acc} {gain} above the original over {n} paired seeds \
             (@sec:part-d)."
        ));
    }
    out
}

/// Sigmoid against ReLU, and why sigmoid is slow; what the hidden layers add.
fn part_b(w: &mut Writer, r: &Results) -> Vec<String> {
    const F: &str = files::PART_B;
    let b = &r.part_b;
    let mut out = Vec::new();
    let v = &b.verdicts;
    if let Some(p) = &v.sigmoid_progress {
        const P: &str = "/verdicts/sigmoid_progress";
        let relu = w.pct(p.relu_val_acc.mean, F, format!("{P}/relu_val_acc/mean"));
        let sig = w.pct(p.val_acc.mean, F, format!("{P}/val_acc/mean"));
        let why = v
            .attenuation
            .as_ref()
            .filter(|a| a.finding == Attenuation::Vanishing)
            .filter(|_| matches!(p.finding, SigmoidProgress::Slow | SigmoidProgress::Stuck))
            .map(|a| {
                let s = &a.signal_at_start;
                let about = proportion(s.geometric_mean);
                let q = "/verdicts/attenuation/signal_at_start";
                let low = w.num(s.low, 2, F, format!("{q}/low"));
                let high = w.num(s.high, 2, F, format!("{q}/high"));
                format!(
                    "; the error signal reaching its first layer at the start is {about} ReLU's ({low} to {high} \
                     times), as each sigmoid layer passes back at most a quarter of it"
                )
            })
            .unwrap_or_default();
        let verdict = match p.finding {
            SigmoidProgress::Slow => {
                "sigmoid is slow, not stuck, since its loss already beats guessing the class shares"
            }
            SigmoidProgress::Stuck => "sigmoid is stuck while ReLU learns",
            SigmoidProgress::Learns => "both learn",
            SigmoidProgress::NeitherLearns => "neither learns, so nothing is said of sigmoid",
            SigmoidProgress::Undetermined => "the seeds do not decide whether sigmoid learns",
        };
        out.push(format!(
            "**Sigmoid against ReLU.** At the study's setting ReLU reaches {relu} on validation and sigmoid {sig}: \
             {verdict}{why} (@sec:part-ba, @sec:part-bb)."
        ));
    }
    if let (Some(d), Some(s)) = (&v.hidden_layers_gain, b.softmax.val_acc_interval) {
        let acc = w.pct(s.mean, F, "/softmax/val_acc_interval/mean");
        let gain = points_interval(w, d, F, "/verdicts/hidden_layers_gain");
        let verdict = match d.direction() {
            Direction::Higher => format!("the ReLU network's hidden layers add {gain}"),
            Direction::Lower => format!("the ReLU network's hidden layers change it by {gain}"),
            Direction::NotDetected => format!("no gain from the hidden layers is detected: {gain}"),
        };
        out.push(format!(
            "**What the hidden layers add.** A softmax regression trained the same way reaches {acc}; {verdict}, \
             paired by seed (@sec:part-ba)."
        ));
    }
    out
}

/// Question 2 in one sentence: which comparisons detect a difference, and what the
/// stability interval rules out.
fn q2(w: &mut Writer, r: &Results) -> Vec<String> {
    const F: &str = files::Q2;
    let v = &r.q2.verdicts;
    // Each measure's words when sharing does worse, does better, or the rates disagree.
    let measures = [
        (
            "speed",
            v.speed.as_ref().map(|s| s.finding),
            ["slows convergence", "speeds convergence"],
        ),
        (
            "attainable loss",
            v.attainable_loss.as_ref().map(|s| s.finding),
            ["ends at a higher loss", "ends at a lower loss"],
        ),
        (
            "the largest stable learning rate",
            v.stability.as_ref().map(|s| s.finding),
            [
                "lowers the largest stable learning rate",
                "raises the largest stable learning rate",
            ],
        ),
        (
            "smoothness",
            v.smoothness.as_ref().map(|s| s.finding),
            [
                "makes the descent less smooth",
                "makes the descent smoother",
            ],
        ),
    ];
    let mut none = Vec::new();
    let mut parts = Vec::new();
    for (name, finding, [worse, better]) in measures {
        match finding {
            Some(Comparison::NotDetected) => none.push(name.to_string()),
            Some(Comparison::Worse) => parts.push(worse.to_string()),
            Some(Comparison::Better) => parts.push(better.to_string()),
            Some(Comparison::Mixed) => {
                parts.push(format!("varies in {name} with the learning rate"))
            }
            None => {}
        }
    }
    let head = match (parts.is_empty(), none.is_empty()) {
        (true, true) => {
            return vec![
                "**One bias for both layers.** Too few runs finished for any comparison of the shared bias \
                 with independent biases (@sec:question-2)."
                    .to_string(),
            ];
        }
        (true, false) => format!("makes no detected difference to {}", and_list(&none)),
        (false, true) => and_list(&parts),
        (false, false) => format!(
            "{}; no difference is detected in {}",
            and_list(&parts),
            and_list(&none)
        ),
    };
    let halving = v
        .stability
        .as_ref()
        .and_then(|s| Some((s, s.seed_ratio?)))
        .map(|(s, i)| {
            let low = w.num(i.low, 2, F, "/verdicts/stability/seed_ratio/low");
            let high = w.num(i.high, 2, F, "/verdicts/stability/seed_ratio/high");
            let rules = if s.rules_out_halving {
                "which rules out a halving"
            } else {
                "which does not rule out a halving"
            };
            format!(
                "; seed by seed, the shared network's largest stable rate is {low} to {high} times the \
                 independent one's, {rules}"
            )
        })
        .unwrap_or_default();
    vec![format!(
        "**One bias for both layers.** Sharing it {head}{halving} (@sec:question-2)."
    )]
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
