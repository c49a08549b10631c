//! Stratified train/validation split: each class keeps its share in both parts, and the same
//! seed gives the same split bit for bit.

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::rng::{Stream, stream};

/// Row indices of the two parts, each sorted ascending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Split {
    /// Rows to fit on (model and preprocessor).
    pub train: Vec<usize>,
    /// Rows held out for model selection.
    pub validation: Vec<usize>,
}

/// Splits rows by class: per class, its row indices (ascending) are shuffled with the
/// [`Stream::Split`] stream of `seed` and the first `round(validation_fraction × count)` go to
/// validation. Classes are visited in order `0..n_classes`, each drawing from the one stream.
///
/// A fraction outside `[0, 1]` is clamped (NaN counts as 0). A label at or beyond `n_classes`
/// forms its own class rather than being dropped, so every row lands in one part.
pub fn stratified_split(
    labels: &[u8],
    n_classes: usize,
    validation_fraction: f64,
    seed: u64,
) -> Split {
    let fraction = if validation_fraction.is_nan() {
        0.0
    } else {
        validation_fraction.clamp(0.0, 1.0)
    };
    let top = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); n_classes.max(top)];
    for (row, &label) in labels.iter().enumerate() {
        by_class[label as usize].push(row);
    }
    let mut rng = stream(seed, Stream::Split);
    let mut split = Split {
        train: Vec::with_capacity(labels.len()),
        validation: Vec::new(),
    };
    for mut rows in by_class {
        rows.shuffle(&mut rng);
        // Rounded in f64 then converted: the product lies in [0, rows.len()].
        let k = ((fraction * rows.len() as f64).round() as usize).min(rows.len());
        split.validation.extend_from_slice(&rows[..k]);
        split.train.extend_from_slice(&rows[k..]);
    }
    split.train.sort_unstable();
    split.validation.sort_unstable();
    split
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<u8> {
        // 100 of class 0, 37 of class 1, 9 of class 2, interleaved.
        let mut v = Vec::new();
        for i in 0..146 {
            v.push(match i % 16 {
                0 if i < 144 => 2,
                1..=4 => 1,
                _ => 0,
            });
        }
        v
    }

    #[test]
    fn class_shares_are_preserved() {
        let labels = labels();
        let count = |rows: &[usize], c: u8| rows.iter().filter(|&&r| labels[r] == c).count();
        let all: Vec<usize> = (0..labels.len()).collect();
        let totals: Vec<usize> = (0..3).map(|c| count(&all, c)).collect();
        let s = stratified_split(&labels, 3, 0.2, 7);
        for c in 0..3u8 {
            let expected = (0.2 * totals[c as usize] as f64).round() as usize;
            assert_eq!(count(&s.validation, c), expected, "class {c}");
            assert_eq!(count(&s.train, c), totals[c as usize] - expected);
        }
    }

    #[test]
    fn parts_are_sorted_disjoint_and_complete() {
        let labels = labels();
        let s = stratified_split(&labels, 3, 0.25, 1);
        assert!(s.train.windows(2).all(|w| w[0] < w[1]));
        assert!(s.validation.windows(2).all(|w| w[0] < w[1]));
        let mut all = [s.train.clone(), s.validation.clone()].concat();
        all.sort_unstable();
        assert_eq!(all, (0..labels.len()).collect::<Vec<_>>());
    }

    #[test]
    fn same_seed_same_split_other_seed_other_split() {
        let labels = labels();
        let a = stratified_split(&labels, 3, 0.2, 42);
        assert_eq!(a, stratified_split(&labels, 3, 0.2, 42));
        assert_ne!(a, stratified_split(&labels, 3, 0.2, 43));
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let s = stratified_split(&[0, 5, 5, 1], 2, 1.5, 0);
        assert_eq!(s.validation, [0, 1, 2, 3]);
        let s = stratified_split(&[0, 1], 2, f64::NAN, 0);
        assert_eq!(s.train, [0, 1]);
        let s = stratified_split(&[], 4, 0.2, 0);
        assert!(s.train.is_empty() && s.validation.is_empty());
    }
}
