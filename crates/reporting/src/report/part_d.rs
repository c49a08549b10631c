//! Part D: the held-out test, the root cause found by replaying each candidate change, the
//! checks around it (training, confidence, duplicated rows), the fix that fits the cause and
//! the mitigations. Every verdict is the record's; this file only words it, and is the one
//! place Part D's findings are worded (the report, the Findings block and the terminal
//! summary all take their sentences from here).

use std::fmt::Write as _;

use experiments::interval::{Direction, Interval};
use experiments::part_d::{Candidate, CandidateKind, Mitigation, MitigationKind, PartD};
use experiments::verdicts::{
    ClassMix, Collapse, ColumnChange, Confidence, ConfinementFinding, Diagnosis, Dominance,
    Duplication, GapOverSeeds, Training,
};

use super::*;

const F: &str = files::PART_D;

/// `1` → `"first"`, …; ranks past the tenth read `"below the tenth"`.
pub fn ordinal(rank: usize) -> &'static str {
    const WORDS: [&str; 10] = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth",
    ];
    rank.checked_sub(1)
        .and_then(|i| WORDS.get(i))
        .copied()
        .unwrap_or("below the tenth")
}

/// Column names joined for prose: `a`, `a and b`, `a, b and c`.
fn names(w: &mut Writer, columns: &[String]) -> String {
    let named: Vec<String> = columns.iter().map(|c| w.name(c)).collect();
    match named.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The candidate the root-cause verdict rests on, with its index.
fn cause(d: &PartD) -> Option<(usize, &Candidate)> {
    let i = d.verdicts.root_cause.candidate?;
    Some((i, d.replay.as_ref()?.candidates.get(i)?))
}

/// The accuracy a candidate predicts, quoted.
fn predicted(w: &mut Writer, i: usize, c: &Candidate) -> String {
    w.pct(
        c.accuracy_mean(),
        F,
        format!("/replay/candidates/{i}/accuracy/mean"),
    )
}

/// The one plain sentence that names Part D's verdict (also the terminal's and the
/// Findings block's).
fn verdict_sentence(w: &mut Writer, d: &PartD) -> String {
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
                    let rt = w.num(
                        conf.relation_train,
                        2,
                        F,
                        "/verdicts/root_cause/confinement/relation_train",
                    );
                    let rs = w.num(
                        conf.relation_test,
                        2,
                        F,
                        "/verdicts/root_cause/confinement/relation_test",
                    );
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

/// Text without the quote marks and Markdown emphasis.
fn plain(text: &str) -> String {
    text.replace([OPEN, CLOSE], "")
        .replace("**", "")
        .replace('`', "")
}

/// One sentence per set with many duplicated rows.
fn duplicate_sentences(w: &mut Writer, d: &PartD) -> Vec<String> {
    let v = &d.verdicts.duplicates;
    let dup = &d.duplicates;
    let mut out = Vec::new();
    if v.test == Duplication::Warned {
        let max = w.pct(v.max_share, F, "/verdicts/duplicates/max_share");
        let n = w.count(
            dup.train_test.features,
            F,
            "/duplicates/train_test/features",
        );
        let share = w.pct(
            dup.train_test.features_share,
            F,
            "/duplicates/train_test/features_share",
        );
        out.push(format!(
            "Duplicated rows: {n} test rows ({share}, at least the {max} warned of) repeat the features of a \
             training row, so the test score partly measures memory, not generalisation."
        ));
    }
    if v.validation == Duplication::Warned {
        let max = w.pct(v.max_share, F, "/verdicts/duplicates/max_share");
        let n = w.count(
            dup.train_validation.features,
            F,
            "/duplicates/train_validation/features",
        );
        let share = w.pct(
            dup.train_validation.features_share,
            F,
            "/duplicates/train_validation/features_share",
        );
        out.push(format!(
            "Duplicated rows: {n} validation rows ({share}, at least the {max} warned of) repeat the features of a \
             training-split row, so the validation score partly measures memory, not generalisation."
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

/// The majority baseline's row of the mitigations table.
fn majority(d: &PartD) -> (usize, &Mitigation) {
    d.mitigations
        .iter()
        .enumerate()
        .find(|(_, m)| m.name == MitigationKind::MajorityBaseline)
        .expect("the majority baseline is always measured")
}

/// The strongest evidence beside the replay for a named column: its relation to the label in
/// train and test.
fn strongest_evidence(w: &mut Writer, d: &PartD) -> Option<String> {
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
fn fix_sentence(w: &mut Writer, d: &PartD) -> Option<String> {
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

pub(super) fn write(w: &mut Writer, r: &Results) {
    let d = &r.part_d;
    w.raw("## Part D: the held-out test");
    let tr = w.pct(d.model.train_acc, F, "/model/train_acc");
    let va = w.pct(d.model.val_acc, F, "/model/val_acc");
    let te = w.pct(d.model.test_acc, F, "/model/test_acc");
    let c = &d.verdicts.collapse;
    let finding = match c.finding {
        Collapse::Collapse => {
            let gap = w.points(c.gap, F, "/verdicts/collapse/gap");
            let min = w.points(c.min_gap, F, "/verdicts/collapse/min_gap");
            format!(
                "Test accuracy falls {gap} below validation, past the {min} that counts as a collapse: the rest of \
                 this part explains it."
            )
        }
        Collapse::NoCollapse => {
            let gap = w.points(c.gap, F, "/verdicts/collapse/gap");
            let min = w.points(c.min_gap, F, "/verdicts/collapse/min_gap");
            format!(
                "Validation minus test accuracy is {gap}, short of the {min} that would count as a collapse: there is \
                 no collapse to explain, so no root cause is named."
            )
        }
        Collapse::TooFewRows => {
            let n = w.count(c.test_rows, F, "/verdicts/collapse/test_rows");
            let min = w.count(c.min_test_rows, F, "/verdicts/collapse/min_test_rows");
            format!(
                "The test set has {n} rows, fewer than the {min} its statistics need: too few rows to diagnose a \
                 collapse, so no root cause is named."
            )
        }
    };
    let seeds = collapse_over_seeds(w, d);
    w.para(format!(
        "Part C's model scores {tr} on the training split, {va} on validation and {te} on the held-out test set (@fig:part_d_sets; per class, @tab:test-classes). \
         {finding}{seeds}"
    ));
    training(w, d);
    w.figure(
        "part_d_sets",
        "The same model on train, validation and test",
    );
    w.figure("part_d_confusion", "Confusion matrix on test");

    w.raw("### The root cause, from evidence");
    let sentence = verdict_sentence(w, d);
    w.para(sentence);
    replay(w, d);
    evidence(w, d);
    dominant_columns(w, d);
    if d.root_cause_distribution.is_some() {
        w.figure(
            "part_d_root_cause",
            "The root-cause column per class, train beside test",
        );
    }
    overfitting_and_imbalance(w, d);
    confidence(w, d);
    duplicates(w, d);
    fix(w, d);
    simple_models(w, d);
}

/// Part D's tables the main text cites but does not need: every replayed candidate, the
/// evidence per column, and each mitigation on the protocol's seed and over seeds.
pub(super) fn appendix(w: &mut Writer, r: &Results) {
    let d = &r.part_d;
    let classes = class_names(&r.part_a.schema);
    let mut t =
        String::from("| class | test rows | precision | recall |\n| --- | ---: | ---: | ---: |\n");
    for (k, name) in classes.iter().enumerate() {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} |",
            escape(name),
            d.test_confusion.support[k],
            pct_cell(d.test_confusion.precision[k]),
            pct_cell(d.test_confusion.recall[k])
        );
    }
    w.table(
        "Part D: test rows, precision and recall per class {#tab:test-classes}",
        &t,
    );
    replay_table(w, d);
    evidence_table(w, d);
    w.raw("### Part D: mitigations, each measured on test");
    let mut t = String::from(
        "| mitigation | what changed | train | validation | test |\n| --- | --- | ---: | ---: | ---: |\n",
    );
    for m in &d.mitigations {
        let what = describe(w, r, m);
        let _ = writeln!(
            t,
            "| `{}` | {} | {} | {} | {} |",
            m.name,
            what,
            pct_cell(m.train_acc),
            pct_cell(m.val_acc),
            pct_cell(m.test_acc)
        );
    }
    w.table(
        "Mitigations, each measured on train, validation and test {#tab:mitigations}",
        &t,
    );
    if let Some(i) = d.verdicts.best_mitigation {
        let best = &d.mitigations[i];
        let acc = w.pct(best.test_acc, F, format!("/mitigations/{i}/test_acc"));
        let base = w.pct(d.test_acc, F, "/test_acc");
        let description = describe(w, r, best);
        w.para(format!(
            "On the protocol's seed, the best mitigation on test is `{}` ({description}), at {acc} against {base} for the original model (@tab:mitigations, @fig:part_d_mitigations).",
            best.name
        ));
    }
    w.figure(
        "part_d_mitigations",
        "Validation and test accuracy of each mitigation",
    );
    over_seeds(w, d);
}

/// The replay's table, every candidate (Appendix B; the main text shows its figure).
fn replay_table(w: &mut Writer, d: &PartD) {
    let Some(replay) = &d.replay else {
        return;
    };
    let mut t = String::from(
        "| change replayed | columns | accuracy it predicts, % (95 % interval) | test accuracy, % | reproduces the fall | share of the gap explained |\n| --- | --- | ---: | ---: | :---: | ---: |\n",
    );
    for c in &replay.candidates {
        let kind = match c.kind {
            CandidateKind::ClassMix => "class mix",
            CandidateKind::Column => "one column",
            CandidateKind::Columns => "columns together",
            CandidateKind::Everything => "every column at once",
        };
        let columns = match c.kind {
            CandidateKind::ClassMix => "—".to_string(),
            CandidateKind::Everything => "all".to_string(),
            _ => c
                .columns
                .iter()
                .map(|n| code(n))
                .collect::<Vec<_>>()
                .join(", "),
        };
        let acc = match &c.accuracy {
            Some(i) => interval_cell(i),
            None => "—".to_string(),
        };
        let share = if c.gap_share.abs() < 0.005 {
            "0%".to_string()
        } else if c.gap_share.is_finite() {
            format!("{:.0}%", 100.0 * c.gap_share)
        } else {
            "—".to_string()
        };
        let _ = writeln!(
            t,
            "| {kind} | {columns} | {acc} | {} | {} | {share} |",
            pct_cell(replay.test_acc),
            if c.reproduces { "**yes**" } else { "no" }
        );
    }
    w.table(
        "Part D: each candidate change replayed on the validation rows: the test accuracy it predicts (validation accuracy plus the replay's effect over its null, mean and 95 % Welch interval over the draws), beside the real one {#tab:replay}",
        &t,
    );
}

/// The evidence per column and how to read it (Appendix B).
fn evidence_table(w: &mut Writer, d: &PartD) {
    let mut t = String::from(
        "| column | share of attribution | accuracy lost when shuffled, points | label relation measure | label relation, train | label relation, test | distribution shift | change | predicts the label alone (Part A) | accuracy with it replayed, % |\n| --- | ---: | ---: | --- | ---: | ---: | ---: | --- | --- | ---: |\n",
    );
    for e in &d.root_cause.evidence {
        let replayed = d
            .replay
            .iter()
            .flat_map(|r| &r.candidates)
            .find(|c| c.kind == CandidateKind::Column && c.columns == [e.shift.column.clone()])
            .map_or("—".to_string(), |c| fmt(100.0 * c.accuracy_mean(), 1));
        let change = match e.change {
            ColumnChange::Stable => "stable",
            ColumnChange::DistributionShift => "distribution shift",
            ColumnChange::RelationWeakens => "relation weakens",
            ColumnChange::RelationBreaks => "**relation breaks**",
            ColumnChange::Undetermined => "undetermined",
        };
        let dominant = match e.dominance {
            None => "no",
            Some(Dominance::Shortcut) => "yes: a shortcut",
            Some(Dominance::StrongFeature) => "yes: a strong feature",
            Some(Dominance::IdentifierLeak) => "yes: an identifier leak",
            Some(Dominance::Undetermined) => "yes",
        };
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} | {} | {change} | {dominant} | {replayed} |",
            w.name(&e.shift.column),
            pct_cell(e.attribution_share),
            fmt(100.0 * e.permutation_drop, 1),
            e.shift.measure.short(),
            fmt(e.shift.relation_train, 3),
            fmt(e.shift.relation_test, 3),
            fmt(e.shift.distribution_shift, 3),
        );
    }
    w.table(
        "Part D: the evidence per column beside the replay {#tab:root-cause}",
        &t,
    );
    let ratio = w.pct(d.config.break_ratio, F, "/config/break_ratio");
    let hold = w.pct(d.config.hold_ratio, F, "/config/hold_ratio");
    w.para(format!(
        "Label relation is each column's own measure from Part A (named per row; with ordered classes the absolute \
         Pearson correlation with the class index or the correlation ratio η, without an order η of the values on \
         the class or Cramér's V), so a column is compared only with itself, train against test; distribution \
         shift is the Kolmogorov–Smirnov statistic or the total variation distance of the level shares. A relation \
         breaks below {ratio} of its train strength and weakens below {hold}; a column whose distribution moves \
         while its relation holds is a distribution shift, which is never called a shortcut."
    ));
}

/// Whether Part C's model was trained to the end.
fn training(w: &mut Writer, d: &PartD) {
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
fn replay(w: &mut Writer, d: &PartD) {
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
                let rt = w.num(
                    conf.relation_train,
                    2,
                    F,
                    "/verdicts/root_cause/confinement/relation_train",
                );
                let rs = w.num(
                    conf.relation_test,
                    2,
                    F,
                    "/verdicts/root_cause/confinement/relation_test",
                );
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

/// A cell `mean (low to high)` in percent.
fn interval_cell(i: &Interval) -> String {
    format!(
        "{} ({} to {})",
        tenths(100.0 * i.mean),
        tenths(100.0 * i.low),
        tenths(100.0 * i.high)
    )
}

/// One decimal, without a minus sign on a value that rounds to zero.
fn tenths(x: f64) -> String {
    if x.abs() < 0.05 {
        "0.0".to_string()
    } else {
        format!("{x:.1}")
    }
}

/// The evidence per column: attribution, relations, distribution shift, change, replay.
fn evidence(w: &mut Writer, d: &PartD) {
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
fn confidence(w: &mut Writer, d: &PartD) {
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
fn duplicates(w: &mut Writer, d: &PartD) {
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
fn fix(w: &mut Writer, d: &PartD) {
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
fn simple_models(w: &mut Writer, d: &PartD) {
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
fn collapse_over_seeds(w: &mut Writer, d: &PartD) -> String {
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
fn overfitting_and_imbalance(w: &mut Writer, d: &PartD) {
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

/// The mitigations over seeds: a table and the verdict with its paired intervals.
fn over_seeds(w: &mut Writer, d: &PartD) {
    if d.mitigation_seeds.is_empty() {
        return;
    }
    let cell = |i: &Option<Interval>| i.as_ref().map_or("—".to_string(), interval_cell);
    let mut t = String::from(
        "| model | seeds | test accuracy, % | test minus the original's, points (paired by seed) |\n| --- | ---: | ---: | ---: |\n",
    );
    for m in &d.mitigation_seeds {
        let _ = writeln!(
            t,
            "| `{}` | {} | {} | {} |",
            m.name,
            m.seeds.len(),
            cell(&m.test_acc_interval),
            cell(&m.test_difference)
        );
    }
    w.table(
        "The original model and each mitigation over seeds: mean and 95 % Student-t confidence interval; differences in percentage points {#tab:mitigation-seeds}",
        &t,
    );
    let Some(v) = &d.verdicts.best_over_seeds else {
        return;
    };
    let best = &d.mitigation_seeds[v.best];
    let p = "/verdicts/best_over_seeds";
    let n = w.count(
        best.seeds.len(),
        F,
        format!("/mitigation_seeds/{}/test_acc_interval/n", v.best),
    );
    let over = difference(w, &v.over_original, F, &format!("{p}/over_original"));
    let verdict = match v.finding {
        Direction::Higher => "it detectably helps on test",
        Direction::Lower => "even the best mitigation does worse on test than the original model",
        Direction::NotDetected => "no gain over the original model is detected",
    };
    let runner = match (v.runner_up, &v.over_runner_up) {
        (Some(r), Some(i)) => {
            let d2 = difference(w, i, F, &format!("{p}/over_runner_up"));
            format!(
                " Against the runner-up, `{}`, seed by seed, the difference is {d2}.",
                d.mitigation_seeds[r].name
            )
        }
        _ => String::new(),
    };
    w.para(format!(
        "Over {n} seeds (@tab:mitigation-seeds), `{}` has the highest mean test accuracy; paired with the original \
         model trained from the same seed it changes test accuracy by {over}: {verdict}.{runner}",
        best.name
    ));
}

/// The columns Part A flags as dominant, by what Part D found of them: a strong feature
/// (its relation holds on test) is a finding, a shortcut (it breaks) is named as a root cause
/// only when its replay reproduces the fall.
fn dominant_columns(w: &mut Writer, d: &PartD) {
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
fn describe(w: &mut Writer, r: &Results, m: &Mitigation) -> String {
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
