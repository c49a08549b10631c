//! The one error type of this crate.
//!
//! Every variant displays as a single line that names where the problem is (`file:line` and
//! column where there is one), so the command line can print it unchanged.

use std::fmt;

/// What was wrong with one cell of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Text in a numeric column that does not parse as a number.
    NotANumber,
    /// `inf`, `infinity` or an overflowing literal: only finite numbers (or a missing marker)
    /// are allowed, so that `NaN` can keep meaning "missing".
    NotFinite,
    /// A label that is not an integer in `0..n_classes`.
    BadLabel {
        /// The number of classes of the schema.
        n_classes: usize,
    },
    /// A label that is none of the schema's declared class texts.
    UnknownClass {
        /// The number of classes of the schema.
        n_classes: usize,
    },
    /// An empty or `NA`-like label: the label is the target, so it cannot be imputed.
    MissingLabel,
    /// Bytes that are not UTF-8.
    NotUtf8,
    /// A new level beyond the 2³² a dictionary code can address.
    TooManyLevels,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::NotANumber => write!(f, "is not a number"),
            Problem::NotFinite => write!(f, "is not a finite number"),
            Problem::BadLabel { n_classes } => {
                write!(f, "is not a class label (an integer in 0..{n_classes})")
            }
            Problem::UnknownClass { n_classes } => {
                write!(
                    f,
                    "is not one of the {n_classes} classes the schema declares"
                )
            }
            Problem::MissingLabel => write!(f, "is a missing label; every row needs one"),
            Problem::NotUtf8 => write!(f, "is not valid UTF-8"),
            Problem::TooManyLevels => write!(f, "is one level too many (at most 2^32)"),
        }
    }
}

/// Everything that can go wrong in loading, preprocessing or writing a table.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened, read or written.
    #[error("{file}: {source}")]
    Io {
        /// The file (or stream) concerned.
        file: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A cell that does not hold a value of its column's kind.
    #[error("{file}:{line}: column {column:?}: {text:?} {problem}")]
    Parse {
        /// The file.
        file: String,
        /// 1-based line where the record starts.
        line: u64,
        /// The column of the cell.
        column: String,
        /// The offending text (shortened if very long; invalid bytes shown as U+FFFD).
        text: String,
        /// What is wrong with it.
        problem: Problem,
    },
    /// A header field that is not UTF-8, so no column name can be matched against it.
    #[error("{file}:{line}: header field {field}: {text:?} is not valid UTF-8")]
    BadHeader {
        /// The file.
        file: String,
        /// 1-based line of the header.
        line: u64,
        /// 1-based position of the field in the header.
        field: usize,
        /// The field, invalid bytes shown as U+FFFD.
        text: String,
    },
    /// A quoted field whose closing quote never comes: the parser would read the rest of the
    /// file as one field, so every count after it would be wrong.
    #[error(
        "{file}:{line}: a quoted field opens here and is never closed (the rest of the file would be one field)"
    )]
    UnclosedQuote {
        /// The file.
        file: String,
        /// 1-based line of the opening quote.
        line: u64,
    },
    /// A record with more or fewer fields than the header.
    #[error("{file}:{line}: expected {expected} fields as in the header, found {found} ({detail})")]
    FieldCount {
        /// The file.
        file: String,
        /// 1-based line where the record starts.
        line: u64,
        /// Number of header fields.
        expected: usize,
        /// Number of fields in this record.
        found: usize,
        /// Which column is absent, or which text is surplus.
        detail: String,
    },
    /// A required column absent from a header (or from a table handed to a preprocessor).
    #[error("{file}: required column {column:?} is missing")]
    MissingColumn {
        /// The file or table source.
        file: String,
        /// The column.
        column: String,
    },
    /// A required column named twice in a header: which one to use would be a guess.
    #[error("{file}:{line}: column {column:?} appears more than once in the header")]
    DuplicateColumn {
        /// The file.
        file: String,
        /// 1-based line of the header.
        line: u64,
        /// The column.
        column: String,
    },
    /// A file without even a header.
    #[error("{file}: the file is empty (no header, no rows)")]
    EmptyFile {
        /// The file.
        file: String,
    },
    /// A header and no data rows.
    #[error("{file}: the header is followed by no data rows")]
    NoRows {
        /// The file.
        file: String,
    },
    /// A category level that the preprocessor never saw while fitting.
    #[error(
        "{file}:{line}: column {column:?}: level {value:?} was not seen when the preprocessor was fitted"
    )]
    UnseenCategory {
        /// The table source.
        file: String,
        /// 1-based line of the row.
        line: u64,
        /// The column.
        column: String,
        /// The unseen level.
        value: String,
    },
    /// A value so far from the fitted mean that its standardised value is not a finite
    /// number (e.g. 1e300 against a column of scale 1e-10).
    #[error(
        "{file}:{line}: column {column:?}: {value:e} is too far from the fitted values to standardise (the result is not a finite number)"
    )]
    Unencodable {
        /// The table source.
        file: String,
        /// 1-based line of the row.
        line: u64,
        /// The column.
        column: String,
        /// The value.
        value: f64,
    },
    /// Preprocessing or splitting options that cannot be honoured.
    #[error("invalid options: {0}")]
    BadOptions(String),
    /// A schema that cannot describe a table (duplicate names, unusable class count).
    #[error("invalid schema: {0}")]
    BadSchema(String),
    /// A schema file that does not parse, or describes no usable table.
    #[error("{file}{at}: {message}")]
    SchemaFile {
        /// The schema file.
        file: String,
        /// `:line:column` where the TOML parser knows it, else empty.
        at: String,
        /// What is wrong.
        message: String,
    },
    /// A label column whose values cannot be classes (inference): fewer than 2 or more
    /// than 256 distinct values.
    #[error(
        "{file}: column {column:?} has {count} distinct label values; a classifier needs 2 to 256 classes"
    )]
    ClassCount {
        /// The file(s) read.
        file: String,
        /// The label column.
        column: String,
        /// Distinct values found.
        count: usize,
    },
    /// A table whose parts disagree (lengths, codes out of range, row indices out of range).
    #[error("{file}: inconsistent table: {message}")]
    InvalidTable {
        /// The table source.
        file: String,
        /// What disagrees.
        message: String,
    },
    /// A column with no observed value among the rows a preprocessor is fitted on, so it has
    /// no median or most frequent level.
    #[error("{file}: column {column:?} has no observed value among the {rows} fitting rows")]
    NothingToFit {
        /// The table source.
        file: String,
        /// The column.
        column: String,
        /// How many rows were offered.
        rows: usize,
    },
    /// A value that would not read back as itself if written to CSV.
    #[error("column {column:?}: {value:?} cannot be written to CSV: {reason}")]
    Unwritable {
        /// The column.
        column: String,
        /// The value.
        value: String,
        /// Why it would not round-trip.
        reason: &'static str,
    },
}

/// Longest offending text quoted in full; longer cells are cut so the message stays one
/// readable line.
const MAX_QUOTED: usize = 60;

/// The offending text as quoted in messages: lossy UTF-8, cut to [`MAX_QUOTED`] characters.
pub(crate) fn quote(bytes: &[u8]) -> String {
    shorten(&String::from_utf8_lossy(bytes))
}

/// `text` cut to [`MAX_QUOTED`] characters (and `…`): what any message echoing a value from
/// a file or a flag shows, so that a 1 MB cell does not become a 1 MB error line.
pub fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_QUOTED {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(MAX_QUOTED).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_error_is_one_line_in_the_documented_form() {
        let e = DataError::Parse {
            file: "train.csv".into(),
            line: 1234,
            column: "minimum_nights".into(),
            text: "two".into(),
            problem: Problem::NotANumber,
        };
        assert_eq!(
            e.to_string(),
            r#"train.csv:1234: column "minimum_nights": "two" is not a number"#
        );
    }

    #[test]
    fn embedded_newlines_are_escaped_so_the_message_stays_one_line() {
        let e = DataError::Parse {
            file: "f.csv".into(),
            line: 3,
            column: "c".into(),
            text: quote(b"a\nb"),
            problem: Problem::NotANumber,
        };
        assert!(!e.to_string().contains('\n'));
        assert!(e.to_string().contains(r#""a\nb""#));
    }

    #[test]
    fn long_text_is_cut() {
        let long = vec![b'x'; 500];
        let q = quote(&long);
        assert_eq!(q.chars().count(), MAX_QUOTED + 1);
        assert!(q.ends_with('…'));
        assert_eq!(quote(b"\xffab"), "\u{fffd}ab");
    }
}
