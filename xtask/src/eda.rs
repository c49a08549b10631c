//! `cargo xtask eda`: Part A alone, written to OUT/eda.json with a readable summary.

use std::path::PathBuf;

use crate::input::{self, DataArgs};
use crate::output::{Staging, write_json};

/// Options of `eda`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Output folder.
    #[arg(long, default_value = "results")]
    out: PathBuf,
}

pub fn run(args: Args) -> Result<(), String> {
    let inputs = input::load(&args.data, &mut |n| eprintln!("{n}"))?;
    let staging = Staging::begin(&args.out)?;
    let config = experiments::Config::full(args.data.seed);
    let split = experiments::split(&inputs.train, &config);
    let part_a = experiments::part_a::analyse(
        &inputs.train,
        &inputs.test,
        &split.train,
        &split.validation,
        &config.part_a,
    );
    let path = args.out.join("eda.json");
    staging.write(|dir| write_json(&dir.join("eda.json"), &part_a))?;
    staging.commit()?;
    println!("Data: {}", inputs.origin);
    print!("{}", experiments::part_a::summary_text(&part_a));
    println!("Wrote {}", path.display());
    Ok(())
}
