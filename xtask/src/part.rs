//! `cargo xtask part-b | part-c | part-d | q2`: one part alone, written to OUT/<part>.json
//! with its model files (the parts it depends on run first, unsaved).

use std::path::PathBuf;

use experiments::{Config, Part};

use crate::input::{self, DataArgs};
use crate::output::write_json;
use crate::progress::Stderr;

/// Options of a single-part task.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Output folder.
    #[arg(long, default_value = "results")]
    out: PathBuf,
    /// Small iteration counts (smoke test).
    #[arg(long)]
    quick: bool,
    /// No progress on stderr.
    #[arg(long)]
    quiet: bool,
}

pub fn run(part: Part, args: Args) -> Result<(), String> {
    let mut progress = Stderr::new(args.quiet);
    let inputs = input::load(&args.data, &mut |n| progress.note(n))?;
    let config = if args.quick {
        Config::quick(args.data.seed)
    } else {
        Config::full(args.data.seed)
    };
    let (record, models) =
        experiments::run_part(part, &inputs.train, &inputs.test, &config, &mut progress)
            .map_err(|e| e.to_string())?;
    progress.finish();
    let name = match part {
        Part::B => "part_b",
        Part::C => "part_c",
        Part::D => "part_d",
        Part::Q2 => "q2",
    };
    let path = args.out.join(format!("{name}.json"));
    write_json(&path, &record)?;
    for m in &models {
        write_json(
            &args.out.join("models").join(format!("{}.json", m.name)),
            &m.file,
        )?;
    }
    println!("Data: {}", inputs.origin);
    println!("Wrote {} and {} model files", path.display(), models.len());
    Ok(())
}
