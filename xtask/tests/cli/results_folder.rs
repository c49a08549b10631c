//! The results folder: a failed run leaves earlier results untouched and no staging
//! folder, and an `--out` that is a file is refused.

use super::{fails_with, fixture, names, read_json, scratch, snapshot, xtask};

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
