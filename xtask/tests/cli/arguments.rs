//! The task list, help for every task, and flags or settings the command line refuses
//! with one short line.

use super::{fails_with, scratch, xtask};

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
