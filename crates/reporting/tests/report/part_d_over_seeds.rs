//! Part D's verdicts over seeds in words: the best mitigation, overfitting, class weighting
//! and the collapse, each changing with the measurements.

use std::collections::BTreeMap;

use experiments::files;
use reporting::{Results, render};
use serde_json::Value;

use super::{check, outputs, render_changed, results};

#[test]
fn the_mitigation_verdict_changes_its_words_with_the_measurements() {
    use experiments::interval::{mean_interval, paired_interval};
    let out = outputs();
    let (mut results, mut files) = results(out);
    let set = |results: &mut Results, files: &mut BTreeMap<String, Value>, gain: f64| {
        let d = &mut results.part_d;
        let original = d.mitigation_seeds[0].test_acc.clone();
        for (i, m) in d.mitigation_seeds.iter_mut().enumerate().skip(1) {
            // The first mitigation gains `gain` on every seed (with a little spread), the
            // others nothing.
            let lift = if i == 1 { gain } else { 0.0 };
            m.test_acc = original
                .iter()
                .enumerate()
                .map(|(k, a)| a + lift + 0.001 * ((k + i) % 2) as f64)
                .collect();
            m.test_acc_interval = mean_interval(&m.test_acc);
            m.test_difference = paired_interval(&m.test_acc, &original);
        }
        d.verdicts.best_over_seeds =
            experiments::verdicts::best_mitigation_over_seeds(&d.mitigation_seeds);
        files.insert(
            files::PART_D.to_string(),
            serde_json::to_value(&results.part_d).unwrap(),
        );
    };
    set(&mut results, &mut files, 0.1);
    let rendered = render(&results).unwrap();
    assert!(check(&rendered, &files).is_empty());
    assert!(rendered.markdown.contains("it detectably helps on test"));
    set(&mut results, &mut files, 0.0);
    let rendered = render(&results).unwrap();
    assert!(check(&rendered, &files).is_empty());
    assert!(
        rendered
            .markdown
            .contains("no gain over the original model is detected"),
        "{}",
        rendered.markdown
    );
}

#[test]
fn part_d_verdicts_over_seeds_change_their_words_with_the_measurements() {
    use experiments::interval::paired_interval;
    use experiments::verdicts::{class_weighting, collapse_over_seeds, overfitting_over_seeds};
    let out = outputs();
    let (mut results, mut files) = results(out);
    // Every seed's training accuracy is its validation accuracy plus `gap[seed]`.
    let gaps = |results: &mut Results, gap: &dyn Fn(usize) -> f64| {
        let d = &mut results.part_d;
        let m = &mut d.mitigation_seeds[0];
        m.train_acc = m
            .val_acc
            .iter()
            .enumerate()
            .map(|(k, v)| v + gap(k))
            .collect();
        d.verdicts.overfitting_over_seeds =
            overfitting_over_seeds(&d.mitigation_seeds, 0, d.config.overfitting_gap);
    };
    let md = render_changed(&mut results, &mut files, |r| {
        gaps(r, &|k| 0.001 * (k % 2) as f64)
    });
    assert!(
        md.contains("so overfitting is ruled out at that threshold"),
        "{md}"
    );
    let md = render_changed(&mut results, &mut files, |r| {
        gaps(r, &|k| 0.10 + 0.001 * (k % 2) as f64)
    });
    assert!(md.contains("the model fits its training rows better than unseen rows"));
    assert!(!md.contains("ruled out at that threshold"));
    let md = render_changed(&mut results, &mut files, |r| gaps(r, &|k| 0.06 * k as f64));
    assert!(md.contains("so overfitting is neither ruled out nor shown"));

    // The class-weighted loss: a gain on every seed, then none.
    let weighting = |results: &mut Results, lift: f64| {
        let d = &mut results.part_d;
        let original = d.mitigation_seeds[0].test_acc.clone();
        let i = d
            .mitigation_seeds
            .iter()
            .position(|m| m.name == "class_weights")
            .unwrap();
        let m = &mut d.mitigation_seeds[i];
        m.test_acc = original
            .iter()
            .enumerate()
            .map(|(k, a)| a + lift + 0.001 * (k % 2) as f64)
            .collect();
        m.test_difference = paired_interval(&m.test_acc, &original);
        d.verdicts.class_weighting = class_weighting(&d.mitigation_seeds, i);
    };
    let md = render_changed(&mut results, &mut files, |r| weighting(r, 0.1));
    assert!(md.contains("rebalancing detectably helps, so the imbalance costs accuracy on test"));
    let md = render_changed(&mut results, &mut files, |r| weighting(r, 0.0));
    assert!(md.contains("no gain is detected, so the imbalance is not shown to cost accuracy"));
    assert!(!md.contains("The study blamed"));

    // The collapse over seeds: test far below validation on every seed, then level with it.
    let fall = |results: &mut Results, by: f64| {
        let d = &mut results.part_d;
        let m = &mut d.mitigation_seeds[0];
        m.test_acc = m
            .val_acc
            .iter()
            .enumerate()
            .map(|(k, v)| v - by - 0.001 * (k % 2) as f64)
            .collect();
        d.verdicts.collapse_over_seeds =
            collapse_over_seeds(&d.mitigation_seeds, 0, d.config.collapse_gap);
    };
    let md = render_changed(&mut results, &mut files, |r| fall(r, 0.3));
    assert!(md.contains("so the fall is no accident of the seed"));
    let md = render_changed(&mut results, &mut files, |r| fall(r, 0.0));
    assert!(md.contains("so over seeds there is no collapse"));
}
