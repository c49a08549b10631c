//! Part B(a) and B(b): sigmoid against ReLU, the sweep, and the gradient magnitudes.

use std::fmt::Write as _;

use experiments::interval::Direction;
use experiments::interval::Interval;
use experiments::part_b::{InitScheme, PartB};
use experiments::verdicts::{
    Attenuation, AttenuationSite, Moment, RatioInterval, Remedy, Saturation, SigmoidProgress,
};

use super::*;
use crate::activation_label;

pub(super) fn write(w: &mut Writer, r: &Results) {
    let b = &r.part_b;
    const F: &str = files::PART_B;
    w.raw("## Part B(a): sigmoid against ReLU, from scratch");
    let iters = w.num(b.config.iterations as f64, 0, F, "/config/iterations");
    let lr = w.num(b.config.learning_rate, 2, F, "/config/learning_rate");
    let rt = w.pct(b.relu.train_acc, F, "/relu/train_acc");
    let rv = w.pct(b.relu.val_acc, F, "/relu/val_acc");
    let st = w.pct(b.sigmoid.train_acc, F, "/sigmoid/train_acc");
    let sv = w.pct(b.sigmoid.val_acc, F, "/sigmoid/val_acc");
    let maj = w.pct(b.majority_share, F, "/majority_share");
    w.para(format!(
        "The network is written out by hand (forward pass, backward pass and update, no autodiff) and trained by \
         full-batch gradient descent for {iters} iterations at learning rate {lr}. With ReLU it reaches {rt} on the \
         training split and {rv} on validation; with sigmoid, {st} and {sv}, against a majority share of {maj} (@fig:part_b_accuracy)."
    ));
    w.figure(
        "part_b_accuracy",
        "Accuracy per iteration, ReLU and sigmoid, train and validation",
    );
    if let [relu, sigmoid] = b.seeds.as_slice() {
        let n = w.num(b.config.seeds as f64, 0, F, "/config/seeds");
        let rm = w.pct(relu.final_val_acc_mean, F, "/seeds/0/final_val_acc_mean");
        let rs = w.pct(relu.final_val_acc_sd, F, "/seeds/0/final_val_acc_sd");
        let sm = w.pct(sigmoid.final_val_acc_mean, F, "/seeds/1/final_val_acc_mean");
        let ss = w.pct(sigmoid.final_val_acc_sd, F, "/seeds/1/final_val_acc_sd");
        let gap = match &b.verdicts.activation_gap {
            Some(d) => {
                let text = difference(w, d, F, "/verdicts/activation_gap");
                let reading = match d.direction() {
                    experiments::interval::Direction::NotDetected => {
                        "no gap between the activations is detected over these seeds"
                    }
                    _ => "the gap holds seed by seed, not only for the protocol's seed",
                };
                format!(" ReLU minus sigmoid, paired by seed: {text}; {reading}.")
            }
            None => " The seeds cannot be paired, so no difference is claimed.".to_string(),
        };
        w.para(format!(
            "Over {n} initialisation seeds the final validation accuracy is {rm} ± {rs} with ReLU and {sm} ± {ss} with \
             sigmoid (mean ± standard deviation, @fig:part_b_seeds).{gap}"
        ));
    }
    w.figure(
        "part_b_seeds",
        "Validation accuracy over seeds, mean and one standard deviation",
    );
    w.raw("### Is sigmoid stuck, or only slow?");
    progress(w, b);
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
        "Sigmoid over learning rates and iteration budgets, one seed (the protocol's): an illustration, no verdict is drawn from it {#tab:sweep}",
        &t,
    );
    w.table(
        "Final validation accuracy over seeds, each run for the study's iterations: mean and 95 % Student-t confidence interval over seeds {#tab:sigmoid-seeds}",
        &runs_table(b),
    );
    w.figure(
        "part_b_sweep",
        "Sigmoid validation accuracy by learning rate and iterations, one seed (the protocol's)",
    );

    w.raw("## Part B(b): gradient magnitudes per layer");
    let mut t = String::from(
        "| activation | mean abs dW1, first iteration | mean abs dW2, first iteration | mean abs dW1 / dW2 over training | mean abs dW1 / dW3 over training | saturated units at start (layer 1, 2) | at end |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for e in &b.gradients {
        let sat = |v: &[f64]| {
            v.iter()
                .map(|s| pct_cell(*s))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} | {} |",
            activation_label(e.activation),
            e.initial.first().map_or("—".into(), |v| format!("{v:.2e}")),
            e.initial.get(1).map_or("—".into(), |v| format!("{v:.2e}")),
            fmt(e.w1_to_w2_ratio, 3),
            fmt(e.first_to_last_ratio, 3),
            sat(&e.saturation_initial),
            sat(&e.saturation_last),
        );
    }
    w.table(
        "Mean absolute weight gradient per layer and share of saturated units, on the protocol's seed alone (one run per activation; the verdicts below come from the runs over seeds) {#tab:gradients}",
        &t,
    );
    gradients(w, b);
    signals(w, b);
    site(w, b);
    remedy(w, b);
    w.figure(
        "part_b_gradients_relu",
        "Gradient magnitudes per layer, ReLU, the protocol's seed",
    );
    w.figure(
        "part_b_gradients_sigmoid",
        "Gradient magnitudes per layer and saturation, sigmoid, the protocol's seed",
    );
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

fn runs_table(b: &PartB) -> String {
    let mut t = String::from(
        "| initialisation | learning rate | iterations | seeds | diverged | validation accuracy |\n| --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for r in &b.sigmoid_runs {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} |",
            init_label(r.init),
            r.learning_rate,
            r.iterations,
            r.seeds.len(),
            r.diverged,
            interval_cell(&r.val_acc_interval, 100.0, 1, "%")
        );
    }
    t
}

/// The "stuck or slow" verdict over seeds.
fn progress(w: &mut Writer, b: &PartB) {
    const F: &str = files::PART_B;
    let Some(v) = &b.verdicts.sigmoid_progress else {
        w.para(
            "No sigmoid setting finished on every seed, so the runs over seeds give no verdict on whether sigmoid \
             is stuck."
                .to_string(),
        );
        return;
    };
    let i = v.best;
    let r = &b.sigmoid_runs[i];
    let p = "/verdicts/sigmoid_progress/val_acc";
    let n = w.count(
        r.seeds.len(),
        F,
        format!("/sigmoid_runs/{i}/val_acc_interval/n"),
    );
    let it = w.num(
        r.iterations as f64,
        0,
        F,
        format!("/sigmoid_runs/{i}/iterations"),
    );
    let lr = w.num(
        r.learning_rate,
        2,
        F,
        format!("/sigmoid_runs/{i}/learning_rate"),
    );
    let [mean, low, high] = w.interval_ends(&v.val_acc, F, p, Writer::pct);
    let maj = w.pct(
        v.majority_share,
        F,
        "/verdicts/sigmoid_progress/majority_share",
    );
    let margin = w.points(v.margin, F, "/verdicts/sigmoid_progress/margin");
    let verdict = match v.finding {
        SigmoidProgress::Slow => format!(
            "The whole interval lies above the majority share ({maj}) plus a margin of {margin}: sigmoid is not \
             stuck; with this step it learns within the study's budget."
        ),
        SigmoidProgress::Stuck => format!(
            "Even this, the best setting, stays below the majority share ({maj}) plus a margin of {margin}, as does \
             every other rate: within this budget sigmoid is stuck."
        ),
        SigmoidProgress::Undetermined => format!(
            "The interval reaches below the majority share ({maj}) plus a margin of {margin}, and no rate's interval \
             lies wholly above it: these seeds do not decide whether sigmoid is stuck or slow."
        ),
    };
    w.para(format!(
        "Over {n} seeds of {it} iterations each, the study-initialised sigmoid setting with the highest lower \
         confidence bound is learning rate {lr}: {mean} on validation (confidence interval {low} to {high}; \
         @tab:sigmoid-seeds). {verdict} The sweep over longer budgets (@tab:sweep, @fig:part_b_sweep) is \
         one seed, the protocol's: it illustrates how single runs go on, and no verdict is drawn from it."
    ));
}

/// The backward signal per layer (Part B(b)), measured apart from the activations.
fn signals(w: &mut Writer, b: &PartB) {
    const F: &str = files::PART_B;
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
        "The backward signal per layer, apart from the layer's input: mean |δ| of each row's own loss per layer, one layer's backward gain (the ratio of neighbouring layers' mean |δ|), and the mean absolute input of each layer; mean and 95 % confidence interval over seeds {#tab:signals}",
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
         layer up — the mean |δ| of a layer over that of the layer above, with its confidence interval over seeds — \
         is {gs} under sigmoid from the study's initialisation, {gr} under ReLU, and {gc} under sigmoid from the \
         initialisation scaled for sigmoid. Under sigmoid each layer multiplies the signal passing back by its \
         derivative, at most one quarter, times its weights; the scaled initialisation enlarges the weights."
    ));
}

/// Step size or initialisation: the paired comparison over seeds.
fn remedy(w: &mut Writer, b: &PartB) {
    const F: &str = files::PART_B;
    let Some(v) = &b.verdicts.remedy else {
        return;
    };
    let (study, step) = (&b.sigmoid_runs[v.study], &b.sigmoid_runs[v.larger_step]);
    let n = w.count(v.step_difference.n, F, "/verdicts/remedy/step_difference/n");
    let it = w.num(
        study.iterations as f64,
        0,
        F,
        format!("/sigmoid_runs/{}/iterations", v.study),
    );
    let lr = w.num(
        study.learning_rate,
        2,
        F,
        format!("/sigmoid_runs/{}/learning_rate", v.study),
    );
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
    let ds = difference(w, &v.step_difference, F, "/verdicts/remedy/step_difference");
    let di = difference(w, &v.init_difference, F, "/verdicts/remedy/init_difference");
    let verdict = match v.finding {
        Remedy::StepSize => {
            "The larger step helps and the scaled initialisation is not detected to: the measurements point to the \
             step size."
        }
        Remedy::Initialisation => {
            "The scaled initialisation helps and the larger step is not detected to: the measurements point to the \
             initialisation."
        }
        Remedy::Both => {
            "Both help: at the study's settings, sigmoid's slow start is a matter of the step size and, \
             separately, of the initial weight scale; neither alone is the whole story."
        }
        Remedy::Neither => "Neither change is detected to help within this budget.",
    };
    w.para(format!(
        "**A larger step or a different initialisation?** Both were tried from the same {n} seeds for {it} \
         iterations, and compared seed by seed with the study's setting (learning rate {lr}, the study's \
         initialisation). Learning rate {lr2} changes validation accuracy by {ds}. Glorot's initialisation times \
         {gain}, scaled so that the sigmoid's slope at zero times the weight scale is about one (`docs/derivations.md`), \
         changes it by {di} at the study's rate. {verdict}"
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
    const F: &str = files::PART_B;
    (
        w.num(r.geometric_mean, 3, F, format!("{pointer}/geometric_mean")),
        w.num(r.low, 3, F, format!("{pointer}/low")),
        w.num(r.high, 3, F, format!("{pointer}/high")),
    )
}

/// A mean with its interval, quoted: `0.145 (0.140 to 0.150)`.
fn mean_with_interval(w: &mut Writer, i: &Interval, pointer: &str) -> String {
    let [m, low, high] = w.interval_ends(i, files::PART_B, pointer, three_decimals);
    format!("{m} ({low} to {high})")
}

/// [`Writer::num`] with three decimals, as B(b)'s ratios and gains are written.
fn three_decimals(w: &mut Writer, value: f64, file: &str, pointer: String) -> String {
    w.num(value, 3, file, pointer)
}

/// B(b)'s weight-gradient verdicts over seeds: attenuation of the first layer and
/// saturation.
fn gradients(w: &mut Writer, b: &PartB) {
    const F: &str = files::PART_B;
    if let [relu, sig, ..] = b.gradients.as_slice()
        && let (Some(&s1), Some(&r1)) = (sig.initial.first(), relu.initial.first())
    {
        let s1 = w.sci(s1, F, "/gradients/1/initial/0");
        let r1 = w.sci(r1, F, "/gradients/0/initial/0");
        w.para(format!(
            "On the protocol's seed alone (@tab:gradients), the mean absolute gradient of the first-layer weights \
             at the first iteration is {s1} with sigmoid and {r1} with ReLU. The verdicts below come from the \
             runs over seeds."
        ));
    }
    match &b.verdicts.attenuation {
        Some(v) => {
            const P: &str = "/verdicts/attenuation";
            let n = w.count(v.relative.n, F, format!("{P}/relative/n"));
            let it = w.num(b.config.iterations as f64, 0, F, "/config/iterations");
            let s = mean_with_interval(w, &v.sigmoid_ratio, &format!("{P}/sigmoid_ratio"));
            let r = mean_with_interval(w, &v.relu_ratio, &format!("{P}/relu_ratio"));
            let (g, low, high) = ratio(w, &v.relative, &format!("{P}/relative"));
            let mut factor = || w.num(v.factor, 2, F, format!("{P}/factor"));
            let verdict = match v.finding {
                Attenuation::Vanishing => format!(
                    "The whole interval lies below {}: under sigmoid the first layer's weight gradient is \
                     detectably attenuated, by more than that factor, relative to ReLU's.",
                    factor()
                ),
                Attenuation::Smaller => format!(
                    "The whole interval lies below one but not wholly below {}: sigmoid's first layer gets \
                     detectably less, not detectably by that factor.",
                    factor()
                ),
                Attenuation::NotDetected => {
                    "The interval contains one: no difference between the activations is detected.".to_string()
                }
                Attenuation::Larger => "The whole interval lies above one: sigmoid's first layer gets relatively \
                                        more than ReLU's."
                    .to_string(),
            };
            w.para(format!(
                "Over the {n} seeds both activations ran at the study's setting, the first layer's weight gradient \
                 relative to the output layer's, averaged over the {it} iterations, is {s} under sigmoid and {r} \
                 under ReLU (mean and confidence interval). Paired by seed, sigmoid's is {g} times ReLU's \
                 (confidence interval {low} to {high}; the geometric mean of the per-seed ratios, its interval \
                 from that of their logarithms). {verdict} A \
                 weight gradient multiplies the layer's input by its backward signal, so this ratio mixes the two; \
                 the backward signal alone is measured below."
            ));
        }
        None => w.para(
            "The runs over seeds do not pair (a seed diverged, or there are fewer than two), so no verdict on the \
             first layer's attenuation is drawn."
                .to_string(),
        ),
    }
    if let Some(v) = &b.verdicts.saturation {
        const P: &str = "/verdicts/saturation";
        let n = w.count(v.share.n, F, format!("{P}/share/n"));
        let [m, low, high] = w.interval_ends(&v.share, F, &format!("{P}/share"), Writer::pct);
        let t = w.pct(v.threshold, F, format!("{P}/threshold"));
        let verdict = match v.finding {
            Saturation::Negligible => {
                "The whole interval lies below that line: too few units sit on a flat tail for saturation to be the \
                 mechanism of the attenuation."
            }
            Saturation::Notable => {
                "The whole interval lies at or above that line: a notable share of units is saturated, and \
                 saturation adds to the attenuation."
            }
            Saturation::Undetermined => {
                "The interval straddles that line: these seeds do not decide whether saturation matters."
            }
        };
        w.para(format!(
            "After training, sigmoid's most saturated hidden layer has {m} of its units with a derivative below one \
             hundredth (mean over {n} seeds, confidence interval {low} to {high}); saturation counts as negligible \
             below {t} (the configuration's `saturation_share`). {verdict}"
        ));
    }
}

/// Where the attenuation sits: each hidden layer's gain, sigmoid over ReLU, paired by seed.
fn site(w: &mut Writer, b: &PartB) {
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
        "Where the attenuation sits: each hidden layer's backward gain under sigmoid over ReLU's, paired by seed at the study's setting (geometric mean of the per-seed ratios and 95 % confidence interval; below 1: sigmoid's layer passes back less) {#tab:gains}",
        &t,
    );
    let sentences: Vec<String> = sites
        .iter()
        .enumerate()
        .map(|(k, s)| site_sentence(w, b, k, s))
        .collect();
    w.para(format!(
        "@tab:gains pairs each hidden layer's backward gain under sigmoid with ReLU's, seed by seed. {}",
        sentences.join(" ")
    ));
}

fn moment_label(moment: Moment, iterations: usize) -> String {
    match moment {
        Moment::Initialisation => "at initialisation".to_string(),
        Moment::AfterTraining => format!("after {iterations} iterations"),
    }
}

/// One moment's finding: the layers whose gain is detectably smaller, larger, or neither,
/// each named from the record.
fn site_sentence(w: &mut Writer, b: &PartB, k: usize, s: &AttenuationSite) -> String {
    const F: &str = files::PART_B;
    let p = format!("/verdicts/attenuation_site/{k}");
    let when = match s.moment {
        Moment::Initialisation => "At initialisation".to_string(),
        Moment::AfterTraining => format!(
            "After {} iterations",
            w.num(b.config.iterations as f64, 0, F, "/config/iterations")
        ),
    };
    let mut clauses = Vec::new();
    for (direction, words) in [
        (Direction::Lower, "detectably smaller"),
        (Direction::NotDetected, "not detectably different"),
        (Direction::Higher, "detectably larger"),
    ] {
        let named: Vec<String> = s
            .layers
            .iter()
            .enumerate()
            .filter(|(_, g)| g.direction == direction)
            .map(|(j, g)| {
                let layer = w.count(g.layer, F, format!("{p}/layers/{j}/layer"));
                match &g.relative {
                    Some(r) => {
                        let (g, low, high) = ratio(w, r, &format!("{p}/layers/{j}/relative"));
                        format!(
                            "layer {layer} ({g} times ReLU's, confidence interval {low} to {high})"
                        )
                    }
                    None => format!("layer {layer} (the seeds do not pair)"),
                }
            })
            .collect();
        if !named.is_empty() {
            clauses.push(format!("{words} at {}", and_list(&named)));
        }
    }
    let finding = if s.smaller.is_empty() {
        "no hidden layer's gain is detectably smaller under sigmoid".to_string()
    } else {
        let named: Vec<String> = (0..s.smaller.len())
            .map(|i| w.count(s.smaller[i], F, format!("{p}/smaller/{i}")))
            .collect();
        let layers = if named.len() == 1 { "layer" } else { "layers" };
        format!(
            "the attenuation sits at hidden {layers} {}",
            and_list(&named)
        )
    };
    let through = match &s.first_to_last {
        Some(r) => {
            let (g, low, high) = ratio(w, r, &format!("{p}/first_to_last"));
            format!(
                " From the output back to the first layer, sigmoid keeps {g} times the share of the signal that \
                 ReLU keeps (confidence interval {low} to {high})."
            )
        }
        None => String::new(),
    };
    format!(
        "{when}, sigmoid's backward gain is {}: {finding}.{through}",
        clauses.join("; ")
    )
}
