//! `cargo xtask schemas`: the JSON Schema of every results file and of the model file,
//! generated from the Rust types that write them (schemars), into `docs/schemas/`.
//! `--check` fails when a shipped schema differs from what the types now say, so a record
//! that changes without its schema is caught (rerun the task to update them).

use std::path::PathBuf;

use experiments::fingerprint::Stamped;
use schemars::{Schema, schema_for};

/// Options of `schemas`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder the schemas are written to.
    #[arg(long, default_value = "docs/schemas")]
    out: PathBuf,
    /// Write nothing; fail if any shipped schema is missing or stale.
    #[arg(long)]
    check: bool,
}

/// Each results file (by its name in a results folder; `model` for `models/*.json`) and
/// the schema of the type written to it.
pub fn all() -> Vec<(&'static str, Schema)> {
    vec![
        (
            "summary",
            schema_for!(Stamped<'static, experiments::Summary>),
        ),
        ("config", schema_for!(Stamped<'static, experiments::Config>)),
        ("eda", schema_for!(Stamped<'static, experiments::PartA>)),
        ("part_b", schema_for!(Stamped<'static, experiments::PartB>)),
        ("part_c", schema_for!(Stamped<'static, experiments::PartC>)),
        ("part_d", schema_for!(Stamped<'static, experiments::PartD>)),
        ("q2", schema_for!(Stamped<'static, experiments::Q2>)),
        ("split", schema_for!(crate::all::SplitFile<'static>)),
        ("model", schema_for!(models::file::ModelFile)),
    ]
}

/// The schema as shipped: pretty JSON with a final newline.
fn text(schema: &Schema) -> String {
    let mut text = serde_json::to_string_pretty(schema).expect("a schema serialises");
    text.push('\n');
    text
}

pub fn run(args: Args) -> Result<(), String> {
    let mut stale = Vec::new();
    for (name, schema) in all() {
        let path = args.out.join(format!("{name}.schema.json"));
        let want = text(&schema);
        if args.check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
                stale.push(path.display().to_string());
            }
        } else {
            crate::output::write_atomic(&path, want.as_bytes())?;
        }
    }
    if !stale.is_empty() {
        return Err(format!(
            "schemas out of date (run `cargo xtask schemas`): {}",
            stale.join(", ")
        ));
    }
    if !args.check {
        eprintln!("wrote {} schemas to {}", all().len(), args.out.display());
    }
    Ok(())
}
