//! `cargo xtask synth`: write a synthetic train/test pair with the real data's shape.

use std::path::PathBuf;

use crate::output::write_atomic;

/// Options of `synth`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder (train.csv and test.csv are written there).
    #[arg(long)]
    out: PathBuf,
    /// Training rows; the test file gets rows × 7,297 / 41,348 (the real ratio), at least 1.
    #[arg(long, default_value_t = 41_348)]
    rows: usize,
    /// Seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Numeric column that leaks the label in train only; `none` for no leak. Training rows
    /// are limited by the memory available (about 200 bytes per row).
    #[arg(long, default_value = "amenity_score")]
    leak: String,
}

/// Peak bytes per training row while generating and writing (both tables, the leak's sort
/// keys and one file's CSV text): measured about 110 (`/usr/bin/time -v`: 112 MiB peak for
/// 1,000,000 rows, 320 MiB for 3,000,000), taken as 200 for a margin.
const BYTES_PER_ROW: u64 = 200;

/// Fewest training rows of each class a written file may have: the stratified split puts
/// at least one row of every class in each of training and validation, which needs two,
/// and a third keeps a class from living in one row of each.
const MIN_PER_CLASS: usize = 3;

pub fn run(args: Args) -> Result<(), String> {
    if args.rows == 0 {
        return Err("synth: --rows 0 would write files without data rows; give at least 1".into());
    }
    if args.out.exists() && !args.out.is_dir() {
        return Err(format!("{}: is not a directory", args.out.display()));
    }
    crate::memory::check("synth", args.rows, BYTES_PER_ROW, 0)?;
    let test_rows = ((args.rows as f64 * 7_297.0 / 41_348.0).round() as usize).max(1);
    let mut config = data::synth::SynthConfig::new(args.rows, test_rows, args.seed);
    config.leak = (args.leak != "none").then(|| args.leak.clone());
    let (train, test) = data::synth::generate(&config).map_err(|e| e.to_string())?;
    let n_classes = train.schema.n_classes;
    let mut counts = vec![0usize; n_classes];
    for &y in &train.labels {
        counts[usize::from(y)] += 1;
    }
    if let Some((class, &n)) = counts.iter().enumerate().find(|(_, n)| **n < MIN_PER_CLASS) {
        return Err(format!(
            "synth: --rows {} gives class {class} only {n} training rows (seed {}); \
             every class needs at least {MIN_PER_CLASS}: ask for more rows",
            args.rows, args.seed
        ));
    }
    for (name, table) in [("train.csv", &train), ("test.csv", &test)] {
        let mut bytes = Vec::new();
        data::write_csv(table, &mut bytes).map_err(|e| e.to_string())?;
        let path = args.out.join(name);
        write_atomic(&path, &bytes)?;
        eprintln!(
            "wrote {} ({} rows, synthetic)",
            path.display(),
            table.n_rows()
        );
    }
    Ok(())
}
