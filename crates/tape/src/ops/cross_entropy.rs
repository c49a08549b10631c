//! Softmax cross-entropy: forward and backward.

use kernels::Real;
use kernels::sweeps::{label_weight, softmax_cross_entropy};

use super::{Backward, Op};
use crate::accumulate::Contribution;
use crate::{Tape, Var, push, resize};

impl<T: Real> Tape<T> {
    /// Cross-entropy of the row-wise softmax of `logits` (`n × k`) against `labels`
    /// (`n` classes in `0..k`), as a `1 × 1` node: `Σ_i w[y_i] · nll_i / d`, with
    /// `w = class_weights` (length `k`; all ones when `None`).
    ///
    /// The divisor `d` is `normaliser` when given, else these rows' own `Σ_i w[y_i]` (`n`
    /// unweighted): the weighted mean, as in PyTorch. Give the weight of a larger batch to
    /// get one block's share of that batch's mean: the shares of disjoint blocks, and
    /// their gradients, add up to the whole batch's. Computed with log-sum-exp, so it stays
    /// finite for logits of any finite size.
    ///
    /// # Panics
    /// On a label out of range, a label or weight count that does not match the logits, or
    /// a `normaliser` that is not positive.
    pub fn softmax_cross_entropy(
        &mut self,
        logits: Var,
        labels: &[usize],
        class_weights: Option<&[f64]>,
        normaliser: Option<f64>,
    ) -> Var {
        let il = self.index(logits);
        let (n, k) = self.values[il].shape();
        assert!(
            labels.len() == n,
            "softmax_cross_entropy: {} labels for {n}×{k} logits",
            labels.len()
        );
        if let Some(&bad) = labels.iter().find(|&&y| y >= k) {
            panic!("softmax_cross_entropy: label {bad} out of range for {n}×{k} logits");
        }
        if let Some(w) = class_weights {
            assert!(
                w.len() == k,
                "softmax_cross_entropy: {} class weights for {n}×{k} logits",
                w.len()
            );
        }
        if let Some(d) = normaliser {
            assert!(
                d > 0.0,
                "softmax_cross_entropy: normaliser {d} must be positive"
            );
        }
        let normaliser = normaliser.unwrap_or_else(|| label_weight(labels, class_weights));
        let labels_at = self.labels.len();
        for &y in labels {
            push(&mut self.labels, y, &mut self.growths);
        }
        let weights_at = class_weights.map(|w| {
            let at = self.weights.len();
            for &x in w {
                push(&mut self.weights, T::of(x), &mut self.growths);
            }
            at
        });
        let op = Op::SoftmaxCrossEntropy {
            logits,
            labels_at,
            weights_at,
            normaliser,
        };
        let i = self.push_op(op, &[logits], 1, 1);
        resize(&mut self.aux[i], n, k, &mut self.growths);
        let cap = self.scratch.capacity();
        let total = softmax_cross_entropy(
            self.values[il].as_ref(),
            &self.labels[labels_at..labels_at + n],
            weights_at.map(|at| &self.weights[at..at + k]),
            &mut self.aux[i],
            &mut self.scratch,
        );
        if self.scratch.capacity() != cap {
            self.growths += 1;
        }
        self.values[i][(0, 0)] = total / T::of(normaliser);
        self.var(i)
    }
}

/// L = Σ w_i nll_i / d: dZ_ij = w_i (p_ij − [j = y_i]) / d, from the probabilities the
/// forward kept.
pub(super) fn backward<T: Real>(
    b: &mut Backward<'_, T>,
    logits: Var,
    labels_at: usize,
    weights_at: Option<usize>,
    normaliser: f64,
) {
    let (n, k) = b.value(logits).shape();
    let (labels, weights) = (b.labels, b.weights);
    let c = Contribution::SoftmaxCe {
        probs: b.aux,
        labels: &labels[labels_at..labels_at + n],
        weights: weights_at.map(|at| &weights[at..at + k]),
        scale: b.g[(0, 0)] / T::of(normaliser),
    };
    b.add(logits, c);
}
