//! Part D's verdicts in words: the root-cause sentence, the Findings lines, the terminal
//! line and the duplicate warnings, the one wording each.

use super::*;

/// The one plain sentence that names Part D's verdict (also the terminal's and the
/// Findings block's).
pub(super) fn verdict_sentence(w: &mut Writer, d: &PartD) -> String {
    let v = &d.verdicts;
    let rc = &v.root_cause;
    let va = w.pct(d.model.val_acc, F, "/model/val_acc");
    let te = w.pct(d.model.test_acc, F, "/model/test_acc");
    match rc.finding {
        Diagnosis::NotLearned => {
            let maj = w.pct(v.learned.majority_acc, F, "/verdicts/learned/majority_acc");
            let margin = w.points(v.learned.margin, F, "/verdicts/learned/margin");
            format!(
                "The model did not learn: its validation accuracy ({va}) does not beat always predicting the most \
                 frequent class ({maj}) by the {margin} required, so there is nothing of its own to diagnose and \
                 no root cause is named."
            )
        }
        Diagnosis::TooFewRows => {
            let n = w.count(v.collapse.test_rows, F, "/verdicts/collapse/test_rows");
            let min = w.count(
                v.collapse.min_test_rows,
                F,
                "/verdicts/collapse/min_test_rows",
            );
            format!(
                "The test set has {n} rows, fewer than the {min} its statistics need, so no root cause is named."
            )
        }
        Diagnosis::NoCollapse => {
            let min = w.points(v.collapse.min_gap, F, "/verdicts/collapse/min_gap");
            format!(
                "There is no collapse to explain: test accuracy ({te}) is not {min} or more below validation \
                 accuracy ({va}), so no root cause is named."
            )
        }
        Diagnosis::Unexplained => format!(
            "No candidate change reproduces the fall from {va} on validation to {te} on test: neither the class \
             mix, nor a single column, nor a set of them, nor every column at once, so no root cause is named."
        ),
        Diagnosis::ClassMix => {
            let Some((i, c)) = cause(d) else {
                return String::new();
            };
            let p = predicted(w, i, c);
            format!(
                "**Root cause: the class mix.** Resampling the validation rows to the test set's class shares, and \
                 changing nothing else, brings the model's accuracy from {va} to {p}, as on test ({te}): the \
                 classes the model gets wrong are far more common in test."
            )
        }
        Diagnosis::Shortcut | Diagnosis::DistributionShift => {
            let Some((i, c)) = cause(d) else {
                return String::new();
            };
            let p = predicted(w, i, c);
            let cols = names(w, &rc.columns);
            let (what, them) = if rc.columns.len() == 1 {
                (format!("**Root cause: {cols}"), "its values")
            } else {
                (format!("**Root cause: {cols} together"), "their values")
            };
            let kind = if rc.finding == Diagnosis::Shortcut {
                if rc.columns.len() == 1 {
                    ", a shortcut.** "
                } else {
                    ", a shortcut in their combination.** "
                }
            } else {
                ", a distribution shift.** "
            };
            let alone = if rc.columns.len() > 1 {
                " No single column does this alone."
            } else {
                ""
            };
            let meaning = if rc.finding == Diagnosis::Shortcut {
                "the model relies on a relation to the label that does not hold on test"
            } else {
                "the values moved while their relation to the label held, and the model does not carry over to \
                 where they moved (a covariate shift, not a shortcut)"
            };
            format!(
                "{what}{kind}Giving the validation rows {them} from test rows of the same class, and changing \
                 nothing else, brings the model's accuracy from {va} to {p}, as on test ({te}): {meaning}.{alone}"
            )
        }
        Diagnosis::ConceptShift => {
            let spread = rc
                .confinement
                .as_ref()
                .filter(|c| c.finding == ConfinementFinding::Spread);
            match (spread, cause(d)) {
                (Some(conf), Some((i, c))) => {
                    let p = predicted(w, i, c);
                    let cols = names(w, &c.columns);
                    let other = w.name(conf.column.as_deref().unwrap_or_default());
                    let (rt, rs) = confinement_relations(w, conf);
                    format!(
                        "**The relation between the inputs and the label changed as a whole** (label noise or a \
                         changed labelling policy: a concept shift). Replaying {cols} alone brings the accuracy \
                         from {va} to {p}, near test's {te}, but {other}, the next column the model relies on, \
                         loses its relation to the label too ({rt} in train, {rs} in test): the change is not \
                         confined to any column, so none is named."
                    )
                }
                (_, Some((i, c))) => {
                    let p = predicted(w, i, c);
                    format!(
                        "**The relation between the inputs and the label changed as a whole** (label noise or a \
                         changed labelling policy: a concept shift). Only giving the validation rows every column \
                         of a test row of the same class reproduces the fall (from {va} to {p}; test {te}); no \
                         column or pair does, so none is named."
                    )
                }
                _ => String::new(),
            }
        }
    }
}

/// Part D's verdict as one plain line for the terminal: the same sentence as the report's.
pub fn verdict_line(d: &PartD) -> String {
    plain(&verdict_sentence(&mut Writer::default(), d))
}

/// A warning line per set whose share of duplicated rows passes the threshold (for stderr),
/// worded as in the report.
pub fn duplicate_warnings(d: &PartD) -> Vec<String> {
    let mut w = Writer::default();
    duplicate_sentences(&mut w, d)
        .into_iter()
        .map(|s| plain(&s))
        .collect()
}

/// One sentence per set with many duplicated rows.
pub(super) fn duplicate_sentences(w: &mut Writer, d: &PartD) -> Vec<String> {
    let v = &d.verdicts.duplicates;
    let dup = &d.duplicates;
    let sets = [
        (
            v.test,
            "train_test",
            &dup.train_test,
            "test",
            "training row",
        ),
        (
            v.validation,
            "train_validation",
            &dup.train_validation,
            "validation",
            "training-split row",
        ),
    ];
    let mut out = Vec::new();
    for (verdict, key, count, set, source) in sets {
        if verdict != Duplication::Warned {
            continue;
        }
        let max = w.pct(v.max_share, F, "/verdicts/duplicates/max_share");
        let n = w.count(count.features, F, format!("/duplicates/{key}/features"));
        let share = w.pct(
            count.features_share,
            F,
            format!("/duplicates/{key}/features_share"),
        );
        out.push(format!(
            "Duplicated rows: {n} {set} rows ({share}, at least the {max} warned of) repeat the features of a \
             {source}, so the {set} score partly measures memory, not generalisation."
        ));
    }
    out
}

/// Part D's lines for the report's Findings block: the collapse against validation and the
/// majority baseline, the model's confidence on test, the root cause with its strongest
/// evidence, and the fix with what it recovers. Each is one sentence, its numbers quoted,
/// citing the table or figure it comes from.
pub fn findings(w: &mut Writer, r: &Results) -> Vec<String> {
    let d = &r.part_d;
    let v = &d.verdicts;
    let mut out = Vec::new();
    let va = w.pct(d.model.val_acc, F, "/model/val_acc");
    let te = w.pct(d.model.test_acc, F, "/model/test_acc");
    let (i_maj, maj) = majority(d);
    let maj = w.pct(maj.test_acc, F, format!("/mitigations/{i_maj}/test_acc"));
    let below = if d.model.test_acc < d.mitigations[i_maj].test_acc {
        "below"
    } else {
        "against"
    };
    let lead = match (v.root_cause.finding, v.collapse.finding) {
        (Diagnosis::NotLearned, _) => "**The model did not learn.**",
        (_, Collapse::Collapse) => "**The model collapses on test.**",
        (_, Collapse::NoCollapse) => "**No collapse on test.**",
        (_, Collapse::TooFewRows) => "**Too few test rows to judge a collapse.**",
    };
    out.push(match v.root_cause.finding {
        Diagnosis::NotLearned => format!("{lead} {}", verdict_sentence(w, d).replace("**", "")),
        _ => format!(
            "{lead} The model scores {va} on validation and {te} on test, {below} the {maj} of always \
             predicting the most frequent class (@fig:part_d_sets)."
        ),
    });
    let ct = w.pct(
        d.calibration_test.mean_confidence,
        F,
        "/calibration_test/mean_confidence",
    );
    let at = w.pct(d.calibration_test.accuracy, F, "/calibration_test/accuracy");
    let sure = match v.confidence_test.finding {
        Confidence::Overconfident => "confidently wrong",
        Confidence::Underconfident => "less sure than it is right",
        Confidence::Matches => "about as sure as it is right",
    };
    out.push(format!(
        "**Confidence on test.** On test the model gives its answer a probability of {ct} on average and is right {at} of the time: \
         {sure} (@fig:part_d_reliability)."
    ));
    // The first line already says there is no collapse, or too few rows to judge one.
    let nothing_to_explain = matches!(
        v.root_cause.finding,
        Diagnosis::NotLearned | Diagnosis::NoCollapse | Diagnosis::TooFewRows
    );
    if !nothing_to_explain {
        let mut sentence = verdict_sentence(w, d);
        // A named cause leads with its own bold verdict; the others get one.
        if !sentence.starts_with("**") {
            sentence = format!("**No root cause named.** {sentence}");
        }
        if let Some(e) = strongest_evidence(w, d) {
            sentence.push(' ');
            sentence.push_str(&e);
        }
        let sentence = sentence.trim_end().trim_end_matches('.');
        // The replay table exists only when the model learned enough to replay.
        out.push(match d.replay {
            Some(_) => format!("{sentence} (@fig:part_d_replay, @tab:replay)."),
            None => format!("{sentence}."),
        });
    }
    if let Some(fix) = fix_sentence(w, d) {
        out.push(fix);
    }
    out.extend(duplicate_sentences(w, d));
    out
}

/// The strongest evidence beside the replay for a named column: its relation to the label in
/// train and test.
pub(super) fn strongest_evidence(w: &mut Writer, d: &PartD) -> Option<String> {
    let rc = &d.verdicts.root_cause;
    let col = rc.columns.first()?;
    let i = d
        .root_cause
        .evidence
        .iter()
        .position(|e| &e.shift.column == col)?;
    let e = &d.root_cause.evidence[i];
    if !(e.shift.relation_train.is_finite() && e.shift.relation_test.is_finite()) {
        return None;
    }
    let p = format!("/root_cause/evidence/{i}");
    let rt = w.num(e.shift.relation_train, 2, F, format!("{p}/relation_train"));
    let rs = w.num(e.shift.relation_test, 2, F, format!("{p}/relation_test"));
    let name = w.name(col);
    Some(format!(
        "On its own, {name} relates to the label with a strength of {rt} in train and {rs} in test."
    ))
}

/// The fix that fits the cause, with what it recovers (`None` when nothing is diagnosed).
pub(super) fn fix_sentence(w: &mut Writer, d: &PartD) -> Option<String> {
    let v = &d.verdicts;
    match v.root_cause.finding {
        Diagnosis::Shortcut | Diagnosis::DistributionShift => {
            let i = d
                .mitigation_seeds
                .iter()
                .position(|m| m.name == MitigationKind::DropRootCause.name())?;
            let m = &d.mitigation_seeds[i];
            let cols = names(w, &v.root_cause.columns);
            let acc = match &m.test_acc_interval {
                Some(t) => w.pct(t.mean, F, format!("/mitigation_seeds/{i}/test_acc_interval/mean")),
                None => {
                    let j = d
                        .mitigations
                        .iter()
                        .position(|m| m.name == MitigationKind::DropRootCause)?;
                    w.pct(d.mitigations[j].test_acc, F, format!("/mitigations/{j}/test_acc"))
                }
            };
            let gap = match &v.fix_gap {
                Some(g) => {
                    let [mean, low, high] =
                        w.interval_ends(&g.gap, F, "/verdicts/fix_gap/gap", Writer::points);
                    let verdict = match g.finding {
                        GapOverSeeds::Absent => "no collapse is left",
                        GapOverSeeds::Present => "a collapse is still there",
                        GapOverSeeds::Undetermined => "whether a collapse is left is not settled",
                    };
                    format!(
                        ", and its own validation minus test accuracy is {mean} (confidence interval {low} to \
                         {high}): {verdict}"
                    )
                }
                None => String::new(),
            };
            Some(format!(
                "**The fix.** Retrained without {cols}, the model scores {acc} on test{gap} (@tab:fix)."
            ))
        }
        Diagnosis::ClassMix => {
            let c = &d.class_mix_correction;
            let without = w.pct(c.test_acc_without, F, "/class_mix_correction/test_acc_without");
            let with = w.pct(c.test_acc_with, F, "/class_mix_correction/test_acc_with");
            Some(format!(
                "The fix: reweighting the model's probabilities by the test set's class shares over the training \
                 split's takes test accuracy from {without} to {with}; it reads the test set's class shares, which \
                 a deployment would have to estimate (@tab:fix)."
            ))
        }
        Diagnosis::ConceptShift => Some(
            "The fix: none from this training set. When the relation between inputs and label changes, no \
             retraining on the old labels recovers it; it takes labelled rows drawn as test's."
                .to_string(),
        ),
        _ => None,
    }
}
