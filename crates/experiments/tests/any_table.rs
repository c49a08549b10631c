//! The whole study on tables of other shapes, built here as CSV text: text labels, 2 and
//! 6 classes, 3 and 12 feature columns, a leak in a column of this test's choosing. The
//! diagnosis must name the leak and dropping it must recover the test accuracy; nothing
//! here is shaped like the listings.

use data::{Names, Schema, read_csv};
use experiments::part_d::MitigationKind;
use experiments::verdicts::{Collapse, Dominance};
use experiments::{Config, Outputs, Runtime, Silent, Source, run_all};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A table's shape: the classes (as their label texts), the categorical and the numeric
/// columns; the numeric column `leak` tracks the class in train only, `signal` in both.
struct Shape {
    classes: Vec<String>,
    categorical: Vec<String>,
    numeric: Vec<String>,
    leak: &'static str,
}

fn shape(classes: &[&str], categorical: usize, numeric: usize, leak: &'static str) -> Shape {
    let mut numeric: Vec<String> = (0..numeric - 2).map(|i| format!("noise_{i}")).collect();
    numeric.insert(numeric.len() / 2, leak.to_string());
    numeric.push("signal".to_string());
    Shape {
        classes: classes.iter().map(|c| c.to_string()).collect(),
        categorical: (0..categorical).map(|i| format!("tag_{i}")).collect(),
        numeric,
        leak,
    }
}

fn schema(s: &Shape) -> Schema {
    Schema {
        categorical: s.categorical.clone(),
        numeric: s.numeric.clone(),
        label: "outcome".into(),
        n_classes: s.classes.len(),
        ranges: Vec::new(),
        classes: s.classes.clone(),
        ordered: None,
        names: Names::default(),
    }
}

/// `rows` rows as CSV, label column first; in test the leak is noise.
fn csv(s: &Shape, rows: usize, test: bool, seed: u64) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut text = format!(
        "outcome,{},{}\n",
        s.categorical.join(","),
        s.numeric.join(",")
    );
    let k = s.classes.len();
    for _ in 0..rows {
        let y = rng.random_range(0..k);
        let mut cells = vec![s.classes[y].clone()];
        for _ in &s.categorical {
            cells.push(["red", "green", "blue"][rng.random_range(0..3)].to_string());
        }
        for name in &s.numeric {
            let noise: f64 = rng.random_range(-1.0..1.0);
            let v = if name == s.leak {
                if test {
                    rng.random_range(0.0..k as f64)
                } else {
                    y as f64 + 0.05 * noise
                }
            } else if name == "signal" {
                y as f64 + 0.9 * noise
            } else {
                noise
            };
            cells.push(format!("{v:.4}"));
        }
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    text
}

fn run(s: &Shape) -> Outputs {
    let schema = schema(s);
    let read = |text: String, name: &str| read_csv(text.as_bytes(), name, &schema).unwrap().table;
    let train = read(csv(s, 2_000, false, 1), "train.csv");
    let test = read(csv(s, 500, true, 2), "test.csv");
    let mut config = Config::quick(3);
    config.part_c.epochs = 25;
    let runtime = Runtime::default();
    run_all(&train, &test, Source::Csv, &config, &runtime, &mut Silent).unwrap()
}

fn check(s: &Shape) {
    let o = run(s);
    assert_eq!(o.part_a.n_classes, s.classes.len());
    assert_eq!(o.part_a.schema.class_name(1), s.classes[1]);
    assert_eq!(
        o.part_a.features.len(),
        s.categorical.len() + s.numeric.len()
    );
    let d = &o.part_d;
    let v = &d.verdicts.root_cause;
    assert_eq!(v.columns, [s.leak], "{v:?}");
    assert_eq!(d.verdicts.collapse.finding, Collapse::Collapse);
    assert!(d.root_cause.shortcuts.iter().any(|c| c == s.leak));
    let leak = d
        .root_cause
        .evidence
        .iter()
        .find(|e| e.shift.column == s.leak)
        .unwrap();
    assert_eq!(leak.dominance, Some(Dominance::Shortcut));
    assert!(!d.root_cause.strong_features.iter().any(|c| c == s.leak));
    let dropped = d
        .mitigations
        .iter()
        .find(|m| m.name == MitigationKind::DropRootCause)
        .unwrap();
    assert!(
        dropped.test_acc > d.model.test_acc + 0.1,
        "dropping {} gives {} on test against {}",
        s.leak,
        dropped.test_acc,
        d.model.test_acc
    );
    // The model files carry the schema: a saved model names the classes by their text.
    let file = &o.models[0].file;
    assert_eq!(file.preprocessor.schema().classes, s.classes);
    assert_eq!(file.n_classes(), s.classes.len());
}

#[test]
fn two_text_classes_three_features() {
    check(&shape(&["stay", "leave"], 1, 2, "tenure"));
}

#[test]
fn six_text_classes_twelve_features() {
    check(&shape(
        &["alpha", "beta", "gamma", "delta", "epsilon", "zeta"],
        4,
        8,
        "reading_c",
    ));
}
