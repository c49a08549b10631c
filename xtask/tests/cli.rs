//! The command line end to end: task listing, one-line errors on bad input, the whole
//! pipeline on the synthetic fixture (schema, finiteness, determinism), prediction, and
//! Part A's expectations on the real data when `DATA_DIR` is set.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("xtask runs")
}

fn fixture(path: &str) -> String {
    root().join("fixtures").join(path).display().to_string()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn no_arguments_lists_the_tasks_and_every_task_has_help() {
    let out = xtask(&[]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for task in [
        "all", "eda", "part-b", "part-c", "part-d", "q2", "synth", "predict", "report", "bench",
        "schemas",
    ] {
        assert!(text.contains(task), "task list lacks {task}:\n{text}");
        let help = xtask(&[task, "--help"]);
        assert!(help.status.success(), "{task} --help failed");
        assert!(String::from_utf8_lossy(&help.stdout).contains("Usage"));
    }
}

#[test]
fn every_malformed_fixture_fails_with_one_line_naming_the_place() {
    let good = fixture("synthetic_test.csv");
    let cases = [
        ("bad/not_a_number.csv", ":4: column \"minimum_nights\""),
        ("bad/infinite.csv", ":3: column \"amenity_score\""),
        ("bad/label_out_of_range.csv", ":3: column \"price_class\""),
        ("bad/label_missing.csv", ":4: column \"price_class\""),
        ("bad/field_count.csv", ":3:"),
        ("bad/empty.csv", "empty"),
        ("bad/header_only.csv", "no data rows"),
        ("bad/not_utf8.csv", ":3: column \"neighbourhood_group\""),
        ("bad/missing_column.csv", "\"amenity_score\" is missing"),
    ];
    for (file, expected) in cases {
        let out_dir = scratch("bad");
        let bad = fixture(file);
        let out = xtask(&[
            "eda",
            "--train",
            &bad,
            "--test",
            &good,
            "--out",
            out_dir.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{file} was accepted");
        assert_eq!(stderr.lines().count(), 1, "{file}: not one line:\n{stderr}");
        assert!(stderr.starts_with("error: "), "{file}: {stderr}");
        assert!(
            stderr.contains(file),
            "{file}: the file is not named: {stderr}"
        );
        assert!(stderr.contains(expected), "{file}: {stderr}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        assert!(
            !out_dir.join("eda.json").exists(),
            "{file}: a result was written"
        );
    }
}

/// Every number anywhere in `v` is finite (JSON has no NaN; serde writes it as null, which
/// a required number must not be).
fn assert_finite(v: &Value, at: &str) {
    match v {
        Value::Number(n) => assert!(n.as_f64().is_some_and(f64::is_finite), "{at}: {n}"),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| assert_finite(x, &format!("{at}/{i}"))),
        Value::Object(o) => o
            .iter()
            .for_each(|(k, x)| assert_finite(x, &format!("{at}/{k}"))),
        _ => {}
    }
}

/// Runs `task --quick` on the synthetic fixture, writing into `out`; fails the test if it fails.
fn run_on_fixture(task: &str, out: &Path) {
    let train = fixture("synthetic_train.csv");
    let test = fixture("synthetic_test.csv");
    let run = xtask(&[
        task,
        "--quick",
        "--quiet",
        "--train",
        &train,
        "--test",
        &test,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{task}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn all_quick_on_the_fixture_writes_every_output_deterministically() {
    let (a, b) = (scratch("all-a"), scratch("all-b"));
    run_on_fixture("all", &a);
    let s = read_json(&a.join("summary.json"));
    for pointer in [
        "/part_b/relu/train_acc",
        "/part_b/relu/val_acc",
        "/part_b/sigmoid/train_acc",
        "/part_b/sigmoid/val_acc",
        "/part_c/train_acc",
        "/part_c/val_acc",
        "/part_d/test_acc",
        "/q2/shared/final_loss",
        "/q2/independent/final_loss",
        "/q2/grad_check/max_rel_error",
    ] {
        let x = s
            .pointer(pointer)
            .and_then(Value::as_f64)
            .unwrap_or_else(|| panic!("{pointer} missing"));
        assert!(x.is_finite(), "{pointer}");
        if pointer.ends_with("_acc") {
            assert!((0.0..=1.0).contains(&x), "{pointer} = {x}");
        }
    }
    assert_eq!(
        s.pointer("/data/source").and_then(Value::as_str),
        Some("csv")
    );
    let attribution = s
        .pointer("/part_c/attribution")
        .and_then(Value::as_array)
        .unwrap();
    assert!(!attribution.is_empty());
    let scores: Vec<f64> = attribution
        .iter()
        .map(|a| a["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "attribution not ranked"
    );
    assert!(attribution.iter().all(|a| a["feature"].is_string()));
    let names: Vec<&str> = s
        .pointer("/part_d/mitigations")
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    for name in [
        "class_weights",
        "weight_decay",
        "dropout",
        "majority_baseline",
    ] {
        assert!(
            names.contains(&name),
            "mitigation {name} missing: {names:?}"
        );
    }
    assert!(s.pointer("/part_d/root_cause/feature").is_some());
    for file in [
        "summary.json",
        "part_b.json",
        "part_c.json",
        "q2.json",
        "split.json",
    ] {
        assert_finite(&read_json(&a.join(file)), file);
    }
    let split = read_json(&a.join("split.json"));
    let val = split["validation_rows"].as_array().unwrap().len();
    let train = split["train_rows"].as_array().unwrap().len();
    assert_eq!(val + train, 400);
    for f in [
        "report.md",
        "report.html",
        "histories/part_b_relu.csv",
        "histories/part_c.csv",
        "models/part_c_tape.json",
        "figures/part_b_accuracy.svg",
    ] {
        assert!(a.join(f).is_file(), "{f} missing");
    }
    let html = std::fs::read_to_string(a.join("report.html")).unwrap();
    assert!(html.contains("<svg") && !html.contains("<script"));

    run_on_fixture("all", &b);
    for f in [
        "summary.json",
        "part_b.json",
        "part_c.json",
        "part_d.json",
        "q2.json",
        "eda.json",
        "models/part_c_tape.json",
        "models/q2_shared.json",
        "report.md",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between two runs"
        );
    }

    let predictions = a.join("predictions.csv");
    let model = a.join("models/part_c_tape.json");
    let out = xtask(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--input",
        &fixture("synthetic_test.csv"),
        "--out",
        predictions.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&predictions).unwrap();
    assert_eq!(text.lines().count(), 72);
    for line in text.lines().skip(1) {
        let p: Vec<f64> = line
            .split(',')
            .skip(2)
            .map(|v| v.parse().unwrap())
            .collect();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    let report = xtask(&["report", "--results", a.to_str().unwrap()]);
    assert!(report.status.success());
    assert_eq!(
        std::fs::read(a.join("report.md")).unwrap(),
        std::fs::read(b.join("report.md")).unwrap()
    );
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn the_synthetic_fixture_is_what_the_generator_writes() {
    let out = scratch("synth");
    let run = xtask(&[
        "synth",
        "--out",
        out.to_str().unwrap(),
        "--rows",
        "400",
        "--seed",
        "1",
    ]);
    assert!(run.status.success());
    for f in ["train.csv", "test.csv"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(root().join("fixtures").join(format!("synthetic_{f}"))).unwrap(),
            "{f}"
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn eda_on_the_real_data_finds_the_leak() {
    let Ok(dir) = std::env::var("DATA_DIR") else {
        eprintln!("DATA_DIR not set: skipping the real-data check");
        return;
    };
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

#[test]
fn each_part_runs_alone() {
    for (task, file, key) in [
        ("part-b", "part_b.json", "/relu/val_acc"),
        ("part-c", "part_c.json", "/attribution/0/score"),
        ("part-d", "part_d.json", "/model/test_acc"),
        ("q2", "q2.json", "/grad_check/max_rel_error"),
    ] {
        let out = scratch(task);
        run_on_fixture(task, &out);
        let record = read_json(&out.join(file));
        assert!(
            record
                .pointer(key)
                .and_then(Value::as_f64)
                .is_some_and(f64::is_finite),
            "{task}: {key}"
        );
        let _ = std::fs::remove_dir_all(&out);
    }
}

#[test]
fn every_results_file_and_model_file_validates_against_its_shipped_schema() {
    // The shipped schemas are what the types say now.
    let check = xtask(&["schemas", "--check"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let out = scratch("schemas");
    run_on_fixture("all", &out);
    let schemas = root().join("docs/schemas");
    let validator = |name: &str| {
        let schema = read_json(&schemas.join(format!("{name}.schema.json")));
        jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let mut files: Vec<(PathBuf, &str)> = [
        "summary", "config", "eda", "part_b", "part_c", "part_d", "q2", "split",
    ]
    .into_iter()
    .map(|name| (out.join(format!("{name}.json")), name))
    .collect();
    let mut models = 0;
    for entry in std::fs::read_dir(out.join("models")).unwrap() {
        files.push((entry.unwrap().path(), "model"));
        models += 1;
    }
    assert!(models >= 4, "only {models} model files");
    for (path, name) in &files {
        let value = read_json(path);
        let v = validator(name);
        let errors: Vec<String> = v
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .take(5)
            .collect();
        assert!(
            errors.is_empty(),
            "{} fails {name}.schema.json: {errors:?}",
            path.display()
        );
    }
    // The check is not vacuous: a record with a key of the wrong type fails.
    let mut summary = read_json(&out.join("summary.json"));
    summary["part_b"] = Value::String("not an object".into());
    assert!(!validator("summary").is_valid(&summary));
    let _ = std::fs::remove_dir_all(&out);
}
