//! Training: determinism, the divergence guard, engine agreement, Question 2 training, and
//! the model file round trip.

use crate::common;

use faer::Mat;
use models::file::ModelFile;
use models::{
    Activation, Backprop, BiasMode, BiasNet, Dense, Engine, Invalid, LossOptions, Mlp, Precision,
    Saturation, TrainConfig, TrainError, class_weights, tape_gradients, train, train_bias_net,
    train_bias_net_losses,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tape::Tape;

/// Labels that depend on the features (so that training has something to learn).
fn learnable(n: usize, seed: u64) -> (Mat<f64>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x = Mat::from_fn(n, 5, |_, _| rng.random_range(-2.0..2.0));
    let y = (0..n)
        .map(|i| ((x[(i, 0)] > 0.0) as usize) * 2 + (x[(i, 1)] + x[(i, 2)] > 0.0) as usize)
        .collect();
    (x, y)
}

fn config(engine: Engine, batch_size: Option<usize>, dropout: f64) -> TrainConfig {
    TrainConfig {
        learning_rate: 0.1,
        steps: 8,
        batch_size,
        loss: LossOptions {
            class_weights: Some(vec![1.0, 2.0, 0.5, 1.5]),
            weight_decay: 1e-3,
        },
        dropout,
        engine,
        threads: 2,
        saturation: Saturation::STUDY,
        evaluate: models::Evaluate::EveryStep,
    }
}

fn fresh(act: Activation) -> Mlp {
    Mlp::new(
        5,
        &[32, 16],
        4,
        act,
        models::Init::PyTorch,
        &mut ChaCha8Rng::seed_from_u64(3),
    )
}

#[test]
fn same_seed_gives_bit_identical_weights_and_histories() {
    let (x, y) = learnable(1500, 1);
    let (xv, yv) = learnable(300, 2);
    for engine in [Engine::HandWritten, Engine::Tape] {
        for batch in [None, Some(64)] {
            let cfg = config(engine, batch, 0.3);
            let runs: Vec<_> = (0..2)
                .map(|_| {
                    let mut m = fresh(Activation::Relu);
                    let h = train(&mut m, (x.as_ref(), &y), (xv.as_ref(), &yv), &cfg, 9).unwrap();
                    (m, h)
                })
                .collect();
            assert_eq!(runs[0].0, runs[1].0, "{engine:?} {batch:?}: weights");
            let bits = |h: &[models::Record]| {
                h.iter()
                    .flat_map(|r| {
                        [r.loss, r.train_acc, r.val_acc]
                            .into_iter()
                            .chain(r.grad_mean_abs.iter().copied())
                            .chain(r.saturation.iter().copied())
                    })
                    .map(f64::to_bits)
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                bits(&runs[0].1),
                bits(&runs[1].1),
                "{engine:?} {batch:?}: history"
            );
            // A different seed shuffles and drops differently.
            let mut other = fresh(Activation::Relu);
            train(&mut other, (x.as_ref(), &y), (xv.as_ref(), &yv), &cfg, 10).unwrap();
            assert_ne!(other, runs[0].0);
        }
    }
}

/// Measuring only some steps (`TrainConfig::evaluate`) changes nothing but the skipped
/// records' accuracies and saturation: the same weights, the same losses and gradient
/// magnitudes at every step, and the same bits at the measured steps and the last; every
/// engine, full batch and minibatch, with and without dropout, on one thread and on two
/// (where a minibatch run evaluates on a second thread).
#[test]
fn measuring_only_checkpoints_gives_the_same_weights_and_the_same_measured_records() {
    let (x, y) = learnable(900, 21);
    let (xv, yv) = learnable(200, 22);
    let bits = |v: &[f64]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    for engine in [Engine::HandWritten, Engine::Tape] {
        for batch in [None, Some(128)] {
            for dropout in [0.0, 0.2] {
                for threads in [1, 2] {
                    let what = format!("{engine:?} {batch:?} dropout {dropout} threads {threads}");
                    let run = |evaluate: models::Evaluate| {
                        let cfg = TrainConfig {
                            threads,
                            evaluate,
                            ..config(engine, batch, dropout)
                        };
                        let mut m = fresh(Activation::Sigmoid);
                        let h =
                            train(&mut m, (x.as_ref(), &y), (xv.as_ref(), &yv), &cfg, 5).unwrap();
                        (m, h)
                    };
                    let (every_mlp, every) = run(models::Evaluate::EveryStep);
                    // Step 9 is past the run's 8 steps; the last (8) is measured anyway.
                    let (some_mlp, some) = run(models::Evaluate::At(vec![2, 5, 9]));
                    let (last_mlp, last) = run(models::Evaluate::last_only());
                    assert_eq!(every_mlp, some_mlp, "{what}: weights");
                    assert_eq!(every_mlp, last_mlp, "{what}: weights");
                    for (h, measured) in [(&some, vec![2, 5, 8]), (&last, vec![8])] {
                        assert_eq!(h.len(), every.len(), "{what}");
                        for (r, e) in h.iter().zip(&every) {
                            assert_eq!(r.step, e.step);
                            assert_eq!(r.loss.to_bits(), e.loss.to_bits(), "{what}");
                            assert_eq!(bits(&r.grad_mean_abs), bits(&e.grad_mean_abs), "{what}");
                            assert_eq!(r.saturation.len(), e.saturation.len(), "{what}");
                            if measured.contains(&r.step) {
                                assert_eq!(r.train_acc.to_bits(), e.train_acc.to_bits(), "{what}");
                                assert_eq!(r.val_acc.to_bits(), e.val_acc.to_bits(), "{what}");
                                assert_eq!(bits(&r.saturation), bits(&e.saturation), "{what}");
                                assert!(e.val_acc.is_finite() && e.train_acc.is_finite());
                            } else {
                                assert!(r.train_acc.is_nan() && r.val_acc.is_nan(), "{what}");
                                assert!(r.saturation.iter().all(|s| s.is_nan()), "{what}");
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The thread count is configuration, not state: each run names its own, and the weights
/// and histories do not depend on it (blocks are fixed; partials are summed in block order).
#[test]
fn the_thread_count_changes_no_bit_of_a_training_run() {
    let (x, y) = learnable(1300, 13);
    let (xv, yv) = learnable(300, 14);
    for engine in [Engine::HandWritten, Engine::Tape] {
        for batch in [None, Some(700)] {
            let runs: Vec<_> = [1, 2, 3]
                .into_iter()
                .map(|threads| {
                    let cfg = TrainConfig {
                        threads,
                        ..config(engine, batch, 0.2)
                    };
                    let mut m = fresh(Activation::Sigmoid);
                    let h = train(&mut m, (x.as_ref(), &y), (xv.as_ref(), &yv), &cfg, 4).unwrap();
                    let bits: Vec<u64> = h
                        .iter()
                        .flat_map(|r| [r.loss, r.train_acc, r.val_acc])
                        .map(f64::to_bits)
                        .collect();
                    // The rest of each record too: a minibatch run with two threads or
                    // more evaluates its epochs on a second thread.
                    let rest: Vec<u64> = h
                        .iter()
                        .flat_map(|r| r.grad_mean_abs.iter().chain(&r.saturation))
                        .map(|v| v.to_bits())
                        .collect();
                    (m, bits, rest)
                })
                .collect();
            assert_eq!(runs[0].1.len(), 3 * 8);
            assert!(
                runs.windows(2).all(|w| w[0] == w[1]),
                "{engine:?} {batch:?}"
            );
        }
    }
}

#[test]
fn both_engines_train_the_same_network_even_with_dropout() {
    let (x, y) = learnable(1500, 4);
    let (xv, yv) = learnable(300, 5);
    for act in [Activation::Relu, Activation::Sigmoid] {
        for batch in [None, Some(100)] {
            let mut hand = fresh(act);
            let mut taped = fresh(act);
            let (tr, va) = ((x.as_ref(), &y[..]), (xv.as_ref(), &yv[..]));
            let hh = train(
                &mut hand,
                tr,
                va,
                &config(Engine::HandWritten, batch, 0.25),
                5,
            )
            .unwrap();
            let ht = train(&mut taped, tr, va, &config(Engine::Tape, batch, 0.25), 5).unwrap();
            assert_eq!((hh.len(), ht.len()), (8, 8), "one record per step");
            for (a, b) in hh.iter().zip(&ht) {
                assert!(
                    (a.loss - b.loss).abs() < 1e-9,
                    "{act:?} {batch:?}: {a:?} vs {b:?}"
                );
                assert!((a.val_acc - b.val_acc).abs() <= 1.0 / 300.0 + 1e-12);
            }
            for (a, b) in hand.layers.iter().zip(&taped.layers) {
                common::close("W", &a.weight, &b.weight, 1e-9, 1e-7).unwrap();
                common::close("b", &a.bias, &b.bias, 1e-9, 1e-7).unwrap();
            }
        }
    }
}

#[test]
fn training_reduces_the_loss_and_learns() {
    let (x, y) = learnable(2000, 6);
    let (xv, yv) = learnable(500, 7);
    let mut m = fresh(Activation::Relu);
    let cfg = TrainConfig {
        steps: 30,
        loss: LossOptions::default(),
        ..config(Engine::HandWritten, Some(50), 0.0)
    };
    let h = train(&mut m, (x.as_ref(), &y), (xv.as_ref(), &yv), &cfg, 1).unwrap();
    assert_eq!(h.len(), 30);
    assert_eq!(
        h.iter().map(|r| r.step).collect::<Vec<_>>(),
        (1..=30).collect::<Vec<_>>()
    );
    assert!(
        h[29].loss < 0.5 * h[0].loss,
        "{} → {}",
        h[0].loss,
        h[29].loss
    );
    assert!(h[29].val_acc > 0.9, "{:?}", h[29]);
    assert_eq!(h[29].val_acc, m.accuracy(xv.as_ref(), &yv).unwrap());
    assert_eq!(h[29].grad_mean_abs.len(), 3);
    assert_eq!(h[29].saturation.len(), 2);
}

/// The trained network is the one the last record measured, in both modes and engines:
/// its accuracies recomputed from the returned weights (and from a model file written and
/// read back) equal the recorded ones exactly, and its loss equals the last record's.
#[test]
fn the_trained_network_is_the_one_the_last_record_measured() {
    let (x, y) = learnable(700, 21);
    let (xv, yv) = learnable(300, 22);
    for (engine, batch) in [
        (Engine::HandWritten, None),
        (Engine::Tape, None),
        (Engine::HandWritten, Some(64)),
        (Engine::Tape, Some(64)),
    ] {
        let mut m = fresh(Activation::Sigmoid);
        let cfg = TrainConfig {
            steps: 12,
            learning_rate: 0.5,
            loss: LossOptions::default(),
            ..config(engine, batch, 0.0)
        };
        let h = train(&mut m, (x.as_ref(), &y), (xv.as_ref(), &yv), &cfg, 3).unwrap();
        let last = h.last().unwrap();
        let file = ModelFile::from_mlp(&m, &common::preprocessor());
        let back: ModelFile = serde_json::from_str(&serde_json::to_string(&file).unwrap()).unwrap();
        let saved = back.to_mlp().unwrap();
        for net in [&m, &saved] {
            assert_eq!(
                net.accuracy(x.as_ref(), &y).unwrap(),
                last.train_acc,
                "{engine:?} {batch:?}"
            );
            assert_eq!(
                net.accuracy(xv.as_ref(), &yv).unwrap(),
                last.val_acc,
                "{engine:?} {batch:?}"
            );
        }
        if batch.is_none() {
            let loss = m.loss(x.as_ref(), &y, &cfg.loss).unwrap();
            assert!(
                (loss - last.loss).abs() < 1e-12,
                "{engine:?}: {loss} vs {}",
                last.loss
            );
        }
    }
}

#[test]
fn too_large_a_learning_rate_is_reported_not_returned_as_nan() {
    let (x, y) = learnable(500, 8);
    for engine in [Engine::HandWritten, Engine::Tape] {
        let mut m = fresh(Activation::Relu);
        let cfg = TrainConfig {
            learning_rate: 1e200,
            steps: 50,
            ..config(engine, None, 0.0)
        };
        let err = train(&mut m, (x.as_ref(), &y), (x.as_ref(), &y), &cfg, 1).unwrap_err();
        let TrainError::Diverged { step, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(*step >= 2 && *step <= 50, "{err}");
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!("training diverged at iteration {step}: ")),
            "{msg}"
        );
        assert!(msg.ends_with("; try a smaller learning rate"), "{msg}");
    }
}

#[test]
fn bad_setups_are_rejected_by_the_check_that_names_them() {
    let (x, y) = learnable(50, 8);
    let mut m = fresh(Activation::Relu);
    let tr = (x.as_ref(), &y[..]);
    let bad = |cfg: TrainConfig, m: &mut Mlp| train(m, tr, tr, &cfg, 1).unwrap_err();
    let base = config(Engine::HandWritten, None, 0.0);
    let cases: Vec<(TrainConfig, Invalid, &str)> = vec![
        (
            TrainConfig {
                dropout: 1.0,
                ..base.clone()
            },
            Invalid::Dropout(1.0),
            "dropout 1 must lie in [0, 1)",
        ),
        (
            TrainConfig {
                batch_size: Some(0),
                ..base.clone()
            },
            Invalid::BatchSize,
            "batch size 0",
        ),
        (
            TrainConfig {
                learning_rate: -1.0,
                ..base.clone()
            },
            Invalid::LearningRate(-1.0),
            "learning rate -1 must be positive",
        ),
        (
            TrainConfig {
                loss: LossOptions {
                    class_weights: Some(vec![1.0; 3]),
                    weight_decay: 0.0,
                },
                ..base.clone()
            },
            Invalid::ClassWeights {
                weights: 3,
                classes: 4,
            },
            "3 class weights for 4 classes (all finite, ≥ 0)",
        ),
    ];
    for (cfg, want, msg) in cases {
        let err = bad(cfg, &mut m);
        assert_eq!(err, TrainError::Invalid(want.clone()));
        assert_eq!(err.to_string(), format!("invalid training setup: {msg}"));
    }
    let err = train(&mut m, tr, (x.as_ref(), &y[..10]), &base, 1).unwrap_err();
    assert_eq!(
        err,
        TrainError::Invalid(Invalid::Labels {
            rows: 50,
            labels: 10
        })
    );
    assert_eq!(
        err.to_string(),
        "invalid training setup: 50 rows but 10 labels"
    );
    let narrow = x.as_ref().subcols(0, 3);
    let err = train(&mut m, (narrow, &y[..]), tr, &base, 1).unwrap_err();
    assert_eq!(
        err,
        TrainError::Invalid(Invalid::Columns {
            columns: 3,
            inputs: 5
        })
    );
    let mut high = y.clone();
    high[7] = 9;
    let err = train(&mut m, (x.as_ref(), &high[..]), tr, &base, 1).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid training setup: label 9 outside 0..4"
    );
    // A network whose layers do not chain (the fields are public).
    let mut broken = fresh(Activation::Relu);
    broken.layers[1] = Dense::zeros(7, 16);
    let err = train(&mut broken, tr, tr, &base, 1).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid training setup: layer 2 of the network does not fit: \
         7 inputs where the layer below gives 32"
    );
}

/// Every public entry point answers input that does not fit with a typed error, not a
/// panic: prediction and evaluation, the gradient engines, and the class weights.
#[test]
fn the_public_api_returns_errors_where_it_used_to_panic() {
    let (x, y) = learnable(40, 9);
    let m = fresh(Activation::Sigmoid);
    let narrow = x.as_ref().subcols(0, 4);
    let columns = Invalid::Columns {
        columns: 4,
        inputs: 5,
    };
    assert_eq!(m.predict(narrow).unwrap_err(), columns);
    assert_eq!(m.predict_proba(narrow).unwrap_err(), columns);
    assert_eq!(m.accuracy(narrow, &y).unwrap_err(), columns);
    assert_eq!(
        m.accuracy(x.as_ref(), &y[..3]).unwrap_err(),
        Invalid::Labels {
            rows: 40,
            labels: 3
        }
    );
    let opts = LossOptions::default();
    assert_eq!(m.loss(narrow, &y, &opts).unwrap_err(), columns);
    let mut bp = Backprop::new(&m, 40, 2);
    assert_eq!(
        bp.run(&m, narrow, &y, &opts).unwrap_err(),
        TrainError::Invalid(columns.clone())
    );
    let few_weights = LossOptions {
        class_weights: Some(vec![1.0]),
        weight_decay: 0.0,
    };
    assert!(matches!(
        tape_gradients(&m, x.as_ref(), &y, &few_weights, &mut Tape::new()).unwrap_err(),
        TrainError::Invalid(Invalid::ClassWeights {
            weights: 1,
            classes: 4
        })
    ));
    assert_eq!(
        class_weights(&[0, 1, 5], 4).unwrap_err(),
        Invalid::Label {
            label: 5,
            classes: 4
        }
    );
    let empty = Mlp {
        activation: Activation::Relu,
        layers: Vec::new(),
    };
    assert_eq!(empty.n_inputs(), 0);
    assert!(matches!(
        empty.predict(x.as_ref()).unwrap_err(),
        Invalid::Network { layer: 0, .. }
    ));
    assert!(
        Backprop::new(&empty, 40, 1)
            .run(&empty, x.as_ref(), &y, &opts)
            .is_err()
    );
    // Valid input still works through the same calls.
    assert_eq!(m.predict(x.as_ref()).unwrap().len(), 40);
    assert!(m.loss(x.as_ref(), &y, &opts).unwrap().is_finite());
}

#[test]
fn question_2_networks_train_in_both_bias_layouts() {
    let (x, y) = learnable(1000, 11);
    for mode in [BiasMode::Shared, BiasMode::Independent] {
        let mut net = BiasNet::new(
            5,
            4,
            Activation::Relu,
            mode,
            &mut ChaCha8Rng::seed_from_u64(2),
        );
        let h = train_bias_net(&mut net, (x.as_ref(), &y), (x.as_ref(), &y), 0.5, 100).unwrap();
        assert!(h[99].loss < h[0].loss);
        assert!(h[99].train_acc > 0.6, "{mode:?}: {:?}", h[99]);
        assert_eq!(h[99].grad_mean_abs.len(), 2);
        assert_eq!(net.biases.mode(), mode, "training keeps the layout");
        if let models::Biases::Independent { b1, b2 } = &net.biases {
            assert_ne!(b1, b2, "independent biases move apart");
        }
    }
}

/// Question 2's trainer keeps the losses and the last validation accuracy only; the weights
/// and those numbers are the full trainer's, bit for bit.
#[test]
fn the_loss_only_trainer_follows_the_recording_one() {
    let (x, y) = learnable(1001, 13);
    let (xv, yv) = learnable(203, 14);
    for (mode, act) in [
        (BiasMode::Shared, Activation::Sigmoid),
        (BiasMode::Independent, Activation::Relu),
    ] {
        let net = BiasNet::new(5, 4, act, mode, &mut ChaCha8Rng::seed_from_u64(5));
        let (mut full, mut lean) = (net.clone(), net);
        let rows = (x.as_ref(), y.as_slice());
        let val = (xv.as_ref(), yv.as_slice());
        let h = train_bias_net(&mut full, rows, val, 0.7, 37).unwrap();
        let l = train_bias_net_losses(&mut lean, rows, val, 0.7, 37, Precision::F64).unwrap();
        assert_eq!(full, lean, "{mode:?}");
        let bits = |v: &mut dyn Iterator<Item = f64>| v.map(f64::to_bits).collect::<Vec<_>>();
        assert_eq!(
            bits(&mut h.iter().map(|r| r.loss)),
            bits(&mut l.losses.iter().copied())
        );
        assert_eq!(h[36].val_acc.to_bits(), l.val_acc.to_bits());
        assert!(h[36].val_acc > 0.5 && h[36].val_acc < 1.0, "{:?}", h[36]);
        // The saturation share is a share of the hidden units, the accuracy of the rows.
        assert!(h.iter().all(|r| (0.0..=1.0).contains(&r.saturation[0])));
        assert!(h[36].train_acc > h[0].train_acc);
    }
}

#[test]
fn saved_models_predict_bit_identically() {
    let (x, y) = learnable(400, 12);
    let mut m = fresh(Activation::Sigmoid);
    train(
        &mut m,
        (x.as_ref(), &y),
        (x.as_ref(), &y),
        &config(Engine::HandWritten, Some(32), 0.0),
        1,
    )
    .unwrap();
    let pre = common::preprocessor();
    let file = ModelFile::from_mlp(&m, &pre);
    let json = serde_json::to_string_pretty(&file).unwrap();
    let back: ModelFile = serde_json::from_str(&json).unwrap();
    assert_eq!(back, file);
    let loaded = back.to_mlp().unwrap();
    assert_eq!(loaded, m);
    let (p, q) = (
        m.predict_proba(x.as_ref()).unwrap(),
        back.predict_proba(x.as_ref()).unwrap(),
    );
    assert!(p.col_iter().zip(q.col_iter()).all(|(a, b)| {
        a.iter()
            .zip(b.iter())
            .all(|(u, v)| u.to_bits() == v.to_bits())
    }));

    let mut shared = BiasNet::new(
        5,
        4,
        Activation::Relu,
        BiasMode::Shared,
        &mut ChaCha8Rng::seed_from_u64(4),
    );
    train_bias_net(&mut shared, (x.as_ref(), &y), (x.as_ref(), &y), 0.3, 20).unwrap();
    let file = ModelFile::from_bias_net(&shared, &pre);
    let back: ModelFile = serde_json::from_str(&serde_json::to_string(&file).unwrap()).unwrap();
    assert_eq!(back.shared_bias, Some(true));
    assert_eq!(back.to_bias_net().unwrap(), shared);
    let p = shared.predict_proba(x.as_ref()).unwrap();
    let q = back.predict_proba(x.as_ref()).unwrap();
    common::close("bias net as mlp", &p, &q, 1e-15, 1e-13).unwrap();
}
