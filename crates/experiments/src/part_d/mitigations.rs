//! The mitigations, each retrained and measured on test over seeds; the fix each kind of
//! cause calls for (a shortcut dropped, the decision rule corrected for the class mix); and
//! the softmax regression beside the MLP, which shows what the hidden layers add.

use models::{LossOptions, Mlp};
use serde::{Deserialize, Serialize};

use super::evaluation::{evaluate, model_error};
use super::{Evaluation, PartDConfig, SeedAccuracies};
use crate::interval::{Interval, proportion_difference, proportion_interval};
use crate::part_c::{PartCConfig, train_tape_last};
use crate::prepare::{Prepared, accuracy};
use crate::{ExperimentError, Progress, Runtime};

/// The kinds of mitigation Part D measures (written as their snake-case names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MitigationKind {
    /// Retrain without the root-cause column or columns.
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
    /// Which mitigation (what it changes: `PartDConfig`'s `weight_decay` and `dropout`, the
    /// root-cause columns of `PartDVerdicts::root_cause`, the training majority class).
    pub name: MitigationKind,
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
    /// The data without the root-cause columns, when there are some.
    pub(super) reduced: Option<&'a Prepared>,
    pub(super) config: &'a PartDConfig,
    pub(super) part_c_config: &'a PartCConfig,
    pub(super) runtime: &'a Runtime,
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
                    class_weights: Some(
                        models::class_weights(&p.train.y, k)
                            .map_err(model_error("Part D class weights"))?,
                    ),
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
        let (mlp, _) = train_tape_last(data, c, self.runtime, loss, dropout, seed)?;
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
    // Every retraining is independent: both threads take whole trainings (one thread
    // each, which gives the same bits as any thread count), in place of one training at
    // a time whose minibatch steps keep a single thread busy.
    // Per seed, the original model (`acc[0]`), then each kind (`acc[j]`, kind `j − 1`).
    let jobs: Vec<(u64, usize)> = seeds[1..]
        .iter()
        .flat_map(|&s| (0..acc.len()).map(move |j| (s, j)))
        .collect();
    let one_thread = Runtime::with_threads(1);
    let alone = Setup {
        runtime: &one_thread,
        ..*setup
    };
    let results = models::map_in_parallel(jobs.iter(), setup.runtime.threads, |&(s, j)| {
        let (mlp, data) = match j {
            0 => {
                let loss = LossOptions::default();
                let (mlp, _) = train_tape_last(
                    alone.prepared,
                    alone.part_c_config,
                    alone.runtime,
                    loss,
                    0.0,
                    s,
                )?;
                (mlp, alone.prepared)
            }
            j => alone.train(kinds[j - 1], s)?,
        };
        let e = evaluate(&mlp, data)?;
        Ok::<_, ExperimentError>((e.train_acc, e.val_acc, e.test_acc))
    });
    for (result, &(_, j)) in results.into_iter().zip(&jobs) {
        acc[j].push(result?);
    }
    progress.advance(n, n);
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

/// The decision rule corrected for the test set's class shares: each predicted probability
/// multiplied by `p_test(c) / p_train(c)` before the arg-max (the correction for a prior or
/// label shift; it reads the test labels' shares, which a deployment would estimate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClassMixCorrection {
    /// `p_test(c) / p_train(c)` per class (1 where the class has no training row).
    pub weights: Vec<f64>,
    /// Test accuracy of the model as trained.
    pub test_acc_without: f64,
    /// Test accuracy with the corrected rule.
    pub test_acc_with: f64,
}

/// The class-mix correction of `mlp` on `prepared`'s test rows.
pub fn class_mix_correction(
    mlp: &Mlp,
    prepared: &Prepared,
) -> Result<ClassMixCorrection, ExperimentError> {
    let k = prepared.n_classes;
    let shares = |y: &[usize]| {
        let mut s = vec![0.0; k];
        for &c in y {
            s[c] += 1.0 / y.len().max(1) as f64;
        }
        s
    };
    let (train, test) = (shares(&prepared.train.y), shares(&prepared.test.y));
    let weights: Vec<f64> = (0..k)
        .map(|c| {
            if train[c] > 0.0 {
                test[c] / train[c]
            } else {
                1.0
            }
        })
        .collect();
    let proba = mlp
        .predict_proba(prepared.test.x.as_ref())
        .map_err(model_error("Part D class-mix correction"))?;
    let corrected: Vec<usize> = (0..proba.nrows())
        .map(|r| {
            (0..k).fold(0, |best, c| {
                if proba[(r, c)] * weights[c] > proba[(r, best)] * weights[best] {
                    c
                } else {
                    best
                }
            })
        })
        .collect();
    Ok(ClassMixCorrection {
        test_acc_without: mlp
            .accuracy(prepared.test.x.as_ref(), &prepared.test.y)
            .map_err(model_error("Part D class-mix correction"))?,
        test_acc_with: accuracy(&corrected, &prepared.test.y),
        weights,
    })
}

/// A softmax (multinomial logistic) regression: the same engine, loss and schedule as Part
/// C's MLP with no hidden layer, over the same seeds, beside the MLP it is compared with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SimpleModel {
    /// The columns left out (empty: every column; else the root cause's).
    pub dropped: Vec<String>,
    /// The entry of `mitigation_seeds` it is compared with: `original` or
    /// `drop_root_cause`.
    pub compared_with: String,
    /// Its accuracies per seed (`name`: `softmax_regression` or
    /// `softmax_regression_drop_root_cause`; `test_difference` stays empty).
    pub seeds: SeedAccuracies,
    /// Its test accuracy minus the MLP's, paired by seed: what the hidden layers add,
    /// negated.
    pub minus_mlp: Option<Interval>,
}

/// The softmax regression on every column, and without the root cause's columns when there
/// are some (`reduced`), each over the seeds of `mitigation_seeds`.
pub(super) fn simple_models(
    setup: &Setup<'_>,
    dropped: &[String],
    mitigation_seeds: &[SeedAccuracies],
    progress: &mut dyn Progress,
) -> Result<Vec<SimpleModel>, ExperimentError> {
    let linear = PartCConfig {
        hidden: Vec::new(),
        ..setup.part_c_config.clone()
    };
    let mut variants = vec![(setup.prepared, Vec::new(), "original")];
    if let Some(reduced) = setup.reduced {
        variants.push((reduced, dropped.to_vec(), "drop_root_cause"));
    }
    let mut out = Vec::new();
    for (data, dropped, mlp_name) in variants {
        let Some(mlp) = mitigation_seeds.iter().find(|m| m.name == mlp_name) else {
            continue;
        };
        // One seed per thread at a time, as in `over_seeds`.
        let one_thread = Runtime::with_threads(1);
        let acc = models::map_in_parallel(mlp.seeds.iter(), setup.runtime.threads, |&s| {
            let (model, _) =
                train_tape_last(data, &linear, &one_thread, LossOptions::default(), 0.0, s)?;
            evaluate(&model, data)
        })
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
        progress.advance(mlp.seeds.len(), mlp.seeds.len());
        let test_acc: Vec<f64> = acc.iter().map(|e| e.test_acc).collect();
        let name = if dropped.is_empty() {
            "softmax_regression".to_string()
        } else {
            "softmax_regression_drop_root_cause".to_string()
        };
        out.push(SimpleModel {
            minus_mlp: proportion_difference(&test_acc, &mlp.test_acc),
            compared_with: mlp_name.to_string(),
            dropped,
            seeds: SeedAccuracies {
                name,
                seeds: mlp.seeds.clone(),
                train_acc: acc.iter().map(|e| e.train_acc).collect(),
                val_acc: acc.iter().map(|e| e.val_acc).collect(),
                test_acc_interval: proportion_interval(&test_acc),
                test_difference: None,
                test_acc,
            },
        });
    }
    Ok(out)
}
