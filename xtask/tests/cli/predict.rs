//! `predict`: it refuses to overwrite its inputs, refuses bad model files with one line,
//! takes blank labels and out-of-range values, and names a row it cannot score.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{fails_with, fixture, names, read_json, scratch, snapshot, xtask};

/// An edit of a model file's JSON.
type Edit = fn(&mut Value);

/// A model file for the listings schema fitted on the synthetic fixture (a fresh network:
/// prediction only needs a consistent file).
fn model_file(dir: &Path) -> PathBuf {
    let t = data::load_csv(
        Path::new(&fixture("synthetic_train.csv")),
        &data::Schema::listings(),
    )
    .unwrap()
    .table;
    let rows: Vec<usize> = (0..t.n_rows()).collect();
    let p = data::Preprocessor::fit(&t, &rows, &data::PreprocessOptions::default()).unwrap();
    let mut rng = data::rng::stream(1, data::rng::Stream::Init);
    let mlp = models::Mlp::new(
        p.feature_names().len(),
        &[8],
        4,
        models::Activation::Relu,
        models::Init::Study,
        &mut rng,
    );
    let file = models::file::ModelFile::from_mlp(&mlp, &p);
    let path = dir.join("model.json");
    std::fs::write(&path, serde_json::to_string_pretty(&file).unwrap()).unwrap();
    path
}

#[test]
fn predict_refuses_to_overwrite_its_inputs_and_bad_models() {
    let dir = scratch("predict");
    std::fs::create_dir_all(&dir).unwrap();
    let model = model_file(&dir);
    let m = model.to_str().unwrap();
    let input = dir.join("rows.csv");
    std::fs::copy(fixture("synthetic_test.csv"), &input).unwrap();
    let i = input.to_str().unwrap();
    let before = snapshot(&dir);
    let same_input = format!("{}/./rows.csv", dir.display());
    let same_model = format!(
        "{}/../{}/model.json",
        dir.display(),
        dir.file_name().unwrap().to_str().unwrap()
    );
    for (out, flag) in [
        (same_input.as_str(), "--input"),
        (same_model.as_str(), "--model"),
    ] {
        fails_with(
            &["predict", "--model", m, "--input", i, "--out", out],
            &format!("--out is the same file as {flag}"),
        );
    }
    fails_with(
        &[
            "predict",
            "--model",
            m,
            "--input",
            i,
            "--out",
            dir.to_str().unwrap(),
        ],
        "is a directory",
    );
    assert_eq!(snapshot(&dir), before);

    // Bad model files: one line naming the file and what is wrong.
    let json = read_json(&model);
    let edits: [(&str, Edit, &str); 4] = [
        (
            "no_layers.json",
            |v| v["layers"] = serde_json::json!([]),
            "lists no layers",
        ),
        (
            "names.json",
            |v| v["feature_names"][0] = "other".into(),
            "differ from the preprocessor's",
        ),
        (
            "shared.json",
            |v| {
                // A Question 2 network (4 hidden units, 4 classes) whose two biases differ.
                let first: Vec<Value> = v["layers"][0]["weight"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| Value::Array(r.as_array().unwrap()[..4].to_vec()))
                    .collect();
                let identity: Vec<Vec<f64>> = (0..4)
                    .map(|i| (0..4).map(|j| f64::from(u8::from(i == j))).collect())
                    .collect();
                v["layers"] = serde_json::json!([
                    {"weight": first, "bias": [0.0, 0.1, 0.0, 0.0]},
                    {"weight": identity, "bias": [0.0, 0.0, 0.0, 0.0]}
                ]);
                v["shared_bias"] = true.into();
            },
            "shared_bias is true but the two biases differ",
        ),
        (
            "null.json",
            |v| v["layers"][0]["bias"][0] = Value::Null,
            "null",
        ),
    ];
    for (name, edit, expected) in edits {
        let mut v = json.clone();
        edit(&mut v);
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        let out = dir.join("p.csv");
        let message = fails_with(
            &[
                "predict",
                "--model",
                path.to_str().unwrap(),
                "--input",
                i,
                "--out",
                out.to_str().unwrap(),
            ],
            expected,
        );
        assert!(
            message.starts_with(&format!("error: {}: ", path.display())),
            "{message}"
        );
        assert!(!out.exists(), "{name}");
    }

    // Blank cells in the optional label column are fine.
    let mut text = std::fs::read_to_string(&input).unwrap();
    text = text.replacen(",1\n", ",\n", 3);
    let blank = dir.join("blank.csv");
    std::fs::write(&blank, &text).unwrap();
    let out = dir.join("blank_predictions.csv");
    let run = xtask(&[
        "predict",
        "--model",
        m,
        "--input",
        blank.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 72);

    // Out-of-range values are predicted as missing, with the warning of the other tasks.
    let header = text.lines().next().unwrap().to_string();
    let odd = dir.join("odd.csv");
    std::fs::write(
        &odd,
        format!("{header}\nQueens,Private room,-4,50,3,100,\n"),
    )
    .unwrap();
    let run = xtask(&[
        "predict",
        "--model",
        m,
        "--input",
        odd.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success());
    assert_eq!(
        String::from_utf8_lossy(&run.stderr).lines().next().unwrap(),
        format!(
            r#"warning: {}: column "minimum_nights": 1 value outside [1, ∞) treated as missing"#,
            odd.display()
        )
    );

    // A row the network cannot score finitely (its hidden units overflow to infinity, the
    // output layer's mixed signs give inf - inf) is an error naming its line.
    let mut v = json.clone();
    for row in v["layers"][0]["weight"].as_array_mut().unwrap() {
        for w in row.as_array_mut().unwrap() {
            *w = 1e308.into();
        }
    }
    let huge = dir.join("huge_weights.json");
    std::fs::write(&huge, serde_json::to_string(&v).unwrap()).unwrap();
    let header = text.lines().next().unwrap().to_string();
    let extreme = dir.join("extreme.csv");
    std::fs::write(
        &extreme,
        format!("{header}\nQueens,Private room,1000,50,600,100,\n"),
    )
    .unwrap();
    let out = dir.join("extreme_predictions.csv");
    fails_with(
        &[
            "predict",
            "--model",
            huge.to_str().unwrap(),
            "--input",
            extreme.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &format!(
            "{}:2: the model gives no finite class probabilities",
            extreme.display()
        ),
    );
    assert!(!out.exists());
    assert!(
        names(&dir).iter().all(|n| !n.contains("tmp")),
        "{:?}",
        names(&dir)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
