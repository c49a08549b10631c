//! Measuring whole processes and samples, for `bench`, its Python comparison
//! (`pipeline`) and `all --protocol-only`: child processes timed to the end, the process's
//! peak memory, medians, and whether python3 has a module.

use std::process::Command;
use std::time::Instant;

/// Median of a sample (sorted in place).
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Peak resident memory of this process in MiB (Linux `VmHWM`), if known.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Resets `VmHWM` to the current resident size (Linux), so a later peak measures one phase.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Runs `cmd` to the end: wall seconds and its standard output. A failure is one line: the
/// child's last line on stderr (its own `error:` line, or a traceback's last).
pub fn timed(mut cmd: Command, what: &str) -> Result<(f64, String), String> {
    let start = Instant::now();
    let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
    let secs = start.elapsed().as_secs_f64();
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        let last = last.unwrap_or("no message").trim();
        let last = last.strip_prefix("error: ").unwrap_or(last);
        return Err(format!("{what} failed: {last}"));
    }
    Ok((secs, String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// Whether `python3 -c "import MODULE"` succeeds.
pub fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}
