//! Figures and the report, drawn from saved experiment records.
//!
//! Three layers: [`charts`] turns plain numbers into SVG text (generic; no experiment types),
//! [`figures`] and [`report`] turn the records of a run into those charts and into the
//! report's Markdown, and [`page`] turns Markdown plus SVGs into one self-contained HTML
//! file (no JavaScript, no network, no external CSS). Because this crate only reads
//! records, a report can be redrawn without retraining anything.
#![deny(missing_docs)]

pub mod charts;
pub mod figures;
pub mod numbering;
pub mod page;
pub mod report;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use experiments::fingerprint::{self, Fingerprint};
use experiments::{PartA, PartB, PartC, PartD, Q2, Summary, files};
use models::Activation;
use serde::de::DeserializeOwned;

pub use report::Quote;

/// The analytical parts of the report, written once in `docs/derivations.md`.
pub const DERIVATIONS: &str = include_str!("../../../docs/derivations.md");

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A results file could not be read or parsed.
    #[error("{path}: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A figure could not be drawn.
    #[error("figure {name}: {message}")]
    Figure {
        /// Its file stem.
        name: String,
        /// What went wrong.
        message: String,
    },
    /// Two records of the folder come from different runs.
    #[error(
        "{first} and {second} come from different runs (their fingerprints differ); rerun \
         `cargo xtask all` to make the records of one run"
    )]
    MixedRuns {
        /// The first record read.
        first: PathBuf,
        /// The record whose fingerprint differs from it.
        second: PathBuf,
    },
    /// A record carries no run fingerprint.
    #[error("{path}: no run fingerprint; rerun `cargo xtask all` to write the records again")]
    NoFingerprint {
        /// The file.
        path: PathBuf,
    },
    /// The Markdown links a figure that was not drawn.
    #[error("report links figures that were not drawn: {0}")]
    MissingFigures(String),
    /// Math in the Markdown that pulldown-latex cannot parse.
    #[error("report holds TeX that does not render: {0}")]
    Math(String),
    /// The prose cites a figure or table label that nothing defines.
    #[error(transparent)]
    Citation(#[from] numbering::UnknownLabel),
    /// A file could not be written.
    #[error("{path}: {message}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// The records of one run, as saved by `cargo xtask all`.
#[derive(Debug, Clone)]
pub struct Results {
    /// `summary.json`.
    pub summary: Summary,
    /// `eda.json`.
    pub part_a: PartA,
    /// `part_b.json`.
    pub part_b: PartB,
    /// `part_c.json`.
    pub part_c: PartC,
    /// `part_d.json`.
    pub part_d: PartD,
    /// `q2.json`.
    pub q2: Q2,
}

/// Reads the records of one folder, checking that every one carries the same fingerprint
/// as the first.
struct Reader<'a> {
    dir: &'a Path,
    first: Option<(PathBuf, Fingerprint)>,
}

impl Reader<'_> {
    fn read<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, ReportError> {
        let path = self.dir.join(name);
        let fail = |message: String| ReportError::Read {
            path: path.clone(),
            message,
        };
        let text = fs::read_to_string(&path).map_err(|e| fail(e.to_string()))?;
        let mut value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
        let stamp = value
            .as_object_mut()
            .and_then(|o| o.remove(fingerprint::KEY))
            .ok_or_else(|| ReportError::NoFingerprint { path: path.clone() })?;
        let stamp: Fingerprint =
            serde_json::from_value(stamp).map_err(|e| fail(format!("fingerprint: {e}")))?;
        match &self.first {
            None => self.first = Some((path.clone(), stamp)),
            Some((first, f)) if *f != stamp => {
                return Err(ReportError::MixedRuns {
                    first: first.clone(),
                    second: path,
                });
            }
            Some(_) => {}
        }
        serde_json::from_value(value).map_err(|e| fail(e.to_string()))
    }
}

impl Results {
    /// Reads the records from a results folder; refuses records without a fingerprint or
    /// from different runs.
    pub fn load(dir: &Path) -> Result<Self, ReportError> {
        let mut r = Reader { dir, first: None };
        let results = Results {
            summary: r.read(files::SUMMARY)?,
            part_a: r.read(files::PART_A)?,
            part_b: r.read(files::PART_B)?,
            part_c: r.read(files::PART_C)?,
            part_d: r.read(files::PART_D)?,
            q2: r.read(files::Q2)?,
        };
        r.read::<serde_json::Value>(files::CONFIG)?;
        Ok(results)
    }
}

/// `ReLU` or `sigmoid`, for people.
pub fn activation_label(activation: Activation) -> &'static str {
    match activation {
        Activation::Relu => "ReLU",
        Activation::Sigmoid => "sigmoid",
    }
}

/// A rendered report: Markdown, HTML, figures, and the numbers its prose quotes.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// `report.md`.
    pub markdown: String,
    /// `report.html`, self-contained.
    pub html: String,
    /// Figure file stem → SVG.
    pub figures: figures::Figures,
    /// Every number stated in the prose, with where it comes from.
    pub quotes: Vec<Quote>,
    /// The prose paragraphs with their quoted numbers marked (see [`report::unquoted`]) and
    /// their citations resolved (see [`numbering::without_citations`]).
    pub prose: Vec<String>,
}

/// Draws every figure and writes the report's text: numbers its figures and tables and
/// resolves the prose's citations of them (see [`numbering`]) in the Markdown and in the
/// marked prose alike, then renders the page.
pub fn render(results: &Results) -> Result<Rendered, ReportError> {
    let figures = figures::draw_all(results)?;
    let (markdown, quotes, prose) = report::write(results, DERIVATIONS).finish();
    let numbers = numbering::number(&markdown);
    let markdown = numbers.resolve(&numbers.markdown)?;
    let prose = prose
        .iter()
        .map(|p| numbers.resolve(p))
        .collect::<Result<Vec<_>, _>>()?;
    let missing = page::missing_figures(&markdown, &figures);
    if !missing.is_empty() {
        return Err(ReportError::MissingFigures(missing.join(", ")));
    }
    let bad_math = page::math_errors(&markdown);
    if !bad_math.is_empty() {
        return Err(ReportError::Math(bad_math.join("; ")));
    }
    let html = page::markdown_to_html(&report::title(&results.part_a.schema), &markdown, &figures);
    Ok(Rendered {
        markdown,
        html,
        figures,
        quotes,
        prose,
    })
}

/// Writes `bytes` to `path` through a hidden temporary file in the same folder
/// (`.name.XXXXXX.tmp`, a unique name, made with the usual permissions less the umask), then
/// renames it into place (`tempfile`'s persist), so an interrupted run never leaves a file
/// that looks complete. The one atomic write of the workspace (`xtask` uses it too).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    use std::os::unix::fs::PermissionsExt as _;
    let error = |message: String| ReportError::Write {
        path: path.to_path_buf(),
        message,
    };
    let fail = |e: std::io::Error| error(e.to_string());
    let name = path
        .file_name()
        .ok_or_else(|| error("not a file name".into()))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if path.is_dir() {
        return Err(error("is a directory, not a file".into()));
    }
    fs::create_dir_all(&dir).map_err(fail)?;
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(0o666))
        .tempfile_in(&dir)
        .map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// Writes `figures/*.svg`, `report.md` and `report.html` into `dir`.
pub fn write(dir: &Path, rendered: &Rendered) -> Result<(), ReportError> {
    for (name, svg) in &rendered.figures {
        write_atomic(
            &dir.join("figures").join(format!("{name}.svg")),
            svg.as_bytes(),
        )?;
    }
    write_atomic(&dir.join("report.md"), rendered.markdown.as_bytes())?;
    write_atomic(&dir.join("report.html"), rendered.html.as_bytes())
}
