//! Part A: the data, the dominance check and the shift check.

use std::fmt::Write as _;

use experiments::part_a::Kind;
use experiments::verdicts::ChangeReading;

use super::*;

pub(super) fn write(w: &mut Writer, r: &Results) {
    let a = &r.part_a;
    const F: &str = files::PART_A;
    w.raw("## Part A: the data");
    let train = w.count(a.rows.train, F, "/rows/train");
    let test = w.count(a.rows.test, F, "/rows/test");
    let label = w.name(&a.label);
    // Each kind named only when the table has columns of it.
    let kinds: Vec<String> = [(true, "categorical"), (false, "numeric")]
        .into_iter()
        .filter_map(|(categorical, kind)| {
            let names: Vec<String> = a
                .features
                .iter()
                .filter(|f| (f.kind == Kind::Categorical) == categorical)
                .map(|f| w.name(&f.name))
                .collect();
            (!names.is_empty()).then(|| format!("{} ({kind})", names.join(", ")))
        })
        .collect();
    w.para(format!(
        "The training file has {train} rows and the test file {test}. Each row has the label {label} and the feature \
         columns {}; missing values per column are in @tab:columns.",
        kinds.join(" and ")
    ));
    data_quality(w, a);
    let classes = class_names(&a.schema);
    let mut t = String::from(
        "| class | train rows | train share | test rows | test share |\n| --- | ---: | ---: | ---: | ---: |\n",
    );
    for (k, name) in classes.iter().enumerate() {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} |",
            escape(name),
            a.class_counts[k],
            pct_cell(a.class_shares[k]),
            a.class_counts_test.get(k).copied().unwrap_or(0),
            pct_cell(a.class_shares_test.get(k).copied().unwrap_or(f64::NAN))
        );
    }
    w.table(
        "Rows and share of each class in train and test {#tab:classes}",
        &t,
    );
    if let Some(ratio) = a.imbalance_ratio {
        let ratio = w.num(ratio, 2, F, "/imbalance_ratio");
        let (big, _) = a
            .class_counts
            .iter()
            .enumerate()
            .max_by_key(|(_, c)| **c)
            .unwrap_or((0, &0));
        let big_share = w.pct(a.class_shares[big], F, format!("/class_shares/{big}"));
        // Integer labels are named by their number (quoted), text labels by their text.
        let big_class = if a.schema.classes.is_empty() {
            format!(
                "class {}",
                w.num(big as f64, 0, F, "/dominance/baseline_class")
            )
        } else {
            escape(&a.schema.class_name(big))
        };
        w.para(format!(
            "The largest class outnumbers the smallest by {ratio} to one; predicting the largest ({big_class}) \
             for every row is right {big_share} of the time in train, the accuracy any model must beat \
             (@tab:classes, @fig:class_distribution)."
        ));
    }
    w.figure("class_distribution", "Class shares in train and test");
    w.figure(
        "numeric_by_class",
        "Five-number summaries of each numeric column per class",
    );
    for column in a.category_by_class.keys() {
        let alt = format!("Class shares per level of {}", escape(column));
        w.figure(&format!("category_{column}"), &alt);
    }

    w.raw("### Does one column predict the label suspiciously well?");
    let d = &a.dominance;
    let threshold = w.num(d.threshold, 2, F, "/dominance/threshold");
    let baseline = w.pct(d.baseline_accuracy, F, "/dominance/baseline_accuracy");
    let bins = w.count(d.bins, F, "/dominance/bins");
    let range = threshold_range(
        w,
        (d.same_verdict_above, d.same_verdict_up_to),
        "/dominance/same_verdict_above",
        "/dominance/same_verdict_up_to",
    );
    w.para(format!(
        "A column is flagged when the best rule reading it alone ({bins} quantile bins or one group per level, \
         the majority class of each) removes at least {threshold} of the validation errors of the majority \
         baseline, which scores {baseline} (@tab:dominance). The threshold is set by hand; the same columns are \
         flagged for {range}."
    ));
    for (i, rule) in d.rules.iter().enumerate().filter(|(_, r)| r.dominant) {
        let reduction = w.num(
            rule.error_reduction,
            3,
            F,
            format!("/dominance/rules/{i}/error_reduction"),
        );
        let val = w.pct(
            rule.validation_accuracy,
            F,
            format!("/dominance/rules/{i}/validation_accuracy"),
        );
        let test = match rule.test_accuracy {
            Some(t) => {
                let t = w.pct(t, F, format!("/dominance/rules/{i}/test_accuracy"));
                format!(" The same rule scores {t} on test.")
            }
            None => String::new(),
        };
        let column = w.name(&rule.column);
        let kind = dominance_kind(&r.part_d, &rule.column);
        w.para(format!(
            "{column} alone predicts the label suspiciously well: its rule removes {reduction} of the baseline's \
             errors, reaching {val} on validation.{test}{kind}"
        ));
    }
    if a.dominant_features.is_empty() {
        w.para("No column is flagged.".to_string());
    }

    w.raw("### Does anything change between train and test?");
    let mut t = String::from(
        "| numeric column | KS statistic | p-value (asymptotic) | label relation measure | label relation, train | label relation, test |\n| --- | ---: | ---: | --- | ---: | ---: |\n",
    );
    for (column, s) in &a.shift {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} |",
            w.name(column),
            s.ks.map_or("—".into(), |v| fmt(v, 3)),
            s.ks_p_value.map_or("—".into(), p_value_cell),
            signed_measure(s.measure),
            s.label_corr_train.map_or("—".into(), |v| fmt(v, 3)),
            s.label_corr_test.map_or("—".into(), |v| fmt(v, 3)),
        );
    }
    w.table(
        "Numeric columns, train against test: KS statistic (asymptotic p-value, one significant figure) and relation to the label, in the measure named, compared only with itself {#tab:shift-numeric}",
        &t,
    );
    let mut t = String::from(
        "| categorical column | share change (total variation) | label relation measure | label relation, train | label relation, test |\n| --- | ---: | --- | ---: | ---: |\n",
    );
    for (column, s) in &a.shift_categorical {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} |",
            w.name(column),
            fmt(s.tvd, 3),
            s.measure.short(),
            s.label_corr_train.map_or("—".into(), |v| fmt(v, 3)),
            s.label_corr_test.map_or("—".into(), |v| fmt(v, 3)),
        );
    }
    w.table(
        "Categorical columns, train against test {#tab:shift-categorical}",
        &t,
    );

    relation_shifts(w, a);
}

/// Part A's table of one-column rules (the text states the flagged ones' numbers).
pub(super) fn appendix(w: &mut Writer, r: &Results) {
    let a = &r.part_a;
    let mut t = String::from(
        "| column | kind | missing in train | missing in test |\n| --- | --- | ---: | ---: |\n",
    );
    for f in &a.features {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} |",
            w.name(&f.name),
            if f.kind == Kind::Categorical {
                "categorical"
            } else {
                "numeric"
            },
            a.missing.get(&f.name).copied().unwrap_or(0),
            a.missing_test.get(&f.name).copied().unwrap_or(0)
        );
    }
    w.table(
        "Part A: feature columns, their kind and missing values in train and test {#tab:columns}",
        &t,
    );
    w.figure(
        "correlation_train",
        "Part A: Pearson correlation matrix, train",
    );
    w.figure(
        "correlation_test",
        "Part A: Pearson correlation matrix, test",
    );
    let mut t = String::from(
        "| column | validation accuracy | error reduction | uncertainty coefficient | same rule on test | flagged |\n| --- | ---: | ---: | ---: | ---: | :---: |\n",
    );
    for rule in &a.dominance.rules {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} |",
            w.name(&rule.column),
            pct_cell(rule.validation_accuracy),
            fmt(rule.error_reduction, 3),
            rule.uncertainty_coefficient
                .map_or("—".into(), |u| fmt(u, 3)),
            rule.test_accuracy.map_or("—".into(), pct_cell),
            if rule.dominant { "**yes**" } else { "no" }
        );
    }
    w.table(
        "Part A: one-column rules fitted on the training split, scored on validation and test {#tab:dominance}",
        &t,
    );
}

/// The columns whose relation to the label changes between train and test, each with its
/// measure, its two values and the threshold, then how far the verdict is from that
/// threshold (which was set by hand, not derived from a test).
fn relation_shifts(w: &mut Writer, a: &experiments::PartA) {
    const F: &str = files::PART_A;
    let th = &a.shift_thresholds;
    let threshold = w.num(
        th.label_corr_change,
        2,
        F,
        "/shift_thresholds/label_corr_change",
    );
    for column in &a.label_relation_shifted {
        let name = w.name(column);
        let (p, measure, train, test, change) = if let Some(s) = a.shift.get(column) {
            (
                format!("/shift/{}", key(column)),
                s.measure,
                s.label_corr_train,
                s.label_corr_test,
                s.label_corr_change,
            )
        } else if let Some(s) = a.shift_categorical.get(column) {
            (
                format!("/shift_categorical/{}", key(column)),
                s.measure,
                s.label_corr_train,
                s.label_corr_test,
                s.label_corr_change,
            )
        } else {
            continue;
        };
        let (Some(tr), Some(te), Some(d)) = (train, test, change) else {
            continue;
        };
        let numeric = a.shift.get(column);
        let tr = w.num(tr, 3, F, format!("{p}/label_corr_train"));
        let te = w.num(te, 3, F, format!("{p}/label_corr_test"));
        let d = w.num(d, 3, F, format!("{p}/label_corr_change"));
        let mut bounds = |name: &str, b: Option<experiments::part_a::Bounds>| {
            b.map(|b| {
                let low = w.num(b.low, 3, F, format!("{p}/{name}/low"));
                let high = w.num(b.high, 3, F, format!("{p}/{name}/high"));
                format!(" ({low} to {high})")
            })
            .unwrap_or_default()
        };
        let tr_ci = bounds(
            "label_corr_train_interval",
            numeric.and_then(|s| s.label_corr_train_interval),
        );
        let te_ci = bounds(
            "label_corr_test_interval",
            numeric.and_then(|s| s.label_corr_test_interval),
        );
        let change = match (
            numeric.and_then(|s| s.label_corr_change_interval),
            numeric.and_then(|s| s.label_corr_change_reading),
        ) {
            (Some(b), Some(reading)) => {
                let ci = bounds("label_corr_change_interval", Some(b));
                let verdict = match reading {
                    ChangeReading::Beyond => format!(
                        "the whole interval lies past the {threshold} that counts as a change"
                    ),
                    ChangeReading::Straddles => format!(
                        "the interval reaches inside the {threshold} that counts as a change, so the change is not firm"
                    ),
                    ChangeReading::Within => {
                        format!(
                            "the whole interval lies within the {threshold} that counts as a change"
                        )
                    }
                };
                format!(
                    "a change of {d}{ci}: {verdict} (intervals by Fisher's z, and Zou's method for the change)"
                )
            }
            _ => format!(
                "a change of {d}, past the {threshold} that counts as a change (this measure has no closed-form \
                 interval here)"
            ),
        };
        let marginal = match numeric {
            Some(s) if s.marginal_shift => {
                let ks = s.ks.map(|k| w.num(k, 3, F, format!("{p}/ks")));
                let th = w.num(th.ks, 2, F, "/shift_thresholds/ks");
                ks.map(|ks| {
                    format!(" Its own distribution moves too: a KS statistic of {ks}, past the {th} that counts as a shift.")
                })
                .unwrap_or_default()
            }
            _ => String::new(),
        };
        w.para(format!(
            "{name}'s relation to the label changes: its {} is {tr} in train{tr_ci} and {te} in test{te_ci}, \
             {change} (@tab:shift-numeric).{marginal}",
            signed_name(measure)
        ));
    }
    let range = threshold_range(
        w,
        (
            th.label_corr_same_verdict_above,
            th.label_corr_same_verdict_up_to,
        ),
        "/shift_thresholds/label_corr_same_verdict_above",
        "/shift_thresholds/label_corr_same_verdict_up_to",
    );
    let flagged = if a.label_relation_shifted.is_empty() {
        "No column's relation to the label changes by"
    } else {
        "Only the columns above change their relation to the label by"
    };
    w.para(format!(
        "{flagged} {threshold} or more; set by hand, that threshold flags the same columns for {range}."
    ));
}

/// "any threshold above … and up to …": the thresholds that flag exactly the same columns,
/// each end quoted from Part A's record at its pointer.
fn threshold_range(
    w: &mut Writer,
    (above, up_to): (Option<f64>, Option<f64>),
    above_pointer: &str,
    up_to_pointer: &str,
) -> String {
    const F: &str = files::PART_A;
    let lo = above.map(|v| w.num(v, 3, F, above_pointer));
    let hi = up_to.map(|v| w.num(v, 3, F, up_to_pointer));
    match (lo, hi) {
        (Some(lo), Some(hi)) => format!("any threshold above {lo} and up to {hi}"),
        (Some(lo), None) => format!("any threshold above {lo}"),
        (None, Some(hi)) => format!("any threshold up to {hi}"),
        (None, None) => "any threshold".to_string(),
    }
}

/// The measure's name in a Part A table cell, where Pearson's r keeps its sign.
fn signed_measure(m: experiments::part_a::RelationMeasure) -> &'static str {
    match m {
        experiments::part_a::RelationMeasure::AbsPearsonR => "Pearson r",
        other => other.short(),
    }
}

/// The measure's name in a Part A sentence, where Pearson's r keeps its sign.
fn signed_name(m: experiments::part_a::RelationMeasure) -> &'static str {
    match m {
        experiments::part_a::RelationMeasure::AbsPearsonR => {
            "Pearson correlation with the class index"
        }
        other => other.name(),
    }
}

/// What a flagged column is, by Part D's comparison of its label relation in train and
/// test: strong and honest, or a shortcut (empty when Part D did not classify it).
fn dominance_kind(d: &experiments::PartD, column: &str) -> &'static str {
    let has = |list: &[String]| list.iter().any(|c| c == column);
    if has(&d.root_cause.identifier_leaks) {
        " It holds a distinct value in every row: a row identifier, which can only predict the label through \
         how the rows were numbered or named. An identifier leak, never an honest feature, whatever test shows."
    } else if has(&d.root_cause.shortcuts) {
        " Its relation to the label breaks on test (Part D): a shortcut, not a feature to trust."
    } else if has(&d.root_cause.strong_features) {
        " Its relation to the label holds on test (Part D): a strong, honest feature — a finding, \
         not a fault."
    } else {
        ""
    }
}

/// The data-quality paragraph, only when the loader found values outside their column's
/// valid range in either file.
fn data_quality(w: &mut Writer, a: &experiments::PartA) {
    const F: &str = files::PART_A;
    let mut findings = Vec::new();
    for (side, list) in a.out_of_range.sides() {
        for (i, f) in list.iter().enumerate() {
            let p = format!("/out_of_range/{side}/{i}");
            let count = w.count(f.count, F, format!("{p}/count"));
            let min = f.min.map(|v| w.num(v, decimals(v), F, format!("{p}/min")));
            let max = f.max.map(|v| w.num(v, decimals(v), F, format!("{p}/max")));
            let range = match (min, max) {
                (Some(lo), Some(hi)) => format!("between {lo} and {hi}"),
                (Some(lo), None) => format!("at least {lo}"),
                (None, Some(hi)) => format!("at most {hi}"),
                (None, None) => "within range".to_string(),
            };
            let column = w.name(&f.column);
            findings.push(format!(
                "{count} values of {column} in the {side} file (valid: {range})"
            ));
        }
    }
    if findings.is_empty() {
        return;
    }
    w.raw("### Data quality");
    w.para(format!(
        "Some values lie outside their column's valid range and were read as missing (then imputed like any \
         missing value): {}.",
        findings.join("; ")
    ));
}

/// Enough decimals to state a range bound exactly as written in the schema.
fn decimals(v: f64) -> usize {
    if v.fract() == 0.0 { 0 } else { 3 }
}

/// A KS p-value to the one significant figure the asymptotic formula supports; below
/// 1e-16, where double precision's `1 − x` has no digits left, `< 1e-16`.
fn p_value_cell(p: f64) -> String {
    if p < 1e-16 {
        "< 1e-16".to_string()
    } else {
        format!("{p:.0e}")
    }
}
