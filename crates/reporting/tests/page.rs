//! The HTML page is one self-contained file: SVGs inlined, no script, no network.

use std::collections::BTreeMap;

use reporting::charts::{BarChart, BarSeries, bar_chart};
use reporting::page::{markdown_to_html, math_errors, missing_figures};

fn sample() -> (String, BTreeMap<String, String>) {
    let svg = bar_chart(
        &BarChart::new(
            "Class shares",
            "class",
            "share",
            vec!["Budget".into(), "Luxury".into()],
        )
        .series(BarSeries::new("train", vec![0.6, 0.4])),
    )
    .expect("chart draws");
    let mut svgs = BTreeMap::new();
    svgs.insert("classes".to_owned(), svg);
    let md = r#"# Report: 1 < 2 & notes

Accuracy is $\frac{TP}{N}$ and the loss is

$$L = -\sum_k y_k \log p_k$$

| model | test accuracy |
|:------|--------------:|
| ReLU  | 0.58 |
| sigmoid | 0.54 |

![Share of each class in the training split](figures/classes.svg)

Inline ![tiny](classes.svg) figure, a missing ![gone](figures/nowhere.svg) one and `code <b>`.[^1]

```text
cargo xtask report
```

[^1]: A footnote.
"#;
    (md.to_owned(), svgs)
}

#[test]
fn html_is_self_contained() {
    let (md, svgs) = sample();
    let html = markdown_to_html("Airbnb <price> & classes", &md, &svgs);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<title>Airbnb &lt;price&gt; &amp; classes</title>"));
    // SVG inlined as a figure with a caption, and inline too.
    assert_eq!(html.matches("<svg ").count(), 2, "both references inlined");
    assert!(html.contains(
        "<figure>\n<svg role=\"img\" aria-label=\"Share of each class in the training split\""
    ));
    assert!(html.contains("<figcaption>Share of each class in the training split</figcaption>"));
    assert!(html.contains("Class shares"));
    assert!(!html.contains("<img"), "no external image references");
    assert!(html.contains("missing figure: figures/nowhere.svg"));
    // No script, no network (the SVG namespace is an identifier, not a fetch).
    assert!(!html.to_lowercase().contains("<script"));
    let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!without_ns.contains("http://") && !without_ns.contains("https://"));
    assert!(!html.contains("<link"));
    // Tables, math as text, escaping, code, footnotes.
    assert!(
        html.contains("<table>")
            && html.contains("<th style=\"text-align: right\">test accuracy</th>")
    );
    assert!(html.contains("<td style=\"text-align: right\">0.58</td>"));
    // Math as MathML: a fraction, a sum with a subscript, in display mode.
    assert!(html.contains("<math") && html.contains("<mfrac>"));
    assert!(html.contains("display=\"block\"") && html.contains("∑"));
    assert!(!html.contains("\\frac") && !html.contains("\\sum"));
    assert!(html.contains("<h1 id=\"report-1-2-notes\">Report: 1 &lt; 2 &amp; notes</h1>"));
    assert!(html.contains("<code>code &lt;b&gt;</code>"));
    assert!(html.contains("footnote-definition"));
    assert!(html.contains("<style>") && html.contains("max-width: 900px"));
    if let Ok(dir) = std::env::var("REPORTING_SAMPLES_DIR") {
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(format!("{dir}/page.html"), &html).expect("write");
    }
}

#[test]
fn math_becomes_mathml() {
    let svgs = BTreeMap::new();
    let md = "Let $X \\in \\mathbb{R}^{n \\times 10}$ and \
              $\\hat{Y} = \\operatorname{softmax}(Z_3)$, $\\delta_3 = \\tfrac{1}{n}(\\hat{Y} - Y)$.\n\n\
              $$\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}$$\n";
    let html = markdown_to_html("m", md, &svgs);
    assert_eq!(html.matches("<math").count(), 4, "{html}");
    for want in [
        "<msup>",
        "<mfrac>",
        "<mtable",
        "<mi>δ</mi>",
        "display=\"block\"",
    ] {
        assert!(html.contains(want), "missing {want} in {html}");
    }
    assert!(!html.contains('$') && !html.contains("\\tfrac"));
}

#[test]
fn tex_that_does_not_parse_is_reported_and_shown_as_code() {
    let md = "Fine $a_1$, broken $\\nosuchcommand{a}$.";
    let errors = math_errors(md);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("\\nosuchcommand{a}: "), "{errors:?}");
    let html = markdown_to_html("m", md, &BTreeMap::new());
    assert!(html.contains("<code class=\"math-error\""));
    assert_eq!(html.matches("<math").count(), 1);
}

#[test]
fn contents_list_links_every_heading_and_numbers_get_anchors() {
    let (svgs, md) = (
        sample().1,
        "# Title\n\n## Part A: data\n\n### Shift $x_1$\n\n## Part A: data\n\n\
         ![Figure 1. Shares](figures/classes.svg)\n\n**Table 1.** Counts\n\n| a |\n| --- |\n| 1 |\n",
    );
    let html = markdown_to_html("t", md, &svgs);
    assert!(html.contains("<h2 id=\"part-a-data\">"));
    assert!(html.contains("<h3 id=\"shift\">"));
    assert!(
        html.contains("<h2 id=\"part-a-data-2\">"),
        "repeated heading gets its own id"
    );
    let nav_start = html
        .find("<nav class=\"contents\"")
        .expect("a contents list");
    assert!(nav_start > html.find("</h1>").unwrap(), "after the title");
    let nav = &html[nav_start..html.find("</nav>").unwrap()];
    for id in ["part-a-data", "shift", "part-a-data-2"] {
        assert!(
            nav.contains(&format!("<a href=\"#{id}\">")),
            "{id} in {nav}"
        );
    }
    assert!(
        nav.contains("<math"),
        "math in a heading is typeset in the contents too"
    );
    assert!(html.contains("<figure id=\"figure-1\">"));
    assert!(html.contains("<figcaption><strong>Figure 1.</strong> Shares</figcaption>"));
    assert!(html.contains(
        "<p class=\"table-caption\" id=\"table-1\"><strong>Table 1.</strong> Counts</p>"
    ));
}

#[test]
fn every_formula_of_the_derivations_becomes_mathml() {
    let doc = reporting::DERIVATIONS;
    let spans = pulldown_cmark::Parser::new_ext(
        doc,
        pulldown_cmark::Options::ENABLE_MATH | pulldown_cmark::Options::ENABLE_TABLES,
    )
    .filter(|e| {
        matches!(
            e,
            pulldown_cmark::Event::InlineMath(_) | pulldown_cmark::Event::DisplayMath(_)
        )
    })
    .count();
    assert!(spans > 100, "only {spans} formulas found");
    assert_eq!(math_errors(doc), Vec::<String>::new());
    let html = markdown_to_html("d", doc, &BTreeMap::new());
    // Each formula is one <math> element, in the text and once more in the contents list
    // for each formula in a heading.
    let in_headings = doc
        .lines()
        .filter(|l| l.starts_with("##"))
        .map(|l| l.matches('$').count() / 2)
        .sum::<usize>();
    assert_eq!(html.matches("<math").count(), spans + in_headings);
    assert!(!html.contains("<merror") && !html.contains("class=\"math-error\""));
    // pulldown-latex 0.8 writes a control space (`\ `) as an escaped `&amp;nbsp;`: the
    // derivations use `\,` or `\;` instead.
    assert!(
        !html.contains("&amp;nbsp;"),
        "an escaped entity inside the MathML"
    );
    // No TeX left outside the MathML: no dollar signs, no backslash commands in the text.
    let text = strip_tags(&html[html.find("<body>").unwrap()..]);
    for tex in [
        "$",
        "\\frac",
        "\\partial",
        "\\sum",
        "\\hat",
        "\\top",
        "\\mathbf",
    ] {
        assert!(!text.contains(tex), "raw TeX {tex} left in the page");
    }
    assert!(!html.to_lowercase().contains("<script"));
}

/// The page's text without its tags (code blocks kept, they are text too).
fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[test]
fn missing_figures_are_listed() {
    let (md, svgs) = sample();
    assert_eq!(
        missing_figures(&md, &svgs),
        vec!["figures/nowhere.svg".to_owned()]
    );
    assert_eq!(
        markdown_to_html("t", &md, &svgs),
        markdown_to_html("t", &md, &svgs)
    );
}

#[test]
fn the_contents_go_where_the_marker_is_and_list_two_levels() {
    let (svgs, md) = (
        sample().1,
        "# Title\n\n## Findings\n\n- one\n\n<!-- contents -->\n\n## Part A\n\n### Shift\n\n#### Detail\n",
    );
    let html = markdown_to_html("t", md, &svgs);
    let nav = html
        .find("<nav class=\"contents\"")
        .expect("a contents list");
    // After the findings, in place of the marker, which is gone.
    assert!(nav > html.find("<li>one</li>").unwrap(), "{html}");
    assert!(nav < html.find("<h2 id=\"part-a\">").unwrap());
    assert!(!html.contains("<!-- contents -->"));
    let nav = &html[nav..html.find("</nav>").unwrap()];
    assert!(nav.contains("href=\"#shift\""));
    assert!(!nav.contains("href=\"#detail\""), "{nav}");
}
