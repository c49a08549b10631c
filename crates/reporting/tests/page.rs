//! The HTML page is one self-contained file: SVGs inlined, no script, no network.

use std::collections::BTreeMap;

use reporting::charts::{BarChart, BarSeries, bar_chart};
use reporting::page::{markdown_to_html, missing_figures};

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
    // Math as readable text, its TeX source in the tooltip.
    assert!(html.contains("class=\"math math-inline\" title=\"\\frac{TP}{N}\">TP/N</span>"));
    assert!(html.contains(
        "class=\"math math-display\" title=\"L = -\\sum_k y_k \\log p_k\">\
         L = −∑<sub>k</sub> y<sub>k</sub> log\u{2009} p<sub>k</sub></span>"
    ));
    assert!(html.contains("<h1>Report: 1 &lt; 2 &amp; notes</h1>"));
    assert!(html.contains("<code>code &lt;b&gt;</code>"));
    assert!(html.contains("footnote-definition"));
    assert!(html.contains("<style>") && html.contains("max-width: 900px"));
    if let Ok(dir) = std::env::var("REPORTING_SAMPLES_DIR") {
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(format!("{dir}/page.html"), &html).expect("write");
    }
}

#[test]
fn math_is_written_as_text() {
    let svgs = BTreeMap::new();
    let md = "Let $X \\in \\mathbb{R}^{n \\times 10}$ and \
              $\\hat{Y} = \\operatorname{softmax}(Z_3)$, $\\delta_3 = \\tfrac{1}{n}(\\hat{Y} - Y)$, \
              $\\mathbf{1}^\\top \\delta_l$, $\\left\\lvert x \\right\\rvert < \\text{a b}$, $\\unknown{x}$.";
    let html = markdown_to_html("m", md, &svgs);
    for want in [
        ">X ∈ ℝ<sup>n × 10</sup></span>",
        ">Y\u{302} = softmax(Z<sub>3</sub>)</span>",
        ">δ<sub>3</sub> = 1/n(Y\u{302} − Y)</span>",
        ">𝟏<sup>⊤</sup> δ<sub>l</sub></span>",
        ">| x | &lt; a b</span>",
        ">\\unknown{x}</span>",
    ] {
        assert!(html.contains(want), "missing {want} in {html}");
    }
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
