//! `cargo xtask bench`: times the three workloads of issue 7 as whole runs (median of
//! `--repeats`) and, with `--compare`, the NumPy reference on the same data.
//!
//! Workloads: Part B(a) (200 full-batch ReLU iterations with a validation forward each),
//! Part C(b) (20 epochs of minibatch SGD, batch 256, through the tape) and the protocol
//! pipeline (`cargo xtask all --protocol-only`, run as a child process so that its wall
//! time and peak memory are those of a fresh process). `--scale` adds the synthetic
//! 1,000,000 and 5,000,000-row runs, each in its own child so that peaks do not mix.

use std::process::Command;
use std::time::Instant;

use experiments::part_b::PartBConfig;
use experiments::part_c::PartCConfig;
use experiments::{Config, Prepared};
use models::{Activation, Init, LossOptions, TrainConfig};

use crate::input::{self, DataArgs};

/// Options of `bench`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Timed runs per workload (the median is reported).
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// Also run bench/reference.py (python3 with numpy) and print the ratios.
    #[arg(long)]
    compare: bool,
    /// Also time full-batch iterations on 1,000,000 and 5,000,000 synthetic rows.
    #[arg(long)]
    scale: bool,
    /// Threads of both gradient engines (default: available cores, at most 2). Results do
    /// not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Only the workloads whose name contains this (e.g. `relu`, `tape`, `protocol`).
    #[arg(long)]
    only: Option<String>,
    /// Internal: one scale run on this many synthetic rows (used by `--scale`).
    #[arg(long, hide = true)]
    scale_rows: Option<usize>,
}

/// Rows of the `--scale` runs.
const SCALE_ROWS: [usize; 2] = [1_000_000, 5_000_000];
/// Peak bytes per row of a scale run including generation (docs/performance.md: 780 MiB for
/// 5,000,000 rows, 164 MiB for 1,000,000), rounded up, and the process baseline.
const SCALE_BYTES_PER_ROW: u64 = 170;
const SCALE_FIXED: u64 = 32 << 20;

/// Median of a sample (sorted in place).
fn median(v: &mut [f64]) -> f64 {
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
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Part B(a)'s configuration (full batch, hand-written gradients) with `steps` iterations.
fn part_b_config(steps: usize, threads: usize) -> TrainConfig {
    experiments::part_b::train_config(PartBConfig::default().learning_rate, steps, threads)
}

/// Part C(b)'s configuration (minibatch SGD through the tape), as the study runs it.
fn part_c_config(threads: usize) -> TrainConfig {
    PartCConfig {
        threads,
        ..PartCConfig::default()
    }
    .train_config(LossOptions::default(), 0.0)
}

/// Trains one network as the study does (initialisation included in the time); returns
/// seconds and the last record's (train, validation) accuracy.
fn train_once(
    p: &Prepared,
    activation: Activation,
    init: Init,
    cfg: &TrainConfig,
    seed: u64,
) -> Result<(f64, f64, f64), String> {
    let start = Instant::now();
    let hidden = PartBConfig::default().hidden;
    let (_, history) = experiments::part_b::train_mlp(p, &hidden, activation, cfg, init, seed)
        .map_err(|e| e.to_string())?;
    let secs = start.elapsed().as_secs_f64();
    let last = history.last().ok_or("no history")?;
    Ok((secs, last.train_acc, last.val_acc))
}

/// One timed workload.
struct Row {
    name: &'static str,
    median_s: f64,
    min_s: f64,
    target_s: f64,
    note: String,
}

/// Times `once` `repeats` times after a warm-up, unless `only` names another workload.
fn time_workload(
    only: Option<&str>,
    name: &'static str,
    target_s: f64,
    repeats: usize,
    mut once: impl FnMut() -> Result<(f64, String), String>,
) -> Result<Row, String> {
    if only.is_some_and(|o| !name.contains(o)) {
        return Ok(Row {
            name,
            median_s: f64::NAN,
            min_s: f64::NAN,
            target_s,
            note: "skipped".into(),
        });
    }
    let (_, note) = once()?; // warm-up: page faults, first allocations
    let mut times = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        times.push(once()?.0);
    }
    let min_s = times.iter().copied().fold(f64::INFINITY, f64::min);
    let median_s = median(&mut times);
    eprintln!("  {name}: median {median_s:.4} s, min {min_s:.4} s; {note}");
    Ok(Row {
        name,
        median_s,
        min_s,
        target_s,
        note,
    })
}

/// Runs `cargo xtask all --protocol-only` (this binary) once: wall seconds and the peak
/// memory the child reports.
fn protocol_once(data: &DataArgs) -> Result<(f64, Option<f64>), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(exe);
    cmd.args(["all", "--protocol-only", "--quiet"]);
    cmd.args(["--seed", &data.seed().to_string()]);
    if let Some(d) = &data.data {
        cmd.arg("--data").arg(d);
    }
    if let (Some(tr), Some(te)) = (&data.train, &data.test) {
        cmd.arg("--train").arg(tr).arg("--test").arg(te);
    }
    let start = Instant::now();
    let out = cmd.output().map_err(|e| e.to_string())?;
    let secs = start.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!(
            "protocol run failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let peak = text
        .lines()
        .find_map(|l| l.strip_prefix("peak memory: "))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|v| v.parse().ok());
    Ok((secs, peak))
}

pub fn run(args: Args) -> Result<(), String> {
    let threads = args.threads.unwrap_or_else(models::default_threads).max(1);
    if let Some(rows) = args.scale_rows {
        crate::memory::check("bench --scale", rows, SCALE_BYTES_PER_ROW, SCALE_FIXED)?;
        return scale_child(rows, args.data.seed(), threads);
    }
    if args.scale {
        // Refuse before the long timings, not after them.
        for n in SCALE_ROWS {
            crate::memory::check("bench --scale", n, SCALE_BYTES_PER_ROW, SCALE_FIXED)?;
        }
    }
    let inputs = input::load(&args.data, &mut |n| eprintln!("{n}"))?;
    let config = Config::full(args.data.seed());
    let split = experiments::split(&inputs.train, &config).map_err(|e| e.to_string())?;
    let prepared = Prepared::new(
        &inputs.train,
        &inputs.test,
        &split,
        &data::PreprocessOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    let seed = args.data.seed();
    let repeats = args.repeats.max(1);
    println!("Data: {}", inputs.origin);
    println!(
        "Rows: train {}, validation {}, test {}; threads of both gradient engines: {}",
        prepared.train.x.nrows(),
        prepared.validation.x.nrows(),
        prepared.test.x.nrows(),
        threads
    );
    let mut rows = Vec::new();
    eprintln!("timing Part B(a) …");
    let cfg_b = part_b_config(200, threads);
    rows.push(time_workload(
        args.only.as_deref(),
        "part_b_a (ReLU, 200 it.)",
        0.25,
        repeats,
        || {
            let (s, tr, va) = train_once(&prepared, Activation::Relu, Init::Study, &cfg_b, seed)?;
            Ok((s, format!("train {tr:.4} val {va:.4}")))
        },
    )?);
    rows.push(time_workload(
        args.only.as_deref(),
        "part_b_a (sigmoid, 200 it.)",
        0.25,
        repeats,
        || {
            let (s, tr, va) =
                train_once(&prepared, Activation::Sigmoid, Init::Study, &cfg_b, seed)?;
            Ok((s, format!("train {tr:.4} val {va:.4}")))
        },
    )?);
    eprintln!("timing Part C(b) …");
    let cfg_c = part_c_config(threads);
    rows.push(time_workload(
        args.only.as_deref(),
        "part_c_b (tape, 20 epochs)",
        0.12,
        repeats,
        || {
            let (s, tr, va) = train_once(&prepared, Activation::Relu, Init::PyTorch, &cfg_c, seed)?;
            Ok((s, format!("train {tr:.4} val {va:.4}")))
        },
    )?);
    eprintln!("timing the protocol pipeline (child process) …");
    let mut peaks = Vec::new();
    rows.push(time_workload(
        args.only.as_deref(),
        "protocol (xtask all --protocol-only)",
        1.0,
        repeats,
        || {
            let (s, peak) = protocol_once(&args.data)?;
            peaks.push(peak.unwrap_or(f64::NAN));
            Ok((s, String::new()))
        },
    )?);
    let peak = median(&mut peaks);
    if let Some(last) = rows.last_mut().filter(|r| !r.median_s.is_nan()) {
        last.note = format!("peak memory {peak:.1} MiB (target ≤ 120)");
    }

    println!(
        "{:<38} {:>10} {:>10} {:>10}  note",
        "workload", "median s", "min s", "target s"
    );
    for r in &rows {
        let mark = if r.median_s <= r.target_s {
            "ok"
        } else {
            "MISS"
        };
        println!(
            "{:<38} {:>10.4} {:>10.4} {:>10.2}  {mark} {}",
            r.name, r.median_s, r.min_s, r.target_s, r.note
        );
    }
    if args.compare {
        compare(&args, &rows)?;
    }
    if args.scale {
        for n in SCALE_ROWS {
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            let status = Command::new(exe)
                .args(["bench", "--scale-rows", &n.to_string()])
                .args(["--seed", &seed.to_string()])
                .args(["--threads", &threads.to_string()])
                .status()
                .map_err(|e| e.to_string())?;
            if !status.success() {
                return Err(format!("scale run on {n} rows failed"));
            }
        }
    }
    Ok(())
}

/// Runs bench/reference.py on the same data and prints Rust/NumPy ratios.
fn compare(args: &Args, rows: &[Row]) -> Result<(), String> {
    let script = input::workspace_root().join("bench").join("reference.py");
    let has_numpy = Command::new("python3")
        .args(["-c", "import numpy"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_numpy {
        println!("--compare: python3 with numpy is not available (pip install numpy); skipped");
        return Ok(());
    }
    let mut cmd = Command::new("python3");
    cmd.arg(&script)
        .args(["--dtype", "f64", "--repeats", &args.repeats.to_string()])
        .args(["--seed", &args.data.seed().to_string()])
        .env_remove("OPENBLAS_CORETYPE")
        .env_remove("OPENBLAS_L2_SIZE");
    if let Some(d) = &args.data.data {
        cmd.arg("--data").arg(d);
    }
    eprintln!("running {} (this takes a while) …", script.display());
    let out = cmd.output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "reference.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("reference.py output: {e}"))?;
    let get = |part: &str| json["results"]["f64"][part]["median_s"].as_f64();
    println!();
    println!("NumPy f64 reference (bench/reference.py, same machine, now):");
    for (part, ours) in [("part_b_a", &rows[0]), ("part_c_b", &rows[2])] {
        match get(part) {
            Some(np) => println!(
                "  {part}: NumPy {np:.3} s, Rust {:.4} s, Rust is {:.1}× faster",
                ours.median_s,
                np / ours.median_s
            ),
            None => println!("  {part}: no result in the reference's output"),
        }
    }
    Ok(())
}

/// One scale run in its own process: synthetic `rows` (80/20 split), prepared, tables
/// dropped, then full-batch ReLU iterations timed with the peak memory of training alone.
fn scale_child(rows: usize, seed: u64, threads: usize) -> Result<(), String> {
    let cfg = data::synth::SynthConfig::new(rows, 1_000, seed);
    let (train, test) = data::synth::generate(&cfg).map_err(|e| e.to_string())?;
    let config = Config::full(seed);
    let split = experiments::split(&train, &config).map_err(|e| e.to_string())?;
    let prepared = Prepared::new(&train, &test, &split, &data::PreprocessOptions::default())
        .map_err(|e| e.to_string())?;
    drop((train, test));
    let peak_prepare = peak_rss_mib();
    let reset = reset_peak();
    let steps = 5;
    let mut per_iter = Vec::new();
    for _ in 0..3 {
        let (s, _, _) = train_once(
            &prepared,
            Activation::Relu,
            Init::Study,
            &part_b_config(steps, threads),
            seed,
        )?;
        per_iter.push(s / steps as f64);
    }
    let peak_train = peak_rss_mib();
    let bytes = |m: &faer::Mat<f64>, y: &[usize]| {
        (m.nrows() * m.ncols() * 8 + std::mem::size_of_val(y)) as f64
    };
    let held = bytes(&prepared.train.x, &prepared.train.y)
        + bytes(&prepared.validation.x, &prepared.validation.y)
        + bytes(&prepared.test.x, &prepared.test.y);
    let mib = |v: Option<f64>| v.map_or("unknown".to_string(), |v| format!("{v:.1} MiB"));
    println!(
        "scale {rows} rows (train {}, validation {}): {:.2} ms per full-batch iteration \
         (median of 3×{steps}), {:.3} µs per training row; data matrices {:.1} MiB; \
         peak while training {} (reset {}); peak incl. generation {}",
        prepared.train.x.nrows(),
        prepared.validation.x.nrows(),
        1e3 * median(&mut per_iter),
        1e6 * median(&mut per_iter) / prepared.train.x.nrows() as f64,
        held / (1024.0 * 1024.0),
        mib(peak_train),
        if reset { "ok" } else { "unavailable" },
        mib(peak_prepare),
    );
    Ok(())
}
