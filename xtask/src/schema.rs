//! `cargo xtask schema`: a schema inferred from the data files, printed for the user to
//! review and save (then passed back with `--schema FILE`).

use std::path::PathBuf;

/// Options of `schema`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder holding train.csv and test.csv.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["train", "test"])]
    data: Option<PathBuf>,
    /// Training CSV (with --test).
    #[arg(long, value_name = "FILE", requires = "test")]
    train: Option<PathBuf>,
    /// Test CSV (with --train).
    #[arg(long, value_name = "FILE", requires = "train")]
    test: Option<PathBuf>,
    /// The class label column.
    #[arg(long, value_name = "COLUMN")]
    label: String,
    /// Write the schema to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<(), String> {
    let (train, test) = match (&args.data, &args.train, &args.test) {
        (Some(dir), _, _) => (dir.join("train.csv"), dir.join("test.csv")),
        (None, Some(train), Some(test)) => (train.clone(), test.clone()),
        _ => return Err("schema: give the files with --data DIR or --train/--test".into()),
    };
    let (schema, warnings) = data::infer::infer_schema_with_warnings(&[&train, &test], &args.label)
        .map_err(|e| e.to_string())?;
    let files = format!("{} and {}", train.display(), test.display());
    let mut comments = String::new();
    for w in &warnings {
        eprintln!("warning: {files}: {w}");
        comments.push_str(&format!("# warning: {w}\n"));
    }
    if !comments.is_empty() {
        comments.push('\n');
    }
    let text = format!(
        "# Inferred from {files} (label {:?}): a column is numeric when every present value\n\
         # is a finite number, otherwise categorical. Review the kinds, add valid ranges\n\
         # (min, max), display names, class names and a title (docs/schema.md), then pass\n\
         # this file with --schema.\n\n{comments}{}",
        args.label,
        data::schema_file::to_toml(&schema)
    );
    match &args.out {
        Some(path) => crate::output::write_atomic(path, text.as_bytes()),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}
