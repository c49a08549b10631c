//! Where each schema column sits in a file's header, and the warnings the header gives.

use csv::ByteRecord;

use super::Label;
use crate::Schema;
use crate::error::{DataError, quote};

/// Where each schema column sits in the records of one file.
#[derive(Debug)]
pub(super) struct Layout {
    /// Header names (lossless: the header was checked to be UTF-8).
    pub(super) names: Vec<String>,
    /// Field index of each categorical column of the schema.
    pub(super) categorical: Vec<usize>,
    /// Field index of each numeric column of the schema.
    pub(super) numeric: Vec<usize>,
    /// Field index of the label column, if present.
    pub(super) label: Option<usize>,
    /// Whether a blank label cell is allowed ([`Label::Optional`]).
    pub(super) label_optional: bool,
}

impl Layout {
    pub(super) fn from_header(
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
