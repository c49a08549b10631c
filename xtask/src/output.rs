//! Writing results so that an interrupted run never leaves a file that looks complete.

use std::path::Path;

/// Writes `bytes` atomically (temporary file, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    reporting::write_atomic(path, bytes).map_err(|e| e.to_string())
}

/// Serialises `value` as pretty JSON (with a final newline) and writes it atomically.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), String> {
    let mut text =
        serde_json::to_string_pretty(value).map_err(|e| format!("{}: {e}", path.display()))?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// Writes a record with the run's fingerprint beside its fields (see
/// `experiments::fingerprint::Stamped`), so `report` can refuse records of different runs.
pub fn write_record<T: serde::Serialize>(
    path: &Path,
    fingerprint: &experiments::fingerprint::Fingerprint,
    record: &T,
) -> Result<(), String> {
    write_json(
        path,
        &experiments::fingerprint::Stamped {
            fingerprint,
            record,
        },
    )
}
