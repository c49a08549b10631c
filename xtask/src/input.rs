//! Where the data come from: `--data DIR`, `--train F --test F`, the git-ignored `data/`
//! folder, or — failing all three — synthetic data, said plainly.

use std::path::{Path, PathBuf};

use data::{Schema, Table};
use experiments::Source;
use experiments::fingerprint::{DataIdentity, Fingerprint};

/// Rows of the synthetic default: the real files' sizes.
const SYNTH_TRAIN_ROWS: usize = 41_348;
const SYNTH_TEST_ROWS: usize = 7_297;

/// Data options shared by every task that reads the two tables.
#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// Folder holding train.csv and test.csv.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["train", "test"])]
    pub data: Option<PathBuf>,
    /// Training CSV (with --test).
    #[arg(long, value_name = "FILE", requires = "test")]
    pub train: Option<PathBuf>,
    /// Test CSV (with --train).
    #[arg(long, value_name = "FILE", requires = "train")]
    pub test: Option<PathBuf>,
    /// Seed of every random stream (split, initialisation, shuffles, synthetic data);
    /// default 42, or the `seed` of a --config file.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Schema file (TOML, see docs/schema.md) describing the tables; default: the shipped
    /// listings schema.
    #[arg(long, value_name = "FILE", conflicts_with = "label")]
    pub schema: Option<PathBuf>,
    /// Infer the schema from the files with this column as the class label (said on
    /// stderr; `cargo xtask schema` prints it for review).
    #[arg(long, value_name = "COLUMN")]
    pub label: Option<String>,
    /// Settings file (TOML, or a run's config.json) over the study's defaults: learning
    /// rates, iterations, grids, thresholds (see docs/results-format.md, config.json).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// The seed when neither --seed nor a configuration file sets one.
pub const DEFAULT_SEED: u64 = 42;

impl DataArgs {
    /// The seed asked for: --seed, else [`DEFAULT_SEED`].
    pub fn seed(&self) -> u64 {
        self.seed.unwrap_or(DEFAULT_SEED)
    }

    /// The train and test files these options name (the git-ignored `data/` folder when
    /// none), or `None` for synthetic data.
    pub fn files(&self) -> Option<(PathBuf, PathBuf)> {
        match (&self.data, &self.train, &self.test) {
            (Some(dir), _, _) => Some((dir.join("train.csv"), dir.join("test.csv"))),
            (None, Some(train), Some(test)) => Some((train.clone(), test.clone())),
            _ => {
                let dir = workspace_root().join("data");
                let (train, test) = (dir.join("train.csv"), dir.join("test.csv"));
                (train.is_file() && test.is_file()).then_some((train, test))
            }
        }
    }
}

impl DataArgs {
    /// The study's settings: `base` (full or quick, with --seed or the default seed), then
    /// the --config file over it, then --seed again (a flag beats a file).
    pub fn settings(
        &self,
        base: impl Fn(u64) -> experiments::Config,
        quick: bool,
    ) -> Result<experiments::Config, String> {
        let mut config = base(self.seed());
        if let Some(path) = &self.config {
            let file = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| format!("{file}: {e}"))?;
            config = config.with_file(&text, &file)?;
            for note in experiments::config_file::notes(&text, &file, &config, quick) {
                eprintln!("{note}");
            }
        }
        if let Some(seed) = self.seed {
            config.seed = seed;
        }
        config.validate()?;
        Ok(config)
    }
}

/// The schema for the tables at `train` and `test`: `--schema FILE`, inferred with
/// `--label COLUMN` (said through `note`), or the shipped listings schema.
fn schema(
    args: &DataArgs,
    (train, test): (&Path, &Path),
    note: &mut dyn FnMut(&str),
) -> Result<Schema, String> {
    if let Some(file) = &args.schema {
        return data::schema_file::load(file).map_err(|e| e.to_string());
    }
    let Some(label) = &args.label else {
        return Ok(Schema::listings());
    };
    let (schema, warnings) = data::infer::infer_schema_with_warnings(&[train, test], label)
        .map_err(|e| e.to_string())?;
    note(&format!(
        "note: no --schema given; inferred one from the files: label {label:?} with {} classes, {} categorical and {} numeric features (`cargo xtask schema` prints it for review)",
        schema.n_classes,
        schema.categorical.len(),
        schema.numeric.len()
    ));
    for w in &warnings {
        note(&format!(
            "warning: {} and {}: {w}",
            train.display(),
            test.display()
        ));
    }
    Ok(schema)
}

/// The two tables and where they came from.
#[derive(Debug)]
pub struct Inputs {
    pub train: Table,
    pub test: Table,
    pub source: Source,
    /// One line for people: the two paths, or "synthetic (seed N)".
    pub origin: String,
    /// The data by content: the files' SHA-256 or the generator's settings.
    pub identity: DataIdentity,
}

impl Inputs {
    /// The run's fingerprint for `config`: the data's identity, the seed, the SHA-256 of the
    /// configuration's JSON and this tool's version.
    pub fn fingerprint(&self, config: &experiments::Config) -> Fingerprint {
        let json = serde_json::to_vec(config).unwrap_or_default();
        Fingerprint {
            data: self.identity.clone(),
            seed: config.seed,
            config_sha256: sha256_hex(&json),
            schema_sha256: sha256_hex(&serde_json::to_vec(&self.train.schema).unwrap_or_default()),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// SHA-256 of `bytes`, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    use std::fmt::Write as _;
    let digest = sha2::Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// SHA-256 of a file's bytes (the file was just loaded, so a read error is reported as for
/// loading).
fn file_sha256(path: &Path) -> Result<String, String> {
    std::fs::read(path)
        .map(|bytes| sha256_hex(&bytes))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The workspace root (xtask lives one level below it).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Loads the tables the options name; `note` receives loader warnings and the synthetic
/// notice. Synthetic data are drawn with `seed` (the run's seed, which a --config
/// file may set).
pub fn load_seeded(
    args: &DataArgs,
    seed: u64,
    note: &mut dyn FnMut(&str),
) -> Result<Inputs, String> {
    match args.files() {
        Some((train_path, test_path)) => {
            let schema = schema(args, (&train_path, &test_path), note)?;
            let mut read = |path: &Path| -> Result<Table, String> {
                let loaded = data::load_csv(path, &schema).map_err(|e| e.to_string())?;
                for w in &loaded.warnings {
                    note(&format!("warning: {w}"));
                }
                for finding in &loaded.table.out_of_range {
                    note(&format!(
                        "warning: {}",
                        finding.warning(&loaded.table.source)
                    ));
                }
                Ok(loaded.table)
            };
            let train = read(&train_path)?;
            let test = read(&test_path)?;
            let mut counts = vec![0usize; train.schema.n_classes];
            for &y in &train.labels {
                counts[usize::from(y)] += 1;
            }
            for (k, _) in counts.iter().enumerate().filter(|(_, n)| **n == 0) {
                note(&format!(
                    "warning: {}: class {:?} of the schema has no rows; no model can learn or \
                     predict it",
                    train_path.display(),
                    train.schema.class_value(k)
                ));
            }
            let identity = DataIdentity::Files {
                train_sha256: file_sha256(&train_path)?,
                test_sha256: file_sha256(&test_path)?,
            };
            Ok(Inputs {
                identity,
                origin: format!("{} and {}", train_path.display(), test_path.display()),
                train,
                test,
                source: Source::Csv,
            })
        }
        None if args.schema.is_some() || args.label.is_some() => Err(
            "--schema and --label describe data files; give them with --data DIR or --train/--test"
                .to_string(),
        ),
        None => {
            note(&format!(
                "note: no data given and none in {}; running on SYNTHETIC data (seed {}). \
                 Use --data DIR for the real files.",
                workspace_root().join("data").display(),
                seed
            ));
            let config = data::synth::SynthConfig::new(SYNTH_TRAIN_ROWS, SYNTH_TEST_ROWS, seed);
            let (train, test) = data::synth::generate(&config).map_err(|e| e.to_string())?;
            Ok(Inputs {
                identity: DataIdentity::Synthetic {
                    train_rows: config.train_rows,
                    test_rows: config.test_rows,
                    seed: config.seed,
                    leak: config.leak.clone(),
                },
                train,
                test,
                source: Source::Synthetic,
                origin: format!("synthetic (seed {seed})"),
            })
        }
    }
}
