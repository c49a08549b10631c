//! `cargo xtask report`: redraw figures and the report from a results folder.

use std::path::{Path, PathBuf};

/// Options of `report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Results folder written by `cargo xtask all`.
    #[arg(long, default_value = "results")]
    results: PathBuf,
}

pub fn run(args: Args) -> Result<(), String> {
    if !args.results.is_dir() {
        return Err(format!(
            "{}: is not a results folder (no such directory)",
            args.results.display()
        ));
    }
    let staging = crate::output::Staging::begin(&args.results, crate::output::Replace::Part)?;
    let mut n = 0;
    staging.write(|dir| {
        n = redraw(&args.results, dir)?;
        Ok(())
    })?;
    staging.commit()?;
    eprintln!(
        "wrote {} and {} figures",
        args.results.join("report.html").display(),
        n
    );
    Ok(())
}

/// Reads the records in `records` and writes the figures and report into `out`; returns the
/// figure count.
pub fn redraw(records: &Path, out: &Path) -> Result<usize, String> {
    let results = reporting::Results::load(records).map_err(|e| e.to_string())?;
    let rendered = reporting::render(&results).map_err(|e| e.to_string())?;
    reporting::write(out, &rendered).map_err(|e| e.to_string())?;
    Ok(rendered.figures.len())
}
