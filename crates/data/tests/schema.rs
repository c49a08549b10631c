//! Schema files, inference and text labels on the committed fixtures: the penguins table
//! (text classes, missing values) and the synthetic listings-shaped files.

use std::path::{Path, PathBuf};

use data::infer::infer_schema;
use data::{Label, Schema, load_csv, load_csv_with, read_csv, schema_file};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

fn penguins() -> Schema {
    schema_file::load(&fixture("penguins/schema.toml")).unwrap()
}

#[test]
fn the_penguins_schema_reads_both_files_with_text_classes() {
    let schema = penguins();
    assert_eq!(schema.classes, ["Adelie", "Chinstrap", "Gentoo"]);
    assert_eq!(schema.categorical, ["island", "sex"]);
    assert_eq!(schema.numeric.len(), 4);
    let train = load_csv(&fixture("penguins/train.csv"), &schema).unwrap();
    let test = load_csv(&fixture("penguins/test.csv"), &schema).unwrap();
    assert!(train.warnings.is_empty(), "{:?}", train.warnings);
    assert_eq!((train.table.n_rows(), test.table.n_rows()), (275, 69));
    // Every class in both files; the split is stratified (about a fifth of each species).
    for class in 0..3u8 {
        let n = |t: &data::Table| t.labels.iter().filter(|&&y| y == class).count();
        let (a, b) = (n(&train.table), n(&test.table));
        assert!(a > 0 && b > 0);
        let share = b as f64 / (a + b) as f64;
        assert!((share - 0.2).abs() < 0.02, "class {class}: {share}");
    }
    // The source's missing values stay missing ("NA").
    let sex = &train.table.categorical[1];
    assert!(sex.codes.iter().any(Option::is_none));
    assert_eq!(sex.levels, ["female", "male"]);
}

#[test]
fn the_inferred_penguins_schema_has_the_shipped_structure() {
    let (train, test) = (fixture("penguins/train.csv"), fixture("penguins/test.csv"));
    let inferred = infer_schema(&[&train, &test], "species").unwrap();
    assert_eq!(inferred, penguins().structure());
}

#[test]
fn the_inferred_schema_of_listings_shaped_files_is_the_shipped_listings_schema() {
    let train = fixture("synthetic_train.csv");
    let test = fixture("synthetic_test.csv");
    let inferred = infer_schema(&[&train, &test], "price_class").unwrap();
    assert_eq!(inferred, Schema::listings().structure());
    // And the printed form reads back as the same schema.
    let text = schema_file::to_toml(&inferred);
    assert_eq!(schema_file::parse(&text, "x.toml").unwrap(), inferred);
}

#[test]
fn labels_outside_the_declared_classes_are_errors_naming_the_cell() {
    let schema = penguins();
    let text = "species,island,sex,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g\n\
                Adelie,Dream,male,39,18,190,3700\n\
                adelie,Dream,male,39,18,190,3700\n";
    let e = read_csv(text.as_bytes(), "p.csv", &schema)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        r#"p.csv:3: column "species": "adelie" is not one of the 3 classes the schema declares"#
    );
    // Prediction input may leave the label blank or out.
    let blank = text.replace("adelie", "");
    let loaded = read_csv_with_optional(&blank, &schema);
    assert!(!loaded.labelled);
    // An integer is a text like any other for text classes.
    let e = read_csv(text.replace("adelie", "1").as_bytes(), "p.csv", &schema).unwrap_err();
    assert!(e.to_string().contains("\"1\" is not one of the 3 classes"));
}

fn read_csv_with_optional(text: &str, schema: &Schema) -> data::Loaded {
    let path = std::env::temp_dir().join(format!("schema-test-{}.csv", std::process::id()));
    std::fs::write(&path, text).unwrap();
    let loaded = load_csv_with(&path, schema, Label::Optional).unwrap();
    let _ = std::fs::remove_file(&path);
    loaded
}
