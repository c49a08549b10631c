//! The shift check, train against test per column: the marginal (KS or total variation)
//! and the relation to the label (Pearson or the correlation ratio η).

use data::Table;
use std::collections::BTreeMap;

use super::{
    Bounds, CategoricalShift, NumericShift, PartAConfig, RelationMeasure, label_values, shares,
    stats,
};

/// `b − a` when both are defined.
fn change(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(b? - a?)
}

/// The correlation ratio η of a numeric column's present values on the class: for classes
/// without an order, where a correlation with the class index would depend on the
/// numbering.
fn eta_on_class(x: &[f64], labels: &[u8]) -> Option<f64> {
    let groups: Vec<Option<u32>> = x
        .iter()
        .zip(labels)
        .map(|(v, &y)| v.is_finite().then_some(u32::from(y)))
        .collect();
    stats::correlation_ratio(&groups, x)
}

/// KS and label relations of every numeric column (Pearson with the class index when the
/// classes are ordered, η of the values on the class when not).
pub(super) fn numeric_shift(
    train: &Table,
    test: &Table,
    config: &PartAConfig,
) -> BTreeMap<String, NumericShift> {
    let (y_train, y_test) = (label_values(train), label_values(test));
    let ordered = train.schema.ordered_classes();
    let mean = |x: &[f64]| stats::summary(x.iter().copied()).map(|s| s.mean);
    train
        .schema
        .numeric
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let (a, b) = (&train.numeric[c], &test.numeric[c]);
            let ks = stats::ks_two_sample(a, b);
            let (label_corr_train, label_corr_test, measure) = if ordered {
                (
                    stats::pearson(a, &y_train),
                    stats::pearson(b, &y_test),
                    RelationMeasure::AbsPearsonR,
                )
            } else {
                (
                    eta_on_class(a, &train.labels),
                    eta_on_class(b, &test.labels),
                    RelationMeasure::CorrelationRatioOnClass,
                )
            };
            let label_corr_change = change(label_corr_train, label_corr_test);
            let spearman = |x: &[f64], y: &[f64]| {
                if ordered { stats::spearman(x, y) } else { None }
            };
            // Fisher's z intervals exist for Pearson's r only.
            let fisher = |x: &[f64], y: &[f64], r: Option<f64>| {
                let r = r.filter(|_| ordered)?;
                Some((r, stats::fisher_interval(r, stats::complete_count(x, y))?))
            };
            let (train_ci, test_ci) = (
                fisher(a, &y_train, label_corr_train),
                fisher(b, &y_test, label_corr_test),
            );
            let change_ci = train_ci
                .zip(test_ci)
                .map(|(tr, te)| stats::correlation_difference(te, tr));
            let bounds = |b: (f64, f64)| Bounds {
                low: b.0,
                high: b.1,
            };
            let s = NumericShift {
                label_corr_train_interval: train_ci.map(|c| bounds(c.1)),
                label_corr_test_interval: test_ci.map(|c| bounds(c.1)),
                label_corr_change_interval: change_ci.map(bounds),
                label_corr_change_reading: change_ci
                    .map(|c| crate::verdicts::change_reading(c, config.shift_label_corr)),
                ks: ks.map(|k| k.0),
                ks_p_value: ks.map(|k| k.1),
                mean_train: mean(a),
                mean_test: mean(b),
                label_corr_train,
                label_corr_test,
                label_corr_change,
                measure,
                label_spearman_train: spearman(a, &y_train),
                label_spearman_test: spearman(b, &y_test),
                marginal_shift: ks
                    .is_some_and(|(d, p)| d >= config.shift_ks && p < config.shift_alpha),
                label_relation_shift: label_corr_change
                    .is_some_and(|d| d.abs() >= config.shift_label_corr),
            };
            (name.clone(), s)
        })
        .collect()
}

/// Share changes and label association of every categorical column (η of the class index
/// on the levels when the classes are ordered, Cramér's V when not).
pub(super) fn categorical_shift(
    train: &Table,
    test: &Table,
    config: &PartAConfig,
) -> BTreeMap<String, CategoricalShift> {
    let k = train.schema.n_classes;
    let (y_train, y_test) = (label_values(train), label_values(test));
    let ordered = train.schema.ordered_classes();
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
            let cramers_v_train = stats::cramers_v(&contingency(a, &train.labels));
            let cramers_v_test = stats::cramers_v(&contingency(b, &test.labels));
            let (label_corr_train, label_corr_test, measure) = if ordered {
                (
                    stats::correlation_ratio(&a.codes, &y_train),
                    stats::correlation_ratio(&b.codes, &y_test),
                    RelationMeasure::CorrelationRatio,
                )
            } else {
                (cramers_v_train, cramers_v_test, RelationMeasure::CramersV)
            };
            let label_corr_change = change(label_corr_train, label_corr_test);
            let s = CategoricalShift {
                shares_train,
                shares_test,
                tvd,
                label_corr_train,
                label_corr_test,
                label_corr_change,
                measure,
                cramers_v_train,
                cramers_v_test,
                marginal_shift: tvd >= config.shift_tvd,
                label_relation_shift: label_corr_change
                    .is_some_and(|d| d.abs() >= config.shift_label_corr),
            };
            (name.clone(), s)
        })
        .collect()
}
