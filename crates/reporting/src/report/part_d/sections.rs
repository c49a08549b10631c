//! The sections of Part D's main text: training, the replay, the evidence, confidence,
//! duplicated rows, the fix, the simple model, overfitting and the class mix.

use std::fmt::Write as _;

use super::*;

/// Whether Part C's model was trained to the end.
pub(super) fn training(w: &mut Writer, d: &PartD) {
    let t = &d.verdicts.training;
    let p = "/verdicts/training";
    let epochs = w.count(t.epochs, F, format!("{p}/epochs"));
    let steps = w.count(t.steps, F, format!("{p}/steps"));
    let text = match t.finding {
        Training::Converged => format!(
            "It was trained for {epochs} epochs ({steps} gradient steps) and its training loss had levelled off by \
             the end."
        ),
        Training::UnderTrained => {
            let mut why = Vec::new();
            if t.loss_still_falling {
                let drop = w.pct(t.late_loss_drop, F, format!("{p}/late_loss_drop"));
                let max = w.pct(t.max_late_loss_drop, F, format!("{p}/max_late_loss_drop"));
                why.push(format!(
                    "its last tenth of epochs still made {drop} of its training loss's whole fall (more than the \
                     {max} that counts as levelled off)"
                ));
            }
            if let (true, Some(fb)) = (t.below_full_batch, t.full_batch_train_acc) {
                let acc = w.pct(t.train_acc, F, format!("{p}/train_acc"));
                let fb = w.pct(fb, F, format!("{p}/full_batch_train_acc"));
                why.push(format!(
                    "it fits its training rows at {acc}, well below the {fb} of Part B's full-batch network on the \
                     same rows"
                ));
            }
            format!(
                "**It is under-trained**: after {epochs} epochs ({steps} gradient steps) {}. Its numbers describe a \
                 model still in the making.",
                why.join(", and ")
            )
        }
    };
    w.para(text);
}

/// The candidates table, the figure, and how the replay works.
pub(super) fn replay(w: &mut Writer, d: &PartD) {
    let Some(replay) = &d.replay else {
        return;
    };
    w.figure(
        "part_d_replay",
        "The accuracy each replayed change predicts, against the test accuracy",
    );
    let n = w.count(replay.draws, F, "/replay/draws");
    let tol = w.points(
        d.verdicts.root_cause.rule.tolerance,
        F,
        "/verdicts/root_cause/rule/tolerance",
    );
    let share = w.pct(
        d.verdicts.root_cause.rule.min_gap_share,
        F,
        "/verdicts/root_cause/rule/min_gap_share",
    );
    let mix = w.pct(replay.class_mix_accuracy, F, "/replay/class_mix_accuracy");
    w.para(format!(
        "Each candidate change from validation to test is replayed alone on copies of the validation rows and \
         scored by the trained model, over {n} random draws, nothing retrained (@tab:replay, @fig:part_d_replay). \
         The class mix resamples the rows to test's class shares ({mix} in closed form); a column or set takes its \
         values from a test row of the same class, minus its null (the same draw from validation's own rows); \
         every column at once takes whole test rows. A candidate reproduces the fall within {tol} of the test \
         accuracy or when it explains {share} of the gap; the root cause is the first that does, in the table's \
         order."
    ));
    if let Some(conf) = &d.verdicts.root_cause.confinement
        && d.verdicts.root_cause.names_columns()
    {
        let cols = names(w, &d.verdicts.root_cause.columns);
        let hold = w.pct(
            d.verdicts.root_cause.rule.hold_ratio,
            F,
            "/verdicts/root_cause/rule/hold_ratio",
        );
        let text = match (conf.finding, conf.column.as_deref()) {
            (ConfinementFinding::Confined, Some(other)) => {
                let other = w.name(other);
                let (rt, rs) = confinement_relations(w, conf);
                format!(
                    "The change is confined to {cols}: {other}, the column the model relies on most besides, keeps its \
                     relation to the label ({rt} in train, {rs} in test, at least the {hold} of its train strength \
                     that counts as holding), which label noise or a changed labelling policy would not leave intact."
                )
            }
            _ => format!(
                "No other column relates to the label strongly enough to check that the change is confined to \
                 {cols}: a change of the labels themselves would look the same here."
            ),
        };
        w.para(text);
    }
}

/// The evidence per column: attribution, relations, distribution shift, change, replay.
pub(super) fn evidence(w: &mut Writer, d: &PartD) {
    if let Some(i) = d.verdicts.root_cause.columns.first().and_then(|c| {
        d.root_cause
            .evidence
            .iter()
            .position(|e| &e.shift.column == c)
    }) {
        let e = &d.root_cause.evidence[i];
        let p = format!("/root_cause/evidence/{i}");
        let share = w.pct(e.attribution_share, F, format!("{p}/attribution_share"));
        let drop = w.points(e.permutation_drop, F, format!("{p}/permutation_drop"));
        let col = w.name(&e.shift.column);
        w.para(format!(
            "The model's gradients point at {col} {ar} of the columns ({share} of the attribution) and shuffling it \
             costs {drop} of validation accuracy ({pr} among the columns): the model leans on the column the replay \
             names (@tab:root-cause).",
            ar = ordinal(e.attribution_rank),
            pr = ordinal(e.permutation_rank)
        ));
    }
}

/// Confidence against accuracy on validation and test.
pub(super) fn confidence(w: &mut Writer, d: &PartD) {
    w.raw("### How sure the model is");
    let cv = w.pct(
        d.calibration_validation.mean_confidence,
        F,
        "/calibration_validation/mean_confidence",
    );
    let av = w.pct(
        d.calibration_validation.accuracy,
        F,
        "/calibration_validation/accuracy",
    );
    let ev = w.num(
        d.calibration_validation.ece,
        3,
        F,
        "/calibration_validation/ece",
    );
    let ct = w.pct(
        d.calibration_test.mean_confidence,
        F,
        "/calibration_test/mean_confidence",
    );
    let at = w.pct(d.calibration_test.accuracy, F, "/calibration_test/accuracy");
    let et = w.num(d.calibration_test.ece, 3, F, "/calibration_test/ece");
    let max = w.points(
        d.verdicts.confidence_test.max_gap,
        F,
        "/verdicts/confidence_test/max_gap",
    );
    let verdict = match d.verdicts.confidence_test.finding {
        Confidence::Overconfident => format!(
            "on test it is surer than it is right by more than {max}: confidently wrong, so its probabilities \
             give no warning of the fall"
        ),
        Confidence::Underconfident => {
            format!("on test it is right more often than it is sure, by more than {max}")
        }
        Confidence::Matches => {
            format!("on test its confidence and its accuracy are within {max} of each other")
        }
    };
    w.para(format!(
        "The probability the model gives its chosen class is {cv} on average on validation, where it is right {av} \
         of the time (expected calibration error {ev}); on test it is {ct} against {at} right (error {et}): \
         {verdict} (@fig:part_d_reliability)."
    ));
    w.figure(
        "part_d_reliability",
        "Reliability: accuracy against confidence on validation and test",
    );
}

/// Duplicated rows between the sets.
pub(super) fn duplicates(w: &mut Writer, d: &PartD) {
    w.raw("### Duplicated rows");
    let dup = &d.duplicates;
    let mut t = String::from(
        "| rows checked | against | rows | same features | same features and label |\n| --- | --- | ---: | ---: | ---: |\n",
    );
    for (name, against, c) in [
        ("test", "the training file", &dup.train_test),
        ("validation", "the training split", &dup.train_validation),
    ] {
        let _ = writeln!(
            t,
            "| {name} | {against} | {} | {} ({}) | {} ({}) |",
            thousands(c.rows),
            thousands(c.features),
            pct_cell(c.features_share),
            thousands(c.with_label),
            pct_cell(c.with_label_share)
        );
    }
    w.table(
        "Rows that repeat a training row, on their features alone and with their label {#tab:duplicates}",
        &t,
    );
    let warnings = duplicate_sentences(w, d);
    if warnings.is_empty() {
        let max = w.pct(
            d.verdicts.duplicates.max_share,
            F,
            "/verdicts/duplicates/max_share",
        );
        w.para(format!(
            "Neither test nor validation repeats training rows in {max} or more of its rows (@tab:duplicates), so \
             neither score is inflated by copies."
        ));
    } else {
        let mut text = warnings.join(" ");
        if dup.test_acc_duplicated.is_finite() && dup.test_acc_fresh.is_finite() {
            let a = w.pct(
                dup.test_acc_duplicated,
                F,
                "/duplicates/test_acc_duplicated",
            );
            let b = w.pct(dup.test_acc_fresh, F, "/duplicates/test_acc_fresh");
            text.push_str(&format!(
                " The model scores {a} on the duplicated test rows and {b} on the fresh ones (@tab:duplicates)."
            ));
        }
        w.para(format!("**Warning.** {text}"));
    }
}

/// The fix that fits the cause, measured.
pub(super) fn fix(w: &mut Writer, d: &PartD) {
    w.raw("### The fix that fits the cause");
    let mut t = String::from(
        "| fix | seeds | validation, % | test, % (95 % interval) | validation minus test, points (95 % interval) |\n| --- | ---: | ---: | ---: | ---: |\n",
    );
    for m in &d.mitigation_seeds {
        if m.name != "original" && m.name != MitigationKind::DropRootCause.name() {
            continue;
        }
        let val = m.val_acc.iter().sum::<f64>() / m.val_acc.len().max(1) as f64;
        let gaps: Vec<f64> = m
            .val_acc
            .iter()
            .zip(&m.test_acc)
            .map(|(v, t)| v - t)
            .collect();
        let gap = experiments::interval::mean_interval(&gaps);
        let name = if m.name == "original" {
            "none (the model as trained)".to_string()
        } else {
            format!(
                "retrained without {}",
                d.verdicts
                    .root_cause
                    .columns
                    .iter()
                    .map(|c| code(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let _ = writeln!(
            t,
            "| {name} | {} | {} | {} | {} |",
            m.seeds.len(),
            fmt(100.0 * val, 1),
            m.test_acc_interval
                .as_ref()
                .map_or("—".into(), interval_cell),
            gap.as_ref().map_or("—".into(), interval_cell),
        );
    }
    let c = &d.class_mix_correction;
    let _ = writeln!(
        t,
        "| probabilities reweighted by test's over training's class shares | 1 | — | {} | — |",
        pct_cell(c.test_acc_with).trim_end_matches('%')
    );
    w.table(
        "The fixes measured: the model as trained, retrained without the root-cause columns (when a column is named), and its decision rule corrected for the test set's class shares {#tab:fix}",
        &t,
    );
    match fix_sentence(w, d) {
        Some(s) => w.para(s),
        None => w.para(
            "With no cause named there is no fix to fit; the table shows the model as trained and the class-mix \
             correction for reference."
                .to_string(),
        ),
    }
    if d.verdicts.root_cause.finding != Diagnosis::ClassMix
        && d.verdicts.class_mix.finding == ClassMix::Shifted
    {
        let without = w.pct(
            c.test_acc_without,
            F,
            "/class_mix_correction/test_acc_without",
        );
        let with = w.pct(c.test_acc_with, F, "/class_mix_correction/test_acc_with");
        w.para(format!(
            "For reference, correcting the decision rule for the test set's class shares moves test accuracy from \
             {without} to {with}."
        ));
    }
}

/// The softmax regression beside the MLP: what the hidden layers add.
pub(super) fn simple_models(w: &mut Writer, d: &PartD) {
    if d.simple_models.is_empty() {
        return;
    }
    w.raw("### What the hidden layers add");
    let mut t = String::from(
        "| model | columns | validation, % | test, % (95 % interval) | test minus the MLP's, points (paired by seed) |\n| --- | --- | ---: | ---: | ---: |\n",
    );
    for s in &d.simple_models {
        let mlp = d
            .mitigation_seeds
            .iter()
            .find(|m| m.name == s.compared_with);
        let columns = if s.dropped.is_empty() {
            "all".to_string()
        } else {
            format!(
                "without {}",
                s.dropped
                    .iter()
                    .map(|c| code(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        if let Some(m) = mlp {
            let _ = writeln!(
                t,
                "| MLP | {columns} | {} | {} | — |",
                fmt(100.0 * mean(&m.val_acc), 1),
                m.test_acc_interval
                    .as_ref()
                    .map_or("—".into(), interval_cell)
            );
        }
        let _ = writeln!(
            t,
            "| softmax regression | {columns} | {} | {} | {} |",
            fmt(100.0 * mean(&s.seeds.val_acc), 1),
            s.seeds
                .test_acc_interval
                .as_ref()
                .map_or("—".into(), interval_cell),
            s.minus_mlp.as_ref().map_or("—".into(), interval_cell)
        );
    }
    w.table(
        "A softmax regression (no hidden layer; the same engine, loss and schedule) beside the MLP, over the same seeds {#tab:simple-models}",
        &t,
    );
    let mut parts = Vec::new();
    for (i, s) in d.simple_models.iter().enumerate() {
        let Some(diff) = &s.minus_mlp else { continue };
        let p = format!("/simple_models/{i}/minus_mlp");
        let text = difference(w, diff, F, &p);
        let which = if s.dropped.is_empty() {
            "with every column".to_string()
        } else {
            format!("without {}", names(w, &s.dropped))
        };
        parts.push(format!(
            "{which}, its test accuracy differs from the MLP's by {text}"
        ));
    }
    if !parts.is_empty() {
        w.para(format!(
            "A softmax regression is the network with no hidden layer: {} (@tab:simple-models). What the hidden \
             layers add is the MLP's lead over it.",
            parts.join("; ")
        ));
    }
}

/// The validation − test gap of the original model over the mitigation seeds, against the
/// collapse threshold (empty when the record has no such verdict).
pub(super) fn collapse_over_seeds(w: &mut Writer, d: &PartD) -> String {
    let Some(c) = &d.verdicts.collapse_over_seeds else {
        return String::new();
    };
    let p = "/verdicts/collapse_over_seeds";
    let n = w.count(c.gap.n, F, format!("{p}/gap/n"));
    let [mean, low, high] = w.interval_ends(&c.gap, F, &format!("{p}/gap"), Writer::points);
    let verdict = match c.finding {
        GapOverSeeds::Present => {
            "the whole interval lies past the threshold, so the fall is no accident of the seed"
        }
        GapOverSeeds::Absent => {
            "the whole interval lies below the threshold, so over seeds there is no collapse"
        }
        GapOverSeeds::Undetermined => {
            "the interval straddles the threshold, so over seeds a collapse is neither shown nor ruled out"
        }
    };
    format!(
        " Trained from {n} seeds, the same architecture's validation minus test accuracy is {mean} (confidence \
         interval {low} to {high}): {verdict}."
    )
}

/// The two usual explanations of a poor test score: overfitting by the original model's
/// train − validation gap over seeds; the class mix by its replay (and its total variation),
/// imbalance by the class-weighted loss paired by seed.
pub(super) fn overfitting_and_imbalance(w: &mut Writer, d: &PartD) {
    let v = &d.verdicts;
    let over = match &v.overfitting_over_seeds {
        Some(o) => {
            let p = "/verdicts/overfitting_over_seeds";
            let n = w.count(o.gap.n, F, format!("{p}/gap/n"));
            let [mean, low, high] = w.interval_ends(&o.gap, F, &format!("{p}/gap"), Writer::points);
            let t = w.points(o.max_gap, F, format!("{p}/max_gap"));
            let verdict = match o.finding {
                GapOverSeeds::Absent => format!(
                    "the whole interval lies below the {t} set as the threshold, so overfitting is ruled out at that \
                     threshold"
                ),
                GapOverSeeds::Present => format!(
                    "the whole interval lies at or above the {t} set as the threshold: the model fits its training \
                     rows better than unseen rows drawn like them"
                ),
                GapOverSeeds::Undetermined => format!(
                    "the interval straddles the {t} set as the threshold, so overfitting is neither ruled out nor \
                     shown"
                ),
            };
            format!(
                "Over {n} seeds, the original model's training minus validation accuracy is {mean} (confidence \
                 interval {low} to {high}): {verdict}."
            )
        }
        None => {
            let gap = w.points(d.model.overfitting_gap, F, "/model/overfitting_gap");
            format!(
                "On the protocol's seed alone, training and validation accuracy differ by {gap}; one seed gives no \
                 interval, so no verdict on overfitting is drawn."
            )
        }
    };
    let tv = w.num(v.class_mix.shift, 3, F, "/verdicts/class_mix/shift");
    let max = w.num(v.class_mix.max_shift, 3, F, "/verdicts/class_mix/max_shift");
    let mix = match v.class_mix.finding {
        ClassMix::Same => format!(
            "below the {max} the configuration sets as the largest change that still counts as the same mix: \
             validation and test have the same class mix, so class imbalance, the same on both sides, cannot \
             explain a fall between them"
        ),
        ClassMix::Shifted if d.replay.is_some() => format!(
            "at least the {max} the configuration sets as the largest change that still counts as the same mix, so \
             the class mix moves between train and test; its replay (@tab:replay) says how much of the fall it \
             explains"
        ),
        ClassMix::Shifted => format!(
            "at least the {max} the configuration sets as the largest change that still counts as the same mix, so \
             the class mix moves between train and test (not replayed: the model learned too little to diagnose)"
        ),
    };
    let weighting = match &v.class_weighting {
        Some(cw) => {
            let p = "/verdicts/class_weighting";
            let n = w.count(cw.difference.n, F, format!("{p}/difference/n"));
            let diff = difference(w, &cw.difference, F, &format!("{p}/difference"));
            let verdict = match cw.finding {
                Direction::Higher => {
                    "rebalancing detectably helps, so the imbalance costs accuracy on test"
                }
                Direction::NotDetected => {
                    "no gain is detected, so the imbalance is not shown to cost accuracy on test"
                }
                Direction::Lower => {
                    "rebalancing detectably costs accuracy on test, so it is no remedy here"
                }
            };
            format!(
                " A loss weighted inversely to class frequency changes test accuracy by {diff} against the original \
                 model, paired by seed over {n} seeds (@tab:mitigation-seeds): {verdict}."
            )
        }
        None => String::new(),
    };
    w.para(format!(
        "{over} The class shares of test differ from those of the training split by a total variation of {tv}, \
         {mix}.{weighting}"
    ));
}

/// The columns Part A flags as dominant, by what Part D found of them: a strong feature
/// (its relation holds on test) is a finding, a shortcut (it breaks) is named as a root cause
/// only when its replay reproduces the fall.
pub(super) fn dominant_columns(w: &mut Writer, d: &PartD) {
    let rc = &d.root_cause;
    if !rc.identifier_leaks.is_empty() {
        let cols = names(w, &rc.identifier_leaks);
        w.para(format!(
            "{cols}: a row identifier (a distinct value in every row) that predicts the label on its own \
             (Part A's dominance check). An identifier can only carry the label through how the rows were \
             numbered or named: an identifier leak, never an honest feature, whether or not it holds on test."
        ));
    }
    if !rc.strong_features.is_empty() {
        let cols = names(w, &rc.strong_features);
        w.para(if rc.strong_features.len() == 1 {
            format!(
                "{cols} predicts the label on its own (Part A's dominance check) and its relation to the label \
                 holds on test: a strong, honest feature. That is a finding about the data, not a fault of the \
                 model, and not a root cause."
            )
        } else {
            format!(
                "{cols} each predict the label on their own (Part A's dominance check), and the relation of each \
                 to the label holds on test: strong, honest features. That is a finding about the data, not a \
                 fault of the model, and not a root cause."
            )
        });
    }
    let other: Vec<String> = rc
        .shortcuts
        .iter()
        .filter(|c| !d.verdicts.root_cause.columns.contains(c))
        .cloned()
        .collect();
    if !other.is_empty() {
        let cols = names(w, &other);
        w.para(if other.len() == 1 {
            format!(
                "{cols} predicts the label on its own in train, but its relation to the label breaks on test: \
                 a shortcut. It is named as a root cause only when its replay reproduces the fall."
            )
        } else {
            format!(
                "{cols} each predict the label on their own in train, but their relations to the label break \
                 on test: shortcuts. One is named as a root cause only when its replay reproduces the fall."
            )
        });
    }
}

/// What a mitigation changed, in words, its settings quoted from the record.
pub(super) fn describe(w: &mut Writer, r: &Results, m: &Mitigation) -> String {
    let d = &r.part_d;
    match m.name {
        MitigationKind::DropRootCause => {
            format!(
                "retrained without {}",
                names(w, &d.verdicts.root_cause.columns)
            )
        }
        MitigationKind::ClassWeights => "loss weighted inversely to class frequency".to_string(),
        MitigationKind::WeightDecay => {
            let l = w.num(d.config.weight_decay, 3, F, "/config/weight_decay");
            format!("L2 weight decay λ = {l}")
        }
        MitigationKind::Dropout => {
            let p = w.num(d.config.dropout, 2, F, "/config/dropout");
            format!("dropout p = {p} on hidden layers")
        }
        MitigationKind::MajorityBaseline => {
            let class = r
                .part_a
                .schema
                .class_legend(d.verdicts.learned.majority_class);
            format!(
                "always predict class {}, the most frequent in training",
                w.record_text(&escape(&class))
            )
        }
    }
}
