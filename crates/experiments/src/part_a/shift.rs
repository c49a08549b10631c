//! The shift check, train against test per column: the marginal (KS or total variation)
//! and the relation to the label (Pearson or the correlation ratio η).

use data::Table;
use std::collections::BTreeMap;

use super::{CategoricalShift, NumericShift, PartAConfig, label_values, shares, stats};

/// `b − a` when both are defined.
fn change(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(b? - a?)
}

/// KS and label correlations of every numeric column.
pub(super) fn numeric_shift(
    train: &Table,
    test: &Table,
    config: &PartAConfig,
) -> BTreeMap<String, NumericShift> {
    let (y_train, y_test) = (label_values(train), label_values(test));
    let mean = |x: &[f64]| stats::summary(x.iter().copied()).map(|s| s.mean);
    train
        .schema
        .numeric
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let (a, b) = (&train.numeric[c], &test.numeric[c]);
            let ks = stats::ks_two_sample(a, b);
            let label_corr_train = stats::pearson(a, &y_train);
            let label_corr_test = stats::pearson(b, &y_test);
            let label_corr_change = change(label_corr_train, label_corr_test);
            let s = NumericShift {
                ks: ks.map(|k| k.0),
                ks_p_value: ks.map(|k| k.1),
                mean_train: mean(a),
                mean_test: mean(b),
                label_corr_train,
                label_corr_test,
                label_corr_change,
                label_spearman_train: stats::spearman(a, &y_train),
                label_spearman_test: stats::spearman(b, &y_test),
                marginal_shift: ks
                    .is_some_and(|(d, p)| d >= config.shift_ks && p < config.shift_alpha),
                label_relation_shift: label_corr_change
                    .is_some_and(|d| d.abs() >= config.shift_label_corr),
            };
            (name.clone(), s)
        })
        .collect()
}

/// Share changes and label association of every categorical column.
pub(super) fn categorical_shift(
    train: &Table,
    test: &Table,
    config: &PartAConfig,
) -> BTreeMap<String, CategoricalShift> {
    let k = train.schema.n_classes;
    let (y_train, y_test) = (label_values(train), label_values(test));
    let level_shares = |c: &data::Categorical| -> BTreeMap<String, f64> {
        let mut n = vec![0usize; c.levels.len()];
        for code in c.codes.iter().flatten() {
            n[*code as usize] += 1;
        }
        c.levels.iter().cloned().zip(shares(&n)).collect()
    };
    let contingency = |c: &data::Categorical, labels: &[u8]| {
        let mut t = vec![vec![0usize; k]; c.levels.len()];
        for (code, &y) in c.codes.iter().zip(labels) {
            if let Some(code) = code {
                t[*code as usize][y as usize] += 1;
            }
        }
        t
    };
    train
        .schema
        .categorical
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let (a, b) = (&train.categorical[c], &test.categorical[c]);
            let (mut shares_train, mut shares_test) = (level_shares(a), level_shares(b));
            // The union of levels on both sides, a level absent from one side at share 0.
            for l in a.levels.iter().chain(&b.levels) {
                shares_train.entry(l.clone()).or_insert(0.0);
                shares_test.entry(l.clone()).or_insert(0.0);
            }
            let p: Vec<f64> = shares_train.values().copied().collect();
            let q: Vec<f64> = shares_test.values().copied().collect();
            let tvd = stats::total_variation(&p, &q);
            let label_corr_train = stats::correlation_ratio(&a.codes, &y_train);
            let label_corr_test = stats::correlation_ratio(&b.codes, &y_test);
            let label_corr_change = change(label_corr_train, label_corr_test);
            let s = CategoricalShift {
                shares_train,
                shares_test,
                tvd,
                label_corr_train,
                label_corr_test,
                label_corr_change,
                cramers_v_train: stats::cramers_v(&contingency(a, &train.labels)),
                cramers_v_test: stats::cramers_v(&contingency(b, &test.labels)),
                marginal_shift: tvd >= config.shift_tvd,
                label_relation_shift: label_corr_change
                    .is_some_and(|d| d.abs() >= config.shift_label_corr),
            };
            (name.clone(), s)
        })
        .collect()
}
