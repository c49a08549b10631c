//! Reading a CSV file into a validated [`Table`].
//!
//! Records are read as raw bytes (one reused buffer, no allocation per row) so that invalid
//! UTF-8 is reported with its line and column instead of failing the whole read. Every cell
//! is trimmed of ASCII whitespace; a trimmed cell that is empty or one of [`MISSING`] is a
//! missing value. Line numbers are those of the line where a record *starts*, as an editor
//! shows it, even when an earlier quoted field spans several lines.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use csv::ByteRecord;

use crate::error::{DataError, Problem, quote};
use crate::lines::LineTracker;
use crate::{Categorical, Schema, Table};

/// Cell texts (after trimming) that mean "missing", as pandas writes or reads them.
pub const MISSING: [&str; 7] = ["", "NA", "N/A", "NaN", "nan", "null", "None"];

/// A loaded table and what the loader noticed but tolerated.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The validated table.
    pub table: Table,
    /// Tolerated oddities (extra columns), one line each, for the caller to show.
    pub warnings: Vec<String>,
    /// Whether every row has a label. Only [`Label::Optional`] loads a file without the
    /// label column or with blank label cells; such rows carry label 0, which means nothing.
    pub labelled: bool,
}

/// Whether the label column must be present: it must for training and evaluation; new rows
/// to predict may come without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Label {
    /// A missing label column is an error.
    #[default]
    Required,
    /// A missing label column is allowed (prediction input).
    Optional,
}

/// Loads the CSV file at `path`; errors and [`Table::source`] name it as given.
pub fn load_csv(path: &Path, schema: &Schema) -> Result<Loaded, DataError> {
    load_csv_with(path, schema, Label::Required)
}

/// Like [`load_csv`], with the label column required or optional.
pub fn load_csv_with(path: &Path, schema: &Schema, label: Label) -> Result<Loaded, DataError> {
    let file = path.display().to_string();
    let reader = File::open(path).map_err(|source| DataError::Io {
        file: file.clone(),
        source,
    })?;
    read_csv_with(reader, &file, schema, label)
}

/// Reads CSV text from `reader`; `source` names it in errors and in [`Table::source`].
///
/// The header must hold every column of `schema` (in any order); other columns are ignored
/// with a warning.
pub fn read_csv<R: Read>(reader: R, source: &str, schema: &Schema) -> Result<Loaded, DataError> {
    read_csv_with(reader, source, schema, Label::Required)
}

/// Like [`read_csv`], with the label column required or optional.
pub fn read_csv_with<R: Read>(
    reader: R,
    source: &str,
    schema: &Schema,
    label: Label,
) -> Result<Loaded, DataError> {
    schema.check()?;
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(LineTracker::new(reader));
    let mut record = ByteRecord::new();
    let Some(header_line) = next_record(&mut csv, &mut record, source)? else {
        return Err(DataError::EmptyFile {
            file: source.to_string(),
        });
    };
    let (layout, warnings) = Layout::from_header(&record, header_line, source, schema, label)?;
    let mut builder = Builder::new(schema, source);
    while let Some(line) = next_record(&mut csv, &mut record, source)? {
        builder.push(&record, line, &layout)?;
    }
    if builder.labels.is_empty() {
        return Err(DataError::NoRows {
            file: source.to_string(),
        });
    }
    Ok(Loaded {
        labelled: layout.label.is_some() && builder.unlabelled == 0,
        table: builder.finish(),
        warnings,
    })
}

/// Reads the next record into `record` and returns the line it starts on; `None` at the
/// end of input.
fn next_record<R: Read>(
    csv: &mut csv::Reader<LineTracker<R>>,
    record: &mut ByteRecord,
    source: &str,
) -> Result<Option<u64>, DataError> {
    let more = csv.read_byte_record(record).map_err(|e| DataError::Io {
        file: source.to_string(),
        source: e.into(),
    })?;
    let start = record.position().map_or(0, |p| p.byte());
    if let Some((at, line)) = csv.get_ref().unclosed_quote()
        && more
        && at >= start
    {
        return Err(DataError::UnclosedQuote {
            file: source.to_string(),
            line,
        });
    }
    Ok(more.then(|| csv.get_mut().start_line(start)))
}

/// True when a trimmed cell marks a missing value.
pub(crate) fn is_missing(trimmed: &[u8]) -> bool {
    MISSING.iter().any(|m| m.as_bytes() == trimmed)
}

/// Where each schema column sits in the records of one file.
#[derive(Debug)]
struct Layout {
    /// Header names (lossless: the header was checked to be UTF-8).
    names: Vec<String>,
    /// Field index of each categorical column of the schema.
    categorical: Vec<usize>,
    /// Field index of each numeric column of the schema.
    numeric: Vec<usize>,
    /// Field index of the label column, if present.
    label: Option<usize>,
    /// Whether a blank label cell is allowed ([`Label::Optional`]).
    label_optional: bool,
}

impl Layout {
    fn from_header(
        header: &ByteRecord,
        line: u64,
        source: &str,
        schema: &Schema,
        label_policy: Label,
    ) -> Result<(Layout, Vec<String>), DataError> {
        let mut names = Vec::with_capacity(header.len());
        for (k, field) in header.iter().enumerate() {
            let name =
                std::str::from_utf8(field.trim_ascii()).map_err(|_| DataError::BadHeader {
                    file: source.to_string(),
                    line,
                    field: k + 1,
                    text: quote(field),
                })?;
            names.push(name.to_string());
        }
        let find = |column: &String| -> Result<usize, DataError> {
            let mut hits = names.iter().enumerate().filter(|(_, n)| *n == column);
            let first = hits.next().map(|(k, _)| k);
            match (first, hits.next()) {
                (Some(k), None) => Ok(k),
                (Some(_), Some(_)) => Err(DataError::DuplicateColumn {
                    file: source.to_string(),
                    line,
                    column: column.clone(),
                }),
                (None, _) => Err(DataError::MissingColumn {
                    file: source.to_string(),
                    column: column.clone(),
                }),
            }
        };
        let categorical = schema
            .categorical
            .iter()
            .map(find)
            .collect::<Result<_, _>>()?;
        let numeric = schema.numeric.iter().map(find).collect::<Result<_, _>>()?;
        let label = match (find(&schema.label), label_policy) {
            (Ok(k), _) => Some(k),
            (Err(DataError::MissingColumn { .. }), Label::Optional) => None,
            (Err(e), _) => return Err(e),
        };
        let required: Vec<&String> = schema
            .feature_columns()
            .chain(std::iter::once(schema.label.as_str()))
            .filter_map(|c| names.iter().find(|n| *n == c))
            .collect();
        let warnings = names
            .iter()
            .filter(|n| !required.contains(n))
            .map(|n| {
                let n = quote(n.as_bytes());
                format!("{source}:{line}: column {n:?} is not in the schema; ignored")
            })
            .collect();
        Ok((
            Layout {
                names,
                categorical,
                numeric,
                label,
                label_optional: label_policy == Label::Optional,
            },
            warnings,
        ))
    }
}

/// One categorical column under construction: levels in first-seen order until `finish`.
#[derive(Debug, Default)]
struct LevelsBuilder {
    index: HashMap<Box<[u8]>, u32>,
    levels: Vec<String>,
    codes: Vec<Option<u32>>,
}

impl LevelsBuilder {
    /// The code of `trimmed`, adding it as a new level if unseen. Only new levels need a
    /// UTF-8 check: a known level's bytes were checked when it was added.
    fn code(&mut self, trimmed: &[u8]) -> Result<u32, Problem> {
        if let Some(&code) = self.index.get(trimmed) {
            return Ok(code);
        }
        let level = std::str::from_utf8(trimmed).map_err(|_| Problem::NotUtf8)?;
        let code = u32::try_from(self.levels.len()).map_err(|_| Problem::TooManyLevels)?;
        self.index.insert(trimmed.into(), code);
        self.levels.push(level.to_string());
        Ok(code)
    }

    /// Sorts the levels (byte order) and remaps the codes to match.
    fn finish(self) -> Categorical {
        let mut order: Vec<usize> = (0..self.levels.len()).collect();
        order.sort_by(|&a, &b| self.levels[a].cmp(&self.levels[b]));
        let mut remap = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            // `new < levels.len()`, which `code` kept within u32.
            remap[old] = new as u32;
        }
        let mut levels = self.levels;
        let sorted = order
            .iter()
            .map(|&old| std::mem::take(&mut levels[old]))
            .collect();
        let codes = self
            .codes
            .into_iter()
            .map(|c| c.map(|c| remap[c as usize]))
            .collect();
        Categorical {
            levels: sorted,
            codes,
        }
    }
}

/// The columns of a table under construction.
#[derive(Debug)]
struct Builder<'a> {
    schema: &'a Schema,
    source: &'a str,
    categorical: Vec<LevelsBuilder>,
    numeric: Vec<Vec<f64>>,
    /// The schema range of each numeric column, if any.
    ranges: Vec<Option<&'a crate::ValidRange>>,
    /// Values outside the range, per numeric column.
    outside: Vec<usize>,
    labels: Vec<u8>,
    lines: Vec<u64>,
    /// Rows whose optional label cell was blank.
    unlabelled: usize,
    /// Class index of each declared label text (empty: integer labels).
    classes: HashMap<&'a [u8], u8>,
}

impl<'a> Builder<'a> {
    fn new(schema: &'a Schema, source: &'a str) -> Self {
        Builder {
            schema,
            source,
            categorical: schema
                .categorical
                .iter()
                .map(|_| LevelsBuilder::default())
                .collect(),
            numeric: vec![Vec::new(); schema.numeric.len()],
            ranges: schema.numeric.iter().map(|c| schema.range_of(c)).collect(),
            outside: vec![0; schema.numeric.len()],
            labels: Vec::new(),
            lines: Vec::new(),
            unlabelled: 0,
            // `Schema::check` keeps the class count within u8.
            classes: schema
                .classes
                .iter()
                .enumerate()
                .map(|(k, c)| (c.as_bytes(), k as u8))
                .collect(),
        }
    }

    /// The class of a label cell: a declared text, or an integer when none are declared.
    fn class(&self, raw: &[u8]) -> Result<u8, Problem> {
        if self.classes.is_empty() {
            return parse_label(raw, self.schema.n_classes);
        }
        let trimmed = raw.trim_ascii();
        if is_missing(trimmed) {
            return Err(Problem::MissingLabel);
        }
        self.classes
            .get(trimmed)
            .copied()
            .ok_or(Problem::UnknownClass {
                n_classes: self.schema.n_classes,
            })
    }

    /// Validates one record and appends it.
    fn push(&mut self, record: &ByteRecord, line: u64, layout: &Layout) -> Result<(), DataError> {
        let expected = layout.names.len();
        if record.len() != expected {
            let detail = match record.get(expected) {
                Some(extra) => format!("surplus field {:?}", quote(extra)),
                None => format!("column {:?} is absent", layout.names[record.len()]),
            };
            return Err(DataError::FieldCount {
                file: self.source.to_string(),
                line,
                expected,
                found: record.len(),
                detail,
            });
        }
        let cell = |k: usize| record.get(k).unwrap_or_default();
        let fail = |column: &String, raw: &[u8], problem| DataError::Parse {
            file: self.source.to_string(),
            line,
            column: column.clone(),
            text: quote(raw),
            problem,
        };
        for (c, &k) in layout.categorical.iter().enumerate() {
            let raw = cell(k);
            let trimmed = raw.trim_ascii();
            let column = &mut self.categorical[c];
            let code = if is_missing(trimmed) {
                None
            } else {
                let code = column.code(trimmed);
                Some(code.map_err(|p| fail(&self.schema.categorical[c], raw, p))?)
            };
            column.codes.push(code);
        }
        for (c, &k) in layout.numeric.iter().enumerate() {
            let raw = cell(k);
            let mut value = parse_number(raw).map_err(|p| fail(&self.schema.numeric[c], raw, p))?;
            if let Some(range) = self.ranges[c]
                && !value.is_nan()
                && !range.contains(value)
            {
                self.outside[c] += 1;
                value = f64::NAN;
            }
            self.numeric[c].push(value);
        }
        let label = match layout.label {
            Some(k) => {
                let raw = cell(k);
                match self.class(raw) {
                    Ok(label) => label,
                    // New rows to predict may leave the label cell blank.
                    Err(Problem::MissingLabel) if layout.label_optional => {
                        self.unlabelled += 1;
                        0
                    }
                    Err(p) => return Err(fail(&self.schema.label, raw, p)),
                }
            }
            None => 0,
        };
        self.labels.push(label);
        self.lines.push(line);
        Ok(())
    }

    fn finish(self) -> Table {
        Table {
            schema: self.schema.clone(),
            source: self.source.to_string(),
            categorical: self
                .categorical
                .into_iter()
                .map(LevelsBuilder::finish)
                .collect(),
            numeric: self.numeric,
            labels: self.labels,
            lines: self.lines,
            out_of_range: self
                .schema
                .numeric
                .iter()
                .zip(&self.ranges)
                .zip(&self.outside)
                .filter(|(_, n)| **n > 0)
                .filter_map(|((column, range), &count)| {
                    range.map(|r| crate::OutOfRange {
                        column: column.clone(),
                        count,
                        min: r.min,
                        max: r.max,
                    })
                })
                .collect(),
        }
    }
}

/// A numeric cell: a finite number, or `NaN` for a missing marker.
pub(crate) fn parse_number(raw: &[u8]) -> Result<f64, Problem> {
    let trimmed = raw.trim_ascii();
    if is_missing(trimmed) {
        return Ok(f64::NAN);
    }
    let text = std::str::from_utf8(trimmed).map_err(|_| Problem::NotUtf8)?;
    let value: f64 = text.parse().map_err(|_| Problem::NotANumber)?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Problem::NotFinite)
    }
}

/// A label cell: an integer in `0..n_classes` written as decimal digits, optionally with a
/// fraction of zeros (`1`, `1.0`: pandas writes an integer column holding a missing value as
/// floats). Anything else (`1.5`, `1e0`, `+1`, `1.0000000000000001`) is refused rather than
/// rounded: a class read as another class would be a silent error.
pub(crate) fn parse_label(raw: &[u8], n_classes: usize) -> Result<u8, Problem> {
    let trimmed = raw.trim_ascii();
    if is_missing(trimmed) {
        return Err(Problem::MissingLabel);
    }
    let bad = Problem::BadLabel { n_classes };
    let (whole, fraction) = match trimmed.iter().position(|&b| b == b'.') {
        Some(dot) => (&trimmed[..dot], &trimmed[dot + 1..]),
        None => (trimmed, &b"0"[..]),
    };
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    if !digits(whole) || !digits(fraction) || fraction.iter().any(|&b| b != b'0') {
        return Err(bad);
    }
    // Leading zeros aside, more than three digits cannot be below 256.
    let first = whole.iter().position(|&b| b != b'0').unwrap_or(whole.len());
    let significant = &whole[first..];
    if significant.len() > 3 {
        return Err(bad);
    }
    let value = significant
        .iter()
        .fold(0usize, |v, &d| v * 10 + usize::from(d - b'0'));
    // `Schema::check` keeps n_classes <= 256, so an in-range value fits in u8.
    u8::try_from(value)
        .ok()
        .filter(|&v| usize::from(v) < n_classes)
        .ok_or(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        Schema {
            categorical: vec!["colour".into()],
            numeric: vec!["size".into(), "weight".into()],
            label: "class".into(),
            n_classes: 3,
            ranges: Vec::new(),
            classes: Vec::new(),
            ordered: None,
            names: Default::default(),
        }
    }

    fn read(text: &str) -> Result<Loaded, DataError> {
        read_csv(text.as_bytes(), "t.csv", &schema())
    }

    fn err(text: &str) -> String {
        match read(text) {
            Ok(_) => panic!("expected an error for {text:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn levels_end_sorted_and_codes_follow() {
        let t = read("colour,size,weight,class\nred,1,2,0\nblue,3,4,1\n,5,6,2\nred,7,8,0\n")
            .unwrap()
            .table;
        assert_eq!(t.categorical[0].levels, ["blue", "red"]);
        assert_eq!(t.categorical[0].codes, [Some(1), Some(0), None, Some(1)]);
        assert_eq!(t.numeric[0], [1.0, 3.0, 5.0, 7.0]);
        assert_eq!(t.labels, [0, 1, 2, 0]);
        assert_eq!(t.lines, [2, 3, 4, 5]);
    }

    #[test]
    fn every_missing_marker_is_missing_after_trimming() {
        let mut text = String::from("colour,size,weight,class\n");
        for m in MISSING {
            text.push_str(&format!(" {m} ,{m},  {m},1\n"));
        }
        let t = read(&text).unwrap().table;
        assert!(t.categorical[0].codes.iter().all(Option::is_none));
        assert!(t.numeric.iter().flatten().all(|v| v.is_nan()));
        assert_eq!(t.n_rows(), MISSING.len());
    }

    #[test]
    fn labels_accept_integer_and_float_spellings() {
        assert_eq!(parse_label(b"1", 3), Ok(1));
        assert_eq!(parse_label(b" 2.0 ", 3), Ok(2));
        assert_eq!(parse_label(b"0", 3), Ok(0));
        assert_eq!(
            parse_label(b"3", 3),
            Err(Problem::BadLabel { n_classes: 3 })
        );
        assert_eq!(
            parse_label(b"1.5", 3),
            Err(Problem::BadLabel { n_classes: 3 })
        );
        assert_eq!(
            parse_label(b"-1", 3),
            Err(Problem::BadLabel { n_classes: 3 })
        );
        assert_eq!(
            parse_label(b"inf", 3),
            Err(Problem::BadLabel { n_classes: 3 })
        );
        assert_eq!(parse_label(b"NA", 3), Err(Problem::MissingLabel));
        assert_eq!(parse_label(b"002", 3), Ok(2));
        assert_eq!(parse_label(b"1.00", 3), Ok(1));
        for bad in [
            "1.0000000000000001",
            "0.9999999999999999",
            "1e0",
            "+1",
            "1.",
            ".0",
            "1 1",
            "0x1",
            "256",
            "99999999999999999999",
        ] {
            assert_eq!(
                parse_label(bad.as_bytes(), 3),
                Err(Problem::BadLabel { n_classes: 3 }),
                "{bad}"
            );
        }
    }

    #[test]
    fn non_finite_numbers_are_rejected_but_nan_markers_are_missing() {
        for bad in ["inf", "-inf", "infinity", "Infinity", "1e999"] {
            assert_eq!(
                parse_number(bad.as_bytes()),
                Err(Problem::NotFinite),
                "{bad}"
            );
        }
        assert!(parse_number(b"nan").unwrap().is_nan());
        assert_eq!(parse_number(b"2.0"), Ok(2.0));
        assert_eq!(parse_number(b"-0.5e1"), Ok(-5.0));
        assert_eq!(parse_number(b"two"), Err(Problem::NotANumber));
        assert_eq!(parse_number(b"1,5"), Err(Problem::NotANumber));
    }

    #[test]
    fn errors_name_file_line_column_and_text() {
        assert_eq!(
            err("colour,size,weight,class\nred,1,2,0\nred,x,2,0\n"),
            r#"t.csv:3: column "size": "x" is not a number"#
        );
        assert_eq!(
            err("colour,size,weight,class\nred,1,2,0,9\n"),
            r#"t.csv:2: expected 4 fields as in the header, found 5 (surplus field "9")"#
        );
        assert_eq!(
            err("colour,size,weight,class\nred,1\n"),
            r#"t.csv:2: expected 4 fields as in the header, found 2 (column "weight" is absent)"#
        );
        assert_eq!(
            err("colour,weight,class\nred,1,0\n"),
            r#"t.csv: required column "size" is missing"#
        );
        assert_eq!(
            err("colour,size,size,weight,class\n"),
            r#"t.csv:1: column "size" appears more than once in the header"#
        );
        assert_eq!(err(""), "t.csv: the file is empty (no header, no rows)");
        assert_eq!(err("\n\n"), "t.csv: the file is empty (no header, no rows)");
        assert_eq!(
            err("colour,size,weight,class\n"),
            "t.csv: the header is followed by no data rows"
        );
    }

    #[test]
    fn an_unclosed_quote_is_named_with_its_line() {
        let message = r#"t.csv:3: a quoted field opens here and is never closed (the rest of the file would be one field)"#;
        assert_eq!(
            err("colour,size,weight,class\nred,1,2,0\n\"red,1,2,0\nblue,1,2,0\n"),
            message
        );
        // Even when the swallowed text happens to fit the last column.
        assert_eq!(
            err("colour,size,weight,class\nred,1,2,0\nred,1,2,\"0\n"),
            message
        );
        assert_eq!(
            err("colour,\"size,weight,class\nred,1,2,0\n"),
            "t.csv:1: a quoted field opens here and is never closed (the rest of the file would be one field)"
        );
    }

    #[test]
    fn values_outside_a_range_become_missing_and_are_counted() {
        let mut schema = schema();
        schema.ranges = vec![crate::ValidRange {
            column: "weight".into(),
            min: Some(0.0),
            max: Some(10.0),
        }];
        let text = "colour,size,weight,class\nred,-5,-1,0\nred,1,10,1\nred,1,10.5,1\nred,1,NA,1\n";
        let t = read_csv(text.as_bytes(), "t.csv", &schema).unwrap().table;
        assert!(t.numeric[1][0].is_nan() && t.numeric[1][2].is_nan());
        assert_eq!(t.numeric[1][1], 10.0);
        assert_eq!(t.numeric[0][0], -5.0);
        assert_eq!(
            t.out_of_range,
            [crate::OutOfRange {
                column: "weight".into(),
                count: 2,
                min: Some(0.0),
                max: Some(10.0)
            }]
        );
        assert_eq!(
            t.out_of_range[0].warning("t.csv"),
            r#"t.csv: column "weight": 2 values outside [0, 10] treated as missing"#
        );
        let clean = read("colour,size,weight,class\nred,-5,-1,0\n")
            .unwrap()
            .table;
        assert!(clean.out_of_range.is_empty());
    }

    #[test]
    fn blank_labels_are_allowed_only_when_the_label_is_optional() {
        let text = "colour,size,weight,class\nred,1,2,\nred,1,2,1\n";
        let loaded = read_csv_with(text.as_bytes(), "t.csv", &schema(), Label::Optional).unwrap();
        assert!(!loaded.labelled);
        assert_eq!(loaded.table.labels, [0, 1]);
        assert_eq!(
            err(text),
            r#"t.csv:2: column "class": "" is a missing label; every row needs one"#
        );
        let bad = "colour,size,weight,class\nred,1,2,7\n";
        assert!(read_csv_with(bad.as_bytes(), "t.csv", &schema(), Label::Optional).is_err());
    }

    #[test]
    fn lines_count_from_where_a_multiline_record_starts() {
        let text = "colour,size,weight,class\r\n\"re\r\nd\",1,2,0\r\nblue,oops,2,0\r\n";
        assert_eq!(
            err(text),
            r#"t.csv:4: column "size": "oops" is not a number"#
        );
        let ok = "colour,size,weight,class\n\"a\nb\nc\",1,2,0\nblue,1,2,0\n";
        assert_eq!(read(ok).unwrap().table.lines, [2, 5]);
    }

    #[test]
    fn invalid_utf8_is_reported_where_it_is() {
        let mut bytes = b"colour,size,weight,class\nred,1,2,0\nr\xffd,1,2,0\n".to_vec();
        let e = read_csv(bytes.as_slice(), "t.csv", &schema()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv:3: column \"colour\": \"r\u{fffd}d\" is not valid UTF-8"
        );
        bytes = b"colour,s\xffze,weight,class\n".to_vec();
        let e = read_csv(bytes.as_slice(), "t.csv", &schema()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv:1: header field 2: \"s\u{fffd}ze\" is not valid UTF-8"
        );
    }

    #[test]
    fn extra_columns_warn_and_bom_is_stripped() {
        let text = "\u{feff}note,class,weight,size,colour\nhi,1,2,3,red\n";
        let loaded = read(text).unwrap();
        assert_eq!(
            loaded.warnings,
            [r#"t.csv:1: column "note" is not in the schema; ignored"#]
        );
        assert_eq!(loaded.table.numeric, [vec![3.0], vec![2.0]]);
        assert_eq!(loaded.table.labels, [1]);
    }

    #[test]
    fn a_missing_file_is_an_io_error_naming_it() {
        let e = load_csv(Path::new("/nonexistent/x.csv"), &schema()).unwrap_err();
        assert!(matches!(e, DataError::Io { .. }));
        assert!(e.to_string().starts_with("/nonexistent/x.csv: "));
    }
}

#[cfg(test)]
mod label_policy {
    use super::*;

    #[test]
    fn an_optional_label_column_may_be_absent_but_is_checked_when_present() {
        let schema = Schema::listings();
        let without = "neighbourhood_group,room_type,minimum_nights,amenity_score,number_of_reviews,availability_365\nBrooklyn,Private room,2,50.5,3,10\n";
        let loaded = read_csv_with(without.as_bytes(), "p.csv", &schema, Label::Optional).unwrap();
        assert!(!loaded.labelled);
        assert_eq!(loaded.table.n_rows(), 1);
        let err = read_csv(without.as_bytes(), "p.csv", &schema)
            .unwrap_err()
            .to_string();
        assert!(err.contains("price_class"), "{err}");
        let bad = format!(
            "{},price_class\nBrooklyn,Private room,2,50.5,3,10,7\n",
            without.lines().next().unwrap()
        );
        let err = read_csv_with(bad.as_bytes(), "p.csv", &schema, Label::Optional)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("p.csv:2:"), "{err}");
    }
}
