//! Part A: statistics checked against values computed by hand, the two checks on synthetic
//! data with a known leak, and (when `DATA_DIR` is set) the real data's numbers.

use data::synth::{SynthConfig, generate};
use data::{Categorical, Schema, Table};
use experiments::part_a::stats::{
    average_ranks, correlation_ratio, cramers_v, kolmogorov_q, ks_two_sample, pearson,
    quantile_sorted, spearman, summary, total_variation, uncertainty_coefficient,
};
use experiments::part_a::{PartA, PartAConfig, RelationMeasure, analyse};
use std::path::PathBuf;

const NAN: f64 = f64::NAN;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn quartiles_interpolate_between_order_statistics() {
    let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
    assert_eq!(quantile_sorted(&v, 0.25), 2.75);
    assert_eq!(quantile_sorted(&v, 0.5), 4.5);
    assert_eq!(quantile_sorted(&v, 0.75), 6.25);
    // Missing values are skipped, order does not matter.
    let s = summary([8.0, NAN, 3.0, 1.0, 2.0, 7.0, 5.0, 6.0, 4.0, NAN]).unwrap();
    assert_eq!(s.n, 8);
    assert_eq!(
        (s.min, s.q1, s.median, s.q3, s.max),
        (1.0, 2.75, 4.5, 6.25, 8.0)
    );
    assert_eq!(s.mean, 4.5);
    assert!(summary([NAN, NAN]).is_none());
}

#[test]
fn pearson_and_spearman_by_hand() {
    let x = [1.0, 2.0, 3.0, 4.0, 5.0];
    let y = [2.0, 4.0, 5.0, 4.0, 5.0];
    // Deviations (-2,-1,0,1,2) and (-2,0,1,0,1): sxy 6, sxx 10, syy 6.
    assert!(close(pearson(&x, &y).unwrap(), 6.0 / 60f64.sqrt(), 1e-12));
    // Ties share ranks: y → (1, 2.5, 4.5, 2.5, 4.5); sxy 7, sxx 10, syy 9.
    assert_eq!(average_ranks(&y), vec![1.0, 2.5, 4.5, 2.5, 4.5]);
    assert!(close(spearman(&x, &y).unwrap(), 7.0 / 90f64.sqrt(), 1e-12));
    // Monotone but not linear: Spearman 1, Pearson below.
    let cube: Vec<f64> = x.iter().map(|v| v * v * v).collect();
    assert!(close(spearman(&x, &cube).unwrap(), 1.0, 1e-12));
    assert!(pearson(&x, &cube).unwrap() < 0.99);
    // Pairwise complete: the row with a missing value is dropped from both sides.
    let xm = [1.0, 2.0, NAN, 4.0, 5.0, 100.0];
    let ym = [2.0, 4.0, 9.0, 4.0, 5.0, NAN];
    let (xc, yc) = ([1.0, 2.0, 4.0, 5.0], [2.0, 4.0, 4.0, 5.0]);
    assert_eq!(pearson(&xm, &ym), pearson(&xc, &yc));
    // Undefined for a constant column.
    assert_eq!(pearson(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
}

#[test]
fn kolmogorov_smirnov_by_hand() {
    // F_a − F_b at 1, 2, 3, 4: 1/4, 2/4, 3/4 − 1/6, 1 − 2/6 → D = 2/3.
    let (d, _) = ks_two_sample(&[1.0, 2.0, 3.0, 4.0], &[3.0, 4.0, 5.0, 6.0, 7.0, 8.0]).unwrap();
    assert!(close(d, 2.0 / 3.0, 1e-12));
    // Ties across samples: at 1: 1/4 − 0; at 2: 3/4 − 2/4; at 3: 1 − 1 → D = 1/4
    // (stepping through one sample's 2s before the other's would give 3/4).
    let (d, _) = ks_two_sample(&[1.0, 2.0, 2.0, 3.0], &[2.0, 2.0, 3.0, 3.0]).unwrap();
    assert!(close(d, 0.25, 1e-12));
    // Identical samples: D = 0, p = 1; missing values ignored.
    let (d, p) = ks_two_sample(&[1.0, 2.0, NAN], &[2.0, 1.0]).unwrap();
    assert_eq!((d, p), (0.0, 1.0));
    assert!(ks_two_sample(&[NAN], &[1.0]).is_none());
    // The Kolmogorov distribution's tail: Q(1) = 0.26999967, Q(1.3581) ≈ 0.05.
    assert!(close(kolmogorov_q(1.0), 0.269_999_67, 1e-6));
    assert!(close(kolmogorov_q(1.358_1), 0.05, 1e-4));
    assert_eq!(kolmogorov_q(0.0), 1.0);
    // Disjoint large samples: D = 1, p ≈ 0.
    let a: Vec<f64> = (0..200).map(f64::from).collect();
    let b: Vec<f64> = (1000..1200).map(f64::from).collect();
    let (d, p) = ks_two_sample(&a, &b).unwrap();
    assert_eq!(d, 1.0);
    assert!(p < 1e-12);
}

#[test]
fn association_measures_by_hand() {
    // Group means 1 and 5 around 3: between 16, total 20 → η = sqrt(0.8).
    let eta = correlation_ratio(
        &[Some(0), Some(0), Some(1), Some(1), None],
        &[0.0, 2.0, 4.0, 6.0, 99.0],
    );
    assert!(close(eta.unwrap(), 0.8f64.sqrt(), 1e-12));
    // Two groups: η = |Pearson| of the group indicator.
    let g = [Some(0), Some(1), Some(1), Some(0), Some(1)];
    let y = [1.0, 3.0, 2.0, 2.0, 3.0];
    let indicator: Vec<f64> = g.iter().map(|g| f64::from(g.unwrap())).collect();
    assert!(close(
        correlation_ratio(&g, &y).unwrap(),
        pearson(&indicator, &y).unwrap().abs(),
        1e-12
    ));
    // Cramér's V: expected 15 per cell, χ² = 4·25/15, V = sqrt(χ²/60) = 1/3.
    assert!(close(
        cramers_v(&[vec![20, 10], vec![10, 20]]).unwrap(),
        1.0 / 3.0,
        1e-12
    ));
    assert!(close(
        cramers_v(&[vec![10, 0], vec![0, 10]]).unwrap(),
        1.0,
        1e-12
    ));
    assert_eq!(cramers_v(&[vec![5, 5]]), None);
    // Uncertainty coefficient: determined 1, independent 0; H(Y) = 0 undefined.
    assert!(close(
        uncertainty_coefficient(&[vec![10, 0], vec![0, 10]]).unwrap(),
        1.0,
        1e-12
    ));
    assert!(close(
        uncertainty_coefficient(&[vec![5, 5], vec![5, 5]]).unwrap(),
        0.0,
        1e-12
    ));
    assert_eq!(uncertainty_coefficient(&[vec![5, 0], vec![5, 0]]), None);
    assert!(close(
        total_variation(&[0.5, 0.5, 0.0], &[0.25, 0.5, 0.25]),
        0.25,
        1e-12
    ));
}

/// A small table with a schema of its own (so nothing can lean on the listings' names):
/// `shade` leaks the class, `size` is noise, `colour` is mildly informative.
fn toy(rows: usize, leak_holds: bool) -> Table {
    let schema = Schema {
        categorical: vec!["colour".into()],
        numeric: vec!["shade".into(), "size".into()],
        label: "group".into(),
        n_classes: 3,
        ranges: Vec::new(),
        classes: Vec::new(),
        ordered: None,
        names: Default::default(),
    };
    let labels: Vec<u8> = (0..rows).map(|r| ((r * 7 + r / 3) % 3) as u8).collect();
    let shade = labels
        .iter()
        .enumerate()
        .map(|(r, &y)| {
            let y = if leak_holds {
                y as usize
            } else {
                (r * 5 / 2) % 3
            };
            (10 * y + r % 4) as f64
        })
        .collect();
    let size = (0..rows)
        .map(|r| {
            if r % 10 == 9 {
                NAN
            } else {
                ((r * 37) % 11) as f64
            }
        })
        .collect();
    let codes = labels
        .iter()
        .enumerate()
        .map(|(r, &y)| match r % 5 {
            0 => None,
            1 | 2 => Some(u32::from(y.min(1))),
            _ => Some((r % 2) as u32),
        })
        .collect();
    Table {
        schema,
        source: "toy".into(),
        categorical: vec![Categorical {
            levels: vec!["blue".into(), "red".into()],
            codes,
        }],
        numeric: vec![shade, size],
        lines: (2..rows as u64 + 2).collect(),
        out_of_range: Vec::new(),
        labels,
    }
}

/// Every fifth row for validation, the rest for training.
fn split(n: usize) -> (Vec<usize>, Vec<usize>) {
    (0..n).partition(|r| r % 5 != 0)
}

#[test]
fn hand_made_tables_give_known_statistics() {
    let train = toy(300, true);
    let test = toy(120, false);
    let (t, v) = split(300);
    let a = analyse(&train, &test, &t, &v, &PartAConfig::default());
    assert_eq!((a.rows.train, a.rows.test), (300, 120));
    assert_eq!((a.rows.training_split, a.rows.validation_split), (240, 60));
    assert_eq!(a.missing["colour"], 60);
    assert_eq!(a.missing["size"], 30);
    assert_eq!(a.missing["shade"], 0);
    assert_eq!(a.missing_test["size"], 12);
    assert_eq!(a.class_counts.iter().sum::<usize>(), 300);
    let expected: Vec<usize> = (0..3)
        .map(|k| train.labels.iter().filter(|&&y| y == k).count())
        .collect();
    assert_eq!(a.class_counts, expected);
    let (max, min) = (
        *expected.iter().max().unwrap(),
        *expected.iter().min().unwrap(),
    );
    assert_eq!(a.imbalance_ratio, Some(max as f64 / min as f64));

    // shade = 10·class + (row mod 4): within each class min 10k, max 10k + 3.
    for k in 0..3 {
        let s = a.numeric_by_class["shade"][k].as_ref().unwrap();
        assert_eq!((s.min, s.max), (10.0 * k as f64, 10.0 * k as f64 + 3.0));
        assert!(close(s.median, 10.0 * k as f64 + 1.5, 0.5 + 1e-12));
    }
    // Category × class counts add up to the non-missing rows, split by class.
    let table = &a.category_by_class["colour"];
    assert_eq!(table.levels, ["blue", "red"]);
    let total: usize =
        table.counts.iter().flatten().sum::<usize>() + table.missing.iter().sum::<usize>();
    assert_eq!(total, 300);
    assert_eq!(table.missing.iter().sum::<usize>(), 60);

    // Correlation matrix: symmetric, 1 on the diagonal, label included and equal to a
    // direct computation.
    let y: Vec<f64> = train.labels.iter().map(|&y| f64::from(y)).collect();
    let r = pearson(&train.numeric[0], &y).unwrap();
    assert!(r > 0.99);
    assert_eq!(a.correlation["shade"]["group"], Some(r));
    assert_eq!(a.correlation["group"]["shade"], Some(r));
    assert_eq!(a.correlation["size"]["size"], Some(1.0));
    assert_eq!(a.spearman["group"]["size"], spearman(&y, &train.numeric[1]));

    // shade predicts the class perfectly: dominant. The others are not.
    assert_eq!(a.dominant_features, ["shade"]);
    let rule = &a
        .dominance
        .rules
        .iter()
        .find(|r| r.column == "shade")
        .unwrap();
    assert_eq!(rule.validation_accuracy, 1.0);
    assert_eq!(rule.error_reduction, 1.0);
    // ... but not in test, where shade's relation to the class is broken.
    assert!(rule.test_accuracy.unwrap() < 0.6);
    assert!(a.shift["shade"].label_relation_shift);
    assert_eq!(a.label_relation_shifted, ["shade"]);
    assert!(!a.shift["size"].label_relation_shift);
}

#[test]
fn the_record_serialises_to_the_promised_keys_byte_stably() {
    let train = toy(300, true);
    let test = toy(120, false);
    let (t, v) = split(300);
    let a = analyse(&train, &test, &t, &v, &PartAConfig::default());
    let json = serde_json::to_string_pretty(&a).unwrap();
    let b = analyse(&train, &test, &t, &v, &PartAConfig::default());
    assert_eq!(json, serde_json::to_string_pretty(&b).unwrap());
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["rows"]["train"], 300);
    assert_eq!(value["rows"]["test"], 120);
    assert_eq!(value["missing"]["size"], 30);
    assert_eq!(value["class_counts"].as_array().unwrap().len(), 3);
    assert!(value["correlation"]["shade"]["group"].is_number());
    assert_eq!(value["dominant_features"], serde_json::json!(["shade"]));
    for key in ["ks", "label_corr_train", "label_corr_test"] {
        assert!(value["shift"]["shade"][key].is_number(), "{key}");
    }
    assert!(value["shift_categorical"]["colour"]["tvd"].is_number());
    assert!(value["dominance"]["threshold"].is_number());
    let back: PartA = serde_json::from_str(&json).unwrap();
    assert_eq!(back, a);
}

fn synthetic(leak: Option<&str>) -> PartA {
    let config = SynthConfig {
        leak: leak.map(str::to_string),
        ..SynthConfig::new(20_000, 5_000, 17)
    };
    let (train, test) = generate(&config).unwrap();
    let s = data::stratified_split(&train.labels, train.schema.n_classes, 0.2, 42);
    analyse(
        &train,
        &test,
        &s.train,
        &s.validation,
        &PartAConfig::default(),
    )
}

#[test]
fn synthetic_default_leak_is_found_by_both_checks() {
    let a = synthetic(Some("amenity_score"));
    assert_eq!(a.dominant_features, ["amenity_score"]);
    assert_eq!(a.label_relation_shifted, ["amenity_score"]);
    let s = &a.shift["amenity_score"];
    assert!(s.label_corr_train.unwrap() > 0.8);
    assert!(s.label_corr_test.unwrap().abs() < 0.05);
    // Same marginal on both sides: the KS check alone would miss this leak.
    assert!(!s.marginal_shift, "KS {:?}", s.ks);
    assert!(a.marginal_shifted.is_empty());
    // Only train has missing values.
    assert!(a.missing.values().all(|&m| m > 300));
    assert!(a.missing_test.values().all(|&m| m == 0));
}

#[test]
fn synthetic_without_leak_flags_nothing() {
    let a = synthetic(None);
    assert!(a.dominant_features.is_empty());
    assert!(a.label_relation_shifted.is_empty());
    // The honest columns stay far below the threshold.
    for r in &a.dominance.rules {
        assert!(
            r.error_reduction < 0.1,
            "{}: {}",
            r.column,
            r.error_reduction
        );
    }
}

#[test]
fn synthetic_leak_elsewhere_is_named() {
    let a = synthetic(Some("availability_365"));
    assert_eq!(a.dominant_features, ["availability_365"]);
    assert_eq!(a.label_relation_shifted, ["availability_365"]);
}

#[test]
#[ignore = "reads the real data: DATA_DIR=../shared/data cargo test --workspace --release -- --include-ignored"]
fn real_data_shows_the_leak() {
    let dir = std::env::var("DATA_DIR")
        .expect("DATA_DIR names the real data's folder (e.g. ../shared/data)");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join(dir);
    let schema = Schema::listings();
    let load = |name: &str| data::load_csv(&dir.join(name), &schema).unwrap().table;
    let (train, test) = (load("train.csv"), load("test.csv"));
    let s = data::stratified_split(&train.labels, schema.n_classes, 0.2, 42);
    let a = analyse(
        &train,
        &test,
        &s.train,
        &s.validation,
        &PartAConfig::default(),
    );
    assert_eq!((a.rows.train, a.rows.test), (41_348, 7_297));
    assert_eq!(a.class_counts.iter().sum::<usize>(), 41_348);
    assert!(a.missing.values().all(|&m| m > 500));
    assert!(a.missing_test.values().all(|&m| m == 0));
    assert_eq!(a.dominant_features, ["amenity_score"]);
    assert_eq!(a.label_relation_shifted, ["amenity_score"]);
    let s = &a.shift["amenity_score"];
    assert!(close(s.label_corr_train.unwrap(), 0.875, 0.01));
    assert!(s.label_corr_test.unwrap().abs() < 0.02);
    // Room type and borough carry real signal, stably, without being flagged.
    for name in &train.schema.categorical {
        let c = &a.shift_categorical[name];
        assert!(c.label_corr_train.unwrap() > 0.2, "{name}");
        assert!(c.label_corr_change.unwrap().abs() < 0.05, "{name}");
    }
}

/// The toy table's classes reordered so that `shade` (10 × the old class index) is high
/// in the middle class and low at both ends: a relation no correlation with the class
/// index can see.
fn middle_peak(t: &Table, ordered: Option<bool>) -> Table {
    let mut t = t.clone();
    t.schema.ordered = ordered;
    for y in &mut t.labels {
        *y = [0, 2, 1][*y as usize];
    }
    t.numeric[0] = t
        .labels
        .iter()
        .enumerate()
        .map(|(r, &y)| (if y == 1 { 20 } else { 0 } + r % 4) as f64)
        .collect();
    t
}

#[test]
fn without_a_class_order_the_label_relation_is_eta_and_cramers_v() {
    let (t, v) = split(300);
    let config = PartAConfig::default();
    let run = |ordered: Option<bool>| {
        let train = middle_peak(&toy(300, true), ordered);
        let test = middle_peak(&toy(120, true), ordered);
        (analyse(&train, &test, &t, &v, &config), train)
    };
    // Integer classes are ordered by default: Pearson with the class index misses the peak.
    let (a, _) = run(None);
    let s = &a.shift["shade"];
    assert_eq!(s.measure, RelationMeasure::AbsPearsonR);
    assert!(s.label_corr_train.unwrap().abs() < 0.2, "{s:?}");
    assert!(s.label_spearman_train.is_some());
    assert_eq!(
        a.shift_categorical["colour"].measure,
        RelationMeasure::CorrelationRatio
    );
    assert!(a.correlation.contains_key("group"));
    // Declared unordered: η of shade on the class sees it, Cramér's V for the categorical
    // column, no rank correlation, and the label leaves the correlation matrix.
    let (a, train) = run(Some(false));
    let s = &a.shift["shade"];
    assert_eq!(s.measure, RelationMeasure::CorrelationRatioOnClass);
    let groups: Vec<Option<u32>> = train.labels.iter().map(|&y| Some(u32::from(y))).collect();
    let eta = correlation_ratio(&groups, &train.numeric[0]).unwrap();
    assert!(eta > 0.95);
    assert_eq!(s.label_corr_train, Some(eta));
    assert_eq!(s.label_spearman_train, None);
    let c = &a.shift_categorical["colour"];
    assert_eq!(c.measure, RelationMeasure::CramersV);
    assert_eq!(c.label_corr_train, c.cramers_v_train);
    assert!(!a.correlation.contains_key("group"));
    assert!(!a.correlation["shade"].contains_key("group"));
}

#[test]
fn fisher_and_zou_intervals_by_hand() {
    use experiments::part_a::stats::{correlation_difference, fisher_interval};
    // r = 0.5 over 28 pairs: atanh 0.5 ± 1.96 / 5.
    let (low, high) = fisher_interval(0.5, 28).unwrap();
    let z = 0.5f64.atanh();
    let half = 1.959_963_984_540_054 / 5.0;
    assert!((low - (z - half).tanh()).abs() < 1e-15);
    assert!((high - (z + half).tanh()).abs() < 1e-15);
    // Asymmetric near 1, symmetric at 0.
    let (l, h) = fisher_interval(0.9, 100).unwrap();
    assert!(0.9 - l > h - 0.9);
    let (l0, h0) = fisher_interval(0.0, 100).unwrap();
    assert!((l0 + h0).abs() < 1e-15);
    assert_eq!(fisher_interval(0.5, 3), None);
    assert_eq!(fisher_interval(1.0, 100), None);
    // Zou's interval of a difference: with equal intervals around two equal correlations it
    // is symmetric around zero, √2 times as wide as each half; it holds the difference.
    let d = correlation_difference((0.0, (l0, h0)), (0.0, (l0, h0)));
    assert!((d.0 + d.1).abs() < 1e-15);
    assert!((d.1 - 2f64.sqrt() * h0).abs() < 1e-15);
    let (a, b) = (0.875, -0.007);
    let (ia, ib) = (
        fisher_interval(a, 8_000).unwrap(),
        fisher_interval(b, 7_000).unwrap(),
    );
    let (low, high) = correlation_difference((b, ib), (a, ia));
    assert!(low < b - a && b - a < high && high < -0.8, "{low} {high}");
}
