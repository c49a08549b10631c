//! Box plots in panels, and with odd data.

use reporting::charts::*;

use super::{classes, five, has_all, keep};

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
