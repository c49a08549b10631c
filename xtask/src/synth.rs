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
    /// Numeric column that leaks the label in train only; `none` for no leak.
    #[arg(long, default_value = "amenity_score")]
    leak: String,
}

pub fn run(args: Args) -> Result<(), String> {
    let test_rows = ((args.rows as f64 * 7_297.0 / 41_348.0).round() as usize).max(1);
    let mut config = data::synth::SynthConfig::new(args.rows, test_rows, args.seed);
    config.leak = (args.leak != "none").then(|| args.leak.clone());
    let (train, test) = data::synth::generate(&config).map_err(|e| e.to_string())?;
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
