//! `cargo xtask eda`: Part A alone, written to OUT/eda.json with a readable summary on the
//! terminal (the summary is this task's; the record is `experiments::part_a`'s).

use std::fmt::Write as _;
use std::path::PathBuf;

use experiments::part_a::{Kind, PartA};

use crate::input::{self, DataArgs};
use crate::output::{Replace, Staging, write_record};

/// Options of `eda`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Output folder.
    #[arg(long, default_value = "results")]
    out: PathBuf,
}

pub fn run(args: Args) -> Result<(), String> {
    let config = args.data.settings(experiments::Config::full, false)?;
    let inputs = input::load_seeded(&args.data, config.seed, &mut |n| eprintln!("{n}"))?;
    let split = experiments::split(&inputs.train, &config).map_err(|e| e.to_string())?;
    let budget = experiments::budget::Input {
        train_rows: inputs.train.n_rows(),
        test_rows: inputs.test.n_rows(),
        width: experiments::input_width(&inputs.train),
        classes: inputs.train.schema.n_classes,
    };
    experiments::budget::check_against_input(&config, &budget)?;
    let staging = Staging::begin(&args.out, Replace::Part)?;
    let fingerprint = inputs.fingerprint(&config);
    staging.refuse_other_runs(&fingerprint)?;
    let part_a = experiments::part_a::analyse(
        &inputs.train,
        &inputs.test,
        &split.train,
        &split.validation,
        &config.part_a,
    );
    let path = args.out.join(experiments::files::PART_A);
    staging
        .write(|dir| write_record(&dir.join(experiments::files::PART_A), &fingerprint, &part_a))?;
    staging.commit()?;
    println!("Data: {}", inputs.origin);
    print!("{}", summary_text(&part_a));
    println!("Wrote {}", path.display());
    Ok(())
}

/// A valid range as an interval: `[1, ∞)`, `[0, 365]`.
fn range_text(min: Option<f64>, max: Option<f64>) -> String {
    format!(
        "{}, {}",
        min.map_or("(−∞".to_string(), |v| format!("[{v}")),
        max.map_or("∞)".to_string(), |v| format!("{v}]"))
    )
}

/// A number with three decimals, or `—` when undefined.
fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), |x| format!("{x:.3}"))
}

/// A relation measure as Part A records it (Pearson's r keeps its sign there).
fn measure_cell(m: experiments::part_a::RelationMeasure) -> &'static str {
    match m {
        experiments::part_a::RelationMeasure::AbsPearsonR => "Pearson r",
        other => other.short(),
    }
}

/// A readable multi-line summary of Part A for the terminal.
pub fn summary_text(a: &PartA) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: train {} (training split {}, validation split {}), test {}",
        a.schema.rows_noun(),
        a.rows.train,
        a.rows.training_split,
        a.rows.validation_split,
        a.rows.test
    );
    let features: Vec<String> = a
        .features
        .iter()
        .map(|f| {
            let kind = match f.kind {
                Kind::Categorical => "categorical",
                Kind::Numeric => "numeric",
            };
            format!("{} ({kind})", f.name)
        })
        .collect();
    let _ = writeln!(s, "features: {}; label: {}", features.join(", "), a.label);
    let _ = writeln!(s, "missing (train / test):");
    for f in &a.features {
        let _ = writeln!(
            s,
            "  {:<24} {:>7} / {}",
            f.name,
            a.missing.get(&f.name).copied().unwrap_or(0),
            a.missing_test.get(&f.name).copied().unwrap_or(0)
        );
    }
    for (side, findings) in a.out_of_range.sides() {
        if !findings.is_empty() {
            let list: Vec<String> = findings
                .iter()
                .map(|f| {
                    format!(
                        "{}: {} values outside {}",
                        f.column,
                        f.count,
                        range_text(f.min, f.max)
                    )
                })
                .collect();
            let _ = writeln!(s, "data quality ({side}): {}", list.join("; "));
        }
    }
    let classes: Vec<String> = a
        .class_counts
        .iter()
        .zip(&a.class_shares)
        .enumerate()
        .map(|(k, (n, p))| format!("{k}: {n} ({:.1} %)", 100.0 * p))
        .collect();
    let _ = writeln!(
        s,
        "classes (train): {}; imbalance ratio {}",
        classes.join(", "),
        a.imbalance_ratio
            .map_or_else(|| "undefined".to_string(), |r| format!("{r:.2}"))
    );
    let d = &a.dominance;
    let _ = writeln!(
        s,
        "dominance: flag when the best one-column rule ({} quantile bins per numeric column, one \
         group per level) removes ≥ {:.2} of the majority baseline's validation errors; majority \
         baseline (class {}) validation accuracy {:.3}",
        d.bins, d.threshold, d.baseline_class, d.baseline_accuracy
    );
    let _ = writeln!(
        s,
        "  {:<24} {:>8} {:>10} {:>8} {:>8}",
        "column", "val acc", "err. red.", "U(Y|X)", "test acc"
    );
    for r in &d.rules {
        let _ = writeln!(
            s,
            "  {:<24} {:>8.3} {:>10.3} {:>8} {:>8}{}",
            r.column,
            r.validation_accuracy,
            r.error_reduction,
            num(r.uncertainty_coefficient),
            num(r.test_accuracy),
            match (r.dominant, r.identifier) {
                (true, true) => "  DOMINANT IDENTIFIER: an identifier leak",
                (true, false) => "  DOMINANT",
                (false, true) => "  identifier (one value per row)",
                (false, false) => "",
            }
        );
    }
    let _ = writeln!(
        s,
        "dominant features: {}",
        if a.dominant_features.is_empty() {
            "none".to_string()
        } else {
            a.dominant_features.join(", ")
        }
    );
    let t = &a.shift_thresholds;
    let _ = writeln!(
        s,
        "shift train → test (marginal: KS ≥ {} with p < {}, or TVD ≥ {}; label relation: \
         |Δ corr| ≥ {}):",
        t.ks, t.alpha, t.tvd, t.label_corr_change
    );
    let _ = writeln!(
        s,
        "  {:<24} {:>14} {:>10} {:>10} {:>8}  {:<20}",
        "column", "marginal", "rel. train", "rel. test", "change", "measure"
    );
    for f in &a.features {
        let (marginal, train, test, delta, measure, flag) = match f.kind {
            Kind::Numeric => {
                let Some(x) = a.shift.get(&f.name) else {
                    continue;
                };
                (
                    format!("KS {}", num(x.ks)),
                    x.label_corr_train,
                    x.label_corr_test,
                    x.label_corr_change,
                    measure_cell(x.measure),
                    (x.marginal_shift, x.label_relation_shift),
                )
            }
            Kind::Categorical => {
                let Some(x) = a.shift_categorical.get(&f.name) else {
                    continue;
                };
                (
                    format!("TVD {:.3}", x.tvd),
                    x.label_corr_train,
                    x.label_corr_test,
                    x.label_corr_change,
                    measure_cell(x.measure),
                    (x.marginal_shift, x.label_relation_shift),
                )
            }
        };
        let mut flags = Vec::new();
        if flag.0 {
            flags.push("marginal shifted");
        }
        if flag.1 {
            flags.push("LABEL RELATION SHIFTED");
        }
        let _ = writeln!(
            s,
            "  {:<24} {:>14} {:>10} {:>10} {:>8}  {:<20}  {}",
            f.name,
            marginal,
            num(train),
            num(test),
            num(delta),
            measure,
            flags.join(", ")
        );
    }
    let _ = writeln!(
        s,
        "  (label relation: each row's own measure; measures differ by column kind and class order, \
         so compare a column only with itself)"
    );
    s
}

#[cfg(test)]
mod tests {
    use data::synth::{SynthConfig, generate};
    use experiments::{Config, part_a::analyse, split};

    use super::summary_text;

    #[test]
    fn the_summary_names_the_leak_and_its_broken_relation() {
        let (train, test) = generate(&SynthConfig::new(3_000, 600, 3)).unwrap();
        let config = Config::full(3);
        let s = split(&train, &config).unwrap();
        let a = analyse(&train, &test, &s.train, &s.validation, &config.part_a);
        let text = summary_text(&a);
        assert!(text.contains("dominant features: amenity_score"), "{text}");
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with("amenity_score") && l.contains("KS"))
            .unwrap();
        assert!(line.contains("LABEL RELATION SHIFTED"), "{line}");
        assert!(line.contains("Pearson r"), "{line}");
        assert!(!text.contains("data quality"), "{text}");
    }

    #[test]
    fn out_of_range_values_are_listed_when_there_are_some() {
        let (mut train, test) = generate(&SynthConfig::new(600, 120, 3)).unwrap();
        train.out_of_range.push(data::OutOfRange {
            column: "minimum_nights".into(),
            count: 7,
            min: Some(1.0),
            max: None,
        });
        let config = Config::full(3);
        let s = split(&train, &config).unwrap();
        let a = analyse(&train, &test, &s.train, &s.validation, &config.part_a);
        let text = summary_text(&a);
        assert!(
            text.contains("data quality (train): minimum_nights: 7 values outside [1, ∞)"),
            "{text}"
        );
    }
}
