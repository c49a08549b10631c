//! The command line end to end, one concern a module; here the helpers they share (and
//! `surfaces` uses): running the binary, the fixtures, scratch folders, and checks on
//! what a run wrote.

mod arguments;
mod data_errors;
mod other_tables;
mod pipeline;
mod predict;
mod real_data;
mod results_folder;

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
