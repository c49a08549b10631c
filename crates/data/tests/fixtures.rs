//! Every hand-written fixture: each malformed file fails with its exact one-line message, and
//! the messy-but-valid file loads with the right values.

use std::path::PathBuf;

use data::{DataError, Schema, load_csv};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

/// Loads a malformed fixture and returns its error message with the path cut to `bad/…`.
fn error_of(name: &str) -> String {
    let path = fixture(&format!("bad/{name}"));
    match load_csv(&path, &Schema::listings()) {
        Ok(_) => panic!("{name} loaded but should fail"),
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains('\n'), "multi-line message: {message}");
            let full = path.display().to_string();
            assert!(message.starts_with(&full), "{message} does not name {full}");
            message.replacen(&full, &format!("bad/{name}"), 1)
        }
    }
}

#[test]
fn text_in_a_numeric_column_after_a_multiline_field() {
    assert_eq!(
        error_of("not_a_number.csv"),
        r#"bad/not_a_number.csv:4: column "minimum_nights": "two" is not a number"#
    );
}

#[test]
fn infinity() {
    assert_eq!(
        error_of("infinite.csv"),
        r#"bad/infinite.csv:3: column "amenity_score": "inf" is not a finite number"#
    );
}

#[test]
fn label_out_of_range() {
    assert_eq!(
        error_of("label_out_of_range.csv"),
        r#"bad/label_out_of_range.csv:3: column "price_class": "4" is not a class label (an integer in 0..4)"#
    );
}

#[test]
fn missing_label() {
    assert_eq!(
        error_of("label_missing.csv"),
        r#"bad/label_missing.csv:4: column "price_class": "" is a missing label; every row needs one"#
    );
}

#[test]
fn wrong_field_count() {
    assert_eq!(
        error_of("field_count.csv"),
        r#"bad/field_count.csv:3: expected 7 fields as in the header, found 6 (column "price_class" is absent)"#
    );
}

#[test]
fn empty_file() {
    assert_eq!(
        error_of("empty.csv"),
        "bad/empty.csv: the file is empty (no header, no rows)"
    );
}

#[test]
fn header_only() {
    assert_eq!(
        error_of("header_only.csv"),
        "bad/header_only.csv: the header is followed by no data rows"
    );
}

#[test]
fn non_utf8_bytes() {
    assert_eq!(
        error_of("not_utf8.csv"),
        "bad/not_utf8.csv:3: column \"neighbourhood_group\": \"Br\u{fffd}oklyn\" is not valid UTF-8"
    );
}

#[test]
fn missing_required_column() {
    assert_eq!(
        error_of("missing_column.csv"),
        r#"bad/missing_column.csv: required column "amenity_score" is missing"#
    );
    let e = load_csv(&fixture("bad/missing_column.csv"), &Schema::listings()).unwrap_err();
    assert!(matches!(e, DataError::MissingColumn { column, .. } if column == "amenity_score"));
}

#[test]
fn the_messy_file_loads_with_the_right_values() {
    let path = fixture("good_messy.csv");
    let loaded = load_csv(&path, &Schema::listings()).unwrap();
    assert_eq!(
        loaded.warnings,
        [format!(
            r#"{}:1: column "note" is not in the schema; ignored"#,
            path.display()
        )]
    );
    let t = loaded.table;
    assert_eq!(t.n_rows(), 5);
    // Row 3 starts on line 4 and its quoted note runs onto line 5.
    assert_eq!(t.lines, [2, 3, 4, 6, 7]);
    assert_eq!(t.labels, [1, 3, 0, 2, 1]);
    let boroughs = &t.categorical[0];
    assert_eq!(
        boroughs.levels,
        ["Brooklyn", "Manhattan", "Queens", "Staten Island"]
    );
    assert_eq!(boroughs.codes, [Some(0), Some(1), Some(2), Some(3), None]);
    let rooms = &t.categorical[1];
    assert_eq!(
        rooms.levels,
        ["Entire home/apt", "Private room", "Shared room"]
    );
    assert_eq!(rooms.codes, [Some(1), Some(0), Some(2), None, Some(1)]);
    let expect = [
        [2.0, f64::NAN, 1.0, 30.0, 3.0],
        [47.8, 82.5, f64::NAN, f64::NAN, 60.5],
        [70.0, 15.0, 3.0, f64::NAN, f64::NAN],
        [0.0, 254.0, f64::NAN, 365.0, 12.0],
    ];
    for (column, expected) in t.numeric.iter().zip(expect) {
        for (&got, want) in column.iter().zip(expected) {
            assert!(
                got == want || (got.is_nan() && want.is_nan()),
                "{got} vs {want}"
            );
        }
    }
}

#[test]
fn an_unclosed_quote_is_named_as_such() {
    assert_eq!(
        error_of("unclosed_quote.csv"),
        "bad/unclosed_quote.csv:3: a quoted field opens here and is never closed (the rest of the file would be one field)"
    );
}

#[test]
fn a_label_that_only_rounds_to_an_integer() {
    assert_eq!(
        error_of("label_not_integer.csv"),
        r#"bad/label_not_integer.csv:3: column "price_class": "3.0000000000000001" is not a class label (an integer in 0..4)"#
    );
}

#[test]
fn a_long_field_is_cut_in_the_message() {
    let message = error_of("long_field.csv");
    let quoted = format!("\"{}…\"", "9".repeat(60));
    assert_eq!(
        message,
        format!(r#"bad/long_field.csv:3: column "minimum_nights": {quoted} is not a number"#)
    );
    assert!(message.chars().count() < 160, "{}", message.len());
}

#[test]
fn values_outside_the_schema_ranges_are_counted_and_loaded_as_missing() {
    let path = fixture("warn_out_of_range.csv");
    let t = load_csv(&path, &Schema::listings()).unwrap().table;
    let found: Vec<(&str, usize, Option<f64>, Option<f64>)> = t
        .out_of_range
        .iter()
        .map(|o| (o.column.as_str(), o.count, o.min, o.max))
        .collect();
    assert_eq!(
        found,
        [
            ("minimum_nights", 2, Some(1.0), None),
            ("amenity_score", 1, Some(0.0), Some(100.0)),
            ("number_of_reviews", 1, Some(0.0), None),
            ("availability_365", 2, Some(0.0), Some(365.0)),
        ]
    );
    let nan = f64::NAN;
    let expect = [
        [2.0, nan, nan, 1.0, 1000.0],
        [47.8, 88.0, nan, 0.0, 100.0],
        [70.0, 4.0, nan, 0.0, 607.0],
        [90.0, 200.0, nan, nan, 365.0],
    ];
    for (column, expected) in t.numeric.iter().zip(expect) {
        for (&got, want) in column.iter().zip(expected) {
            assert!(
                got == want || (got.is_nan() && want.is_nan()),
                "{got} vs {want}"
            );
        }
    }
    assert_eq!(
        t.out_of_range[3].warning("f.csv"),
        r#"f.csv: column "availability_365": 2 values outside [0, 365] treated as missing"#
    );
    assert_eq!(
        t.out_of_range[0].warning("f.csv"),
        r#"f.csv: column "minimum_nights": 2 values outside [1, ∞) treated as missing"#
    );
}

#[test]
fn values_near_the_largest_float_are_fitted_and_encoded_finitely() {
    let t = load_csv(&fixture("good_huge_values.csv"), &Schema::listings())
        .unwrap()
        .table;
    assert!(t.out_of_range.is_empty());
    let rows: Vec<usize> = (0..t.n_rows()).collect();
    let p = data::Preprocessor::fit(&t, &rows, &data::PreprocessOptions::default()).unwrap();
    for n in p.numeric() {
        for v in [n.median, n.mean, n.std, n.scale] {
            assert!(v.is_finite(), "{n:?}");
        }
    }
    let d = p.transform_all(&t).unwrap();
    for j in 0..d.x.ncols() {
        assert!(d.x.col_as_slice(j).iter().all(|v| v.is_finite()), "{j}");
    }
}
