//! `cargo xtask <task>`: the project's command line. One module per task; `main` only
//! dispatches. Tasks read files, call `experiments`, and hand the records to `reporting`.

mod all;
mod bench;
mod eda;
mod input;
mod measure;
mod memory;
mod output;
mod part;
mod pipeline;
mod predict;
mod progress;
mod report;
mod schema;
mod schemas;
mod synth;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

/// mimalloc instead of glibc's allocator: glibc raises its mmap threshold after large frees,
/// so the workspaces that runs free and allocate again stay in the heaps and `all`'s peak
/// memory varied from run to run (docs/performance.md, peak memory).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Reproduce the NYC listings price-class study: data checks, from-scratch MLPs, gradient
/// attribution, the test-set collapse and its root cause, and the shared-bias question.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    task: Option<Task>,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Run every part (A–D, Question 2) and write results, models, figures and the report.
    All(all::Args),
    /// Part A: exploratory statistics, the dominance check and the train/test shift check.
    Eda(eda::Args),
    /// Part B alone: from-scratch MLPs, sigmoid against ReLU, gradient magnitudes.
    PartB(part::RunArgs),
    /// Part C alone: the tape MLP and gradient attribution.
    PartC(part::RunArgs),
    /// Part D alone: test evaluation, root cause and mitigations (runs Parts A and C first).
    PartD(part::RunArgs),
    /// Question 2 alone: the shared-bias network against independent biases.
    Q2(part::RunArgs),
    /// Write a synthetic train/test pair with the real data's shape.
    Synth(synth::Args),
    /// Predict classes and probabilities for a CSV with a saved model file.
    Predict(predict::Args),
    /// Redraw the figures and the report from saved results, without retraining.
    Report(report::Args),
    /// Time Part B(a), Part C(b) and the protocol pipeline (with --compare: against NumPy).
    Bench(bench::Args),
    /// Write the JSON Schemas of the results and model files to docs/schemas (--check: verify).
    Schemas(schemas::Args),
    /// Print a schema inferred from the data files (review it, then pass it with --schema).
    Schema(schema::Args),
}

/// Longest command-line error shown: clap echoes the offending value whole.
const MAX_USAGE_ERROR: usize = 200;

/// The first line of a clap error (the rest is a usage hint), cut to [`MAX_USAGE_ERROR`]
/// characters, so that a bad flag gives one short line like every other error.
fn usage_error(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let first = text.lines().next().unwrap_or_default().trim_end();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    if first.chars().count() <= MAX_USAGE_ERROR {
        first.to_string()
    } else {
        let mut cut: String = first.chars().take(MAX_USAGE_ERROR).collect();
        cut.push('…');
        cut
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version
        Err(e) => {
            eprintln!("error: {}", usage_error(&e));
            return ExitCode::from(2);
        }
    };
    let Some(task) = cli.task else {
        let _ = Cli::command().print_help();
        return ExitCode::SUCCESS;
    };
    let result = match task {
        Task::All(args) => all::run(args),
        Task::Eda(args) => eda::run(args),
        Task::PartB(args) => part::run(experiments::Part::B, args),
        Task::PartC(args) => part::run(experiments::Part::C, args),
        Task::PartD(args) => part::run(experiments::Part::D, args),
        Task::Q2(args) => part::run(experiments::Part::Q2, args),
        Task::Synth(args) => synth::run(args),
        Task::Predict(args) => predict::run(args),
        Task::Report(args) => report::run(args),
        Task::Bench(args) => bench::run(args),
        Task::Schemas(args) => schemas::run(args),
        Task::Schema(args) => schema::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
