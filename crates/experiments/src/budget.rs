//! What a configuration asks of the machine, estimated from the input's size before any
//! work: the memory of its largest allocations (each named by the settings that size it)
//! and its arithmetic against the default study's on the same input. The command line
//! refuses a run whose memory exceeds what the machine has, and says so before a run that
//! would take far longer than the default study; nothing here reads the machine.

use crate::Config;

/// The sizes of the input a run is estimated on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    /// Rows of the training file.
    pub train_rows: usize,
    /// Rows of the test file.
    pub test_rows: usize,
    /// Encoded input columns ([`crate::input_width`]).
    pub width: usize,
    /// Classes of the label.
    pub classes: usize,
}

/// One allocation of a run, by the settings that size it.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    /// What it is and the settings that size it (`part_b.iterations × seeds: histories`).
    pub what: String,
    /// Bytes, saturating.
    pub bytes: u64,
}

/// Bytes of one training-history record of a network with `layers` weight layers: step,
/// loss, two accuracies and the gradient magnitude of each layer and the saturation of each
/// hidden layer, with the vector headers.
fn record_bytes(layers: usize) -> u64 {
    8 * (4 + 2 * layers as u64) + 48
}

fn mul(factors: &[u64]) -> u64 {
    factors.iter().fold(1u64, |a, &b| a.saturating_mul(b))
}

/// Parameters of an MLP of `hidden` widths on `input`.
fn parameters(input: &Input, hidden: &[usize]) -> u64 {
    let mut widths = vec![input.width as u64];
    widths.extend(hidden.iter().map(|&h| h as u64));
    widths.push(input.classes as u64);
    widths
        .windows(2)
        .map(|w| w[0].saturating_mul(w[1]).saturating_add(w[1]))
        .fold(0u64, u64::saturating_add)
}

/// Seeds of Part B's runs over seeds, and the settings they train.
fn part_b_runs(config: &Config) -> (u64, u64) {
    let b = &config.part_b;
    let seeds = b.seeds.max(b.interval_seeds) as u64;
    // Counts come from a settings file: every product below saturates.
    let other_rates = b
        .sweep_learning_rates
        .iter()
        .filter(|&&r| r != b.learning_rate)
        .count() as u64;
    // ReLU, sigmoid and scaled sigmoid at the study's rate, sigmoid at every other rate.
    (seeds, 3 + other_rates)
}

/// The run's largest allocations, largest first.
pub fn allocations(config: &Config, input: &Input) -> Vec<Allocation> {
    let rows = (input.train_rows as u64).saturating_add(input.test_rows as u64);
    let (b, c, q) = (&config.part_b, &config.part_c, &config.q2);
    let widest = |hidden: &[usize]| hidden.iter().copied().max().unwrap_or(0) as u64;
    let (seeds, settings) = part_b_runs(config);
    let q2_rates = q.learning_rates.len() as u64 + 8;
    let mut out = vec![
        Allocation {
            what: format!(
                "the encoded data ({} rows × {} input columns)",
                rows, input.width
            ),
            bytes: mul(&[rows, input.width as u64, 8, 3]),
        },
        Allocation {
            what: "part_b.hidden: the activations and their gradients".to_string(),
            bytes: mul(&[rows, b.hidden.iter().sum::<usize>() as u64, 8, 4]),
        },
        Allocation {
            what: "part_c.hidden: the activations and their gradients".to_string(),
            bytes: mul(&[rows, c.hidden.iter().sum::<usize>() as u64, 8, 4]),
        },
        Allocation {
            what: "part_b.hidden: the weights and their gradients".to_string(),
            bytes: mul(&[parameters(input, &b.hidden), 8, 4, seeds.max(1)]),
        },
        Allocation {
            what: "part_b.hidden × part_b.hidden: the widest layer's products".to_string(),
            bytes: mul(&[widest(&b.hidden), widest(&b.hidden), 8, 4]),
        },
        Allocation {
            what: "part_c.hidden: the weights and their gradients".to_string(),
            bytes: mul(&[parameters(input, &c.hidden), 8, 8]),
        },
        Allocation {
            what: format!(
                "part_b.iterations × seeds ({} runs over seeds): the training histories",
                seeds.saturating_mul(settings)
            ),
            bytes: mul(&[
                b.iterations as u64,
                seeds.saturating_mul(settings),
                record_bytes(b.hidden.len() + 1),
            ])
            .saturating_add(mul(&[
                b.sweep_iterations as u64,
                b.sweep_learning_rates.len() as u64,
                record_bytes(b.hidden.len() + 1),
            ])),
        },
        Allocation {
            what: "part_c.epochs: the training histories".to_string(),
            bytes: mul(&[
                c.epochs as u64,
                (config.part_d.mitigation_seeds.max(1) as u64).saturating_mul(5),
                record_bytes(c.hidden.len() + 1),
            ]),
        },
        Allocation {
            what: "q2.max_iterations × q2.seeds × q2.learning_rates: the loss curves".to_string(),
            bytes: mul(&[q.max_iterations as u64, q.seeds as u64, q2_rates, 2, 8]),
        },
        Allocation {
            what: "part_a.bins: the one-column rules".to_string(),
            bytes: mul(&[
                (config.part_a.bins as u64).saturating_add(2),
                24 + 8 * input.classes as u64,
                2,
            ]),
        },
    ];
    out.sort_by_key(|a| std::cmp::Reverse(a.bytes));
    out
}

/// Total bytes of [`allocations`], saturating.
pub fn memory(config: &Config, input: &Input) -> u64 {
    allocations(config, input)
        .iter()
        .fold(0u64, |a, x| a.saturating_add(x.bytes))
}

/// Multiply-adds of the run's training and evaluation, roughly (forward and backward of
/// every run; Question 2's runs at their cap), as a float to stay finite.
pub fn work(config: &Config, input: &Input) -> f64 {
    let rows = input.train_rows as f64;
    let (b, c, d, q) = (&config.part_b, &config.part_c, &config.part_d, &config.q2);
    let (seeds, settings) = part_b_runs(config);
    let pb = parameters(input, &b.hidden) as f64;
    let pc = parameters(input, &c.hidden) as f64;
    let part_b = 3.0
        * rows
        * pb
        * ((2.0 + seeds as f64 * settings as f64) * b.iterations as f64
            + b.sweep_learning_rates.len() as f64 * b.sweep_iterations as f64);
    let part_c = 3.0 * rows * pc * c.epochs as f64 * (1.0 + 5.0 * d.mitigation_seeds as f64)
        + rows * pc * c.permutation_repeats as f64 * (input.width as f64 + 1.0);
    let k = input.classes as f64;
    let q2_params = input.width as f64 * k + k * k + 2.0 * k;
    let q2 = 3.0
        * rows
        * q2_params
        * (q.learning_rates.len() as f64 + 4.0)
        * q.seeds as f64
        * 2.0
        * q.max_iterations as f64;
    part_b + part_c + q2
}

/// Settings that need the input to be checked: a count the data cannot use. `Err` names
/// the key with the figure (`part_a.bins = 100000: more than the 33078 training rows`).
pub fn check_against_input(config: &Config, input: &Input) -> Result<(), String> {
    let rows = input.train_rows;
    // Up to the default's bins, a small table is simply binned coarsely.
    if config.part_a.bins > rows.max(crate::part_a::PartAConfig::default().bins) {
        return Err(format!(
            "part_a.bins = {}: more quantile bins than the {rows} training rows; at most {rows}",
            config.part_a.bins
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> Input {
        Input {
            train_rows: 41_348,
            test_rows: 7_297,
            width: 10,
            classes: 4,
        }
    }

    #[test]
    fn the_default_study_fits_in_a_small_machine() {
        let m = memory(&Config::full(42), &input());
        assert!(m < 1 << 30, "{m}");
    }

    #[test]
    fn huge_settings_are_named_by_what_they_size() {
        let mut config = Config::full(42);
        config.part_b.hidden = vec![100_000, 100_000];
        let top = &allocations(&config, &input())[0];
        assert!(top.what.starts_with("part_b.hidden"), "{top:?}");
        assert!(top.bytes > 80 << 30, "{top:?}");

        let mut config = Config::full(42);
        config.part_b.iterations = 1_000_000_000;
        let top = &allocations(&config, &input())[0];
        assert!(top.what.starts_with("part_b.iterations"), "{top:?}");
        assert!(top.bytes > 80 << 30, "{top:?}");

        let mut config = Config::full(42);
        config.part_a.bins = usize::MAX;
        assert_eq!(
            check_against_input(&config, &input()).unwrap_err(),
            format!(
                "part_a.bins = {}: more quantile bins than the 41348 training rows; at most 41348",
                usize::MAX
            )
        );
        assert_eq!(memory(&config, &input()), u64::MAX);
    }

    #[test]
    fn work_grows_with_the_settings_that_repeat_training() {
        let base = work(&Config::full(42), &input());
        let mut config = Config::full(42);
        config.part_b.iterations *= 100;
        assert!(work(&config, &input()) > 10.0 * base);
        assert!(work(&Config::quick(42), &input()) < base / 10.0);
    }
}
