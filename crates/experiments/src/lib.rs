//! The study's parts, each a function from data and configuration to a plain serde record.
//! Nothing here writes files or draws: `xtask` saves the records and `reporting` draws them.
//!
//! [`run_all`] runs Parts A–D and Question 2 in the assignment's order on one pair of tables
//! and returns every record, the trained models (as model-file values) and a [`Summary`] of
//! the headline numbers. Every random draw comes from `data::rng::stream(seed, ..)`, so the
//! same seed gives bit-identical records.
#![deny(missing_docs)]

pub mod budget;
pub mod config_file;
mod evidence;
pub mod files;
pub mod fingerprint;
pub mod interval;
pub mod nan;
pub mod pair;
pub mod part_a;
pub mod part_b;
pub mod part_c;
pub mod part_d;
pub mod prepare;
pub mod protocol;
pub mod q2;
pub mod split;
pub mod stats;
mod summary;
pub mod verdicts;

use data::{PreprocessOptions, Split, Table};
use models::file::ModelFile;
use models::{BiasNet, Mlp, TrainError};
use serde::{Deserialize, Serialize};

pub use pair::Pair;
pub use part_a::PartA;
pub use part_b::PartB;
pub use part_c::PartC;
pub use part_d::PartD;
pub use prepare::{Prepared, Source};
pub use q2::Q2;
pub use split::{check_learnable, check_width, input_width, min_rows_per_class, split};
pub use summary::Summary;

/// Why an experiment could not finish.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// The data could not be prepared.
    #[error(transparent)]
    Data(#[from] data::DataError),
    /// A class of the training file has too few rows for both parts of the split.
    #[error(
        "{file}: class {name} has {rows} row(s), too few to split; a validation \
         fraction of {fraction} needs at least {minimum} rows per class"
    )]
    TooFewRows {
        /// The training file.
        file: String,
        /// The class.
        class: usize,
        /// Its label text (and display name, when it has another).
        name: String,
        /// Its rows in the training file.
        rows: usize,
        /// The fewest rows that put at least one in each part.
        minimum: usize,
        /// The validation fraction.
        fraction: f64,
    },
    /// The training file holds one class only: there is nothing to learn.
    #[error("{file}: every row has class {name}; a classifier needs at least two classes")]
    SingleClass {
        /// The training file.
        file: String,
        /// The one class present.
        class: usize,
        /// Its label text (and display name, when it has another).
        name: String,
    },
    /// The schema's features encode to no input column (no numeric feature, and every
    /// categorical one has a single level): a network would have nothing to read.
    #[error(
        "{file}: the schema's features give the network no input column (features: \
         {features}; a categorical column needs two levels, a numeric one any value); add \
         a feature to the schema"
    )]
    NoInputColumns {
        /// The training file.
        file: String,
        /// The features with their level counts.
        features: String,
    },
    /// The split left no row for validation (or none for training).
    #[error(
        "{file}: the split with validation fraction {fraction} leaves {validation} validation \
         and {train} training rows; both need at least one"
    )]
    EmptySplit {
        /// The training file.
        file: String,
        /// The validation fraction.
        fraction: f64,
        /// Rows in the validation part.
        validation: usize,
        /// Rows in the training part.
        train: usize,
    },
    /// A training run failed (diverged).
    #[error("{context}: {source}")]
    Training {
        /// Which run.
        context: String,
        /// What happened.
        source: TrainError,
    },
}

impl ExperimentError {
    pub(crate) fn training(context: String, source: TrainError) -> Self {
        ExperimentError::Training { context, source }
    }
}

/// Told about each long step, so the command line can show progress.
pub trait Progress {
    /// A new step begins.
    fn step(&mut self, what: &str);

    /// `done` of the current step's `total` units (runs, seeds) are finished; lets a
    /// terminal show a bar with the time left. Ignored by default.
    fn advance(&mut self, _done: usize, _total: usize) {}
}

/// Progress that goes nowhere (tests, `--quiet`).
#[derive(Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn step(&mut self, _: &str) {}
}

/// A trained model, ready to be saved as `models/<name>.json`.
#[derive(Debug, Clone)]
pub struct NamedModel {
    /// File stem.
    pub name: String,
    /// The model with its preprocessor.
    pub file: ModelFile,
}

impl NamedModel {
    pub(crate) fn mlp(name: String, mlp: &Mlp, prepared: &Prepared) -> Self {
        NamedModel {
            name,
            file: ModelFile::from_mlp(mlp, &prepared.preprocessor),
        }
    }

    pub(crate) fn bias_net(name: String, net: &BiasNet, prepared: &Prepared) -> Self {
        NamedModel {
            name,
            file: ModelFile::from_bias_net(net, &prepared.preprocessor),
        }
    }
}

/// Everything the study runs, and how much.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Config {
    /// The one seed every stream derives from.
    pub seed: u64,
    /// Share of the training file held out for validation.
    pub validation_fraction: f64,
    /// Part A.
    pub part_a: part_a::PartAConfig,
    /// Part B.
    pub part_b: part_b::PartBConfig,
    /// Part C.
    pub part_c: part_c::PartCConfig,
    /// Part D.
    pub part_d: part_d::PartDConfig,
    /// Question 2.
    pub q2: q2::Q2Config,
}

impl Config {
    /// The study's protocol with the extra measurements of this tool.
    pub fn full(seed: u64) -> Self {
        Config {
            seed,
            validation_fraction: 0.2,
            part_a: Default::default(),
            part_b: Default::default(),
            part_c: Default::default(),
            part_d: Default::default(),
            q2: Default::default(),
        }
    }

    /// Small iteration counts everywhere, for smoke tests.
    pub fn quick(seed: u64) -> Self {
        Config {
            part_b: part_b::PartBConfig::quick(),
            part_c: part_c::PartCConfig::quick(),
            part_d: part_d::PartDConfig::quick(),
            q2: q2::Q2Config::quick(),
            ..Config::full(seed)
        }
    }

    /// Range checks of every setting: `Err` names the first bad key and why
    /// (`part_b.learning_rate = -1: must be > 0`).
    pub fn validate(&self) -> Result<(), String> {
        let f = self.validation_fraction;
        config_file::Checks::new("")
            .rule(
                f > 0.0 && f < 1.0,
                "validation_fraction",
                f.to_string(),
                "must be in (0, 1)",
            )
            .done()?;
        self.part_a.validate()?;
        self.part_b.validate()?;
        self.part_c.validate()?;
        self.part_d.validate()?;
        self.q2.validate()
    }

    /// These settings with the file `text` applied over them (TOML, or JSON such as a
    /// run's `config.json`); `file` names it in errors. See [`config_file`].
    pub fn with_file(&self, text: &str, file: &str) -> Result<Config, String> {
        config_file::apply(text, file, self)
    }
}

/// How a run is carried out, beside the study's [`Config`]: what can change the time a run
/// takes but never a number it computes. It is not part of `config.json` or of the run's
/// fingerprint, so a run on another machine or thread count has the same fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runtime {
    /// Threads of the gradient engines, the evaluations and the independent runs (every
    /// reduction sums in a fixed order, so the bits do not depend on it).
    pub threads: usize,
}

impl Default for Runtime {
    /// [`models::default_threads`] threads.
    fn default() -> Self {
        Runtime::with_threads(models::default_threads())
    }
}

impl Runtime {
    /// `threads` threads (at least 1).
    pub fn with_threads(threads: usize) -> Self {
        Runtime {
            threads: threads.max(1),
        }
    }
}

/// Every record of one run.
#[derive(Debug, Clone)]
pub struct Outputs {
    /// Headline numbers.
    pub summary: Summary,
    /// The split used (validation row numbers are exported).
    pub split: Split,
    /// Part A.
    pub part_a: PartA,
    /// Part B.
    pub part_b: PartB,
    /// Part C.
    pub part_c: PartC,
    /// Part D.
    pub part_d: PartD,
    /// Question 2.
    pub q2: Q2,
    /// Every trained model.
    pub models: Vec<NamedModel>,
}

/// Runs Parts A–D and Question 2.
pub fn run_all(
    train: &Table,
    test: &Table,
    source: Source,
    config: &Config,
    runtime: &Runtime,
    progress: &mut dyn Progress,
) -> Result<Outputs, ExperimentError> {
    let seed = config.seed;
    let split = split(train, config)?;
    check_width(train)?;
    progress.step("Part A: exploratory statistics");
    let part_a = part_a::analyse(train, test, &split.train, &split.validation, &config.part_a);
    progress.step("Preprocessing (fitted on the training split)");
    let prepared = Prepared::new(train, test, &split, &PreprocessOptions::default())?;
    let (part_b, mut models) =
        part_b::run_part_b(&prepared, &config.part_b, seed, runtime, progress)?;
    let (part_c, part_c_model, m) =
        part_c::run_part_c(&prepared, &config.part_c, seed, runtime, progress)?;
    models.extend(m);
    let (part_d, m) = run_part_d(
        &prepared,
        (train, test),
        &part_a,
        (&part_c, &part_c_model),
        Some(part_b.relu.train_acc),
        (config, runtime),
        progress,
    )?;
    models.extend(m);
    let (q2, m) = q2::run_q2(&prepared, &config.q2, seed, runtime, progress)?;
    models.extend(m);
    let summary = Summary::new(source, config, &part_a, &part_b, &part_c, &part_d, &q2);
    Ok(Outputs {
        summary,
        split,
        part_a,
        part_b,
        part_c,
        part_d,
        q2,
        models,
    })
}

/// A part that can run alone (`cargo xtask part-b`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Part B(a) and B(b).
    B,
    /// Part C(b).
    C,
    /// Part D (runs Parts A and C first: the diagnosis joins them).
    D,
    /// Question 2.
    Q2,
}

/// The record of one part run alone (boxed: the records differ in size by kilobytes).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum PartRecord {
    /// Part B.
    B(Box<PartB>),
    /// Part C.
    C(Box<PartC>),
    /// Part D.
    D(Box<PartD>),
    /// Question 2.
    Q2(Box<Q2>),
}

/// Runs one part with the split and preprocessing `run_all` would use, computing only the
/// parts it depends on.
pub fn run_part(
    part: Part,
    train: &Table,
    test: &Table,
    config: &Config,
    runtime: &Runtime,
    progress: &mut dyn Progress,
) -> Result<(PartRecord, Vec<NamedModel>), ExperimentError> {
    let seed = config.seed;
    let split = split(train, config)?;
    check_width(train)?;
    progress.step("Preprocessing (fitted on the training split)");
    let prepared = Prepared::new(train, test, &split, &PreprocessOptions::default())?;
    Ok(match part {
        Part::B => {
            let (r, m) = part_b::run_part_b(&prepared, &config.part_b, seed, runtime, progress)?;
            (PartRecord::B(Box::new(r)), m)
        }
        Part::C => {
            let (r, _, m) = part_c::run_part_c(&prepared, &config.part_c, seed, runtime, progress)?;
            (PartRecord::C(Box::new(r)), m)
        }
        Part::Q2 => {
            let (r, m) = q2::run_q2(&prepared, &config.q2, seed, runtime, progress)?;
            (PartRecord::Q2(Box::new(r)), m)
        }
        Part::D => {
            progress.step("Part A: exploratory statistics");
            let part_a =
                part_a::analyse(train, test, &split.train, &split.validation, &config.part_a);
            let (part_c, model, _) =
                part_c::run_part_c(&prepared, &config.part_c, seed, runtime, progress)?;
            let (r, m) = run_part_d(
                &prepared,
                (train, test),
                &part_a,
                (&part_c, &model),
                Some(full_batch_train_acc(&prepared, config, runtime, progress)?),
                (config, runtime),
                progress,
            )?;
            (PartRecord::D(Box::new(r)), m)
        }
    })
}

/// Part D alone from the Part A and Part C a run already saved (their records and Part C's
/// model, all of the same fingerprint): the split and preprocessing `run_all` would use, no
/// part run twice. The record is the one [`run_part`] gives.
#[allow(clippy::too_many_arguments)]
pub fn run_part_d_after(
    train: &Table,
    test: &Table,
    part_a: &PartA,
    (part_c, model): (&PartC, &Mlp),
    config: &Config,
    runtime: &Runtime,
    progress: &mut dyn Progress,
) -> Result<(PartRecord, Vec<NamedModel>), ExperimentError> {
    let split = split(train, config)?;
    check_width(train)?;
    progress.step("Preprocessing (fitted on the training split)");
    let prepared = Prepared::new(train, test, &split, &PreprocessOptions::default())?;
    let (r, m) = run_part_d(
        &prepared,
        (train, test),
        part_a,
        (part_c, model),
        Some(full_batch_train_acc(&prepared, config, runtime, progress)?),
        (config, runtime),
        progress,
    )?;
    Ok((PartRecord::D(Box::new(r)), m))
}

/// The training accuracy of Part B's full-batch ReLU network (its protocol run, the same
/// network `run_all` trains): the reference of Part D's training verdict when Part D runs
/// without Part B, so Part D alone writes the record it writes inside `all`.
fn full_batch_train_acc(
    prepared: &Prepared,
    config: &Config,
    runtime: &Runtime,
    progress: &mut dyn Progress,
) -> Result<f64, ExperimentError> {
    let b = &config.part_b;
    progress.step("Part D: Part B's full-batch ReLU network, the training verdict's reference");
    // Only the last record is read.
    let cfg = models::TrainConfig {
        evaluate: models::Evaluate::last_only(),
        ..part_b::train_config(b, b.learning_rate, b.iterations, runtime.threads)
    };
    let (_, history) = part_b::train_mlp(
        prepared,
        &b.hidden,
        models::Activation::Relu,
        &cfg,
        models::Init::Study,
        config.seed,
    )
    .map_err(|e| ExperimentError::training("Part D's full-batch reference".into(), e))?;
    Ok(history.last().map_or(f64::NAN, |r| r.train_acc))
}

/// Part D from what it joins: Part A's shift check, Part C's model and attribution, and
/// (when Part B ran) its full-batch ReLU network's training accuracy.
fn run_part_d(
    prepared: &Prepared,
    (train, test): (&Table, &Table),
    part_a: &PartA,
    (part_c, model): (&PartC, &Mlp),
    full_batch_train_acc: Option<f64>,
    (config, runtime): (&Config, &Runtime),
    progress: &mut dyn Progress,
) -> Result<(PartD, Vec<NamedModel>), ExperimentError> {
    let shifts = part_d::column_shifts(part_a);
    let inputs = part_d::Inputs {
        prepared,
        train,
        test,
        part_c,
        model,
        shifts: &shifts,
        full_batch_train_acc,
    };
    part_d::run_part_d(
        inputs,
        &config.part_d,
        &config.part_c,
        config.seed,
        runtime,
        progress,
    )
}
