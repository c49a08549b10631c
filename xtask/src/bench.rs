//! `cargo xtask bench`: times the workloads as whole runs (median of `--repeats`), with the
//! share of the machine's matrix-product peak each full-batch workload reaches (the peak is
//! measured in the same run), and, with `--compare`, the NumPy reference and (when `torch`
//! imports) the PyTorch reference on the same data, with the ratios, and the protocol beside
//! the Python pipeline (`crate::pipeline`). `--baseline BIN` times
//! `BIN all` against this binary's `all`, in turn.
//!
//! Workloads: Part B(a) (200 full-batch ReLU iterations with a validation forward each),
//! Part C(b) (20 epochs of minibatch SGD, batch 256, through the tape) and the protocol
//! pipeline (`cargo xtask all --protocol-only`, run as a child process so that its wall
//! time and peak memory are those of a fresh process). `--scale` adds the synthetic
//! 1,000,000 and 5,000,000-row runs, each in its own child so that peaks do not mix.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use faer::{Accum, Mat, Par};

use experiments::part_b::PartBConfig;
use experiments::part_c::PartCConfig;
use experiments::{Config, Prepared};
use models::{Activation, Init, LossOptions, TrainConfig};

use crate::input::{self, DataArgs};
use crate::measure::{median, peak_rss_mib, python_has, reset_peak, timed};

/// Options of `bench`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Timed runs per workload (the median is reported).
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// Also run bench/reference.py (python3 with numpy), bench/reference_torch.py (with
    /// torch) and bench/protocol.py (with pandas, numpy and torch; needs --data) and print
    /// the ratios.
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
    /// Also time `BIN all` against this binary's `all` on the same data, in turn (A B A B …),
    /// each into a temporary folder: the before/after of a change.
    #[arg(long, value_name = "BIN")]
    baseline: Option<std::path::PathBuf>,
    /// Pairs of `all` runs for `--baseline`.
    #[arg(long, default_value_t = 1)]
    pairs: usize,
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

/// Part B(a)'s configuration as the study runs it (full batch, hand-written gradients at
/// the default precision) with `steps` iterations.
fn part_b_config(steps: usize, threads: usize) -> TrainConfig {
    let b = PartBConfig::default();
    experiments::part_b::train_config(&b, b.learning_rate, steps, threads)
}

/// Part C(b)'s configuration (minibatch SGD through the tape), as the study runs it.
fn part_c_config(threads: usize) -> TrainConfig {
    PartCConfig::default().train_config(LossOptions::default(), 0.0, threads)
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
    /// Times PyTorch's own time this workload should be at least (issue 25), if any.
    torch_target: Option<f64>,
    /// The share of the measured product peak, in %, it should reach (issue 25), if any.
    peak_target: Option<f64>,
    note: String,
    /// Floating-point operations of the matrix products of one run, when counted.
    flops: Option<f64>,
}

/// Times `once` `repeats` times after a warm-up, unless `only` names another workload.
fn time_workload(
    only: Option<&str>,
    name: &'static str,
    torch_target: Option<f64>,
    repeats: usize,
    mut once: impl FnMut() -> Result<(f64, String), String>,
) -> Result<Row, String> {
    if only.is_some_and(|o| !selects(o, name)) {
        return Ok(Row {
            name,
            median_s: f64::NAN,
            min_s: f64::NAN,
            torch_target,
            peak_target: None,
            note: "skipped".into(),
            flops: None,
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
        torch_target,
        peak_target: None,
        note,
        flops: None,
    })
}

/// The workloads' names, for `--only`.
const WORKLOADS: [&str; 4] = [
    "part_b_a (ReLU, 200 it.)",
    "part_b_a (sigmoid, 200 it.)",
    "part_c_b (tape, 20 epochs)",
    "protocol (xtask all --protocol-only)",
];

/// Whether `--only PATTERN` selects the workload `name` (case aside).
fn selects(pattern: &str, name: &str) -> bool {
    name.to_lowercase().contains(&pattern.to_lowercase())
}

/// `exe all --quiet` on the data `data` names (seed, schema, label and settings file
/// included), plus `extra` arguments.
fn all_command(exe: &Path, data: &DataArgs, extra: &[&str]) -> Command {
    let mut cmd = Command::new(exe);
    cmd.args(["all", "--quiet"]).args(extra);
    cmd.args(["--seed", &data.seed().to_string()]);
    if let Some(d) = &data.data {
        cmd.arg("--data").arg(d);
    }
    if let (Some(tr), Some(te)) = (&data.train, &data.test) {
        cmd.arg("--train").arg(tr).arg("--test").arg(te);
    }
    for (flag, value) in [
        (
            "--schema",
            data.schema.as_ref().map(|p| p.as_os_str().to_owned()),
        ),
        ("--label", data.label.as_ref().map(std::ffi::OsString::from)),
        (
            "--config",
            data.config.as_ref().map(|p| p.as_os_str().to_owned()),
        ),
    ] {
        if let Some(v) = value {
            cmd.arg(flag).arg(v);
        }
    }
    cmd
}

/// Runs `cargo xtask all --protocol-only` (this binary) once: wall seconds and the peak
/// memory the child reports.
fn protocol_once(data: &DataArgs) -> Result<(f64, Option<f64>), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let cmd = all_command(&exe, data, &["--protocol-only"]);
    let (secs, text) = timed(cmd, "protocol run")?;
    let peak = text
        .lines()
        .find_map(|l| l.strip_prefix("peak memory: "))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|v| v.parse().ok());
    Ok((secs, peak))
}

/// The machine's matrix-product peak in GFLOP/s in precision `T`: `threads` threads each
/// multiplying its own 1,536 × 1,536 matrices with faer (one thread per product, as every
/// product of the workspace runs) at the same time; the best of three rounds.
fn matmul_peak<T: faer::traits::ComplexField + Copy + From<f32>>(threads: usize) -> f64 {
    const N: usize = 1536;
    let a = Mat::<T>::from_fn(N, N, |i, j| {
        T::from(((i * 7 + j * 3) % 11) as f32 / 11.0 - 0.5)
    });
    let mut outs: Vec<Mat<T>> = (0..threads).map(|_| Mat::zeros(N, N)).collect();
    let mut best = 0.0f64;
    for _ in 0..3 {
        let start = Instant::now();
        std::thread::scope(|scope| {
            for c in outs.iter_mut() {
                let a = a.as_ref();
                scope.spawn(move || {
                    faer::linalg::matmul::matmul(
                        c.as_mut(),
                        Accum::Replace,
                        a,
                        a,
                        T::from(1.0),
                        Par::Seq,
                    );
                });
            }
        });
        let secs = start.elapsed().as_secs_f64();
        best = best.max(2.0 * (N as f64).powi(3) * threads as f64 / secs / 1e9);
    }
    best
}

/// Floating-point operations of the matrix products of one full-batch iteration and of one
/// minibatch epoch (with its whole-set accuracy forwards), from the network's shapes:
/// a forward is `F = Σ fan_in·fan_out` multiply-adds a row, a backward `2F` less the first
/// layer's input gradient, which is not needed.
fn product_flops(p: &Prepared) -> (f64, f64) {
    let mut widths = vec![p.train.x.ncols()];
    widths.extend(PartBConfig::default().hidden);
    widths.push(p.n_classes);
    let f: f64 = widths.windows(2).map(|w| (w[0] * w[1]) as f64).sum();
    let first = (widths[0] * widths[1]) as f64;
    let (n, nv) = (p.train.x.nrows() as f64, p.validation.x.nrows() as f64);
    let step = n * (3.0 * f - first);
    (2.0 * (step + nv * f), 2.0 * (step + (n + nv) * f))
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
    if let Some(o) = &args.only
        && !WORKLOADS.iter().any(|w| selects(o, w))
    {
        return Err(format!(
            "bench: --only {o:?} matches no workload (the workloads: {})",
            WORKLOADS.join("; ")
        ));
    }
    let config = args.data.settings(Config::full, false)?;
    let inputs = input::load_seeded(&args.data, config.seed, &mut |n| eprintln!("{n}"))?;
    let split = experiments::split(&inputs.train, &config).map_err(|e| e.to_string())?;
    let prepared = Prepared::new(
        &inputs.train,
        &inputs.test,
        &split,
        &data::PreprocessOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    let seed = config.seed;
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
        WORKLOADS[0],
        Some(3.0),
        repeats,
        || {
            let (s, tr, va) = train_once(&prepared, Activation::Relu, Init::Study, &cfg_b, seed)?;
            Ok((s, format!("train {tr:.4} val {va:.4}")))
        },
    )?);
    rows.push(time_workload(
        args.only.as_deref(),
        WORKLOADS[1],
        None,
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
        WORKLOADS[2],
        Some(8.0),
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
        WORKLOADS[3],
        None,
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
    let (iteration, epoch) = product_flops(&prepared);
    rows[0].flops = Some(200.0 * iteration);
    rows[0].peak_target = Some(55.0);
    rows[1].flops = Some(200.0 * iteration);
    rows[2].flops = Some(PartCConfig::default().epochs as f64 * epoch);
    eprintln!("measuring the matrix-product peaks …");
    let peak_gflops = matmul_peak::<f64>(threads);
    let peak_f32 = matmul_peak::<f32>(threads);
    let precision_b = PartBConfig::default().precision;
    let precision_c = PartCConfig::default().precision;
    println!(
        "Matrix-product peak (faer, {threads} thread(s), one 1536² product each): \
         f64 {peak_gflops:.1} GFLOP/s, f32 {peak_f32:.1} GFLOP/s. Part B runs in {}, Part C in \
         {}; the target is a share of the f64 peak, the last column the share of the peak of \
         the workload's own precision.",
        precision_b.name(),
        precision_c.name()
    );

    println!(
        "{:<38} {:>10} {:>10} {:>8} {:>19} {:>10}  note",
        "workload", "median s", "min s", "GFLOP/s", "% f64 peak (target)", "% own peak"
    );
    for (i, r) in rows.iter().enumerate() {
        let precision = if i < 2 { precision_b } else { precision_c };
        let own_peak = match precision {
            experiments::part_b::Precision::F32 => peak_f32,
            experiments::part_b::Precision::F64 => peak_gflops,
        };
        let (rate, share, own) = match r.flops {
            Some(f) if r.median_s.is_finite() => {
                let rate = f / r.median_s / 1e9;
                let share = 100.0 * rate / peak_gflops;
                let mark = match r.peak_target {
                    Some(t) if share >= t => format!(" ≥ {t:.0}: ok"),
                    Some(t) => format!(" ≥ {t:.0}: MISS"),
                    None => String::new(),
                };
                let own = 100.0 * rate / own_peak;
                (
                    format!("{rate:.1}"),
                    format!("{share:.0} %{mark}"),
                    format!("{own:.0} %"),
                )
            }
            _ => ("—".into(), "—".into(), "—".into()),
        };
        println!(
            "{:<38} {:>10.4} {:>10.4} {rate:>8} {share:>19} {own:>10}  {}",
            r.name, r.median_s, r.min_s, r.note
        );
    }
    if rows[0].median_s.is_finite() && rows[1].median_s.is_finite() {
        let ratio = rows[1].median_s / rows[0].median_s;
        let mark = if ratio <= 1.3 { "ok" } else { "MISS" };
        println!("sigmoid / ReLU time: {ratio:.2} (target ≤ 1.3: {mark})");
    }
    if args.compare {
        // The NumPy and PyTorch references time the three training workloads only.
        if rows[..3].iter().any(|r| r.median_s.is_finite()) {
            compare(&args, &rows, threads)?;
        }
        if rows[3].median_s.is_finite() {
            let rust = crate::pipeline::Side {
                wall_s: rows[3].median_s,
                peak_mib: peak,
            };
            crate::pipeline::compare(&args.data, repeats, rust, || {
                experiments::protocol::run_protocol(
                    &inputs.train,
                    &inputs.test,
                    &config,
                    &experiments::Runtime::with_threads(threads),
                    &mut experiments::Silent,
                )
                .map_err(|e| e.to_string())
            })?;
        }
    }
    if let Some(bin) = &args.baseline {
        before_after(bin, &args.data, args.pairs.max(1))?;
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

/// Runs one of the bench/ reference scripts on the same data: its JSON output.
fn reference(script: &str, args: &Args, extra: &[&str]) -> Result<serde_json::Value, String> {
    let script = input::workspace_root().join("bench").join(script);
    let mut cmd = Command::new("python3");
    cmd.arg(&script)
        .args(extra)
        .args(["--repeats", &args.repeats.to_string()])
        .args(["--seed", &args.data.seed().to_string()])
        .env_remove("OPENBLAS_CORETYPE")
        .env_remove("OPENBLAS_L2_SIZE");
    if let Some(d) = &args.data.data {
        cmd.arg("--data").arg(d);
    }
    eprintln!("running {} (this takes a while) …", script.display());
    let (_, out) = timed(cmd, &script.display().to_string())?;
    serde_json::from_str(&out).map_err(|e| format!("{}: output: {e}", script.display()))
}

/// Runs bench/reference.py (NumPy f64, one BLAS thread) and, when `torch` imports,
/// bench/reference_torch.py (PyTorch f32 on the Rust thread count) on the same data, and
/// prints each workload's time beside them with the ratios.
fn compare(args: &Args, rows: &[Row], threads: usize) -> Result<(), String> {
    if !python_has("numpy") {
        println!("--compare: python3 with numpy is not available (pip install numpy); skipped");
        return Ok(());
    }
    let numpy = reference("reference.py", args, &["--dtype", "f64", "--threads", "1"])?;
    let torch = if python_has("torch") {
        let t = threads.to_string();
        Some(reference(
            "reference_torch.py",
            args,
            &["--dtype", "f32", "--threads", &t],
        )?)
    } else {
        println!("--compare: torch does not import in python3; the PyTorch reference is skipped");
        None
    };
    let get = |json: &serde_json::Value, dtype: &str, part: &str| {
        json["results"][dtype][part]["median_s"].as_f64()
    };
    let cell = |theirs: Option<f64>, ours: f64| match theirs {
        Some(t) => format!("{t:>9.3} s {:>6.1}×", t / ours),
        None => format!("{:>11} {:>7}", "—", ""),
    };
    let target = |theirs: Option<f64>, r: &Row| match (theirs, r.torch_target) {
        (Some(t), Some(want)) if t / r.median_s >= want => format!("ok (≥ {want}×)"),
        (Some(_), Some(want)) => format!("MISS (≥ {want}×)"),
        _ => String::new(),
    };
    println!();
    println!(
        "Side by side (same machine, this run; × = their time / Rust's, above 1 = Rust faster):"
    );
    println!(
        "{:<38} {:>10}  {:>19}  {:>19}",
        "workload", "Rust s", "NumPy f64 (1 thr.)", "PyTorch f32"
    );
    let pairs = [
        ("part_b_a", Some("part_b_a")),
        ("", Some("part_b_a_sigmoid")),
        ("part_c_b", Some("part_c_b")),
        ("", None),
    ];
    for (r, (np_key, torch_key)) in rows.iter().zip(pairs) {
        let np = (!np_key.is_empty())
            .then(|| get(&numpy, "f64", np_key))
            .flatten();
        let pt = torch
            .as_ref()
            .zip(torch_key)
            .and_then(|(j, k)| get(j, "f32", k));
        println!(
            "{:<38} {:>10.4}  {}  {}  {}",
            r.name,
            r.median_s,
            cell(np, r.median_s),
            cell(pt, r.median_s),
            target(pt, r)
        );
    }
    if let Some(t) = &torch {
        println!(
            "PyTorch {} on {} thread(s).",
            t["torch"].as_str().unwrap_or("?"),
            t["threads"]
        );
    }
    Ok(())
}

/// Times `bin all` (A, the baseline) and this binary's `all` (B) on the same data in turn,
/// `pairs` times, each writing into a temporary folder it then removes; prints each pair and
/// the median ratio A/B.
fn before_after(bin: &Path, data: &DataArgs, pairs: usize) -> Result<(), String> {
    let ours = std::env::current_exe().map_err(|e| e.to_string())?;
    let tmp = std::env::temp_dir().join(format!("xtask-bench-all-{}", std::process::id()));
    let mut ratios = Vec::new();
    println!();
    println!(
        "`all` before/after ({} against this binary, in turn):",
        bin.display()
    );
    for pair in 1..=pairs {
        let mut secs = [0.0; 2];
        for (t, exe) in secs.iter_mut().zip([bin, ours.as_path()]) {
            eprintln!("timing {} all (pair {pair}/{pairs}) …", exe.display());
            std::fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
            let out = tmp.join("out");
            let cmd = all_command(exe, data, &["--out", &out.display().to_string()]);
            *t = timed(cmd, &format!("{} all", exe.display()))?.0;
            std::fs::remove_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
        }
        ratios.push(secs[0] / secs[1]);
        println!(
            "  pair {pair}: before {:.1} s, after {:.1} s, {:.2}× faster",
            secs[0],
            secs[1],
            secs[0] / secs[1]
        );
    }
    println!("  median: {:.2}× faster", median(&mut ratios));
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
