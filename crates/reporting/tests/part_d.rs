//! Part D's wording follows its record: each root-cause verdict, the training, confidence
//! and duplicate verdicts read differently when the record changes, every number stays a
//! checked quote, and the terminal line and the Findings lines say what the report says.

use std::collections::BTreeMap;

use experiments::files;
use experiments::part_d::CandidateKind;
use experiments::verdicts::{
    Confidence, Confinement, ConfinementFinding, Diagnosis, Duplication, Training,
};

use crate::study::outputs;
use reporting::report::part_d::{duplicate_warnings, findings, verdict_line};
use reporting::report::{Writer, unquoted, verify};
use reporting::{Results, render};
use serde_json::Value;

fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

fn results() -> Results {
    let out = outputs();
    fn back<T: serde::de::DeserializeOwned>(v: Value) -> T {
        serde_json::from_value(v).unwrap()
    }
    Results {
        summary: back(json(&out.summary)),
        part_a: back(json(&out.part_a)),
        part_b: back(json(&out.part_b)),
        part_c: back(json(&out.part_c)),
        part_d: back(json(&out.part_d)),
        q2: back(json(&out.q2)),
    }
}

fn files(r: &Results) -> BTreeMap<String, Value> {
    BTreeMap::from([
        (files::SUMMARY.to_string(), json(&r.summary)),
        (files::PART_A.to_string(), json(&r.part_a)),
        (files::PART_B.to_string(), json(&r.part_b)),
        (files::PART_C.to_string(), json(&r.part_c)),
        (files::PART_D.to_string(), json(&r.part_d)),
        (files::Q2.to_string(), json(&r.q2)),
    ])
}

/// The report's Markdown after `change`, with every quote checked against the changed
/// record.
fn markdown(change: impl FnOnce(&mut Results)) -> String {
    let mut r = results();
    change(&mut r);
    let rendered = render(&r).unwrap();
    let problems = verify(
        &rendered.quotes,
        &rendered.prose,
        &rendered.markdown,
        &files(&r),
    );
    assert!(problems.is_empty(), "{problems:#?}");
    rendered.markdown
}

/// Index of the replay candidate of `kind` (the first one).
fn candidate(r: &Results, kind: CandidateKind) -> usize {
    let replay = r.part_d.replay.as_ref().unwrap();
    replay
        .candidates
        .iter()
        .position(|c| c.kind == kind)
        .unwrap()
}

#[test]
fn the_planted_leak_is_named_with_its_replay_and_its_fix() {
    let r = results();
    assert_eq!(r.part_d.verdicts.root_cause.finding, Diagnosis::Shortcut);
    let md = markdown(|_| {});
    assert!(
        md.contains("**Root cause: `amenity_score`, a shortcut.**"),
        "{md}"
    );
    assert!(
        md.contains("The change is confined to `amenity_score`"),
        "{md}"
    );
    assert!(
        md.contains("**The fix.** Retrained without `amenity_score`"),
        "{md}"
    );
    assert!(md.contains("### What the hidden layers add"));
    let line = verdict_line(&r.part_d);
    assert!(
        line.starts_with("Root cause: amenity_score, a shortcut."),
        "{line}"
    );
    assert!(!line.contains('\u{E000}') && !line.contains("**"), "{line}");
}

#[test]
fn each_diagnosis_has_its_own_sentence() {
    let md = markdown(|r| {
        let i = candidate(r, CandidateKind::ClassMix);
        let v = &mut r.part_d.verdicts.root_cause;
        v.finding = Diagnosis::ClassMix;
        v.candidate = Some(i);
        v.columns.clear();
    });
    assert!(md.contains("**Root cause: the class mix.**"), "{md}");
    assert!(md.contains("The fix: reweighting the model's probabilities"));
    assert!(!md.contains("Root cause: `amenity_score`"));

    let md = markdown(|r| {
        let i = candidate(r, CandidateKind::Everything);
        let v = &mut r.part_d.verdicts.root_cause;
        v.finding = Diagnosis::ConceptShift;
        v.candidate = Some(i);
        v.columns.clear();
        v.confinement = None;
    });
    assert!(
        md.contains("Only giving the validation rows every column"),
        "{md}"
    );
    assert!(md.contains("The fix: none from this training set."));

    let md = markdown(|r| {
        let v = &mut r.part_d.verdicts.root_cause;
        v.finding = Diagnosis::ConceptShift;
        v.columns.clear();
        v.confinement = Some(Confinement {
            column: Some("room_type".into()),
            relation_train: 0.55,
            relation_test: 0.2,
            finding: ConfinementFinding::Spread,
        });
    });
    assert!(md.contains("loses its relation to the label too"), "{md}");
    assert!(md.contains("the change is not confined to any column"));

    let md = markdown(|r| {
        let v = &mut r.part_d.verdicts.root_cause;
        v.finding = Diagnosis::DistributionShift;
    });
    assert!(md.contains("a distribution shift.**"), "{md}");
    assert!(md.contains("a covariate shift, not a shortcut"));

    let md = markdown(|r| {
        let v = &mut r.part_d.verdicts.root_cause;
        v.finding = Diagnosis::Unexplained;
        v.candidate = None;
        v.columns.clear();
    });
    assert!(
        md.contains("No candidate change reproduces the fall"),
        "{md}"
    );
    assert!(!md.contains("The fix:"));

    let md = markdown(|r| {
        let d = &mut r.part_d;
        d.verdicts.learned.finding = experiments::verdicts::Learning::NotLearned;
        d.verdicts.root_cause.finding = Diagnosis::NotLearned;
        d.verdicts.root_cause.candidate = None;
        d.verdicts.root_cause.columns.clear();
    });
    assert!(md.contains("The model did not learn"), "{md}");
}

#[test]
fn training_confidence_and_duplicates_read_from_their_verdicts() {
    let md = markdown(|r| {
        let t = &mut r.part_d.verdicts.training;
        t.finding = Training::UnderTrained;
        t.loss_still_falling = true;
        t.late_loss_drop = 0.06;
    });
    assert!(md.contains("**It is under-trained**"), "{md}");
    assert!(md.contains("still made"));
    let md = markdown(|r| r.part_d.verdicts.training.finding = Training::Converged);
    assert!(md.contains("had levelled off by the end"));

    let md = markdown(|r| r.part_d.verdicts.confidence_test.finding = Confidence::Overconfident);
    assert!(md.contains("confidently wrong"), "{md}");
    let md = markdown(|r| r.part_d.verdicts.confidence_test.finding = Confidence::Matches);
    assert!(md.contains("its confidence and its accuracy are within"));

    let mut r = results();
    assert!(duplicate_warnings(&r.part_d).is_empty());
    r.part_d.verdicts.duplicates.test = Duplication::Warned;
    let lines = duplicate_warnings(&r.part_d);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].starts_with("Duplicated rows:"), "{}", lines[0]);
    let md = markdown(|r| r.part_d.verdicts.duplicates.test = Duplication::Warned);
    assert!(md.contains("**Warning.** Duplicated rows:"), "{md}");
    let md = markdown(|_| {});
    assert!(md.contains("so neither score is inflated by copies"));
}

#[test]
fn the_findings_lines_quote_every_number() {
    let r = results();
    let mut w = Writer::default();
    let lines = findings(&mut w, &r);
    assert!(lines.len() >= 4, "{lines:#?}");
    assert!(lines[0].contains("on validation"));
    assert!(lines[2].contains("amenity_score"), "{}", lines[2]);
    assert!(lines[3].starts_with("**The fix.**"), "{}", lines[3]);
    let (markdown, quotes, _) = w.finish();
    let text = lines.join("\n");
    for line in &lines {
        let (rest, _) = reporting::numbering::without_citations(&unquoted(line));
        assert!(!rest.chars().any(|c| c.is_ascii_digit()), "{rest}");
    }
    let problems = verify(&quotes, &[], &(markdown + &text), &files(&r));
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn mitigations_whose_paired_difference_holds_zero_say_no_difference_is_detected() {
    use experiments::interval::Interval;
    let holds_zero = Interval {
        mean: 0.002,
        low: -0.001,
        high: 0.004,
        n: 10,
    };
    let helps = Interval {
        mean: 0.2,
        low: 0.1,
        high: 0.3,
        n: 10,
    };
    let names = |r: &Results| -> Vec<String> {
        r.part_d.mitigation_seeds[1..]
            .iter()
            .map(|m| format!("`{}`", m.name))
            .collect()
    };
    let r = results();
    let all = names(&r);
    // Every mitigation alike: each is named, once.
    let md = markdown(|r| {
        for m in &mut r.part_d.mitigation_seeds[1..] {
            m.test_difference = Some(holds_zero);
        }
    });
    let sentence = format!(
        "{}: for each, no difference from the original model is detected on test.",
        all.join(", ")
    );
    assert!(md.contains(&sentence), "{md}");
    // None alike: no such sentence.
    let md = markdown(|r| {
        for m in &mut r.part_d.mitigation_seeds[1..] {
            m.test_difference = Some(helps);
        }
    });
    assert!(
        !md.contains("no difference from the original model is detected"),
        "{md}"
    );
}
