//! Histograms of train beside test, and with odd data.

use reporting::charts::*;

use super::{classes, has_all, keep};

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
