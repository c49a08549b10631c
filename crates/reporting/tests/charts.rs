//! Every chart renders for realistic data and for odd data (empty, NaN, one point, all
//! equal) without panicking, and the SVG carries its title, axis labels and legend; the
//! geometry tests at the end parse the SVG and check that marks match their values.
//!
//! Set `REPORTING_SAMPLES_DIR=/some/dir` to also write the realistic SVGs there for a
//! visual check (e.g. with `rsvg-convert`).

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

#[test]
fn bar_chart_grouped_with_labels_and_reference() {
    let models = [
        "baseline MLP",
        "shared bias",
        "ReLU → sigmoid",
        "L2 1e-3",
        "dropout 0.2",
    ]
    .map(String::from)
    .to_vec();
    let spec = BarChart::new(
        "Accuracy by model and split",
        "model",
        "accuracy (fraction)",
        models,
    )
    .series(BarSeries::new("train", vec![0.62, 0.61, 0.55, 0.60, 0.59]))
    .series(BarSeries::new(
        "validation",
        vec![0.58, 0.58, 0.54, 0.585, 0.58],
    ))
    .series(BarSeries::new(
        "test",
        vec![0.575, 0.579, 0.536, 0.58, 0.577],
    ))
    .value_labels(2)
    .reference("majority baseline (0.41)", 0.41)
    .value_range(0.0, 0.75);
    let svg = bar_chart(&spec).unwrap();
    has_all(
        &svg,
        &[
            "Accuracy by model and split",
            "accuracy (fraction)",
            "model",
            "train",
            "validation",
            "test",
            "majority baseline (0.41)",
            "0.58",
            "shared bias",
        ],
    );
    keep("bar_grouped", &svg);

    let counts = BarChart::new(
        "Class distribution (training split)",
        "price class",
        "listings (count)",
        classes(),
    )
    .series(BarSeries::new(
        "listings",
        vec![9120.0, 10342.0, 8011.0, 5605.0],
    ))
    .value_labels(0);
    let svg = bar_chart(&counts).unwrap();
    has_all(&svg, &["listings (count)", "10342", "Luxury"]);
    keep("bar_counts", &svg);
}

#[test]
fn bar_chart_horizontal_ranked_long_names() {
    let names = [
        "room_type_Entire home/apt",
        "room_type_Private room",
        "longitude",
        "latitude",
        "neighbourhood_group_Manhattan",
        "availability_365",
        "room_type_Shared room",
        "minimum_nights",
        "number_of_reviews",
        "neighbourhood_group_Brooklyn",
        "reviews_per_month",
        "calculated_host_listings_count",
        "neighbourhood_group_Queens",
        "neighbourhood_group_Bronx",
    ];
    let vals: Vec<f64> = (0..names.len())
        .map(|i| 0.21 * 0.8f64.powi(i as i32) - 0.004)
        .collect();
    let spec = BarChart::new(
        "Permutation importance (drop in test accuracy)",
        "feature",
        "accuracy drop (fraction)",
        names.map(String::from).to_vec(),
    )
    .series(BarSeries::new("importance", vals))
    .horizontal()
    .value_labels(3);
    let svg = bar_chart(&spec).unwrap();
    has_all(
        &svg,
        &[
            "room_type_Private room",
            "accuracy drop (fraction)",
            "feature",
        ],
    );
    keep("bar_horizontal", &svg);
}

#[test]
fn bar_chart_odd_data() {
    let cats = vec!["a".to_owned(), "b".to_owned()];
    let empty = BarChart::new("empty", "c", "v", vec![]);
    assert!(matches!(bar_chart(&empty), Err(ChartError::NoData(_))));
    let nan = BarChart::new("nan", "c", "v", cats.clone())
        .series(BarSeries::new("s", vec![f64::NAN, f64::NAN]));
    assert!(matches!(bar_chart(&nan), Err(ChartError::NoData(_))));
    let partial = BarChart::new("partial", "c", "v", cats.clone())
        .series(BarSeries::new("s", vec![f64::NAN, 2.0]))
        .value_labels(1);
    has_all(&bar_chart(&partial).unwrap(), &["n/a", "2.0"]);
    let zeros = BarChart::new("zeros", "c", "v", cats.clone())
        .series(BarSeries::new("s", vec![0.0, 0.0]))
        .value_labels(0);
    bar_chart(&zeros).unwrap();
    let neg = BarChart::new("negative", "c", "v", cats.clone())
        .series(BarSeries::new("s", vec![-0.3, 0.2]))
        .value_labels(2);
    bar_chart(&neg).unwrap();
    keep("bar_negative", &bar_chart(&neg).unwrap());
    let neg_h = BarChart::new("negative h", "c", "v", cats.clone())
        .series(BarSeries::new("s", vec![-0.3, 0.2]))
        .value_labels(2)
        .horizontal();
    bar_chart(&neg_h).unwrap();
    let one = BarChart::new("one", "c", "v", vec!["only".to_owned()])
        .series(BarSeries::new("s", vec![5.0]));
    bar_chart(&one).unwrap();
    let mismatch = BarChart::new("mismatch", "c", "v", cats).series(BarSeries::new("s", vec![1.0]));
    assert!(matches!(
        bar_chart(&mismatch),
        Err(ChartError::InvalidSpec { .. })
    ));
    let many: Vec<String> = (0..30).map(|i| format!("category {i}")).collect();
    let crowded = BarChart::new("crowded", "c", "v", many)
        .series(BarSeries::new("a", (0..30).map(f64::from).collect()))
        .series(BarSeries::new(
            "b",
            (0..30).map(|i| f64::from(i) * 0.5).collect(),
        ))
        .value_labels(1);
    keep("bar_crowded", &bar_chart(&crowded).unwrap());
}

#[test]
fn stacked_bars_shares() {
    let spec = StackedBars::new(
        "Price class by room type",
        "room type",
        "share of listings",
        ["Entire home/apt", "Private room", "Shared room"]
            .map(String::from)
            .to_vec(),
        classes(),
        vec![
            vec![0.08, 0.22, 0.35, 0.35],
            vec![0.55, 0.33, 0.09, 0.03],
            vec![820.0, 100.0, 60.0, 20.0],
        ],
    );
    let svg = stacked_bars(&spec).unwrap();
    has_all(
        &svg,
        &[
            "Price class by room type",
            "share of listings",
            "room type",
            "Budget",
            "Luxury",
            "Private room",
            "82%",
        ],
    );
    keep("stacked", &svg);
    let odd = StackedBars::new(
        "odd",
        "c",
        "v",
        vec!["zero".into(), "nan".into()],
        classes(),
        vec![vec![0.0; 4], vec![f64::NAN, 1.0, 0.0, 0.0]],
    );
    stacked_bars(&odd).unwrap();
    let neg = StackedBars::new(
        "neg",
        "c",
        "v",
        vec!["x".into()],
        classes(),
        vec![vec![-1.0, 1.0, 0.0, 0.0]],
    );
    assert!(matches!(
        stacked_bars(&neg),
        Err(ChartError::InvalidSpec { .. })
    ));
    let empty = StackedBars::new("empty", "c", "v", vec![], classes(), vec![]);
    assert!(matches!(stacked_bars(&empty), Err(ChartError::NoData(_))));
}

#[test]
fn heatmaps_correlation_and_confusion() {
    let labels: Vec<String> = [
        "latitude",
        "longitude",
        "minimum_nights",
        "number_of_reviews",
        "availability_365",
        "room_type_Private room",
    ]
    .map(String::from)
    .to_vec();
    let n = labels.len();
    let corr: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    if i == j {
                        1.0
                    } else {
                        ((i * 7 + j * 7) % 11) as f64 / 5.5 - 1.0
                    }
                })
                .collect()
        })
        .collect();
    let svg = heatmap(&Heatmap::correlation(
        "Pearson correlation of features",
        labels,
        corr,
    ))
    .unwrap();
    has_all(
        &svg,
        &[
            "Pearson correlation of features",
            "minimum_nights",
            "1.00",
            "Pearson r",
        ],
    );
    keep("heat_corr", &svg);
    let counts = vec![
        vec![1800.0, 420.0, 60.0, 5.0],
        vec![510.0, 1500.0, 480.0, 40.0],
        vec![70.0, 600.0, 1200.0, 300.0],
        vec![10.0, 90.0, 420.0, 900.0],
    ];
    let svg = heatmap(&Heatmap::confusion(
        "Confusion matrix (test split)",
        classes(),
        counts,
    ))
    .unwrap();
    has_all(
        &svg,
        &[
            "Confusion matrix (test split)",
            "predicted class",
            "true class",
            "1800",
            "Premium",
        ],
    );
    keep("heat_confusion", &svg);
}

#[test]
fn heatmap_odd_data() {
    let empty = Heatmap::confusion("empty", vec![], vec![]);
    assert!(matches!(heatmap(&empty), Err(ChartError::NoData(_))));
    let one = Heatmap::confusion("one cell", vec!["a".into()], vec![vec![0.0]]);
    heatmap(&one).unwrap();
    let nan = Heatmap::correlation(
        "nan",
        vec!["a".into(), "b".into()],
        vec![vec![1.0, f64::NAN], vec![f64::NAN, 1.0]],
    );
    has_all(&heatmap(&nan).unwrap(), &["n/a"]);
    let all_nan = Heatmap::correlation("all nan", vec!["a".into()], vec![vec![f64::NAN]]);
    assert!(matches!(heatmap(&all_nan), Err(ChartError::NoData(_))));
    let ragged = Heatmap::correlation(
        "ragged",
        vec!["a".into(), "b".into()],
        vec![vec![1.0], vec![1.0, 2.0]],
    );
    assert!(matches!(
        heatmap(&ragged),
        Err(ChartError::InvalidSpec { .. })
    ));
    let mut bad = Heatmap::correlation("bad limit", vec!["a".into()], vec![vec![1.0]]);
    bad.scale = ColorScale::Diverging { limit: 0.0 };
    assert!(matches!(heatmap(&bad), Err(ChartError::InvalidSpec { .. })));
    let mut big: Vec<String> = (0..16).map(|i| format!("feature_{i}")).collect();
    big[3] = "room_type_Private room".into();
    let vals: Vec<Vec<f64>> = (0..16)
        .map(|i| (0..16).map(|j| ((i as f64) - (j as f64)) / 16.0).collect())
        .collect();
    keep(
        "heat_big",
        &heatmap(&Heatmap::correlation("16 × 16", big, vals)).unwrap(),
    );
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

#[test]
fn box_plots_panels() {
    let panels = vec![
        BoxPanel {
            title: "minimum_nights".into(),
            y_label: "nights".into(),
            summaries: vec![
                five(1.0, 1.0, 2.0, 4.0, 30.0),
                five(1.0, 2.0, 3.0, 5.0, 30.0),
                five(1.0, 2.0, 3.0, 7.0, 45.0),
                five(1.0, 2.0, 4.0, 30.0, 90.0),
            ],
        },
        BoxPanel {
            title: "number_of_reviews".into(),
            y_label: "reviews".into(),
            summaries: vec![
                five(0.0, 1.0, 6.0, 26.0, 300.0),
                five(0.0, 1.0, 5.0, 24.0, 320.0),
                five(0.0, 1.0, 4.0, 20.0, 250.0),
                five(0.0, 0.0, 2.0, 10.0, 200.0),
            ],
        },
        BoxPanel {
            title: "availability_365".into(),
            y_label: "days".into(),
            summaries: vec![
                five(0.0, 0.0, 40.0, 220.0, 365.0),
                five(0.0, 0.0, 50.0, 240.0, 365.0),
                five(0.0, 0.0, 60.0, 260.0, 365.0),
                five(0.0, 5.0, 100.0, 300.0, 365.0),
            ],
        },
        BoxPanel {
            title: "latitude".into(),
            y_label: "degrees north".into(),
            summaries: vec![five(40.5, 40.68, 40.72, 40.77, 40.91); 4],
        },
        BoxPanel {
            title: "longitude".into(),
            y_label: "degrees east".into(),
            summaries: vec![
                five(-74.2, -73.96, -73.94, -73.92, -73.7),
                five(-74.2, -73.98, -73.95, -73.93, -73.7),
                five(-74.2, -73.99, -73.98, -73.96, -73.7),
                five(-74.2, -74.0, -73.98, -73.96, -73.7),
            ],
        },
        BoxPanel {
            title: "reviews_per_month".into(),
            y_label: "reviews / month".into(),
            summaries: vec![
                five(0.0, 0.1, 0.5, 1.6, 8.0),
                five(0.0, 0.1, 0.7, 2.0, 9.0),
                five(0.0, 0.1, 0.6, 1.9, 9.5),
                five(0.0, 0.05, 0.3, 1.0, 6.0),
            ],
        },
    ];
    let svg = box_plots(&BoxPlots::new(
        "Numeric columns by price class (whiskers: 1st–99th percentile)",
        classes(),
        panels,
    ))
    .unwrap();
    has_all(
        &svg,
        &[
            "Numeric columns by price class",
            "minimum_nights",
            "nights",
            "degrees east",
            "Budget",
            "Luxury",
        ],
    );
    keep("boxes", &svg);
}

#[test]
fn box_plots_odd_data() {
    let g = vec!["only".to_owned()];
    let flat = BoxPlots::new(
        "flat",
        g.clone(),
        vec![BoxPanel {
            title: "p".into(),
            y_label: "u".into(),
            summaries: vec![five(2.0, 2.0, 2.0, 2.0, 2.0)],
        }],
    );
    box_plots(&flat).unwrap();
    let nan = BoxPlots::new(
        "nan",
        classes(),
        vec![BoxPanel {
            title: "p".into(),
            y_label: "u".into(),
            summaries: vec![
                five(f64::NAN, 0.0, 0.0, 0.0, 0.0),
                five(0.0, 1.0, 2.0, 3.0, 4.0),
                five(0.0, 1.0, 2.0, 3.0, 4.0),
                five(0.0, 1.0, 2.0, 3.0, 4.0),
            ],
        }],
    );
    has_all(&box_plots(&nan).unwrap(), &["n/a"]);
    let all_nan = BoxPlots::new(
        "all nan",
        g.clone(),
        vec![BoxPanel {
            title: "p".into(),
            y_label: "u".into(),
            summaries: vec![five(f64::NAN, 0.0, 0.0, 0.0, 0.0)],
        }],
    );
    assert!(matches!(box_plots(&all_nan), Err(ChartError::NoData(_))));
    let none = BoxPlots::new("none", g.clone(), vec![]);
    assert!(matches!(box_plots(&none), Err(ChartError::NoData(_))));
    let unordered = BoxPlots::new(
        "unordered",
        g.clone(),
        vec![BoxPanel {
            title: "p".into(),
            y_label: "u".into(),
            summaries: vec![five(3.0, 2.0, 1.0, 0.0, -1.0)],
        }],
    );
    assert!(matches!(
        box_plots(&unordered),
        Err(ChartError::InvalidSpec { .. })
    ));
    let wrong = BoxPlots::new(
        "wrong count",
        classes(),
        vec![BoxPanel {
            title: "p".into(),
            y_label: "u".into(),
            summaries: vec![],
        }],
    );
    assert!(matches!(
        box_plots(&wrong),
        Err(ChartError::InvalidSpec { .. })
    ));
}

#[test]
fn histograms_train_beside_test() {
    let edges: Vec<f64> = (0..=20).map(|i| f64::from(i) * 18.25).collect();
    let shape = |shift: f64| -> Vec<f64> {
        let raw: Vec<f64> = (0..20)
            .map(|b| (-(f64::from(b) - shift).powi(2) / 18.0).exp() + 0.02)
            .collect();
        let s: f64 = raw.iter().sum();
        raw.iter().map(|v| v / s).collect()
    };
    let panel = |title: &str, d: f64| HistPanel {
        title: title.into(),
        edges: edges.clone(),
        series: classes()
            .into_iter()
            .enumerate()
            .map(|(k, c)| HistSeries::new(c, shape(3.0 + 4.0 * k as f64 + d)))
            .collect(),
    };
    let spec = Histograms::new(
        "availability_365 by price class",
        "availability (days per year)",
        "share of class",
        vec![panel("train", 0.0), panel("test", 0.5)],
    );
    let svg = histograms(&spec).unwrap();
    has_all(
        &svg,
        &[
            "availability_365 by price class",
            "availability (days per year)",
            "share of class",
            "train",
            "test",
            "Moderate",
        ],
    );
    keep("hist", &svg);
}

#[test]
fn histograms_odd_data() {
    let p = |edges: Vec<f64>, values: Vec<f64>| HistPanel {
        title: "p".into(),
        edges,
        series: vec![HistSeries::new("s", values)],
    };
    let ok_zero = Histograms::new(
        "zeros",
        "x",
        "y",
        vec![p(vec![0.0, 1.0, 2.0], vec![0.0, 0.0])],
    );
    histograms(&ok_zero).unwrap();
    let one_bin = Histograms::new("one bin", "x", "y", vec![p(vec![0.0, 1.0], vec![3.0])]);
    histograms(&one_bin).unwrap();
    let nan = Histograms::new(
        "nan",
        "x",
        "y",
        vec![p(vec![0.0, 1.0, 2.0], vec![f64::NAN, 1.0])],
    );
    histograms(&nan).unwrap();
    let all_nan = Histograms::new("all nan", "x", "y", vec![p(vec![0.0, 1.0], vec![f64::NAN])]);
    assert!(matches!(histograms(&all_nan), Err(ChartError::NoData(_))));
    let no_panels = Histograms::new("none", "x", "y", vec![]);
    assert!(matches!(histograms(&no_panels), Err(ChartError::NoData(_))));
    let bad_edges = Histograms::new("bad edges", "x", "y", vec![p(vec![1.0, 1.0], vec![1.0])]);
    assert!(matches!(
        histograms(&bad_edges),
        Err(ChartError::InvalidSpec { .. })
    ));
    let bad_len = Histograms::new("bad len", "x", "y", vec![p(vec![0.0, 1.0, 2.0], vec![1.0])]);
    assert!(matches!(
        histograms(&bad_len),
        Err(ChartError::InvalidSpec { .. })
    ));
}

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

// Geometry: parse the SVG a chart writes and check that what is drawn matches the data.

/// Attributes of every `<tag …>` element in `svg`, in document order.
fn elements(svg: &str, tag: &str) -> Vec<std::collections::HashMap<String, String>> {
    let open = format!("<{tag} ");
    svg.match_indices(&open)
        .map(|(i, _)| {
            let rest = &svg[i + open.len()..];
            let mut body = &rest[..rest.find('>').expect("element closed")];
            let mut attrs = std::collections::HashMap::new();
            while let Some(eq) = body.find("=\"") {
                let name = body[..eq].trim().to_owned();
                let value_end = body[eq + 2..].find('"').expect("attribute closed");
                attrs.insert(name, body[eq + 2..eq + 2 + value_end].to_owned());
                body = &body[eq + 2 + value_end + 1..];
            }
            attrs
        })
        .collect()
}

/// A filled rectangle as drawn: left, top, width, height in pixels.
#[derive(Debug, Clone, Copy)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn bottom(&self) -> f64 {
        self.y + self.h
    }
}

/// The rectangles filled with `fill` (an SVG colour such as `#0072B2`), wider and taller
/// than a legend swatch's 18×16 px so only data marks remain.
fn filled_rects(svg: &str, fill: &str) -> Vec<Rect> {
    elements(svg, "rect")
        .into_iter()
        .filter(|a| a.get("fill").is_some_and(|f| f.eq_ignore_ascii_case(fill)))
        .map(|a| {
            let num = |k: &str| a[k].parse::<f64>().expect("numeric attribute");
            Rect {
                x: num("x"),
                y: num("y"),
                w: num("width"),
                h: num("height"),
            }
        })
        .filter(|r| r.w > 18.0 || r.h > 16.0)
        .collect()
}

/// The points of every polyline stroked with `stroke` at `width` px.
fn polylines(svg: &str, stroke: &str, width: &str) -> Vec<Vec<(f64, f64)>> {
    elements(svg, "polyline")
        .into_iter()
        .filter(|a| {
            a.get("stroke")
                .is_some_and(|s| s.eq_ignore_ascii_case(stroke))
                && a.get("stroke-width").is_some_and(|w| w == width)
        })
        .map(|a| {
            a["points"]
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').expect("x,y");
                    (x.parse().expect("x"), y.parse().expect("y"))
                })
                .collect()
        })
        .collect()
}

/// Palette colours as SVG writes them.
const BLUE: &str = "#0072B2";
const ORANGE: &str = "#E69F00";
const GREEN: &str = "#009E73";

#[test]
fn bar_lengths_are_proportional_to_values_from_zero() {
    let values = [1.0, 2.0, 3.5];
    let cats: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    for horizontal in [false, true] {
        let mut spec = BarChart::new("bars", "category", "value", cats.clone())
            .series(BarSeries::new("s", values.to_vec()));
        if horizontal {
            spec = spec.horizontal();
        }
        let svg = bar_chart(&spec).unwrap();
        let bars = filled_rects(&svg, BLUE);
        assert_eq!(
            bars.len(),
            3,
            "one rectangle per bar (horizontal: {horizontal})"
        );
        // Length along the value axis; horizontal bars are drawn top to bottom in order.
        let len = |r: &Rect| if horizontal { r.w } else { r.h };
        // Pixels per unit from the longest bar, where rounding matters least.
        let per_unit = len(&bars[2]) / values[2];
        assert!(per_unit > 20.0, "bars too short to test: {bars:?}");
        assert!(
            (len(&bars[1]) - 2.0 * len(&bars[0])).abs() <= 1.0,
            "the bar for 2 is not twice the bar for 1 (horizontal: {horizontal}): {bars:?}"
        );
        for (r, v) in bars.iter().zip(values) {
            assert!(
                (len(r) - v * per_unit).abs() <= 1.0,
                "bar for {v} is {} px long, expected {} (horizontal: {horizontal}): {bars:?}",
                len(r),
                v * per_unit
            );
        }
        // All bars start from the same zero line.
        let start = |r: &Rect| if horizontal { r.x } else { r.bottom() };
        assert!(
            bars.iter()
                .all(|r| (start(r) - start(&bars[0])).abs() <= 0.5)
        );
        if !horizontal {
            // The value grows upwards: a taller bar's top is higher on the page.
            assert!(bars[0].y > bars[1].y && bars[1].y > bars[2].y);
        }
    }
}

#[test]
fn stacked_segments_are_proportional_to_shares_and_fill_the_bar() {
    // Counts, normalised per row; the third category is one class only, a full bar.
    let rows = [
        vec![1.0, 2.0, 1.0],
        vec![3.0, 1.0, 0.0],
        vec![0.0, 0.0, 5.0],
    ];
    let spec = StackedBars::new(
        "stacked",
        "category",
        "share",
        ["a", "b", "c"].map(String::from).to_vec(),
        ["x", "y", "z"].map(String::from).to_vec(),
        rows.to_vec(),
    );
    let svg = stacked_bars(&spec).unwrap();
    let fills = [BLUE, ORANGE, GREEN];
    let segments: Vec<Vec<Rect>> = fills.iter().map(|f| filled_rects(&svg, f)).collect();
    // Segments in category order per class; classes with a zero share draw nothing.
    let seg = |cat: usize, class: usize| -> Option<Rect> {
        let drawn: Vec<usize> = (0..rows.len()).filter(|&i| rows[i][class] > 0.0).collect();
        let k = drawn.iter().position(|&i| i == cat)?;
        Some(segments[class][k])
    };
    let full = seg(2, 2).expect("the full bar");
    assert!(full.h > 100.0, "full bar too short: {full:?}");
    for (i, row) in rows.iter().enumerate() {
        let total: f64 = row.iter().sum();
        let parts: Vec<(f64, Rect)> = (0..3)
            .filter_map(|j| seg(i, j).map(|r| (row[j] / total, r)))
            .collect();
        assert_eq!(parts.len(), row.iter().filter(|v| **v > 0.0).count());
        for (share, r) in &parts {
            assert!(
                (r.h - share * full.h).abs() <= 1.0,
                "category {i}: segment of share {share} is {} px tall, expected {}",
                r.h,
                share * full.h
            );
        }
        // Stacked from the bottom, each segment on top of the previous one, with the
        // whole bar exactly as tall as the full bar.
        assert!((parts[0].1.bottom() - full.bottom()).abs() <= 0.5);
        for pair in parts.windows(2) {
            assert!((pair[1].1.bottom() - pair[0].1.y).abs() <= 0.5, "{parts:?}");
        }
        let top = parts.last().map(|p| p.1.y).unwrap();
        assert!((full.bottom() - top - full.h).abs() <= 1.0, "{parts:?}");
    }
}

#[test]
fn line_points_move_with_their_values() {
    let values = [1.0, 3.0, 2.0, 2.5];
    let spec = LineChart::new("line", "x", "y").series(LineSeries::new(
        "s",
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| (i as f64, v))
            .collect(),
    ));
    let svg = line_chart(&spec).unwrap();
    let lines = polylines(&svg, BLUE, "3");
    assert_eq!(lines.len(), 1, "one curve");
    let pts = &lines[0];
    assert_eq!(pts.len(), values.len());
    // x runs left to right at even steps.
    let step = pts[1].0 - pts[0].0;
    assert!(step > 50.0);
    for (k, p) in pts.iter().enumerate() {
        assert!((p.0 - pts[0].0 - k as f64 * step).abs() <= 1.0, "{pts:?}");
    }
    // A larger value sits higher (smaller y), by a distance proportional to the change.
    let per_unit = (pts[0].1 - pts[1].1) / (values[1] - values[0]);
    assert!(per_unit > 20.0, "a larger value must sit higher: {pts:?}");
    for (p, v) in pts.iter().zip(values) {
        let expected = pts[0].1 - (v - values[0]) * per_unit;
        assert!(
            (p.1 - expected).abs() <= 1.0,
            "point for {v} at y = {}, expected {expected}: {pts:?}",
            p.1
        );
    }
}
