//! The report says what the results hold: every number in its prose is a quote whose value
//! equals the value at its JSON pointer in the saved records, and no other digit appears
//! in the prose. Strings from the data cannot break the Markdown or reach the HTML as tags.

use std::collections::BTreeMap;

use data::synth::{SynthConfig, generate};
use experiments::{Config, Outputs, Runtime, Silent, Source, files, run_all};
use reporting::numbering::{Target, without_citations};
use reporting::report::{unquoted, verify};
use reporting::{Rendered, Results, render};
use serde_json::Value;

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> (T, Value) {
    let text = serde_json::to_string(value).unwrap();
    (
        serde_json::from_str(&text).unwrap(),
        serde_json::from_str(&text).unwrap(),
    )
}

fn outputs() -> Outputs {
    let (train, test) = generate(&SynthConfig::new(3_000, 600, 11)).unwrap();
    run_all(
        &train,
        &test,
        Source::Synthetic,
        &Config::quick(11),
        &Runtime::default(),
        &mut Silent,
    )
    .unwrap()
}

/// The records read back as the report reads them from files, with their JSON.
fn results(out: &Outputs) -> (Results, BTreeMap<String, Value>) {
    let mut files = BTreeMap::new();
    let (summary, v) = round_trip(&out.summary);
    files.insert(files::SUMMARY.to_string(), v);
    let (part_a, v) = round_trip(&out.part_a);
    files.insert(files::PART_A.to_string(), v);
    let (part_b, v) = round_trip(&out.part_b);
    files.insert(files::PART_B.to_string(), v);
    let (part_c, v) = round_trip(&out.part_c);
    files.insert(files::PART_C.to_string(), v);
    let (part_d, v) = round_trip(&out.part_d);
    files.insert(files::PART_D.to_string(), v);
    let (q2, v) = round_trip(&out.q2);
    files.insert(files::Q2.to_string(), v);
    let results = Results {
        summary,
        part_a,
        part_b,
        part_c,
        part_d,
        q2,
    };
    (results, files)
}

fn check(rendered: &Rendered, files: &BTreeMap<String, Value>) -> Vec<String> {
    verify(&rendered.quotes, &rendered.prose, &rendered.markdown, files)
}

#[test]
fn every_number_in_the_prose_is_the_value_in_the_results() {
    let out = outputs();
    let (results, files) = results(&out);
    let rendered = render(&results).unwrap();
    assert!(
        rendered.quotes.len() > 30,
        "only {} quotes",
        rendered.quotes.len()
    );
    let problems = check(&rendered, &files);
    assert!(problems.is_empty(), "{problems:#?}");
    // Every citation in the prose points at a figure or table that exists.
    let mut citations = 0;
    for paragraph in &rendered.prose {
        let (_, cited) = without_citations(&unquoted(paragraph));
        for target in cited {
            let anchor = match target {
                Target::Section(n) => format!("<h2 id=\"section-{n}\">"),
                Target::Figure(n) => format!("<figure id=\"figure-{n}\">"),
                Target::Table(n) => format!("<p class=\"table-caption\" id=\"table-{n}\">"),
            };
            assert!(
                rendered.html.contains(&anchor),
                "{target:?} is cited but absent"
            );
            citations += 1;
        }
    }
    assert!(citations >= 10, "only {citations} citations");
    assert!(!rendered.markdown.contains("@fig:") && !rendered.markdown.contains("@tab:"));
    // Every figure and every table has a number, in the Markdown and in the page.
    let figures = rendered.html.matches("<figure").count();
    assert_eq!(figures, rendered.figures.len());
    for n in 1..=figures {
        assert!(
            rendered
                .html
                .contains(&format!("<figure id=\"figure-{n}\">"))
        );
        assert!(rendered.markdown.contains(&format!("![Figure {n}. ")));
    }
    let tables = rendered.html.matches("<table>").count();
    assert!(tables >= 10);
    for n in 1..=tables {
        assert!(
            rendered.html.contains(&format!("id=\"table-{n}\"")),
            "table {n}"
        );
        assert!(rendered.markdown.contains(&format!("**Table {n}.**")));
    }
    assert!(rendered.html.contains("<nav class=\"contents\""));
    assert!(rendered.html.matches("<math").count() > 100);
    for name in rendered.figures.keys() {
        assert!(
            rendered.markdown.contains(&format!("figures/{name}.svg")),
            "figure {name} is drawn but not shown"
        );
    }
    assert!(rendered.markdown.contains("SYNTHETIC"));
    assert!(!rendered.html.contains("<script"));
    assert!(rendered.html.matches("<svg").count() >= rendered.figures.len());

    // The checker is not vacuous: a saved value that differs from the text, a quote whose
    // pointer leads nowhere, and a digit outside a quote are each caught.
    let mut lied = files.clone();
    let q = &rendered.quotes[0];
    *lied
        .get_mut(&q.file)
        .unwrap()
        .pointer_mut(&q.pointer)
        .unwrap() = serde_json::json!(q.value + 0.5);
    let problems = check(&rendered, &lied);
    // Every quote of that value is caught (the findings quote what the parts quote).
    let same = rendered
        .quotes
        .iter()
        .filter(|o| o.file == q.file && o.pointer == q.pointer)
        .count();
    assert_eq!(problems.len(), same, "{problems:#?}");
    assert!(problems[0].contains(&q.pointer), "{}", problems[0]);

    let mut moved = rendered.clone();
    moved.quotes[0].pointer = "/no/such/key".into();
    assert!(check(&moved, &files)[0].contains("does not exist"));

    let mut stray = rendered.clone();
    stray.prose.push("costs 38.7% of accuracy".into());
    let problems = check(&stray, &files);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].contains("not quoted"));
}

/// Pipes that end a table cell: those not escaped with a backslash.
fn cells(line: &str) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => n += 1,
            _ => escaped = false,
        }
    }
    n
}

#[test]
fn strings_from_the_data_are_escaped_for_markdown_and_html() {
    let out = outputs();
    let (mut results, mut files) = results(&out);
    let evil = "room_type=<script>alert(1)</script> | *bold* _it_ `tick`\nnext";
    results.part_c.attribution[0].feature = evil.to_string();
    results.part_c.columns[0].column = "<b>col|umn</b>".to_string();
    results.part_a.label = "price_class\n# heading".to_string();
    files.get_mut(files::PART_C).unwrap()["attribution"][0]["feature"] = evil.into();
    let rendered = render(&results).unwrap();
    let problems = check(&rendered, &files);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(!rendered.html.contains("<script"), "a tag from the data");
    assert!(!rendered.html.contains("<b>col"), "a tag from the data");
    assert!(rendered.html.contains("&lt;script&gt;"), "the text is kept");
    assert!(!rendered.markdown.contains("\n# heading"));
    assert!(!rendered.html.contains("<em>bold</em>"));
    // Every row of every table keeps its header's number of cells.
    let lines: Vec<&str> = rendered.markdown.lines().collect();
    for block in lines.split(|l| !l.starts_with('|')) {
        if let Some(header) = block.first() {
            for row in block {
                assert_eq!(cells(row), cells(header), "{row}");
            }
        }
    }
}

#[test]
fn a_data_quality_paragraph_appears_only_with_findings() {
    let out = outputs();
    let (mut results, mut files) = results(&out);
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

/// Sets every sigmoid setting's per-seed validation accuracies (`pick` by setting), the
/// study setting's training losses to `loss` and ReLU's accuracies to `relu`, and recomputes
/// Part B's verdicts from them, as the experiment would.
fn set_sigmoid_runs(
    results: &mut Results,
    files: &mut BTreeMap<String, Value>,
    pick: impl Fn(&experiments::part_b::SeedRuns) -> f64,
    (loss, relu): (f64, f64),
) {
    use experiments::{interval::mean_interval, verdicts};
    let b = &mut results.part_b;
    // The seed-to-seed jitter grows with the level, so paired differences between two
    // levels vary by seed (all-equal differences over a few seeds are not a finding).
    let jitter = |level: f64, n: usize| -> Vec<f64> {
        (0..n)
            .map(|k| level + 0.002 * k as f64 * (1.0 + level))
            .collect()
    };
    for r in &mut b.sigmoid_runs {
        r.val_acc = jitter(pick(r), r.seeds.len());
        r.val_acc_interval = mean_interval(&r.val_acc);
    }
    let study = &mut b.sigmoid_runs[0];
    study.loss = jitter(loss, study.seeds.len());
    study.loss_interval = mean_interval(&study.loss);
    b.relu_runs.val_acc = jitter(relu, b.relu_runs.seeds.len());
    b.relu_runs.val_acc_interval = mean_interval(&b.relu_runs.val_acc);
    b.verdicts.sigmoid_progress = verdicts::sigmoid_progress(
        (0, &b.sigmoid_runs[0]),
        &b.relu_runs,
        b.prior_entropy,
        b.majority_share,
        b.config.stuck_margin,
    );
    b.verdicts.remedy = verdicts::remedy(&b.sigmoid_runs, (0, b.sigmoid_runs.len() - 1));
    files.insert(
        files::PART_B.to_string(),
        serde_json::to_value(&results.part_b).unwrap(),
    );
}

#[test]
fn part_b_verdicts_change_their_words_with_the_measurements() {
    use experiments::part_b::InitScheme;
    let out = outputs();
    let (mut results, mut files) = results(&out);
    let (majority, study_lr, entropy) = (
        results.part_b.majority_share,
        results.part_b.config.learning_rate,
        results.part_b.prior_entropy,
    );
    let render_md = |results: &Results, files: &BTreeMap<String, Value>| {
        let rendered = render(results).unwrap();
        let problems = check(&rendered, files);
        assert!(problems.is_empty(), "{problems:#?}");
        rendered.markdown
    };
    // At the study's rate sigmoid stays at the majority share but its loss is below the
    // class-prior entropy while ReLU learns: slow, not stuck. A larger step and the scaled
    // initialisation both lift it well past the majority.
    set_sigmoid_runs(
        &mut results,
        &mut files,
        |r| {
            if r.init == InitScheme::SigmoidScaled || r.learning_rate > study_lr {
                majority + 0.2
            } else {
                majority
            }
        },
        (entropy - 0.08, majority + 0.25),
    );
    let md = render_md(&results, &files);
    assert!(md.contains("sigmoid is slow, not stuck"), "{md}");
    assert!(
        md.contains("below that of predicting the class shares alone"),
        "{md}"
    );
    assert!(md.contains("Each change helps on its own"), "{md}");
    assert!(md.contains("Whether the two add up was not tested"));
    // The untested claims of the old wording are gone.
    assert!(!md.contains("separately") && !md.contains("neither alone"));
    assert!(!md.contains("sigmoid is stuck"));

    // The loss stays at the entropy while ReLU learns: stuck; neither change helps.
    set_sigmoid_runs(
        &mut results,
        &mut files,
        |_| majority,
        (entropy + 0.01, majority + 0.25),
    );
    let md = render_md(&results, &files);
    assert!(
        md.contains("At the study's setting sigmoid is stuck"),
        "{md}"
    );
    assert!(md.contains("Neither change is detected to help"), "{md}");
    assert!(
        md.contains("sigmoid is stuck while ReLU learns"),
        "findings: {md}"
    );

    // Random labels: ReLU does not learn either, so sigmoid is not called stuck.
    set_sigmoid_runs(
        &mut results,
        &mut files,
        |_| majority,
        (entropy + 0.01, majority),
    );
    let md = render_md(&results, &files);
    assert!(md.contains("neither activation learns"), "{md}");
    assert!(!md.contains("sigmoid is stuck"), "{md}");

    // Only the larger step helps.
    set_sigmoid_runs(
        &mut results,
        &mut files,
        |r| {
            if r.learning_rate > study_lr {
                majority + 0.2
            } else {
                majority
            }
        },
        (entropy - 0.08, majority + 0.25),
    );
    let md = render_md(&results, &files);
    assert!(
        md.contains("Only the larger step is detected to help"),
        "{md}"
    );
}

#[test]
fn part_b_states_its_seeds_models_and_initialisations_from_the_record() {
    use experiments::interval::{mean_interval, paired_interval};
    let out = outputs();
    let (mut results, mut files) = results(&out);
    let b = &mut results.part_b;
    // The seeds quoted are the runs' own: seven here.
    let seeds: Vec<u64> = (0..7).collect();
    b.relu_runs.seeds = seeds.clone();
    b.relu_runs.val_acc = (0..7).map(|k| 0.80 + 0.001 * k as f64).collect();
    b.relu_runs.val_acc_interval = mean_interval(&b.relu_runs.val_acc);
    b.softmax.seeds = seeds;
    b.softmax.val_acc = (0..7).map(|k| 0.70 + 0.002 * (k % 3) as f64).collect();
    b.softmax.val_acc_interval = mean_interval(&b.softmax.val_acc);
    b.verdicts.hidden_layers_gain = paired_interval(&b.relu_runs.val_acc, &b.softmax.val_acc);
    files.insert(
        files::PART_B.to_string(),
        serde_json::to_value(&results.part_b).unwrap(),
    );
    let rendered = render(&results).unwrap();
    assert!(check(&rendered, &files).is_empty());
    let md = &rendered.markdown;
    assert!(md.contains("from 7 seeds"), "{md}");
    assert!(md.contains("| softmax regression | none | 70."), "{md}");
    assert!(md.contains("the hidden layers add 10."), "{md}");
    assert!(md.contains("What the hidden layers add."), "findings: {md}");
    // The initialisations differ by activation, and the text says so.
    assert!(md.contains("LeCun's scale for sigmoid; He's"), "{md}");
    assert!(md.contains("not at a matched scale"));
    // Without a detected gain the text says so.
    let b = &mut results.part_b;
    b.softmax.val_acc = b.relu_runs.val_acc.iter().rev().copied().collect();
    b.softmax.val_acc_interval = mean_interval(&b.softmax.val_acc);
    b.verdicts.hidden_layers_gain = paired_interval(&b.relu_runs.val_acc, &b.softmax.val_acc);
    files.insert(
        files::PART_B.to_string(),
        serde_json::to_value(&results.part_b).unwrap(),
    );
    let rendered = render(&results).unwrap();
    assert!(check(&rendered, &files).is_empty());
    assert!(
        rendered
            .markdown
            .contains("what the hidden layers add is not detected"),
        "{}",
        rendered.markdown
    );
}

/// Sets B(b)'s per-seed measurements at the study's setting and recomputes its verdicts as
/// the experiment would: sigmoid's first-to-last weight-gradient ratio is `relative` times
/// ReLU's (with a little spread), its saturation about `saturation`, and its first hidden
/// layer's backward gain a fifth of ReLU's when `slow_first_layer` (otherwise every gain
/// equals ReLU's).
fn set_gradient_seeds(
    results: &mut Results,
    files: &mut BTreeMap<String, Value>,
    relative: f64,
    saturation: f64,
    slow_first_layer: bool,
) {
    use experiments::part_b::InitScheme;
    use experiments::verdicts::{self, Moment};
    use models::Activation;
    let b = &mut results.part_b;
    let find = |b: &experiments::PartB, a: Activation| {
        b.gradient_seeds
            .iter()
            .position(|g| g.activation == a && g.init == InitScheme::Study)
            .unwrap()
    };
    let (r, s) = (find(b, Activation::Relu), find(b, Activation::Sigmoid));
    let n = b.gradient_seeds[r].seeds.len();
    let layers = b.gradient_seeds[r].delta_start[0].len();
    let relu_delta: Vec<Vec<f64>> = (0..n)
        .map(|k| {
            (0..layers)
                .map(|l| 0.5 + 0.01 * ((k + l) % 3) as f64)
                .collect()
        })
        .collect();
    let mut sigmoid_delta = relu_delta.clone();
    if slow_first_layer {
        for (k, d) in sigmoid_delta.iter_mut().enumerate() {
            d[0] *= 0.2 * (1.0 + 0.01 * k as f64);
        }
    }
    let g = &mut b.gradient_seeds[r];
    g.weight_first_to_last = (0..n).map(|k| 1.0 + 0.05 * k as f64).collect();
    g.delta_start = relu_delta.clone();
    g.delta_end = relu_delta;
    let g = &mut b.gradient_seeds[s];
    g.weight_first_to_last = (0..n)
        .map(|k| relative * (1.0 + 0.05 * k as f64) * (1.0 + 0.01 * k as f64))
        .collect();
    g.saturation_last = (0..n)
        .map(|k| {
            let mut v = vec![0.0; layers - 1];
            v[0] = saturation * (1.0 + 0.1 * (k % 2) as f64);
            v
        })
        .collect();
    g.delta_start = sigmoid_delta.clone();
    g.delta_end = sigmoid_delta;
    let c = &b.config;
    b.verdicts.attenuation = verdicts::attenuation(&b.gradient_seeds, c.vanishing_factor);
    b.verdicts.saturation = verdicts::saturation(&b.gradient_seeds, c.saturation_share);
    b.verdicts.attenuation_site = [Moment::Initialisation, Moment::AfterTraining]
        .into_iter()
        .filter_map(|m| verdicts::attenuation_site(&b.gradient_seeds, m))
        .collect();
    files.insert(
        files::PART_B.to_string(),
        serde_json::to_value(&results.part_b).unwrap(),
    );
}

#[test]
fn part_b_gradient_verdicts_change_their_words_with_the_measurements() {
    let out = outputs();
    let (mut results, mut files) = results(&out);
    // A fifth of ReLU's signal at the first layer, few saturated units, the loss at layer 1.
    set_gradient_seeds(&mut results, &mut files, 0.2, 0.01, true);
    let rendered = render(&results).unwrap();
    let problems = check(&rendered, &files);
    assert!(problems.is_empty(), "{problems:#?}");
    let md = &rendered.markdown;
    assert!(
        md.contains("The gradient vanishes on its way back through sigmoid's layers"),
        "{md}"
    );
    // The verdict reads the signal at the start; the weight gradients over training are
    // stated beside it.
    assert!(
        md.contains("sigmoid's first layer is about a fifth of ReLU's"),
        "{md}"
    );
    assert!(md.contains("Averaged over the"), "{md}");
    assert!(md.contains("Saturation is not the cause"), "{md}");
    assert!(
        md.contains("sigmoid passes back less than ReLU at hidden layer 1."),
        "{md}"
    );
    assert!(!md.contains("no hidden layer's gain is detectably smaller"));

    // The same ratio as ReLU's, many saturated units, every gain as ReLU's.
    set_gradient_seeds(&mut results, &mut files, 1.0, 0.3, false);
    let rendered = render(&results).unwrap();
    let problems = check(&rendered, &files);
    assert!(problems.is_empty(), "{problems:#?}");
    let md = &rendered.markdown;
    assert!(
        md.contains("No difference is detected between the share"),
        "{md}"
    );
    assert!(md.contains("about as much as ReLU's"), "{md}");
    assert!(md.contains("Saturation adds to the attenuation"), "{md}");
    assert!(
        md.contains("no hidden layer's gain is detectably smaller under sigmoid"),
        "{md}"
    );
    assert!(!md.contains("passes back less than ReLU at"));
    assert!(!md.contains("vanishes"));
}

#[test]
fn relu_units_that_pass_nothing_back_are_inactive_and_sigmoid_units_saturated() {
    let out = outputs();
    let (mut results, mut files) = results(&out);
    for e in &mut results.part_b.gradients {
        e.saturation_initial = vec![0.5, 0.25];
    }
    files.insert(
        files::PART_B.to_string(),
        serde_json::to_value(&results.part_b).unwrap(),
    );
    let md = render(&results).unwrap().markdown;
    let row = |name: &str| {
        md.lines()
            .find(|l| l.starts_with(&format!("| {name} |")) && l.contains('%'))
            .unwrap_or_else(|| panic!("no {name} row in {md}"))
            .to_string()
    };
    assert!(
        row("ReLU").contains("50.0%, 25.0% inactive"),
        "{}",
        row("ReLU")
    );
    assert!(!row("ReLU").contains("saturated"));
    assert!(row("sigmoid").contains("50.0%, 25.0% saturated"));
}

#[test]
fn the_mitigation_verdict_changes_its_words_with_the_measurements() {
    use experiments::interval::{mean_interval, paired_interval};
    let out = outputs();
    let (mut results, mut files) = results(&out);
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

/// Renders after `change`, with the changed record saved where the checker reads it, and
/// checks every quote; returns the Markdown.
fn render_changed(
    results: &mut Results,
    files: &mut BTreeMap<String, Value>,
    change: impl FnOnce(&mut Results),
) -> String {
    change(results);
    files.insert(
        files::PART_A.to_string(),
        serde_json::to_value(&results.part_a).unwrap(),
    );
    files.insert(
        files::PART_C.to_string(),
        serde_json::to_value(&results.part_c).unwrap(),
    );
    files.insert(
        files::PART_D.to_string(),
        serde_json::to_value(&results.part_d).unwrap(),
    );
    let rendered = render(results).unwrap();
    let problems = check(&rendered, files);
    assert!(problems.is_empty(), "{problems:#?}");
    rendered.markdown
}

#[test]
fn part_d_verdicts_over_seeds_change_their_words_with_the_measurements() {
    use experiments::interval::paired_interval;
    use experiments::verdicts::{class_weighting, collapse_over_seeds, overfitting_over_seeds};
    let out = outputs();
    let (mut results, mut files) = results(&out);
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

#[test]
fn part_a_and_c_verdicts_change_their_words_with_the_measurements() {
    use experiments::verdicts::{TopColumn, top_column};
    let out = outputs();
    let (mut results, mut files) = results(&out);
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
fn the_findings_open_the_report_and_follow_the_records() {
    use experiments::verdicts::Collapse;
    let out = outputs();
    let (mut results, mut files) = results(&out);
    let md = render_changed(&mut results, &mut files, |_| {});
    // The findings come first: after the title, before the contents and Part A.
    let findings = md.find("## Findings").unwrap();
    let contents = md.find(reporting::page::CONTENTS_MARKER).unwrap();
    let part_a = md.find("## 1. Part A").unwrap();
    assert!(findings < contents && contents < part_a, "{md}");
    let block = &md[findings..contents];
    assert!(block.contains("Sigmoid against ReLU"), "{block}");
    assert!(block.contains("One bias for both layers"), "{block}");
    assert!(block.contains("[§"), "links to sections: {block}");

    // A collapse with a root cause: the block names both, with their numbers.
    let md = render_changed(&mut results, &mut files, |r| {
        let d = &mut r.part_d;
        d.verdicts.collapse.finding = Collapse::Collapse;
        d.verdicts.root_cause.finding = experiments::verdicts::Diagnosis::Shortcut;
        d.verdicts.root_cause.columns = vec![d.root_cause.evidence[0].shift.column.clone()];
    });
    let block = &md[md.find("## Findings").unwrap()..md.find("<!-- contents -->").unwrap()];
    assert!(
        block.contains("**The model collapses on test.**"),
        "{block}"
    );
    assert!(block.contains("of always predicting the most frequent class"));
    assert!(block.contains("**Root cause: "), "{block}");
    assert!(!block.contains("No collapse"));

    // Without a collapse there is nothing to fix, whatever a mitigation scores.
    let md = render_changed(&mut results, &mut files, |r| {
        let v = &mut r.part_d.verdicts;
        v.collapse.finding = Collapse::NoCollapse;
        v.root_cause.finding = experiments::verdicts::Diagnosis::NoCollapse;
        v.root_cause.columns.clear();
    });
    let block = &md[md.find("## Findings").unwrap()..md.find("<!-- contents -->").unwrap()];
    assert!(!block.contains("**The fix.**"), "{block}");
}

#[test]
fn the_findings_answer_question_2_in_one_sentence() {
    use experiments::verdicts::Comparison;
    let out = outputs();
    let (mut results, mut files) = results(&out);
    let mut render_q2 = |change: &dyn Fn(&mut experiments::Q2)| {
        change(&mut results.q2);
        files.insert(
            files::Q2.to_string(),
            serde_json::to_value(&results.q2).unwrap(),
        );
        let rendered = render(&results).unwrap();
        assert!(check(&rendered, &files).is_empty());
        rendered
            .markdown
            .lines()
            .find(|l| l.starts_with("- **One bias for both layers.**"))
            .unwrap()
            .to_string()
    };
    let line = render_q2(&|q| {
        if let Some(s) = q.verdicts.speed.as_mut() {
            s.finding = Comparison::Worse;
        }
    });
    assert!(line.contains("Sharing it slows convergence"), "{line}");
    let line = render_q2(&|q| {
        if let Some(s) = q.verdicts.speed.as_mut() {
            s.finding = Comparison::NotDetected;
        }
        if let Some(st) = q.verdicts.stability.as_mut() {
            st.finding = Comparison::NotDetected;
            st.seed_ratio = Some(experiments::interval::Interval {
                mean: 0.82,
                low: 0.64,
                high: 1.04,
                n: 10,
            });
            st.rules_out_halving = true;
        }
    });
    assert!(
        line.contains("makes no detected difference to speed"),
        "{line}"
    );
    assert!(line.contains("0.64 to 1.04 times"), "{line}");
    assert!(line.contains("which rules out a halving"), "{line}");
}

#[test]
fn the_column_sentence_names_only_the_kinds_the_table_has() {
    use experiments::part_a::Kind;
    let out = outputs();
    let (mut results, mut files) = results(&out);
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
