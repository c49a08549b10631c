//! Part B(b)'s direct measurement of the backward signal per layer: mean |δ_l| and the size
//! of each layer's input, taken apart because the weight gradient `A_{l−1}ᵀ δ_l` multiplies
//! them (sigmoid's outputs average about 0.5, ReLU's differ, so |∂L/∂W_l| alone cannot say
//! whether the derivative or the activations make a layer's gradient small).
//!
//! Measured through the tape on the whole training split, once at initialisation and once
//! after training, for each seed: a handful of extra passes, not a change to training.

use faer::MatRef;
use models::{Activation, Mlp};
use tape::Tape;

use crate::evidence::{InitScheme, SignalEvidence};
use crate::interval::{Interval, non_negative_interval};

/// One network's per-layer signals on one batch.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerSignals {
    /// Per layer: mean over rows and units of |∂ℓ_r/∂z_l|, ℓ_r the row's own loss.
    pub delta: Vec<f64>,
    /// Per layer: mean |input of the layer|.
    pub input_scale: Vec<f64>,
}

fn mean_abs(m: MatRef<'_, f64>) -> f64 {
    let n = (m.nrows() * m.ncols()).max(1) as f64;
    m.col_iter()
        .map(|c| c.iter().map(|v| v.abs()).sum::<f64>())
        .sum::<f64>()
        / n
}

/// The per-layer signals of `mlp` on `(x, y)`; `None` if the loss is not finite.
///
/// The loss is the *sum* of the rows' cross-entropies (normaliser 1), so `δ_L = ŷ − y` per
/// row and every δ is a per-row derivative, independent of the batch size.
pub fn measure(mlp: &Mlp, x: MatRef<'_, f64>, y: &[usize]) -> Option<LayerSignals> {
    let mut tape = Tape::new();
    let mut a = tape.leaf(x, false);
    let last = mlp.layers.len() - 1;
    let (mut delta_nodes, mut input_scale) = (Vec::new(), Vec::new());
    for (l, layer) in mlp.layers.iter().enumerate() {
        input_scale.push(mean_abs(tape.value(a)));
        let w = tape.leaf(layer.weight.as_ref(), true);
        let b = tape.leaf(layer.bias.as_ref(), true);
        let z = tape.dense(a, w, b, None);
        delta_nodes.push(z);
        a = match (l == last, mlp.activation) {
            (true, _) => z,
            (false, Activation::Relu) => tape.relu(z),
            (false, Activation::Sigmoid) => tape.sigmoid(z),
        };
    }
    let loss = tape.softmax_cross_entropy(a, y, None, Some(1.0));
    tape.backward(loss).ok()?;
    let delta = delta_nodes
        .iter()
        .map(|&z| tape.grad(z).map(mean_abs))
        .collect::<Option<Vec<f64>>>()?;
    Some(LayerSignals { delta, input_scale })
}

/// Intervals over seeds of each layer's signals (`signals` one per seed, all of one
/// network shape).
pub fn over_seeds(
    activation: Activation,
    init: InitScheme,
    iteration: usize,
    signals: &[LayerSignals],
) -> SignalEvidence {
    let layers = signals.first().map_or(0, |s| s.delta.len());
    let per_seed = |f: &dyn Fn(&LayerSignals) -> f64| -> Option<Interval> {
        non_negative_interval(&signals.iter().map(f).collect::<Vec<_>>())
    };
    SignalEvidence {
        activation,
        init,
        iteration,
        seeds: signals.len(),
        delta: (0..layers).map(|l| per_seed(&|s| s.delta[l])).collect(),
        input_scale: (0..layers)
            .map(|l| per_seed(&|s| s.input_scale[l]))
            .collect(),
        delta_ratio: (0..layers.saturating_sub(1))
            .map(|l| per_seed(&|s| s.delta[l] / s.delta[l + 1]))
            .collect(),
        first_to_last: (layers > 0)
            .then(|| per_seed(&|s| s.delta[0] / s.delta[layers - 1]))
            .flatten(),
    }
}

/// Rescales a study-initialised sigmoid network's weights to Glorot's sd times `gain`
/// (`InitScheme::SigmoidScaled`): the study draws `N(0, 1/fan_in)` for every layer of a
/// sigmoid network, so multiplying by `gain · √(2 fan_in / (fan_in + fan_out))` gives
/// `N(0, gain² · 2/(fan_in + fan_out))` from the very same draws, which pairs the two
/// initialisations seed by seed. Biases are zero in both.
pub fn scale_for_sigmoid(mlp: &mut Mlp, gain: f64) {
    for layer in &mut mlp.layers {
        let (fan_in, fan_out) = (layer.fan_in() as f64, layer.fan_out() as f64);
        let factor = gain * (2.0 * fan_in / (fan_in + fan_out)).sqrt();
        for j in 0..layer.weight.ncols() {
            for i in 0..layer.weight.nrows() {
                layer.weight[(i, j)] *= factor;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use data::rng::{Stream, stream};
    use faer::Mat;
    use models::Init;

    #[test]
    fn the_output_delta_is_the_per_row_softmax_error() {
        // One layer, zero weights: softmax is uniform over 2 classes, δ = ±0.5 per entry.
        let mut mlp = Mlp::new(
            3,
            &[],
            2,
            Activation::Sigmoid,
            Init::Study,
            &mut stream(1, Stream::Init),
        );
        mlp.layers[0].weight = Mat::zeros(3, 2);
        let x = Mat::from_fn(4, 3, |i, j| (i + j) as f64 - 2.0);
        let s = measure(&mlp, x.as_ref(), &[0, 1, 1, 0]).unwrap();
        assert_eq!(s.delta.len(), 1);
        assert!((s.delta[0] - 0.5).abs() < 1e-12, "{:?}", s.delta);
        // Mean |x| over the 12 entries: values -2..=3 as i + j - 2.
        let want = (0..4)
            .flat_map(|i| (0..3).map(move |j| ((i + j) as f64 - 2.0).abs()))
            .sum::<f64>()
            / 12.0;
        assert!((s.input_scale[0] - want).abs() < 1e-12);
    }

    #[test]
    fn a_sigmoid_layer_passes_back_its_weights_times_a_quarter() {
        // x → 1 sigmoid unit (weight 0, so h = 1/2 and σ′ = 1/4) → 2 logits with weights ±1:
        // logits ±1/2, softmax (p, 1 − p) with p = σ(1). Row 0 (class 0): δ_2 = (p − 1, 1 − p),
        // δ_1 = 2(p − 1)/4; row 1 (class 1): δ_2 = (p, −p), δ_1 = 2p/4. Means: 1/2 and 1/4.
        let mut mlp = Mlp::new(
            1,
            &[1],
            2,
            Activation::Sigmoid,
            Init::Study,
            &mut stream(1, Stream::Init),
        );
        mlp.layers[0].weight = Mat::zeros(1, 1);
        mlp.layers[1].weight = Mat::from_fn(1, 2, |_, j| if j == 0 { 1.0 } else { -1.0 });
        let x = Mat::from_fn(2, 1, |i, _| i as f64);
        let s = measure(&mlp, x.as_ref(), &[0, 1]).unwrap();
        assert!((s.delta[1] - 0.5).abs() < 1e-12, "{:?}", s.delta);
        assert!((s.delta[0] - 0.25).abs() < 1e-12, "{:?}", s.delta);
        assert!((s.input_scale[1] - 0.5).abs() < 1e-12);
        let e = over_seeds(Activation::Sigmoid, InitScheme::Study, 0, &[s.clone(), s]);
        let ratio = e.delta_ratio[0].unwrap();
        assert!((ratio.mean - 0.5).abs() < 1e-12 && ratio.low == ratio.high);
        assert_eq!(e.first_to_last.unwrap().mean, ratio.mean);
    }

    #[test]
    fn scaling_gives_glorot_sd_times_the_gain_from_the_same_draws() {
        let study = Mlp::new(
            30,
            &[10],
            2,
            Activation::Sigmoid,
            Init::Study,
            &mut stream(3, Stream::Init),
        );
        let mut scaled = study.clone();
        scale_for_sigmoid(&mut scaled, 4.0);
        let factor = 4.0 * (2.0 * 30.0 / 40.0f64).sqrt();
        assert!(
            (scaled.layers[0].weight[(2, 5)] - factor * study.layers[0].weight[(2, 5)]).abs()
                < 1e-12
        );
        let factor = 4.0 * (2.0 * 10.0 / 12.0f64).sqrt();
        assert!(
            (scaled.layers[1].weight[(7, 1)] - factor * study.layers[1].weight[(7, 1)]).abs()
                < 1e-12
        );
    }
}
