//! Model files read from disk: every internal inconsistency is an error naming it (never a
//! panic in a later matrix product), and mutated files never panic (fuzzed; proptest's case
//! count, `PROPTEST_CASES` in CI).

use crate::common;

use faer::Mat;
use models::file::{ModelFile, ModelFileError};
use models::{Activation, BiasMode, BiasNet, Init, Mlp};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

fn mlp_file() -> ModelFile {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mlp = Mlp::new(5, &[6, 3], 4, Activation::Relu, Init::Study, &mut rng);
    ModelFile::from_mlp(&mlp, &common::preprocessor())
}

fn bias_file(mode: BiasMode) -> ModelFile {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let net = BiasNet::new(5, 4, Activation::Sigmoid, mode, &mut rng);
    ModelFile::from_bias_net(&net, &common::preprocessor())
}

fn message(file: &ModelFile) -> String {
    file.check().unwrap_err().to_string()
}

#[test]
fn valid_files_pass() {
    mlp_file().check().unwrap();
    bias_file(BiasMode::Shared).check().unwrap();
    bias_file(BiasMode::Independent).check().unwrap();
    assert_eq!(mlp_file().n_classes(), 4);
}

#[test]
fn an_empty_layer_list_says_so() {
    let mut f = mlp_file();
    f.layers.clear();
    assert_eq!(f.check(), Err(ModelFileError::NoLayers));
    assert_eq!(
        message(&f),
        "model file lists no layers (a network needs at least its output layer)"
    );
    assert_eq!(f.n_classes(), 0);
}

#[test]
fn feature_names_must_be_the_preprocessors() {
    let mut f = mlp_file();
    f.feature_names[1] = "room_type_Hotel".into();
    assert_eq!(
        message(&f),
        r#"model file is inconsistent: feature_names (5 names) differ from the preprocessor's (5 names; first at position 2: "room_type_Hotel" against "neighbourhood_group_Queens")"#
    );
    // Names and first layer agree with each other but not with the preprocessor: the case
    // that used to reach the matrix product.
    let mut f = mlp_file();
    f.feature_names.push("extra".into());
    f.layers[0].weight.push(vec![0.0; 6]);
    assert!(message(&f).contains("(6 names) differ from the preprocessor's (5 names)"));
    let mut f = mlp_file();
    f.layers[0].weight.pop();
    assert_eq!(
        message(&f),
        "model file is inconsistent: 5 feature names but the first layer takes 4 inputs"
    );
}

#[test]
fn layers_must_chain_and_be_rectangular() {
    let mut f = mlp_file();
    f.layers[1].weight.pop();
    assert_eq!(
        message(&f),
        "model file is inconsistent: layer 1 gives 6 outputs, layer 2 takes 5"
    );
    let mut f = mlp_file();
    f.layers[2].weight[1].push(1.0);
    assert_eq!(
        message(&f),
        "model file is inconsistent: layer 3: weight row 2 has 5 numbers, the bias 4"
    );
    let mut f = mlp_file();
    f.layers[2].bias.clear();
    for row in &mut f.layers[2].weight {
        row.clear();
    }
    assert!(message(&f).contains("layer 3: 3 weight rows and 0 biases"));
    let mut f = mlp_file();
    f.layers[1].bias[0] = f64::NAN;
    assert_eq!(
        message(&f),
        "model file holds a non-finite number: layer 2: NaN"
    );
}

#[test]
fn shared_bias_flags_must_match_the_layers() {
    let mut f = bias_file(BiasMode::Shared);
    f.layers[1].bias[2] += 0.5;
    assert_eq!(
        message(&f),
        "model file is inconsistent: shared_bias is true but the two biases differ"
    );
    let mut f = bias_file(BiasMode::Independent);
    f.layers[1].bias[2] += 0.5;
    f.check().unwrap();
    let mut f = mlp_file();
    f.shared_bias = Some(false);
    assert!(message(&f).contains("two layers of equal width; this one has widths 6, 3, 4"));
}

#[test]
fn a_design_of_the_wrong_width_is_an_error_not_a_panic() {
    let f = mlp_file();
    let x = Mat::<f64>::zeros(3, 7);
    assert_eq!(
        f.predict_proba(x.as_ref()).unwrap_err().to_string(),
        "model file is inconsistent: 7 input columns for a network of 5 inputs"
    );
}

#[test]
fn null_is_refused_when_read() {
    let json = serde_json::to_string(&mlp_file()).unwrap();
    let first = json.find("\"bias\":[").unwrap() + "\"bias\":[".len();
    let end = first + json[first..].find([',', ']']).unwrap();
    let edited = format!("{}null{}", &json[..first], &json[end..]);
    let e = serde_json::from_str::<ModelFile>(&edited).unwrap_err();
    assert!(e.to_string().contains("null"), "{e}");
    assert!(e.line() >= 1 && e.column() > 0);
}

/// A random edit of a JSON tree, driven by `choices`.
fn mutate(v: &mut Value, choices: &mut impl Iterator<Item = u64>) {
    let pick = choices.next().unwrap_or(0);
    match v {
        Value::Array(items) if !items.is_empty() && !pick.is_multiple_of(3) => {
            let k = (pick / 3) as usize % items.len();
            match pick % 7 {
                0 => {
                    items.remove(k);
                }
                1 => {
                    let copy = items[k].clone();
                    items.insert(k, copy);
                }
                _ => mutate(&mut items[k], choices),
            }
        }
        Value::Object(map) if !map.is_empty() && !pick.is_multiple_of(4) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = &keys[(pick / 4) as usize % keys.len()];
            if pick % 9 == 1 {
                map.remove(key);
            } else if let Some(child) = map.get_mut(key) {
                mutate(child, choices);
            }
        }
        _ => {
            *v = match pick % 8 {
                0 => Value::Null,
                1 => serde_json::json!(1e308),
                2 => serde_json::json!(-0.0),
                3 => serde_json::json!(0),
                4 => serde_json::json!([]),
                5 => serde_json::json!("Queens"),
                6 => serde_json::json!(true),
                _ => serde_json::json!(pick as f64 * 1e-3 - 7.0),
            };
        }
    }
}

/// Reads `text` as a model file and, when it is accepted, uses it every way a reader can.
fn exercise(text: &str) {
    let Ok(file) = serde_json::from_str::<ModelFile>(text) else {
        return;
    };
    let _ = file.to_bias_net();
    if file.check().is_err() {
        assert!(file.to_mlp().is_err());
        return;
    }
    let width = file.feature_names.len();
    let x = Mat::from_fn(3, width, |i, j| (i as f64 - 1.0) * (j as f64 + 0.5));
    let p = file.predict_proba(x.as_ref()).unwrap();
    assert_eq!((p.nrows(), p.ncols()), (3, file.n_classes()));
}

proptest! {
    #[test]
    fn mutated_model_files_never_panic(
        which in 0..3usize,
        edits in proptest::collection::vec(proptest::collection::vec(any::<u64>(), 1..12), 1..4),
    ) {
        let file = [mlp_file(), bias_file(BiasMode::Shared), bias_file(BiasMode::Independent)]
            [which].clone();
        let mut tree = serde_json::to_value(&file).unwrap();
        for choices in &edits {
            mutate(&mut tree, &mut choices.iter().copied());
        }
        exercise(&tree.to_string());
    }

    #[test]
    fn byte_edits_of_model_files_never_panic(
        edits in proptest::collection::vec((any::<usize>(), proptest::sample::select(b"0123456789.,-e[]{}\"n:".as_slice())), 1..6),
    ) {
        let mut bytes = serde_json::to_string(&mlp_file()).unwrap().into_bytes();
        for &(position, byte) in &edits {
            let k = position % bytes.len();
            bytes[k] = byte;
        }
        if let Ok(text) = String::from_utf8(bytes) {
            exercise(&text);
        }
    }
}
