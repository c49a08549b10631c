use super::*;
use crate::{Categorical, Schema};

/// Rows 0..5 are the fitting rows; row 5 holds a level ("c") and extreme values that must
/// not influence the fit (but "c" is a level of the file, so it gets a feature).
fn table() -> Table {
    Table {
        schema: Schema {
            categorical: vec!["kind".into(), "flat".into()],
            numeric: vec!["x".into(), "same".into()],
            label: "class".into(),
            n_classes: 2,
            ranges: Vec::new(),
            classes: Vec::new(),
            ordered: None,
            names: Default::default(),
        },
        source: "t.csv".into(),
        categorical: vec![
            Categorical {
                levels: vec!["a".into(), "b".into(), "c".into()],
                codes: vec![Some(1), Some(0), Some(1), None, Some(0), Some(2)],
            },
            Categorical {
                levels: vec!["only".into()],
                codes: vec![Some(0), None, Some(0), Some(0), Some(0), Some(0)],
            },
        ],
        numeric: vec![
            vec![1.0, 2.0, f64::NAN, 4.0, 100.0, 1e9],
            vec![0.1, 0.1, f64::NAN, 0.1, 0.1, 7.0],
        ],
        labels: vec![0, 1, 0, 1, 0, 1],
        lines: vec![2, 3, 4, 5, 6, 9],
        out_of_range: Vec::new(),
    }
}

/// The table with a level "d" in row 5 that the fitted table (the training file) lacks.
fn other() -> Table {
    let mut t = table();
    t.source = "other.csv".into();
    t.categorical[0].levels.push("d".into());
    t.categorical[0].codes[5] = Some(3);
    t
}

const FIT: [usize; 5] = [0, 1, 2, 3, 4];

fn fitted(options: &PreprocessOptions) -> Preprocessor {
    Preprocessor::fit(&table(), &FIT, options).unwrap()
}

#[test]
fn levels_come_from_the_whole_file_statistics_from_the_fitting_rows_only() {
    let p = fitted(&PreprocessOptions::default());
    let kind = &p.categorical()[0];
    assert_eq!(kind.levels, ["a", "b", "c"]);
    assert_eq!(kind.reference, "a");
    // a and b both occur twice: the tie goes to the smaller level.
    assert_eq!(kind.impute, "a");
    let x = &p.numeric()[0];
    // Observed 1, 2, 4, 100 → median 3; imputed 1, 2, 3, 4, 100 → mean 22,
    // squared deviations 441 + 400 + 361 + 324 + 6084 = 7610, / 5 = 1522.
    assert_eq!(x.median, 3.0);
    assert_eq!(x.mean, 22.0);
    assert_eq!(x.std, 1522f64.sqrt());
    assert_eq!(x.scale, x.std);
}

#[test]
fn a_constant_column_encodes_as_exact_zeros() {
    let p = fitted(&PreprocessOptions::default());
    let same = &p.numeric()[1];
    assert_eq!(
        (same.median, same.mean, same.std, same.scale),
        (0.1, 0.1, 0.0, 1.0)
    );
    let d = p.transform(&table(), &FIT).unwrap();
    let col = d.x.col_as_slice(3);
    assert!(col.iter().all(|&v| v == 0.0), "{col:?}");
}

#[test]
fn features_are_one_hot_without_reference_then_z_scores() {
    let p = fitted(&PreprocessOptions::default());
    assert_eq!(p.feature_names(), ["kind_b", "kind_c", "x", "same"]);
    assert_eq!(p.columns(), ["kind", "flat", "x", "same"]);
    assert_eq!(p.feature_columns(), [0, 0, 2, 3]);
    let d = p.transform(&table(), &FIT).unwrap();
    assert_eq!((d.x.nrows(), d.x.ncols()), (5, 4));
    // Row 3 has a missing kind: imputed as "a", the reference.
    assert_eq!(d.x.col_as_slice(0), [1.0, 0.0, 1.0, 0.0, 0.0]);
    assert_eq!(d.x.col_as_slice(1), [0.0; 5]);
    let s = 1522f64.sqrt();
    let expected = [-21.0 / s, -20.0 / s, -19.0 / s, -18.0 / s, 78.0 / s];
    assert_eq!(d.x.col_as_slice(2), expected);
    assert_eq!(d.y, [0, 1, 0, 1, 0]);
    assert_eq!(d.feature_names, p.feature_names());
    assert_eq!(d.feature_columns, [0, 0, 2, 3]);
    assert_eq!(d.columns, p.columns());
}

#[test]
fn unseen_levels_are_an_error_or_the_reference() {
    let p = fitted(&PreprocessOptions::default());
    let e = p.transform(&other(), &[0, 5]).unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"other.csv:9: column "kind": level "d" was not seen when the preprocessor was fitted"#
    );
    // The level that only the non-fitting row 5 of the fitted file holds is known.
    let d = p.transform(&table(), &[0, 5]).unwrap();
    assert_eq!(d.x.col_as_slice(1), [0.0, 1.0]);
    let p = fitted(&PreprocessOptions {
        unseen: Unseen::Reference,
        ..Default::default()
    });
    let d = p.transform(&other(), &[0, 5]).unwrap();
    assert_eq!(d.x.col_as_slice(0), [1.0, 0.0]);
    assert_eq!(d.x.col_as_slice(1), [0.0, 0.0]);
}

#[test]
fn dropping_columns_removes_their_features() {
    let options = PreprocessOptions {
        drop_columns: vec!["x".into(), "kind".into()],
        unseen: Unseen::Error,
    };
    let p = fitted(&options);
    assert_eq!(p.feature_names(), ["same"]);
    assert_eq!(p.dropped(), ["kind", "x"]);
    assert_eq!(p.feature_columns(), [1]);
    // Without "kind" the unseen level in row 5 no longer matters.
    let d = p.transform_all(&other()).unwrap();
    assert_eq!((d.x.nrows(), d.x.ncols()), (6, 1));
    let bad = PreprocessOptions {
        drop_columns: vec!["class".into()],
        unseen: Unseen::Error,
    };
    let e = Preprocessor::fit(&table(), &FIT, &bad).unwrap_err();
    assert!(matches!(e, DataError::BadOptions(_)));
    assert!(e.to_string().contains(r#"cannot drop "class""#), "{e}");
}

#[test]
fn unusable_fits_are_errors() {
    let none = Preprocessor::fit(&table(), &[], &PreprocessOptions::default());
    assert!(matches!(none, Err(DataError::BadOptions(_))));
    // Row 2 has x missing: nothing to take a median of.
    let e = Preprocessor::fit(&table(), &[2], &PreprocessOptions::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"t.csv: column "x" has no observed value among the 1 fitting rows"#
    );
    let e = Preprocessor::fit(&table(), &[0, 6], &PreprocessOptions::default()).unwrap_err();
    assert!(matches!(e, DataError::InvalidTable { .. }));
    let mut broken = table();
    broken.categorical[0].codes[1] = Some(7);
    let e = Preprocessor::fit(&broken, &FIT, &PreprocessOptions::default()).unwrap_err();
    assert!(matches!(e, DataError::InvalidTable { .. }));
}

#[test]
fn transform_finds_columns_by_name() {
    let p = fitted(&PreprocessOptions::default());
    let mut t = table();
    t.schema.numeric.reverse();
    t.numeric.reverse();
    t.schema.categorical.reverse();
    t.categorical.reverse();
    let a = p.transform(&table(), &FIT).unwrap();
    let b = p.transform(&t, &FIT).unwrap();
    assert_eq!(a.x, b.x);
    t.schema.numeric[0] = "renamed".into();
    let e = p.transform(&t, &FIT).unwrap_err();
    assert_eq!(e.to_string(), r#"t.csv: required column "same" is missing"#);
}

#[test]
fn serde_round_trip_and_corrupt_files_are_refused() {
    let p = fitted(&PreprocessOptions::default());
    let json = serde_json::to_string(&p).unwrap();
    let back: Preprocessor = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);
    assert!(json.contains(r#""reference":"a""#), "{json}");
    let edited = json.replace(r#""kind_b""#, r#""kind_z""#);
    assert!(serde_json::from_str::<Preprocessor>(&edited).is_err());
    let unsorted = json.replace(r#"["a","b","c"]"#, r#"["b","a","c"]"#);
    assert!(serde_json::from_str::<Preprocessor>(&unsorted).is_err());
}

#[test]
fn values_near_the_largest_float_give_finite_statistics_and_features() {
    for big in [1e155, 1e200, 1e300, f64::MAX] {
        let mut t = table();
        t.numeric[0] = vec![big, -big, f64::NAN, big / 2.0, 1.0, 0.0];
        let p = Preprocessor::fit(&t, &FIT, &PreprocessOptions::default()).unwrap();
        let x = &p.numeric()[0];
        for v in [x.median, x.mean, x.std, x.scale] {
            assert!(v.is_finite(), "{big:e}: {x:?}");
        }
        // Observed big, -big, big/2, 1 → median (big/2 + 1) / 2, about big/4.
        assert!((x.median / (big / 4.0) - 1.0).abs() < 1e-12, "{x:?}");
        let d = p.transform(&t, &FIT).unwrap();
        let z = d.x.col_as_slice(2);
        assert!(z.iter().all(|v| v.is_finite()), "{z:?}");
        // Standardised training values have mean 0 and variance 1.
        let mean = z.iter().sum::<f64>() / 5.0;
        let var = z.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / 5.0;
        assert!(
            mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-12,
            "{mean} {var}"
        );
        // The model file round trip keeps every number.
        let json = serde_json::to_string(&p).unwrap();
        assert!(!json.contains("null"), "{json}");
    }
    // Ordinary values keep the plain formula's bits.
    let p = fitted(&PreprocessOptions::default());
    assert_eq!(p.numeric()[0].mean, 22.0);
}

#[test]
fn a_value_that_cannot_be_standardised_is_an_error_naming_it() {
    let mut t = table();
    t.numeric[0] = vec![1e-150, 2e-150, 3e-150, 4e-150, 5e-150, 1e300];
    let p = Preprocessor::fit(&t, &FIT, &PreprocessOptions::default()).unwrap();
    let e = p.transform(&t, &[0, 5]).unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"t.csv:9: column "x": 1e300 is too far from the fitted values to standardise (the result is not a finite number)"#
    );
}
