//! Part A's expectations on the real data, run only when `DATA_DIR` names its folder.

use super::{read_json, root, scratch, xtask};

#[test]
#[ignore = "reads the real data: DATA_DIR=../shared/data cargo test --workspace --release -- --include-ignored"]
fn eda_on_the_real_data_finds_the_leak() {
    let dir = std::env::var("DATA_DIR")
        .expect("DATA_DIR names the real data's folder (e.g. ../shared/data)");
    let data = root().join(dir);
    let out = scratch("eda-real");
    let run = xtask(&[
        "eda",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let e = read_json(&out.join("eda.json"));
    assert_eq!(e["rows"]["train"], 41_348);
    assert_eq!(e["rows"]["test"], 7_297);
    let missing = [
        ("neighbourhood_group", 839),
        ("room_type", 611),
        ("minimum_nights", 1_322),
        ("amenity_score", 916),
        ("number_of_reviews", 1_123),
        ("availability_365", 595),
    ];
    for (column, n) in missing {
        assert_eq!(e["missing"][column], n, "{column}");
    }
    assert_eq!(
        e["class_counts"],
        serde_json::json!([5_567, 23_287, 9_844, 2_650])
    );
    assert_eq!(e["dominant_features"], serde_json::json!(["amenity_score"]));
    let shift = &e["shift"]["amenity_score"];
    assert!((shift["label_corr_train"].as_f64().unwrap() - 0.87).abs() < 0.02);
    assert!(shift["label_corr_test"].as_f64().unwrap().abs() < 0.05);
    assert!(e["correlation"]["amenity_score"]["price_class"].is_number());
    let _ = std::fs::remove_dir_all(&out);
}
