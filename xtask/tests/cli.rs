//! The command line end to end: task listing, one-line errors on bad input, the whole
//! pipeline on the synthetic fixture (schema, finiteness, determinism), prediction, and
//! Part A's expectations on the real data when `DATA_DIR` is set.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub(crate) fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("xtask runs")
}

pub(crate) fn fixture(path: &str) -> String {
    root().join("fixtures").join(path).display().to_string()
}

pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

pub(crate) fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn no_arguments_lists_the_tasks_and_every_task_has_help() {
    let out = xtask(&[]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for task in [
        "all", "eda", "part-b", "part-c", "part-d", "q2", "synth", "predict", "report", "bench",
        "schemas", "schema",
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
        (
            "bad/unclosed_quote.csv",
            ":3: a quoted field opens here and is never closed",
        ),
        (
            "bad/label_not_integer.csv",
            "\"3.0000000000000001\" is not a class label",
        ),
        ("bad/long_field.csv", ":3: column \"minimum_nights\": \"999"),
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
        assert!(stderr.len() < 300, "{file}: {} bytes", stderr.len());
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
pub(crate) fn run_on_fixture(task: &str, out: &Path) -> Output {
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

/// Runs the binary, asserts failure with one `error:` line containing `expected`; returns it.
pub(crate) fn fails_with(args: &[&str], expected: &str) -> String {
    let out = xtask(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{args:?} exit code: {stderr}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "{args:?}: not one line:\n{stderr}"
    );
    assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    assert!(
        stderr.contains(expected),
        "{args:?}: {stderr:?} lacks {expected:?}"
    );
    assert!(!stderr.contains("panicked"));
    stderr
}

/// Every file name under `dir` with its bytes, sorted (to show that nothing changed).
pub(crate) fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.push((p.display().to_string(), Vec::new()));
                stack.push(p);
            } else {
                out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Names in `dir` (not recursive), sorted.
pub(crate) fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}

#[test]
fn a_failed_run_leaves_earlier_results_untouched_and_no_staging() {
    let parent = scratch("staging-fail");
    let results = parent.join("results");
    std::fs::create_dir_all(results.join("report.md")).unwrap();
    std::fs::write(results.join("eda.json"), "earlier\n").unwrap();
    std::fs::write(results.join("notes.txt"), "mine\n").unwrap();
    let before = snapshot(&results);
    let train = fixture("synthetic_train.csv");
    let test = fixture("synthetic_test.csv");
    let r = results.to_str().unwrap();
    // Writing report.md fails (a folder is in the way) after every record was written.
    let args = [
        "all", "--quick", "--quiet", "--train", &train, "--test", &test, "--out", r,
    ];
    let message = fails_with(&args, "report.md");
    assert!(!message.contains(".staging"), "{message}");
    assert_eq!(snapshot(&results), before);
    assert_eq!(names(&parent), ["results"]);
    std::fs::remove_dir_all(results.join("report.md")).unwrap();

    // A staging folder left by a killed run is removed by the next run, which keeps the
    // files it does not write.
    std::fs::create_dir_all(results.join(".staging-killed/half")).unwrap();
    std::fs::write(results.join(".staging-killed/eda.json"), "partial").unwrap();
    let run = xtask(&["eda", "--train", &train, "--test", &test, "--out", r]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(names(&parent), ["results"]);
    assert_eq!(names(&results), [".xtask-files", "eda.json", "notes.txt"]);
    assert!(read_json(&results.join("eda.json")).is_object());
    let _ = std::fs::remove_dir_all(&parent);
}

#[test]
fn an_out_that_is_a_file_is_not_a_directory() {
    let parent = scratch("out-file");
    std::fs::create_dir_all(&parent).unwrap();
    let file = parent.join("results");
    std::fs::write(&file, "keep\n").unwrap();
    let f = file.to_str().unwrap();
    let train = fixture("synthetic_train.csv");
    let test = fixture("synthetic_test.csv");
    let expected = format!("error: {f}: is not a directory\n");
    for task in ["eda", "all", "part-b", "q2"] {
        let args = [task, "--train", &train, "--test", &test, "--out", f];
        assert_eq!(fails_with(&args, "is not a directory"), expected, "{task}");
    }
    assert_eq!(
        fails_with(&["report", "--results", f], "is not a results folder"),
        format!("error: {f}: is not a results folder (no such directory)\n")
    );
    assert_eq!(
        fails_with(&["synth", "--out", f], "is not a directory"),
        expected
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep\n");
    assert_eq!(names(&parent), ["results"]);
    let _ = std::fs::remove_dir_all(&parent);
}

#[test]
fn values_outside_their_range_warn_once_per_column() {
    let dir = scratch("ranges");
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = std::fs::read_to_string(fixture("synthetic_train.csv")).unwrap();
    text.push_str("Queens,Private room,-2,50,-1,400,1\nBronx,Private room,0,50,3,9999,1\n");
    let train = dir.join("train.csv");
    std::fs::write(&train, text).unwrap();
    let t = train.to_str().unwrap();
    let out = dir.join("out");
    let run = xtask(&[
        "eda",
        "--train",
        t,
        "--test",
        &fixture("synthetic_test.csv"),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(
        warnings,
        [
            format!(
                r#"warning: {t}: column "minimum_nights": 2 values outside [1, ∞) treated as missing"#
            ),
            format!(
                r#"warning: {t}: column "number_of_reviews": 1 value outside [0, ∞) treated as missing"#
            ),
            format!(
                r#"warning: {t}: column "availability_365": 2 values outside [0, 365] treated as missing"#
            ),
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_rare_level_is_never_refused_wherever_the_split_puts_it() {
    let dir = scratch("rare");
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = std::fs::read_to_string(fixture("synthetic_train.csv")).unwrap();
    text.push_str("Queens,Hotel room,2,50,3,100,2\n");
    let train = dir.join("train.csv");
    std::fs::write(&train, text).unwrap();
    let split_rows = |out: &Path| -> (bool, bool) {
        let s = read_json(&out.join("split.json"));
        let has = |k: &str| s[k].as_array().unwrap().iter().any(|v| v == 400);
        (has("train_rows"), has("validation_rows"))
    };
    let mut placed = (false, false);
    for seed in ["1", "2", "3", "4", "5", "6"] {
        let out = dir.join(format!("out{seed}"));
        let run = xtask(&[
            "all",
            "--quick",
            "--quiet",
            "--seed",
            seed,
            "--train",
            train.to_str().unwrap(),
            "--test",
            &fixture("synthetic_test.csv"),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(
            run.status.success(),
            "seed {seed}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let (in_train, in_val) = split_rows(&out);
        placed.0 |= in_train;
        placed.1 |= in_val;
        let model = read_json(&out.join("models/part_c_tape.json"));
        let names = model["feature_names"].as_array().unwrap();
        assert!(
            names.iter().any(|n| n == "room_type_Hotel room"),
            "seed {seed}"
        );
        if placed == (true, true) {
            break;
        }
    }
    assert_eq!(placed, (true, true), "no seed put the row in both splits");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn synth_refuses_what_it_cannot_write() {
    let out = scratch("synth-bad");
    let o = out.to_str().unwrap();
    assert_eq!(
        fails_with(&["synth", "--out", o, "--rows", "0"], "--rows 0"),
        "error: synth: --rows 0 would write files without data rows; give at least 1\n"
    );
    fails_with(
        &["synth", "--out", o, "--rows", "5"],
        "training rows (seed 42); every class needs at least 3",
    );
    let big = fails_with(
        &["synth", "--out", o, "--rows", "4294967295"],
        "synth: 4294967295 rows need about ",
    );
    assert!(
        big.contains("GiB of memory;") && big.contains("available"),
        "{big}"
    );
    fails_with(
        &[
            "synth",
            "--out",
            o,
            "--rows",
            "50",
            "--leak",
            &"x".repeat(5000),
        ],
        "is not a numeric column",
    );
    assert!(!out.exists());
}

/// An edit of a model file's JSON.
type Edit = fn(&mut Value);

/// A model file for the listings schema fitted on the synthetic fixture (a fresh network:
/// prediction only needs a consistent file).
fn model_file(dir: &Path) -> PathBuf {
    let t = data::load_csv(
        Path::new(&fixture("synthetic_train.csv")),
        &data::Schema::listings(),
    )
    .unwrap()
    .table;
    let rows: Vec<usize> = (0..t.n_rows()).collect();
    let p = data::Preprocessor::fit(&t, &rows, &data::PreprocessOptions::default()).unwrap();
    let mut rng = data::rng::stream(1, data::rng::Stream::Init);
    let mlp = models::Mlp::new(
        p.feature_names().len(),
        &[8],
        4,
        models::Activation::Relu,
        models::Init::Study,
        &mut rng,
    );
    let file = models::file::ModelFile::from_mlp(&mlp, &p);
    let path = dir.join("model.json");
    std::fs::write(&path, serde_json::to_string_pretty(&file).unwrap()).unwrap();
    path
}

#[test]
fn predict_refuses_to_overwrite_its_inputs_and_bad_models() {
    let dir = scratch("predict");
    std::fs::create_dir_all(&dir).unwrap();
    let model = model_file(&dir);
    let m = model.to_str().unwrap();
    let input = dir.join("rows.csv");
    std::fs::copy(fixture("synthetic_test.csv"), &input).unwrap();
    let i = input.to_str().unwrap();
    let before = snapshot(&dir);
    let same_input = format!("{}/./rows.csv", dir.display());
    let same_model = format!(
        "{}/../{}/model.json",
        dir.display(),
        dir.file_name().unwrap().to_str().unwrap()
    );
    for (out, flag) in [
        (same_input.as_str(), "--input"),
        (same_model.as_str(), "--model"),
    ] {
        fails_with(
            &["predict", "--model", m, "--input", i, "--out", out],
            &format!("--out is the same file as {flag}"),
        );
    }
    fails_with(
        &[
            "predict",
            "--model",
            m,
            "--input",
            i,
            "--out",
            dir.to_str().unwrap(),
        ],
        "is a directory",
    );
    assert_eq!(snapshot(&dir), before);

    // Bad model files: one line naming the file and what is wrong.
    let json = read_json(&model);
    let edits: [(&str, Edit, &str); 4] = [
        (
            "no_layers.json",
            |v| v["layers"] = serde_json::json!([]),
            "lists no layers",
        ),
        (
            "names.json",
            |v| v["feature_names"][0] = "other".into(),
            "differ from the preprocessor's",
        ),
        (
            "shared.json",
            |v| {
                // A Question 2 network (4 hidden units, 4 classes) whose two biases differ.
                let first: Vec<Value> = v["layers"][0]["weight"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| Value::Array(r.as_array().unwrap()[..4].to_vec()))
                    .collect();
                let identity: Vec<Vec<f64>> = (0..4)
                    .map(|i| (0..4).map(|j| f64::from(u8::from(i == j))).collect())
                    .collect();
                v["layers"] = serde_json::json!([
                    {"weight": first, "bias": [0.0, 0.1, 0.0, 0.0]},
                    {"weight": identity, "bias": [0.0, 0.0, 0.0, 0.0]}
                ]);
                v["shared_bias"] = true.into();
            },
            "shared_bias is true but the two biases differ",
        ),
        (
            "null.json",
            |v| v["layers"][0]["bias"][0] = Value::Null,
            "null",
        ),
    ];
    for (name, edit, expected) in edits {
        let mut v = json.clone();
        edit(&mut v);
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        let out = dir.join("p.csv");
        let message = fails_with(
            &[
                "predict",
                "--model",
                path.to_str().unwrap(),
                "--input",
                i,
                "--out",
                out.to_str().unwrap(),
            ],
            expected,
        );
        assert!(
            message.starts_with(&format!("error: {}: ", path.display())),
            "{message}"
        );
        assert!(!out.exists(), "{name}");
    }

    // Blank cells in the optional label column are fine.
    let mut text = std::fs::read_to_string(&input).unwrap();
    text = text.replacen(",1\n", ",\n", 3);
    let blank = dir.join("blank.csv");
    std::fs::write(&blank, &text).unwrap();
    let out = dir.join("blank_predictions.csv");
    let run = xtask(&[
        "predict",
        "--model",
        m,
        "--input",
        blank.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 72);

    // Out-of-range values are predicted as missing, with the warning of the other tasks.
    let header = text.lines().next().unwrap().to_string();
    let odd = dir.join("odd.csv");
    std::fs::write(
        &odd,
        format!("{header}\nQueens,Private room,-4,50,3,100,\n"),
    )
    .unwrap();
    let run = xtask(&[
        "predict",
        "--model",
        m,
        "--input",
        odd.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success());
    assert_eq!(
        String::from_utf8_lossy(&run.stderr).lines().next().unwrap(),
        format!(
            r#"warning: {}: column "minimum_nights": 1 value outside [1, ∞) treated as missing"#,
            odd.display()
        )
    );

    // A row the network cannot score finitely (its hidden units overflow to infinity, the
    // output layer's mixed signs give inf - inf) is an error naming its line.
    let mut v = json.clone();
    for row in v["layers"][0]["weight"].as_array_mut().unwrap() {
        for w in row.as_array_mut().unwrap() {
            *w = 1e308.into();
        }
    }
    let huge = dir.join("huge_weights.json");
    std::fs::write(&huge, serde_json::to_string(&v).unwrap()).unwrap();
    let header = text.lines().next().unwrap().to_string();
    let extreme = dir.join("extreme.csv");
    std::fs::write(
        &extreme,
        format!("{header}\nQueens,Private room,1000,50,600,100,\n"),
    )
    .unwrap();
    let out = dir.join("extreme_predictions.csv");
    fails_with(
        &[
            "predict",
            "--model",
            huge.to_str().unwrap(),
            "--input",
            extreme.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &format!(
            "{}:2: the model gives no finite class probabilities",
            extreme.display()
        ),
    );
    assert!(!out.exists());
    assert!(
        names(&dir).iter().all(|n| !n.contains("tmp")),
        "{:?}",
        names(&dir)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_flag_is_one_short_line() {
    for (args, expected) in [
        (
            vec!["synth", "--out", "x", "--rows", "abc"],
            "error: invalid value 'abc' for '--rows <ROWS>': invalid digit found in string\n",
        ),
        (
            vec!["synth", "--rows", "-1"],
            "error: unexpected argument '-1' found\n",
        ),
    ] {
        let out = xtask(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), expected, "{args:?}");
    }
    let long = "9".repeat(100_000) + "x";
    let out = xtask(&["synth", "--out", "x", "--rows", &long]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1);
    assert!(stderr.chars().count() < 220, "{} characters", stderr.len());
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
            "train.csv: class 0 (Budget) has 2 row(s), too few to split; a validation fraction of 0.2 needs at least 3 rows per class",
        ),
        (
            &single,
            "train.csv: every row has class 1 (Moderate); a classifier needs at least two classes",
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

/// Words of the listings data set that must not appear in a report on another table.
const LISTINGS_WORDS: [&str; 12] = [
    "Airbnb",
    "NYC",
    "listing",
    "price",
    "Price",
    "Budget",
    "Moderate",
    "Premium",
    "Luxury",
    "amenity",
    "neighbourhood_group",
    "room_type",
];

#[test]
fn penguins_run_end_to_end_without_a_root_cause_and_with_a_strong_feature() {
    let out = scratch("penguins");
    let run = xtask(&[
        "all",
        "--data",
        &fixture("penguins"),
        "--schema",
        &fixture("penguins/schema.toml"),
        "--quick",
        "--quiet",
        "--out",
        &out.display().to_string(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    // Train and test come from one distribution: no collapse, so no root cause.
    let d = read_json(&out.join("part_d.json"));
    assert_eq!(d["verdicts"]["collapse"]["finding"], "no_collapse", "{d:#}");
    assert_eq!(d["root_cause"]["feature"], Value::Null);
    assert_eq!(d["root_cause"]["shortcuts"], serde_json::json!([]));
    // A dominant column whose relation holds on test is reported as a strong feature.
    let strong = d["root_cause"]["strong_features"].as_array().unwrap();
    assert!(!strong.is_empty(), "{:#}", d["root_cause"]);
    let eda = read_json(&out.join("eda.json"));
    for s in strong {
        assert!(
            eda["dominant_features"].as_array().unwrap().contains(s),
            "{s} is not dominant"
        );
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.starts_with("# Species of Palmer penguins: a verified study"));
    assert!(report.contains("a strong, honest feature"));
    assert!(report.contains("Gentoo"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let mut figures = String::new();
    for entry in std::fs::read_dir(out.join("figures")).unwrap() {
        figures.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    for word in LISTINGS_WORDS {
        for (name, text) in [
            ("report.md", &report),
            ("report.html", &html),
            ("figures", &figures),
        ] {
            assert!(!text.contains(word), "{name} says {word:?}");
        }
    }
    // predict gives the classes back as their text.
    let model = out.join("models/part_c_tape.json");
    let predictions = out.join("predictions.csv");
    let p = xtask(&[
        "predict",
        "--model",
        &model.display().to_string(),
        "--input",
        &fixture("penguins/test.csv"),
        "--out",
        &predictions.display().to_string(),
    ]);
    assert!(p.status.success(), "{}", String::from_utf8_lossy(&p.stderr));
    let text = std::fs::read_to_string(&predictions).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("row,predicted_class,p_Adelie,p_Chinstrap,p_Gentoo")
    );
    for line in lines {
        let class = line.split(',').nth(1).unwrap();
        assert!(["Adelie", "Chinstrap", "Gentoo"].contains(&class), "{line}");
    }
    // The run's config.json reruns it: same records.
    let again = scratch("penguins-again");
    let rerun = xtask(&[
        "part-d",
        "--data",
        &fixture("penguins"),
        "--schema",
        &fixture("penguins/schema.toml"),
        "--config",
        &out.join("config.json").display().to_string(),
        "--quiet",
        "--out",
        &again.display().to_string(),
    ]);
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    assert_eq!(read_json(&again.join("part_d.json")), d);
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&again);
}

#[test]
fn schema_prints_an_inferred_schema_and_label_infers_on_the_fly() {
    let out = xtask(&[
        "schema",
        "--data",
        &fixture("penguins"),
        "--label",
        "species",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("classes = [\"Adelie\", \"Chinstrap\", \"Gentoo\"]"),
        "{text}"
    );
    assert!(
        text.contains("column = \"island\"\nkind = \"categorical\""),
        "{text}"
    );
    let dir = scratch("eda-label");
    let eda = xtask(&[
        "eda",
        "--data",
        &fixture("penguins"),
        "--label",
        "species",
        "--out",
        &dir.display().to_string(),
    ]);
    let stderr = String::from_utf8_lossy(&eda.stderr);
    assert!(eda.status.success(), "{stderr}");
    assert!(stderr.contains("inferred one from the files"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_schemas_labels_and_configs_are_one_line_naming_the_place() {
    let dir = scratch("bad-settings");
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let data = fixture("penguins");
    let out = dir.join("out").display().to_string();
    // The penguins schema with one class left out: a row of that class is refused.
    let full = std::fs::read_to_string(fixture("penguins/schema.toml")).unwrap();
    let two = full.replace(
        "classes = [\"Adelie\", \"Chinstrap\", \"Gentoo\"]",
        "classes = [\"Adelie\", \"Gentoo\"]",
    );
    assert_ne!(two, full);
    let schema = file("s.toml", &two);
    fails_with(
        &["eda", "--data", &data, "--schema", &schema, "--out", &out],
        "train.csv:223: column \"species\": \"Chinstrap\" is not one of the 2 classes the schema declares",
    );
    let bad = file(
        "b.toml",
        "[label]\ncolumn = \"species\"\nn_classes = 3\nsize = 2\n",
    );
    fails_with(
        &["eda", "--data", &data, "--schema", &bad, "--out", &out],
        "b.toml:4:1: unknown field `size`",
    );
    let one = file(
        "one.toml",
        "[label]\ncolumn = \"species\"\nclasses = [\"Adelie\"]\n",
    );
    fails_with(
        &["eda", "--data", &data, "--schema", &one, "--out", &out],
        "one.toml: 1 classes; a classifier needs 2 to 256",
    );
    fails_with(
        &["eda", "--data", &data, "--label", "nope", "--out", &out],
        "required column \"nope\" is missing",
    );
    let both = xtask(&[
        "eda", "--data", &data, "--label", "island", "--schema", &schema,
    ]);
    assert_eq!(both.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&both.stderr).contains("cannot be used with"));
    let config = file("c.toml", "[part_b]\nlearning_rate = -1\n");
    fails_with(
        &[
            "part-b",
            "--data",
            &data,
            "--schema",
            &fixture("penguins/schema.toml"),
            "--config",
            &config,
            "--out",
            &out,
        ],
        "c.toml: part_b.learning_rate = -1: must be > 0",
    );
    let config = file("u.toml", "[part_d]\ncolapse_gap = 0.1\n");
    fails_with(
        &["eda", "--config", &config, "--out", &out],
        "u.toml: unknown key `part_d.colapse_gap`",
    );
    fails_with(
        &["part-c", "--hidden", "32,0", "--out", &out],
        "part_b.hidden = [32, 0]: every value must be ≥ 1",
    );
    let _ = std::fs::remove_dir_all(&dir);
}
