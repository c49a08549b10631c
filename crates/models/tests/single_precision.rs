//! The f32 engines ([`Engine::HandWrittenF32`], [`Engine::TapeF32`]) against their f64
//! references: close where `f32` rounds, deterministic on their own, and exact where a
//! model file is read back; and Question 2's trainer in `f32` against its `f64` form.

use faer::Mat;
use models::{
    Activation, BiasMode, BiasNet, Engine, Evaluate, Init, LossOptions, Mlp, Precision, Record,
    TrainConfig, train, train_bias_net_losses,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Each f64 engine and its f32 form.
const PAIRS: [(Engine, Engine); 2] = [
    (Engine::HandWritten, Engine::HandWrittenF32),
    (Engine::Tape, Engine::TapeF32),
];

/// Full batch and minibatch, with and without dropout.
const CASES: [(Option<usize>, f64); 4] = [
    (None, 0.0),
    (None, 0.25),
    (Some(100), 0.0),
    (Some(100), 0.25),
];

/// Labels that depend on the features, on more rows than one 256-row block.
fn learnable(n: usize, seed: u64) -> (Mat<f64>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x = Mat::from_fn(n, 6, |_, _| rng.random_range(-2.0..2.0));
    let y = (0..n)
        .map(|i| ((x[(i, 0)] > 0.0) as usize) * 2 + (x[(i, 1)] * x[(i, 2)] > 0.0) as usize)
        .collect();
    (x, y)
}

fn config(engine: Engine, batch_size: Option<usize>, dropout: f64, threads: usize) -> TrainConfig {
    TrainConfig {
        learning_rate: 0.2,
        steps: 12,
        batch_size,
        loss: LossOptions {
            class_weights: Some(vec![1.0, 2.0, 0.5, 1.5]),
            weight_decay: 1e-3,
        },
        dropout,
        engine,
        threads,
        saturation: models::Saturation::STUDY,
        evaluate: Evaluate::EveryStep,
    }
}

fn fresh(act: Activation) -> Mlp {
    Mlp::new(
        6,
        &[32, 16],
        4,
        act,
        Init::Study,
        &mut ChaCha8Rng::seed_from_u64(5),
    )
}

/// Trains a fresh network of `act` with `cfg`: the network it leaves and its history.
fn run(act: Activation, cfg: &TrainConfig) -> (Mlp, Vec<Record>) {
    let (x, y) = learnable(1_300, 1);
    let (xv, yv) = learnable(300, 2);
    let mut mlp = fresh(act);
    let history = train(&mut mlp, (x.as_ref(), &y), (xv.as_ref(), &yv), cfg, 9).unwrap();
    (mlp, history)
}

/// Both hidden activations.
const ACTS: [Activation; 2] = [Activation::Relu, Activation::Sigmoid];

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1e-300)
}

#[test]
fn the_f32_engines_follow_their_f64_references_to_single_precision() {
    for ((reference, single), act) in PAIRS.into_iter().flat_map(|p| ACTS.map(|a| (p, a))) {
        for (batch, dropout) in CASES {
            let what = format!("{single:?} {act:?} batch {batch:?} dropout {dropout}");
            let (m64, h64) = run(act, &config(reference, batch, dropout, 2));
            let (m32, h32) = run(act, &config(single, batch, dropout, 2));
            for (a, b) in h64.iter().zip(&h32) {
                assert!(relative(a.loss, b.loss) < 1e-5, "{what}: loss {a:?} {b:?}");
                for (ga, gb) in a.grad_mean_abs.iter().zip(&b.grad_mean_abs) {
                    assert!(relative(*ga, *gb) < 1e-3, "{what}: gradient {ga} {gb}");
                }
                // A row or two may fall on the other side of a decision boundary.
                assert!((a.train_acc - b.train_acc).abs() <= 2.0 / 1_300.0, "{what}");
                assert!((a.val_acc - b.val_acc).abs() <= 2.0 / 300.0, "{what}");
            }
            // Twelve updates from the same start: every weight within f32's reach.
            for (la, lb) in m64.layers.iter().zip(&m32.layers) {
                let (wa, wb) = (&la.weight, &lb.weight);
                for (i, j) in (0..wa.nrows()).flat_map(|i| (0..wa.ncols()).map(move |j| (i, j))) {
                    let (a, b) = (wa[(i, j)], wb[(i, j)]);
                    assert!((a - b).abs() < 1e-4 * (1.0 + a.abs()), "{what}: {a} {b}");
                }
            }
            // And not the same bits: the engine does run in f32.
            assert_ne!(m64, m32, "{what}");
        }
    }
}

#[test]
fn the_f32_engines_give_the_same_bits_for_any_thread_count() {
    for ((_, single), act) in PAIRS.into_iter().flat_map(|p| ACTS.map(|a| (p, a))) {
        for (batch, dropout) in CASES {
            let runs: Vec<_> = [1, 2, 3]
                .map(|threads| run(act, &config(single, batch, dropout, threads)))
                .into_iter()
                .collect();
            let what = format!("{single:?} {act:?} {batch:?} {dropout}");
            assert!(runs.windows(2).all(|w| w[0] == w[1]), "{what}");
        }
    }
}

/// The last full-batch record describes the network a model file saves: measured in f64
/// on those weights, it comes back exactly from them.
#[test]
fn the_last_record_comes_back_exactly_from_the_weights() {
    let (x, y) = learnable(1_300, 1);
    let (xv, yv) = learnable(300, 2);
    for ((_, single), act) in PAIRS.into_iter().flat_map(|p| ACTS.map(|a| (p, a))) {
        for dropout in [0.0, 0.25] {
            let cfg = config(single, None, dropout, 2);
            let (mlp, history) = run(act, &cfg);
            let last = history.last().unwrap();
            // With dropout the loss is the dropped forward's (masks no file holds).
            if dropout == 0.0 {
                assert_eq!(last.loss, mlp.loss(x.as_ref(), &y, &cfg.loss).unwrap());
            }
            assert_eq!(last.train_acc, mlp.accuracy(x.as_ref(), &y).unwrap());
            assert_eq!(last.val_acc, mlp.accuracy(xv.as_ref(), &yv).unwrap());
            // The steps before it are the f32 forward's own measure.
            let before = &history[history.len() - 2];
            assert!(before.loss.is_finite() && before.train_acc > 0.0);
        }
    }
}

/// Question 2's trainer in `f32` follows its `f64` form to single precision over 40
/// iterations (losses, weights, validation accuracy), on more rows than one chunk of the
/// fused pass, both activations and both bias modes.
#[test]
fn question_2_trainer_in_f32_follows_f64() {
    let (x, y) = learnable(1500, 21);
    let (xv, yv) = learnable(300, 22);
    for (act, mode) in [
        (Activation::Relu, BiasMode::Shared),
        (Activation::Sigmoid, BiasMode::Independent),
    ] {
        let start = BiasNet::new(6, 4, act, mode, &mut ChaCha8Rng::seed_from_u64(3));
        let run = |precision| {
            let mut net = start.clone();
            let rows = (x.as_ref(), y.as_slice());
            let h = train_bias_net_losses(&mut net, rows, (xv.as_ref(), &yv), 0.5, 40, precision)
                .unwrap();
            (net, h)
        };
        let ((n64, h64), (n32, h32)) = (run(Precision::F64), run(Precision::F32));
        for (a, b) in h32.losses.iter().zip(&h64.losses) {
            assert!((a - b).abs() < 1e-5 * b, "{act:?}: loss {a} against {b}");
        }
        assert_ne!(h32.losses, h64.losses, "{act:?}: f32 is not f64");
        let close = |a: &Mat<f64>, b: &Mat<f64>| {
            (0..a.nrows()).all(|i| (0..a.ncols()).all(|j| (a[(i, j)] - b[(i, j)]).abs() < 1e-4))
        };
        assert!(close(&n32.w, &n64.w) && close(&n32.u, &n64.u), "{act:?}");
        assert!((h32.val_acc - h64.val_acc).abs() <= 2.0 / 300.0, "{act:?}");
        assert!(h32.losses[39] < h32.losses[0], "{act:?}: it learns");
    }
}
