//! Turning a [`Table`] into a [`Design`] matrix: imputation, one-hot encoding, z-scores.
//!
//! A [`Preprocessor`] is fitted on the training rows only and then applied unchanged to any
//! rows (validation, test), so no statistic of held-out rows leaks into the features. It is
//! plain data, saved inside model files, and holds everything needed to redo the encoding
//! elsewhere (see `docs/preprocessing.md`):
//!
//! - categorical column: missing → `impute` (most frequent fitted level, ties → smallest);
//!   one 0/1 feature `<column>_<level>` per level except `reference` (the first sorted level),
//!   which is all zeros;
//! - numeric column: missing → `median`; then `(x - mean) / scale`, with `mean` and `std`
//!   (population, ddof = 0) computed after imputation and `scale = std`, or 1 for a constant
//!   column.

use faer::Mat;
use serde::{Deserialize, Serialize};

use crate::error::DataError;
use crate::{Design, Schema, Table};

/// What to do with a category level the preprocessor was not fitted on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum Unseen {
    /// Refuse, naming the value, column, file and line: the safe default, since a silently
    /// re-encoded row gets a prediction for a category the model never saw.
    #[default]
    Error,
    /// Encode as the reference level (all indicator features zero).
    Reference,
}

/// Choices made before fitting.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PreprocessOptions {
    /// Feature columns to leave out entirely (for ablations).
    pub drop_columns: Vec<String>,
    /// Policy for unseen category levels.
    pub unseen: Unseen,
}

/// The fitted encoding of one categorical column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CategoricalEncoding {
    /// The column.
    pub name: String,
    /// Levels seen in the fitting rows, sorted (byte order).
    pub levels: Vec<String>,
    /// The dropped reference level (`levels[0]`), encoded as all zeros.
    pub reference: String,
    /// The level substituted for a missing value (most frequent in the fitting rows).
    pub impute: String,
}

/// The fitted imputation and scaling of one numeric column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NumericScaling {
    /// The column.
    pub name: String,
    /// Median of the observed fitting values, substituted for a missing value.
    pub median: f64,
    /// Mean after imputation.
    pub mean: f64,
    /// Population standard deviation (ddof = 0) after imputation.
    pub std: f64,
    /// The divisor used: `std`, or 1 when the column is constant (as scikit-learn does).
    pub scale: f64,
}

/// A fitted preprocessor; see the module documentation for the encoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(try_from = "Unchecked")]
pub struct Preprocessor {
    categorical: Vec<CategoricalEncoding>,
    numeric: Vec<NumericScaling>,
    dropped: Vec<String>,
    unseen: Unseen,
    feature_names: Vec<String>,
    /// The schema of the table it was fitted on: a saved model reads new rows, and names
    /// its classes, with it.
    schema: Schema,
}

/// The serialized form before [`Preprocessor::validate`]: a model file may have been edited.
#[derive(Deserialize, schemars::JsonSchema)]
struct Unchecked {
    categorical: Vec<CategoricalEncoding>,
    numeric: Vec<NumericScaling>,
    dropped: Vec<String>,
    unseen: Unseen,
    feature_names: Vec<String>,
    /// Absent from model files written before schemas were files: those were all fitted
    /// on the listings schema.
    #[serde(default = "Schema::listings")]
    schema: Schema,
}

impl TryFrom<Unchecked> for Preprocessor {
    type Error = DataError;

    fn try_from(u: Unchecked) -> Result<Self, DataError> {
        let p = Preprocessor {
            categorical: u.categorical,
            numeric: u.numeric,
            dropped: u.dropped,
            unseen: u.unseen,
            feature_names: u.feature_names,
            schema: u.schema,
        };
        p.validate()?;
        Ok(p)
    }
}

impl Preprocessor {
    /// Fits on `rows` of `table` (the training split), keeping every feature column except
    /// `options.drop_columns`.
    pub fn fit(
        table: &Table,
        rows: &[usize],
        options: &PreprocessOptions,
    ) -> Result<Preprocessor, DataError> {
        table.check_shape()?;
        check_rows(table, rows)?;
        let schema = &table.schema;
        if let Some(unknown) = options
            .drop_columns
            .iter()
            .find(|d| !schema.feature_columns().any(|c| c == d.as_str()))
        {
            return Err(DataError::BadOptions(format!(
                "cannot drop {unknown:?}: not a feature column of {} (features: {})",
                table.source,
                schema.feature_columns().collect::<Vec<_>>().join(", ")
            )));
        }
        if rows.is_empty() {
            return Err(DataError::BadOptions(format!(
                "no rows of {} to fit the preprocessor on",
                table.source
            )));
        }
        let kept = |name: &String| !options.drop_columns.contains(name);
        let categorical = schema
            .categorical
            .iter()
            .zip(&table.categorical)
            .filter(|(name, _)| kept(name))
            .map(|(name, column)| fit_categorical(table, name, column, rows))
            .collect::<Result<Vec<_>, _>>()?;
        let numeric = schema
            .numeric
            .iter()
            .zip(&table.numeric)
            .filter(|(name, _)| kept(name))
            .map(|(name, column)| fit_numeric(table, name, column, rows))
            .collect::<Result<Vec<_>, _>>()?;
        let dropped = schema
            .feature_columns()
            .filter(|c| options.drop_columns.iter().any(|d| d == c))
            .map(String::from)
            .collect();
        let feature_names = feature_names(&categorical, &numeric);
        Ok(Preprocessor {
            categorical,
            numeric,
            dropped,
            unseen: options.unseen,
            feature_names,
            schema: schema.clone(),
        })
    }

    /// Encodes `rows` of `table` (any table with the fitted columns, in any column order).
    pub fn transform(&self, table: &Table, rows: &[usize]) -> Result<Design, DataError> {
        table.check_shape()?;
        check_rows(table, rows)?;
        let mut x = Mat::<f64>::zeros(rows.len(), self.feature_names.len());
        let mut j = 0;
        let mut positions = Vec::with_capacity(rows.len());
        for enc in &self.categorical {
            encoded_levels(self, enc, table, rows, &mut positions)?;
            for level in 1..enc.levels.len() {
                let out = x.col_as_slice_mut(j);
                for (o, &p) in out.iter_mut().zip(&positions) {
                    *o = if p == level { 1.0 } else { 0.0 };
                }
                j += 1;
            }
        }
        for scaling in &self.numeric {
            let column = find_numeric(table, &scaling.name)?;
            let out = x.col_as_slice_mut(j);
            let (median, mean, scale) = (scaling.median, scaling.mean, scaling.scale);
            for (o, &r) in out.iter_mut().zip(rows) {
                let v = column[r];
                let v = if v.is_nan() { median } else { v };
                let mut z = (v - mean) / scale;
                if !z.is_finite() {
                    // `v - mean` overflowed: divide first.
                    z = v / scale - mean / scale;
                }
                if !z.is_finite() {
                    return Err(DataError::Unencodable {
                        file: table.source.clone(),
                        line: table.lines[r],
                        column: scaling.name.clone(),
                        value: v,
                    });
                }
                *o = z;
            }
            j += 1;
        }
        let columns = self.columns();
        let feature_columns = self.feature_columns();
        Ok(Design {
            x,
            y: rows.iter().map(|&r| table.labels[r] as usize).collect(),
            feature_names: self.feature_names.clone(),
            columns,
            feature_columns,
        })
    }

    /// Encodes every row of `table`, in order.
    pub fn transform_all(&self, table: &Table) -> Result<Design, DataError> {
        let rows: Vec<usize> = (0..table.n_rows()).collect();
        self.transform(table, &rows)
    }

    /// Encoded feature names, in design-matrix column order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The original feature columns kept: categorical then numeric, in schema order.
    pub fn columns(&self) -> Vec<String> {
        let cat = self.categorical.iter().map(|c| c.name.clone());
        cat.chain(self.numeric.iter().map(|n| n.name.clone()))
            .collect()
    }

    /// For each encoded feature, the index into [`Preprocessor::columns`] it came from.
    pub fn feature_columns(&self) -> Vec<usize> {
        let cat = self.categorical.iter().enumerate();
        let cat =
            cat.flat_map(|(c, enc)| std::iter::repeat_n(c, enc.levels.len().saturating_sub(1)));
        let offset = self.categorical.len();
        cat.chain((0..self.numeric.len()).map(|n| offset + n))
            .collect()
    }

    /// The fitted categorical encodings, in schema order.
    pub fn categorical(&self) -> &[CategoricalEncoding] {
        &self.categorical
    }

    /// The fitted numeric scalings, in schema order.
    pub fn numeric(&self) -> &[NumericScaling] {
        &self.numeric
    }

    /// The feature columns left out.
    pub fn dropped(&self) -> &[String] {
        &self.dropped
    }

    /// The schema of the table it was fitted on.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The unseen-level policy fixed at fitting time.
    pub fn unseen(&self) -> Unseen {
        self.unseen
    }

    /// Checks the invariants `transform` relies on (for preprocessors read from files, and
    /// by writers of model files): sorted distinct levels, reference and imputation levels
    /// among them, finite statistics, a positive scale, feature names that match.
    pub fn validate(&self) -> Result<(), DataError> {
        let bad = |m: String| Err(DataError::BadOptions(format!("corrupt preprocessor: {m}")));
        if let Err(e) = self.schema.check() {
            return bad(e.to_string());
        }
        if let Some(c) = self
            .columns()
            .iter()
            .find(|c| !self.schema.feature_columns().any(|f| f == c.as_str()))
        {
            return bad(format!("column {c:?} is not in its schema"));
        }
        for c in &self.categorical {
            if c.levels.is_empty() || !c.levels.windows(2).all(|w| w[0] < w[1]) {
                return bad(format!(
                    "levels of {:?} empty or not sorted and distinct",
                    c.name
                ));
            }
            if c.reference != c.levels[0] || !c.levels.contains(&c.impute) {
                return bad(format!(
                    "reference or imputation level of {:?} not a level",
                    c.name
                ));
            }
        }
        for n in &self.numeric {
            let finite = [n.median, n.mean, n.std, n.scale]
                .iter()
                .all(|v| v.is_finite());
            if !finite || n.scale <= 0.0 {
                return bad(format!(
                    "statistics of {:?} not finite or scale not positive",
                    n.name
                ));
            }
        }
        if self.feature_names != feature_names(&self.categorical, &self.numeric) {
            return bad("feature names do not match the encodings".into());
        }
        Ok(())
    }
}

/// `<column>_<level>` for each non-reference level, then the numeric column names.
fn feature_names(categorical: &[CategoricalEncoding], numeric: &[NumericScaling]) -> Vec<String> {
    let cat = categorical
        .iter()
        .flat_map(|c| c.levels[1..].iter().map(move |l| format!("{}_{l}", c.name)));
    cat.chain(numeric.iter().map(|n| n.name.clone())).collect()
}

/// Rejects row indices beyond the table.
fn check_rows(table: &Table, rows: &[usize]) -> Result<(), DataError> {
    let n = table.n_rows();
    match rows.iter().find(|&&r| r >= n) {
        Some(r) => Err(DataError::InvalidTable {
            file: table.source.clone(),
            message: format!("row index {r} but only {n} rows"),
        }),
        None => Ok(()),
    }
}

/// Levels come from every row of `table` (the whole training file: the levels are part of
/// the schema, so where the split puts a rare level cannot make a valid file fail); the
/// imputation level is the most frequent among `rows` (the training split) only.
fn fit_categorical(
    table: &Table,
    name: &str,
    column: &crate::Categorical,
    rows: &[usize],
) -> Result<CategoricalEncoding, DataError> {
    let mut present = vec![false; column.levels.len()];
    for code in column.codes.iter().flatten() {
        present[*code as usize] = true;
    }
    let mut counts = vec![0usize; column.levels.len()];
    for &r in rows {
        if let Some(code) = column.codes[r] {
            counts[code as usize] += 1;
        }
    }
    let mut levels: Vec<(&String, usize)> = column
        .levels
        .iter()
        .zip(counts)
        .zip(present)
        .filter(|&(_, present)| present)
        .map(|(level, _)| level)
        .collect();
    // The loader sorts levels already; a hand-built table might not.
    levels.sort_by(|a, b| a.0.cmp(b.0));
    // First maximum in sorted order: ties go to the smallest level.
    let mut impute: Option<(&String, usize)> = None;
    for &candidate in &levels {
        if candidate.1 > impute.map_or(0, |i| i.1) {
            impute = Some(candidate);
        }
    }
    let Some((impute, _)) = impute else {
        return Err(DataError::NothingToFit {
            file: table.source.clone(),
            column: name.to_string(),
            rows: rows.len(),
        });
    };
    Ok(CategoricalEncoding {
        name: name.to_string(),
        reference: levels[0].0.clone(),
        impute: impute.clone(),
        levels: levels.into_iter().map(|(l, _)| l.clone()).collect(),
    })
}

fn fit_numeric(
    table: &Table,
    name: &str,
    column: &[f64],
    rows: &[usize],
) -> Result<NumericScaling, DataError> {
    let mut observed: Vec<f64> = rows
        .iter()
        .map(|&r| column[r])
        .filter(|v| !v.is_nan())
        .collect();
    if observed.is_empty() {
        return Err(DataError::NothingToFit {
            file: table.source.clone(),
            column: name.to_string(),
            rows: rows.len(),
        });
    }
    observed.sort_by(f64::total_cmp);
    let m = observed.len();
    let median = if m % 2 == 1 {
        observed[m / 2]
    } else {
        let (a, b) = (observed[m / 2 - 1], observed[m / 2]);
        // The plain formula unless it overflows (values near ±1.8e308), so that ordinary
        // data keep bit-identical medians.
        Some((a + b) / 2.0)
            .filter(|v| v.is_finite())
            .unwrap_or(a / 2.0 + b / 2.0)
    };
    let imputed = || {
        rows.iter()
            .map(|&r| column[r])
            .map(|v| if v.is_nan() { median } else { v })
    };
    let n = rows.len() as f64;
    let (lo, hi) = imputed().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    // A constant column: exact zero spread, and mean equal to the constant so the encoded
    // value is exactly 0 rather than a rounding residue.
    if lo == hi {
        return Ok(NumericScaling {
            name: name.to_string(),
            median,
            mean: lo,
            std: 0.0,
            scale: 1.0,
        });
    }
    let mean = imputed().sum::<f64>() / n;
    let variance = imputed().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    let (mean, std) = if mean.is_finite() && variance.is_finite() {
        (mean, variance.sqrt())
    } else {
        // The sum or the squares overflowed (values beyond about 1e154): the same statistics
        // on values divided by the largest magnitude, scaled back. Only taken when the plain
        // formula fails, so ordinary data keep their exact bits.
        let big = lo.abs().max(hi.abs());
        let mean_u = imputed().map(|v| v / big).sum::<f64>() / n;
        let variance_u = imputed()
            .map(|v| (v / big - mean_u) * (v / big - mean_u))
            .sum::<f64>()
            / n;
        (mean_u * big, variance_u.sqrt() * big)
    };
    Ok(NumericScaling {
        name: name.to_string(),
        median,
        mean,
        std,
        scale: if std > 0.0 { std } else { 1.0 },
    })
}

fn find_numeric<'t>(table: &'t Table, name: &str) -> Result<&'t [f64], DataError> {
    let c = table.schema.numeric.iter().position(|n| n == name);
    c.map(|c| table.numeric[c].as_slice())
        .ok_or_else(|| DataError::MissingColumn {
            file: table.source.clone(),
            column: name.to_string(),
        })
}

/// Fills `positions[i]` with the index into `enc.levels` of row `rows[i]` (missing → the
/// imputation level; unseen → 0, the reference, under [`Unseen::Reference`]).
fn encoded_levels(
    p: &Preprocessor,
    enc: &CategoricalEncoding,
    table: &Table,
    rows: &[usize],
    positions: &mut Vec<usize>,
) -> Result<(), DataError> {
    let c = table.schema.categorical.iter().position(|n| *n == enc.name);
    let Some(column) = c.map(|c| &table.categorical[c]) else {
        return Err(DataError::MissingColumn {
            file: table.source.clone(),
            column: enc.name.clone(),
        });
    };
    // Per table level (a handful), not per row: its position among the fitted levels.
    let map: Vec<Option<usize>> = column
        .levels
        .iter()
        .map(|l| enc.levels.binary_search(l).ok())
        .collect();
    let impute = enc.levels.binary_search(&enc.impute).unwrap_or(0);
    positions.clear();
    for &r in rows {
        let position = match column.codes[r] {
            None => impute,
            Some(code) => match (map[code as usize], p.unseen) {
                (Some(k), _) => k,
                (None, Unseen::Reference) => 0,
                (None, Unseen::Error) => {
                    return Err(DataError::UnseenCategory {
                        file: table.source.clone(),
                        line: table.lines[r],
                        column: enc.name.clone(),
                        value: crate::shorten(&column.levels[code as usize]),
                    });
                }
            },
        };
        positions.push(position);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
