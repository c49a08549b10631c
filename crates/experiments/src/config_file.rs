//! Every setting from a file: `--config FILE` (TOML or JSON) over the study's defaults.
//!
//! The file is merged key by key into the JSON form of a base [`Config`] (the assignment's
//! values, or `--quick`'s), then read back through serde. Working on the JSON form is what
//! lets a field added to any part's configuration be set from a file without this module
//! naming it, and what makes a run's own `config.json` a valid file to rerun it exactly
//! (its `fingerprint` key is ignored). A key the base does not have is an error naming its
//! dotted path; so is a value of the wrong type; the ranges are checked by
//! [`Config::validate`], one `validate` per part.

use serde_json::{Map, Value};

use crate::Config;
use crate::fingerprint::KEY as FINGERPRINT;

/// Reads `text` (TOML, or JSON when it starts with `{`) as settings over `base`; `file`
/// names it in errors.
pub fn apply(text: &str, file: &str, base: &Config) -> Result<Config, String> {
    let mut overrides = parse(text, file)?;
    if let Value::Object(map) = &mut overrides {
        map.remove(FINGERPRINT);
    } else {
        return Err(format!("{file}: expected a table of settings"));
    }
    let mut merged =
        serde_json::to_value(base).map_err(|e| format!("{file}: internal error: {e}"))?;
    merge(&mut merged, overrides, "", file)?;
    let merged = merged.to_string();
    let de = &mut serde_json::Deserializer::from_str(&merged);
    let config: Config = serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        format!("{file}: {key}: {}", e.inner())
    })?;
    config.validate().map_err(|e| format!("{file}: {e}"))?;
    Ok(config)
}

/// The file as a JSON value.
fn parse(text: &str, file: &str) -> Result<Value, String> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text)
            .map_err(|e| format!("{file}:{}:{}: {}", e.line(), e.column(), strip_position(&e)));
    }
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let at = e.span().map_or(String::new(), |s| {
            let (line, column) = data::schema_file::line_column(text, s.start);
            format!(":{line}:{column}")
        });
        format!("{file}{at}: {}", e.message().trim().replace('\n', " "))
    })?;
    serde_json::to_value(table).map_err(|e| format!("{file}: {e}"))
}

/// serde_json's message without its trailing " at line L column C" (given separately).
fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(k) => text[..k].to_string(),
        None => text,
    }
}

/// Merges `over` into `base`: tables key by key, anything else replaced whole. A key absent
/// from `base` is an unknown setting.
fn merge(base: &mut Value, over: Value, path: &str, file: &str) -> Result<(), String> {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => merge_maps(b, o, path, file),
        (Value::Object(_), other) => Err(format!(
            "{file}: {path} = {}: expected a table of settings",
            short(&other)
        )),
        (slot, other) => {
            *slot = other;
            Ok(())
        }
    }
}

fn merge_maps(
    base: &mut Map<String, Value>,
    over: Map<String, Value>,
    path: &str,
    file: &str,
) -> Result<(), String> {
    for (key, value) in over {
        let at = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        match base.get_mut(&key) {
            Some(slot) => merge(slot, value, &at, file)?,
            None => {
                let known: Vec<&str> = base.keys().map(String::as_str).collect();
                return Err(format!(
                    "{file}: unknown key `{at}` (known here: {})",
                    known.join(", ")
                ));
            }
        }
    }
    Ok(())
}

/// A value as echoed in a message, cut short.
fn short(v: &Value) -> String {
    data::shorten(&v.to_string())
}

/// Range checks of one configuration: `Err("key = value: must be …")`.
pub(crate) struct Checks {
    prefix: &'static str,
    error: Option<String>,
}

impl Checks {
    /// Checks of the settings under `prefix` (`"part_b"`; `""` for top-level keys).
    pub(crate) fn new(prefix: &'static str) -> Self {
        Checks {
            prefix,
            error: None,
        }
    }

    fn fail(&mut self, key: &str, value: String, rule: &str) {
        if self.error.is_none() {
            let dot = if self.prefix.is_empty() { "" } else { "." };
            self.error = Some(format!("{}{dot}{key} = {value}: {rule}", self.prefix));
        }
    }

    /// `value > 0` and finite.
    pub(crate) fn positive(&mut self, key: &str, value: f64) -> &mut Self {
        if !(value.is_finite() && value > 0.0) {
            self.fail(key, value.to_string(), "must be > 0");
        }
        self
    }

    /// `value >= 0` and finite.
    pub(crate) fn non_negative(&mut self, key: &str, value: f64) -> &mut Self {
        if !(value.is_finite() && value >= 0.0) {
            self.fail(key, value.to_string(), "must be ≥ 0");
        }
        self
    }

    /// `lo <= value <= hi`.
    pub(crate) fn within(&mut self, key: &str, value: f64, lo: f64, hi: f64) -> &mut Self {
        if !(value >= lo && value <= hi) {
            self.fail(key, value.to_string(), &format!("must be in [{lo}, {hi}]"));
        }
        self
    }

    /// `lo <= value < hi` (a probability that must leave something, a fraction).
    pub(crate) fn below(&mut self, key: &str, value: f64, lo: f64, hi: f64) -> &mut Self {
        if !(value >= lo && value < hi) {
            self.fail(key, value.to_string(), &format!("must be in [{lo}, {hi})"));
        }
        self
    }

    /// A count of at least `min`.
    pub(crate) fn at_least(&mut self, key: &str, value: usize, min: usize) -> &mut Self {
        if value < min {
            self.fail(key, value.to_string(), &format!("must be ≥ {min}"));
        }
        self
    }

    /// A non-empty list of positive, finite numbers.
    pub(crate) fn rates(&mut self, key: &str, values: &[f64]) -> &mut Self {
        if values.is_empty() {
            self.fail(key, "[]".into(), "must list at least one value");
        } else if let Some(v) = values.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
            self.fail(key, format!("[… {v} …]"), "every value must be > 0");
        }
        self
    }

    /// A non-empty list of counts of at least 1.
    pub(crate) fn counts(&mut self, key: &str, values: &[usize]) -> &mut Self {
        if values.is_empty() {
            self.fail(key, "[]".into(), "must list at least one value");
        } else if values.contains(&0) {
            self.fail(key, format!("{values:?}"), "every value must be ≥ 1");
        }
        self
    }

    /// A rule of several settings at once.
    pub(crate) fn rule(&mut self, ok: bool, key: &str, value: String, rule: &str) -> &mut Self {
        if !ok {
            self.fail(key, value, rule);
        }
        self
    }

    /// The first failure, if any.
    pub(crate) fn done(&mut self) -> Result<(), String> {
        self.error.take().map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runs_config_json_reruns_it_exactly() {
        let mut config = Config::quick(7);
        config.part_b.learning_rate = 0.25;
        let stamped = serde_json::json!({
            "fingerprint": {"seed": 7},
        });
        let mut json = serde_json::to_value(&config).unwrap();
        json.as_object_mut()
            .unwrap()
            .insert("fingerprint".into(), stamped["fingerprint"].clone());
        let back = apply(&json.to_string(), "config.json", &Config::full(42)).unwrap();
        assert_eq!(back, config);
    }

    #[test]
    fn toml_sets_nested_keys_and_keeps_the_rest() {
        let text = "seed = 3\n[part_b]\nlearning_rate = 0.5\nhidden = [64, 32]\n[q2]\nlearning_rates = [0.1, 1]\n";
        let c = apply(text, "c.toml", &Config::full(42)).unwrap();
        assert_eq!(c.seed, 3);
        assert_eq!(c.part_b.learning_rate, 0.5);
        assert_eq!(c.part_b.hidden, [64, 32]);
        assert_eq!(c.q2.learning_rates, [0.1, 1.0]);
        assert_eq!(c.part_b.iterations, Config::full(42).part_b.iterations);
    }

    #[test]
    fn errors_name_the_key() {
        let base = Config::full(42);
        let err = |t: &str| apply(t, "c.toml", &base).unwrap_err();
        assert!(
            err("[part_b]\nlerning_rate = 1\n")
                .starts_with("c.toml: unknown key `part_b.lerning_rate`"),
        );
        assert_eq!(
            err("[part_b]\nlearning_rate = -1\n"),
            "c.toml: part_b.learning_rate = -1: must be > 0"
        );
        assert!(
            err("[part_b]\niterations = \"many\"\n")
                .starts_with("c.toml: part_b.iterations: invalid type")
        );
        assert!(err("[part_b\n").starts_with("c.toml:1:"));
        assert!(err("part_b = 3\n").contains("part_b = 3: expected a table"));
        assert!(err("threads = 3\n").contains("unknown key `threads`"));
        assert_eq!(
            err("validation_fraction = 1.5\n"),
            "c.toml: validation_fraction = 1.5: must be in (0, 1)"
        );
    }

    #[test]
    fn the_defaults_are_valid() {
        Config::full(42).validate().unwrap();
        Config::quick(42).validate().unwrap();
    }
}
