//! Heatmaps: a correlation matrix, a confusion matrix, and odd data.

use reporting::charts::*;

use super::{classes, has_all, keep};

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
