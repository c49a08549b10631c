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

/// Reads `text` (TOML, or JSON when it starts with `{`, after any byte-order mark) as
/// settings over `base`; `file` names it in errors, whose positions are the file's own.
pub fn apply(text: &str, file: &str, base: &Config) -> Result<Config, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
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
    // The merged JSON is ours, not the user's: its positions mean nothing to them, so the
    // error names the key instead.
    let config: Config = serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        format!("{file}: {key}: {}", strip_position(e.inner()))
    })?;
    config.validate().map_err(|e| format!("{file}: {e}"))?;
    Ok(config)
}

/// What a reader of `text` (already applied, giving `config`) should be told: a file
/// written by another version of this tool, a file holding `--quick`'s small counts in a
/// full run, or a file that overrides every one of `--quick`'s counts, as a full run's
/// `config.json` does (`quick`: the run asked for `--quick`). The rule between the two: the
/// file's keys win, `--quick` fills the rest.
pub fn notes(text: &str, file: &str, config: &Config, quick: bool) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    if let Ok(Value::Object(map)) = parse(text, file)
        && let Some(version) = map
            .get(FINGERPRINT)
            .and_then(|f| f.get("version"))
            .and_then(Value::as_str)
        && version != env!("CARGO_PKG_VERSION")
    {
        out.push(format!(
            "note: {file} was written by version {version} of this tool, this is {}: its keys \
             are read as this version names them",
            env!("CARGO_PKG_VERSION")
        ));
    }
    let leaves = |c: &Config| {
        let mut out = Vec::new();
        flatten(
            &serde_json::to_value(c).unwrap_or(Value::Null),
            "",
            &mut out,
        );
        out
    };
    let (full, small, mine) = (
        leaves(&Config::full(config.seed)),
        leaves(&Config::quick(config.seed)),
        leaves(config),
    );
    let differing: Vec<usize> = (0..full.len().min(small.len()))
        .filter(|&k| full[k] != small[k])
        .collect();
    let at = |k: usize| mine.get(k).map(|(_, v)| v);
    let as_quick = differing
        .iter()
        .filter(|&&k| at(k) == Some(&small[k].1))
        .count();
    if !quick && !differing.is_empty() && as_quick == differing.len() {
        out.push(format!(
            "note: {file} holds --quick's small counts ({} and {} more): its numbers mean little",
            small[differing[0]].0,
            differing.len() - 1
        ));
    } else if quick && !differing.is_empty() && as_quick == 0 {
        let over: Vec<&str> = differing
            .iter()
            .filter(|&&k| at(k) != Some(&small[k].1))
            .map(|&k| small[k].0.as_str())
            .collect();
        out.push(format!(
            "note: {file} sets {} of the counts --quick makes small ({}): the file's keys win",
            over.len(),
            data::shorten(&over.join(", "))
        ));
    }
    out
}

/// The leaves of a JSON value as `(dotted path, value)`, in order.
fn flatten(v: &Value, path: &str, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                let at = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                flatten(x, &at, out);
            }
        }
        other => out.push((path.to_string(), other.clone())),
    }
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
        let message = e.message().trim().replace('\n', " ");
        let range = if message.contains("too large") || message.contains("too small") {
            " (a TOML integer is a signed 64-bit number, from -9223372036854775808 to \
             9223372036854775807; a larger seed can be given with --seed)"
        } else {
            ""
        };
        format!("{file}{at}: {message}{range}")
    })?;
    non_finite(&toml::Value::Table(table.clone()), "", file)?;
    serde_json::to_value(table).map_err(|e| format!("{file}: {e}"))
}

/// Refuses `nan` and `inf` by name: JSON has no such numbers, and the conversion would
/// otherwise turn them into `null` and the error into "invalid type: null".
fn non_finite(value: &toml::Value, path: &str, file: &str) -> Result<(), String> {
    let at = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        toml::Value::Float(x) if !x.is_finite() => Err(format!(
            "{file}: {path} = {x}: must be a finite number (nan and inf are not settings)"
        )),
        toml::Value::Table(t) => t.iter().try_for_each(|(k, v)| non_finite(v, &at(k), file)),
        toml::Value::Array(a) => a.iter().try_for_each(|v| non_finite(v, path, file)),
        _ => Ok(()),
    }
}

/// serde_json's message without its trailing " at line L column C" (given separately).
fn strip_position(e: impl std::fmt::Display) -> String {
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

    /// A non-empty list of distinct positive, finite numbers (a grid: a value twice would
    /// be a table row twice).
    pub(crate) fn rates(&mut self, key: &str, values: &[f64]) -> &mut Self {
        if values.is_empty() {
            self.fail(key, "[]".into(), "must list at least one value");
        } else if let Some(v) = values.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
            self.fail(key, format!("[… {v} …]"), "every value must be > 0");
        } else if let Some((_, v)) = values
            .iter()
            .enumerate()
            .find(|(k, v)| values[..*k].contains(v))
        {
            self.fail(key, format!("[… {v} …]"), "a value is listed twice");
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
            err("[q2]\nlearning_rates = [0.1, 1, 0.1]\n"),
            "c.toml: q2.learning_rates = [… 0.1 …]: a value is listed twice"
        );
        assert_eq!(
            err("validation_fraction = 1.5\n"),
            "c.toml: validation_fraction = 1.5: must be in (0, 1)"
        );
    }

    #[test]
    fn messages_speak_of_the_users_file() {
        let base = Config::full(42);
        let err = |t: &str| apply(t, "c.toml", &base).unwrap_err();
        // No position of the merged JSON leaks into a type error.
        assert_eq!(
            err("[part_b]\niterations = \"many\"\n"),
            "c.toml: part_b.iterations: invalid type: string \"many\", expected usize"
        );
        assert_eq!(
            err("[part_b]\nlearning_rate = nan\n"),
            "c.toml: part_b.learning_rate = NaN: must be a finite number (nan and inf are not settings)"
        );
        assert_eq!(
            err("[q2]\nlearning_rates = [0.1, inf]\n"),
            "c.toml: q2.learning_rates = inf: must be a finite number (nan and inf are not settings)"
        );
        let e = err("seed = 18446744073709551615\n");
        assert!(e.starts_with("c.toml") && e.contains("too large"), "{e}");
        assert!(
            e.contains("9223372036854775807; a larger seed can be given with --seed)"),
            "{e}"
        );
        // A byte-order mark does not turn JSON into TOML.
        let json = "\u{feff}{\"seed\": 3}";
        assert_eq!(apply(json, "c.json", &base).unwrap().seed, 3);
        let e = apply("\u{feff}{\"seed\": -1}", "c.json", &base).unwrap_err();
        assert!(
            e.starts_with("c.json: seed: invalid value: integer `-1`"),
            "{e}"
        );
        assert!(!e.contains("line"), "{e}");
        assert_eq!(
            err("[q2]\nseeds = 1\n"),
            "c.toml: q2.seeds = 1: must be ≥ 2 (Question 2 compares the two networks seed by seed, and its figures and verdicts are intervals over the seeds)"
        );
    }

    #[test]
    fn a_quick_file_a_file_over_quick_and_an_older_version_are_noted() {
        let quick = serde_json::to_string(&Config::quick(7)).unwrap();
        let config = apply(&quick, "q.json", &Config::full(7)).unwrap();
        let n = notes(&quick, "q.json", &config, false);
        assert_eq!(n.len(), 1, "{n:?}");
        assert!(
            n[0].starts_with("note: q.json holds --quick's small counts (part_b."),
            "{n:?}"
        );
        let full = serde_json::to_string(&Config::full(7)).unwrap();
        let config = apply(&full, "f.json", &Config::quick(7)).unwrap();
        let n = notes(&full, "f.json", &config, true);
        assert!(n[0].starts_with("note: f.json sets "), "{n:?}");
        assert!(n[0].contains("the file's keys win"), "{n:?}");
        // A file that changes nothing --quick sets, in a quick run: nothing to say.
        let text = "[part_d]\ncollapse_gap = 0.1\n";
        let config = apply(text, "c.toml", &Config::quick(7)).unwrap();
        assert!(notes(text, "c.toml", &config, true).is_empty());
        let old = r#"{"fingerprint": {"version": "0.0.1"}, "seed": 7}"#;
        let config = apply(old, "o.json", &Config::full(42)).unwrap();
        let n = notes(old, "o.json", &config, false);
        assert!(
            n[0].starts_with("note: o.json was written by version 0.0.1 of this tool"),
            "{n:?}"
        );
    }

    #[test]
    fn the_defaults_are_valid() {
        Config::full(42).validate().unwrap();
        Config::quick(42).validate().unwrap();
    }
}
