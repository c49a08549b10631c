//! Bar charts, grouped and horizontal, with odd data, and stacked bars of shares.

use reporting::charts::*;

use super::{classes, has_all, keep};

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
