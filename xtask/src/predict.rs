//! `cargo xtask predict`: apply a saved model file to a CSV.

use std::path::{Path, PathBuf};

use data::Label;
use models::file::ModelFile;

use crate::output::write_atomic;

/// Options of `predict`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A model file written by `cargo xtask all` (results/models/*.json).
    #[arg(long)]
    model: PathBuf,
    /// Rows to predict: a CSV with the feature columns (the label column is optional).
    #[arg(long)]
    input: PathBuf,
    /// Where to write one line per input row: the predicted class (as the label column
    /// writes it) and the class probabilities.
    #[arg(long)]
    out: PathBuf,
}

/// The absolute form of `path` with symbolic links resolved, also for a file that does not
/// exist yet (its folder resolved, its name appended); `None` if even the folder is missing.
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(path.file_name()?))
}

/// Refuses an `--out` that would overwrite the input or the model, or that is a folder.
fn check_out(args: &Args) -> Result<(), String> {
    if args.out.is_dir() {
        return Err(format!(
            "{}: is a directory; --out names the predictions file",
            args.out.display()
        ));
    }
    let out = resolved(&args.out);
    for (flag, other) in [("--input", &args.input), ("--model", &args.model)] {
        if out.is_some() && out == resolved(other) {
            return Err(format!(
                "{}: --out is the same file as {flag}; it would be overwritten",
                args.out.display()
            ));
        }
    }
    Ok(())
}

pub fn run(args: Args) -> Result<(), String> {
    check_out(&args)?;
    let text = std::fs::read_to_string(&args.model)
        .map_err(|e| format!("{}: {e}", args.model.display()))?;
    let model: ModelFile =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", args.model.display()))?;
    model
        .check()
        .map_err(|e| format!("{}: {e}", args.model.display()))?;
    // The model reads rows, and names classes, with the schema it was trained on.
    let schema = model.preprocessor.schema().clone();
    if schema.n_classes != model.n_classes() {
        return Err(format!(
            "{}: model file is inconsistent: {} output classes for a schema of {}",
            args.model.display(),
            model.n_classes(),
            schema.n_classes
        ));
    }
    let loaded =
        data::load_csv_with(&args.input, &schema, Label::Optional).map_err(|e| e.to_string())?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    // Out-of-range values are predicted as missing (imputed), as in training.
    for finding in &loaded.table.out_of_range {
        eprintln!("warning: {}", finding.warning(&loaded.table.source));
    }
    let design = model
        .preprocessor
        .transform_all(&loaded.table)
        .map_err(|e| e.to_string())?;
    let proba = model
        .predict_proba(design.x.as_ref())
        .map_err(|e| format!("{}: {e}", args.model.display()))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["row".to_string(), "predicted_class".to_string()];
    // Integer labels keep their `p_class_k` columns; text classes are named by their text.
    header.extend((0..proba.ncols()).map(|k| match schema.classes.get(k) {
        Some(text) => format!("p_{text}"),
        None => format!("p_class_{k}"),
    }));
    w.write_record(&header).map_err(|e| e.to_string())?;
    for r in 0..proba.nrows() {
        let row = proba.row(r);
        if row.iter().any(|p| !p.is_finite()) {
            return Err(format!(
                "{}:{}: the model gives no finite class probabilities for this row \
                 (its values are too extreme for the network); nothing written",
                args.input.display(),
                loaded.table.lines[r]
            ));
        }
        let class = (0..proba.ncols())
            .max_by(|&a, &b| row[a].total_cmp(&row[b]).then(b.cmp(&a)))
            .unwrap_or(0);
        let mut record = vec![r.to_string(), schema.class_value(class)];
        record.extend((0..proba.ncols()).map(|k| row[k].to_string()));
        w.write_record(&record).map_err(|e| e.to_string())?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    write_atomic(&args.out, &bytes)?;
    eprintln!(
        "wrote {} predictions to {}",
        proba.nrows(),
        args.out.display()
    );
    Ok(())
}
