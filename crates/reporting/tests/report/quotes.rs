//! Every number in the prose is a checked quote and every citation, figure and table is
//! numbered and present; strings from the data cannot break the Markdown or reach the
//! HTML as tags.

use experiments::files;
use reporting::numbering::{Target, without_citations};
use reporting::render;
use reporting::report::unquoted;

use super::{check, outputs, results};

#[test]
fn every_number_in_the_prose_is_the_value_in_the_results() {
    let out = outputs();
    let (results, files) = results(out);
    let rendered = render(&results).unwrap();
    assert!(
        rendered.quotes.len() > 30,
        "only {} quotes",
        rendered.quotes.len()
    );
    let problems = check(&rendered, &files);
    assert!(problems.is_empty(), "{problems:#?}");
    // Every citation in the prose points at a figure or table that exists.
    let mut citations = 0;
    for paragraph in &rendered.prose {
        let (_, cited) = without_citations(&unquoted(paragraph));
        for target in cited {
            let anchor = match target {
                Target::Section(n) => format!("<h2 id=\"section-{n}\">"),
                Target::Figure(n) => format!("<figure id=\"figure-{n}\">"),
                Target::Table(n) => format!("<p class=\"table-caption\" id=\"table-{n}\">"),
            };
            assert!(
                rendered.html.contains(&anchor),
                "{target:?} is cited but absent"
            );
            citations += 1;
        }
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

    // The checker is not vacuous: a saved value that differs from the text, a quote whose
    // pointer leads nowhere, and a digit outside a quote are each caught.
    let mut lied = files.clone();
    let q = &rendered.quotes[0];
    *lied
        .get_mut(&q.file)
        .unwrap()
        .pointer_mut(&q.pointer)
        .unwrap() = serde_json::json!(q.value + 0.5);
    let problems = check(&rendered, &lied);
    // Every quote of that value is caught (the findings quote what the parts quote).
    let same = rendered
        .quotes
        .iter()
        .filter(|o| o.file == q.file && o.pointer == q.pointer)
        .count();
    assert_eq!(problems.len(), same, "{problems:#?}");
    assert!(problems[0].contains(&q.pointer), "{}", problems[0]);

    let mut moved = rendered.clone();
    moved.quotes[0].pointer = "/no/such/key".into();
    assert!(check(&moved, &files)[0].contains("does not exist"));

    let mut stray = rendered.clone();
    stray.prose.push("costs 38.7% of accuracy".into());
    let problems = check(&stray, &files);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].contains("not quoted"));
}

/// Pipes that end a table cell: those not escaped with a backslash.
fn cells(line: &str) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => n += 1,
            _ => escaped = false,
        }
    }
    n
}

#[test]
fn strings_from_the_data_are_escaped_for_markdown_and_html() {
    let out = outputs();
    let (mut results, mut files) = results(out);
    let evil = "room_type=<script>alert(1)</script> | *bold* _it_ `tick`\nnext";
    results.part_c.attribution[0].feature = evil.to_string();
    results.part_c.columns[0].column = "<b>col|umn</b>".to_string();
    results.part_a.label = "price_class\n# heading".to_string();
    files.get_mut(files::PART_C).unwrap()["attribution"][0]["feature"] = evil.into();
    let rendered = render(&results).unwrap();
    let problems = check(&rendered, &files);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(!rendered.html.contains("<script"), "a tag from the data");
    assert!(!rendered.html.contains("<b>col"), "a tag from the data");
    assert!(rendered.html.contains("&lt;script&gt;"), "the text is kept");
    assert!(!rendered.markdown.contains("\n# heading"));
    assert!(!rendered.html.contains("<em>bold</em>"));
    // Every row of every table keeps its header's number of cells.
    let lines: Vec<&str> = rendered.markdown.lines().collect();
    for block in lines.split(|l| !l.starts_with('|')) {
        if let Some(header) = block.first() {
            for row in block {
                assert_eq!(cells(row), cells(header), "{row}");
            }
        }
    }
}
