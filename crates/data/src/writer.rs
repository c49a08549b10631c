//! Writing a [`Table`] back to CSV, so that synthetic or filtered tables can be saved and
//! re-read by [`crate::read_csv`] (or pandas) unchanged.

use std::fmt::Write as _;
use std::io::Write;

use crate::error::DataError;
use crate::load::MISSING;
use crate::{Categorical, Table};

/// The name errors give to the output stream, which `write_csv` does not know.
const OUTPUT: &str = "CSV output";

/// Writes `table` as CSV: categorical, numeric, then label columns in schema order; a missing
/// value as an empty cell; numbers in Rust's shortest form that reads back to the same `f64`
/// (so `2.0` is written `2`).
///
/// A level that would read back differently (empty, a missing marker such as `NA`, or with
/// surrounding whitespace, which the loader trims) is an error rather than silent data change.
pub fn write_csv<W: Write>(table: &Table, w: W) -> Result<(), DataError> {
    table.check_shape()?;
    for (name, column) in table.schema.categorical.iter().zip(&table.categorical) {
        check_levels(name, column)?;
    }
    let io = |e: csv::Error| DataError::Io {
        file: OUTPUT.to_string(),
        source: e.into(),
    };
    let mut csv = csv::Writer::from_writer(w);
    let schema = &table.schema;
    csv.write_record(schema.feature_columns().chain([schema.label.as_str()]))
        .map_err(io)?;
    let mut number = String::new();
    for row in 0..table.n_rows() {
        for column in &table.categorical {
            let level = column.codes[row].map_or("", |c| column.levels[c as usize].as_str());
            csv.write_field(level).map_err(io)?;
        }
        for (name, column) in schema.numeric.iter().zip(&table.numeric) {
            let value = column[row];
            number.clear();
            if value.is_finite() {
                // Writing into a String cannot fail.
                let _ = write!(number, "{value}");
            } else if !value.is_nan() {
                return Err(DataError::Unwritable {
                    column: name.clone(),
                    value: value.to_string(),
                    reason: "only finite numbers read back",
                });
            }
            csv.write_field(&number).map_err(io)?;
        }
        number.clear();
        let label = usize::from(table.labels[row]);
        let _ = write!(number, "{}", schema.class_value(label));
        csv.write_field(&number).map_err(io)?;
        csv.write_record(None::<&[u8]>).map_err(io)?;
    }
    csv.flush().map_err(|source| DataError::Io {
        file: OUTPUT.to_string(),
        source,
    })
}

/// Rejects levels the loader would read back as something else.
fn check_levels(name: &str, column: &Categorical) -> Result<(), DataError> {
    for level in &column.levels {
        let reason = if MISSING.contains(&level.as_str()) {
            "it would read back as a missing value"
        } else if level.trim_ascii() != level {
            "surrounding whitespace is trimmed on reading"
        } else {
            continue;
        };
        return Err(DataError::Unwritable {
            column: name.to_string(),
            value: level.clone(),
            reason,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Schema, read_csv};

    fn table() -> Table {
        Table {
            schema: Schema {
                categorical: vec!["kind".into()],
                numeric: vec!["x".into(), "y".into()],
                label: "class".into(),
                n_classes: 4,
                ranges: Vec::new(),
                classes: Vec::new(),
                ordered: None,
                names: Default::default(),
            },
            source: "hand".into(),
            categorical: vec![Categorical {
                levels: vec!["a, \"quoted\"".into(), "multi\nline".into(), "plain".into()],
                codes: vec![Some(0), None, Some(1), Some(2)],
            }],
            numeric: vec![
                vec![2.0, f64::NAN, 0.1 + 0.2, -1e-300],
                vec![1e300, 123456789.125, f64::MIN_POSITIVE, -0.0],
            ],
            labels: vec![3, 0, 1, 2],
            lines: vec![2, 3, 4, 6],
            out_of_range: Vec::new(),
        }
    }

    #[test]
    fn writes_integers_plainly_and_missing_as_empty() {
        let mut t = table();
        t.categorical[0].levels = vec!["p".into(), "q".into(), "r".into()];
        let mut out = Vec::new();
        write_csv(&t, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("kind,x,y,class"));
        assert!(lines.next().unwrap().starts_with("p,2,1"));
        assert_eq!(lines.next(), Some(",,123456789.125,0"));
    }

    #[test]
    fn round_trips_bit_for_bit() {
        let t = table();
        let mut out = Vec::new();
        write_csv(&t, &mut out).unwrap();
        let back = read_csv(out.as_slice(), "back", &t.schema).unwrap().table;
        assert_eq!(back.categorical, t.categorical);
        assert_eq!(back.labels, t.labels);
        for (a, b) in back
            .numeric
            .iter()
            .flatten()
            .zip(t.numeric.iter().flatten())
        {
            assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "{a} vs {b}"
            );
        }
        // The quoted multi-line level moves the next record's start line.
        assert_eq!(back.lines, [2, 3, 4, 6]);
    }

    #[test]
    fn refuses_values_that_would_not_read_back() {
        let mut t = table();
        t.categorical[0].levels[2] = "NA".into();
        let e = write_csv(&t, Vec::new()).unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"column "kind": "NA" cannot be written to CSV: it would read back as a missing value"#
        );
        let mut t = table();
        t.numeric[1][0] = f64::INFINITY;
        assert!(matches!(
            write_csv(&t, Vec::new()),
            Err(DataError::Unwritable { .. })
        ));
        let mut t = table();
        t.labels.pop();
        assert!(matches!(
            write_csv(&t, Vec::new()),
            Err(DataError::InvalidTable { .. })
        ));
    }
}
