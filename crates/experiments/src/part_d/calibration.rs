//! Confidence against accuracy: how sure the model is of its answers (the predicted class's
//! probability) beside how often it is right, per confidence bin and overall, with the
//! expected calibration error `ECE = Σ_b (n_b / n) · |accuracy_b − confidence_b|`.

use faer::MatRef;
use serde::{Deserialize, Serialize};

/// One bin of the reliability diagram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReliabilityBin {
    /// Lower edge of the bin's confidence range.
    pub low: f64,
    /// Upper edge (the last bin includes it).
    pub high: f64,
    /// Rows whose confidence falls in the bin.
    pub rows: usize,
    /// Their mean confidence (`null` for an empty bin).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub confidence: f64,
    /// Their accuracy (`null` for an empty bin).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub accuracy: f64,
}

/// Calibration of the model on one set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Calibration {
    /// Rows.
    pub rows: usize,
    /// Mean over rows of the predicted class's probability.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub mean_confidence: f64,
    /// Accuracy.
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub accuracy: f64,
    /// Expected calibration error over the bins (0 = as sure as right in every bin).
    #[serde(with = "crate::nan")]
    #[schemars(with = "Option<f64>")]
    pub ece: f64,
    /// Equal-width confidence bins over [0, 1].
    pub bins: Vec<ReliabilityBin>,
}

/// Calibration from the predicted probabilities (`n × k`, rows summing to 1) and the labels,
/// in `bins` equal-width bins. The predicted class is the first most probable one, as
/// everywhere else.
pub fn calibration(proba: MatRef<'_, f64>, y: &[usize], bins: usize) -> Calibration {
    let n = y.len();
    let bins = bins.max(1);
    let mut count = vec![0usize; bins];
    let mut conf = vec![0.0; bins];
    let mut right = vec![0usize; bins];
    let (mut total_conf, mut total_right) = (0.0, 0usize);
    for (r, &label) in y.iter().enumerate() {
        let (mut best, mut p) = (0, proba[(r, 0)]);
        for c in 1..proba.ncols() {
            if proba[(r, c)] > p {
                best = c;
                p = proba[(r, c)];
            }
        }
        let b = ((p * bins as f64) as usize).min(bins - 1);
        count[b] += 1;
        conf[b] += p;
        total_conf += p;
        if best == label {
            right[b] += 1;
            total_right += 1;
        }
    }
    let ratio = |a: f64, b: usize| if b == 0 { f64::NAN } else { a / b as f64 };
    let bins: Vec<ReliabilityBin> = (0..bins)
        .map(|b| ReliabilityBin {
            low: b as f64 / bins as f64,
            high: (b + 1) as f64 / bins as f64,
            rows: count[b],
            confidence: ratio(conf[b], count[b]),
            accuracy: ratio(right[b] as f64, count[b]),
        })
        .collect();
    let ece = if n == 0 {
        f64::NAN
    } else {
        bins.iter()
            .filter(|b| b.rows > 0)
            .map(|b| b.rows as f64 / n as f64 * (b.accuracy - b.confidence).abs())
            .sum()
    };
    Calibration {
        rows: n,
        mean_confidence: ratio(total_conf, n),
        accuracy: ratio(total_right as f64, n),
        ece,
        bins,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::Mat;

    #[test]
    fn a_confidently_wrong_model_has_a_large_calibration_error() {
        // Four rows, each 90 % sure of class 0; two are class 0.
        let p = Mat::from_fn(4, 2, |_, c| if c == 0 { 0.9 } else { 0.1 });
        let c = calibration(p.as_ref(), &[0, 0, 1, 1], 10);
        assert!((c.mean_confidence - 0.9).abs() < 1e-12);
        assert!((c.accuracy - 0.5).abs() < 1e-12);
        assert!((c.ece - 0.4).abs() < 1e-12);
        assert_eq!(c.bins[9].rows, 4);
        assert!(c.bins[0].confidence.is_nan());
        // Right whenever sure: no error.
        let c = calibration(p.as_ref(), &[0, 0, 0, 0], 10);
        assert!((c.ece - 0.1).abs() < 1e-12, "90 % sure, always right: 0.1");
    }
}
