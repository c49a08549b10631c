//! `cargo xtask part-b | part-c | part-d | q2`: one part alone, written to OUT/<part>.json
//! with its model files (the parts it depends on run first, unsaved).

use std::path::PathBuf;

use experiments::{Config, Part, Runtime, files};

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
    /// Hidden layer widths of the Part B and C networks (default 32,16, the assignment's);
    /// Question 2's network keeps one hidden layer as wide as the number of classes.
    #[arg(long, value_name = "W1,W2,…", value_delimiter = ',')]
    pub hidden: Option<Vec<usize>>,
}

impl RunArgs {
    /// The configuration these options ask for: full or --quick, then --config, --seed
    /// and --hidden.
    pub fn config(&self) -> Result<Config, String> {
        let base = if self.quick {
            Config::quick
        } else {
            Config::full
        };
        let mut config = self.data.settings(base)?;
        if let Some(hidden) = &self.hidden {
            config.part_b.hidden = hidden.clone();
            config.part_c.hidden = hidden.clone();
            config.validate().map_err(|e| format!("--hidden: {e}"))?;
        }
        Ok(config)
    }
}

pub fn run(part: Part, args: RunArgs) -> Result<(), String> {
    let mut progress = Stderr::new(args.quiet);
    let config = args.config()?;
    let inputs = input::load_seeded(&args.data, config.seed, &mut |n| progress.note(n))?;
    let staging = Staging::begin(&args.out)?;
    let (record, models) = experiments::run_part(
        part,
        &inputs.train,
        &inputs.test,
        &config,
        &Runtime::default(),
        &mut progress,
    )
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
