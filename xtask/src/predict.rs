//! `cargo xtask predict`: apply a saved model file to a CSV.

use std::path::PathBuf;

use data::{Label, Schema};
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
    /// Where to write one line per input row: class and the class probabilities.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: Args) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.model)
        .map_err(|e| format!("{}: {e}", args.model.display()))?;
    let model: ModelFile =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", args.model.display()))?;
    let mut schema = Schema::listings();
    schema.n_classes = model.layers.last().map_or(0, |l| l.bias.len());
    let loaded =
        data::load_csv_with(&args.input, &schema, Label::Optional).map_err(|e| e.to_string())?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
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
    header.extend((0..proba.ncols()).map(|k| format!("p_class_{k}")));
    w.write_record(&header).map_err(|e| e.to_string())?;
    for r in 0..proba.nrows() {
        let row = proba.row(r);
        let class = (0..proba.ncols())
            .max_by(|&a, &b| row[a].total_cmp(&row[b]).then(b.cmp(&a)))
            .unwrap_or(0);
        let mut record = vec![r.to_string(), class.to_string()];
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
