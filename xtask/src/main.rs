//! `cargo xtask <task>`: the project's command line. One module per task; `main` only
//! dispatches. Tasks read files, call `experiments`, and hand the records to `reporting`.

mod all;
mod bench;
mod eda;
mod input;
mod output;
mod part;
mod predict;
mod progress;
mod report;
mod schemas;
mod synth;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
