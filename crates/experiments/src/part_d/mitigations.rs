//! The mitigations: each retrained and measured on test, over seeds.

use models::{LossOptions, Mlp};
use serde::{Deserialize, Serialize};

use super::run::evaluate;
use super::{Evaluation, PartDConfig, SeedAccuracies};
use crate::interval::{mean_interval, paired_interval};
use crate::part_c::{PartCConfig, train_tape_mlp};
use crate::prepare::Prepared;
use crate::{ExperimentError, Progress};

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

/// The trained mitigation with the best test accuracy.
pub fn best_mitigation(mitigations: &[Mitigation]) -> Option<usize> {
    mitigations
        .iter()
        .enumerate()
        .filter(|(_, m)| m.name.is_model())
        .max_by(|a, b| a.1.test_acc.total_cmp(&b.1.test_acc))
        .map(|(i, _)| i)
}

/// What every mitigation is trained from.
pub(super) struct Setup<'a> {
    pub(super) prepared: &'a Prepared,
    /// The data without the root-cause column, when there is one.
    pub(super) reduced: Option<&'a Prepared>,
    pub(super) config: &'a PartDConfig,
    pub(super) part_c_config: &'a PartCConfig,
}

impl<'a> Setup<'a> {
    /// Trains mitigation `kind` (not the majority baseline) from `seed`; returns the model
    /// with the data it reads.
    pub(super) fn train(
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
                    class_weights: Some(models::class_weights(&p.train.y, k)),
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
        let (mlp, _) = train_tape_mlp(data, c, loss, dropout, seed)?;
        Ok((mlp, data))
    }
}

/// The original model and each mitigation over `config.mitigation_seeds` seeds (`seed`,
/// `seed + 1`, …); the protocol seed's numbers are the ones already measured.
pub(super) fn over_seeds(
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
            LossOptions::default(),
            0.0,
            s,
        )?;
        let e = evaluate(&mlp, setup.prepared);
        acc[0].push((e.train_acc, e.val_acc, e.test_acc));
        for (j, &kind) in kinds.iter().enumerate() {
            let (mlp, data) = setup.train(kind, s)?;
            let e = evaluate(&mlp, data);
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
                test_acc_interval: mean_interval(&test_acc),
                test_difference: (i > 0)
                    .then(|| paired_interval(&test_acc, &original))
                    .flatten(),
                test_acc,
            }
        })
        .collect())
}
