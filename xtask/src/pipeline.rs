//! The protocol against the Python pipeline (`bench/protocol.py`: pandas, NumPy and PyTorch
//! doing the work of `all --protocol-only`), for `bench --compare`. Both run as child
//! processes, so each time is a whole process's wall time, start-up and imports included.
//! The Rust peak is the process's own `VmHWM` at the end; the Python one is the kernel's
//! figure for the finished child (`bench/measure.py`), because importing PyTorch and the
//! interpreter's teardown raise it after any point the script could read its own.

use std::path::{Path, PathBuf};
use std::process::Command;

use experiments::protocol::Protocol;
use serde::Deserialize;

use crate::input::DataArgs;

/// Issue 25's target: the Rust protocol at least this many times faster than the Python one.
pub const SPEED_TARGET: f64 = 20.0;
/// Issue 13's target: the Rust protocol's peak resident memory at most this many MiB.
pub const MEMORY_TARGET_MIB: f64 = 120.0;

/// What the comparison reads from `bench/protocol.py`'s JSON.
#[derive(Debug, Deserialize)]
pub struct PythonRun {
    /// The headline answers, in the shape of the Rust protocol's.
    pub answers: Protocol,
    /// `bench/measure.py`'s figures of the whole process.
    pub process: Process,
    /// Library versions, for the printed line.
    pub pandas: String,
    /// PyTorch's version.
    pub torch: String,
}

/// Whole-process figures of the Python pipeline, from `bench/measure.py`.
#[derive(Debug, Deserialize)]
pub struct Process {
    /// Wall seconds from the interpreter's start to its exit.
    pub wall_s: f64,
    /// Peak resident memory of the largest process it ran, MiB.
    pub max_rss_mib: f64,
}

/// Parses `bench/measure.py`'s standard output around `bench/protocol.py`'s.
pub fn parse(json: &str) -> Result<PythonRun, String> {
    serde_json::from_str(json).map_err(|e| format!("bench/protocol.py: output: {e}"))
}

/// The folder `bench/protocol.py --data` needs: the one holding both files, when they are
/// named `train.csv` and `test.csv` (the script reads those names); `None` for synthetic
/// data or other names.
pub fn csv_folder(data: &DataArgs) -> Option<PathBuf> {
    let (train, test) = data.files()?;
    let dir = train.parent()?;
    let named = |p: &Path, name: &str| p.file_name().is_some_and(|f| f == name);
    (named(&train, "train.csv") && named(&test, "test.csv") && test.parent() == Some(dir))
        .then(|| dir.to_path_buf())
}

/// `python3 bench/measure.py python3 bench/protocol.py` on `dir` with `seed`, one BLAS and
/// one PyTorch thread (on
/// this 2-core machine a two-thread OpenBLAS made Part B(a) more than ten times slower under
/// load; one thread is Python's best setting for these shapes).
pub fn command(dir: &Path, seed: u64) -> Command {
    let bench = crate::input::workspace_root().join("bench");
    let mut cmd = Command::new("python3");
    cmd.arg(bench.join("measure.py"))
        .arg("python3")
        .arg(bench.join("protocol.py"))
        .arg("--data")
        .arg(dir)
        .args(["--seed", &seed.to_string(), "--threads", "1"])
        .env_remove("OPENBLAS_CORETYPE")
        .env_remove("OPENBLAS_L2_SIZE");
    cmd
}

/// Runs `bench/protocol.py` (one warm-up, then `repeats` timed runs) when python3 imports
/// pandas, NumPy and torch and the data are CSV files, and prints its row beside the Rust
/// protocol's (`rust`) and both answers (`rust_answers`, computed only when Python runs).
/// Otherwise prints one line saying why it is skipped.
pub fn compare(
    data: &DataArgs,
    repeats: usize,
    rust: Side,
    rust_answers: impl FnOnce() -> Result<Protocol, String>,
) -> Result<(), String> {
    if !crate::measure::python_has("pandas, numpy, torch") {
        println!(
            "--compare: python3 lacks pandas, numpy or torch (pip install pandas numpy torch); \
             the Python protocol pipeline is skipped"
        );
        return Ok(());
    }
    let Some(dir) = csv_folder(data) else {
        println!(
            "--compare: bench/protocol.py reads DIR/train.csv and DIR/test.csv: pass --data DIR \
             to time the Python protocol pipeline (skipped)"
        );
        return Ok(());
    };
    eprintln!("running bench/protocol.py: 1 warm-up + {repeats} timed runs (slow) …");
    let mut walls = Vec::new();
    let mut peaks = Vec::new();
    let mut last = None;
    for run in 0..=repeats {
        let (_, out) = crate::measure::timed(command(&dir, data.seed()), "bench/protocol.py")?;
        let parsed = parse(&out)?;
        let p = &parsed.process;
        eprintln!(
            "  bench/protocol.py: {:.2} s, {:.1} MiB",
            p.wall_s, p.max_rss_mib
        );
        if run > 0 {
            walls.push(p.wall_s);
            peaks.push(p.max_rss_mib);
        }
        last = Some(parsed);
    }
    let python = last.ok_or("bench/protocol.py did not run")?;
    let side = Side {
        wall_s: crate::measure::median(&mut walls),
        peak_mib: crate::measure::median(&mut peaks),
    };
    println!();
    println!("{}", row(rust, side));
    println!("  (pandas {}, PyTorch {})", python.pandas, python.torch);
    for line in answers(&rust_answers()?, &python.answers) {
        println!("{line}");
    }
    Ok(())
}

/// Whole-process figures of one side: median wall seconds and peak MiB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Side {
    /// Median wall time of the runs, seconds.
    pub wall_s: f64,
    /// Median peak resident memory, MiB.
    pub peak_mib: f64,
}

/// `met` or `MISS`.
fn mark(ok: bool) -> &'static str {
    if ok { "met" } else { "MISS" }
}

/// The protocol row of the comparison: both sides, the ratio and the two verdicts.
pub fn row(rust: Side, python: Side) -> String {
    let ratio = python.wall_s / rust.wall_s;
    format!(
        "protocol end to end: Rust {:.2} s, {:.1} MiB; Python (pandas + NumPy + PyTorch) \
         {:.2} s, {:.1} MiB; {ratio:.1}× faster (target ≥ {SPEED_TARGET}×: {}); \
         Rust peak ≤ {MEMORY_TARGET_MIB} MiB: {}",
        rust.wall_s,
        rust.peak_mib,
        python.wall_s,
        python.peak_mib,
        mark(ratio >= SPEED_TARGET),
        mark(rust.peak_mib <= MEMORY_TARGET_MIB),
    )
}

/// The features of `p` by falling attribution, the first `k`.
fn top(p: &Protocol, k: usize) -> String {
    let mut ranked: Vec<_> = p.attribution.iter().collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
    let names: Vec<&str> = ranked.iter().take(k).map(|f| f.feature.as_str()).collect();
    names.join(", ")
}

/// The two protocols' answers side by side (accuracies, the top three attributions), so a
/// reader can check that both pipelines did the same work.
pub fn answers(rust: &Protocol, python: &Protocol) -> Vec<String> {
    let pair = |what: &str, r: f64, p: f64| format!("  {what:<34} {r:>8.4} {p:>8.4}");
    vec![
        format!("  {:<34} {:>8} {:>8}", "answers", "Rust", "Python"),
        pair(
            "Part B(a) ReLU val. accuracy",
            rust.relu.validation,
            python.relu.validation,
        ),
        pair(
            "Part B(a) sigmoid val. accuracy",
            rust.sigmoid.validation,
            python.sigmoid.validation,
        ),
        pair(
            "Part C(b) val. accuracy",
            rust.tape.validation,
            python.tape.validation,
        ),
        pair("Part C(b) test accuracy", rust.tape_test, python.tape_test),
        format!("  attribution, top 3: Rust   {}", top(rust, 3)),
        format!("  attribution, top 3: Python {}", top(python, 3)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = r#"{
      "tool": "bench/protocol.py", "pandas": "3.1.1", "torch": "2.15.0",
      "answers": {
        "relu": {"train": 0.81, "validation": 0.82},
        "sigmoid": {"train": 0.56, "validation": 0.563},
        "tape": {"train": 0.83, "validation": 0.833},
        "tape_test": 0.35,
        "attribution": [
          {"feature": "a", "score": 0.1}, {"feature": "b", "score": 1.1},
          {"feature": "c", "score": 0.3}, {"feature": "d", "score": 0.2}
        ]
      },
      "stages_s": {"imports": 1.5},
      "peak_rss_mib": 630.0,
      "process": {"wall_s": 20.25, "max_rss_mib": 640.5}
    }"#;

    #[test]
    fn parses_the_scripts_json_into_the_protocols_shape() {
        let run = parse(JSON).unwrap();
        assert_eq!(run.process.max_rss_mib, 640.5);
        assert_eq!(run.process.wall_s, 20.25);
        assert_eq!(run.answers.sigmoid.validation, 0.563);
        assert_eq!(run.answers.tape_test, 0.35);
        assert_eq!(run.answers.attribution[1].feature, "b");
        assert_eq!(top(&run.answers, 3), "b, c, d");
    }

    #[test]
    fn a_bad_output_is_one_error_naming_the_script() {
        let err = parse("Traceback (most recent call last):").unwrap_err();
        assert!(err.starts_with("bench/protocol.py: output:"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn the_row_gives_the_ratio_and_both_verdicts() {
        let rust = Side {
            wall_s: 2.0,
            peak_mib: 27.5,
        };
        let met = row(
            rust,
            Side {
                wall_s: 60.0,
                peak_mib: 700.0,
            },
        );
        assert!(met.contains("30.0× faster (target ≥ 20×: met)"), "{met}");
        assert!(met.contains("Rust peak ≤ 120 MiB: met"), "{met}");
        let missed = row(
            Side {
                wall_s: 2.0,
                peak_mib: 130.0,
            },
            Side {
                wall_s: 36.0,
                peak_mib: 700.0,
            },
        );
        assert!(
            missed.contains("18.0× faster (target ≥ 20×: MISS)"),
            "{missed}"
        );
        assert!(missed.contains("Rust peak ≤ 120 MiB: MISS"), "{missed}");
    }

    #[test]
    fn answers_are_printed_side_by_side() {
        let python = parse(JSON).unwrap().answers;
        let mut rust = python.clone();
        rust.tape_test = 0.3512;
        let lines = answers(&rust, &python);
        assert!(
            lines
                .iter()
                .any(|l| l.contains("test accuracy") && l.ends_with("  0.3512   0.3500")),
            "{lines:?}"
        );
    }

    #[test]
    fn the_script_needs_both_files_in_one_folder_under_their_usual_names() {
        let mut data = DataArgs {
            data: Some(PathBuf::from("/d")),
            train: None,
            test: None,
            seed: None,
            schema: None,
            label: None,
            config: None,
        };
        assert_eq!(csv_folder(&data), Some(PathBuf::from("/d")));
        data.data = None;
        data.train = Some(PathBuf::from("/d/train.csv"));
        data.test = Some(PathBuf::from("/e/test.csv"));
        assert_eq!(csv_folder(&data), None);
        data.test = Some(PathBuf::from("/d/test.csv"));
        assert_eq!(csv_folder(&data), Some(PathBuf::from("/d")));
    }
}
