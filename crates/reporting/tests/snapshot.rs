//! Pins one small figure byte for byte, so any change to layout, formatting or plotters'
//! output shows up as a reviewable diff. Run with `UPDATE_SNAPSHOTS=1` to rewrite the
//! stored SVG after an intended change.

use std::path::PathBuf;

use reporting::charts::{BarChart, BarSeries, LineChart, LineSeries, bar_chart, line_chart};

/// Compares `actual` with `tests/snapshots/{name}.svg`, or rewrites it when
/// `UPDATE_SNAPSHOTS=1`.
fn check_snapshot(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.svg"));
    if std::env::var("UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().expect("snapshot dir")).expect("create dir");
        std::fs::write(&path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_SNAPSHOTS=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "length differs".to_owned(),
                |i| format!("line {}", i + 1),
            );
        panic!(
            "{} differs from the new output at {line}; rerun with UPDATE_SNAPSHOTS=1 if intended",
            path.display()
        );
    }
}

#[test]
fn small_bar_chart_snapshot() {
    let mut spec = BarChart::new(
        "Test accuracy",
        "model",
        "accuracy (fraction)",
        vec!["ReLU".to_owned(), "sigmoid".to_owned()],
    )
    .series(BarSeries::new("seed mean", vec![0.58, 0.54]))
    .value_labels(2)
    .reference("majority baseline", 0.31);
    spec.frame.size = (400, 300);
    check_snapshot("small_bar", &bar_chart(&spec).expect("draws"));
}

#[test]
fn small_line_chart_snapshot() {
    let mut spec = LineChart::new("Loss", "epoch", "loss (nats)")
        .series(
            LineSeries::new("train", vec![(0.0, 1.4), (1.0, 1.1), (2.0, 0.95)])
                .band(vec![0.05, 0.04, 0.03]),
        )
        .series(LineSeries::new("validation", vec![(0.0, 1.45), (1.0, 1.2), (2.0, 1.1)]).dashed());
    spec.frame.size = (400, 300);
    check_snapshot("small_line", &line_chart(&spec).expect("draws"));
}
