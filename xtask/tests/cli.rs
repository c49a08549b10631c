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

/// Runs `task --quick` on the synthetic fixture, writing into `out`; fails the test if it
/// fails, else returns its output.
fn run_on_fixture(task: &str, out: &Path) -> Output {
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
    run
}

#[test]
fn all_quick_on_the_fixture_writes_every_output_deterministically() {
    let (a, b) = (scratch("all-a"), scratch("all-b"));
    let printed = run_on_fixture("all", &a);
    let s = read_json(&a.join("summary.json"));
    let split = read_json(&a.join("split.json"));
    let rows = |key: &str| split[key].as_array().unwrap().len() as f64;
    let (n_train, n_val, n_test) = (rows("train_rows"), rows("validation_rows"), 71.0);
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
        // An accuracy is a count of correct rows over the rows of its set.
        let n = if pointer.ends_with("train_acc") {
            n_train
        } else if pointer.ends_with("val_acc") {
            n_val
        } else if pointer.ends_with("test_acc") {
            n_test
        } else {
            continue;
        };
        assert!(
            (x * n - (x * n).round()).abs() < 1e-6 && (0.0..=n).contains(&(x * n).round()),
            "{pointer} = {x} is no count over {n} rows"
        );
    }
    // The summary repeats the records, it does not recompute them.
    let b_record = read_json(&a.join("part_b.json"));
    assert_eq!(
        s.pointer("/part_b/relu/val_acc"),
        b_record.pointer("/relu/val_acc")
    );
    let d_record = read_json(&a.join("part_d.json"));
    assert_eq!(
        s.pointer("/part_d/test_acc"),
        d_record.pointer("/model/test_acc")
    );
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
    // A root cause is named, and "Root cause" printed, exactly when the record finds a
    // collapse: test below validation by the threshold, on enough test rows.
    let c = &d_record["verdicts"]["collapse"];
    let collapse = c["gap"].as_f64().unwrap() >= c["min_gap"].as_f64().unwrap()
        && c["test_rows"].as_u64().unwrap() >= c["min_test_rows"].as_u64().unwrap();
    assert_eq!(c["test_rows"], 71);
    assert_eq!(
        s.pointer("/part_d/root_cause/collapse")
            .and_then(Value::as_str),
        Some(if collapse { "collapse" } else { "no_collapse" })
    );
    let feature = s.pointer("/part_d/root_cause/feature").unwrap();
    if collapse {
        assert!(feature.is_string() || feature.is_null());
    } else {
        assert!(feature.is_null(), "{feature}");
    }
    let stdout = String::from_utf8_lossy(&printed.stdout);
    assert_eq!(stdout.contains("Root cause"), collapse, "{stdout}");
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

    // Every record carries the run's fingerprint; a record of another run (here Part A
    // with another seed) makes `report` refuse, naming both files, and write nothing.
    for file in [
        "summary.json",
        "config.json",
        "eda.json",
        "part_d.json",
        "q2.json",
    ] {
        let f = &read_json(&a.join(file))["fingerprint"];
        assert_eq!(
            f,
            &read_json(&a.join("summary.json"))["fingerprint"],
            "{file}"
        );
        assert_eq!(f["data"]["kind"], "files", "{file}");
        assert_eq!(f["data"]["train_sha256"].as_str().unwrap().len(), 64);
    }
    let eda = xtask(&[
        "eda",
        "--seed",
        "7",
        "--train",
        &fixture("synthetic_train.csv"),
        "--test",
        &fixture("synthetic_test.csv"),
        "--out",
        a.to_str().unwrap(),
    ]);
    assert!(eda.status.success());
    std::fs::remove_file(a.join("report.md")).unwrap();
    let report = xtask(&["report", "--results", a.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&report.stderr);
    assert!(!report.status.success());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("summary.json") && stderr.contains("eda.json"),
        "{stderr}"
    );
    assert!(stderr.contains("different runs"), "{stderr}");
    assert!(!a.join("report.md").exists());
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

/// Writes a training file of the fixture's header and the data rows `keep` selects.
fn training_file(name: &str, mut keep: impl FnMut(usize, &str) -> bool) -> PathBuf {
    let text = std::fs::read_to_string(fixture("synthetic_train.csv")).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for (i, line) in lines.enumerate() {
        if keep(i, line) {
            out.push_str(line);
            out.push('\n');
        }
    }
    let dir = scratch(name);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("train.csv");
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn data_that_cannot_be_split_or_learned_is_refused_before_any_work() {
    let label = |line: &str| line.rsplit(',').next().unwrap().to_string();
    // Two rows of class 0 beside the rest: one class too small for both parts.
    let mut zeros = 0;
    let few = training_file("few", move |_, line| {
        if label(line) == "0" {
            zeros += 1;
            zeros <= 2
        } else {
            true
        }
    });
    // Rows of class 1 only.
    let single = training_file("single", |_, line| line.ends_with(",1"));
    for (train, expected) in [
        (
            &few,
            "class 0 has 2 row(s), too few to split; a validation fraction of 0.2 needs at least 3 rows per class",
        ),
        (
            &single,
            "every row has class 1; a classifier needs at least two classes",
        ),
    ] {
        let out_dir = train.parent().unwrap().join("out");
        for task in ["eda", "all"] {
            let out = xtask(
                &[
                    task,
                    "--quick",
                    "--train",
                    train.to_str().unwrap(),
                    "--test",
                    &fixture("synthetic_test.csv"),
                    "--out",
                    out_dir.to_str().unwrap(),
                ]
                .into_iter()
                .filter(|a| task == "all" || *a != "--quick")
                .collect::<Vec<_>>(),
            );
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{task}: accepted");
            let last = stderr.lines().last().unwrap_or_default();
            assert!(last.starts_with("error: "), "{task}: {stderr}");
            assert!(last.contains(expected), "{task}: {stderr}");
            assert!(!stderr.contains("panicked"), "{task}: {stderr}");
            assert!(!out_dir.exists(), "{task}: something was written");
        }
        let _ = std::fs::remove_dir_all(train.parent().unwrap());
    }
}
