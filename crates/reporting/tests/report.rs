//! The report says what the results hold: every number in its prose is a quote whose value
//! equals the value at its JSON pointer in the saved records, and no other digit appears
//! in the prose.

use std::collections::BTreeMap;

use data::synth::{SynthConfig, generate};
use experiments::{Config, Silent, Source, run_all};
use reporting::numbering::{Target, without_citations};
use reporting::report::unquoted;
use reporting::{Results, render};
use serde_json::Value;

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> (T, Value) {
    let text = serde_json::to_string(value).unwrap();
    (
        serde_json::from_str(&text).unwrap(),
        serde_json::from_str(&text).unwrap(),
    )
}

#[test]
fn every_number_in_the_prose_is_the_value_in_the_results() {
    let (train, test) = generate(&SynthConfig::new(3_000, 600, 11)).unwrap();
    let out = run_all(
        &train,
        &test,
        Source::Synthetic,
        &Config::quick(11),
        &mut Silent,
    )
    .unwrap();
    // Read the records back as the report does from files, and keep their JSON.
    let mut files = BTreeMap::new();
    let (summary, v) = round_trip(&out.summary);
    files.insert("summary.json", v);
    let (part_a, v) = round_trip(&out.part_a);
    files.insert("eda.json", v);
    let (part_b, v) = round_trip(&out.part_b);
    files.insert("part_b.json", v);
    let (part_c, v) = round_trip(&out.part_c);
    files.insert("part_c.json", v);
    let (part_d, v) = round_trip(&out.part_d);
    files.insert("part_d.json", v);
    let (q2, v) = round_trip(&out.q2);
    files.insert("q2.json", v);
    let results = Results {
        summary,
        part_a,
        part_b,
        part_c,
        part_d,
        q2,
    };
    let rendered = render(&results).unwrap();

    assert!(
        rendered.quotes.len() > 30,
        "only {} quotes",
        rendered.quotes.len()
    );
    for q in &rendered.quotes {
        let json = files
            .get(q.file.as_str())
            .unwrap_or_else(|| panic!("unknown file {}", q.file));
        let at = json
            .pointer(&q.pointer)
            .unwrap_or_else(|| panic!("{}#{} does not exist", q.file, q.pointer));
        let saved = at
            .as_f64()
            .unwrap_or_else(|| panic!("{}#{} is not a number: {at}", q.file, q.pointer));
        assert_eq!(
            saved, q.value,
            "{}#{}: text says {}",
            q.file, q.pointer, q.text
        );
        assert!(
            rendered.markdown.contains(&q.text),
            "{:?} not in the report",
            q.text
        );
    }
    // Figure and table numbers are digits too: they must cite a figure or table that
    // exists, and nothing else may be left.
    let mut citations = 0;
    for paragraph in &rendered.prose {
        let (rest, cited) = without_citations(&unquoted(paragraph));
        for target in cited {
            let anchor = match target {
                Target::Figure(n) => format!("<figure id=\"figure-{n}\">"),
                Target::Table(n) => format!("<p class=\"table-caption\" id=\"table-{n}\">"),
            };
            assert!(
                rendered.html.contains(&anchor),
                "{target:?} is cited but absent"
            );
            citations += 1;
        }
        assert!(
            !rest.chars().any(|c| c.is_ascii_digit()),
            "a number in the prose does not come from the results: {rest}"
        );
    }
    assert!(citations >= 10, "only {citations} citations");
    assert!(!rendered.markdown.contains("@fig:") && !rendered.markdown.contains("@tab:"));
    // Every figure and every table has a number, in the Markdown and in the page.
    let figures = rendered.html.matches("<figure").count();
    assert_eq!(figures, rendered.figures.len());
    for n in 1..=figures {
        assert!(
            rendered
                .html
                .contains(&format!("<figure id=\"figure-{n}\">"))
        );
        assert!(rendered.markdown.contains(&format!("![Figure {n}. ")));
    }
    let tables = rendered.html.matches("<table>").count();
    assert!(tables >= 10);
    for n in 1..=tables {
        assert!(
            rendered.html.contains(&format!("id=\"table-{n}\"")),
            "table {n}"
        );
        assert!(rendered.markdown.contains(&format!("**Table {n}.**")));
    }
    assert!(rendered.html.contains("<nav class=\"contents\""));
    assert!(rendered.html.matches("<math").count() > 100);
    for name in rendered.figures.keys() {
        assert!(
            rendered.markdown.contains(&format!("figures/{name}.svg")),
            "figure {name} is drawn but not shown"
        );
    }
    assert!(rendered.markdown.contains("SYNTHETIC"));
    assert!(!rendered.html.contains("<script"));
    assert!(rendered.html.matches("<svg").count() >= rendered.figures.len());
}

#[test]
fn a_quote_that_lies_is_caught() {
    // The check above is not vacuous: a value that differs from the file fails it.
    let json: Value = serde_json::json!({ "model": { "test_acc": 0.348 } });
    let saved = json
        .pointer("/model/test_acc")
        .and_then(Value::as_f64)
        .unwrap();
    assert_ne!(saved, 0.35);
    assert!(
        unquoted("costs \u{E000}38.7%\u{E001} of accuracy")
            .chars()
            .all(|c| !c.is_ascii_digit())
    );
    assert!(
        unquoted("costs 38.7% of accuracy")
            .chars()
            .any(|c| c.is_ascii_digit())
    );
}
