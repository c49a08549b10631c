//! Part A's shift check as a verdict with its margin: a column's relation to the label
//! "changes between train and test" when its measure moves by at least a hand-set threshold
//! (`PartAConfig::shift_label_corr`). The threshold was not derived from a test, so the
//! record also keeps the range of thresholds that flag exactly the same columns: a verdict
//! that survives any threshold in a wide range is firm, one at the edge of it is not.

use serde::{Deserialize, Serialize};

/// The thresholds that flag exactly the columns flagged now, from each column's
/// |change| of label relation (`None` where undefined) and whether it is flagged
/// (|change| ≥ threshold): `(above, up_to)`, the same columns are flagged for every
/// threshold `t` with `above < t ≤ up_to`. `above` is `None` when no unflagged column has a
/// defined change (any threshold down to zero flags the same), `up_to` is `None` when none is
/// flagged.
pub fn relation_shift_range(changes: &[(Option<f64>, bool)]) -> (Option<f64>, Option<f64>) {
    let of = |flagged: bool| {
        changes
            .iter()
            .filter(move |(c, f)| *f == flagged && c.is_some_and(f64::is_finite))
            .filter_map(|(c, _)| c.map(f64::abs))
    };
    (of(false).reduce(f64::max), of(true).reduce(f64::min))
}

/// Where the 95 % interval of a change of label relation lies against the change
/// threshold: the verdict "the relation changes" is firm only when the whole interval is
/// past it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeReading {
    /// The whole interval lies at or past the threshold, on one side of zero.
    Beyond,
    /// The whole interval lies within the threshold on both sides.
    Within,
    /// The interval reaches both inside and past the threshold.
    Straddles,
}

/// How the interval `(low, high)` of a change reads against `threshold` (a magnitude).
pub fn change_reading((low, high): (f64, f64), threshold: f64) -> ChangeReading {
    if low >= threshold || high <= -threshold {
        ChangeReading::Beyond
    } else if low > -threshold && high < threshold {
        ChangeReading::Within
    } else {
        ChangeReading::Straddles
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_firm_only_when_its_whole_interval_is_past_the_threshold() {
        assert_eq!(change_reading((-0.89, -0.87), 0.2), ChangeReading::Beyond);
        assert_eq!(change_reading((0.25, 0.4), 0.2), ChangeReading::Beyond);
        assert_eq!(change_reading((-0.05, 0.03), 0.2), ChangeReading::Within);
        assert_eq!(change_reading((-0.25, -0.1), 0.2), ChangeReading::Straddles);
        assert_eq!(change_reading((-0.3, 0.3), 0.2), ChangeReading::Straddles);
    }

    #[test]
    fn the_range_runs_from_the_largest_unflagged_change_to_the_smallest_flagged_one() {
        // Threshold 0.20: the −0.88 change is flagged, 0.03 and −0.05 are not.
        let changes = [
            (Some(0.03), false),
            (Some(-0.88), true),
            (Some(-0.05), false),
            (None, false),
        ];
        assert_eq!(relation_shift_range(&changes), (Some(0.05), Some(0.88)));
        // Nothing flagged: bounded below only.
        let quiet = [(Some(0.03), false), (Some(-0.05), false)];
        assert_eq!(relation_shift_range(&quiet), (Some(0.05), None));
        // Everything flagged: bounded above only.
        let loud = [(Some(0.5), true), (Some(-0.3), true)];
        assert_eq!(relation_shift_range(&loud), (None, Some(0.3)));
        assert_eq!(relation_shift_range(&[]), (None, None));
    }
}
