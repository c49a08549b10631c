//! Part D: the held-out test, the root cause of the collapse found from evidence, and the
//! mitigations, each measured on test.

use models::{LossOptions, Mlp};
use serde::{Deserialize, Serialize};

pub use crate::evidence::SeedAccuracies;
use crate::interval::{proportion_difference, proportion_interval};
pub use crate::part_a::RelationMeasure;
use crate::part_a::stats;
use crate::part_c::{PartC, PartCConfig, train_tape_mlp};
use crate::prepare::{Prepared, accuracy, majority};
use crate::verdicts::{
    ClassMixVerdict, ClassWeighting, Collapse, CollapseOverSeeds, CollapseVerdict, Dominance,
    GapOverSeeds, MitigationVerdict, OverfittingOverSeeds, OverfittingVerdict,
    best_mitigation_over_seeds, class_mix, class_weighting, collapse_over_seeds, overfitting,
    overfitting_over_seeds,
};
use crate::{ExperimentError, NamedModel, Progress, Runtime};

/// How Part D judges and mitigates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartDConfig {
    /// A column's label relation "breaks" when its strength in test falls below this share
    /// of its strength in train.
    pub break_ratio: f64,
    /// Relations weaker than this in train are not candidates (nothing to break).
    pub min_train_relation: f64,
    /// L2 weight-decay coefficient λ of the weight-decay mitigation.
    pub weight_decay: f64,
    /// Dropout probability of the dropout mitigation.
    pub dropout: f64,
    /// There is a collapse to explain only when test accuracy is below validation accuracy
    /// by at least this (a fraction, 0.05 = five points)…
    pub collapse_gap: f64,
    /// …and the test set has at least this many rows.
    pub min_test_rows: usize,
    /// Training and validation accuracy closer than this rule overfitting out.
    pub overfitting_gap: f64,
    /// Class shares of the training split and test closer than this (total variation) rule
    /// a change of the class mix out.
    pub class_mix_shift: f64,
    /// Seeds the original model and every mitigation are trained from for the comparison
    /// over seeds (the first is the protocol seed, whose models are the ones saved).
    pub mitigation_seeds: usize,
}

impl Default for PartDConfig {
    fn default() -> Self {
        PartDConfig {
            break_ratio: 0.5,
            min_train_relation: 0.2,
            weight_decay: 0.01,
            dropout: 0.3,
            collapse_gap: 0.05,
            min_test_rows: 30,
            overfitting_gap: 0.03,
            class_mix_shift: 0.02,
            mitigation_seeds: 10,
        }
    }
}

impl PartDConfig {
    /// Small counts for smoke tests.
    pub fn quick() -> Self {
        PartDConfig {
            mitigation_seeds: 2,
            ..PartDConfig::default()
        }
    }
}

impl PartDConfig {
    /// Range checks, naming the first bad key (`part_d.dropout = 1: must be in [0, 1)`).
    pub fn validate(&self) -> Result<(), String> {
        crate::config_file::Checks::new("part_d")
            .within("break_ratio", self.break_ratio, 0.0, 1.0)
            .within("min_train_relation", self.min_train_relation, 0.0, 1.0)
            .non_negative("weight_decay", self.weight_decay)
            .below("dropout", self.dropout, 0.0, 1.0)
            .within("collapse_gap", self.collapse_gap, 0.0, 1.0)
            .at_least("min_test_rows", self.min_test_rows, 1)
            .within("overfitting_gap", self.overfitting_gap, 0.0, 1.0)
            .within("class_mix_shift", self.class_mix_shift, 0.0, 1.0)
            .done()
    }
}

/// One column's label relation in train and in test, from Part A's shift check (undefined
/// relations stay `NaN`, written as `null`, never 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ColumnShift {
    /// Original column name.
    pub column: String,
    /// Strength of the column's relation to the label in train, in [0, 1], in the measure
    /// `measure` names (Part A's, chosen by column kind and whether the classes are
    /// ordered).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub relation_train: f64,
    /// The same in test.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub relation_test: f64,
    /// How much the column's own distribution moved (KS statistic or total variation).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub distribution_shift: f64,
    /// Whether Part A's dominance check flags the column (one column predicting the label
    /// far better than the rest).
    #[serde(default)]
    pub dominant: bool,
    /// Whether Part A finds the column identifies rows (written only when true).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub identifier: bool,
    /// Which measure `relation_train` and `relation_test` are (they differ by column kind
    /// and are not like for like across kinds).
    #[serde(default)]
    pub measure: RelationMeasure,
}

/// Everything known about one column, side by side: Part A's shift check (flattened into
/// the same JSON object) and Part C's attribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ColumnEvidence {
    /// The column, its label relation in train and test and its distribution shift.
    #[serde(flatten)]
    pub shift: ColumnShift,
    /// Share of the model's gradient attribution (Part C).
    pub attribution_share: f64,
    /// Drop in validation accuracy when the column is shuffled (Part C).
    pub permutation_drop: f64,
    /// Rank by attribution share, 1 = the column the model's gradients point at most.
    pub attribution_rank: usize,
    /// Rank by permutation importance, 1 = the costliest column to shuffle.
    pub permutation_rank: usize,
    /// Whether the label relation breaks between train and test.
    pub relation_breaks: bool,
    /// For a dominant column: a strong feature (its relation holds on test) or a shortcut
    /// (it breaks); `None` for a column the dominance check does not flag.
    #[serde(default)]
    pub dominance: Option<Dominance>,
}

/// The diagnosis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RootCause {
    /// The column the model relies on most among those whose label relation breaks; `None`
    /// if no relied-upon column breaks.
    pub feature: Option<String>,
    /// Per column, highest attribution first.
    pub evidence: Vec<ColumnEvidence>,
    /// Dominant columns whose label relation holds on test: strong, honest features (a
    /// finding, not a cause), in evidence order.
    #[serde(default)]
    pub strong_features: Vec<String>,
    /// Dominant columns whose label relation breaks on test: shortcuts, in evidence order.
    /// Only a shortcut can be the root cause, and only when there is a collapse.
    #[serde(default)]
    pub shortcuts: Vec<String>,
    /// Dominant columns that identify rows: identifier leaks, never honest features, in
    /// evidence order (written only when there is one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier_leaks: Vec<String>,
    /// The finding in words, every number taken from the evidence.
    pub statement: String,
}

/// Accuracy of one model on each set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evaluation {
    /// Training split.
    pub train_acc: f64,
    /// Validation split.
    pub val_acc: f64,
    /// Held-out test set.
    pub test_acc: f64,
    /// Training minus validation accuracy: what overfitting would show.
    pub overfitting_gap: f64,
    /// Validation minus test accuracy: the collapse to explain.
    pub test_gap: f64,
}

/// The kinds of mitigation Part D measures (written as their snake-case names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MitigationKind {
    /// Retrain without the root-cause column.
    DropRootCause,
    /// Loss weighted inversely to class frequency.
    ClassWeights,
    /// L2 weight decay.
    WeightDecay,
    /// Dropout on the hidden layers.
    Dropout,
    /// Always predict the training split's majority class (a reference, not a model).
    MajorityBaseline,
}

impl MitigationKind {
    /// The snake-case name, as in the records and the model file names.
    pub fn name(self) -> &'static str {
        match self {
            MitigationKind::DropRootCause => "drop_root_cause",
            MitigationKind::ClassWeights => "class_weights",
            MitigationKind::WeightDecay => "weight_decay",
            MitigationKind::Dropout => "dropout",
            MitigationKind::MajorityBaseline => "majority_baseline",
        }
    }

    /// Whether this is a trained model (the majority baseline is not).
    pub fn is_model(self) -> bool {
        self != MitigationKind::MajorityBaseline
    }
}

impl std::fmt::Display for MitigationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A mitigation and what it achieves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Mitigation {
    /// Which mitigation.
    pub name: MitigationKind,
    /// What was changed.
    pub description: String,
    /// Training split accuracy.
    pub train_acc: f64,
    /// Validation accuracy.
    pub val_acc: f64,
    /// Test accuracy.
    pub test_acc: f64,
}

/// Confusion matrix and per-class scores on one set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Confusion {
    /// `matrix[true][predicted]` counts.
    pub matrix: Vec<Vec<u64>>,
    /// Per class: correct / predicted as that class (NaN when never predicted).
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub precision: Vec<f64>,
    /// Per class: correct / truly that class.
    #[serde(with = "crate::nan::vec")]
    #[schemars(with = "Vec<Option<f64>>")]
    pub recall: Vec<f64>,
    /// Per class: rows truly of that class.
    pub support: Vec<u64>,
}

/// The root-cause column's distribution per class, in train beside test: where the
/// classes separate in train and overlap in test, the shortcut is visible at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ColumnDistribution {
    /// Original column name.
    pub column: String,
    /// Bin labels: levels of a categorical column, or `lo–hi` ranges of a numeric one.
    pub bins: Vec<String>,
    /// Bin edges of a numeric column (`bins.len() + 1` values); empty for a categorical one.
    pub edges: Vec<f64>,
    /// `train[class][bin]`: share of that class's training rows in the bin (sums to 1).
    pub train: Vec<Vec<f64>>,
    /// The same in test.
    pub test: Vec<Vec<f64>>,
}

/// Part D's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartD {
    /// What ran.
    pub config: PartDConfig,
    /// Part C's model on train, validation and test.
    pub model: Evaluation,
    /// Part C's model's test accuracy (the headline).
    pub test_acc: f64,
    /// Confusion matrix on test.
    pub test_confusion: Confusion,
    /// Confusion matrix on validation, for comparison.
    pub validation_confusion: Confusion,
    /// Class shares in the training split and in test (is the collapse a label shift?).
    pub class_shares_train: Vec<f64>,
    /// Class shares in test.
    pub class_shares_test: Vec<f64>,
    /// Total variation distance between the two class distributions (0 = identical).
    pub class_share_shift: f64,
    /// The diagnosis.
    pub root_cause: RootCause,
    /// The mitigations, each measured on test.
    pub mitigations: Vec<Mitigation>,
    /// The original model, then each trained mitigation, over `mitigation_seeds` seeds.
    pub mitigation_seeds: Vec<SeedAccuracies>,
    /// The root-cause column's per-class distribution in train and test, if one was found.
    pub root_cause_distribution: Option<ColumnDistribution>,
    /// The verdicts drawn from these numbers.
    pub verdicts: PartDVerdicts,
}

/// Part D's verdicts, with the numbers and thresholds they were drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartDVerdicts {
    /// Is there a collapse on test to explain?
    pub collapse: CollapseVerdict,
    /// Could overfitting explain anything?
    pub overfitting: OverfittingVerdict,
    /// Does the class mix move from training to test?
    pub class_mix: ClassMixVerdict,
    /// Index into `mitigations` of the trained mitigation with the best test accuracy (the
    /// last one on ties), on the protocol seed alone.
    pub best_mitigation: Option<usize>,
    /// The best mitigation over seeds, with paired intervals.
    pub best_over_seeds: Option<MitigationVerdict>,
    /// The collapse judged on the original model's validation − test gap over seeds.
    #[serde(default)]
    pub collapse_over_seeds: Option<CollapseOverSeeds>,
    /// Overfitting judged on the original model's train − validation gap over seeds
    /// (`None` without training accuracies per seed).
    #[serde(default)]
    pub overfitting_over_seeds: Option<OverfittingOverSeeds>,
    /// The class-imbalance explanation tested by the class-weighted loss, paired by seed
    /// with the original model on test.
    #[serde(default)]
    pub class_weighting: Option<ClassWeighting>,
}

/// The trained mitigation with the best test accuracy.
pub fn best_mitigation(mitigations: &[Mitigation]) -> Option<usize> {
    mitigations
        .iter()
        .enumerate()
        .filter(|(_, m)| m.name.is_model())
        .max_by(|a, b| a.1.test_acc.total_cmp(&b.1.test_acc))
        .map(|(i, _)| i)
}

/// Number of equal-width bins of a numeric column's distribution.
const DISTRIBUTION_BINS: usize = 20;

/// Per-class shares of `column` in `train` and `test`, binned alike for both.
pub fn column_distribution(
    train: &data::Table,
    test: &data::Table,
    column: &str,
) -> Option<ColumnDistribution> {
    let k = train.schema.n_classes;
    let normalise = |counts: Vec<Vec<f64>>| -> Vec<Vec<f64>> {
        counts
            .into_iter()
            .map(|row| {
                let total: f64 = row.iter().sum();
                row.iter()
                    .map(|c| if total > 0.0 { c / total } else { 0.0 })
                    .collect()
            })
            .collect()
    };
    if let Some(c) = train.schema.categorical.iter().position(|n| n == column) {
        let levels = train.categorical[c].levels.clone();
        let count = |t: &data::Table| {
            let mut counts = vec![vec![0.0; levels.len()]; k];
            let col = &t.categorical[c];
            for (code, &label) in col.codes.iter().zip(&t.labels) {
                if let Some(bin) = code
                    .and_then(|code| levels.iter().position(|l| *l == col.levels[code as usize]))
                {
                    counts[label as usize][bin] += 1.0;
                }
            }
            normalise(counts)
        };
        return Some(ColumnDistribution {
            column: column.to_string(),
            train: count(train),
            test: count(test),
            bins: levels.clone(),
            edges: Vec::new(),
        });
    }
    let c = train.schema.numeric.iter().position(|n| n == column)?;
    let values = train.numeric[c]
        .iter()
        .chain(&test.numeric[c])
        .filter(|v| !v.is_nan());
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
        (lo.min(v), hi.max(v))
    });
    if !(lo.is_finite() && hi.is_finite()) {
        return None;
    }
    let width = if hi > lo {
        (hi - lo) / DISTRIBUTION_BINS as f64
    } else {
        1.0
    };
    let edges: Vec<f64> = (0..=DISTRIBUTION_BINS)
        .map(|i| lo + width * i as f64)
        .collect();
    let count = |t: &data::Table| {
        let mut counts = vec![vec![0.0; DISTRIBUTION_BINS]; k];
        for (&v, &label) in t.numeric[c].iter().zip(&t.labels) {
            if !v.is_nan() {
                let bin = (((v - lo) / width) as usize).min(DISTRIBUTION_BINS - 1);
                counts[label as usize][bin] += 1.0;
            }
        }
        normalise(counts)
    };
    Some(ColumnDistribution {
        column: column.to_string(),
        bins: edges
            .windows(2)
            .map(|w| format!("{:.3}–{:.3}", w[0], w[1]))
            .collect(),
        edges,
        train: count(train),
        test: count(test),
    })
}

/// Confusion matrix of `predicted` against `truth`.
pub fn confusion(predicted: &[usize], truth: &[usize], n_classes: usize) -> Confusion {
    let mut matrix = vec![vec![0u64; n_classes]; n_classes];
    for (&p, &t) in predicted.iter().zip(truth) {
        matrix[t][p] += 1;
    }
    let support: Vec<u64> = matrix.iter().map(|r| r.iter().sum()).collect();
    let predicted_count: Vec<u64> = (0..n_classes)
        .map(|c| matrix.iter().map(|r| r[c]).sum())
        .collect();
    let ratio = |a: u64, b: u64| {
        if b == 0 {
            f64::NAN
        } else {
            a as f64 / b as f64
        }
    };
    Confusion {
        precision: (0..n_classes)
            .map(|c| ratio(matrix[c][c], predicted_count[c]))
            .collect(),
        recall: (0..n_classes)
            .map(|c| ratio(matrix[c][c], support[c]))
            .collect(),
        support,
        matrix,
    }
}

/// Class shares of `y`, with Part A's helpers.
fn shares(y: &[usize], n_classes: usize) -> Vec<f64> {
    stats::shares(&stats::class_counts(y.iter().copied(), n_classes))
}

fn evaluate(mlp: &Mlp, prepared: &Prepared) -> Result<Evaluation, ExperimentError> {
    let accuracy = |d: &data::Design| {
        mlp.accuracy(d.x.as_ref(), &d.y)
            .map_err(|e| ExperimentError::training("Part D evaluation".into(), e.into()))
    };
    let train_acc = accuracy(&prepared.train)?;
    let val_acc = accuracy(&prepared.validation)?;
    let test_acc = accuracy(&prepared.test)?;
    Ok(Evaluation {
        train_acc,
        val_acc,
        test_acc,
        overfitting_gap: train_acc - val_acc,
        test_gap: val_acc - test_acc,
    })
}

/// `1` → `"first"`, …; ranks past the tenth read `"below the tenth"`.
pub fn ordinal(rank: usize) -> &'static str {
    const WORDS: [&str; 10] = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth",
    ];
    rank.checked_sub(1)
        .and_then(|i| WORDS.get(i))
        .copied()
        .unwrap_or("below the tenth")
}

/// Finds the root cause: of the columns whose label relation breaks between train and
/// test, the one the model relies on most — only when `collapse` says there is a collapse
/// to explain. The evidence is gathered either way.
pub fn diagnose(
    part_c: &PartC,
    shifts: &[ColumnShift],
    config: &PartDConfig,
    model: &Evaluation,
    collapse: &CollapseVerdict,
) -> RootCause {
    let evidence: Vec<ColumnEvidence> = part_c
        .columns
        .iter()
        .map(|c| {
            let shift = shifts
                .iter()
                .find(|s| s.column == c.column)
                .cloned()
                .unwrap_or_else(|| ColumnShift {
                    column: c.column.clone(),
                    relation_train: f64::NAN,
                    relation_test: f64::NAN,
                    distribution_shift: f64::NAN,
                    dominant: false,
                    identifier: false,
                    measure: RelationMeasure::default(),
                });
            // An undefined relation (NaN) never breaks: both comparisons are false.
            let breaks = shift.relation_train.abs() >= config.min_train_relation
                && shift.relation_test.abs() < config.break_ratio * shift.relation_train.abs();
            let rank = |key: fn(&crate::part_c::ColumnScore) -> f64| {
                1 + part_c.columns.iter().filter(|o| key(o) > key(c)).count()
            };
            let dominance = crate::verdicts::dominance(
                shift.dominant,
                shift.identifier,
                shift.relation_train,
                shift.relation_test,
                breaks,
            );
            ColumnEvidence {
                shift,
                attribution_share: c.share,
                permutation_drop: c.permutation_drop,
                attribution_rank: rank(|o| o.share),
                permutation_rank: rank(|o| o.permutation_drop),
                relation_breaks: breaks,
                dominance,
            }
        })
        .collect();
    let culprit = evidence
        .iter()
        .filter(|e| e.relation_breaks && collapse.finding == Collapse::Collapse)
        .max_by(|a, b| a.attribution_share.total_cmp(&b.attribution_share));
    let gap = model.val_acc - model.test_acc;
    let statement = match (collapse.finding, culprit) {
        (Collapse::TooFewRows, _) => format!(
            "Too few rows: the test set has {} rows, fewer than the {} its statistics need, so \
             no collapse is diagnosed.",
            collapse.test_rows, collapse.min_test_rows
        ),
        (Collapse::NoCollapse, _) => format!(
            "No collapse to explain: test accuracy ({:.1}%) is not below validation accuracy \
             ({:.1}%) by at least {:.1} points.",
            100.0 * model.test_acc,
            100.0 * model.val_acc,
            100.0 * collapse.min_gap
        ),
        (Collapse::Collapse, culprit) => match culprit {
            Some(e) => format!(
                "The model ranks `{col}` {ar} of the columns by gradient attribution ({share:.0}% of \
             it) and {pr} by permutation importance (shuffling it costs {drop:.1} points of \
             validation accuracy). `{col}` relates to the label with \
             {measure} {rt:.2} in train but {rs:.2} in test, while its own distribution moves by \
             only {ds:.3}: the shortcut the model learned does not hold on test, which explains \
             the fall from {val:.1}% (validation) to {test:.1}% (test), a gap of {gap:.1} points.",
                col = e.shift.column,
                measure = e.shift.measure.name(),
                ar = ordinal(e.attribution_rank),
                pr = ordinal(e.permutation_rank),
                share = 100.0 * e.attribution_share,
                drop = 100.0 * e.permutation_drop,
                rt = e.shift.relation_train,
                rs = e.shift.relation_test,
                ds = e.shift.distribution_shift,
                val = 100.0 * model.val_acc,
                test = 100.0 * model.test_acc,
                gap = 100.0 * gap,
            ),
            None => format!(
                "No column the model relies on changes its relation to the label between train and \
             test (threshold: a test relation below {:.0}% of a train relation of at least {:.2}, in each column's own measure); \
             the validation-to-test gap is {:.1} points.",
                100.0 * config.break_ratio,
                config.min_train_relation,
                100.0 * gap
            ),
        },
    };
    let with = |d: Dominance| -> Vec<String> {
        evidence
            .iter()
            .filter(|e| e.dominance == Some(d))
            .map(|e| e.shift.column.clone())
            .collect()
    };
    RootCause {
        feature: culprit.map(|e| e.shift.column.clone()),
        strong_features: with(Dominance::StrongFeature),
        shortcuts: with(Dominance::Shortcut),
        identifier_leaks: with(Dominance::IdentifierLeak),
        evidence,
        statement,
    }
}

/// The overfitting sentence the diagnosis ends with (after a collapse): over seeds with its
/// interval when the record has them, else the protocol seed's gap, said to be one seed.
fn overfitting_clause(v: &PartDVerdicts) -> String {
    let Some(o) = &v.overfitting_over_seeds else {
        return format!(
            " On the protocol's seed alone, training and validation accuracy differ by {:.1} points \
             (one seed: no interval, no verdict on overfitting).",
            100.0 * v.overfitting.gap
        );
    };
    let t = 100.0 * o.max_gap;
    let verdict = match o.finding {
        GapOverSeeds::Absent => format!(
            "the whole interval lies below the {t:.1} points that rule overfitting out, so \
             overfitting does not explain the fall"
        ),
        GapOverSeeds::Present => format!(
            "the whole interval lies at or above {t:.1} points: the model fits its training rows \
             better than unseen rows drawn like them"
        ),
        GapOverSeeds::Undetermined => format!(
            "the interval straddles the {t:.1} points that would rule overfitting out, so it is \
             neither ruled out nor shown"
        ),
    };
    format!(
        " Over {n} seeds, the original model's training minus validation accuracy is {m:.1} points \
         (95 % interval {lo:.1} to {hi:.1}): {verdict}.",
        n = o.gap.n,
        m = 100.0 * o.gap.mean,
        lo = 100.0 * o.gap.low,
        hi = 100.0 * o.gap.high,
    )
}

/// Runs Part D: evaluates Part C's model on test, diagnoses, and measures the mitigations.
#[allow(clippy::too_many_arguments)]
pub fn run_part_d(
    prepared: &Prepared,
    train_table: &data::Table,
    test_table: &data::Table,
    part_c: &PartC,
    part_c_model: &Mlp,
    shifts: &[ColumnShift],
    config: &PartDConfig,
    part_c_config: &PartCConfig,
    seed: u64,
    runtime: &Runtime,
    progress: &mut dyn Progress,
) -> Result<(PartD, Vec<NamedModel>), ExperimentError> {
    let k = prepared.n_classes;
    let model = evaluate(part_c_model, prepared)?;
    let predict = |x: faer::MatRef<'_, f64>| {
        part_c_model
            .predict(x)
            .map_err(|e| ExperimentError::training("Part D prediction".into(), e.into()))
    };
    let test_pred = predict(prepared.test.x.as_ref())?;
    let val_pred = predict(prepared.validation.x.as_ref())?;
    let collapse = crate::verdicts::collapse(
        model.val_acc,
        model.test_acc,
        prepared.test.y.len(),
        config.collapse_gap,
        config.min_test_rows,
    );
    let mut root_cause = diagnose(part_c, shifts, config, &model, &collapse);

    let mut mitigations = Vec::new();
    let mut models = Vec::new();
    let mut add = |name: MitigationKind, description: String, mlp: &Mlp, p: &Prepared| {
        let e = evaluate(mlp, p)?;
        models.push(NamedModel::mlp(format!("part_d_{name}"), mlp, p));
        mitigations.push(Mitigation {
            name,
            description,
            train_acc: e.train_acc,
            val_acc: e.val_acc,
            test_acc: e.test_acc,
        });
        Ok::<(), ExperimentError>(())
    };
    let reduced = match &root_cause.feature {
        Some(column) => {
            Some(prepared.without_columns(train_table, test_table, std::slice::from_ref(column))?)
        }
        None => None,
    };
    let kinds: Vec<MitigationKind> = [
        MitigationKind::DropRootCause,
        MitigationKind::ClassWeights,
        MitigationKind::WeightDecay,
        MitigationKind::Dropout,
    ]
    .into_iter()
    .filter(|&kind| kind != MitigationKind::DropRootCause || reduced.is_some())
    .collect();
    let setup = Setup {
        prepared,
        reduced: reduced.as_ref(),
        config,
        part_c_config,
        runtime,
    };
    for &kind in &kinds {
        progress.step(&match (kind, &root_cause.feature) {
            (MitigationKind::DropRootCause, Some(column)) => {
                format!("Part D: retraining without `{column}`")
            }
            (MitigationKind::ClassWeights, _) => "Part D: class-weighted loss".to_string(),
            (MitigationKind::WeightDecay, _) => "Part D: weight decay".to_string(),
            _ => "Part D: dropout".to_string(),
        });
        let (mlp, p) = setup.train(kind, seed)?;
        let description = match (kind, &root_cause.feature) {
            (MitigationKind::DropRootCause, Some(column)) => {
                format!("retrained without `{column}`")
            }
            (MitigationKind::ClassWeights, _) => {
                "loss weighted inversely to class frequency".into()
            }
            (MitigationKind::WeightDecay, _) => {
                format!("L2 weight decay λ = {}", config.weight_decay)
            }
            _ => format!("dropout p = {} on hidden layers", config.dropout),
        };
        add(kind, description, &mlp, p)?;
    }

    let (class, _) = majority(&prepared.train.y, k);
    let constant = |n: usize| vec![class; n];
    mitigations.push(Mitigation {
        name: MitigationKind::MajorityBaseline,
        description: format!(
            "always predict class {}, the most frequent in training",
            train_table.schema.class_value(class)
        ),
        train_acc: accuracy(&constant(prepared.train.y.len()), &prepared.train.y),
        val_acc: accuracy(
            &constant(prepared.validation.y.len()),
            &prepared.validation.y,
        ),
        test_acc: accuracy(&constant(prepared.test.y.len()), &prepared.test.y),
    });

    progress.step(&format!(
        "Part D: the model and {} mitigations over {} seeds",
        kinds.len(),
        config.mitigation_seeds
    ));
    let mitigation_seeds = over_seeds(&setup, &kinds, &model, &mitigations, seed, progress)?;

    let class_share_shift =
        stats::total_variation(&shares(&prepared.train.y, k), &shares(&prepared.test.y, k));
    let verdicts = PartDVerdicts {
        collapse,
        overfitting: overfitting(model.overfitting_gap, config.overfitting_gap),
        class_mix: class_mix(class_share_shift, config.class_mix_shift),
        best_mitigation: best_mitigation(&mitigations),
        best_over_seeds: best_mitigation_over_seeds(&mitigation_seeds),
        collapse_over_seeds: collapse_over_seeds(&mitigation_seeds, 0, config.collapse_gap),
        overfitting_over_seeds: overfitting_over_seeds(
            &mitigation_seeds,
            0,
            config.overfitting_gap,
        ),
        class_weighting: mitigation_seeds
            .iter()
            .position(|m| m.name == MitigationKind::ClassWeights.name())
            .and_then(|i| class_weighting(&mitigation_seeds, i)),
    };
    if verdicts.collapse.finding == Collapse::Collapse {
        root_cause
            .statement
            .push_str(&overfitting_clause(&verdicts));
    }
    Ok((
        PartD {
            config: config.clone(),
            test_acc: model.test_acc,
            model,
            test_confusion: confusion(&test_pred, &prepared.test.y, k),
            validation_confusion: confusion(&val_pred, &prepared.validation.y, k),
            class_share_shift,
            class_shares_train: shares(&prepared.train.y, k),
            class_shares_test: shares(&prepared.test.y, k),
            root_cause_distribution: root_cause
                .feature
                .as_deref()
                .and_then(|c| column_distribution(train_table, test_table, c)),
            root_cause,
            mitigations,
            mitigation_seeds,
            verdicts,
        },
        models,
    ))
}

/// What every mitigation is trained from.
struct Setup<'a> {
    prepared: &'a Prepared,
    /// The data without the root-cause column, when there is one.
    reduced: Option<&'a Prepared>,
    config: &'a PartDConfig,
    part_c_config: &'a PartCConfig,
    runtime: &'a Runtime,
}

impl<'a> Setup<'a> {
    /// Trains mitigation `kind` (not the majority baseline) from `seed`; returns the model
    /// with the data it reads.
    fn train(
        &self,
        kind: MitigationKind,
        seed: u64,
    ) -> Result<(Mlp, &'a Prepared), ExperimentError> {
        let (c, p) = (self.part_c_config, self.prepared);
        let k = p.n_classes;
        let (data, loss, dropout) = match kind {
            MitigationKind::DropRootCause => {
                (self.reduced.unwrap_or(p), LossOptions::default(), 0.0)
            }
            MitigationKind::ClassWeights => (
                p,
                LossOptions {
                    class_weights: Some(models::class_weights(&p.train.y, k).map_err(|e| {
                        ExperimentError::training("Part D class weights".into(), e.into())
                    })?),
                    ..LossOptions::default()
                },
                0.0,
            ),
            MitigationKind::WeightDecay => (
                p,
                LossOptions {
                    weight_decay: self.config.weight_decay,
                    ..LossOptions::default()
                },
                0.0,
            ),
            MitigationKind::Dropout | MitigationKind::MajorityBaseline => {
                (p, LossOptions::default(), self.config.dropout)
            }
        };
        let (mlp, _) = train_tape_mlp(data, c, self.runtime, loss, dropout, seed)?;
        Ok((mlp, data))
    }
}

/// The original model and each mitigation over `config.mitigation_seeds` seeds (`seed`,
/// `seed + 1`, …); the protocol seed's numbers are the ones already measured.
fn over_seeds(
    setup: &Setup<'_>,
    kinds: &[MitigationKind],
    model: &Evaluation,
    measured: &[Mitigation],
    seed: u64,
    progress: &mut dyn Progress,
) -> Result<Vec<SeedAccuracies>, ExperimentError> {
    let n = setup.config.mitigation_seeds.max(1);
    let seeds: Vec<u64> = (0..n as u64).map(|s| seed + s).collect();
    // Per model (original first, then `kinds`): (train, validation, test) per seed.
    let mut acc: Vec<Vec<(f64, f64, f64)>> =
        vec![vec![(model.train_acc, model.val_acc, model.test_acc)]];
    for &kind in kinds {
        let m = measured.iter().find(|m| m.name == kind);
        acc.push(
            m.map(|m| (m.train_acc, m.val_acc, m.test_acc))
                .into_iter()
                .collect(),
        );
    }
    for (done, &s) in seeds.iter().enumerate().skip(1) {
        let (mlp, _) = train_tape_mlp(
            setup.prepared,
            setup.part_c_config,
            setup.runtime,
            LossOptions::default(),
            0.0,
            s,
        )?;
        let e = evaluate(&mlp, setup.prepared)?;
        acc[0].push((e.train_acc, e.val_acc, e.test_acc));
        for (j, &kind) in kinds.iter().enumerate() {
            let (mlp, data) = setup.train(kind, s)?;
            let e = evaluate(&mlp, data)?;
            acc[j + 1].push((e.train_acc, e.val_acc, e.test_acc));
        }
        progress.advance(done + 1, n);
    }
    let names = std::iter::once("original").chain(kinds.iter().map(|k| k.name()));
    let original: Vec<f64> = acc[0].iter().map(|a| a.2).collect();
    Ok(names
        .zip(&acc)
        .enumerate()
        .map(|(i, (name, a))| {
            let test_acc: Vec<f64> = a.iter().map(|x| x.2).collect();
            SeedAccuracies {
                name: name.to_string(),
                seeds: seeds.clone(),
                train_acc: a.iter().map(|x| x.0).collect(),
                val_acc: a.iter().map(|x| x.1).collect(),
                test_acc_interval: proportion_interval(&test_acc),
                test_difference: (i > 0)
                    .then(|| proportion_difference(&test_acc, &original))
                    .flatten(),
                test_acc,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests;
