//! The findings block that opens the report: one sentence per headline, each with its
//! number and a link to its section, phrased from the verdicts the records hold. On
//! another table the same block says what that run found.

use experiments::interval::Direction;
use experiments::verdicts::{Attenuation, Comparison, SigmoidProgress};

use super::*;

pub(super) fn write(w: &mut Writer, r: &Results) {
    w.raw("## Findings {.unnumbered}");
    let mut items = part_d(w, r);
    items.extend(part_b(w, r));
    items.extend(q2(w, r));
    w.bullets(items);
}

/// Part D's findings, phrased by `report::part_d` (the terminal and stderr use the same
/// wording), and the strong, honest features Part D sorted out of the dominant columns.
fn part_d(w: &mut Writer, r: &Results) -> Vec<String> {
    let d = &r.part_d;
    let mut out = super::part_d::findings(w, r);
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
