//! The loader's unit tests: cells, layouts, errors with their lines.

use super::cells::{parse_label, parse_number};
use super::*;
use crate::error::Problem;
use std::path::Path;

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
fn the_line_of_an_unclosed_quote_counts_the_breaks_of_the_fields_before_it() {
    // The record starts on line 2; its first field closes on line 3, where the next opens.
    assert_eq!(
        err("colour,size,weight,class\n\"a\nb\",1,\"2\n,0\n"),
        "t.csv:3: a quoted field opens here and is never closed (the rest of the file would be one field)"
    );
    // An escaped quote at the very end keeps the field open.
    assert!(err("colour,size,weight,class\nred,1,2,\"0\"\"").starts_with("t.csv:2: a quoted"));
}

#[test]
fn closed_quotes_at_the_end_of_input_read_normally() {
    for text in [
        "colour,size,weight,class\nred,1,2,\"0\"",
        "colour,size,weight,class\nred,1,2,\"0\"\n",
        "colour,size,weight,class\r\nred,1,2,\"0\"\r\n\r\n",
        "colour,size,weight,class\n\"r\"\"e\nd\",1,2,0",
    ] {
        let t = read(text).unwrap().table;
        assert_eq!(
            (t.labels.as_slice(), t.lines.as_slice()),
            (&[0][..], &[2][..]),
            "{text:?}"
        );
    }
    // A last line that holds the end marker's own field is an ordinary record.
    let bytes = b"colour,size,weight,class\n\"\xff\x00end of input\x00\xff\"\n";
    let e = read_csv(&bytes[..], "t.csv", &schema())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("t.csv:2: expected 4 fields"), "{e}");
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
