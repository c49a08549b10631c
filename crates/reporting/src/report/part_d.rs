//! Part D: the held-out test, the root cause and the mitigations.

use std::fmt::Write as _;

use experiments::interval::{Direction, Interval};
use experiments::part_d::{Mitigation, MitigationKind, PartD, ordinal};
use experiments::verdicts::{ClassMix, Collapse, GapOverSeeds};

use super::*;

pub(super) fn write(w: &mut Writer, r: &Results) {
    let d = &r.part_d;
    const F: &str = files::PART_D;
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
        "Part C's model scores {tr} on the training split, {va} on validation and {te} on the held-out test set (@fig:part_d_sets). \
         {finding}{seeds}"
    ));
    w.figure(
        "part_d_sets",
        "The same model on train, validation and test",
    );
    w.figure("part_d_confusion", "Confusion matrix on test");
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
        "Test rows, precision and recall per class {#tab:test-classes}",
        &t,
    );

    w.raw("### The root cause, from evidence");
    let mut t = String::from(
        "| column | share of attribution | accuracy lost when shuffled, points | label relation measure | label relation, train | label relation, test | distribution shift | relation breaks |\n| --- | ---: | ---: | --- | ---: | ---: | ---: | :---: |\n",
    );
    for e in &d.root_cause.evidence {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            w.name(&e.shift.column),
            pct_cell(e.attribution_share),
            fmt(100.0 * e.permutation_drop, 1),
            e.shift.measure.short(),
            fmt(e.shift.relation_train, 3),
            fmt(e.shift.relation_test, 3),
            fmt(e.shift.distribution_shift, 3),
            if e.relation_breaks { "**yes**" } else { "no" }
        );
    }
    w.table(
        "The evidence per column for the root cause {#tab:root-cause}",
        &t,
    );
    w.para(
        "Label relation is each column's own measure from Part A (named per row; with ordered classes the absolute \
         Pearson correlation with the class index or the correlation ratio η, without an order η of the values on \
         the class or Cramér's V), so a column is compared only with itself, train against test; distribution \
         shift is the Kolmogorov–Smirnov statistic or the total variation distance of the level shares."
            .to_string(),
    );
    let culprit = d
        .root_cause
        .evidence
        .iter()
        .position(|e| Some(&e.shift.column) == d.root_cause.feature.as_ref());
    match culprit {
        Some(i) => {
            let e = &d.root_cause.evidence[i];
            let p = format!("/root_cause/evidence/{i}");
            let share = w.pct(e.attribution_share, F, format!("{p}/attribution_share"));
            let drop = w.points(e.permutation_drop, F, format!("{p}/permutation_drop"));
            let rt = w.num(e.shift.relation_train, 3, F, format!("{p}/relation_train"));
            let rs = w.num(e.shift.relation_test, 3, F, format!("{p}/relation_test"));
            let col = w.name(&e.shift.column);
            let ratio = w.pct(d.config.break_ratio, F, "/config/break_ratio");
            w.para(format!(
                "**Root cause: {col}.** Of the columns, the model's gradients point at it {ar} ({share} of the \
                 attribution) and shuffling it costs {drop} of validation accuracy ({pr} among the columns); and its \
                 relation to the label, by its {measure}, is {rt} in train but {rs} in test, below the {ratio} of \
                 its train value under which a relation counts as broken (see @tab:root-cause). The network relies \
                 on a relation through {col} that the test set does not share.",
                measure = e.shift.measure.name(),
                ar = ordinal(e.attribution_rank),
                pr = ordinal(e.permutation_rank)
            ));
        }
        None if c.finding == Collapse::Collapse => w.para(
            "No column that the model relies on changes its relation to the label between train and test."
                .to_string(),
        ),
        None => w.para(
            "With no collapse to explain, no column is named as a root cause; the table above shows the evidence \
             for each column all the same."
                .to_string(),
        ),
    }
    dominant_columns(w, d);
    if d.root_cause_distribution.is_some() {
        w.figure(
            "part_d_root_cause",
            "The root-cause column per class, train beside test",
        );
    }
    overfitting_and_imbalance(w, d);

    w.raw("### Mitigations, each measured on test");
    let mut t = String::from(
        "| mitigation | what changed | train | validation | test |\n| --- | --- | ---: | ---: | ---: |\n",
    );
    for m in &d.mitigations {
        let _ = writeln!(
            t,
            "| `{}` | {} | {} | {} | {} |",
            m.name,
            describe(w, d, m),
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
        let description = describe(w, d, best);
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

/// The validation − test gap of the original model over the mitigation seeds, against the
/// collapse threshold (empty when the record has no such verdict).
fn collapse_over_seeds(w: &mut Writer, d: &PartD) -> String {
    const F: &str = files::PART_D;
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

/// The two usual explanations of a poor test score, each tested by a recorded comparison:
/// overfitting by the original model's train − validation gap over seeds, the class mix by
/// its total variation, and imbalance by the class-weighted loss paired by seed.
fn overfitting_and_imbalance(w: &mut Writer, d: &PartD) {
    const F: &str = files::PART_D;
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
            "below the {max} the configuration sets as the largest change that still counts as the same mix, so \
             the class mix does not move that much"
        ),
        ClassMix::Shifted => format!(
            "at least the {max} the configuration sets as the largest change that still counts as the same mix, so \
             the class mix moves between train and test"
        ),
    };
    let weighting = match &v.class_weighting {
        Some(cw) => {
            let p = "/verdicts/class_weighting";
            let n = w.count(cw.difference.n, F, format!("{p}/difference/n"));
            let diff = difference(w, &cw.difference, F, &format!("{p}/difference"));
            let verdict = match cw.finding {
                Direction::Higher => "rebalancing detectably helps, so the imbalance costs accuracy on test",
                Direction::NotDetected => {
                    "no gain is detected, so the imbalance is not shown to cost accuracy on test"
                }
                Direction::Lower => "rebalancing detectably costs accuracy on test, so it is no remedy here",
            };
            format!(
                " The imbalance's own remedy, a loss weighted inversely to class frequency, changes test accuracy by \
                 {diff} against the original model, paired by seed over {n} seeds (@tab:mitigation-seeds): {verdict}."
            )
        }
        None => " The class-weighted mitigation below tests the imbalance explanation on the protocol's seed."
            .to_string(),
    };
    w.para(format!(
        "Two usual explanations of a poor test score are overfitting and class imbalance; each is tested here. \
         {over} The class shares of test differ from those of the training split by a total variation of {tv}, \
         {mix}.{weighting}"
    ));
}

/// The mitigations over seeds: a table and the verdict with its paired intervals.
fn over_seeds(w: &mut Writer, d: &PartD) {
    const F: &str = files::PART_D;
    if d.mitigation_seeds.is_empty() {
        return;
    }
    let cell = |i: &Option<Interval>, unit: &str| match i {
        Some(i) => format!(
            "{:.1}{unit} ({:.1} to {:.1})",
            100.0 * i.mean,
            100.0 * i.low,
            100.0 * i.high
        ),
        None => "—".to_string(),
    };
    let mut t = String::from(
        "| model | seeds | test accuracy, % | test minus the original's, points (paired by seed) |\n| --- | ---: | ---: | ---: |\n",
    );
    for m in &d.mitigation_seeds {
        let _ = writeln!(
            t,
            "| `{}` | {} | {} | {} |",
            m.name,
            m.seeds.len(),
            cell(&m.test_acc_interval, ""),
            cell(&m.test_difference, "")
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
/// (its relation holds on test) is a finding, a shortcut (it breaks) the only kind of column
/// that can be a root cause.
fn dominant_columns(w: &mut Writer, d: &PartD) {
    let rc = &d.root_cause;
    let names = |w: &mut Writer, list: &[String]| -> String {
        list.iter()
            .map(|c| w.name(c))
            .collect::<Vec<_>>()
            .join(", ")
    };
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
        .filter(|c| rc.feature.as_ref() != Some(*c))
        .cloned()
        .collect();
    if !other.is_empty() {
        let cols = names(w, &other);
        w.para(if other.len() == 1 {
            format!(
                "{cols} predicts the label on its own in train, but its relation to the label breaks on test: \
                 a shortcut. It is named as a root cause only when there is a collapse it explains."
            )
        } else {
            format!(
                "{cols} each predict the label on their own in train, but their relations to the label break \
                 on test: shortcuts. One is named as a root cause only when there is a collapse it explains."
            )
        });
    }
}

/// What a mitigation changed, in words; the dropped column's name is escaped here, the
/// other descriptions hold no string from the data.
fn describe(w: &mut Writer, d: &PartD, m: &Mitigation) -> String {
    match (m.name, &d.root_cause.feature) {
        (MitigationKind::DropRootCause, Some(column)) => {
            format!("retrained without {}", w.name(column))
        }
        _ => w.record_text(&m.description),
    }
}
