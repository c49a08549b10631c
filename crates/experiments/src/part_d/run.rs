//! The run: evaluates Part C's model on every set, replays the candidate causes, draws the
//! verdicts, and measures the fixes.

use models::Mlp;

use super::evaluation::{evaluate, model_error};
use super::evidence::shares;
use super::mitigations::{Setup, over_seeds, simple_models};
use super::replay::{ReplaySettings, replay};
use super::{
    ColumnShift, Mitigation, MitigationKind, PartD, PartDConfig, PartDVerdicts, best_mitigation,
    calibration, class_mix_correction, column_distribution, column_evidence, confusion, duplicates,
};
use crate::part_a::stats;
use crate::part_c::{PartC, PartCConfig};
use crate::prepare::{Prepared, accuracy, majority};
use crate::verdicts::{
    Collapse, RootCauseRule, best_mitigation_over_seeds, class_mix, class_weighting,
    collapse_over_seeds, confidence, learned, overfitting, overfitting_over_seeds, root_cause,
    training,
};
use crate::{ExperimentError, NamedModel, Progress, Runtime};

/// What Part D reads of the parts before it.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The split and the encoded sets.
    pub prepared: &'a Prepared,
    /// The training file's table (for the duplicates and the dropped-column retraining).
    pub train: &'a data::Table,
    /// The test file's table.
    pub test: &'a data::Table,
    /// Part C's record (the attribution and the training history).
    pub part_c: &'a PartC,
    /// Part C's model, the one diagnosed.
    pub model: &'a Mlp,
    /// Part A's shift check per column.
    pub shifts: &'a [ColumnShift],
    /// Part B's full-batch ReLU network's training accuracy on the same rows, when Part B
    /// ran: what a model trained to the end reaches.
    pub full_batch_train_acc: Option<f64>,
}

/// Runs Part D: evaluates Part C's model on test, diagnoses, and measures the mitigations.
pub fn run_part_d(
    inputs: Inputs<'_>,
    config: &PartDConfig,
    part_c_config: &PartCConfig,
    seed: u64,
    runtime: &Runtime,
    progress: &mut dyn Progress,
) -> Result<(PartD, Vec<NamedModel>), ExperimentError> {
    let Inputs {
        prepared,
        train: train_table,
        test: test_table,
        part_c,
        model: part_c_model,
        shifts,
        full_batch_train_acc,
    } = inputs;
    let k = prepared.n_classes;
    let model = evaluate(part_c_model, prepared)?;
    let predict = |d: &data::Design| {
        part_c_model
            .predict(d.x.as_ref())
            .map_err(model_error("Part D prediction"))
    };
    let test_pred = predict(&prepared.test)?;
    let val_pred = predict(&prepared.validation)?;
    let collapse = crate::verdicts::collapse(
        model.val_acc,
        model.test_acc,
        prepared.test.y.len(),
        config.collapse_gap,
        config.min_test_rows,
    );
    let (majority_class, _) = majority(&prepared.train.y, k);
    let constant = |n: usize| vec![majority_class; n];
    let majority_val_acc = accuracy(
        &constant(prepared.validation.y.len()),
        &prepared.validation.y,
    );
    let learned = learned(
        model.val_acc,
        majority_class,
        majority_val_acc,
        config.learned_margin,
    );
    let losses: Vec<f64> = part_c.history.iter().map(|r| r.loss).collect();
    let training = training(
        &losses,
        part_c.steps,
        part_c.train_acc,
        full_batch_train_acc,
        config.max_late_loss_drop,
        config.max_train_shortfall,
    );
    let root_cause_evidence = column_evidence(part_c, shifts, config);

    let replay = if learned.finding == crate::verdicts::Learning::Learned {
        progress.step("Part D: replaying each candidate cause on the validation rows");
        let ranked: Vec<String> = part_c.columns.iter().map(|c| c.column.clone()).collect();
        let settings = ReplaySettings {
            draws: config.replay_draws,
            set_columns: config.set_columns,
            max_set_size: config.max_set_size,
            tolerance: config.reproduce_tolerance,
            min_gap_share: config.reproduce_share,
            collapse: collapse.finding == Collapse::Collapse,
        };
        Some(
            replay(part_c_model, prepared, &ranked, &settings, seed)
                .map_err(model_error("Part D replay"))?,
        )
    } else {
        None
    };
    let rule = RootCauseRule {
        tolerance: config.reproduce_tolerance,
        min_gap_share: config.reproduce_share,
        min_train_relation: config.min_train_relation,
        hold_ratio: config.hold_ratio,
    };
    let cause = root_cause(
        &learned,
        &collapse,
        replay.as_ref().map_or(&[], |r| r.candidates.as_slice()),
        &root_cause_evidence.relations(),
        &rule,
    );

    let test_correct: Vec<bool> = test_pred
        .iter()
        .zip(&prepared.test.y)
        .map(|(p, y)| p == y)
        .collect();
    let duplicates = duplicates(train_table, test_table, &prepared.split, &test_correct);
    let duplicates_verdict = crate::verdicts::duplicates(
        duplicates.train_test.features_share,
        duplicates.train_validation.features_share,
        config.max_duplicate_share,
    );
    let calibrate = |set: &data::Design| {
        let proba = part_c_model
            .predict_proba(set.x.as_ref())
            .map_err(model_error("Part D calibration"))?;
        Ok::<_, ExperimentError>(calibration(proba.as_ref(), &set.y, config.calibration_bins))
    };
    let calibration_validation = calibrate(&prepared.validation)?;
    let calibration_test = calibrate(&prepared.test)?;

    let mut mitigations = Vec::new();
    let mut models = Vec::new();
    let mut add = |name: MitigationKind, mlp: &Mlp, p: &Prepared| {
        let e = evaluate(mlp, p)?;
        models.push(NamedModel::mlp(format!("part_d_{name}"), mlp, p));
        mitigations.push(Mitigation {
            name,
            train_acc: e.train_acc,
            val_acc: e.val_acc,
            test_acc: e.test_acc,
        });
        Ok::<(), ExperimentError>(())
    };
    let reduced = if cause.names_columns() {
        Some(prepared.without_columns(train_table, test_table, &cause.columns)?)
    } else {
        None
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
        progress.step(&match kind {
            MitigationKind::DropRootCause => format!(
                "Part D: retraining without {}",
                cause
                    .columns
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            MitigationKind::ClassWeights => "Part D: class-weighted loss".to_string(),
            MitigationKind::WeightDecay => "Part D: weight decay".to_string(),
            _ => "Part D: dropout".to_string(),
        });
        let (mlp, p) = setup.train(kind, seed)?;
        add(kind, &mlp, p)?;
    }
    mitigations.push(Mitigation {
        name: MitigationKind::MajorityBaseline,
        train_acc: accuracy(&constant(prepared.train.y.len()), &prepared.train.y),
        val_acc: majority_val_acc,
        test_acc: accuracy(&constant(prepared.test.y.len()), &prepared.test.y),
    });

    progress.step(&format!(
        "Part D: the model and {} mitigations over {} seeds",
        kinds.len(),
        config.mitigation_seeds
    ));
    let mitigation_seeds = over_seeds(&setup, &kinds, &model, &mitigations, seed, progress)?;
    progress.step(&format!(
        "Part D: softmax regression over {} seeds",
        config.mitigation_seeds
    ));
    let simple_models = simple_models(&setup, &cause.columns, &mitigation_seeds, progress)?;

    let class_share_shift =
        stats::total_variation(&shares(&prepared.train.y, k), &shares(&prepared.test.y, k));
    let position =
        |kind: MitigationKind| mitigation_seeds.iter().position(|m| m.name == kind.name());
    let verdicts = PartDVerdicts {
        learned,
        training,
        collapse,
        duplicates: duplicates_verdict,
        confidence_validation: confidence(
            calibration_validation.mean_confidence,
            calibration_validation.accuracy,
            config.max_confidence_gap,
        ),
        confidence_test: confidence(
            calibration_test.mean_confidence,
            calibration_test.accuracy,
            config.max_confidence_gap,
        ),
        fix_gap: position(MitigationKind::DropRootCause)
            .and_then(|i| collapse_over_seeds(&mitigation_seeds, i, config.collapse_gap)),
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
        class_weighting: position(MitigationKind::ClassWeights)
            .and_then(|i| class_weighting(&mitigation_seeds, i)),
        root_cause: cause,
    };
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
            root_cause_distribution: verdicts
                .root_cause
                .columns
                .first()
                .and_then(|c| column_distribution(train_table, test_table, c)),
            replay,
            root_cause: root_cause_evidence,
            duplicates,
            calibration_validation,
            calibration_test,
            mitigations,
            mitigation_seeds,
            class_mix_correction: class_mix_correction(part_c_model, prepared)?,
            simple_models,
            verdicts,
        },
        models,
    ))
}
