//! The same numbers give the same SVG, and extreme magnitudes or long names do not panic.

use reporting::charts::*;

use super::{curve, five};

#[test]
fn same_numbers_same_svg() {
    let build = || {
        let spec = LineChart::new("determinism", "x", "y")
            .series(LineSeries::new("a", curve(50, |x| (x / 7.0).sin())).band(vec![0.1; 50]))
            .series(LineSeries::new("b", curve(50, |x| (x / 5.0).cos())).dashed());
        line_chart(&spec).unwrap()
    };
    assert_eq!(build(), build());
}

#[test]
fn extreme_magnitudes_do_not_panic() {
    let huge = vec![(0.0, 1e308), (1.0, -1e308), (2.0, f64::MAX)];
    let _ = line_chart(
        &LineChart::new("huge", "x", "y")
            .series(LineSeries::new("a", huge.clone()).band(vec![1e308; 3])),
    );
    let _ = line_chart(
        &LineChart::new("huge log", "x", "y")
            .log_y()
            .series(LineSeries::new("a", huge)),
    );
    let tiny = vec![(0.0, 1e-300), (1.0, 1.000000001e-300), (1e-300, 0.0)];
    let _ =
        line_chart(&LineChart::new("tiny", "x", "y").series(LineSeries::new("a", tiny.clone())));
    let _ = line_chart(
        &LineChart::new("tiny log", "x", "y")
            .log_y()
            .series(LineSeries::new("a", tiny)),
    );
    let cats = vec!["a".to_owned(), "b".to_owned()];
    let _ = bar_chart(
        &BarChart::new("huge bars", "c", "v", cats.clone())
            .series(BarSeries::new("s", vec![f64::MAX, -f64::MAX]))
            .value_labels(2),
    );
    let _ = bar_chart(
        &BarChart::new("tiny bars", "c", "v", cats.clone())
            .series(BarSeries::new("s", vec![1e-300, 2e-300]))
            .horizontal()
            .value_labels(2),
    );
    let _ = heatmap(&Heatmap::confusion(
        "huge heat",
        cats.clone(),
        vec![vec![f64::MAX, 0.0], vec![1.0, 2.0]],
    ));
    let _ = box_plots(&BoxPlots::new(
        "huge box",
        vec!["g".into()],
        vec![BoxPanel {
            title: "p".into(),
            y_label: "u".into(),
            summaries: vec![five(-f64::MAX, -1.0, 0.0, 1.0, f64::MAX)],
        }],
    ));
    let _ = histograms(&Histograms::new(
        "huge hist",
        "x",
        "y",
        vec![HistPanel {
            title: "p".into(),
            edges: vec![-f64::MAX, 0.0, f64::MAX],
            series: vec![HistSeries::new("s", vec![f64::MAX, 1.0])],
        }],
    ));
    let _ = histograms(&Histograms::new(
        "tiny hist",
        "x",
        "y",
        vec![HistPanel {
            title: "p".into(),
            edges: vec![0.0, 1e-300, 2e-300],
            series: vec![HistSeries::new("s", vec![1e-300, 1.0])],
        }],
    ));
    let long_title = "a very long title ".repeat(20);
    let long = LineChart::new(long_title.as_str(), "x", "y")
        .series(LineSeries::new("n".repeat(300), curve(3, |x| x)))
        .series(LineSeries::new("b", curve(3, |x| x)));
    line_chart(&long).unwrap();
}
