//! The report says what the results hold: every number in its prose is a quote whose value
//! equals the value at its JSON pointer in the saved records, and no other digit appears
//! in the prose; each verdict's words follow its measurements. One module a concern; here
//! the helpers they share: a pipeline run, its records read back as files, and the check.

mod findings;
mod part_a_and_c;
mod part_b;
mod part_d_over_seeds;
mod quotes;

use std::collections::BTreeMap;

use experiments::{Outputs, files};
use reporting::report::verify;
use reporting::{Rendered, Results, render};
use serde_json::Value;

use crate::study::outputs;

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> (T, Value) {
    let text = serde_json::to_string(value).unwrap();
    (
        serde_json::from_str(&text).unwrap(),
        serde_json::from_str(&text).unwrap(),
    )
}

/// The records read back as the report reads them from files, with their JSON.
fn results(out: &Outputs) -> (Results, BTreeMap<String, Value>) {
    let mut files = BTreeMap::new();
    let (summary, v) = round_trip(&out.summary);
    files.insert(files::SUMMARY.to_string(), v);
    let (part_a, v) = round_trip(&out.part_a);
    files.insert(files::PART_A.to_string(), v);
    let (part_b, v) = round_trip(&out.part_b);
    files.insert(files::PART_B.to_string(), v);
    let (part_c, v) = round_trip(&out.part_c);
    files.insert(files::PART_C.to_string(), v);
    let (part_d, v) = round_trip(&out.part_d);
    files.insert(files::PART_D.to_string(), v);
    let (q2, v) = round_trip(&out.q2);
    files.insert(files::Q2.to_string(), v);
    let results = Results {
        summary,
        part_a,
        part_b,
        part_c,
        part_d,
        q2,
    };
    (results, files)
}

fn check(rendered: &Rendered, files: &BTreeMap<String, Value>) -> Vec<String> {
    verify(&rendered.quotes, &rendered.prose, &rendered.markdown, files)
}

/// Renders after `change`, with the changed record saved where the checker reads it, and
/// checks every quote; returns the Markdown.
fn render_changed(
    results: &mut Results,
    files: &mut BTreeMap<String, Value>,
    change: impl FnOnce(&mut Results),
) -> String {
    change(results);
    files.insert(
        files::PART_A.to_string(),
        serde_json::to_value(&results.part_a).unwrap(),
    );
    files.insert(
        files::PART_C.to_string(),
        serde_json::to_value(&results.part_c).unwrap(),
    );
    files.insert(
        files::PART_D.to_string(),
        serde_json::to_value(&results.part_d).unwrap(),
    );
    files.insert(
        files::Q2.to_string(),
        serde_json::to_value(&results.q2).unwrap(),
    );
    let rendered = render(results).unwrap();
    let problems = check(&rendered, files);
    assert!(problems.is_empty(), "{problems:#?}");
    rendered.markdown
}
