//! The whole pipeline on the synthetic fixture: every output written, finite, ranked and
//! deterministic; each part alone writes what `all` writes; every record validates
//! against its shipped schema; the fixture is what the generator writes.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{fixture, read_json, root, run_on_fixture, scratch, xtask};

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
    // Columns are named only as the cause of a collapse.
    let columns = s
        .pointer("/part_d/root_cause/columns")
        .and_then(Value::as_array)
        .unwrap();
    assert!(collapse || columns.is_empty(), "{columns:?}");
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
    // Part A of another run is refused in this run's folder…
    let eda = |out: &Path| {
        xtask(&[
            "eda",
            "--seed",
            "7",
            "--train",
            &fixture("synthetic_train.csv"),
            "--test",
            &fixture("synthetic_test.csv"),
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let refused = eda(&a);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("holds the records of another run"));
    // …and a record of another run copied in by hand is refused by `report`.
    let c = scratch("all-c");
    assert!(eda(&c).status.success());
    std::fs::copy(c.join("eda.json"), a.join("eda.json")).unwrap();
    let _ = std::fs::remove_dir_all(&c);
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
fn each_part_runs_alone() {
    // Each part alone writes the very record, and model files, that `all` writes for it.
    let all = scratch("parts-all");
    run_on_fixture("all", &all);
    for (task, file, models) in [
        (
            "part-b",
            "part_b.json",
            &["part_b_relu", "part_b_sigmoid"][..],
        ),
        ("part-c", "part_c.json", &["part_c_tape"][..]),
        (
            "part-d",
            "part_d.json",
            &["part_d_class_weights", "part_d_dropout"][..],
        ),
        ("q2", "q2.json", &["q2_shared", "q2_independent"][..]),
    ] {
        let out = scratch(task);
        run_on_fixture(task, &out);
        let read = |dir: &Path, name: &str| std::fs::read(dir.join(name)).unwrap();
        assert!(
            read(&out, file) == read(&all, file),
            "{task}: {file} differs from all's"
        );
        for m in models {
            let name = format!("models/{m}.json");
            assert!(
                read(&out, &name) == read(&all, &name),
                "{task}: {name} differs"
            );
        }
        let _ = std::fs::remove_dir_all(&out);
    }
    // Part D into `all`'s folder reads the saved Parts A and C, and writes the same record.
    let before = std::fs::read(all.join("part_d.json")).unwrap();
    run_on_fixture("part-d", &all);
    assert!(std::fs::read(all.join("part_d.json")).unwrap() == before);
    let _ = std::fs::remove_dir_all(&all);
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
