//! `cargo xtask part-b | part-c | part-d | q2`: one part alone, written to OUT/<part>.json
//! with its model files (the parts it depends on run first, unsaved).

use std::path::{Path, PathBuf};

use experiments::fingerprint::Fingerprint;

use experiments::{Config, Part, Runtime, files};

use crate::input::{self, DataArgs};
use crate::output::{Replace, Staging, write_model, write_record};
use crate::progress::Stderr;

/// Options shared by the tasks that train: the data, the output folder, how much work.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Output folder.
    #[arg(long, default_value = "results")]
    pub out: PathBuf,
    /// Small iteration counts everywhere (smoke test; the numbers mean little). With
    /// --config, the file's keys win and --quick sets the rest (so a full run's whole
    /// config.json replaces --quick; a note says so); config.json records the result.
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
        let mut config = self.data.settings(base, self.quick)?;
        if let Some(hidden) = &self.hidden {
            config.part_b.hidden = hidden.clone();
            config.part_c.hidden = hidden.clone();
            config.validate().map_err(|e| format!("--hidden: {e}"))?;
        }
        Ok(config)
    }
}

/// Part A's and Part C's records and Part C's model saved in `out` by a run of this
/// fingerprint, or `None` (any missing, unreadable or of another run).
fn saved_prefix(
    out: &Path,
    fingerprint: &Fingerprint,
) -> Option<(experiments::PartA, experiments::PartC, models::Mlp)> {
    fn record<T: serde::de::DeserializeOwned>(path: &Path, fingerprint: &Fingerprint) -> Option<T> {
        let text = std::fs::read_to_string(path).ok()?;
        let mut value: serde_json::Value = serde_json::from_str(&text).ok()?;
        let stamp = value
            .as_object_mut()?
            .remove(experiments::fingerprint::KEY)?;
        let theirs: Fingerprint = serde_json::from_value(stamp).ok()?;
        (&theirs == fingerprint).then_some(())?;
        serde_json::from_value(value).ok()
    }
    let part_a = record(&out.join(files::PART_A), fingerprint)?;
    let part_c = record(&out.join(files::PART_C), fingerprint)?;
    let text = std::fs::read_to_string(out.join(files::model("part_c_tape"))).ok()?;
    let model: models::file::ModelFile = serde_json::from_str(&text).ok()?;
    model.check().ok()?;
    Some((part_a, part_c, model.to_mlp().ok()?))
}

pub fn run(part: Part, args: RunArgs) -> Result<(), String> {
    let mut progress = Stderr::new(args.quiet);
    let config = args.config()?;
    let inputs = input::load_seeded(&args.data, config.seed, &mut |n| progress.note(n))?;
    crate::memory::preflight(&inputs.train, &inputs.test, &config, &mut |n| {
        progress.note(n)
    })?;
    let staging = Staging::begin(&args.out, Replace::Part)?;
    let fingerprint = inputs.fingerprint(&config);
    staging.refuse_other_runs(&fingerprint)?;
    let saved = match part {
        Part::D => saved_prefix(&args.out, &fingerprint),
        _ => None,
    };
    let (record, models) = match &saved {
        Some((part_a, part_c, model)) => {
            progress.note(&format!(
                "note: Part D reads Parts A and C from {} (same run): not recomputed",
                args.out.display()
            ));
            experiments::run_part_d_after(
                &inputs.train,
                &inputs.test,
                part_a,
                (part_c, model),
                &config,
                &Runtime::default(),
                &mut progress,
            )
        }
        None => experiments::run_part(
            part,
            &inputs.train,
            &inputs.test,
            &config,
            &Runtime::default(),
            &mut progress,
        ),
    }
    .map_err(|e| e.to_string())?;
    progress.finish();
    let name = match part {
        Part::B => files::PART_B,
        Part::C => files::PART_C,
        Part::D => files::PART_D,
        Part::Q2 => files::Q2,
    };
    let path = args.out.join(name);
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
