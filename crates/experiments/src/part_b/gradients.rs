//! B(b)'s gradient evidence from a run's history: mean weight-gradient ratios between layers
//! and the saturation shares, on the protocol's seed.

use models::Record;

use super::ActivationRun;
use crate::evidence::GradientEvidence;

/// Mean over the iterations of `history` of mean |∂L/∂W_a| / mean |∂L/∂W_b| (iterations
/// whose layer-`b` gradient is zero skipped).
fn mean_ratio(history: &[Record], a: usize, b: usize) -> f64 {
    let r: Vec<f64> = history
        .iter()
        .filter(|r| r.grad_mean_abs[b] > 0.0)
        .map(|r| r.grad_mean_abs[a] / r.grad_mean_abs[b])
        .collect();
    r.iter().sum::<f64>() / r.len().max(1) as f64
}

fn layer_count(history: &[Record]) -> usize {
    history.first().map_or(0, |r| r.grad_mean_abs.len())
}

/// [`mean_ratio`] of the first layer over the output layer.
pub(super) fn first_to_last_ratio(history: &[Record]) -> f64 {
    mean_ratio(history, 0, layer_count(history).saturating_sub(1))
}

pub(super) fn evidence(run: &ActivationRun) -> GradientEvidence {
    let h = &run.history;
    let layers = layer_count(h);
    GradientEvidence {
        activation: run.activation,
        initial: h
            .first()
            .map(|r| r.grad_mean_abs.clone())
            .unwrap_or_default(),
        last: h
            .last()
            .map(|r| r.grad_mean_abs.clone())
            .unwrap_or_default(),
        first_to_last_ratio: first_to_last_ratio(h),
        w1_to_w2_ratio: mean_ratio(h, 0, 1.min(layers.saturating_sub(1))),
        saturation_initial: h.first().map(|r| r.saturation.clone()).unwrap_or_default(),
        saturation_last: h.last().map(|r| r.saturation.clone()).unwrap_or_default(),
    }
}
