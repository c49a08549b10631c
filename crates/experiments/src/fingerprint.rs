//! The run's fingerprint: what a set of records was computed from (the data's bytes or the
//! generator's settings, the seed, the configuration, the tool's version). Every record file
//! of a run carries it beside its fields (see [`Stamped`]), so a report refuses to mix
//! records of different runs. The digests are computed where the bytes are read (`xtask`);
//! this module only holds them.

use serde::{Deserialize, Serialize};

/// Where the tables came from, by content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DataIdentity {
    /// Two CSV files, by the SHA-256 of their bytes (hex).
    Files {
        /// SHA-256 of the training file.
        train_sha256: String,
        /// SHA-256 of the test file.
        test_sha256: String,
    },
    /// The synthetic generator, by its settings.
    Synthetic {
        /// Rows of the training table.
        train_rows: usize,
        /// Rows of the test table.
        test_rows: usize,
        /// The generator's seed.
        seed: u64,
        /// The leaking column, if any.
        leak: Option<String>,
    },
}

/// What a run's records were computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Fingerprint {
    /// The data.
    pub data: DataIdentity,
    /// The seed of every random stream.
    pub seed: u64,
    /// SHA-256 (hex) of the configuration's JSON.
    pub config_sha256: String,
    /// SHA-256 (hex) of the schema's JSON: the same files read with another schema are
    /// other data (empty in records written before schemas were files).
    #[serde(default)]
    pub schema_sha256: String,
    /// Version of the tool that wrote the records.
    pub version: String,
}

/// A record as written to its file: the fingerprint under `fingerprint`, the record's own
/// fields beside it (so the record's JSON keys are unchanged).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Stamped<'a, T: Serialize> {
    /// The run's fingerprint.
    pub fingerprint: &'a Fingerprint,
    /// The record.
    #[serde(flatten)]
    pub record: &'a T,
}

/// The key a stamped record keeps its fingerprint under.
pub const KEY: &str = "fingerprint";
