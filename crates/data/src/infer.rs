//! A schema inferred from the files themselves, for a table nobody has described yet.
//!
//! The rule is deliberately simple, so a user can predict it and review the result: a
//! feature column is numeric when every present value (after trimming, missing markers
//! aside) parses as a finite number, otherwise categorical; the classes are the label's
//! distinct values. Integer labels that are exactly `0..k` stay integer labels (the
//! listings files); any other labels become text classes, ordered numerically when all are
//! integers and by bytes otherwise. Column order follows the first file's header.

use std::collections::BTreeSet;
use std::path::Path;

use csv::ByteRecord;

use crate::load::{is_missing, parse_label, parse_number};
use crate::{DataError, Names, Schema};

/// What is known of one column after reading some rows.
#[derive(Debug, Default, Clone)]
struct Column {
    /// False once a present value fails to parse as a finite number.
    numeric: bool,
}

/// Infers a schema from the CSV files `paths` (the training file first), with `label` as
/// the class column. Every other column of the first file's header becomes a feature.
pub fn infer_schema(paths: &[&Path], label: &str) -> Result<Schema, DataError> {
    let mut names: Vec<String> = Vec::new();
    let mut columns: Vec<Column> = Vec::new();
    let mut labels: BTreeSet<String> = BTreeSet::new();
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
            columns = vec![Column { numeric: true }; names.len()];
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
            let raw = cell(label_at);
            if !is_missing(raw) {
                labels.insert(String::from_utf8_lossy(raw).into_owned());
            }
            for (c, k) in at.iter().enumerate() {
                if let Some(k) = *k
                    && columns[c].numeric
                    && parse_number(cell(k)).is_err()
                {
                    columns[c].numeric = false;
                }
            }
        }
    }
    let files = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" and ");
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
        if column.numeric {
            schema.numeric.push(name);
        } else {
            schema.categorical.push(name);
        }
    }
    schema.check()?;
    Ok(schema)
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
