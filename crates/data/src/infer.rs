//! A schema inferred from the files themselves, for a table nobody has described yet.
//!
//! The rule is deliberately simple, so a user can predict it and review the result: a
//! feature column is numeric when every present value (after trimming, missing markers
//! aside) parses as a finite number, otherwise categorical; the classes are the label's
//! distinct values. Integer labels that are exactly `0..k` stay integer labels (the
//! listings files); any other labels become text classes, ordered numerically when all are
//! integers and by bytes otherwise. Column order follows the first file's header.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use csv::ByteRecord;

use crate::load::{is_missing, parse_label, parse_number};
use crate::{DataError, Names, Schema};

/// What is known of one column after reading some rows.
#[derive(Debug, Default, Clone)]
struct Column {
    /// False once a present value fails to parse as a finite number.
    numeric: bool,
    /// Present values, and how many of them parse as finite numbers.
    present: usize,
    numbers: usize,
    /// Rows read (present or missing).
    rows: usize,
    /// Distinct present values, up to [`DISTINCT_CAP`].
    distinct: HashSet<Box<[u8]>>,
    /// Present values that look like dates (`2024-01-31`, `31/01/2024`).
    dates: usize,
    /// Present values with a space and more than [`TEXT_LENGTH`] bytes.
    long_text: usize,
}

/// Distinct values remembered per column: enough to see one per row in any table people
/// review by hand, bounded for huge files.
const DISTINCT_CAP: usize = 1_000_000;
/// A value longer than this with a space in it reads as free text, not a category.
const TEXT_LENGTH: usize = 40;
/// A numeric label with more distinct values than this is probably a regression target.
const MANY_NUMERIC_LABELS: usize = 20;
/// Share of present values that parse as numbers from which a categorical column is
/// "mostly numeric".
const MOSTLY_NUMERIC: f64 = 0.9;

/// Something suspicious about one column of an inferred schema, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The column.
    pub column: String,
    /// What was found and the suggested action, one line.
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "column {:?}: {}", self.column, self.message)
    }
}

impl Column {
    fn new() -> Self {
        Column {
            numeric: true,
            ..Column::default()
        }
    }

    fn see(&mut self, cell: &[u8]) {
        self.rows += 1;
        if is_missing(cell) {
            return;
        }
        self.present += 1;
        if parse_number(cell).is_ok() {
            self.numbers += 1;
        } else {
            self.numeric = false;
        }
        if self.distinct.len() < DISTINCT_CAP && !self.distinct.contains(cell) {
            self.distinct.insert(cell.into());
        }
        if looks_like_date(cell) {
            self.dates += 1;
        }
        if cell.len() > TEXT_LENGTH && cell.contains(&b' ') {
            self.long_text += 1;
        }
    }

    /// The suspicious things about this feature column, each with an action.
    fn warnings(&self, name: &str, rows: usize) -> Vec<Warning> {
        let warn = |message: String| Warning {
            column: name.to_string(),
            message,
        };
        let mut out = Vec::new();
        let distinct = self.distinct.len();
        if self.present == 0 {
            out.push(warn(format!(
                "every one of its {rows} values is missing: drop it from the features"
            )));
            return out;
        }
        if distinct == 1 {
            out.push(warn(
                "holds one value in every row (a constant): drop it from the features".into(),
            ));
            return out;
        }
        if self.present >= 20 && distinct == self.present {
            out.push(warn(format!(
                "a distinct value in each of its {} rows: an identifier (a row number or name), \
                 which can only predict the label by a leak; drop it from the features",
                self.present
            )));
        }
        if self.dates * 2 > self.present {
            out.push(warn(
                "its values look like dates, read as categories: drop it, or derive a numeric \
                 feature (a year, a day count) and declare that"
                    .into(),
            ));
        } else if self.long_text * 2 > self.present {
            out.push(warn(
                "its values look like free text (long, with spaces), read as categories: drop it \
                 from the features"
                    .into(),
            ));
        } else if !self.numeric && self.numbers as f64 >= MOSTLY_NUMERIC * self.present as f64 {
            out.push(warn(format!(
                "{} of its {} present values are numbers, so one text value made it \
                 categorical: fix or mark those cells missing and declare it `kind = \"numeric\"`",
                self.numbers, self.present
            )));
        }
        out
    }
}

/// `2024-01-31`, `2024/01/31`, `31/01/2024`, `31.01.2024`, with an optional time after.
fn looks_like_date(cell: &[u8]) -> bool {
    let day: &[u8] = cell
        .split(|&b| b == b' ' || b == b'T')
        .next()
        .unwrap_or_default();
    let parts: Vec<&[u8]> = day
        .split(|&b| b == b'-' || b == b'/' || b == b'.')
        .collect();
    let digits = |p: &[u8], n: std::ops::RangeInclusive<usize>| {
        n.contains(&p.len()) && p.iter().all(u8::is_ascii_digit)
    };
    parts.len() == 3
        && ((digits(parts[0], 4..=4) && digits(parts[1], 1..=2) && digits(parts[2], 1..=2))
            || (digits(parts[0], 1..=2) && digits(parts[1], 1..=2) && digits(parts[2], 4..=4)))
}

/// Infers a schema from the CSV files `paths` (the training file first), with `label` as
/// the class column. Every other column of the first file's header becomes a feature.
pub fn infer_schema(paths: &[&Path], label: &str) -> Result<Schema, DataError> {
    infer_schema_with_warnings(paths, label).map(|(schema, _)| schema)
}

/// [`infer_schema`], with a warning for each suspicious column: an identifier, a constant
/// or all-missing column, a mostly-numeric column read as categories, free text, dates, a
/// numeric label with many values, text classes that differ only in case or spaces.
pub fn infer_schema_with_warnings(
    paths: &[&Path],
    label: &str,
) -> Result<(Schema, Vec<Warning>), DataError> {
    let mut names: Vec<String> = Vec::new();
    let mut columns: Vec<Column> = Vec::new();
    let mut labels: BTreeSet<String> = BTreeSet::new();
    let mut rows = 0usize;
    for (f, path) in paths.iter().enumerate() {
        let file = path.display().to_string();
        let io = |e: csv::Error| DataError::Io {
            file: file.clone(),
            source: e.into(),
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_path(path)
            .map_err(io)?;
        let header: Vec<String> = reader
            .byte_headers()
            .map_err(io)?
            .iter()
            .map(|h| String::from_utf8_lossy(h.trim_ascii()).into_owned())
            .collect();
        let header: Vec<String> = header
            .into_iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        if f == 0 {
            names = header.clone();
            columns = vec![Column::new(); names.len()];
        }
        let position = |name: &str| header.iter().position(|h| h == name);
        let label_at = position(label).ok_or_else(|| DataError::MissingColumn {
            file: file.clone(),
            column: label.to_string(),
        })?;
        let at: Vec<Option<usize>> = names.iter().map(|n| position(n)).collect();
        let mut record = ByteRecord::new();
        while reader.read_byte_record(&mut record).map_err(io)? {
            let cell = |k: usize| record.get(k).unwrap_or_default().trim_ascii();
            rows += 1;
            let raw = cell(label_at);
            if !is_missing(raw) {
                labels.insert(canonical_label(raw));
            }
            for (c, k) in at.iter().enumerate() {
                if let Some(k) = *k {
                    columns[c].see(cell(k));
                }
            }
        }
    }
    let files = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" and ");
    let mut warnings = label_warnings(&labels, label);
    let (n_classes, classes) = classes(labels, &files, label)?;
    let mut schema = Schema {
        categorical: Vec::new(),
        numeric: Vec::new(),
        label: label.to_string(),
        n_classes,
        ranges: Vec::new(),
        classes,
        ordered: None,
        names: Names::default(),
    };
    for (name, column) in names.into_iter().zip(columns) {
        if name == label {
            continue;
        }
        warnings.extend(column.warnings(&name, rows));
        if column.numeric {
            schema.numeric.push(name);
        } else {
            schema.categorical.push(name);
        }
    }
    schema.check()?;
    Ok((schema, warnings))
}

/// A label cell as a class: a number written as a whole number in any spelling (`1`,
/// `1.0`, `01`) is that number, so pandas' floats and the integers are one class; any
/// other text is itself.
fn canonical_label(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw).into_owned();
    match parse_number(raw) {
        Ok(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
        _ => text,
    }
}

/// Warnings about the label's values: many numbers (a regression target, not classes), and
/// text classes that differ only in case or spaces.
fn label_warnings(labels: &BTreeSet<String>, column: &str) -> Vec<Warning> {
    let warn = |message: String| Warning {
        column: column.to_string(),
        message,
    };
    let mut out = Vec::new();
    let numeric = labels.iter().all(|l| parse_number(l.as_bytes()).is_ok());
    if numeric && labels.len() > MANY_NUMERIC_LABELS {
        out.push(warn(format!(
            "the label has {} distinct numeric values: probably a quantity to predict \
             (regression), not classes; bin it into a few classes, or choose another label",
            labels.len()
        )));
    }
    let fold = |l: &String| {
        l.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let mut seen: std::collections::BTreeMap<String, &String> = Default::default();
    for l in labels {
        if let Some(first) = seen.insert(fold(l), l) {
            out.push(warn(format!(
                "classes {first:?} and {l:?} differ only in case or spaces: if they are one \
                 class, make the files agree (each is a class of its own now)"
            )));
        }
    }
    out
}

/// The class count and texts of the distinct label values (empty texts: integer labels).
fn classes(
    labels: BTreeSet<String>,
    files: &str,
    column: &str,
) -> Result<(usize, Vec<String>), DataError> {
    let k = labels.len();
    if !(2..=256).contains(&k) {
        return Err(DataError::ClassCount {
            file: files.to_string(),
            column: column.to_string(),
            count: k,
        });
    }
    let integers: Option<Vec<u8>> = labels
        .iter()
        .map(|l| parse_label(l.as_bytes(), 256).ok())
        .collect();
    if let Some(mut values) = integers {
        values.sort_unstable();
        values.dedup();
        if values.len() == k && values.iter().enumerate().all(|(i, &v)| usize::from(v) == i) {
            return Ok((k, Vec::new()));
        }
    }
    let mut texts: Vec<String> = labels.into_iter().collect();
    let as_int = |t: &String| t.parse::<i64>().ok();
    if texts.iter().all(|t| as_int(t).is_some()) {
        texts.sort_by_key(|t| as_int(t));
    }
    Ok((k, texts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("infer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn kinds_and_classes_come_from_the_values() {
        let a = write(
            "a.csv",
            "id,colour,size,class\n1,red,1.5,yes\n2,blue,NA,no\n3, red ,2,yes\n",
        );
        let b = write("b.csv", "class,size,colour,id\nmaybe,3,green,4\n");
        let s = infer_schema(&[&a, &b], "class").unwrap();
        assert_eq!(s.categorical, ["colour"]);
        assert_eq!(s.numeric, ["id", "size"]);
        assert_eq!(s.classes, ["maybe", "no", "yes"]);
        assert_eq!(s.n_classes, 3);
        // A text value in the second file makes a column categorical.
        let c = write("c.csv", "class,size,colour,id\nno,big,green,4\n");
        let s = infer_schema(&[&a, &c], "class").unwrap();
        assert_eq!(s.categorical, ["colour", "size"]);
    }

    #[test]
    fn integer_labels_stay_integers_only_when_they_are_0_to_k() {
        let a = write("i.csv", "x,y\n1,0\n2,2.0\n3,1\n");
        let s = infer_schema(&[&a], "y").unwrap();
        assert!(s.classes.is_empty());
        assert_eq!(s.n_classes, 3);
        let b = write("j.csv", "x,y\n1,10\n2,9\n3,1\n");
        assert_eq!(infer_schema(&[&b], "y").unwrap().classes, ["1", "9", "10"]);
    }

    #[test]
    fn unusable_labels_are_errors_naming_the_column() {
        let one = write("one.csv", "x,y\n1,a\n2,a\n");
        let e = infer_schema(&[&one], "y").unwrap_err().to_string();
        assert!(
            e.ends_with(
                "column \"y\" has 1 distinct label values; a classifier needs 2 to 256 classes"
            ),
            "{e}"
        );
        let e = infer_schema(&[&one], "z").unwrap_err().to_string();
        assert!(e.ends_with("required column \"z\" is missing"), "{e}");
        let many: String = (0..300).map(|i| format!("1,c{i}\n")).collect();
        let many = write("many.csv", &format!("x,y\n{many}"));
        assert!(infer_schema(&[&many], "y").is_err());
    }
}
