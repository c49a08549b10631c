//! Part D: the held-out test, the root cause found by replaying each candidate change, the
//! checks around it (training, confidence, duplicated rows), the fix that fits the cause and
//! the mitigations. Every verdict is the record's; this module only words it, and is the one
//! place Part D's findings are worded (the report, the Findings block and the terminal
//! summary all take their sentences from here).

use std::fmt::Write as _;

use experiments::interval::{Direction, Interval};
use experiments::part_d::{Candidate, CandidateKind, Mitigation, MitigationKind, PartD};
use experiments::verdicts::{
    ClassMix, Collapse, ColumnChange, Confidence, Confinement, ConfinementFinding, Diagnosis,
    Dominance, Duplication, GapOverSeeds, Training,
};

use super::*;

const F: &str = files::PART_D;

mod sections;
mod tables;
mod wording;

use sections::*;
use tables::*;
use wording::*;
pub use wording::{duplicate_warnings, findings, verdict_line};

/// The confinement check's column relation to the label, train and test, quoted.
fn confinement_relations(w: &mut Writer, conf: &Confinement) -> (String, String) {
    let p = "/verdicts/root_cause/confinement";
    (
        w.num(conf.relation_train, 2, F, format!("{p}/relation_train")),
        w.num(conf.relation_test, 2, F, format!("{p}/relation_test")),
    )
}

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

/// Text without the quote marks and Markdown emphasis.
fn plain(text: &str) -> String {
    text.replace([OPEN, CLOSE], "")
        .replace("**", "")
        .replace('`', "")
}

/// The majority baseline's row of the mitigations table.
fn majority(d: &PartD) -> (usize, &Mitigation) {
    d.mitigations
        .iter()
        .enumerate()
        .find(|(_, m)| m.name == MitigationKind::MajorityBaseline)
        .expect("the majority baseline is always measured")
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
