//! Reading a CSV file into a validated [`Table`].
//!
//! Records are read as raw bytes (one reused buffer, no allocation per row) so that invalid
//! UTF-8 is reported with its line and column instead of failing the whole read. Every cell
//! is trimmed of ASCII whitespace; a trimmed cell that is empty or one of [`MISSING`] is a
//! missing value. Line numbers are those of the line where a record *starts*, as an editor
//! shows it, even when an earlier quoted field spans several lines.
//!
//! Files: this one reads records ([`Records`]); `layout` finds the schema's columns in the
//! header; `builder` validates and appends each record; `cells` parses one cell.

mod builder;
mod cells;
mod layout;
#[cfg(test)]
mod tests;

use std::fs::File;
use std::io::Read;
use std::path::Path;

use csv::ByteRecord;

use crate::error::DataError;
use crate::lines::LineTracker;
use crate::{Schema, Table};
use builder::Builder;
pub use cells::MISSING;
pub(crate) use cells::{is_missing, parse_label, parse_number};
use layout::Layout;

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
    let mut records = Records::new(reader, source)?;
    let mut record = ByteRecord::new();
    let Some(header_line) = records.next(&mut record)? else {
        return Err(DataError::EmptyFile {
            file: source.to_string(),
        });
    };
    let (layout, warnings) = Layout::from_header(&record, header_line, source, schema, label)?;
    let mut builder = Builder::new(schema, source);
    while let Some(line) = records.next(&mut record)? {
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

/// What [`Records`] appends after the input: a line break and one quoted field that no
/// real file holds. When the input ends with every quote closed, the parser reads it as a
/// last record of its own; when a quoted field is still open, the parser swallows it into
/// that field, which is how an unclosed quote is found without a second reading of CSV's
/// grammar beside the parser's.
const END: &[u8] = b"\n\"\xff\x00end of input\x00\xff\"\n";

/// The field of the [`END`] record.
const END_FIELD: &[u8] = b"\xff\x00end of input\x00\xff";

/// The records of one input with the line each starts on, one record ahead, so that the
/// last real record is known to have closed its quotes before it is used.
struct Records<'s, R: Read> {
    csv: csv::Reader<LineTracker<std::io::Chain<R, &'static [u8]>>>,
    source: &'s str,
    /// The record after the one last returned, and its line; `None` at the end of input.
    ahead: ByteRecord,
    ahead_line: Option<u64>,
}

impl<'s, R: Read> Records<'s, R> {
    fn new(reader: R, source: &'s str) -> Result<Self, DataError> {
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(LineTracker::new(reader.chain(END)));
        let mut records = Records {
            csv,
            source,
            ahead: ByteRecord::new(),
            ahead_line: None,
        };
        records.ahead_line = records.read_ahead()?;
        Ok(records)
    }

    /// Reads the next record into `ahead`: the line it starts on, `None` at the end.
    fn read_ahead(&mut self) -> Result<Option<u64>, DataError> {
        let more = self
            .csv
            .read_byte_record(&mut self.ahead)
            .map_err(|e| DataError::Io {
                file: self.source.to_string(),
                source: e.into(),
            })?;
        let start = self.ahead.position().map_or(0, |p| p.byte());
        Ok(more.then(|| self.csv.get_mut().start_line(start)))
    }

    /// Moves the next record of the input into `record` and returns its line; `None` after
    /// the last one. The record that swallowed the [`END`] marker holds a quoted field that
    /// never closes: an error naming the line where that field opens.
    fn next(&mut self, record: &mut ByteRecord) -> Result<Option<u64>, DataError> {
        let Some(line) = self.ahead_line else {
            return Ok(None);
        };
        std::mem::swap(record, &mut self.ahead);
        self.ahead_line = self.read_ahead()?;
        if self.ahead_line.is_some() {
            return Ok(Some(line));
        }
        if record.len() == 1 && record.get(0) == Some(END_FIELD) {
            return Ok(None);
        }
        // The open field is the record's last: it runs on to the end. The line breaks of
        // the fields before it say on which line it opens.
        let before = record.len().saturating_sub(1);
        let breaks: usize = (0..before)
            .filter_map(|k| record.get(k))
            .map(|f| f.iter().filter(|&&b| b == b'\n').count())
            .sum();
        Err(DataError::UnclosedQuote {
            file: self.source.to_string(),
            line: line + breaks as u64,
        })
    }
}
