//! Sample statistics: the one mean and the one sample variance of the study's records
//! (seed bands, intervals, permutation drops, Part A's columns), so every summary of the
//! same values has the same bits.

/// The arithmetic mean, summed in order (NaN for no values).
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// The sample variance about `mean` (divisor `n − 1`); meaningful for two values or more.
pub fn sample_variance(values: &[f64], mean: f64) -> f64 {
    values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64
}

/// Mean and sample standard deviation (ddof = 1; 0 for a single value).
pub fn mean_sd(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let v: Vec<f64> = values.collect();
    let mean = mean(&v);
    let var = if v.len() > 1 {
        sample_variance(&v, mean)
    } else {
        0.0
    };
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_spread_of_a_small_sample() {
        let v = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(&v), 5.0);
        assert_eq!(sample_variance(&v, 5.0), 32.0 / 7.0);
        assert_eq!(mean_sd(v.iter().copied()), (5.0, (32.0f64 / 7.0).sqrt()));
        assert_eq!(mean_sd([3.5].into_iter()), (3.5, 0.0));
        assert!(mean(&[]).is_nan());
    }
}
