//! The input surfaces as a new user meets them (issue 26): settings that size work beyond the
//! data or the machine, output folders shared between runs, schemas inferred from odd
//! tables, settings files that are not what they seem, and `bench`'s own flags. Each case:
//! the exit code, the one line, and that nothing else changed.

use std::path::Path;

use crate::cli::{fails_with, fixture, names, run_on_fixture, scratch, snapshot, xtask};

/// A scratch folder with a file `name` holding `text`; returns the file's path.
fn file(dir: &Path, name: &str, text: &str) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// `task --quick` on the synthetic fixture with `extra` flags into `out`.
fn on_fixture<'a>(task: &'a str, out: &'a str, extra: &[&'a str]) -> Vec<String> {
    let mut args: Vec<String> = [
        task,
        "--quick",
        "--quiet",
        "--train",
        &fixture("synthetic_train.csv"),
        "--test",
        &fixture("synthetic_test.csv"),
        "--out",
        out,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn refused(args: &[String], expected: &str) -> String {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    fails_with(&refs, expected)
}

#[test]
fn settings_that_size_work_beyond_the_data_or_the_machine_are_refused_before_any_work() {
    let dir = scratch("sizes");
    let out = dir.join("out");
    let o = out.to_str().unwrap();
    let bins = file(&dir, "bins.toml", "[part_a]\nbins = 1000000000\n");
    let iterations = file(&dir, "it.toml", "[part_b]\niterations = 1000000000\n");
    let seeds = file(&dir, "seeds.toml", "[q2]\nseeds = 1\n");
    let grid = file(
        &dir,
        "grid.toml",
        "[q2]\nlearning_rates = [0.1, 1.0, 0.1]\n",
    );
    for (args, expected) in [
        (
            on_fixture("all", o, &["--hidden", "100000,100000"]),
            "of it for part_b.hidden",
        ),
        (
            on_fixture("part-b", o, &["--hidden", "4000000000,2"]),
            "of memory,",
        ),
        (
            on_fixture("all", o, &["--config", &bins]),
            "part_a.bins = 1000000000: more quantile bins than the 400 training rows; at most 400",
        ),
        (
            on_fixture("eda", o, &["--config", &bins])
                .into_iter()
                .filter(|a| a != "--quick" && a != "--quiet")
                .collect(),
            "part_a.bins = 1000000000: more quantile bins than the 400 training rows",
        ),
        (
            on_fixture("all", o, &["--config", &iterations]),
            "of it for part_b.iterations × seeds",
        ),
        (
            on_fixture("q2", o, &["--config", &seeds]),
            "seeds.toml: q2.seeds = 1: must be ≥ 2 (Question 2 compares the two networks seed by seed",
        ),
        (
            on_fixture("all", o, &["--config", &grid]),
            "grid.toml: q2.learning_rates = [… 0.1 …]: a value is listed twice",
        ),
    ] {
        let line = refused(&args, expected);
        assert!(
            line.contains("available") || !line.contains("memory"),
            "{line}"
        );
        assert!(!out.exists(), "{args:?}: something was written");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The fixture with its features replaced by one constant text column (and, with
/// `numeric`, a numeric column too).
fn one_constant_feature(dir: &Path, numeric: bool) -> (String, String, String) {
    let rewrite = |name: &str| {
        let text = std::fs::read_to_string(fixture(name)).unwrap();
        let mut out = String::from("colour,size,price_class\n");
        for (i, line) in text.lines().skip(1).enumerate() {
            let label = line.rsplit(',').next().unwrap();
            out.push_str(&format!("red,{},{label}\n", i % 7));
        }
        file(dir, name, &out)
    };
    let train = rewrite("synthetic_train.csv");
    let test = rewrite("synthetic_test.csv");
    let size = if numeric {
        "[[features]]\ncolumn = \"size\"\nkind = \"numeric\"\n"
    } else {
        ""
    };
    let schema = file(
        dir,
        "s.toml",
        &format!(
            "[label]\ncolumn = \"price_class\"\nn_classes = 4\n\n[[features]]\ncolumn = \
             \"colour\"\nkind = \"categorical\"\n{size}"
        ),
    );
    (train, test, schema)
}

#[test]
fn features_that_give_no_input_column_are_an_error_for_models_only() {
    let dir = scratch("no-inputs");
    let (train, test, schema) = one_constant_feature(&dir, false);
    let out = dir.join("out");
    let o = out.to_str().unwrap();
    for task in ["all", "part-b", "part-c", "part-d", "q2"] {
        let line = fails_with(
            &[
                task, "--quick", "--quiet", "--train", &train, "--test", &test, "--schema",
                &schema, "--out", o,
            ],
            "the schema's features give the network no input column (features: colour (1 level(s))",
        );
        assert!(line.contains("train.csv: "), "{line}");
        assert!(!out.exists(), "{task}: something was written");
    }
    // Part A needs no network: it runs.
    let eda = xtask(&[
        "eda", "--train", &train, "--test", &test, "--schema", &schema, "--out", o,
    ]);
    assert!(
        eda.status.success(),
        "{}",
        String::from_utf8_lossy(&eda.stderr)
    );
    // One numeric column beside it is enough.
    let (train, test, schema) = one_constant_feature(&dir.join("n"), true);
    let all = xtask(&[
        "all", "--quick", "--quiet", "--train", &train, "--test", &test, "--schema", &schema,
        "--out", o,
    ]);
    assert!(
        all.status.success(),
        "{}",
        String::from_utf8_lossy(&all.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_folder_in_use_is_refused_at_once_and_a_finished_run_keeps_the_folder_its_own() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("folders");
    let results = dir.join("results");
    let r = results.to_str().unwrap();
    std::fs::create_dir_all(&results).unwrap();
    std::fs::set_permissions(&results, std::fs::Permissions::from_mode(0o2750)).unwrap();
    std::fs::write(results.join("notes.txt"), "mine\n").unwrap();
    std::os::unix::fs::symlink("notes.txt", results.join("link")).unwrap();
    // Another run holds the folder: every writing task fails at once, naming it.
    let lock = std::fs::File::open(&results).unwrap();
    lock.lock().unwrap();
    let before = snapshot(&results);
    for task in ["all", "eda", "part-b", "q2"] {
        let mut args = on_fixture(task, r, &[]);
        if task == "eda" {
            args.retain(|a| a != "--quick" && a != "--quiet");
        }
        let line = refused(&args, "is in use by another run (its lock is held)");
        assert!(line.contains(r), "{line}");
    }
    fails_with(&["report", "--results", r], "is in use by another run");
    assert_eq!(snapshot(&results), before);
    drop(lock);

    run_on_fixture("all", &results);
    let mode = std::fs::metadata(&results).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o2750);
    assert_eq!(
        std::fs::read_to_string(results.join("notes.txt")).unwrap(),
        "mine\n"
    );
    assert!(results.join("link").is_symlink());
    assert!(results.join("summary.json").is_file());
    // A model file of the previous run that this run does not write goes; the user's stay.
    let manifest = std::fs::read_to_string(results.join(".xtask-files")).unwrap();
    assert!(manifest.lines().any(|l| l == "summary.json"), "{manifest}");
    std::fs::write(results.join("models/part_x.json"), "{}").unwrap();
    std::fs::write(
        results.join(".xtask-files"),
        format!("{manifest}models/part_x.json\n"),
    )
    .unwrap();
    run_on_fixture("all", &results);
    assert!(!results.join("models/part_x.json").exists());
    assert!(results.join("notes.txt").is_file());
    assert!(!names(&results).iter().any(|n| n.starts_with(".staging")));

    // The same run's part joins the folder; another run's part is refused.
    run_on_fixture("part-b", &results);
    let before = snapshot(&results);
    let line = refused(
        &on_fixture("part-b", r, &["--seed", "7"]),
        "holds the records of another run (",
    );
    assert!(
        line.contains("choose another --out, or run `all` there"),
        "{line}"
    );
    assert_eq!(snapshot(&results), before);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn inference_warns_about_each_suspicious_column_with_an_action() {
    let dir = scratch("infer-warn");
    let mut train = String::from("id,counter,constant,empty,code,note,day,species,weight\n");
    let mut test = train.clone();
    for i in 0..60 {
        let code = if i == 5 {
            "n/a".to_string()
        } else {
            (i % 9).to_string()
        };
        let species = ["Adelie", "Gentoo", "adelie "][i % 3];
        let row = format!(
            "L-{i:04},{i},same,,{code},a long sentence with several words in it for row {i},2024-01-{:02},{species},{}\n",
            1 + i % 28,
            3000 + i % 11
        );
        if i < 45 {
            train.push_str(&row)
        } else {
            test.push_str(&row)
        }
    }
    let train_path = file(&dir, "train.csv", &train);
    file(&dir, "test.csv", &test);
    let out = xtask(&[
        "schema",
        "--data",
        dir.to_str().unwrap(),
        "--label",
        "species",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let toml = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for (column, what) in [
        ("id", "an identifier (a row number or name)"),
        ("counter", "an identifier (a row number or name)"),
        ("constant", "(a constant): drop it"),
        ("empty", "is missing: drop it"),
        ("code", "59 of its 60 present values are numbers"),
        ("note", "free text"),
        ("day", "look like dates"),
        (
            "species",
            "classes \"Adelie\" and \"adelie\" differ only in case or spaces",
        ),
    ] {
        let line = format!("# warning: column {column:?}: ");
        let hit = toml
            .lines()
            .find(|l| l.starts_with(&line) && l.contains(what));
        assert!(hit.is_some(), "{column}: {what}\n{toml}");
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with("warning: ") && l.contains(&line[11..]) && l.contains(what)),
            "{column}\n{stderr}"
        );
    }
    assert!(!toml.contains("column \"weight\": "), "{toml}");
    // The schema itself is what it was: the warnings are comments.
    let back = file(&dir, "s.toml", &toml);
    assert!(
        xtask(&[
            "eda",
            "--data",
            dir.to_str().unwrap(),
            "--schema",
            &back,
            "--out",
            dir.join("o").to_str().unwrap()
        ])
        .status
        .success()
    );
    let _ = train_path;
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn labels_that_are_the_same_number_are_one_class_and_a_regression_target_is_named() {
    let dir = scratch("infer-labels");
    let mut train = String::from("x,y\n");
    let mut test = String::from("x,y\n");
    for i in 0..30 {
        train.push_str(&format!("{},{}\n", i % 5, i % 3));
        test.push_str(&format!("{},{}.0\n", i % 5, i % 3));
    }
    file(&dir, "train.csv", &train);
    file(&dir, "test.csv", &test);
    let d = dir.to_str().unwrap();
    let out = xtask(&["schema", "--data", d, "--label", "y"]);
    let toml = String::from_utf8_lossy(&out.stdout);
    assert!(toml.contains("n_classes = 3"), "{toml}");
    assert!(!toml.contains("# warning"), "{toml}");
    // Classes 1, 2, 3 written `2` and `2.0`: text classes, and both spellings load.
    let shift = |t: &str| {
        t.replace(",2\n", ",3\n")
            .replace(",2.0\n", ",3.0\n")
            .replace(",0\n", ",2\n")
            .replace(",0.0\n", ",2.0\n")
    };
    file(&dir, "train.csv", &shift(&train));
    file(&dir, "test.csv", &shift(&test));
    let out = xtask(&["schema", "--data", d, "--label", "y"]);
    let toml = String::from_utf8_lossy(&out.stdout);
    assert!(toml.contains("classes = [\"1\", \"2\", \"3\"]"), "{toml}");
    let schema = file(&dir, "s.toml", &toml);
    let eda = xtask(&[
        "eda",
        "--data",
        d,
        "--schema",
        &schema,
        "--out",
        dir.join("o").to_str().unwrap(),
    ]);
    assert!(
        eda.status.success(),
        "{}",
        String::from_utf8_lossy(&eda.stderr)
    );
    // 40 distinct measurements as a label: probably a regression target.
    let many: String = (0..40).map(|i| format!("{},{}.5\n", i % 5, i)).collect();
    file(&dir, "train.csv", &format!("x,y\n{many}"));
    file(&dir, "test.csv", &format!("x,y\n{many}"));
    let out = xtask(&["schema", "--data", d, "--label", "y"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "the label has 40 distinct numeric values: probably a quantity to predict (regression)"
        ),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn settings_files_and_schemas_are_described_in_the_users_own_terms() {
    let dir = scratch("settings-words");
    let out = dir.join("out");
    let o = out.to_str().unwrap();
    let nan = file(&dir, "nan.toml", "[part_b]\nlearning_rate = nan\n");
    let inf = file(&dir, "inf.toml", "[q2]\nlearning_rates = [0.1, inf]\n");
    let typed = file(&dir, "typed.toml", "\n\n[part_b]\niterations = \"many\"\n");
    let seed = file(&dir, "seed.toml", "seed = 18446744073709551615\n");
    let bom = file(&dir, "bom.json", "\u{feff}{\"seed\": -3}");
    for (args, expected) in [
        (
            on_fixture("all", o, &["--config", &nan]),
            "nan.toml: part_b.learning_rate = NaN: must be a finite number (nan and inf are not settings)",
        ),
        (
            on_fixture("all", o, &["--config", &inf]),
            "inf.toml: q2.learning_rates = inf: must be a finite number",
        ),
        (
            on_fixture("all", o, &["--config", &typed]),
            "typed.toml: part_b.iterations: invalid type: string \"many\", expected usize",
        ),
        (on_fixture("all", o, &["--config", &seed]), "too large"),
        (
            on_fixture("all", o, &["--config", &bom]),
            "bom.json: seed: invalid value: integer `-3`",
        ),
    ] {
        let line = refused(&args, expected);
        assert!(!line.contains("line 1 column"), "{line}");
        assert!(!out.exists());
    }
    let line = refused(
        &on_fixture("all", o, &["--config", &seed]),
        "a larger seed can be given with --seed",
    );
    assert!(line.contains("9223372036854775807"), "{line}");
    // Schemas: a class with a no-break space, two columns shown alike.
    let penguins = std::fs::read_to_string(fixture("penguins/schema.toml")).unwrap();
    let nbsp = file(
        &dir,
        "nbsp.toml",
        &penguins.replace("\"Gentoo\"]", "\"Gentoo\u{a0}\"]"),
    );
    let data = fixture("penguins");
    fails_with(
        &["eda", "--data", &data, "--schema", &nbsp, "--out", o],
        "has white space (U+00A0) around it",
    );
    let twice = penguins.replace(
        "display = \"flipper length (mm)\"",
        "display = \"bill length (mm)\"",
    );
    assert_ne!(twice, penguins);
    let twice = file(&dir, "twice.toml", &twice);
    fails_with(
        &["eda", "--data", &data, "--schema", &twice, "--out", o],
        "are both shown as \"bill length (mm)\"",
    );
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn split_errors_name_the_file_and_the_class_and_quick_files_are_noted() {
    let dir = scratch("split-words");
    // Penguins with two Chinstrap rows left in the training file.
    let train = std::fs::read_to_string(fixture("penguins/train.csv")).unwrap();
    let mut kept = 0;
    let few: String = train
        .lines()
        .filter(|l| {
            if l.contains("Chinstrap") {
                kept += 1;
                kept <= 2
            } else {
                true
            }
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let train_path = file(&dir, "train.csv", &few);
    let test = fixture("penguins/test.csv");
    let schema = fixture("penguins/schema.toml");
    let o = dir.join("out");
    fails_with(
        &[
            "all",
            "--quick",
            "--train",
            &train_path,
            "--test",
            &test,
            "--schema",
            &schema,
            "--out",
            o.to_str().unwrap(),
        ],
        &format!("{train_path}: class Chinstrap has 2 row(s), too few to split"),
    );
    // A quick run's settings in a full run, and full settings over --quick, are noted.
    let quick = file(
        &dir,
        "quick.json",
        &serde_json::to_string(&experiments::Config::quick(42)).unwrap(),
    );
    let full = file(
        &dir,
        "full.json",
        &serde_json::to_string(&experiments::Config::full(42)).unwrap(),
    );
    let data = fixture("penguins");
    let run = xtask(&[
        "eda",
        "--data",
        &data,
        "--schema",
        &schema,
        "--config",
        &quick,
        "--out",
        o.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(&format!("note: {quick} holds --quick's small counts (")),
        "{stderr}"
    );
    let run = xtask(&[
        "part-b",
        "--quick",
        "--data",
        &data,
        "--schema",
        &schema,
        "--config",
        &full,
        "--out",
        o.to_str().unwrap(),
        "--hidden",
        "0",
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(&format!("note: {full} sets ")) && stderr.contains("the file's keys win"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bench_refuses_an_only_that_selects_nothing_and_matches_names_without_case() {
    let line = fails_with(
        &["bench", "--only", "nothing"],
        "bench: --only \"nothing\" matches no workload",
    );
    assert!(line.contains("part_b_a (ReLU, 200 it.)"), "{line}");
}
