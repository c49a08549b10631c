//! Part B(b)'s gradient sections: the gradients per layer, the backward signal, the
//! attenuation and saturation verdicts and the layer where the attenuation sits.

use std::fmt::Write as _;

use super::*;

/// Table 8's columns follow the network's depth: the first iteration's gradient of each
/// layer, the first layer's over each later layer's over training, and each hidden layer's
/// flat units.
pub(super) fn gradients_table(b: &PartB) -> String {
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
pub(super) fn signals(w: &mut Writer, b: &PartB) {
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

/// Does the error signal vanish on its way back through sigmoid's layers? The signal at
/// the start decides; the weight gradients over training are stated beside it.
pub(super) fn attenuation(w: &mut Writer, b: &PartB) {
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
pub(super) fn saturation(w: &mut Writer, b: &PartB) {
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
pub(super) fn site(w: &mut Writer, b: &PartB) {
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
pub(super) fn gains_table(w: &mut Writer, b: &PartB) {
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

pub(super) fn moment_label(moment: Moment, iterations: usize) -> String {
    match moment {
        Moment::Initialisation => "at initialisation".to_string(),
        Moment::AfterTraining => format!("after {iterations} iterations"),
    }
}

/// One moment's finding: the hidden layers whose gain is detectably smaller (their ratios
/// are in the table), or that none is.
pub(super) fn site_sentence(w: &mut Writer, b: &PartB, k: usize, s: &AttenuationSite) -> String {
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
