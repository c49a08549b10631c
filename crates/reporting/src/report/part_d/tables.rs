//! Part D's tables for Appendix B: every replayed candidate, the evidence per column, the
//! mitigations over seeds.

use std::fmt::Write as _;

use super::*;

/// The replay's table, every candidate (Appendix B; the main text shows its figure).
pub(super) fn replay_table(w: &mut Writer, d: &PartD) {
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
pub(super) fn evidence_table(w: &mut Writer, d: &PartD) {
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

/// The mitigations over seeds: a table and the verdict with its paired intervals.
pub(super) fn over_seeds(w: &mut Writer, d: &PartD) {
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
    // The mitigations whose paired difference from the original holds zero.
    let alike: Vec<String> = d
        .mitigation_seeds
        .iter()
        .filter(|m| {
            m.test_difference
                .is_some_and(|i| i.direction() == Direction::NotDetected)
        })
        .map(|m| format!("`{}`", m.name))
        .collect();
    let alike = match alike.len() {
        0 => String::new(),
        1 => format!(
            " {}: no difference from the original model is detected on test.",
            alike[0]
        ),
        _ => format!(
            " {}: for each, no difference from the original model is detected on test.",
            alike.join(", ")
        ),
    };
    w.para(format!(
        "Over {n} seeds (@tab:mitigation-seeds), `{}` has the highest mean test accuracy; paired with the original \
         model trained from the same seed it changes test accuracy by {over}: {verdict}.{runner}{alike}",
        best.name
    ));
}
