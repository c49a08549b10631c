//! Checks against the assignment's real files, which are never committed: ignored (the test
//! list says why) unless run with `--include-ignored` and `DATA_DIR` naming their folder (a
//! relative `DATA_DIR` is taken from the workspace root).

use std::path::PathBuf;

use data::{PreprocessOptions, Preprocessor, Schema, Table, load_csv, stratified_split};

/// The data directory, or `None` (after saying so) when the tests should be skipped.
fn data_dir() -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("DATA_DIR") else {
        panic!("DATA_DIR is not set: it names the real data's folder (e.g. ../shared/data)");
    };
    let dir = PathBuf::from(dir);
    Some(if dir.is_relative() {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(dir)
    } else {
        dir
    })
}

fn load(name: &str) -> Option<Table> {
    let path = data_dir()?.join(name);
    let loaded = load_csv(&path, &Schema::listings()).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    Some(loaded.table)
}

/// Missing cells per feature column, categorical then numeric.
fn missing(t: &Table) -> Vec<usize> {
    let cat = t
        .categorical
        .iter()
        .map(|c| c.codes.iter().filter(|c| c.is_none()).count());
    let num = t
        .numeric
        .iter()
        .map(|c| c.iter().filter(|v| v.is_nan()).count());
    cat.chain(num).collect()
}

fn class_counts(t: &Table) -> Vec<usize> {
    let mut counts = vec![0; t.schema.n_classes];
    for &l in &t.labels {
        counts[l as usize] += 1;
    }
    counts
}

#[test]
#[ignore = "reads the real data: DATA_DIR=../shared/data cargo test --workspace --release -- --include-ignored"]
fn train_has_the_documented_shape() {
    let Some(t) = load("train.csv") else { return };
    assert_eq!(t.n_rows(), 41_348);
    assert_eq!(missing(&t), [839, 611, 1_322, 916, 1_123, 595]);
    assert_eq!(class_counts(&t), [5_567, 23_287, 9_844, 2_650]);
    assert_eq!(t.lines[0], 2);
    assert_eq!(t.lines[t.n_rows() - 1], 41_349);
    assert_eq!(
        t.categorical[0].levels,
        ["Bronx", "Brooklyn", "Manhattan", "Queens", "Staten Island"]
    );
    assert_eq!(
        t.categorical[1].levels,
        ["Entire home/apt", "Private room", "Shared room"]
    );
}

#[test]
#[ignore = "reads the real data: DATA_DIR=../shared/data cargo test --workspace --release -- --include-ignored"]
fn test_file_loads_complete() {
    let Some(t) = load("test.csv") else { return };
    assert_eq!(t.n_rows(), 7_297);
    assert_eq!(missing(&t), [0; 6]);
}

#[test]
#[ignore = "reads the real data: DATA_DIR=../shared/data cargo test --workspace --release -- --include-ignored"]
fn the_preprocessor_fitted_on_the_train_split_encodes_test() {
    let (Some(train), Some(test)) = (load("train.csv"), load("test.csv")) else {
        return;
    };
    let split = stratified_split(&train.labels, 4, 0.2, 42);
    assert_eq!(split.train.len() + split.validation.len(), 41_348);
    let p = Preprocessor::fit(&train, &split.train, &PreprocessOptions::default()).unwrap();
    assert_eq!(p.feature_names().len(), 4 + 2 + 4);
    let d = p.transform(&train, &split.train).unwrap();
    // Z-scored on the rows they were fitted on: mean 0, population std 1.
    for j in 6..10 {
        let col = d.x.col_as_slice(j);
        let n = col.len() as f64;
        let mean = col.iter().sum::<f64>() / n;
        let var = col.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        assert!(
            mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-12,
            "{j}: {mean} {var}"
        );
    }
    let t = p.transform_all(&test).unwrap();
    assert_eq!((t.x.nrows(), t.x.ncols()), (7_297, 10));
    assert!(t.x.col_iter().all(|c| c.iter().all(|v| v.is_finite())));
}

#[test]
#[ignore = "reads the real data: DATA_DIR=../shared/data cargo test --workspace --release -- --include-ignored"]
fn imputation_values_match_an_independent_computation() {
    let Some(t) = load("train.csv") else { return };
    let p = Preprocessor::fit(
        &t,
        &(0..t.n_rows()).collect::<Vec<_>>(),
        &Default::default(),
    )
    .unwrap();
    // Computed separately with Python's statistics.median / collections.Counter.
    let medians: Vec<f64> = p.numeric().iter().map(|n| n.median).collect();
    assert_eq!(medians, [3.0, 51.4, 5.0, 44.0]);
    let imputes: Vec<&str> = p.categorical().iter().map(|c| c.impute.as_str()).collect();
    assert_eq!(imputes, ["Manhattan", "Entire home/apt"]);
    let references: Vec<&str> = p
        .categorical()
        .iter()
        .map(|c| c.reference.as_str())
        .collect();
    assert_eq!(references, ["Bronx", "Entire home/apt"]);
    // minimum_nights: observed mean 7.0029 over 40,026 rows; 1,322 imputed with 3.
    let expected_mean = (7.002_873_132_463_899 * 40_026.0 + 3.0 * 1_322.0) / 41_348.0;
    assert!((p.numeric()[0].mean - expected_mean).abs() < 1e-9);
}

#[test]
#[ignore = "reads the real data: DATA_DIR=../shared/data cargo test --workspace --release -- --include-ignored"]
fn the_inferred_schema_of_the_listings_files_is_the_shipped_one() {
    let Some(dir) = data_dir() else { return };
    let (train, test) = (dir.join("train.csv"), dir.join("test.csv"));
    let inferred = data::infer::infer_schema(&[&train, &test], "price_class").unwrap();
    assert_eq!(inferred, Schema::listings().structure());
}
