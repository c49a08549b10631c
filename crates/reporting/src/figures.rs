//! Every figure of the report, each drawn from the saved records alone.

use std::collections::BTreeMap;

use experiments::part_a::Kind;
use experiments::{PartA, PartB, PartC, Q2};
use models::Record;

use crate::charts::{
    BarChart, BarSeries, BoxPanel, BoxPlots, FiveNumber, Heatmap, LineChart, LineSeries,
    StackedBars, bar_chart, box_plots, heatmap, line_chart, stacked_bars,
};
use crate::{ReportError, Results};
use data::Schema;

mod part_d;

/// Class names for legends, from the schema (`0 Budget` for a named integer label, the
/// name or the label text otherwise).
pub fn class_names(schema: &Schema) -> Vec<String> {
    (0..schema.n_classes)
        .map(|k| schema.class_legend(k))
        .collect()
}

/// `text` with its first letter upper-case ("price class" → "Price class").
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Figure file stem → SVG text.
pub type Figures = BTreeMap<String, String>;

fn put(
    figures: &mut Figures,
    name: &str,
    svg: crate::charts::Result<String>,
) -> Result<(), ReportError> {
    let svg = svg.map_err(|e| ReportError::Figure {
        name: name.to_string(),
        message: e.to_string(),
    })?;
    figures.insert(name.to_string(), svg);
    Ok(())
}

fn curve(history: &[Record], f: impl Fn(&Record) -> f64) -> Vec<(f64, f64)> {
    history.iter().map(|r| (r.step as f64, f(r))).collect()
}

/// Draws every figure.
pub fn draw_all(r: &Results) -> Result<Figures, ReportError> {
    let mut f = Figures::new();
    part_a(&mut f, &r.part_a)?;
    part_b(&mut f, &r.part_b)?;
    part_c(&mut f, &r.part_c)?;
    part_d::draw(&mut f, &r.part_d, &r.part_a.schema)?;
    q2(&mut f, &r.q2)?;
    Ok(f)
}

fn numeric_columns(a: &PartA) -> Vec<String> {
    a.features
        .iter()
        .filter(|f| f.kind == Kind::Numeric)
        .map(|f| f.name.clone())
        .collect()
}

fn part_a(f: &mut Figures, a: &PartA) -> Result<(), ReportError> {
    let schema = &a.schema;
    let label = schema.display(&schema.label);
    let classes = class_names(schema);
    let chart = BarChart::new(
        "Class distribution",
        label.clone(),
        "share of rows (fraction)",
        classes.clone(),
    )
    .series(BarSeries::new("train", a.class_shares.clone()))
    .series(BarSeries::new("test", a.class_shares_test.clone()))
    .value_labels(3);
    put(f, "class_distribution", bar_chart(&chart))?;

    let panels = numeric_columns(a)
        .iter()
        .filter_map(|c| {
            let per_class = a.numeric_by_class.get(c)?;
            let summaries = per_class
                .iter()
                .map(|s| {
                    s.as_ref().map_or(
                        FiveNumber {
                            min: f64::NAN,
                            q1: f64::NAN,
                            median: f64::NAN,
                            q3: f64::NAN,
                            max: f64::NAN,
                        },
                        |s| FiveNumber {
                            min: s.min,
                            q1: s.q1,
                            median: s.median,
                            q3: s.q3,
                            max: s.max,
                        },
                    )
                })
                .collect();
            Some(BoxPanel {
                title: schema.display(c),
                y_label: "raw units".to_owned(),
                summaries,
            })
        })
        .collect();
    put(
        f,
        "numeric_by_class",
        box_plots(
            &BoxPlots::new(
                format!(
                    "Numeric columns per {label}, train (box: quartiles; whiskers: min to max)"
                ),
                classes.clone(),
                panels,
            )
            .log_when_skewed(),
        ),
    )?;

    for (column, table) in &a.category_by_class {
        let shares = table
            .counts
            .iter()
            .map(|row| {
                let total: usize = row.iter().sum();
                row.iter()
                    .map(|&c| {
                        if total > 0 {
                            c as f64 / total as f64
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect();
        let chart = StackedBars::new(
            format!(
                "{} by {} (train)",
                capitalised(&label),
                schema.display(column)
            ),
            schema.display(column),
            "share of the level's rows (fraction)",
            table.levels.clone(),
            classes.clone(),
            shares,
        );
        put(f, &format!("category_{column}"), stacked_bars(&chart))?;
    }

    for (name, title, matrix) in [
        (
            "correlation_train",
            "Pearson correlation, train",
            &a.correlation,
        ),
        (
            "correlation_test",
            "Pearson correlation, test",
            &a.correlation_test,
        ),
    ] {
        let mut labels = numeric_columns(a);
        // The label is in the matrix only when its classes are ordered.
        if matrix.contains_key(&a.label) {
            labels.push(a.label.clone());
        }
        let values = labels
            .iter()
            .map(|r| {
                labels
                    .iter()
                    .map(|c| {
                        matrix
                            .get(r)
                            .and_then(|row| row.get(c))
                            .copied()
                            .flatten()
                            .unwrap_or(f64::NAN)
                    })
                    .collect()
            })
            .collect();
        put(
            f,
            name,
            heatmap(&Heatmap::correlation(title, labels, values)),
        )?;
    }
    Ok(())
}

fn part_b(f: &mut Figures, b: &PartB) -> Result<(), ReportError> {
    let mut chart = LineChart::new(
        "Part B(a): accuracy per iteration, full-batch gradient descent",
        "iteration",
        "accuracy (fraction)",
    )
    .y_range(0.0, 1.0);
    for (i, run) in [&b.relu, &b.sigmoid].iter().enumerate() {
        let name = crate::activation_label(run.activation);
        chart = chart
            .series(
                LineSeries::new(
                    format!("{name} train"),
                    curve(&run.history, |r| r.train_acc),
                )
                .color(i),
            )
            .series(
                LineSeries::new(
                    format!("{name} validation"),
                    curve(&run.history, |r| r.val_acc),
                )
                .color(i)
                .dashed(),
            );
    }
    chart = chart.series(
        LineSeries::new(
            "majority share",
            vec![
                (1.0, b.majority_share),
                (b.relu.history.len().max(1) as f64, b.majority_share),
            ],
        )
        .color(6)
        .dashed()
        .no_markers(),
    );
    put(f, "part_b_accuracy", line_chart(&chart))?;

    let mut bands = LineChart::new(
        "Part B(a): validation accuracy over initialisation seeds (mean ± sd)",
        "iteration",
        "validation accuracy (fraction)",
    )
    .y_range(0.0, 1.0);
    for (i, band) in b.seeds.iter().enumerate() {
        let points = band
            .val_acc_mean
            .iter()
            .enumerate()
            .map(|(k, &v)| ((k + 1) as f64, v))
            .collect();
        bands = bands.series(
            LineSeries::new(
                format!(
                    "{} ({} seeds)",
                    crate::activation_label(band.activation),
                    band.seeds.len()
                ),
                points,
            )
            .band(band.val_acc_sd.clone())
            .color(i),
        );
    }
    put(f, "part_b_seeds", line_chart(&bands))?;

    let mut sweep = LineChart::new(
        "Part B(a): sigmoid, learning rate × iterations",
        "iterations trained",
        "validation accuracy (fraction)",
    )
    .y_range(0.0, 1.0);
    for (i, lr) in b.config.sweep_learning_rates.iter().enumerate() {
        let points: Vec<(f64, f64)> = b
            .sigmoid_sweep
            .iter()
            .filter(|p| p.rate == i && p.diverged_at.is_none())
            .map(|p| (p.iterations as f64, p.val_acc))
            .collect();
        if !points.is_empty() {
            sweep = sweep.series(LineSeries::new(format!("learning rate {lr}"), points).color(i));
        }
    }
    put(f, "part_b_sweep", line_chart(&sweep))?;

    for (run, evidence) in [&b.relu, &b.sigmoid].iter().zip(&b.gradients) {
        let name = crate::activation_label(evidence.activation);
        // Sigmoid's flat units are saturated (g′ near zero on a tail), ReLU's inactive (g′ = 0).
        let (flat, y2) = match evidence.activation {
            models::Activation::Relu => ("inactive", "inactive hidden units (fraction, g′(z) = 0)"),
            models::Activation::Sigmoid => (
                "saturated",
                "saturated hidden units (fraction, g′(z) < 0.01)",
            ),
        };
        let mut chart = LineChart::new(
            format!("Part B(b): mean |∂L/∂W| per layer, {name}"),
            "iteration",
            "mean absolute gradient (log scale)",
        )
        .log_y()
        .y2_label(y2)
        .y2_range(0.0, 1.0);
        let layers = run.history.first().map_or(0, |r| r.grad_mean_abs.len());
        for l in 0..layers {
            chart = chart.series(
                LineSeries::new(
                    format!("|∂L/∂W{}|", l + 1),
                    curve(&run.history, |r| r.grad_mean_abs[l]),
                )
                .color(l),
            );
        }
        let hidden = run.history.first().map_or(0, |r| r.saturation.len());
        for l in 0..hidden {
            chart = chart.series(
                LineSeries::new(
                    format!("{flat}, hidden layer {}", l + 1),
                    curve(&run.history, |r| r.saturation[l]),
                )
                .color(4 + l)
                .dashed()
                .secondary(),
            );
        }
        put(
            f,
            &format!("part_b_gradients_{}", evidence.activation.name()),
            line_chart(&chart),
        )?;
    }
    Ok(())
}

fn part_c(f: &mut Figures, c: &PartC) -> Result<(), ReportError> {
    let chart = LineChart::new(
        "Part C(b): accuracy per epoch, minibatch SGD through the tape",
        "epoch",
        "accuracy (fraction)",
    )
    .y_range(0.0, 1.0)
    .series(LineSeries::new("train", curve(&c.history, |r| r.train_acc)).color(0))
    .series(
        LineSeries::new("validation", curve(&c.history, |r| r.val_acc))
            .color(0)
            .dashed(),
    );
    put(f, "part_c_accuracy", line_chart(&chart))?;

    let chart = BarChart::new(
        "Part C(b): gradient attribution per encoded feature",
        "encoded feature",
        "mean |∂ℓ/∂xᵢ| over validation rows",
        c.attribution.iter().map(|a| a.feature.clone()).collect(),
    )
    .series(BarSeries::new(
        "attribution",
        c.attribution.iter().map(|a| a.score).collect(),
    ))
    .horizontal()
    .value_labels(3);
    put(f, "part_c_attribution", bar_chart(&chart))?;

    let chart = BarChart::new(
        "Part C(b): two views of importance per original column",
        "original column",
        "fraction",
        c.columns.iter().map(|a| a.column.clone()).collect(),
    )
    .series(BarSeries::new(
        "share of gradient attribution",
        c.columns.iter().map(|a| a.share).collect(),
    ))
    .series(BarSeries::new(
        "validation accuracy lost when shuffled",
        c.columns.iter().map(|a| a.permutation_drop).collect(),
    ))
    .horizontal()
    .value_labels(3);
    put(f, "part_c_columns", bar_chart(&chart))?;
    Ok(())
}

/// File stem of Question 2's loss figure at one learning rate.
pub fn q2_figure_name(learning_rate: f64) -> String {
    format!("q2_loss_lr_{}", learning_rate.to_string().replace('.', "_"))
}

fn q2(f: &mut Figures, q: &Q2) -> Result<(), ReportError> {
    // The configured grid's rates (the added ones get no curve of their own), by position.
    for (k, &lr) in q.rates.iter().enumerate() {
        if q.cells.iter().any(|c| c.rate == k && c.refined) {
            continue;
        }
        let mut chart = LineChart::new(
            format!("Question 2: training loss at learning rate {lr} (mean over seeds)"),
            "iteration",
            "training loss (cross-entropy, nats)",
        );
        let mut any = false;
        for (i, cell) in q.cells.iter().filter(|c| c.rate == k).enumerate() {
            if cell.loss_curve.iter().all(|v| v.is_finite()) && !cell.loss_curve.is_empty() {
                let points = cell
                    .loss_curve
                    .iter()
                    .enumerate()
                    .map(|(k, &v)| ((k + 1) as f64, v))
                    .collect();
                let name = if cell.mode == "independent" {
                    "independent biases".to_owned()
                } else {
                    format!("{} bias", cell.mode)
                };
                let mut s = LineSeries::new(name, points).color(i);
                if i > 0 {
                    s = s.dashed();
                }
                chart = chart.series(s);
                any = true;
            }
        }
        if any {
            put(f, &q2_figure_name(lr), line_chart(&chart))?;
        }
    }
    // Every rate both modes ran (the grid and the rates added around the edges).
    let rates: Vec<String> = q
        .rates
        .iter()
        .map(|lr| {
            let s = format!("{lr:.3}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        })
        .collect();
    let attainable = |mode: &str| -> Vec<f64> {
        (0..q.rates.len())
            .map(|k| {
                q.cells
                    .iter()
                    .find(|c| c.mode == mode && c.rate == k)
                    .and_then(|c| c.attainable_loss)
                    .map_or(f64::NAN, |i| i.mean)
            })
            .collect()
    };
    let chart = BarChart::new(
        "Question 2: lowest training loss reached per learning rate (mean over seeds; none where a seed diverged)",
        "learning rate",
        "lowest training loss reached (nats)",
        rates,
    )
    .series(BarSeries::new("shared bias", attainable("shared")))
    .series(BarSeries::new(
        "independent biases",
        attainable("independent"),
    ))
    .value_labels(3);
    put(f, "q2_attainable_loss", bar_chart(&chart))?;
    Ok(())
}
