//! `cargo xtask all`: every part, every record, every model file, then the report.

use std::path::Path;

use experiments::fingerprint::Fingerprint;
use experiments::{Config, Outputs, Progress, Runtime, files};
use models::Record;
use serde::Serialize;

use crate::input;
use crate::output::{Replace, Staging, write_atomic, write_json, write_model, write_record};
use crate::progress::Stderr;

/// Options of `all`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    run: crate::part::RunArgs,
    /// Only the timed protocol (preprocessing, Part B(a) ReLU and sigmoid, Part C(b) with
    /// gradient attribution, Part C's test accuracy); prints its numbers, writes nothing.
    #[arg(long, conflicts_with = "quick")]
    protocol_only: bool,
}

/// The split, as row numbers of the training file (0-based data rows, header excluded).
#[derive(Serialize, schemars::JsonSchema)]
pub struct SplitFile<'a> {
    /// The seed of the split's random stream.
    seed: u64,
    /// Share of the training file held out for validation (a fraction, 0 to 1).
    validation_fraction: f64,
    /// Rows of the training file in the validation split.
    validation_rows: &'a [usize],
    /// Rows of the training file in the training split.
    train_rows: &'a [usize],
}

pub fn run(args: Args) -> Result<(), String> {
    let run = &args.run;
    let mut progress = Stderr::new(run.quiet);
    let config = run.config()?;
    let inputs = input::load_seeded(&run.data, config.seed, &mut |n| progress.note(n))?;
    crate::memory::preflight(&inputs.train, &inputs.test, &config, &mut |n| {
        progress.note(n)
    })?;
    if args.protocol_only {
        return protocol(&inputs, &config, &mut progress);
    }
    let staging = Staging::begin(&run.out, Replace::Run)?;
    let outputs = experiments::run_all(
        &inputs.train,
        &inputs.test,
        inputs.source.clone(),
        &config,
        &Runtime::default(),
        &mut progress,
    )
    .map_err(|e| e.to_string())?;
    for warning in reporting::report::part_d::duplicate_warnings(&outputs.part_d) {
        progress.note(&format!("warning: {warning}"));
    }
    let fingerprint = inputs.fingerprint(&config);
    staging.write(|dir| {
        progress.step("Writing results");
        write_outputs(dir, &config, &fingerprint, &outputs)?;
        progress.step("Drawing figures and the report");
        crate::report::redraw(dir, dir).map(drop)
    })?;
    staging.commit()?;
    progress.finish();
    print_table(&inputs.origin, &outputs, &run.out);
    Ok(())
}

/// `--protocol-only`: runs and prints the protocol, with this process's wall time and peak
/// memory (what `cargo xtask bench` reads).
fn protocol(inputs: &input::Inputs, config: &Config, progress: &mut Stderr) -> Result<(), String> {
    let start = std::time::Instant::now();
    let p = experiments::protocol::run_protocol(
        &inputs.train,
        &inputs.test,
        config,
        &Runtime::default(),
        progress,
    )
    .map_err(|e| e.to_string())?;
    progress.finish();
    println!("Data: {}", inputs.origin);
    println!(
        "Part B ReLU:    train {} val {}",
        pct(p.relu.train),
        pct(p.relu.validation)
    );
    println!(
        "Part B sigmoid: train {} val {}",
        pct(p.sigmoid.train),
        pct(p.sigmoid.validation)
    );
    println!(
        "Part C tape:    train {} val {} test {}",
        pct(p.tape.train),
        pct(p.tape.validation),
        pct(p.tape_test)
    );
    let mut ranked = p.attribution.clone();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
    if let Some(top) = ranked.first() {
        println!("Top attribution: {} ({:.4})", top.feature, top.score);
    }
    println!(
        "protocol time (after loading): {:.3} s",
        start.elapsed().as_secs_f64()
    );
    match crate::measure::peak_rss_mib() {
        Some(mib) => println!("peak memory: {mib:.1} MiB"),
        None => println!("peak memory: unknown"),
    }
    Ok(())
}

/// Writes every record (each with the run's fingerprint), history and model of a run into
/// `out`, under the names of `experiments::files`.
pub fn write_outputs(
    out: &Path,
    config: &Config,
    fingerprint: &Fingerprint,
    o: &Outputs,
) -> Result<(), String> {
    write_record(&out.join(files::SUMMARY), fingerprint, &o.summary)?;
    write_record(&out.join(files::CONFIG), fingerprint, config)?;
    write_record(&out.join(files::PART_A), fingerprint, &o.part_a)?;
    write_record(&out.join(files::PART_B), fingerprint, &o.part_b)?;
    write_record(&out.join(files::PART_C), fingerprint, &o.part_c)?;
    write_record(&out.join(files::PART_D), fingerprint, &o.part_d)?;
    write_record(&out.join(files::Q2), fingerprint, &o.q2)?;
    write_json(
        &out.join(files::SPLIT),
        &SplitFile {
            seed: config.seed,
            validation_fraction: config.validation_fraction,
            validation_rows: &o.split.validation,
            train_rows: &o.split.train,
        },
    )?;
    let histories = out.join(files::HISTORIES);
    write_history(&histories.join("part_b_relu.csv"), &o.part_b.relu.history)?;
    write_history(
        &histories.join("part_b_sigmoid.csv"),
        &o.part_b.sigmoid.history,
    )?;
    write_history(&histories.join("part_c.csv"), &o.part_c.history)?;
    write_q2_curves(&histories.join("q2_loss_curves.csv"), &o.q2)?;
    for m in &o.models {
        write_model(&out.join(files::model(&m.name)), &m.file)?;
    }
    Ok(())
}

fn csv_bytes(
    header: &[String],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(|e| e.to_string())?;
    for row in rows {
        w.write_record(&row).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

fn write_history(path: &Path, history: &[Record]) -> Result<(), String> {
    let layers = history.first().map_or(0, |r| r.grad_mean_abs.len());
    let hidden = history.first().map_or(0, |r| r.saturation.len());
    let mut header: Vec<String> = ["step", "loss", "train_acc", "val_acc"]
        .map(String::from)
        .to_vec();
    header.extend((1..=layers).map(|l| format!("grad_mean_abs_w{l}")));
    header.extend((1..=hidden).map(|l| format!("saturation_h{l}")));
    let rows = history.iter().map(|r| {
        let mut row = vec![
            r.step.to_string(),
            r.loss.to_string(),
            r.train_acc.to_string(),
            r.val_acc.to_string(),
        ];
        row.extend(r.grad_mean_abs.iter().map(f64::to_string));
        row.extend(r.saturation.iter().map(f64::to_string));
        row
    });
    write_atomic(path, &csv_bytes(&header, rows)?)
}

fn write_q2_curves(path: &Path, q2: &experiments::Q2) -> Result<(), String> {
    let header = ["mode", "learning_rate", "iteration", "mean_loss"]
        .map(String::from)
        .to_vec();
    let rows = q2.cells.iter().flat_map(|c| {
        c.loss_curve.iter().enumerate().map(move |(i, l)| {
            vec![
                c.mode.clone(),
                c.learning_rate.to_string(),
                (i + 1).to_string(),
                l.to_string(),
            ]
        })
    });
    write_atomic(path, &csv_bytes(&header, rows)?)
}

fn pct(x: f64) -> String {
    format!("{:5.1}%", 100.0 * x)
}

fn print_table(origin: &str, o: &Outputs, out: &Path) {
    let s = &o.summary;
    println!("Data: {origin}");
    println!("{:<44} {:>8} {:>8} {:>8}", "model", "train", "val", "test");
    println!(
        "{:<44} {:>8} {:>8} {:>8}",
        "Part B ReLU (from scratch, full batch)",
        pct(s.part_b.relu.train_acc),
        pct(s.part_b.relu.val_acc),
        ""
    );
    println!(
        "{:<44} {:>8} {:>8} {:>8}",
        "Part B sigmoid (from scratch, full batch)",
        pct(s.part_b.sigmoid.train_acc),
        pct(s.part_b.sigmoid.val_acc),
        ""
    );
    println!(
        "{:<44} {:>8} {:>8} {:>8}",
        "Part C/D tape MLP (minibatch SGD)",
        pct(s.part_d.train_acc),
        pct(s.part_d.val_acc),
        pct(s.part_d.test_acc)
    );
    for m in &o.part_d.mitigations {
        println!(
            "{:<44} {:>8} {:>8} {:>8}",
            format!("  mitigation: {}", m.name),
            pct(m.train_acc),
            pct(m.val_acc),
            pct(m.test_acc)
        );
    }
    println!("{}", reporting::report::part_d::verdict_line(&o.part_d));
    println!(
        "Question 2: final loss shared {:.4}, independent {:.4}; gradient check max rel. error {:.2e}",
        s.q2.shared.final_loss, s.q2.independent.final_loss, s.q2.grad_check.max_rel_error
    );
    println!("Results in {}", out.display());
}
