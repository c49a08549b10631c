//! The columns of a table under construction: each record validated and appended.

use std::collections::HashMap;

use csv::ByteRecord;

use super::cells::{is_missing, parse_label, parse_number};
use super::layout::Layout;
use crate::error::{DataError, Problem, quote};
use crate::{Categorical, Schema, Table};

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
pub(super) struct Builder<'a> {
    schema: &'a Schema,
    source: &'a str,
    categorical: Vec<LevelsBuilder>,
    numeric: Vec<Vec<f64>>,
    /// The schema range of each numeric column, if any.
    ranges: Vec<Option<&'a crate::ValidRange>>,
    /// Values outside the range, per numeric column.
    outside: Vec<usize>,
    pub(super) labels: Vec<u8>,
    lines: Vec<u64>,
    /// Rows whose optional label cell was blank.
    pub(super) unlabelled: usize,
    /// Class index of each declared label text (empty: integer labels).
    classes: HashMap<&'a [u8], u8>,
}

impl<'a> Builder<'a> {
    pub(super) fn new(schema: &'a Schema, source: &'a str) -> Self {
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
        if let Some(&k) = self.classes.get(trimmed) {
            return Ok(k);
        }
        // A number names the class written as the same number (`1.0` is class `1`, as
        // pandas writes an integer column with a missing value); other text must match.
        let number = parse_number(trimmed).ok().filter(|x| !x.is_nan());
        number
            .and_then(|x| {
                self.schema
                    .classes
                    .iter()
                    .position(|c| parse_number(c.as_bytes()) == Ok(x))
            })
            .map(|k| k as u8)
            .ok_or(Problem::UnknownClass {
                n_classes: self.schema.n_classes,
            })
    }

    /// Validates one record and appends it.
    pub(super) fn push(
        &mut self,
        record: &ByteRecord,
        line: u64,
        layout: &Layout,
    ) -> Result<(), DataError> {
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

    pub(super) fn finish(self) -> Table {
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
