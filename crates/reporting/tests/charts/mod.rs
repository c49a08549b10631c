//! Every chart renders for realistic data and for odd data (empty, NaN, one point, all
//! equal) without panicking, and the SVG carries its title, axis labels and legend; one
//! module a kind of chart, and `geometry` parses the SVG and checks that marks match
//! their values. Here the helpers the modules share.
//!
//! Set `REPORTING_SAMPLES_DIR=/some/dir` to also write the realistic SVGs there for a
//! visual check (e.g. with `rsvg-convert`).

mod bars;
mod boxes;
mod geometry;
mod heat;
mod hist;
mod line;
mod robustness;

use reporting::charts::*;

/// Writes `svg` to the samples directory when one is configured.
fn keep(name: &str, svg: &str) {
    if let Ok(dir) = std::env::var("REPORTING_SAMPLES_DIR") {
        std::fs::create_dir_all(&dir).expect("create samples dir");
        std::fs::write(format!("{dir}/{name}.svg"), svg).expect("write sample");
    }
}

/// Asserts the SVG is a complete document holding every given text (escaped as SVG does).
fn has_all(svg: &str, texts: &[&str]) {
    assert!(
        svg.starts_with("<svg"),
        "not an SVG: {}",
        &svg[..svg.len().min(80)]
    );
    assert!(svg.trim_end().ends_with("</svg>"), "SVG not closed");
    for t in texts {
        let escaped = t
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        assert!(svg.contains(&escaped), "SVG lacks {t:?}");
    }
}

fn classes() -> Vec<String> {
    ["Budget", "Moderate", "Premium", "Luxury"]
        .map(String::from)
        .to_vec()
}

fn curve(n: usize, f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    (0..n).map(|i| (i as f64, f(i as f64))).collect()
}

fn five(min: f64, q1: f64, median: f64, q3: f64, max: f64) -> FiveNumber {
    FiveNumber {
        min,
        q1,
        median,
        q3,
        max,
    }
}
