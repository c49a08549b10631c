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

const F: &str = files::PART_B;

pub(super) fn write(w: &mut Writer, r: &Results) {
    let b = &r.part_b;
    w.raw("## Part B(a): sigmoid against ReLU, from scratch");
    let iters = w.num(b.config.iterations as f64, 0, F, "/config/iterations");
    let lr = w.num(b.config.learning_rate, 2, F, "/config/learning_rate");
    let n = w.count(b.relu_runs.seeds.len(), F, "/relu_runs/val_acc_interval/n");
    let widths = hidden_widths(w, b);
    w.para(format!(
        "The network ({widths}) is written out by hand, with no autodiff, and trained by full-batch gradient \
         descent for {iters} iterations at learning rate {lr} from {n} seeds (@tab:models, @fig:part_b_seeds)."
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

/// Table 8's columns follow the network's depth: the first iteration's gradient of each
/// layer, the first layer's over each later layer's over training, and each hidden layer's
/// flat units.
fn gradients_table(b: &PartB) -> String {
    let layers = b
        .gradients
        .iter()
        .map(|e| e.initial.len())
        .max()
        .unwrap_or(0);
    let mut head = String::from("| activation |");
    let mut rule = String::from("| --- |");
    for l in 1..=layers {
        let _ = write!(head, " mean abs dW{l}, first iteration |");
        rule.push_str(" ---: |");
    }
    if layers > 2 {
        let _ = write!(head, " mean abs dW1 / dW2 over training |");
        rule.push_str(" ---: |");
    }
    if layers > 1 {
        let _ = write!(head, " mean abs dW1 / dW{layers} over training |");
        rule.push_str(" ---: |");
    }
    head.push_str(" flat units at start, per hidden layer | at end |");
    rule.push_str(" ---: | ---: |");
    let mut t = format!("{head}\n{rule}\n");
    for e in &b.gradients {
        let kind = match e.activation {
            models::Activation::Relu => "inactive",
            models::Activation::Sigmoid => "saturated",
        };
        let flat = |v: &[f64]| {
            if v.is_empty() {
                "—".to_string()
            } else {
                let cells: Vec<String> = v.iter().map(|s| pct_cell(*s)).collect();
                format!("{} {kind}", cells.join(", "))
            }
        };
        let _ = write!(t, "| {} |", activation_label(e.activation));
        for l in 0..layers {
            let _ = write!(
                t,
                " {} |",
                e.initial.get(l).map_or("—".into(), |v| format!("{v:.2e}"))
            );
        }
        if layers > 2 {
            let _ = write!(t, " {} |", fmt(e.w1_to_w2_ratio, 3));
        }
        if layers > 1 {
            let _ = write!(t, " {} |", fmt(e.first_to_last_ratio, 3));
        }
        let _ = writeln!(
            t,
            " {} | {} |",
            flat(&e.saturation_initial),
            flat(&e.saturation_last)
        );
    }
    t
}

/// The backward signal per layer, apart from the layer's input (appendix).
fn signals(w: &mut Writer, b: &PartB) {
    let layers = b.signals.first().map_or(0, |s| s.delta.len());
    if layers == 0 {
        return;
    }
    let mut t = String::from("| activation | initialisation | measured after |");
    let mut rule = String::from("| --- | --- | ---: |");
    for l in 1..=layers {
        let _ = write!(t, " mean abs δ{l} |");
        rule.push_str(" ---: |");
    }
    for l in 1..layers {
        let _ = write!(t, " δ{l} / δ{} |", l + 1);
        rule.push_str(" ---: |");
    }
    for l in 1..=layers {
        let _ = write!(t, " mean abs input of layer {l} |");
        rule.push_str(" ---: |");
    }
    let _ = writeln!(t, "\n{rule}");
    for s in &b.signals {
        let _ = write!(
            t,
            "| {} | {} | {} iterations |",
            activation_label(s.activation),
            init_label(s.init),
            s.iteration
        );
        for i in s.delta.iter().chain(&s.delta_ratio).chain(&s.input_scale) {
            let _ = write!(t, " {} |", interval_cell(i, 1.0, 3, ""));
        }
        t.push('\n');
    }
    w.table(
        "Part B(b): the backward signal per layer, apart from the layer's input: mean |δ| of each row's own loss per layer, one layer's backward gain (the ratio of neighbouring layers' mean |δ|), and the mean absolute input of each layer; mean and 95 % confidence interval over seeds {#tab:signals}",
        &t,
    );
    let find = |activation, init, iteration: usize| {
        b.signals
            .iter()
            .position(|s| s.activation == activation && s.init == init && s.iteration == iteration)
    };
    let sig = find(models::Activation::Sigmoid, InitScheme::Study, 0);
    let relu = find(models::Activation::Relu, InitScheme::Study, 0);
    let scaled = find(models::Activation::Sigmoid, InitScheme::SigmoidScaled, 0);
    let (Some(sig), Some(relu), Some(scaled)) = (sig, relu, scaled) else {
        return;
    };
    let gains = |w: &mut Writer, k: usize| -> Option<String> {
        let parts: Option<Vec<String>> = b.signals[k]
            .delta_ratio
            .iter()
            .enumerate()
            .map(|(l, i)| {
                let i = (*i)?;
                let p = format!("/signals/{k}/delta_ratio/{l}");
                let [mean, low, high] = w.interval_ends(&i, F, &p, three_decimals);
                Some(format!("{mean} ({low} to {high})"))
            })
            .collect();
        Some(parts?.join(", "))
    };
    let (Some(gs), Some(gr), Some(gc)) = (gains(w, sig), gains(w, relu), gains(w, scaled)) else {
        return;
    };
    w.para(format!(
        "Measured directly (@tab:signals), the backward gain of each hidden layer at initialisation, from the first \
         layer up, is {gs} under sigmoid from the study's initialisation, {gr} under ReLU, and {gc} under sigmoid \
         from the initialisation scaled for sigmoid. Under sigmoid each layer multiplies the signal passing back by \
         its derivative, at most one quarter, times its weights; the scaled initialisation enlarges the weights."
    ));
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

/// Does the error signal vanish on its way back through sigmoid's layers? The signal at
/// the start decides; the weight gradients over training are stated beside it.
fn attenuation(w: &mut Writer, b: &PartB) {
    let Some(v) = &b.verdicts.attenuation else {
        w.para(
            "The runs over seeds do not pair (a seed diverged, or there are fewer than two), so no verdict on the \
             first layer's gradient is drawn."
                .to_string(),
        );
        return;
    };
    const P: &str = "/verdicts/attenuation";
    let s = &v.signal_at_start;
    let about = proportion(s.geometric_mean);
    let (g, low, high) = ratio(w, s, &format!("{P}/signal_at_start"));
    let n = w.count(s.n, F, format!("{P}/signal_at_start/n"));
    let factor = w.num(v.factor, 2, F, format!("{P}/factor"));
    let head = match v.finding {
        Attenuation::Vanishing => "The gradient vanishes on its way back through sigmoid's layers.",
        Attenuation::Smaller => {
            "Sigmoid's first layer receives less of the gradient than ReLU's, though not by the factor that \
             counts as vanishing."
        }
        Attenuation::NotDetected => {
            "No difference is detected between the share of the gradient that reaches sigmoid's first layer and \
             ReLU's."
        }
        Attenuation::Larger => "Sigmoid's first layer receives more of the gradient than ReLU's.",
    };
    let r = &v.relative;
    let about_w = proportion(r.geometric_mean);
    let it = w.num(b.config.iterations as f64, 0, F, "/config/iterations");
    let (gw, loww, highw) = ratio(w, r, &format!("{P}/relative"));
    w.para(format!(
        "{head} At the start, the share of the output's error signal that reaches sigmoid's first layer is {about} \
         ReLU's ({g} times; {low} to {high} over {n} paired seeds; vanishing means below {factor}). Averaged over \
         the {it} iterations, the first layer's weight gradient relative to the output layer's is {about_w} \
         ReLU's ({gw} times; {loww} to {highw}): the average dilutes the start, and a weight gradient also scales \
         with its layer's input (@tab:gradients)."
    ));
}

/// Saturation at the end of training, over seeds.
fn saturation(w: &mut Writer, b: &PartB) {
    let Some(v) = &b.verdicts.saturation else {
        return;
    };
    const P: &str = "/verdicts/saturation";
    let n = w.count(v.share.n, F, format!("{P}/share/n"));
    let [m, low, high] = w.interval_ends(&v.share, F, &format!("{P}/share"), Writer::pct);
    let t = w.pct(v.threshold, F, format!("{P}/threshold"));
    let numbers = format!(
        "after training, {m} ({low} to {high}, {n} seeds) of the units of sigmoid's most saturated layer have \
         a derivative below one hundredth; negligible is below {t}"
    );
    w.para(match v.finding {
        Saturation::Negligible => format!(
            "Saturation is not the cause: {numbers}. The signal shrinks through unsaturated units, each passing \
             back at most a quarter (its derivative) times its weights."
        ),
        Saturation::Notable => format!(
            "Saturation adds to the attenuation: {numbers}. Saturated units pass back almost nothing."
        ),
        Saturation::Undetermined => {
            format!("These seeds do not decide whether saturation matters: {numbers}.")
        }
    });
}

/// Where the attenuation sits, in words (the gains are in the appendix's table): the
/// hidden layers whose gain is detectably smaller under sigmoid, per moment.
fn site(w: &mut Writer, b: &PartB) {
    let sites = &b.verdicts.attenuation_site;
    if sites.is_empty() {
        return;
    }
    // The same layers at both moments read as one sentence.
    let alike = matches!(sites.as_slice(), [a, b] if a.smaller == b.smaller
        && !a.smaller.is_empty() && a.larger.is_empty() && b.larger.is_empty());
    let sentences: Vec<String> = if alike {
        let it = w.num(b.config.iterations as f64, 0, F, "/config/iterations");
        let named: Vec<String> = (0..sites[0].smaller.len())
            .map(|i| {
                w.count(
                    sites[0].smaller[i],
                    F,
                    format!("/verdicts/attenuation_site/0/smaller/{i}"),
                )
            })
            .collect();
        let layers = if named.len() == 1 { "layer" } else { "layers" };
        vec![format!(
            "at initialisation and after {it} iterations alike, sigmoid passes back less than ReLU at hidden \
             {layers} {}.",
            and_list(&named)
        )]
    } else {
        sites
            .iter()
            .enumerate()
            .map(|(k, s)| site_sentence(w, b, k, s))
            .collect()
    };
    w.para(format!(
        "Layer by layer, comparing each hidden layer's backward gain (@tab:gains): {}",
        sentences.join(" ")
    ));
}

/// Each hidden layer's backward gain, sigmoid over ReLU, paired by seed (appendix).
fn gains_table(w: &mut Writer, b: &PartB) {
    let sites = &b.verdicts.attenuation_site;
    let Some(layers) = sites.first().map(|s| s.layers.len()) else {
        return;
    };
    let mut t = String::from("| measured |");
    let mut rule = String::from("| --- |");
    for l in 1..=layers {
        let _ = write!(t, " gain of hidden layer {l}, sigmoid over ReLU |");
        rule.push_str(" ---: |");
    }
    let _ = writeln!(
        t,
        " first layer's share of the output signal, sigmoid over ReLU |\n{rule} ---: |"
    );
    let cell = |r: &Option<RatioInterval>| match r {
        Some(r) => format!("{:.3} ({:.3}–{:.3})", r.geometric_mean, r.low, r.high),
        None => "—".to_string(),
    };
    for s in sites {
        let _ = write!(t, "| {} |", moment_label(s.moment, b.config.iterations));
        for g in &s.layers {
            let _ = write!(t, " {} |", cell(&g.relative));
        }
        let _ = writeln!(t, " {} |", cell(&s.first_to_last));
    }
    w.table(
        "Part B(b): each hidden layer's backward gain (mean |δ| passed back over mean |δ| received), sigmoid over ReLU, paired by seed: geometric mean (95 % interval) {#tab:gains}",
        &t,
    );
}

fn moment_label(moment: Moment, iterations: usize) -> String {
    match moment {
        Moment::Initialisation => "at initialisation".to_string(),
        Moment::AfterTraining => format!("after {iterations} iterations"),
    }
}

/// One moment's finding: the hidden layers whose gain is detectably smaller (their ratios
/// are in the table), or that none is.
fn site_sentence(w: &mut Writer, b: &PartB, k: usize, s: &AttenuationSite) -> String {
    let p = format!("/verdicts/attenuation_site/{k}");
    let when = match s.moment {
        Moment::Initialisation => "at initialisation".to_string(),
        Moment::AfterTraining => format!(
            "after {} iterations",
            w.num(b.config.iterations as f64, 0, F, "/config/iterations")
        ),
    };
    let named: Vec<String> = (0..s.smaller.len())
        .map(|i| w.count(s.smaller[i], F, format!("{p}/smaller/{i}")))
        .collect();
    let larger = if s.larger.is_empty() {
        ""
    } else {
        " Some layer passes back detectably more than ReLU's."
    };
    let sentence = if named.is_empty() {
        format!("{when}, no hidden layer's gain is detectably smaller under sigmoid.{larger}")
    } else {
        let layers = if named.len() == 1 { "layer" } else { "layers" };
        format!(
            "{when}, sigmoid passes back less than ReLU at hidden {layers} {}.{larger}",
            and_list(&named)
        )
    };
    if k == 0 {
        sentence
    } else {
        crate::figures::capitalised(&sentence)
    }
}
