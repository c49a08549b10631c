//! `cargo xtask part-b | part-c | part-d | q2`: one part alone, written to OUT/<part>.json
//! with its model files (the parts it depends on run first, unsaved).

use std::path::PathBuf;

use experiments::{Config, Part, files};

use crate::input::{self, DataArgs};
use crate::output::{Staging, write_model, write_record};
use crate::progress::Stderr;

/// Options shared by the tasks that train: the data, the output folder, how much work.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Output folder.
    #[arg(long, default_value = "results")]
    pub out: PathBuf,
    /// Small iteration counts everywhere (smoke test; the numbers mean little).
    #[arg(long)]
    pub quick: bool,
    /// No progress on stderr.
    #[arg(long)]
    pub quiet: bool,
}

impl RunArgs {
    /// The configuration these options ask for.
    pub fn config(&self) -> Config {
        if self.quick {
            Config::quick(self.data.seed)
        } else {
            Config::full(self.data.seed)
        }
    }
}

pub fn run(part: Part, args: RunArgs) -> Result<(), String> {
    let mut progress = Stderr::new(args.quiet);
    let inputs = input::load(&args.data, &mut |n| progress.note(n))?;
    let staging = Staging::begin(&args.out)?;
    let config = args.config();
    let (record, models) =
        experiments::run_part(part, &inputs.train, &inputs.test, &config, &mut progress)
            .map_err(|e| e.to_string())?;
    progress.finish();
    let name = match part {
        Part::B => files::PART_B,
        Part::C => files::PART_C,
        Part::D => files::PART_D,
        Part::Q2 => files::Q2,
    };
    let path = args.out.join(name);
    let fingerprint = inputs.fingerprint(&config);
    staging.write(|dir| {
        write_record(&dir.join(name), &fingerprint, &record)?;
        for m in &models {
            write_model(&dir.join(files::model(&m.name)), &m.file)?;
        }
        Ok(())
    })?;
    staging.commit()?;
    println!("Data: {}", inputs.origin);
    println!("Wrote {} and {} model files", path.display(), models.len());
    Ok(())
}
