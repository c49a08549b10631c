//! Part B(a) and B(b): sigmoid against ReLU (and the softmax regression beside them),
//! stuck or slow, and the gradient magnitudes per layer. Each verdict is one plain
//! sentence; its test, threshold and interval follow in brackets or in a table.

use std::fmt::Write as _;

use experiments::interval::{Direction, Interval};
use experiments::part_b::{InitScheme, PartB};
use experiments::verdicts::{
    Attenuation, AttenuationSite, Moment, RatioInterval, Remedy, Saturation, SigmoidProgress,
};

use super::*;
use crate::activation_label;

mod gradients;

use gradients::*;

const F: &str = files::PART_B;

pub(super) fn write(w: &mut Writer, r: &Results) {
    let b = &r.part_b;
    w.raw("## Part B(a): sigmoid against ReLU, from scratch");
    let iters = w.num(b.config.iterations as f64, 0, F, "/config/iterations");
    let lr = w.num(b.config.learning_rate, 2, F, "/config/learning_rate");
    let n = w.count(b.relu_runs.seeds.len(), F, "/relu_runs/val_acc_interval/n");
    let widths = hidden_widths(w, b);
    let precision = match b.config.precision {
        // In words: the prose's numbers are all quoted from the records, and `f32` would
        // read as one.
        experiments::part_b::Precision::F32 => {
            "its passes compute in single precision while the weights and their updates stay in \
             double precision, and each run's last record is measured in double precision on the \
             weights its model file saves"
        }
        experiments::part_b::Precision::F64 => "its passes compute in double precision",
    };
    w.para(format!(
        "The network ({widths}) is written out by hand, with no autodiff, and trained by full-batch gradient \
         descent for {iters} iterations at learning rate {lr} from {n} seeds (@tab:models, @fig:part_b_seeds); \
         {precision}."
    ));
    w.table(
        "Validation accuracy after the study's iterations, over seeds: mean (95 % interval) {#tab:models}",
        &models_table(b),
    );
    comparison(w, b);
    w.figure(
        "part_b_accuracy",
        "Accuracy per iteration, ReLU and sigmoid, train and validation, the protocol's seed",
    );
    w.figure(
        "part_b_seeds",
        "Validation accuracy over seeds, mean and one standard deviation",
    );
    w.raw("### Is sigmoid stuck, or only slow?");
    progress(w, b);
    w.table(
        "Sigmoid after the study's iterations, over seeds: mean (95 % interval) {#tab:sigmoid-seeds}",
        &runs_table(b),
    );
    w.figure(
        "part_b_sweep",
        "Sigmoid validation accuracy by learning rate and iterations, one seed",
    );

    w.raw("## Part B(b): gradient magnitudes per layer");
    w.table(
        "Mean absolute weight gradients and flat hidden units (sigmoid: saturated, g′ < 0.01; ReLU: inactive, g′ = 0), one seed {#tab:gradients}",
        &gradients_table(b),
    );
    attenuation(w, b);
    saturation(w, b);
    site(w, b);
    remedy(w, b);
    w.figure(
        "part_b_gradients_relu",
        "Gradient magnitudes per layer and inactive units, ReLU, the protocol's seed",
    );
    w.figure(
        "part_b_gradients_sigmoid",
        "Gradient magnitudes per layer and saturated units, sigmoid, the protocol's seed",
    );
}

/// Part B's tables that support the text but are not needed to follow it: the single-seed
/// sweep and the backward signal per layer.
pub(super) fn appendix(w: &mut Writer, r: &Results) {
    let b = &r.part_b;
    sweep_table(w, b);
    gains_table(w, b);
    signals(w, b);
}

/// `d → 32 → 16 → K`, with the hidden widths quoted: the network as configured.
fn hidden_widths(w: &mut Writer, b: &PartB) -> String {
    let widths: Vec<String> = (0..b.config.hidden.len())
        .map(|l| w.count(b.config.hidden[l], F, format!("/config/hidden/{l}")))
        .collect();
    match widths.as_slice() {
        [] => "no hidden layer".to_string(),
        [one] => format!("one hidden layer of {one} units"),
        _ => format!("hidden layers of {} units", and_list(&widths)),
    }
}

fn init_label(init: InitScheme) -> &'static str {
    match init {
        InitScheme::Study => "the study's",
        InitScheme::SigmoidScaled => "scaled for sigmoid",
    }
}

/// `mean (low–high)` of an interval for a table cell, `scale` × the values (100 for
/// percentages), or a dash.
fn interval_cell(i: &Option<Interval>, scale: f64, decimals: usize, unit: &str) -> String {
    match i {
        Some(i) => format!(
            "{:.d$}{unit} ({:.d$}–{:.d$})",
            scale * i.mean,
            scale * i.low,
            scale * i.high,
            d = decimals
        ),
        None => "—".to_string(),
    }
}

/// The softmax regression beside the two MLPs, each trained the same way.
fn models_table(b: &PartB) -> String {
    let hidden = b
        .config
        .hidden
        .iter()
        .map(|h| h.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let sigmoid = b
        .sigmoid_runs
        .first()
        .and_then(|r| r.val_acc_interval)
        .filter(|_| b.sigmoid_runs[0].seeds == b.relu_runs.seeds);
    let mut t =
        String::from("| model | hidden units | validation accuracy |\n| --- | --- | ---: |\n");
    let _ = writeln!(
        t,
        "| softmax regression | none | {} |",
        interval_cell(&b.softmax.val_acc_interval, 100.0, 1, "%")
    );
    let _ = writeln!(
        t,
        "| MLP, sigmoid | {hidden} | {} |",
        interval_cell(&sigmoid, 100.0, 1, "%")
    );
    let _ = writeln!(
        t,
        "| MLP, ReLU | {hidden} | {} |",
        interval_cell(&b.relu_runs.val_acc_interval, 100.0, 1, "%")
    );
    t
}

/// ReLU against sigmoid and against the softmax regression, each paired by seed, with the
/// initialisations they start from.
fn comparison(w: &mut Writer, b: &PartB) {
    let v = &b.verdicts;
    let relu = b
        .relu_runs
        .val_acc_interval
        .map(|i| w.pct(i.mean, F, "/relu_runs/val_acc_interval/mean"));
    let Some(relu) = relu else {
        w.para(
            "A ReLU seed diverged or too few seeds ran, so the models are not compared over seeds."
                .to_string(),
        );
        return;
    };
    let sigmoid = match (&v.activation_gap, b.seeds.get(1)) {
        (Some(d), Some(band)) => {
            let sm = w.pct(band.final_val_acc_mean, F, "/seeds/1/final_val_acc_mean");
            let maj = w.pct(b.majority_share, F, "/majority_share");
            let gap = w.points(d.mean, F, "/verdicts/activation_gap/mean");
            let low = w.bare_points(d.low, F, "/verdicts/activation_gap/low");
            let high = w.bare_points(d.high, F, "/verdicts/activation_gap/high");
            match d.direction() {
                Direction::Higher => format!(
                    " Sigmoid reaches {sm}, the majority share being {maj}: {gap} ({low} to {high}) below ReLU, \
                     paired by seed."
                ),
                Direction::Lower => format!(
                    " Sigmoid reaches {sm}, the majority share being {maj}: above ReLU, by minus {gap} ({low} to \
                     {high}), paired by seed."
                ),
                Direction::NotDetected => format!(
                    " Sigmoid reaches {sm}, the majority share being {maj}: no difference from ReLU is detected \
                     ({gap}; {low} to {high}, paired by seed)."
                ),
            }
        }
        _ => " The sigmoid seeds do not pair with ReLU's, so the two are not compared.".to_string(),
    };
    let softmax = match (&v.hidden_layers_gain, b.softmax.val_acc_interval) {
        (Some(d), Some(s)) => {
            let sm = w.pct(s.mean, F, "/softmax/val_acc_interval/mean");
            let gain = w.points(d.mean, F, "/verdicts/hidden_layers_gain/mean");
            let low = w.bare_points(d.low, F, "/verdicts/hidden_layers_gain/low");
            let high = w.bare_points(d.high, F, "/verdicts/hidden_layers_gain/high");
            let verdict = match d.direction() {
                Direction::Higher => format!("the hidden layers add {gain} ({low} to {high})"),
                Direction::Lower => {
                    format!(
                        "the hidden layers cost {gain} with the sign reversed ({low} to {high})"
                    )
                }
                Direction::NotDetected => {
                    format!("what the hidden layers add is not detected ({gain}; {low} to {high})")
                }
            };
            format!(
                " A softmax regression, the model without hidden layers, reaches {sm}: {verdict}."
            )
        }
        _ => String::new(),
    };
    w.para(format!(
        "ReLU reaches {relu} on validation.{sigmoid}{softmax} Each activation starts from its usual \
         initialisation (LeCun's scale for sigmoid; He's, twice the variance, for ReLU), so the two are compared as \
         commonly set up, not at a matched scale."
    ));
}

fn runs_table(b: &PartB) -> String {
    let mut t = String::from(
        "| initialisation | learning rate | diverged seeds | validation accuracy | training loss |\n| --- | ---: | ---: | ---: | ---: |\n",
    );
    for r in &b.sigmoid_runs {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} |",
            init_label(r.init),
            r.learning_rate,
            r.diverged,
            interval_cell(&r.val_acc_interval, 100.0, 1, "%"),
            interval_cell(&r.loss_interval, 1.0, 3, "")
        );
    }
    t
}

/// The "stuck or slow" verdict at the study's setting.
fn progress(w: &mut Writer, b: &PartB) {
    let Some(v) = &b.verdicts.sigmoid_progress else {
        w.para(
            "A seed diverged at the study's setting or the seeds do not pair, so no verdict is drawn on whether \
             sigmoid is stuck."
                .to_string(),
        );
        return;
    };
    const P: &str = "/verdicts/sigmoid_progress";
    let acc = w.pct(v.val_acc.mean, F, format!("{P}/val_acc/mean"));
    let relu = w.pct(v.relu_val_acc.mean, F, format!("{P}/relu_val_acc/mean"));
    let maj = w.pct(v.majority_share, F, format!("{P}/majority_share"));
    let entropy = w.num(v.prior_entropy, 3, F, format!("{P}/prior_entropy"));
    let n = w.count(v.val_acc.n, F, format!("{P}/val_acc/n"));
    let margin = w.points(v.margin, F, format!("{P}/margin"));
    let test = format!(
        "over {n} seeds, learning is an accuracy interval above the majority share plus {margin}, or a loss \
         interval below the {entropy} nats of predicting the class shares alone"
    );
    let below = |w: &mut Writer| {
        let [d, low, high] = w.interval_ends(
            &v.loss_below_prior,
            F,
            &format!("{P}/loss_below_prior"),
            three_decimals,
        );
        format!("{d} nats ({low} to {high}) below that of predicting the class shares alone")
    };
    let text = match v.finding {
        SigmoidProgress::Learns => format!(
            "At the study's setting sigmoid learns: {acc} on validation, against a majority share of {maj} ({test})."
        ),
        SigmoidProgress::Slow => {
            let below = below(w);
            format!(
                "At the study's setting sigmoid is slow, not stuck. Its validation accuracy stays at {acc}, the \
                 majority share being {maj}, but its training loss ends {below}: it has begun to learn from the \
                 features, while ReLU reaches {relu} ({test}). Larger steps learn within the same budget \
                 (@tab:sigmoid-seeds)."
            )
        }
        SigmoidProgress::Stuck => format!(
            "At the study's setting sigmoid is stuck: its validation accuracy stays at {acc} and its training loss \
             does not go below that of predicting the class shares alone, while ReLU, from the same seeds, reaches \
             {relu} ({test})."
        ),
        SigmoidProgress::NeitherLearns => format!(
            "At the study's setting neither activation learns: ReLU, from the same seeds, reaches only {relu} \
             against a majority share of {maj}, so the data give these networks nothing to learn within the \
             budget and nothing is said of sigmoid ({test})."
        ),
        SigmoidProgress::Undetermined => format!(
            "At the study's setting these seeds do not decide whether sigmoid learns: its validation accuracy is \
             {acc} against a majority share of {maj}, and its loss is not clearly below that of predicting the \
             class shares ({test})."
        ),
    };
    w.para(text);
}

/// The single-seed sweep over longer budgets (an illustration; no verdict is drawn from it).
fn sweep_table(w: &mut Writer, b: &PartB) {
    let mut t = String::from(
        "| learning rate | iterations | training loss | validation accuracy |\n| ---: | ---: | ---: | ---: |\n",
    );
    for p in &b.sigmoid_sweep {
        match p.diverged_at {
            Some(at) => {
                let _ = writeln!(t, "| {} | diverged at {at} | — | — |", p.learning_rate);
            }
            None => {
                let _ = writeln!(
                    t,
                    "| {} | {} | {} | {} |",
                    p.learning_rate,
                    p.iterations,
                    fmt(p.loss, 4),
                    pct_cell(p.val_acc)
                );
            }
        }
    }
    w.table(
        "Part B(a): sigmoid over learning rates and iteration budgets, one seed (the protocol's): an illustration, no verdict is drawn from it {#tab:sweep}",
        &t,
    );
}

/// Step size or initialisation: each change against the study's setting, paired by seed.
fn remedy(w: &mut Writer, b: &PartB) {
    let Some(v) = &b.verdicts.remedy else {
        return;
    };
    let step = &b.sigmoid_runs[v.larger_step];
    let n = w.count(v.step_difference.n, F, "/verdicts/remedy/step_difference/n");
    let lr2 = w.num(
        step.learning_rate,
        2,
        F,
        format!("/sigmoid_runs/{}/learning_rate", v.larger_step),
    );
    let gain = w.num(
        b.config.sigmoid_init_gain,
        1,
        F,
        "/config/sigmoid_init_gain",
    );
    let ds = points_interval(w, &v.step_difference, F, "/verdicts/remedy/step_difference");
    let di = points_interval(w, &v.init_difference, F, "/verdicts/remedy/init_difference");
    let step_text = format!("rate {lr2} changes validation accuracy by {ds}");
    let init_text = format!(
        "Glorot's initialisation times {gain} (sigmoid's slope at zero times the weight scale about one) by {di}"
    );
    let verdict = match v.finding {
        Remedy::Both => "Each change helps on its own",
        Remedy::StepSize => "Only the larger step is detected to help",
        Remedy::Initialisation => "Only the scaled initialisation is detected to help",
        Remedy::Neither => "Neither change is detected to help within this budget",
    };
    w.para(format!(
        "**A larger step or a different initialisation?** {verdict}: from the same {n} seeds and budget, paired \
         with the study's setting, a learning {step_text}, and {init_text}. Whether the two add up was not tested."
    ));
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A ratio's geometric mean and interval ends, quoted.
fn ratio(w: &mut Writer, r: &RatioInterval, pointer: &str) -> (String, String, String) {
    (
        w.num(r.geometric_mean, 3, F, format!("{pointer}/geometric_mean")),
        w.num(r.low, 3, F, format!("{pointer}/low")),
        w.num(r.high, 3, F, format!("{pointer}/high")),
    )
}

/// [`Writer::num`] with three decimals, as B(b)'s ratios and gains are written.
fn three_decimals(w: &mut Writer, value: f64, file: &str, pointer: String) -> String {
    w.num(value, 3, file, pointer)
}
