//! Part D's figures: the model on each set, the confusion matrix, the mitigations, the
//! root-cause column per class, the replayed candidates and the reliability diagram.

use experiments::PartD;
use experiments::part_d::{Calibration, Candidate, CandidateKind};

use super::{Figures, class_names, put};
use crate::ReportError;
use crate::charts::{
    BarChart, BarSeries, Heatmap, HistPanel, HistSeries, Histograms, LineChart, LineSeries,
    bar_chart, heatmap, histograms, line_chart,
};
use data::Schema;

pub(super) fn draw(f: &mut Figures, d: &PartD, schema: &Schema) -> Result<(), ReportError> {
    let classes = class_names(schema);
    let label = schema.display(&schema.label);
    let column = schema.display(
        d.root_cause_distribution
            .as_ref()
            .map_or("", |dist| dist.column.as_str()),
    );
    let counts = d
        .test_confusion
        .matrix
        .iter()
        .map(|r| r.iter().map(|&c| c as f64).collect())
        .collect();
    put(
        f,
        "part_d_confusion",
        heatmap(&Heatmap::confusion(
            "Part D: confusion matrix on test",
            classes.clone(),
            counts,
        )),
    )?;

    let sets = vec![
        "train".to_string(),
        "validation".to_string(),
        "test".to_string(),
    ];
    let chart = BarChart::new(
        "Part D: the same model on three sets",
        "set",
        "accuracy (fraction)",
        sets,
    )
    .series(BarSeries::new(
        "Part C model",
        vec![d.model.train_acc, d.model.val_acc, d.model.test_acc],
    ))
    .value_labels(3)
    .value_range(0.0, 1.0);
    put(f, "part_d_sets", bar_chart(&chart))?;

    let mut chart = BarChart::new(
        "Part D: mitigations, each measured on test",
        "mitigation",
        "accuracy (fraction)",
        d.mitigations.iter().map(|m| m.name.to_string()).collect(),
    )
    .series(BarSeries::new(
        "validation",
        d.mitigations.iter().map(|m| m.val_acc).collect(),
    ))
    .series(BarSeries::new(
        "test",
        d.mitigations.iter().map(|m| m.test_acc).collect(),
    ))
    .value_labels(3)
    .value_range(0.0, 1.0)
    .reference("Part C model on test", d.test_acc);
    chart = chart.horizontal();
    put(f, "part_d_mitigations", bar_chart(&chart))?;

    if let Some(dist) = &d.root_cause_distribution {
        let panel = |title: &str, shares: &[Vec<f64>]| HistPanel {
            title: title.to_string(),
            edges: dist.edges.clone(),
            series: shares
                .iter()
                .zip(&classes)
                .map(|(s, c)| HistSeries::new(c.clone(), s.clone()))
                .collect(),
        };
        if !dist.edges.is_empty() {
            let spec = Histograms::new(
                format!("Part D: {column} per {label}, train beside test"),
                format!("{column} (raw units)"),
                "share of the class's rows (fraction)",
                vec![panel("train", &dist.train), panel("test", &dist.test)],
            );
            put(f, "part_d_root_cause", histograms(&spec))?;
        } else {
            let chart = BarChart::new(
                format!("Part D: {column} per {label}, train beside test"),
                column.clone(),
                "share of the class's rows (fraction)",
                dist.bins.clone(),
            );
            let chart =
                dist.train
                    .iter()
                    .zip(&dist.test)
                    .zip(&classes)
                    .fold(chart, |ch, ((tr, te), c)| {
                        ch.series(BarSeries::new(format!("{c}, train"), tr.clone()))
                            .series(BarSeries::new(format!("{c}, test"), te.clone()))
                    });
            put(f, "part_d_root_cause", bar_chart(&chart))?;
        }
    }

    replay(f, d)?;
    reliability(f, d)?;
    Ok(())
}

/// The accuracy each replayed change predicts, against the validation and test accuracy.
fn replay(f: &mut Figures, d: &PartD) -> Result<(), ReportError> {
    let Some(r) = &d.replay else {
        return Ok(());
    };
    let label = |c: &Candidate| match c.kind {
        CandidateKind::ClassMix => "class mix".to_string(),
        CandidateKind::Everything => "every column".to_string(),
        _ => c.columns.join(" + "),
    };
    let chart = BarChart::new(
        "Part D: the test accuracy each replayed change predicts",
        "change replayed on the validation rows",
        "accuracy (fraction)",
        r.candidates.iter().map(label).collect(),
    )
    .series(BarSeries::new(
        "predicted by the replay",
        r.candidates.iter().map(Candidate::accuracy_mean).collect(),
    ))
    .horizontal()
    .value_labels(3)
    .value_range(0.0, 1.0)
    .reference("validation accuracy", r.val_acc)
    .reference("test accuracy", r.test_acc);
    put(f, "part_d_replay", bar_chart(&chart))
}

/// Reliability diagram: accuracy against confidence per bin, validation and test, beside
/// the diagonal of a model exactly as sure as it is right.
fn reliability(f: &mut Figures, d: &PartD) -> Result<(), ReportError> {
    let points = |c: &Calibration| -> Vec<(f64, f64)> {
        c.bins
            .iter()
            .filter(|b| b.rows > 0)
            .map(|b| (b.confidence, b.accuracy))
            .collect()
    };
    let mut chart = LineChart::new(
        "Part D: accuracy against confidence (reliability)",
        "mean probability of the predicted class, per bin",
        "accuracy in the bin (fraction)",
    )
    .series(
        LineSeries::new("as sure as right", vec![(0.0, 0.0), (1.0, 1.0)])
            .no_markers()
            .dashed()
            .color(2),
    )
    .series(LineSeries::new("validation", points(&d.calibration_validation)).color(0))
    .series(LineSeries::new("test", points(&d.calibration_test)).color(1))
    .y_range(0.0, 1.0);
    chart.x_range = Some((0.0, 1.0));
    put(f, "part_d_reliability", line_chart(&chart))
}
