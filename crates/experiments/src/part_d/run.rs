//! The run: evaluates Part C's model on every set, diagnoses, and measures the mitigations.

use models::Mlp;
use serde::{Deserialize, Serialize};

use super::evidence::shares;
use super::mitigations::{Setup, over_seeds};
use super::{
    ColumnShift, Mitigation, MitigationKind, PartD, PartDConfig, PartDVerdicts, best_mitigation,
    column_distribution, confusion, diagnose,
};
use crate::part_a::stats;
use crate::part_c::{PartC, PartCConfig};
use crate::prepare::{Prepared, accuracy, majority};
use crate::verdicts::{
    Collapse, GapOverSeeds, best_mitigation_over_seeds, class_mix, class_weighting,
    collapse_over_seeds, overfitting, overfitting_over_seeds,
};
use crate::{ExperimentError, NamedModel, Progress};

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

pub(super) fn evaluate(mlp: &Mlp, prepared: &Prepared) -> Evaluation {
    let train_acc = mlp.accuracy(prepared.train.x.as_ref(), &prepared.train.y);
    let val_acc = mlp.accuracy(prepared.validation.x.as_ref(), &prepared.validation.y);
    let test_acc = mlp.accuracy(prepared.test.x.as_ref(), &prepared.test.y);
    Evaluation {
        train_acc,
        val_acc,
        test_acc,
        overfitting_gap: train_acc - val_acc,
        test_gap: val_acc - test_acc,
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
    progress: &mut dyn Progress,
) -> Result<(PartD, Vec<NamedModel>), ExperimentError> {
    let k = prepared.n_classes;
    let model = evaluate(part_c_model, prepared);
    let test_pred = part_c_model.predict(prepared.test.x.as_ref());
    let val_pred = part_c_model.predict(prepared.validation.x.as_ref());
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
        let e = evaluate(mlp, p);
        models.push(NamedModel::mlp(format!("part_d_{name}"), mlp, p));
        mitigations.push(Mitigation {
            name,
            description,
            train_acc: e.train_acc,
            val_acc: e.val_acc,
            test_acc: e.test_acc,
        });
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
        add(kind, description, &mlp, p);
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
