//! Line charts: training curves with bands and dashes, a log scale with a secondary axis,
//! and odd data.

use reporting::charts::*;

use super::{curve, has_all, keep};

#[test]
fn line_chart_training_curves_with_bands_and_dashes() {
    let spec = LineChart::new(
        "Loss by epoch (mean ± sd over 5 seeds)",
        "epoch",
        "cross-entropy loss (nats)",
    )
    .series(
        LineSeries::new("ReLU, train", curve(60, |e| 1.2 * (-e / 15.0).exp() + 0.75))
            .band(vec![0.03; 60])
            .color(0),
    )
    .series(
        LineSeries::new(
            "ReLU, validation",
            curve(60, |e| 1.2 * (-e / 15.0).exp() + 0.8 + e * 0.001),
        )
        .dashed()
        .color(0),
    )
    .series(
        LineSeries::new(
            "sigmoid, train",
            curve(60, |e| 1.3 * (-e / 30.0).exp() + 0.8),
        )
        .color(1),
    )
    .series(
        LineSeries::new(
            "sigmoid, validation",
            curve(60, |e| 1.3 * (-e / 30.0).exp() + 0.83),
        )
        .dashed()
        .color(1),
    );
    let svg = line_chart(&spec).unwrap();
    has_all(
        &svg,
        &[
            "Loss by epoch",
            "epoch",
            "cross-entropy loss (nats)",
            "ReLU, train",
            "sigmoid, validation",
        ],
    );
    keep("line_curves", &svg);
}

#[test]
fn line_chart_log_scale_with_secondary_axis() {
    let spec = LineChart::new(
        "Gradient magnitude and sigmoid saturation",
        "epoch",
        "mean |gradient| of W1 (log scale)",
    )
    .log_y()
    .y2_label("saturated units (share)")
    .y2_range(0.0, 1.0)
    .series(LineSeries::new(
        "ReLU |∂L/∂W1|",
        curve(40, |e| 1e-2 * (-e / 12.0).exp()),
    ))
    .series(LineSeries::new(
        "sigmoid |∂L/∂W1|",
        curve(40, |e| {
            if e as usize == 5 {
                0.0
            } else {
                1e-4 * (-e / 8.0).exp()
            }
        }),
    ))
    .series(
        LineSeries::new(
            "sigmoid saturation",
            curve(40, |e| 0.2 + 0.6 * (1.0 - (-e / 10.0).exp())),
        )
        .secondary()
        .dashed(),
    );
    let svg = line_chart(&spec).unwrap();
    has_all(
        &svg,
        &[
            "mean |gradient| of W1 (log scale)",
            "saturated units (share)",
            "sigmoid saturation (right axis)",
            "1e-4",
        ],
    );
    keep("line_log_secondary", &svg);
}

#[test]
fn line_chart_odd_data() {
    let empty = LineChart::new("empty", "x", "y").series(LineSeries::new("a", vec![]));
    assert!(matches!(line_chart(&empty), Err(ChartError::NoData(_))));
    let no_series = LineChart::new("none", "x", "y");
    assert!(matches!(line_chart(&no_series), Err(ChartError::NoData(_))));
    let nan = LineChart::new("nan", "x", "y").series(LineSeries::new(
        "a",
        vec![(0.0, f64::NAN), (1.0, f64::INFINITY)],
    ));
    assert!(matches!(line_chart(&nan), Err(ChartError::NoData(_))));
    let single =
        LineChart::new("single point", "x", "y").series(LineSeries::new("a", vec![(3.0, 0.5)]));
    let svg = line_chart(&single).unwrap();
    has_all(&svg, &["single point"]);
    assert!(svg.contains("<circle"), "a lone point is drawn as a marker");
    let flat = LineChart::new("flat", "x", "y")
        .series(LineSeries::new("a", curve(10, |_| 2.0)).band(vec![0.0; 10]));
    line_chart(&flat).unwrap();
    let gaps = LineChart::new("gaps", "x", "y")
        .series(
            LineSeries::new(
                "a",
                vec![(0.0, 1.0), (1.0, f64::NAN), (2.0, 3.0), (3.0, 2.0)],
            )
            .band(vec![0.1, f64::NAN, 0.2, 0.2]),
        )
        .series(LineSeries::new("b", vec![]));
    line_chart(&gaps).unwrap();
    let log_nonpos = LineChart::new("log zeros", "x", "y")
        .log_y()
        .series(LineSeries::new("a", vec![(0.0, 0.0), (1.0, -1.0)]));
    assert!(matches!(
        line_chart(&log_nonpos),
        Err(ChartError::NoData(_))
    ));
    let log_one = LineChart::new("log one", "x", "y")
        .log_y()
        .series(LineSeries::new("a", vec![(0.0, 0.0), (1.0, 5.0)]).band(vec![10.0, 10.0]));
    line_chart(&log_one).unwrap();
    let bad_band = LineChart::new("bad band", "x", "y")
        .series(LineSeries::new("a", curve(3, |x| x)).band(vec![1.0]));
    assert!(matches!(
        line_chart(&bad_band),
        Err(ChartError::InvalidSpec { .. })
    ));
    let bad_range = LineChart::new("bad range", "x", "y")
        .y_range(1.0, 0.0)
        .series(LineSeries::new("a", curve(3, |x| x)));
    assert!(matches!(
        line_chart(&bad_range),
        Err(ChartError::InvalidSpec { .. })
    ));
    let only_secondary = LineChart::new("only right", "x", "y")
        .y2_label("share")
        .series(LineSeries::new("s", curve(5, |x| x / 5.0)).secondary());
    line_chart(&only_secondary).unwrap();
    let mut tiny = LineChart::new("tiny", "x", "y").series(LineSeries::new("a", curve(3, |x| x)));
    tiny.frame.size = (10, 10);
    assert!(matches!(
        line_chart(&tiny),
        Err(ChartError::InvalidSpec { .. })
    ));
}
