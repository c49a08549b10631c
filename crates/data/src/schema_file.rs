//! The schema file: a [`Schema`] as TOML people write and review (format in
//! `docs/schema.md`).
//!
//! The file is its own serde type, not [`Schema`]'s JSON shape, because it is written by
//! hand: one `[[features]]` table per column with its kind, valid range and display name
//! beside it, and the label's classes with their names in one `[label]` table. Every
//! error names the file and, where the TOML parser knows it, the line and column.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{DataError, Names, Schema, ValidRange};

/// The file as written.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// The report's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    /// What a row is, plural.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rows: Option<String>,
    label: LabelSpec,
    #[serde(default)]
    features: Vec<FeatureSpec>,
}

/// `[label]`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelSpec {
    column: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    display: Option<String>,
    /// Integer labels `0..n_classes` (exclusive with `classes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n_classes: Option<usize>,
    /// The label texts, in class order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    classes: Option<Vec<ClassText>>,
    /// Display names of the classes, in class order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    names: Option<Vec<String>>,
    /// Whether the class order means something (price bands do, species do not); default:
    /// integer labels are ordered, text labels are not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ordered: Option<bool>,
}

/// A class label as written in TOML: text, or an integer (read as its decimal text).
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum ClassText {
    Integer(i64),
    Text(String),
}

impl ClassText {
    fn text(&self) -> String {
        match self {
            ClassText::Integer(i) => i.to_string(),
            ClassText::Text(t) => t.clone(),
        }
    }
}

/// `[[features]]`: one feature column.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeatureSpec {
    column: String,
    kind: Kind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    display: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max: Option<Number>,
}

/// A bound written as an integer (`min = 0`) or a float (`max = 0.5`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(untagged)]
enum Number {
    Integer(i64),
    Float(f64),
}

impl Number {
    fn value(self) -> f64 {
        match self {
            Number::Integer(i) => i as f64,
            Number::Float(f) => f,
        }
    }

    fn from(v: f64) -> Number {
        if v.fract() == 0.0 && v.abs() < 1e15 {
            Number::Integer(v as i64)
        } else {
            Number::Float(v)
        }
    }
}

/// The kind of a feature column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Categorical,
    Numeric,
}

/// Reads and checks the schema file at `path`.
pub fn load(path: &Path) -> Result<Schema, DataError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| DataError::Io {
        file: file.clone(),
        source,
    })?;
    parse(&text, &file)
}

/// Parses and checks schema-file text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Schema, DataError> {
    let spec: File = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|span| line_column(text, span.start))
            .map_or(String::new(), |(l, c)| format!(":{l}:{c}"));
        DataError::SchemaFile {
            file: file.to_string(),
            at,
            message: e.message().trim().replace('\n', " "),
        }
    })?;
    let bad = |message: String| DataError::SchemaFile {
        file: file.to_string(),
        at: String::new(),
        message,
    };
    let schema = from_spec(spec).map_err(bad)?;
    schema.check().map_err(|e| match e {
        DataError::BadSchema(message) => bad(message),
        other => other,
    })?;
    Ok(schema)
}

/// 1-based line and column (in characters) of byte `offset` of `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn from_spec(spec: File) -> Result<Schema, String> {
    let label = spec.label;
    let (n_classes, classes) = match (label.n_classes, &label.classes) {
        (Some(_), Some(_)) => {
            return Err("[label] gives both n_classes and classes; give one".into());
        }
        (None, None) => {
            return Err(
                "[label] gives neither n_classes (integer labels) nor classes (their texts)".into(),
            );
        }
        (Some(n), None) => (n, Vec::new()),
        (None, Some(list)) => {
            let texts: Vec<String> = list.iter().map(ClassText::text).collect();
            // Integers 0, 1, … in order are integer labels: the loader then also reads
            // pandas' float spelling (`1.0`).
            let canonical = texts.iter().enumerate().all(|(k, t)| *t == k.to_string());
            (texts.len(), if canonical { Vec::new() } else { texts })
        }
    };
    let mut schema = Schema {
        categorical: Vec::new(),
        numeric: Vec::new(),
        label: label.column.clone(),
        n_classes,
        ranges: Vec::new(),
        classes,
        ordered: label.ordered,
        names: Names {
            title: spec.title,
            rows: spec.rows,
            classes: label.names.unwrap_or_default(),
            columns: BTreeMap::new(),
        },
    };
    if let Some(d) = label.display {
        schema.names.columns.insert(label.column, d);
    }
    for f in spec.features {
        match f.kind {
            Kind::Categorical => {
                if f.min.is_some() || f.max.is_some() {
                    return Err(format!(
                        "column {:?} is categorical and cannot have a range (min, max)",
                        f.column
                    ));
                }
                schema.categorical.push(f.column.clone());
            }
            Kind::Numeric => {
                schema.numeric.push(f.column.clone());
                if f.min.is_some() || f.max.is_some() {
                    schema.ranges.push(ValidRange {
                        column: f.column.clone(),
                        min: f.min.map(Number::value),
                        max: f.max.map(Number::value),
                    });
                }
            }
        }
        if let Some(d) = f.display {
            schema.names.columns.insert(f.column, d);
        }
    }
    Ok(schema)
}

/// The schema as schema-file text (what `cargo xtask schema` prints): the features in
/// table order, categorical before numeric.
pub fn to_toml(schema: &Schema) -> String {
    let display = |c: &str| schema.names.columns.get(c).cloned();
    let feature = |column: &String, kind: Kind| {
        let range = schema.range_of(column);
        FeatureSpec {
            column: column.clone(),
            kind,
            display: display(column),
            min: range.and_then(|r| r.min).map(Number::from),
            max: range.and_then(|r| r.max).map(Number::from),
        }
    };
    let integer = schema.classes.is_empty();
    let spec = File {
        title: schema.names.title.clone(),
        rows: schema.names.rows.clone(),
        label: LabelSpec {
            column: schema.label.clone(),
            display: display(&schema.label),
            n_classes: integer.then_some(schema.n_classes),
            classes: (!integer).then(|| {
                schema
                    .classes
                    .iter()
                    .map(|c| ClassText::Text(c.clone()))
                    .collect()
            }),
            names: (!schema.names.classes.is_empty()).then(|| schema.names.classes.clone()),
            ordered: schema.ordered,
        },
        features: schema
            .categorical
            .iter()
            .map(|c| feature(c, Kind::Categorical))
            .chain(schema.numeric.iter().map(|c| feature(c, Kind::Numeric)))
            .collect(),
    };
    // Serialising these plain types cannot fail.
    toml::to_string(&spec).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_listings_schema_is_the_assignments() {
        let s = Schema::listings();
        assert_eq!(s.categorical, ["neighbourhood_group", "room_type"]);
        assert_eq!(
            s.numeric,
            [
                "minimum_nights",
                "amenity_score",
                "number_of_reviews",
                "availability_365"
            ]
        );
        assert_eq!((s.label.as_str(), s.n_classes), ("price_class", 4));
        assert!(s.classes.is_empty());
        assert_eq!(s.class_legend(3), "3 Luxury");
        assert_eq!(s.display("price_class"), "price class");
        let avail = s.range_of("availability_365").unwrap();
        assert_eq!((avail.min, avail.max), (Some(0.0), Some(365.0)));
        assert_eq!(s.range_of("minimum_nights").unwrap().max, None);
    }

    #[test]
    fn printing_and_parsing_round_trip() {
        let s = Schema::listings();
        assert_eq!(parse(&to_toml(&s), "x.toml").unwrap(), s);
        let text = "[label]\ncolumn = \"y\"\nclasses = [\"no\", \"yes\"]\nnames = [\"No\", \"Yes\"]\n\
                    [[features]]\ncolumn = \"a\"\nkind = \"numeric\"\nmin = 0.5\n";
        let t = parse(text, "x.toml").unwrap();
        assert_eq!(t.classes, ["no", "yes"]);
        assert_eq!(t.class_legend(1), "Yes");
        assert_eq!(parse(&to_toml(&t), "x.toml").unwrap(), t);
    }

    #[test]
    fn integer_classes_in_order_are_integer_labels() {
        let text = "[label]\ncolumn = \"y\"\nclasses = [0, 1, 2]\n";
        let s = parse(text, "x.toml").unwrap();
        assert!(s.classes.is_empty());
        assert_eq!(s.n_classes, 3);
        let text = "[label]\ncolumn = \"y\"\nclasses = [1, 2]\n";
        assert_eq!(parse(text, "x.toml").unwrap().classes, ["1", "2"]);
    }

    fn err(text: &str) -> String {
        parse(text, "s.toml").unwrap_err().to_string()
    }

    #[test]
    fn class_order_is_meaningful_for_integers_unless_the_file_says() {
        let ordered = |text: &str| parse(text, "s.toml").unwrap().ordered_classes();
        assert!(ordered("[label]\ncolumn = \"y\"\nn_classes = 3\n"));
        assert!(!ordered(
            "[label]\ncolumn = \"y\"\nclasses = [\"a\", \"b\"]\n"
        ));
        assert!(!ordered(
            "[label]\ncolumn = \"y\"\nn_classes = 3\nordered = false\n"
        ));
        let text = "[label]\ncolumn = \"y\"\nclasses = [\"low\", \"high\"]\nordered = true\n";
        let s = parse(text, "s.toml").unwrap();
        assert!(s.ordered_classes());
        // The annotation survives the trip through the file format.
        assert_eq!(parse(&to_toml(&s), "s.toml").unwrap(), s);
    }

    #[test]
    fn errors_name_the_file_and_where() {
        assert_eq!(
            err("[label]\ncolumn = \"y\"\nn_classes = 2\nbogus = 1\n"),
            "s.toml:4:1: unknown field `bogus`, expected one of `column`, `display`, \
             `n_classes`, `classes`, `names`, `ordered`"
        );
        let e = err(
            "[label]\ncolumn = \"y\"\nn_classes = 2\n[[features]]\ncolumn = \"a\"\nkind = \"text\"\n",
        );
        assert!(e.starts_with("s.toml:6:8: unknown variant `text`"), "{e}");
        assert!(err("[label\n").starts_with("s.toml:1:"));
        assert_eq!(
            err("[label]\ncolumn = \"y\"\nn_classes = 1\n"),
            "s.toml: 1 classes; a classifier needs 2 to 256"
        );
        assert_eq!(
            err("[label]\ncolumn = \"y\"\nn_classes = 300\n"),
            "s.toml: 300 classes; a classifier needs 2 to 256"
        );
        assert_eq!(
            err("[label]\ncolumn = \"y\"\nclasses = [\"a\", \"a\"]\n"),
            "s.toml: class label \"a\" is listed twice"
        );
        assert_eq!(
            err("[label]\ncolumn = \"y\"\nn_classes = 2\nnames = [\"x\"]\n"),
            "s.toml: 1 class names for 2 classes"
        );
        assert_eq!(
            err(
                "[label]\ncolumn = \"y\"\nn_classes = 2\n[[features]]\ncolumn = \"c\"\nkind = \"categorical\"\nmin = 1\n"
            ),
            "s.toml: column \"c\" is categorical and cannot have a range (min, max)"
        );
        assert_eq!(
            err(
                "[label]\ncolumn = \"y\"\nn_classes = 2\n[[features]]\ncolumn = \"y\"\nkind = \"numeric\"\n"
            ),
            "s.toml: column \"y\" is listed twice"
        );
    }
}
