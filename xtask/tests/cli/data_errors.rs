//! Bad data files: one line naming the file, line and column; data that cannot be split
//! or learned refused before any work; out-of-range values warned about; a rare level
//! accepted wherever the split puts it.

use std::path::{Path, PathBuf};

use super::{fixture, read_json, scratch, xtask};

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
