//! Three-way gradient agreement: hand-written backprop == tape == central finite
//! differences, for every weight, bias and input, with and without class weights and
//! weight decay; the same for the shared-bias network of Question 2.

use crate::common;

use common::{close, finite_diff, pre_activations, problem};
use faer::Mat;
use models::{
    Activation, Backprop, BiasMode, BiasNet, LossOptions, Mlp, class_weights, tape_gradients,
};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tape::Tape;

const H: f64 = 1e-6;

fn activation() -> impl Strategy<Value = Activation> {
    prop_oneof![Just(Activation::Relu), Just(Activation::Sigmoid)]
}

fn options(k: usize, weighted: bool, decay: f64, seed: u64) -> LossOptions {
    LossOptions {
        class_weights: weighted.then(|| {
            (0..k)
                .map(|c| 0.25 + ((seed >> (4 * c)) & 0xf) as f64 / 8.0)
                .collect()
        }),
        weight_decay: decay,
    }
}

/// Hand vs tape vs finite differences for one network and data set.
fn check_mlp(mlp: &Mlp, x: &Mat<f64>, y: &[usize], opts: &LossOptions) -> Result<(), String> {
    let mut bp = Backprop::new(mlp, x.nrows(), 2).with_input_gradient(true);
    let hand_loss = bp
        .run(mlp, x.as_ref(), y, opts)
        .map_err(|e| e.to_string())?;
    let hand = bp.gradients().clone();
    let mut tape = Tape::new();
    let (tape_loss, taped) =
        tape_gradients(mlp, x.as_ref(), y, opts, &mut tape).map_err(|e| e.to_string())?;
    let loss = mlp.loss(x.as_ref(), y, opts).map_err(|e| e.to_string())?;
    if (hand_loss - tape_loss).abs() > 1e-12 * (1.0 + loss.abs())
        || (hand_loss - loss).abs() > 1e-12 * (1.0 + loss.abs())
    {
        return Err(format!(
            "loss: hand {hand_loss}, tape {tape_loss}, eval {loss}"
        ));
    }
    for l in 0..mlp.layers.len() {
        let (gh, gt) = (&hand.layers[l], &taped.layers[l]);
        close(
            &format!("W{} hand/tape", l + 1),
            &gh.weight,
            &gt.weight,
            1e-12,
            1e-9,
        )?;
        close(
            &format!("b{} hand/tape", l + 1),
            &gh.bias,
            &gt.bias,
            1e-12,
            1e-9,
        )?;
        let mut w = mlp.layers[l].weight.clone();
        let fd_w = finite_diff(&mut w, H, |w| {
            let mut m = mlp.clone();
            m.layers[l].weight = w.clone();
            m.loss(x.as_ref(), y, opts).expect("the shapes fit")
        });
        close(
            &format!("W{} hand/fd", l + 1),
            &gh.weight,
            &fd_w,
            1e-7,
            1e-5,
        )?;
        let mut b = mlp.layers[l].bias.clone();
        let fd_b = finite_diff(&mut b, H, |b| {
            let mut m = mlp.clone();
            m.layers[l].bias = b.clone();
            m.loss(x.as_ref(), y, opts).expect("the shapes fit")
        });
        close(&format!("b{} hand/fd", l + 1), &gh.bias, &fd_b, 1e-7, 1e-5)?;
    }
    close("x hand/tape", &hand.input, &taped.input, 1e-12, 1e-9)?;
    let mut xm = x.clone();
    let fd_x = finite_diff(&mut xm, H, |xm| {
        mlp.loss(xm.as_ref(), y, opts).expect("the shapes fit")
    });
    close("x hand/fd", &hand.input, &fd_x, 1e-7, 1e-5)
}

proptest! {
    #[test]
    fn mlp_gradients_agree(
        seed in any::<u64>(),
        d in 1usize..4,
        hidden in prop::collection::vec(1usize..5, 0..3),
        k in 2usize..5,
        n in 1usize..7,
        act in activation(),
        weighted in any::<bool>(),
        decay in prop_oneof![Just(0.0), 0.0f64..0.5],
    ) {
        let (mlp, x, y) = problem(seed, d, &hidden, k, n, act);
        if act == Activation::Relu {
            prop_assume!(pre_activations(&mlp, &x).iter().all(|z| z.abs() > 1e-4));
        }
        let opts = options(k, weighted, decay, seed);
        if let Err(e) = check_mlp(&mlp, &x, &y, &opts) {
            prop_assert!(false, "{}", e);
        }
    }

}

proptest! {
    // Fewer cases: each crosses two or three 256-row blocks (and their partial last block),
    // where the engines sum per-block partial gradients and the tape builds one graph per
    // block, so the finite differences check the blocking itself.
    #![proptest_config(ProptestConfig::with_cases(6))]
    #[test]
    fn mlp_gradients_agree_across_row_blocks(
        seed in any::<u64>(),
        d in 1usize..4,
        hidden in prop::collection::vec(1usize..5, 1..3),
        k in 2usize..5,
        n in 600usize..800,
        act in activation(),
        weighted in any::<bool>(),
        decay in prop_oneof![Just(0.0), 0.0f64..0.5],
    ) {
        let (mlp, x, y) = problem(seed, d, &hidden, k, n, act);
        if act == Activation::Relu {
            prop_assume!(pre_activations(&mlp, &x).iter().all(|z| z.abs() > 1e-5));
        }
        let opts = options(k, weighted, decay, seed);
        if let Err(e) = check_mlp(&mlp, &x, &y, &opts) {
            prop_assert!(false, "{}", e);
        }
    }
}

proptest! {
    // k up to 8 runs the fused row-in-lanes pass, 9 and 10 its plain reference; n up to
    // 29 covers one to four lane groups of 8, full or not.
    #[test]
    fn bias_net_gradients_agree(
        seed in any::<u64>(),
        d in 1usize..4,
        k in prop_oneof![2usize..9, 9usize..11],
        n in 1usize..30,
        act in activation(),
        shared in any::<bool>(),
    ) {
        let mode = if shared { BiasMode::Shared } else { BiasMode::Independent };
        let (net, x, y) = bias_problem(seed, d, k, n, act, mode);
        if act == Activation::Relu {
            let z = &x * &net.w;
            let b1 = net.biases.hidden();
            prop_assume!((0..n).all(|i| (0..k).all(|j| (z[(i, j)] + b1[(0, j)]).abs() > 1e-4)));
        }
        let (hl, hand) = net.hand_gradients(x.as_ref(), &y);
        let mut tape = Tape::new();
        let (tl, taped) = net.tape_gradients(x.as_ref(), &y, &mut tape).unwrap();
        prop_assert!((hl - tl).abs() < 1e-12 && (hl - net.loss(x.as_ref(), &y)).abs() < 1e-12);
        let check = || -> Result<(), String> {
            close("W hand/tape", &hand.w, &taped.w, 1e-12, 1e-9)?;
            close("U hand/tape", &hand.u, &taped.u, 1e-12, 1e-9)?;
            if hand.biases.mode() != mode || taped.biases.mode() != mode {
                return Err(format!("gradients not laid out as {mode:?}"));
            }
            close("b1 hand/tape", hand.biases.hidden(), taped.biases.hidden(), 1e-12, 1e-9)?;
            close("b2 hand/tape", hand.biases.output(), taped.biases.output(), 1e-12, 1e-9)?;
            let fd = |get: fn(&mut BiasNet) -> &mut Mat<f64>| {
                let mut probe = net.clone();
                let mut p = get(&mut probe).clone();
                finite_diff(&mut p, H, |p| {
                    let mut m = net.clone();
                    *get(&mut m) = p.clone();
                    m.loss(x.as_ref(), &y)
                })
            };
            close("W hand/fd", &hand.w, &fd(|m| &mut m.w), 1e-7, 1e-5)?;
            close("U hand/fd", &hand.u, &fd(|m| &mut m.u), 1e-7, 1e-5)?;
            // The shared b, or b1: perturbing it moves every layer that adds it.
            close("b1 hand/fd", hand.biases.hidden(), &fd(|m| m.biases.hidden_mut()), 1e-7, 1e-5)?;
            if let models::Biases::Independent { b2, .. } = &hand.biases {
                let fd_b2 = fd(|m| match &mut m.biases {
                    models::Biases::Independent { b2, .. } => b2,
                    models::Biases::Shared(b) => b,
                });
                close("b2 hand/fd", b2, &fd_b2, 1e-7, 1e-5)?;
            }
            Ok(())
        };
        if let Err(e) = check() {
            prop_assert!(false, "{}", e);
        }
    }

    #[test]
    fn shared_bias_gradient_is_the_sum_of_the_twins(
        seed in any::<u64>(),
        d in 1usize..4,
        k in prop_oneof![2usize..9, 9usize..11],
        n in 1usize..30,
        act in activation(),
    ) {
        let (shared, x, y) = bias_problem(seed, d, k, n, act, BiasMode::Shared);
        let twin = BiasNet { biases: shared.biases.untied(), ..shared.clone() };
        let (ls, gs) = shared.hand_gradients(x.as_ref(), &y);
        let (lt, gt) = twin.hand_gradients(x.as_ref(), &y);
        prop_assert_eq!(ls, lt);
        let sum = gt.biases.hidden() + gt.biases.output();
        if let Err(e) = close("shared vs b1+b2", gs.biases.hidden(), &sum, 1e-15, 1e-12)
            .and(close("W", &gs.w, &gt.w, 0.0, 0.0))
            .and(close("U", &gs.u, &gt.u, 0.0, 0.0))
        {
            prop_assert!(false, "{}", e);
        }
    }
}

/// A random Question 2 network with nonzero biases and data.
fn bias_problem(
    seed: u64,
    d: usize,
    k: usize,
    n: usize,
    act: Activation,
    mode: BiasMode,
) -> (BiasNet, Mat<f64>, Vec<usize>) {
    use rand::Rng;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut net = BiasNet::new(d, k, act, mode, &mut rng);
    let b1 = Mat::from_fn(1, k, |_, _| rng.random_range(-1.0..1.0));
    net.biases = match mode {
        BiasMode::Shared => models::Biases::Shared(b1),
        BiasMode::Independent => models::Biases::Independent {
            b1,
            b2: Mat::from_fn(1, k, |_, _| rng.random_range(-1.0..1.0)),
        },
    };
    let x = Mat::from_fn(n, d, |_, _| rng.random_range(-2.0..2.0));
    let y = (0..n).map(|_| rng.random_range(0..k)).collect();
    (net, x, y)
}

/// More rows than one block: the blocked accumulation must equal the tape's single pass.
#[test]
fn blocked_backprop_matches_tape_on_many_rows() {
    for act in [Activation::Relu, Activation::Sigmoid] {
        let (mlp, x, y) = problem(7, 10, &[32, 16], 4, 2500, act);
        let opts = LossOptions {
            class_weights: Some(class_weights(&y, 4).unwrap()),
            weight_decay: 1e-3,
        };
        let mut bp = Backprop::new(&mlp, 2500, 2).with_input_gradient(true);
        let loss = bp.run(&mlp, x.as_ref(), &y, &opts).unwrap();
        let (tl, tg) = tape_gradients(&mlp, x.as_ref(), &y, &opts, &mut Tape::new()).unwrap();
        assert!((loss - tl).abs() < 1e-12, "{loss} vs {tl}");
        let hand = bp.gradients();
        for (l, (a, b)) in hand.layers.iter().zip(&tg.layers).enumerate() {
            close(&format!("W{l}"), &a.weight, &b.weight, 1e-14, 1e-10).unwrap();
            close(&format!("b{l}"), &a.bias, &b.bias, 1e-14, 1e-10).unwrap();
        }
        close("x", &hand.input, &tg.input, 1e-14, 1e-10).unwrap();
        // A second run reuses the buffers and gives the same numbers.
        let again = bp.run(&mlp, x.as_ref(), &y, &opts).unwrap();
        assert_eq!(loss.to_bits(), again.to_bits());
    }
}

#[test]
fn class_weights_are_inverse_frequency() {
    let w = class_weights(&[0, 0, 0, 1, 2, 2], 4).unwrap();
    assert_eq!(w, vec![6.0 / 12.0, 6.0 / 4.0, 6.0 / 8.0, 0.0]);
}

/// Many lane groups, the normalisers' logarithm flushed several times and a partial last
/// group (1,003 rows): the fused pass against the tape, every width it is compiled for up
/// to 7 and one beyond, both activations and bias layouts.
#[test]
fn bias_net_matches_tape_on_many_rows() {
    for (k, act, mode) in [
        (3, Activation::Relu, BiasMode::Shared),
        (4, Activation::Sigmoid, BiasMode::Independent),
        (4, Activation::Relu, BiasMode::Independent),
        (7, Activation::Sigmoid, BiasMode::Shared),
        (9, Activation::Relu, BiasMode::Shared),
    ] {
        let (net, x, y) = bias_problem(11 + k as u64, 10, k, 1003, act, mode);
        let (hl, hand) = net.hand_gradients(x.as_ref(), &y);
        let (tl, taped) = net
            .tape_gradients(x.as_ref(), &y, &mut Tape::new())
            .unwrap();
        assert!((hl - tl).abs() < 1e-12, "{k} {act:?}: {hl} vs {tl}");
        assert_eq!(hl.to_bits(), net.loss(x.as_ref(), &y).to_bits());
        let what = format!("k {k} {act:?} {mode:?}");
        close(&format!("W {what}"), &hand.w, &taped.w, 1e-14, 1e-10).unwrap();
        close(&format!("U {what}"), &hand.u, &taped.u, 1e-14, 1e-10).unwrap();
        let (hb, tb) = (hand.biases.hidden(), taped.biases.hidden());
        close(&format!("b1 {what}"), hb, tb, 1e-14, 1e-10).unwrap();
        let (hb, tb) = (hand.biases.output(), taped.biases.output());
        close(&format!("b2 {what}"), hb, tb, 1e-14, 1e-10).unwrap();
    }
}
