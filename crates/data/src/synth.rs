//! Synthetic listings with the real data's shape, for tests, benchmarks and demonstrations
//! that must not depend on the assignment's files.
//!
//! The generator reproduces what matters for the study, measured on the real `train.csv`:
//! - borough, room type and price class are drawn *jointly* from a table of the real counts,
//!   so the class balance (≈ 13.5 / 56.3 / 23.8 / 6.4 %), the two categorical mixes and
//!   their relation to price (Manhattan and entire homes pricier) are the real ones;
//! - `minimum_nights` and `number_of_reviews` are heavy-tailed integers (mostly small, a long
//!   right tail; a spike at 30 nights, ≈ 20 % listings without reviews) and
//!   `availability_365` lies in `0..=365` with a spike at 0 (≈ 36 %); each depends on the
//!   class only a little, as in the real data (|Pearson with the label| ≤ 0.1);
//! - `amenity_score` is, by itself, uniform on 10–99 with one decimal and independent of the
//!   class (the real test file's marginal);
//! - one *leak* column (by default `amenity_score`) is made to track the class in train only.
//!   Its values are first drawn as above, then reassigned to the train rows in the order of
//!   `label + 0.36·N(0, 1)` (a rank copula: the marginal is untouched, Pearson with the label
//!   ≈ 0.86 like the real one), while in test they are shuffled, i.e. drawn from the same
//!   marginal independently of the class. A model leaning on it scores far better on
//!   validation than on test, which is the real data's trap;
//! - ≈ 2 % of every feature column is missing in train (independently per column, gaps drawn
//!   from a geometric distribution, so the cost is per missing cell, not per cell); test has
//!   no missing value.
//!
//! Everything is drawn from `rng::stream(seed, Stream::Synth)`; the test table uses the same
//! stream moved 2⁶⁴ words ahead, so it depends on `(seed, test_rows)` only, not on how many
//! train rows were drawn. Categoricals are codes (no per-row `String`), so 5,000,000 rows take
//! seconds and little more memory than the [`Table`] itself.

use crate::rng::{Stream, stream};
use crate::{Categorical, Schema, Table};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Beta, Distribution, Geometric, Pareto, StandardNormal};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthConfig {
    /// Rows of the train table.
    pub train_rows: usize,
    /// Rows of the test table.
    pub test_rows: usize,
    /// Seed of the `Synth` random stream.
    pub seed: u64,
    /// Numeric column that tracks the class in train but is independent of it in test
    /// (`None`: no column leaks).
    pub leak: Option<String>,
}

impl SynthConfig {
    /// The real data's situation: `amenity_score` leaks.
    pub fn new(train_rows: usize, test_rows: usize, seed: u64) -> Self {
        SynthConfig {
            train_rows,
            test_rows,
            seed,
            leak: Some("amenity_score".to_string()),
        }
    }
}

/// Why a synthetic data set could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SynthError {
    /// The leak column is not a numeric column of the listings schema.
    #[error("leak column {0:?} is not a numeric column of the listings schema")]
    UnknownLeakColumn(String),
    /// More rows than a `u32` row index allows (the leak's rank copula uses them).
    #[error("{0} rows requested; at most {max} per table", max = u32::MAX)]
    TooManyRows(usize),
}

/// Borough levels, sorted (byte order) as a loaded table's are.
const BOROUGHS: [&str; 5] = ["Bronx", "Brooklyn", "Manhattan", "Queens", "Staten Island"];
/// Room type levels, sorted.
const ROOMS: [&str; 3] = ["Entire home/apt", "Private room", "Shared room"];

/// Counts of (borough, room type, price class) among the complete rows of the real
/// `train.csv`: the joint law the generator draws from.
const JOINT: [[[u32; 4]; 3]; 5] = [
    [[13, 236, 36, 14], [260, 273, 6, 3], [33, 16, 1, 1]],
    [
        [73, 4561, 2659, 536],
        [2589, 5445, 198, 47],
        [274, 55, 12, 1],
    ],
    [
        [27, 3503, 5468, 1682],
        [703, 5089, 594, 174],
        [113, 241, 23, 11],
    ],
    [[39, 1201, 411, 61], [1048, 1638, 59, 17], [114, 36, 2, 2]],
    [[3, 106, 31, 5], [80, 73, 2, 0], [3, 4, 0, 0]],
];

/// Share of train cells left missing in every feature column (the real file: 1.4–3.2 %).
const MISSING_SHARE: f64 = 0.02;
/// Noise of the leak's ordering key `label + LEAK_NOISE·N(0,1)`; 0.36 gives a Pearson
/// correlation of ≈ 0.86 with the label for a uniform column (real `amenity_score`: 0.875).
const LEAK_NOISE: f64 = 0.36;

/// Per-class and per-room parameters of the numeric columns, fitted by eye to the real
/// class-conditional quantiles (see the module doc).
struct Params {
    /// Probability of a monthly stay (≥ 30 nights), by class; times `monthly_room`.
    monthly: [f64; 4],
    /// Multiplier of `monthly` by room type (entire homes are let by the month more often).
    monthly_room: [f64; 3],
    /// Log-scale location of short stays, by class: `ceil(exp(mu + 1.05 z))`.
    short_mu: [f64; 4],
    /// Probability of no review, by class (luxury listings are reviewed less).
    no_reviews: [f64; 4],
    /// Log-scale location of the review count when positive, by class.
    reviews_mu: [f64; 4],
    /// Probability of zero availability, by class; times `closed_room`.
    closed: [f64; 4],
    /// Multiplier of `closed` by room type.
    closed_room: [f64; 3],
    /// Beta shape `a` of the open share of the year, by class (`b` = 0.55).
    open_a: [f64; 4],
}

const PARAMS: Params = Params {
    monthly: [0.09, 0.065, 0.10, 0.10],
    monthly_room: [1.3, 0.7, 1.0],
    short_mu: [0.42, 0.58, 0.92, 0.85],
    no_reviews: [0.19, 0.17, 0.21, 0.32],
    reviews_mu: [2.25, 2.45, 2.35, 2.15],
    closed: [0.39, 0.38, 0.32, 0.22],
    closed_room: [1.0, 1.0, 0.7],
    open_a: [0.52, 0.46, 0.55, 0.73],
};

/// Index of each listings numeric column in the generator (the schema's order).
const MINIMUM_NIGHTS: usize = 0;
const AMENITY: usize = 1;
const REVIEWS: usize = 2;
const AVAILABILITY: usize = 3;

/// Generates `(train, test)` tables with the listings schema (source `synthetic`, lines as if
/// written as CSV after a header: row index + 2).
pub fn generate(config: &SynthConfig) -> Result<(Table, Table), SynthError> {
    let schema = Schema::listings();
    let leak = match &config.leak {
        None => None,
        Some(name) => Some(
            schema
                .numeric
                .iter()
                .position(|c| c == name)
                .ok_or_else(|| SynthError::UnknownLeakColumn(name.clone()))?,
        ),
    };
    for rows in [config.train_rows, config.test_rows] {
        if rows > u32::MAX as usize {
            return Err(SynthError::TooManyRows(rows));
        }
    }
    let mut rng = stream(config.seed, Stream::Synth);
    let train = table(&schema, config.train_rows, leak, true, &mut rng);
    // The test table draws from far ahead in the same stream: independent of `train_rows`.
    let mut rng = stream(config.seed, Stream::Synth);
    rng.set_word_pos(1u128 << 64);
    let test = table(&schema, config.test_rows, leak, false, &mut rng);
    Ok((train, test))
}

/// One table: rows drawn independently, then the leak column reordered (train) or shuffled
/// (test), then missing cells punched (train).
fn table(
    schema: &Schema,
    n: usize,
    leak: Option<usize>,
    train: bool,
    rng: &mut ChaCha8Rng,
) -> Table {
    let weights: Vec<f64> = JOINT
        .iter()
        .flatten()
        .flatten()
        .map(|&c| f64::from(c))
        .collect();
    let cells = WeightedAliasIndex::new(weights).expect("the joint counts are positive");
    let open: Vec<Beta<f64>> = PARAMS
        .open_a
        .iter()
        .map(|&a| Beta::new(a, 0.55).expect("positive shapes"))
        .collect();
    let long_stay = Pareto::new(1.0, 1.5).expect("positive scale and shape");

    let mut borough = Vec::with_capacity(n);
    let mut room = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    let mut numeric: Vec<Vec<f64>> = (0..4).map(|_| Vec::with_capacity(n)).collect();
    for _ in 0..n {
        let cell = cells.sample(rng);
        let (b, r, y) = (cell / 12, (cell / 4) % 3, cell % 4);
        borough.push(Some(b as u32));
        room.push(Some(r as u32));
        labels.push(y as u8);

        let nights = if rng.random_bool(PARAMS.monthly[y] * PARAMS.monthly_room[r]) {
            if rng.random_bool(0.8) {
                30.0
            } else {
                (30.0_f64 * long_stay.sample(rng))
                    .round()
                    .clamp(31.0, 1250.0)
            }
        } else {
            let z: f64 = rng.sample(StandardNormal);
            (PARAMS.short_mu[y] + 1.05 * z)
                .exp()
                .ceil()
                .clamp(1.0, 1250.0)
        };
        numeric[MINIMUM_NIGHTS].push(nights);

        let amenity: f64 = rng.random_range(10.0..99.0);
        numeric[AMENITY].push((amenity * 10.0).round() / 10.0);

        let reviews = if rng.random_bool(PARAMS.no_reviews[y]) {
            0.0
        } else {
            let z: f64 = rng.sample(StandardNormal);
            (PARAMS.reviews_mu[y] + 1.35 * z)
                .exp()
                .ceil()
                .clamp(1.0, 650.0)
        };
        numeric[REVIEWS].push(reviews);

        let available = if rng.random_bool(PARAMS.closed[y] * PARAMS.closed_room[r]) {
            0.0
        } else if rng.random_bool(0.04) {
            365.0
        } else {
            (365.0 * open[y].sample(rng)).round().clamp(1.0, 365.0)
        };
        numeric[AVAILABILITY].push(available);
    }

    if let Some(c) = leak {
        if train {
            rank_copula(&mut numeric[c], &labels, rng);
        } else {
            shuffle(&mut numeric[c], rng);
        }
    }

    let mut categorical = vec![
        categorical_column(&BOROUGHS, borough),
        categorical_column(&ROOMS, room),
    ];
    if train {
        for column in &mut categorical {
            punch(column.codes.len(), rng, |i| column.codes[i] = None);
        }
        for column in &mut numeric {
            punch(column.len(), rng, |i| column[i] = f64::NAN);
        }
    }
    Table {
        schema: schema.clone(),
        source: "synthetic".to_string(),
        categorical,
        numeric,
        labels,
        lines: (2..n as u64 + 2).collect(),
        out_of_range: Vec::new(),
    }
}

/// Reassigns `values` to rows in the order of `label + LEAK_NOISE·N(0,1)`: the marginal stays
/// exactly the same, the rank correlation with the label becomes strong.
fn rank_copula(values: &mut [f64], labels: &[u8], rng: &mut ChaCha8Rng) {
    let mut keys: Vec<(f64, u32)> = labels
        .iter()
        .enumerate()
        .map(|(i, &y)| {
            let z: f64 = rng.sample(StandardNormal);
            (f64::from(y) + LEAK_NOISE * z, i as u32)
        })
        .collect();
    keys.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    values.sort_unstable_by(f64::total_cmp);
    let sorted = values.to_vec();
    for (&(_, row), value) in keys.iter().zip(sorted) {
        values[row as usize] = value;
    }
}

/// Fisher–Yates shuffle: the values keep their marginal and lose any tie to the class.
fn shuffle(values: &mut [f64], rng: &mut ChaCha8Rng) {
    for i in (1..values.len()).rev() {
        let j = rng.random_range(0..=i);
        values.swap(i, j);
    }
}

/// Calls `mark(i)` for a random `MISSING_SHARE` of the indices `0..n`, each independently,
/// jumping from one missing index to the next with geometric gaps.
fn punch(n: usize, rng: &mut ChaCha8Rng, mut mark: impl FnMut(usize)) {
    let gap = Geometric::new(MISSING_SHARE).expect("a probability");
    let mut i = gap.sample(rng);
    while (i as usize) < n {
        mark(i as usize);
        i = i.saturating_add(1).saturating_add(gap.sample(rng));
    }
}

/// A categorical column whose levels are the ones that occur (as a loaded table's), in
/// sorted order, recoding the generator's fixed codes.
fn categorical_column(all_levels: &[&str], codes: Vec<Option<u32>>) -> Categorical {
    let mut seen = vec![false; all_levels.len()];
    for &c in codes.iter().flatten() {
        seen[c as usize] = true;
    }
    let mut new_code = vec![0u32; all_levels.len()];
    let mut levels = Vec::new();
    for (i, level) in all_levels.iter().enumerate() {
        if seen[i] {
            new_code[i] = levels.len() as u32;
            levels.push(level.to_string());
        }
    }
    let codes = codes
        .into_iter()
        .map(|c| c.map(|c| new_code[c as usize]))
        .collect();
    Categorical { levels, codes }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pearson correlation of a column with the labels over the rows where it is present.
    fn label_pearson(x: &[f64], y: &[u8]) -> f64 {
        let pairs: Vec<(f64, f64)> = x
            .iter()
            .zip(y)
            .filter(|(v, _)| !v.is_nan())
            .map(|(&v, &l)| (v, f64::from(l)))
            .collect();
        let n = pairs.len() as f64;
        let (mx, my) = pairs
            .iter()
            .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
        let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
        for (x, y) in &pairs {
            sxy += (x - mx) * (y - my);
            sxx += (x - mx) * (x - mx);
            syy += (y - my) * (y - my);
        }
        sxy / (sxx * syy).sqrt()
    }

    /// Bit patterns, so that NaN (missing) compares equal to itself.
    fn bits(t: &Table) -> Vec<Vec<u64>> {
        t.numeric
            .iter()
            .map(|c| c.iter().map(|v| v.to_bits()).collect())
            .collect()
    }

    fn column<'a>(t: &'a Table, name: &str) -> &'a [f64] {
        let c = t.schema.numeric.iter().position(|c| c == name).unwrap();
        &t.numeric[c]
    }

    #[test]
    fn same_seed_same_tables_other_seed_other_tables() {
        let (a, at) = generate(&SynthConfig::new(3000, 500, 7)).unwrap();
        let (b, bt) = generate(&SynthConfig::new(3000, 500, 7)).unwrap();
        assert_eq!(bits(&a), bits(&b));
        assert_eq!(a.categorical, b.categorical);
        assert_eq!(a.labels, b.labels);
        assert_eq!(bits(&at), bits(&bt));
        assert_eq!(at.labels, bt.labels);
        let (c, _) = generate(&SynthConfig::new(3000, 500, 8)).unwrap();
        assert_ne!(a.labels, c.labels);
    }

    #[test]
    fn test_table_does_not_depend_on_the_number_of_train_rows() {
        let (_, a) = generate(&SynthConfig::new(100, 400, 3)).unwrap();
        let (_, b) = generate(&SynthConfig::new(2000, 400, 3)).unwrap();
        assert_eq!(bits(&a), bits(&b));
        assert_eq!(a.labels, b.labels);
    }

    #[test]
    fn shape_matches_the_real_data() {
        let (train, test) = generate(&SynthConfig::new(60_000, 20_000, 11)).unwrap();
        assert_eq!(train.n_rows(), 60_000);
        assert_eq!(test.n_rows(), 20_000);
        assert_eq!(train.source, "synthetic");
        assert_eq!(train.lines[..3], [2, 3, 4]);
        assert_eq!(*test.lines.last().unwrap(), 20_001);
        assert_eq!(train.categorical[0].levels, BOROUGHS);
        assert_eq!(train.categorical[1].levels, ROOMS);

        // Class balance of the real train file.
        let real = [0.1346, 0.5632, 0.2381, 0.0641];
        for t in [&train, &test] {
            let n = t.n_rows() as f64;
            for (k, share) in real.iter().enumerate() {
                let got = t.labels.iter().filter(|&&y| y as usize == k).count() as f64 / n;
                assert!((got - share).abs() < 0.01, "class {k}: {got} vs {share}");
            }
        }

        // Missing: ≈ 2 % of every feature column in train, none in test.
        let n = train.n_rows() as f64;
        for c in &train.categorical {
            let share = c.codes.iter().filter(|c| c.is_none()).count() as f64 / n;
            assert!(
                (0.016..0.024).contains(&share),
                "categorical missing {share}"
            );
        }
        for c in &train.numeric {
            let share = c.iter().filter(|v| v.is_nan()).count() as f64 / n;
            assert!((0.016..0.024).contains(&share), "numeric missing {share}");
        }
        assert!(
            test.categorical
                .iter()
                .all(|c| c.codes.iter().all(Option::is_some))
        );
        assert!(test.numeric.iter().flatten().all(|v| !v.is_nan()));

        // Ranges and granularity.
        let present = |x: &[f64]| {
            x.iter()
                .copied()
                .filter(|v| !v.is_nan())
                .collect::<Vec<_>>()
        };
        let availability = present(column(&train, "availability_365"));
        assert!(
            availability
                .iter()
                .all(|&v| (0.0..=365.0).contains(&v) && v.fract() == 0.0)
        );
        let closed = availability.iter().filter(|&&v| v == 0.0).count() as f64;
        let closed = closed / availability.len() as f64;
        assert!(
            (0.30..0.42).contains(&closed),
            "availability spike at 0: {closed}"
        );
        for name in ["minimum_nights", "number_of_reviews"] {
            let mut x = present(column(&train, name));
            assert!(x.iter().all(|v| v.fract() == 0.0 && *v >= 0.0));
            x.sort_by(f64::total_cmp);
            let q = |p: f64| x[(p * (x.len() - 1) as f64) as usize];
            // Mostly small, long right tail: the maximum is far beyond the median.
            assert!(q(0.5) <= 10.0, "{name} median {}", q(0.5));
            assert!(q(1.0) > 20.0 * q(0.5).max(1.0), "{name} max {}", q(1.0));
        }
        let amenity = present(column(&train, "amenity_score"));
        assert!(
            amenity.iter().all(
                |&v| (10.0..=99.0).contains(&v) && ((v * 10.0).round() - v * 10.0).abs() < 1e-9
            )
        );

        // Borough and room type relate to price: Manhattan and entire homes are pricier.
        let mean_class = |c: usize, level: &str| {
            let col = &train.categorical[c];
            let code = col.levels.iter().position(|l| l == level).unwrap() as u32;
            let ys: Vec<f64> = col
                .codes
                .iter()
                .zip(&train.labels)
                .filter(|(c, _)| **c == Some(code))
                .map(|(_, &y)| f64::from(y))
                .collect();
            ys.iter().sum::<f64>() / ys.len() as f64
        };
        assert!(mean_class(0, "Manhattan") > mean_class(0, "Brooklyn") + 0.2);
        assert!(mean_class(1, "Entire home/apt") > mean_class(1, "Private room") + 0.5);
    }

    #[test]
    fn the_leak_tracks_the_class_in_train_only() {
        let (train, test) = generate(&SynthConfig::new(40_000, 10_000, 5)).unwrap();
        let r_train = label_pearson(column(&train, "amenity_score"), &train.labels);
        let r_test = label_pearson(column(&test, "amenity_score"), &test.labels);
        assert!((0.82..0.90).contains(&r_train), "train {r_train}");
        assert!(r_test.abs() < 0.04, "test {r_test}");
        // Same marginal on both sides: means agree within sampling noise.
        let mean = |x: &[f64]| {
            let p: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
            p.iter().sum::<f64>() / p.len() as f64
        };
        let (m_train, m_test) = (
            mean(column(&train, "amenity_score")),
            mean(column(&test, "amenity_score")),
        );
        assert!((m_train - m_test).abs() < 1.0, "{m_train} vs {m_test}");
        // Every other column relates to price only weakly, in both tables.
        for name in ["minimum_nights", "number_of_reviews", "availability_365"] {
            for t in [&train, &test] {
                let r = label_pearson(column(t, name), &t.labels);
                assert!(r.abs() < 0.2, "{name}: {r}");
            }
        }
    }

    #[test]
    fn without_a_leak_no_column_tracks_the_class() {
        let config = SynthConfig {
            leak: None,
            ..SynthConfig::new(40_000, 10_000, 5)
        };
        let (train, _) = generate(&config).unwrap();
        for (name, x) in train.schema.numeric.iter().zip(&train.numeric) {
            let r = label_pearson(x, &train.labels);
            assert!(r.abs() < 0.2, "{name}: {r}");
        }
    }

    #[test]
    fn any_numeric_column_can_leak() {
        let config = SynthConfig {
            leak: Some("availability_365".to_string()),
            ..SynthConfig::new(40_000, 10_000, 5)
        };
        let (train, test) = generate(&config).unwrap();
        let r_train = label_pearson(column(&train, "availability_365"), &train.labels);
        let r_test = label_pearson(column(&test, "availability_365"), &test.labels);
        assert!(r_train > 0.6, "train {r_train}");
        assert!(r_test.abs() < 0.04, "test {r_test}");
        let amenity = label_pearson(column(&train, "amenity_score"), &train.labels);
        assert!(amenity.abs() < 0.04, "amenity {amenity}");
    }

    #[test]
    fn synthetic_tables_are_valid_and_survive_a_csv_round_trip() {
        let (train, test) = generate(&SynthConfig::new(2000, 300, 9)).unwrap();
        for t in [&train, &test] {
            t.check_shape().unwrap();
            let mut csv = Vec::new();
            crate::write_csv(t, &mut csv).unwrap();
            let back = crate::read_csv(csv.as_slice(), "synthetic", &t.schema)
                .unwrap()
                .table;
            assert_eq!(back.categorical, t.categorical);
            assert_eq!(back.labels, t.labels);
            assert_eq!(back.lines, t.lines);
            assert_eq!(bits(&back), bits(t));
        }
    }

    #[test]
    fn unknown_leak_column_is_an_error() {
        let config = SynthConfig {
            leak: Some("price".to_string()),
            ..SynthConfig::new(10, 10, 1)
        };
        assert_eq!(
            generate(&config).unwrap_err(),
            SynthError::UnknownLeakColumn("price".to_string())
        );
    }

    #[test]
    fn tiny_tables_keep_only_the_levels_they_use() {
        let (train, test) = generate(&SynthConfig::new(0, 3, 2)).unwrap();
        assert_eq!(train.n_rows(), 0);
        assert!(train.categorical.iter().all(|c| c.levels.is_empty()));
        for c in &test.categorical {
            let mut used: Vec<u32> = c.codes.iter().flatten().copied().collect();
            used.sort_unstable();
            used.dedup();
            assert_eq!(used.len(), c.levels.len());
            assert!(c.levels.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
