//! The Findings open the report and follow the records: a collapse and its root cause,
//! no fix without a collapse, Question 2's answer in one sentence, and the precision its
//! passes ran in.

use experiments::files;
use reporting::render;

use super::{check, outputs, render_changed, results};

#[test]
fn the_findings_open_the_report_and_follow_the_records() {
    use experiments::verdicts::Collapse;
    let out = outputs();
    let (mut results, mut files) = results(out);
    let md = render_changed(&mut results, &mut files, |_| {});
    // The findings come first: after the title, before the contents and Part A.
    let findings = md.find("## Findings").unwrap();
    let contents = md.find(reporting::page::CONTENTS_MARKER).unwrap();
    let part_a = md.find("## 1. Part A").unwrap();
    assert!(findings < contents && contents < part_a, "{md}");
    let block = &md[findings..contents];
    assert!(block.contains("Sigmoid against ReLU"), "{block}");
    assert!(block.contains("One bias for both layers"), "{block}");
    assert!(block.contains("[§"), "links to sections: {block}");

    // A collapse with a root cause: the block names both, with their numbers.
    let md = render_changed(&mut results, &mut files, |r| {
        let d = &mut r.part_d;
        d.verdicts.collapse.finding = Collapse::Collapse;
        d.verdicts.root_cause.finding = experiments::verdicts::Diagnosis::Shortcut;
        d.verdicts.root_cause.columns = vec![d.root_cause.evidence[0].shift.column.clone()];
    });
    let block = &md[md.find("## Findings").unwrap()..md.find("<!-- contents -->").unwrap()];
    assert!(
        block.contains("**The model collapses on test.**"),
        "{block}"
    );
    assert!(block.contains("of always predicting the most frequent class"));
    assert!(block.contains("**Root cause: "), "{block}");
    assert!(!block.contains("No collapse"));

    // Without a collapse there is nothing to fix, whatever a mitigation scores.
    let md = render_changed(&mut results, &mut files, |r| {
        let v = &mut r.part_d.verdicts;
        v.collapse.finding = Collapse::NoCollapse;
        v.root_cause.finding = experiments::verdicts::Diagnosis::NoCollapse;
        v.root_cause.columns.clear();
    });
    let block = &md[md.find("## Findings").unwrap()..md.find("<!-- contents -->").unwrap()];
    assert!(!block.contains("**The fix.**"), "{block}");
}

#[test]
fn the_findings_answer_question_2_in_one_sentence() {
    use experiments::verdicts::Comparison;
    let out = outputs();
    let (mut results, mut files) = results(out);
    let mut render_q2 = |change: &dyn Fn(&mut experiments::Q2)| {
        change(&mut results.q2);
        files.insert(
            files::Q2.to_string(),
            serde_json::to_value(&results.q2).unwrap(),
        );
        let rendered = render(&results).unwrap();
        assert!(check(&rendered, &files).is_empty());
        rendered
            .markdown
            .lines()
            .find(|l| l.starts_with("- **One bias for both layers.**"))
            .unwrap()
            .to_string()
    };
    let line = render_q2(&|q| {
        if let Some(s) = q.verdicts.speed.as_mut() {
            s.finding = Comparison::Worse;
        }
    });
    assert!(line.contains("Sharing it slows convergence"), "{line}");
    let line = render_q2(&|q| {
        if let Some(s) = q.verdicts.speed.as_mut() {
            s.finding = Comparison::NotDetected;
        }
        if let Some(st) = q.verdicts.stability.as_mut() {
            st.finding = Comparison::NotDetected;
            st.seed_ratio = Some(experiments::interval::Interval {
                mean: 0.82,
                low: 0.64,
                high: 1.04,
                n: 10,
            });
            st.rules_out_halving = true;
        }
    });
    assert!(
        line.contains("makes no detected difference to speed"),
        "{line}"
    );
    assert!(line.contains("0.64 to 1.04 times"), "{line}");
    assert!(line.contains("which rules out a halving"), "{line}");
}

/// Question 2's and Part C's method paragraphs name the precision their training passes ran
/// in, from the record, in words (the quote check reads digits as numbers).
#[test]
fn question_2_and_part_c_state_the_precision_of_their_passes_from_the_record() {
    let out = outputs();
    let (mut results, mut files) = results(out);
    for (precision, kind) in [
        (models::Precision::F32, "single"),
        (models::Precision::F64, "double"),
    ] {
        let md = render_changed(&mut results, &mut files, |r| {
            r.q2.config.precision = precision;
            r.part_c.config.precision = precision;
        });
        // Question 2's sentence, then Part C's.
        for words in ["training passes compute in", "training steps compute in"] {
            let sentence = format!("{words} {kind} precision");
            assert!(md.contains(&sentence), "{precision:?}: {sentence}");
        }
    }
}
