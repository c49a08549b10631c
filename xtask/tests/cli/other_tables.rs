//! Tables other than the listings: the penguins run end to end in their own words,
//! `schema` infers a schema and `--label` infers one on the fly, and bad schemas, labels
//! and configs are one line naming the place.

use serde_json::Value;

use super::{fails_with, fixture, read_json, scratch, xtask};

/// Words of the listings data set that must not appear in a report on another table.
const LISTINGS_WORDS: [&str; 12] = [
    "Airbnb",
    "NYC",
    "listing",
    "price",
    "Price",
    "Budget",
    "Moderate",
    "Premium",
    "Luxury",
    "amenity",
    "neighbourhood_group",
    "room_type",
];

#[test]
fn penguins_run_end_to_end_without_a_root_cause_and_with_a_strong_feature() {
    let out = scratch("penguins");
    let run = xtask(&[
        "all",
        "--data",
        &fixture("penguins"),
        "--schema",
        &fixture("penguins/schema.toml"),
        "--quick",
        "--quiet",
        "--out",
        &out.display().to_string(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    // Train and test come from one distribution: no collapse, so no root cause.
    let d = read_json(&out.join("part_d.json"));
    assert_eq!(d["verdicts"]["collapse"]["finding"], "no_collapse", "{d:#}");
    assert_eq!(d["root_cause"]["feature"], Value::Null);
    assert_eq!(d["root_cause"]["shortcuts"], serde_json::json!([]));
    // A dominant column whose relation holds on test is reported as a strong feature.
    let strong = d["root_cause"]["strong_features"].as_array().unwrap();
    assert!(!strong.is_empty(), "{:#}", d["root_cause"]);
    let eda = read_json(&out.join("eda.json"));
    for s in strong {
        assert!(
            eda["dominant_features"].as_array().unwrap().contains(s),
            "{s} is not dominant"
        );
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.starts_with("# Species of Palmer penguins: a verified study"));
    assert!(report.contains("a strong, honest feature"));
    assert!(report.contains("Gentoo"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let mut figures = String::new();
    for entry in std::fs::read_dir(out.join("figures")).unwrap() {
        figures.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    for word in LISTINGS_WORDS {
        for (name, text) in [
            ("report.md", &report),
            ("report.html", &html),
            ("figures", &figures),
        ] {
            assert!(!text.contains(word), "{name} says {word:?}");
        }
    }
    // predict gives the classes back as their text.
    let model = out.join("models/part_c_tape.json");
    let predictions = out.join("predictions.csv");
    let p = xtask(&[
        "predict",
        "--model",
        &model.display().to_string(),
        "--input",
        &fixture("penguins/test.csv"),
        "--out",
        &predictions.display().to_string(),
    ]);
    assert!(p.status.success(), "{}", String::from_utf8_lossy(&p.stderr));
    let text = std::fs::read_to_string(&predictions).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("row,predicted_class,p_Adelie,p_Chinstrap,p_Gentoo")
    );
    for line in lines {
        let class = line.split(',').nth(1).unwrap();
        assert!(["Adelie", "Chinstrap", "Gentoo"].contains(&class), "{line}");
    }
    // The run's config.json reruns it: same records.
    let again = scratch("penguins-again");
    let rerun = xtask(&[
        "part-d",
        "--data",
        &fixture("penguins"),
        "--schema",
        &fixture("penguins/schema.toml"),
        "--config",
        &out.join("config.json").display().to_string(),
        "--quiet",
        "--out",
        &again.display().to_string(),
    ]);
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    assert_eq!(read_json(&again.join("part_d.json")), d);
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&again);
}

#[test]
fn schema_prints_an_inferred_schema_and_label_infers_on_the_fly() {
    let out = xtask(&[
        "schema",
        "--data",
        &fixture("penguins"),
        "--label",
        "species",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("classes = [\"Adelie\", \"Chinstrap\", \"Gentoo\"]"),
        "{text}"
    );
    assert!(
        text.contains("column = \"island\"\nkind = \"categorical\""),
        "{text}"
    );
    let dir = scratch("eda-label");
    let eda = xtask(&[
        "eda",
        "--data",
        &fixture("penguins"),
        "--label",
        "species",
        "--out",
        &dir.display().to_string(),
    ]);
    let stderr = String::from_utf8_lossy(&eda.stderr);
    assert!(eda.status.success(), "{stderr}");
    assert!(stderr.contains("inferred one from the files"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_schemas_labels_and_configs_are_one_line_naming_the_place() {
    let dir = scratch("bad-settings");
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let data = fixture("penguins");
    let out = dir.join("out").display().to_string();
    // The penguins schema with one class left out: a row of that class is refused.
    let full = std::fs::read_to_string(fixture("penguins/schema.toml")).unwrap();
    let two = full.replace(
        "classes = [\"Adelie\", \"Chinstrap\", \"Gentoo\"]",
        "classes = [\"Adelie\", \"Gentoo\"]",
    );
    assert_ne!(two, full);
    let schema = file("s.toml", &two);
    fails_with(
        &["eda", "--data", &data, "--schema", &schema, "--out", &out],
        "train.csv:223: column \"species\": \"Chinstrap\" is not one of the 2 classes the schema declares",
    );
    let bad = file(
        "b.toml",
        "[label]\ncolumn = \"species\"\nn_classes = 3\nsize = 2\n",
    );
    fails_with(
        &["eda", "--data", &data, "--schema", &bad, "--out", &out],
        "b.toml:4:1: unknown field `size`",
    );
    let one = file(
        "one.toml",
        "[label]\ncolumn = \"species\"\nclasses = [\"Adelie\"]\n",
    );
    fails_with(
        &["eda", "--data", &data, "--schema", &one, "--out", &out],
        "one.toml: 1 classes; a classifier needs 2 to 256",
    );
    fails_with(
        &["eda", "--data", &data, "--label", "nope", "--out", &out],
        "required column \"nope\" is missing",
    );
    let both = xtask(&[
        "eda", "--data", &data, "--label", "island", "--schema", &schema,
    ]);
    assert_eq!(both.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&both.stderr).contains("cannot be used with"));
    let config = file("c.toml", "[part_b]\nlearning_rate = -1\n");
    fails_with(
        &[
            "part-b",
            "--data",
            &data,
            "--schema",
            &fixture("penguins/schema.toml"),
            "--config",
            &config,
            "--out",
            &out,
        ],
        "c.toml: part_b.learning_rate = -1: must be > 0",
    );
    let config = file("u.toml", "[part_d]\ncolapse_gap = 0.1\n");
    fails_with(
        &["eda", "--config", &config, "--out", &out],
        "u.toml: unknown key `part_d.colapse_gap`",
    );
    fails_with(
        &["part-c", "--hidden", "32,0", "--out", &out],
        "part_b.hidden = [32, 0]: every value must be ≥ 1",
    );
    let _ = std::fs::remove_dir_all(&dir);
}
