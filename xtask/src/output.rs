//! Writing results so that a failed or killed run never loses earlier results or leaves a
//! file that looks complete.
//!
//! Single files (`synth`, `predict`) are written to a hidden temporary file beside the
//! target and renamed (`tempfile`'s persist). A results folder (`all`, `eda`, `part-*`,
//! `q2`, `report`) is written through a [`Staging`] folder: the folder is locked for the
//! run (a second run into it fails at once), the run writes into a hidden staging folder of
//! its own inside it, and only when the task has finished are its files moved into place.
//! The folder itself (its mode, owner, and every file the tool did not write) is kept; a
//! whole run (`all`) removes the files its predecessor wrote and it did not (by the
//! manifest [`MANIFEST`]). A killed run leaves only its hidden staging folder, which the
//! next run removes.

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

/// Whether a run's files replace the previous run's set, or join it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// `all`: the files of the previous run (its manifest) that this run does not write are
    /// removed, so the folder holds one run's files.
    Run,
    /// A single part (`eda`, `part-*`, `q2`) or `report`: its files join those of the same
    /// run already there.
    Part,
}

/// A results folder being written; see the module documentation.
#[derive(Debug)]
pub struct Staging {
    /// The results folder as the user named it (for messages).
    target: PathBuf,
    /// The folder opened and locked for as long as this run writes it.
    _lock: fs::File,
    /// The hidden folder written into, inside the results folder.
    stage: tempfile::TempDir,
    replace: Replace,
    /// This run made the results folder (a failed run removes it again, when empty).
    created: bool,
    committed: bool,
}

/// The manifest of the files the last runs wrote into a results folder (one relative path
/// a line), so a later `all` removes its predecessor's files and nothing else.
pub const MANIFEST: &str = ".xtask-files";

/// Prefix of the staging folders (one per run, a random suffix after it).
const STAGE_PREFIX: &str = ".staging-";

impl Staging {
    /// Prepares to write into the results folder `target`: refuses a `target` that is a
    /// file, creates it if absent, takes its lock (failing at once when another run holds
    /// it), removes what killed runs left, and makes this run's staging folder.
    pub fn begin(target: &Path, replace: Replace) -> Result<Staging, String> {
        let shown = target.display();
        let fail = |e: std::io::Error| format!("{shown}: {e}");
        if target.exists() && !target.is_dir() {
            return Err(format!("{shown}: is not a directory"));
        }
        if target.file_name().is_none() && !target.is_dir() {
            return Err(format!("{shown}: cannot be a results folder"));
        }
        let created = !target.exists();
        fs::create_dir_all(target).map_err(fail)?;
        let lock = fs::File::open(target).map_err(fail)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(format!(
                    "{shown}: is in use by another run (its lock is held); wait for that run to \
                     finish or choose another --out"
                ));
            }
            Err(fs::TryLockError::Error(e)) => return Err(fail(e)),
        }
        // With the lock held no other run is writing here: leftovers are a killed run's.
        for entry in fs::read_dir(target).map_err(fail)? {
            let entry = entry.map_err(fail)?;
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(STAGE_PREFIX)
            {
                fs::remove_dir_all(entry.path()).map_err(fail)?;
            }
        }
        let stage = tempfile::Builder::new()
            .prefix(STAGE_PREFIX)
            .tempdir_in(target)
            .map_err(fail)?;
        Ok(Staging {
            target: target.to_path_buf(),
            _lock: lock,
            stage,
            replace,
            created,
            committed: false,
        })
    }

    /// Refuses, for a single part, a folder holding records of another run: its
    /// `summary.json` and other records would sit beside this part's without a word.
    pub fn refuse_other_runs(
        &self,
        fingerprint: &experiments::fingerprint::Fingerprint,
    ) -> Result<(), String> {
        let Ok(entries) = fs::read_dir(&self.target) else {
            return Ok(());
        };
        let mut names: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        for path in names {
            let Ok(text) = fs::read_to_string(&path) else {
                continue;
            };
            let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            let Some(theirs) = value.get(experiments::fingerprint::KEY) else {
                continue;
            };
            let same =
                serde_json::from_value::<experiments::fingerprint::Fingerprint>(theirs.clone())
                    .is_ok_and(|f| &f == fingerprint);
            if !same {
                return Err(format!(
                    "{}: holds the records of another run ({} has other data, seed or \
                     settings); a single part writes only beside records of its own run: \
                     choose another --out, or run `all` there",
                    self.target.display(),
                    path.file_name().unwrap_or_default().to_string_lossy()
                ));
            }
        }
        Ok(())
    }

    /// The hidden folder this run writes into.
    #[cfg(test)]
    pub fn dir(&self) -> &Path {
        self.stage.path()
    }

    /// Runs `write` on the staging folder; its messages name the results folder rather than
    /// the hidden one.
    pub fn write(&self, write: impl FnOnce(&Path) -> Result<(), String>) -> Result<(), String> {
        write(self.stage.path()).map_err(|e| {
            e.replace(
                &self.stage.path().display().to_string(),
                &self.target.display().to_string(),
            )
        })
    }

    /// Moves every staged file into the results folder (first checking that each can go
    /// where it goes, so a file in the way fails before anything moves), then, for a whole
    /// run, removes the previous run's files that this run did not write, and records the
    /// manifest. The folder itself, and every file no run of this tool wrote, stay as they
    /// were.
    pub fn commit(mut self) -> Result<(), String> {
        let written = files_under(self.stage.path()).map_err(|e| self.fail(e))?;
        for rel in &written {
            let dest = self.target.join(rel);
            if dest.is_dir() {
                return Err(format!("{}: is a directory, not a file", dest.display()));
            }
            let mut parent = rel.parent();
            while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
                let at = self.target.join(p);
                if at.exists() && !at.is_dir() {
                    return Err(format!("{}: is not a directory", at.display()));
                }
                parent = p.parent();
            }
        }
        let previous = self.manifest();
        for rel in &written {
            let dest = self.target.join(rel);
            if let Some(parent) = dest.parent() {
                fs::create_dir_all(parent).map_err(|e| self.fail(e))?;
            }
            fs::rename(self.stage.path().join(rel), &dest)
                .map_err(|e| format!("{}: {e}", dest.display()))?;
        }
        let mut listed: Vec<PathBuf> = written.clone();
        match self.replace {
            Replace::Run => {
                for rel in previous.iter().filter(|p| !written.contains(p)) {
                    let _ = fs::remove_file(self.target.join(rel));
                }
            }
            Replace::Part => listed.extend(previous),
        }
        listed.sort();
        listed.dedup();
        let text: String = listed
            .iter()
            .map(|p| format!("{}\n", p.display()))
            .collect();
        self.committed = true;
        write_atomic(&self.target.join(MANIFEST), text.as_bytes())
    }

    /// The files the last runs wrote here, by their manifest (relative, without `..`).
    fn manifest(&self) -> Vec<PathBuf> {
        let text = fs::read_to_string(self.target.join(MANIFEST)).unwrap_or_default();
        text.lines()
            .map(PathBuf::from)
            .filter(|p| {
                p.components()
                    .all(|c| matches!(c, std::path::Component::Normal(_)))
            })
            .collect()
    }

    fn fail(&self, e: std::io::Error) -> String {
        format!("{}: {e}", self.target.display())
    }
}

impl Drop for Staging {
    /// An unfinished run leaves the folder as it found it: its staging folder goes (with
    /// the `TempDir`), and so does the results folder when this run made it.
    fn drop(&mut self) {
        if !self.committed && self.created {
            let _ = fs::remove_dir_all(self.stage.path());
            let _ = fs::remove_dir(&self.target);
        }
    }
}

/// Every file under `dir`, as paths relative to it, sorted.
fn files_under(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for entry in fs::read_dir(dir.join(&rel))? {
            let entry = entry?;
            let path = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
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
    use std::os::unix::fs::PermissionsExt;

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
        let staging = Staging::begin(&results, Replace::Run).unwrap();
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
        assert_eq!(listing(&results), ["a.json", "models"]);
    }

    #[test]
    fn a_run_replaces_its_predecessors_files_and_keeps_the_folder_and_the_rest() {
        let root = scratch("ok");
        let results = root.join("results");
        fs::create_dir_all(&results).unwrap();
        fs::set_permissions(&results, fs::Permissions::from_mode(0o2750)).unwrap();
        fs::write(results.join("notes.txt"), "mine").unwrap();
        // A staging folder of a killed run is removed.
        fs::create_dir_all(results.join(".staging-x/half")).unwrap();
        let first = Staging::begin(&results, Replace::Run).unwrap();
        first
            .write(|dir| {
                write_json(&dir.join("a.json"), &"one")?;
                write_json(&dir.join("models/old.json"), &"one")
            })
            .unwrap();
        first.commit().unwrap();
        let second = Staging::begin(&results, Replace::Run).unwrap();
        second
            .write(|dir| write_json(&dir.join("a.json"), &"two"))
            .unwrap();
        second.commit().unwrap();
        assert_eq!(
            fs::read_to_string(results.join("a.json")).unwrap(),
            "\"two\"\n"
        );
        assert_eq!(
            listing(&results),
            [MANIFEST, "a.json", "models", "notes.txt"]
        );
        assert!(listing(&results.join("models")).is_empty());
        let mode = fs::metadata(&results).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o2750);
        // A part joins the run's files instead of replacing them.
        let part = Staging::begin(&results, Replace::Part).unwrap();
        part.write(|dir| write_json(&dir.join("b.json"), &"part"))
            .unwrap();
        part.commit().unwrap();
        let manifest = fs::read_to_string(results.join(MANIFEST)).unwrap();
        assert_eq!(manifest, "a.json\nb.json\n");
    }

    #[test]
    fn a_second_run_into_a_locked_folder_fails_at_once_naming_it() {
        let root = scratch("locked");
        let results = root.join("results");
        let first = Staging::begin(&results, Replace::Run).unwrap();
        let e = Staging::begin(&results, Replace::Run).unwrap_err();
        assert_eq!(
            e,
            format!(
                "{}: is in use by another run (its lock is held); wait for that run to finish \
                 or choose another --out",
                results.display()
            )
        );
        // The first run's staging folder is untouched by the refused one.
        assert!(first.dir().is_dir());
        drop(first);
        assert!(Staging::begin(&results, Replace::Run).is_ok());
    }

    #[test]
    fn a_file_in_the_way_fails_before_anything_moves() {
        let root = scratch("in-the-way");
        let results = root.join("results");
        fs::create_dir_all(results.join("report.md")).unwrap();
        let staging = Staging::begin(&results, Replace::Run).unwrap();
        staging
            .write(|dir| {
                write_json(&dir.join("a.json"), &"new")?;
                write_json(&dir.join("report.md"), &"new")
            })
            .unwrap();
        let e = staging.commit().unwrap_err();
        assert_eq!(
            e,
            format!(
                "{}: is a directory, not a file",
                results.join("report.md").display()
            )
        );
        assert_eq!(listing(&results), ["report.md"]);
    }

    #[test]
    fn a_file_is_not_a_results_folder() {
        let root = scratch("file");
        let file = root.join("results");
        fs::write(&file, "x").unwrap();
        assert_eq!(
            Staging::begin(&file, Replace::Run).unwrap_err(),
            format!("{}: is not a directory", file.display())
        );
        assert!(
            write_atomic(&root, b"x")
                .unwrap_err()
                .contains("is a directory")
        );
        write_atomic(&root.join("p.csv"), b"x").unwrap();
        assert_eq!(listing(&root), ["p.csv", "results"]);
        let mode = fs::metadata(root.join("p.csv"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode & 0o644, 0o644, "{mode:o}");
    }
}
