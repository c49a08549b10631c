//! Writing results so that a failed or killed run never loses earlier results or leaves a
//! file that looks complete.
//!
//! Single files (`synth`, `predict`) are written to a hidden temporary file beside the
//! target and renamed. A results folder (`all`, `eda`, `part-*`, `q2`, `report`) is written
//! through a [`Staging`] folder: a hidden sibling that starts as a copy of the current
//! results (hard links, so it costs no space) and replaces the results folder only when the
//! task has finished. A killed run leaves only the hidden staging folder, which the next run
//! removes.

use std::fs;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically ([`reporting::write_atomic`]).
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

/// Writes a model file after [`models::file::ModelFile::check`]: a model file never holds a
/// null, a NaN or shapes that disagree.
pub fn write_model(path: &Path, file: &models::file::ModelFile) -> Result<(), String> {
    file.check()
        .map_err(|e| format!("{}: not written: {e}", path.display()))?;
    write_json(path, file)
}

/// A results folder being rewritten; see the module documentation.
#[derive(Debug)]
pub struct Staging {
    /// The results folder as the user named it (for messages).
    target: PathBuf,
    /// Its absolute form.
    absolute: PathBuf,
    /// The hidden folder written into.
    stage: PathBuf,
    /// Where the previous results sit for the moment of the swap.
    old: PathBuf,
    committed: bool,
}

impl Staging {
    /// Prepares to rewrite the results folder `target`: refuses a `target` that is a file,
    /// finishes or cleans up after a killed run, and seeds the staging folder with the
    /// current results.
    pub fn begin(target: &Path) -> Result<Staging, String> {
        let shown = target.display();
        let fail = |e: std::io::Error| format!("{shown}: {e}");
        if target.exists() && !target.is_dir() {
            return Err(format!("{shown}: is not a directory"));
        }
        let absolute = if target.exists() {
            fs::canonicalize(target).map_err(fail)?
        } else {
            let name = target
                .file_name()
                .ok_or_else(|| format!("{shown}: cannot be a results folder"))?;
            let parent = match target.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            fs::create_dir_all(&parent).map_err(fail)?;
            fs::canonicalize(&parent).map_err(fail)?.join(name)
        };
        let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name()) else {
            return Err(format!("{shown}: cannot be a results folder"));
        };
        let hidden = |suffix: &str| {
            let mut n = std::ffi::OsString::from(".");
            n.push(name);
            n.push(suffix);
            parent.join(n)
        };
        let (stage, old) = (hidden(".staging"), hidden(".old"));
        // A run killed between the two renames of `commit` left the results in `old`.
        if !absolute.exists() && old.is_dir() {
            fs::rename(&old, &absolute).map_err(fail)?;
        }
        for leftover in [&stage, &old] {
            if leftover.exists() {
                fs::remove_dir_all(leftover).map_err(fail)?;
            }
        }
        fs::create_dir(&stage).map_err(fail)?;
        let staging = Staging {
            target: target.to_path_buf(),
            absolute,
            stage,
            old,
            committed: false,
        };
        if staging.absolute.is_dir() {
            link_tree(&staging.absolute, &staging.stage).map_err(fail)?;
        }
        Ok(staging)
    }

    /// Runs `write` on the staging folder; its messages name the results folder rather than
    /// the hidden one.
    pub fn write(&self, write: impl FnOnce(&Path) -> Result<(), String>) -> Result<(), String> {
        write(&self.stage).map_err(|e| {
            e.replace(
                &self.stage.display().to_string(),
                &self.target.display().to_string(),
            )
        })
    }

    /// Replaces the results folder with the staging folder.
    pub fn commit(mut self) -> Result<(), String> {
        let fail = |e: std::io::Error| format!("{}: {e}", self.target.display());
        if self.absolute.exists() {
            fs::rename(&self.absolute, &self.old).map_err(fail)?;
        }
        if let Err(e) = fs::rename(&self.stage, &self.absolute) {
            let _ = fs::rename(&self.old, &self.absolute);
            return Err(fail(e));
        }
        self.committed = true;
        let _ = fs::remove_dir_all(&self.old);
        Ok(())
    }
}

impl Drop for Staging {
    /// An unfinished run leaves nothing behind: the results folder was never touched.
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.stage);
        }
    }
}

/// Recreates the tree `from` under `to` with hard links (copies where linking fails).
/// Writers replace files by renaming, so a linked file is never changed in place.
fn link_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let (source, dest) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            fs::create_dir(&dest)?;
            link_tree(&source, &dest)?;
        } else if kind.is_file() {
            if fs::hard_link(&source, &dest).is_err() {
                fs::copy(&source, &dest)?;
            }
        } else if kind.is_symlink() {
            let link = fs::read_link(&source)?;
            std::os::unix::fs::symlink(link, &dest)?;
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-out-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_failed_write_leaves_the_old_results_and_no_staging_folder() {
        let root = scratch("fail");
        let results = root.join("results");
        fs::create_dir_all(results.join("models")).unwrap();
        fs::write(results.join("a.json"), "old").unwrap();
        fs::write(results.join("models/m.json"), "old model").unwrap();
        let staging = Staging::begin(&results).unwrap();
        let e = staging
            .write(|dir| {
                write_json(&dir.join("a.json"), &"new")?;
                Err(format!("{}: disk full", dir.join("b.json").display()))
            })
            .unwrap_err();
        assert_eq!(
            e,
            format!("{}: disk full", results.join("b.json").display())
        );
        drop(staging);
        assert_eq!(fs::read_to_string(results.join("a.json")).unwrap(), "old");
        assert_eq!(listing(&root), ["results"]);
    }

    #[test]
    fn a_finished_write_replaces_the_folder_keeping_other_files() {
        let root = scratch("ok");
        let results = root.join("results");
        fs::create_dir_all(results.join("models")).unwrap();
        fs::write(results.join("a.json"), "old").unwrap();
        fs::write(results.join("models/m.json"), "old model").unwrap();
        // Leftovers of a killed run are cleaned.
        fs::create_dir_all(root.join(".results.staging/x")).unwrap();
        let staging = Staging::begin(&results).unwrap();
        staging
            .write(|dir| write_json(&dir.join("a.json"), &"new"))
            .unwrap();
        staging.commit().unwrap();
        assert_eq!(
            fs::read_to_string(results.join("a.json")).unwrap(),
            "\"new\"\n"
        );
        assert_eq!(
            fs::read_to_string(results.join("models/m.json")).unwrap(),
            "old model"
        );
        assert_eq!(listing(&root), ["results"]);
        assert_eq!(listing(&results), ["a.json", "models"]);
    }

    #[test]
    fn a_run_killed_between_the_renames_is_recovered() {
        let root = scratch("killed");
        fs::create_dir_all(root.join(".results.old")).unwrap();
        fs::write(root.join(".results.old/a.json"), "kept").unwrap();
        let results = root.join("results");
        let staging = Staging::begin(&results).unwrap();
        assert_eq!(
            fs::read_to_string(staging.stage.join("a.json")).unwrap(),
            "kept"
        );
        drop(staging);
        assert_eq!(listing(&root), ["results"]);
    }

    #[test]
    fn a_file_is_not_a_results_folder() {
        let root = scratch("file");
        let file = root.join("results");
        fs::write(&file, "x").unwrap();
        assert_eq!(
            Staging::begin(&file).unwrap_err(),
            format!("{}: is not a directory", file.display())
        );
        assert!(
            write_atomic(&root, b"x")
                .unwrap_err()
                .contains("is a directory")
        );
        write_atomic(&root.join("p.csv"), b"x").unwrap();
        assert_eq!(listing(&root), ["p.csv", "results"]);
    }
}
