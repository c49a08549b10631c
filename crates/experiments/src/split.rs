//! What is checked of the training table before any work: that it can be split and
//! learned from (at least two classes, every present class with enough rows to put one in
//! each part, neither part empty) and, before any network is built, that its features give
//! the networks at least one input column. Errors name the file and the class by its label text (and display name).

use data::{Schema, Split, Table, stratified_split};

use crate::{Config, ExperimentError};

/// The stratified split every part shares, after [`check_learnable`].
pub fn split(train: &Table, config: &Config) -> Result<Split, ExperimentError> {
    check_learnable(train, config)?;
    let fraction = config.validation_fraction;
    let split = stratified_split(&train.labels, train.schema.n_classes, fraction, config.seed);
    if split.train.is_empty() || split.validation.is_empty() {
        return Err(ExperimentError::EmptySplit {
            file: train.source.clone(),
            fraction,
            validation: split.validation.len(),
            train: split.train.len(),
        });
    }
    Ok(split)
}

/// Refuses a training table that cannot be split or learned from; see the module docs.
pub fn check_learnable(train: &Table, config: &Config) -> Result<(), ExperimentError> {
    let fraction = config.validation_fraction;
    let schema = &train.schema;
    let counts = crate::part_a::stats::class_counts(
        train.labels.iter().map(|&y| usize::from(y)),
        schema.n_classes,
    );
    let present: Vec<usize> = (0..counts.len()).filter(|&c| counts[c] > 0).collect();
    if let [class] = present.as_slice() {
        return Err(ExperimentError::SingleClass {
            file: train.source.clone(),
            class: *class,
            name: class_text(schema, *class),
        });
    }
    if let Some(minimum) = min_rows_per_class(fraction)
        && let Some(&class) = present.iter().find(|&&c| counts[c] < minimum)
    {
        return Err(ExperimentError::TooFewRows {
            file: train.source.clone(),
            class,
            name: class_text(schema, class),
            rows: counts[class],
            minimum,
            fraction,
        });
    }
    Ok(())
}

/// Refuses a training table whose features give a network no input column.
pub fn check_width(train: &Table) -> Result<(), ExperimentError> {
    let schema = &train.schema;
    if input_width(train) == 0 {
        let features: Vec<String> = schema
            .categorical
            .iter()
            .zip(&train.categorical)
            .map(|(name, c)| format!("{name} ({} level(s))", c.levels.len()))
            .chain(schema.numeric.iter().cloned())
            .collect();
        return Err(ExperimentError::NoInputColumns {
            file: train.source.clone(),
            features: if features.is_empty() {
                "none".to_string()
            } else {
                data::shorten(&features.join(", "))
            },
        });
    }
    Ok(())
}

/// The networks' input width: one column per numeric feature, one per level but the first
/// of each categorical feature (its levels are those of the whole training file, as the
/// preprocessor fits them).
pub fn input_width(train: &Table) -> usize {
    let categorical: usize = train
        .categorical
        .iter()
        .map(|c| c.levels.len().saturating_sub(1))
        .sum();
    categorical + train.schema.numeric.len()
}

/// Class `k` as messages name it: its label text, and its display name when it has another.
fn class_text(schema: &Schema, k: usize) -> String {
    let (value, name) = (schema.class_value(k), schema.class_name(k));
    if value == name {
        value
    } else {
        format!("{value} ({name})")
    }
}

/// The fewest rows a class needs so that the stratified split (`round(fraction × n)` rows to
/// validation) puts at least one row in each part; `None` if no count does (a fraction of 0
/// or 1, caught as an empty split).
pub fn min_rows_per_class(fraction: f64) -> Option<usize> {
    (2..=10_000).find(|&n| {
        let k = (fraction * n as f64).round();
        k >= 1.0 && k < n as f64
    })
}
