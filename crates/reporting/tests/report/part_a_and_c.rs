//! Parts A and C in words: the data-quality paragraph only with findings, the verdicts on
//! the top column and on changed relations following the measurements, and the column
//! sentence naming only the kinds the table has.

use experiments::files;
use reporting::{Results, render};

use super::{check, outputs, render_changed, results};

#[test]
fn a_data_quality_paragraph_appears_only_with_findings() {
    let out = outputs();
    let (mut results, mut files) = results(out);
    let rendered = render(&results).unwrap();
    assert!(!rendered.markdown.contains("Data quality"));
    let finding = data::OutOfRange {
        column: "minimum_nights".into(),
        count: 12,
        min: Some(1.0),
        max: None,
    };
    results.part_a.out_of_range.test.push(finding.clone());
    files.get_mut(files::PART_A).unwrap()["out_of_range"]["test"] =
        serde_json::to_value(vec![finding]).unwrap();
    let rendered = render(&results).unwrap();
    let problems = check(&rendered, &files);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(rendered.markdown.contains("### Data quality"));
    assert!(
        rendered
            .markdown
            .contains("12 values of `minimum_nights` in the test file (valid: at least 1)"),
        "{}",
        rendered.markdown
    );
}

#[test]
fn part_a_and_c_verdicts_change_their_words_with_the_measurements() {
    use experiments::verdicts::{TopColumn, top_column};
    let out = outputs();
    let (mut results, mut files) = results(out);
    // Part C: the first column clear of the others on every shuffle, then within the noise.
    let shuffles = |results: &mut Results, first: [f64; 2]| {
        let c = &mut results.part_c;
        for (i, col) in c.columns.iter_mut().enumerate() {
            col.permutation_drops = if i == 0 {
                first.to_vec()
            } else {
                vec![0.01, 0.012]
            };
        }
        let shares: Vec<f64> = c.columns.iter().map(|c| c.share).collect();
        let drops: Vec<Vec<f64>> = c
            .columns
            .iter()
            .map(|c| c.permutation_drops.clone())
            .collect();
        c.top_column = top_column(&shares, &drops);
    };
    let md = render_changed(&mut results, &mut files, |r| shuffles(r, [0.3, 0.301]));
    assert_eq!(
        results.part_c.top_column.as_ref().unwrap().finding,
        TopColumn::Agree
    );
    assert!(
        md.contains("ranks") && md.contains("first too: over"),
        "{md}"
    );
    assert!(md.contains("it costs detectably more than the runner-up"));
    assert!(md.contains("not over models retrained from other seeds"));
    let md = render_changed(&mut results, &mut files, |r| shuffles(r, [0.0, 0.03]));
    assert_eq!(
        results.part_c.top_column.as_ref().unwrap().finding,
        TopColumn::AgreeNotSeparated
    );
    assert!(md.contains("The order of the first two is not shown."));
    assert!(!md.contains("it costs detectably more than the runner-up"));
    assert!(md.contains("not detectably more than the runner-up"));

    // Part A: the measure is named per row and in the sentence on a changed relation.
    let md = render_changed(&mut results, &mut files, |_| {});
    assert!(md.contains("| Pearson r |"));
    assert!(
        md.contains("its Pearson correlation with the class index is"),
        "{md}"
    );
    assert!(md.contains("the same columns are flagged for any threshold above"));
    // A flagged change comes with its interval, and the reading follows it.
    assert!(
        md.contains("the whole interval lies past the 0.20 that counts as a change"),
        "{md}"
    );
    assert!(md.contains("Fisher's z, and Zou's method for the change"));
    assert!(!md.contains("gives no interval"));
    let md = render_changed(&mut results, &mut files, |r| {
        for s in r.part_a.shift.values_mut() {
            if s.label_relation_shift {
                s.label_corr_change_reading = Some(experiments::verdicts::ChangeReading::Straddles);
            }
        }
    });
    assert!(md.contains("so the change is not firm"), "{md}");
    let md = render_changed(&mut results, &mut files, |r| {
        for s in r.part_a.shift.values_mut() {
            s.measure = experiments::part_a::RelationMeasure::CorrelationRatioOnClass;
            s.label_corr_train_interval = None;
            s.label_corr_test_interval = None;
            s.label_corr_change_interval = None;
            s.label_corr_change_reading = None;
        }
    });
    assert!(md.contains("| η of values on class |"));
    assert!(md.contains("its correlation ratio η of the values on the class is"));
    // η has no closed-form interval here, and the text says so.
    assert!(md.contains("this measure has no closed-form interval here"));
}

#[test]
fn the_column_sentence_names_only_the_kinds_the_table_has() {
    use experiments::part_a::Kind;
    let out = outputs();
    let (mut results, mut files) = results(out);
    let md = render_changed(&mut results, &mut files, |_| {});
    assert!(md.contains("(categorical) and "), "{md}");
    assert!(md.contains("(numeric); missing values"), "{md}");
    // Only numeric columns: no empty categorical list is written.
    let md = render_changed(&mut results, &mut files, |r| {
        for f in &mut r.part_a.features {
            f.kind = Kind::Numeric;
        }
    });
    let line = md
        .lines()
        .find(|l| l.contains("Each row has the label"))
        .unwrap();
    assert!(!line.contains("categorical"), "{line}");
    assert!(line.contains("(numeric); missing values"), "{line}");
}
