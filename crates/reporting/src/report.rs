//! The report's text: the assignment's sections in order, each with its figures, tables
//! and a short text whose every number is quoted from the results (see [`Quote`]).

use std::fmt::Write as _;

use experiments::part_a::Kind;
use serde::{Deserialize, Serialize};

use crate::figures::{class_names, q2_figure_name};
use crate::{Results, activation_label};

/// A number stated in the report's prose, with where it comes from, so a test can check
/// that the text says what the results hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    /// Results file the number is read from (`part_d.json`).
    pub file: String,
    /// JSON pointer into that file (`/model/test_acc`).
    pub pointer: String,
    /// The value used.
    pub value: f64,
    /// How it reads in the text (`35.2%`).
    pub text: String,
}

const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// Builds Markdown; prose numbers go through [`Writer::quote`] and are marked so that a
/// test can find any number that did not.
#[derive(Debug, Default)]
pub struct Writer {
    md: String,
    quotes: Vec<Quote>,
    prose: Vec<String>,
}

impl Writer {
    fn quote(
        &mut self,
        text: String,
        value: f64,
        file: &str,
        pointer: impl Into<String>,
    ) -> String {
        self.quotes.push(Quote {
            file: file.to_string(),
            pointer: pointer.into(),
            value,
            text: text.clone(),
        });
        format!("{OPEN}{text}{CLOSE}")
    }

    /// A fraction as a percentage with one decimal.
    fn pct(&mut self, value: f64, file: &str, pointer: impl Into<String>) -> String {
        self.quote(format!("{:.1}%", 100.0 * value), value, file, pointer)
    }

    /// A number with `decimals` decimals.
    fn num(
        &mut self,
        value: f64,
        decimals: usize,
        file: &str,
        pointer: impl Into<String>,
    ) -> String {
        self.quote(format!("{value:.decimals$}"), value, file, pointer)
    }

    /// A number in scientific notation.
    fn sci(&mut self, value: f64, file: &str, pointer: impl Into<String>) -> String {
        self.quote(format!("{value:.2e}"), value, file, pointer)
    }

    /// Text taken verbatim from a record (it may hold numbers; they come from the results).
    fn record_text(&mut self, text: &str) -> String {
        format!("{OPEN}{text}{CLOSE}")
    }

    /// A count with thousands separators.
    fn count(&mut self, value: usize, file: &str, pointer: impl Into<String>) -> String {
        self.quote(thousands(value), value as f64, file, pointer)
    }

    /// A paragraph of generated prose.
    fn para(&mut self, text: String) {
        self.prose.push(text.clone());
        self.md.push_str(&text);
        self.md.push_str("\n\n");
    }

    /// Headings, tables, figure links, included documents: not prose.
    fn raw(&mut self, text: &str) {
        self.md.push_str(text);
        self.md.push_str("\n\n");
    }

    /// A Markdown table under its caption (`Table: …`, numbered when the report is
    /// rendered; a trailing `{#tab:name}` lets the prose cite it as `@tab:name`).
    fn table(&mut self, caption: &str, table: &str) {
        self.raw(&format!("Table: {caption}"));
        self.raw(table);
    }

    fn figure(&mut self, name: &str, alt: &str) {
        self.raw(&format!("![{alt}](figures/{name}.svg)"));
    }

    /// The Markdown with quote marks removed, the quotes, and the marked prose paragraphs.
    pub fn finish(self) -> (String, Vec<Quote>, Vec<String>) {
        let md = self.md.replace([OPEN, CLOSE], "");
        (md, self.quotes, self.prose)
    }
}

/// Removes quoted numbers from a marked prose paragraph: what remains must hold no digit.
pub fn unquoted(paragraph: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for ch in paragraph.chars() {
        match ch {
            OPEN => inside = true,
            CLOSE => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// `41348` as `41,348`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn fmt(value: f64, decimals: usize) -> String {
    if value.is_finite() {
        format!("{value:.decimals$}")
    } else {
        "—".to_string()
    }
}

fn pct_cell(value: f64) -> String {
    if value.is_finite() {
        format!("{:.1}%", 100.0 * value)
    } else {
        "—".to_string()
    }
}

/// JSON-pointer escaping of one key.
fn key(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

/// Writes the whole report.
pub fn write(r: &Results, derivations: &str) -> Writer {
    let mut w = Writer::default();
    let source = if r.summary.data.source == experiments::Source::Synthetic {
        "**These results were computed on SYNTHETIC data** (no data files were given); run \
         `cargo xtask all --data DIR` for the real files."
    } else {
        "Computed from the CSV files given on the command line."
    };
    w.raw("# Price classes of NYC listings: a verified study");
    w.raw(&format!(
        "{source} Every number in this report is read from the results files beside it \
         (`summary.json`, `eda.json`, `part_b.json`, `part_c.json`, `part_d.json`, `q2.json`); \
         `cargo xtask report` redraws it from them."
    ));
    part_a(&mut w, r);
    part_b(&mut w, r);
    let (c_a, q2_derivation) = split_derivations(derivations);
    w.raw("## Part C(a): the gradient of the loss with respect to the inputs");
    w.raw(&c_a);
    part_c(&mut w, r);
    part_d(&mut w, r);
    q2(&mut w, r, &q2_derivation);
    w
}

/// The derivations document split into its Part C(a) part (notation included) and its
/// Question 2 part; headings are demoted one level to sit under the report's sections.
fn split_derivations(doc: &str) -> (String, String) {
    let body: Vec<&str> = doc.lines().skip_while(|l| !l.starts_with("## ")).collect();
    let q2_start = body
        .iter()
        .position(|l| l.starts_with("## ") && l.contains("Question 2"))
        .unwrap_or(body.len());
    let tail_start = body
        .iter()
        .enumerate()
        .skip(q2_start + 1)
        .find(|(_, l)| l.starts_with("## "))
        .map_or(body.len(), |(i, _)| i);
    let demote = |lines: &[&str]| {
        lines
            .iter()
            .map(|l| {
                if l.starts_with('#') {
                    format!("#{l}")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut c = demote(&body[..q2_start]);
    c.push_str("\n\nThe full derivations, with the tests that verify each result, are in `docs/derivations.md`.");
    // The report's own section heading replaces the document's Question 2 heading.
    (c, demote(&body[(q2_start + 1).min(tail_start)..tail_start]))
}

fn part_a(w: &mut Writer, r: &Results) {
    let a = &r.part_a;
    const F: &str = "eda.json";
    w.raw("## Part A: the data");
    let train = w.count(a.rows.train, F, "/rows/train");
    let test = w.count(a.rows.test, F, "/rows/test");
    w.para(format!(
        "The training file has {train} rows and the test file {test}. Each row has the feature columns below and \
         the label `{}`.",
        a.label
    ));
    let mut t = String::from(
        "| column | kind | missing in train | missing in test |\n| --- | --- | ---: | ---: |\n",
    );
    for f in &a.features {
        let _ = writeln!(
            t,
            "| `{}` | {} | {} | {} |",
            f.name,
            if f.kind == Kind::Categorical {
                "categorical"
            } else {
                "numeric"
            },
            a.missing.get(&f.name).copied().unwrap_or(0),
            a.missing_test.get(&f.name).copied().unwrap_or(0)
        );
    }
    w.table(
        "Feature columns, their kind and missing values in train and test {#tab:columns}",
        &t,
    );
    let classes = class_names(a.n_classes);
    let mut t = String::from(
        "| class | train rows | train share | test rows | test share |\n| --- | ---: | ---: | ---: | ---: |\n",
    );
    for (k, name) in classes.iter().enumerate() {
        let _ = writeln!(
            t,
            "| {name} | {} | {} | {} | {} |",
            a.class_counts[k],
            pct_cell(a.class_shares[k]),
            a.class_counts_test.get(k).copied().unwrap_or(0),
            pct_cell(a.class_shares_test.get(k).copied().unwrap_or(f64::NAN))
        );
    }
    w.table(
        "Rows and share of each price class in train and test {#tab:classes}",
        &t,
    );
    if let Some(ratio) = a.imbalance_ratio {
        let ratio = w.num(ratio, 2, F, "/imbalance_ratio");
        let (big, _) = a
            .class_counts
            .iter()
            .enumerate()
            .max_by_key(|(_, c)| **c)
            .unwrap_or((0, &0));
        let big_share = w.pct(a.class_shares[big], F, format!("/class_shares/{big}"));
        let big_class = w.num(big as f64, 0, F, "/dominance/baseline_class");
        w.para(format!(
            "The classes are imbalanced: the largest class outnumbers the smallest by {ratio} to one, and \
             predicting the largest class (class {big_class}) for every row is right {big_share} of the time in \
             train — the accuracy any model must beat (@tab:classes, @fig:class_distribution)."
        ));
    }
    w.figure("class_distribution", "Class shares in train and test");
    w.figure(
        "numeric_by_class",
        "Five-number summaries of each numeric column per class",
    );
    for column in a.category_by_class.keys() {
        w.figure(
            &format!("category_{column}"),
            &format!("Class shares per level of {column}"),
        );
    }
    w.figure("correlation_train", "Pearson correlation matrix, train");
    w.figure("correlation_test", "Pearson correlation matrix, test");

    w.raw("### Does one column predict the label suspiciously well?");
    let d = &a.dominance;
    let threshold = w.num(d.threshold, 2, F, "/dominance/threshold");
    let baseline = w.pct(d.baseline_accuracy, F, "/dominance/baseline_accuracy");
    let measure = w.record_text(&d.measure);
    w.para(format!(
        "Measure: {measure}. A column is flagged when this reaches {threshold}. The majority baseline scores \
         {baseline} on validation (@tab:dominance)."
    ));
    let mut t = String::from(
        "| column | validation accuracy | error reduction | uncertainty coefficient | same rule on test | flagged |\n| --- | ---: | ---: | ---: | ---: | :---: |\n",
    );
    for rule in &d.rules {
        let _ = writeln!(
            t,
            "| `{}` | {} | {} | {} | {} | {} |",
            rule.column,
            pct_cell(rule.validation_accuracy),
            fmt(rule.error_reduction, 3),
            rule.uncertainty_coefficient
                .map_or("—".into(), |u| fmt(u, 3)),
            rule.test_accuracy.map_or("—".into(), pct_cell),
            if rule.dominant { "**yes**" } else { "no" }
        );
    }
    w.table(
        "One-column rules: validation accuracy, error reduction against the majority baseline, uncertainty coefficient {#tab:dominance}",
        &t,
    );
    for (i, rule) in d.rules.iter().enumerate().filter(|(_, r)| r.dominant) {
        let reduction = w.num(
            rule.error_reduction,
            3,
            F,
            format!("/dominance/rules/{i}/error_reduction"),
        );
        let val = w.pct(
            rule.validation_accuracy,
            F,
            format!("/dominance/rules/{i}/validation_accuracy"),
        );
        let test = match rule.test_accuracy {
            Some(t) => {
                let t = w.pct(t, F, format!("/dominance/rules/{i}/test_accuracy"));
                format!(" The same rule scores {t} on test.")
            }
            None => String::new(),
        };
        w.para(format!(
            "`{}` alone removes {reduction} of the baseline's errors: a one-column rule reaches {val} on validation.{test}",
            rule.column
        ));
    }
    if a.dominant_features.is_empty() {
        w.para("No column is flagged.".to_string());
    }

    w.raw("### Does anything change between train and test?");
    let mut t = String::from(
        "| numeric column | KS statistic | p-value | label correlation, train | label correlation, test |\n| --- | ---: | ---: | ---: | ---: |\n",
    );
    for (column, s) in &a.shift {
        let _ = writeln!(
            t,
            "| `{column}` | {} | {} | {} | {} |",
            s.ks.map_or("—".into(), |v| fmt(v, 3)),
            s.ks_p_value.map_or("—".into(), |v| format!("{v:.1e}")),
            s.label_corr_train.map_or("—".into(), |v| fmt(v, 3)),
            s.label_corr_test.map_or("—".into(), |v| fmt(v, 3)),
        );
    }
    w.table(
        "Numeric columns, train against test: Kolmogorov–Smirnov statistic and correlation with the label {#tab:shift-numeric}",
        &t,
    );
    let mut t = String::from(
        "| categorical column | share change (total variation) | association η, train | association η, test |\n| --- | ---: | ---: | ---: |\n",
    );
    for (column, s) in &a.shift_categorical {
        let _ = writeln!(
            t,
            "| `{column}` | {} | {} | {} |",
            fmt(s.tvd, 3),
            s.label_corr_train.map_or("—".into(), |v| fmt(v, 3)),
            s.label_corr_test.map_or("—".into(), |v| fmt(v, 3)),
        );
    }
    w.table(
        "Categorical columns, train against test: change of level shares and association with the label {#tab:shift-categorical}",
        &t,
    );
    for column in &a.label_relation_shifted {
        if let Some(s) = a.shift.get(column) {
            let p = format!("/shift/{}", key(column));
            let tr = s
                .label_corr_train
                .map(|v| w.num(v, 3, F, format!("{p}/label_corr_train")));
            let te = s
                .label_corr_test
                .map(|v| w.num(v, 3, F, format!("{p}/label_corr_test")));
            if let (Some(tr), Some(te)) = (tr, te) {
                w.para(format!(
                    "`{column}` correlates with the label at {tr} in train but {te} in test: its relation to the \
                     price class does not survive the move to the test set."
                ));
            }
        } else {
            w.para(format!(
                "`{column}` changes its relation to the label between train and test."
            ));
        }
    }
}

fn part_b(w: &mut Writer, r: &Results) {
    let b = &r.part_b;
    const F: &str = "part_b.json";
    w.raw("## Part B(a): sigmoid against ReLU, from scratch");
    let iters = w.num(b.config.iterations as f64, 0, F, "/config/iterations");
    let lr = w.num(b.config.learning_rate, 2, F, "/config/learning_rate");
    let rt = w.pct(b.relu.train_acc, F, "/relu/train_acc");
    let rv = w.pct(b.relu.val_acc, F, "/relu/val_acc");
    let st = w.pct(b.sigmoid.train_acc, F, "/sigmoid/train_acc");
    let sv = w.pct(b.sigmoid.val_acc, F, "/sigmoid/val_acc");
    let maj = w.pct(b.majority_share, F, "/majority_share");
    w.para(format!(
        "The network is written out by hand (forward pass, backward pass and update, no autodiff) and trained by \
         full-batch gradient descent for {iters} iterations at learning rate {lr}. With ReLU it reaches {rt} on the \
         training split and {rv} on validation; with sigmoid, {st} and {sv}, against a majority share of {maj} (@fig:part_b_accuracy)."
    ));
    w.figure(
        "part_b_accuracy",
        "Accuracy per iteration, ReLU and sigmoid, train and validation",
    );
    if let [relu, sigmoid] = b.seeds.as_slice() {
        let n = w.num(b.config.seeds as f64, 0, F, "/config/seeds");
        let rm = w.pct(relu.final_val_acc_mean, F, "/seeds/0/final_val_acc_mean");
        let rs = w.pct(relu.final_val_acc_sd, F, "/seeds/0/final_val_acc_sd");
        let sm = w.pct(sigmoid.final_val_acc_mean, F, "/seeds/1/final_val_acc_mean");
        let ss = w.pct(sigmoid.final_val_acc_sd, F, "/seeds/1/final_val_acc_sd");
        w.para(format!(
            "Over {n} initialisation seeds the final validation accuracy is {rm} ± {rs} with ReLU and {sm} ± {ss} with \
             sigmoid (mean ± standard deviation): the difference is not an accident of one seed (@fig:part_b_seeds)."
        ));
    }
    w.figure(
        "part_b_seeds",
        "Validation accuracy over seeds, mean and one standard deviation",
    );
    w.raw("### Is sigmoid stuck, or only slow?");
    let best = b
        .sigmoid_sweep
        .iter()
        .enumerate()
        .filter(|(_, p)| p.val_acc.is_finite())
        .max_by(|a, b| a.1.val_acc.total_cmp(&b.1.val_acc));
    if let Some((i, p)) = best {
        let acc = w.pct(p.val_acc, F, format!("/sigmoid_sweep/{i}/val_acc"));
        let plr = w.num(
            p.learning_rate,
            2,
            F,
            format!("/sigmoid_sweep/{i}/learning_rate"),
        );
        let pit = w.num(
            p.iterations as f64,
            0,
            F,
            format!("/sigmoid_sweep/{i}/iterations"),
        );
        let verdict = if p.val_acc > b.majority_share + 0.05 {
            "Sigmoid is not stuck, only slow: with a larger step or more iterations it learns."
        } else {
            "Sigmoid stays near the majority share across the sweep: within this budget it is stuck."
        };
        w.para(format!("The best sigmoid run of the sweep reaches {acc} on validation at learning rate {plr} after {pit} iterations (@tab:sweep, @fig:part_b_sweep). {verdict}"));
    }
    let mut t = String::from(
        "| learning rate | iterations | training loss | validation accuracy |\n| ---: | ---: | ---: | ---: |\n",
    );
    for p in &b.sigmoid_sweep {
        match p.diverged_at {
            Some(at) => {
                let _ = writeln!(t, "| {} | diverged at {at} | — | — |", p.learning_rate);
            }
            None => {
                let _ = writeln!(
                    t,
                    "| {} | {} | {} | {} |",
                    p.learning_rate,
                    p.iterations,
                    fmt(p.loss, 4),
                    pct_cell(p.val_acc)
                );
            }
        }
    }
    w.table(
        "Sigmoid over learning rates and iteration budgets {#tab:sweep}",
        &t,
    );
    w.figure(
        "part_b_sweep",
        "Sigmoid validation accuracy by learning rate and iterations",
    );

    w.raw("## Part B(b): gradient magnitudes per layer");
    let mut t = String::from(
        "| activation | mean abs dW1, first iteration | mean abs dW2, first iteration | mean abs dW1 / dW2 over training | mean abs dW1 / dW3 over training | saturated units at start (layer 1, 2) | at end |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for e in &b.gradients {
        let sat = |v: &[f64]| {
            v.iter()
                .map(|s| pct_cell(*s))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} | {} |",
            activation_label(e.activation),
            e.initial.first().map_or("—".into(), |v| format!("{v:.2e}")),
            e.initial.get(1).map_or("—".into(), |v| format!("{v:.2e}")),
            fmt(e.w1_to_w2_ratio, 3),
            fmt(e.first_to_last_ratio, 3),
            sat(&e.saturation_initial),
            sat(&e.saturation_last),
        );
    }
    w.table(
        "Mean absolute weight gradient per layer and share of saturated units {#tab:gradients}",
        &t,
    );
    if let (Some(relu), Some(sig)) = (b.gradients.first(), b.gradients.get(1)) {
        let s1 = sig
            .initial
            .first()
            .map(|v| w.sci(*v, F, "/gradients/1/initial/0"));
        let r1 = relu
            .initial
            .first()
            .map(|v| w.sci(*v, F, "/gradients/0/initial/0"));
        let sr = w.num(
            sig.first_to_last_ratio,
            3,
            F,
            "/gradients/1/first_to_last_ratio",
        );
        let rr = w.num(
            relu.first_to_last_ratio,
            3,
            F,
            "/gradients/0/first_to_last_ratio",
        );
        let sat = sig.saturation_last.iter().copied().fold(0.0, f64::max);
        let sat_i = sig
            .saturation_last
            .iter()
            .position(|&s| s == sat)
            .unwrap_or(0);
        let satq = w.pct(sat, F, format!("/gradients/1/saturation_last/{sat_i}"));
        let vanishing = sig.first_to_last_ratio < 0.5 * relu.first_to_last_ratio;
        let verdict = if vanishing {
            "The first layer's gradient is attenuated far more under sigmoid than under ReLU: the measurements support \
             vanishing gradients as part of the story."
        } else {
            "The first layer's gradient is not attenuated much more under sigmoid than under ReLU relative to the output \
             layer, so vanishing gradients through depth do not explain the stall on their own; with only two hidden \
             layers, sigmoid's small derivative (at most one quarter) slows every layer, which the sweep shows is cured \
             by a larger step."
        };
        let saturation = if sat < 0.05 {
            " Saturation is not the mechanism: almost no sigmoid unit sits on a flat tail. The attenuation comes from \
             the sigmoid's derivative, at most one quarter at every unit, multiplied once per layer, and it is small \
             at every layer alike, so the fix is a larger step (see the sweep), not a different initialisation."
        } else {
            " A noticeable share of sigmoid units is saturated, so saturation adds to the attenuation."
        };
        if let (Some(s1), Some(r1)) = (s1, r1) {
            w.para(format!(
                "At the first iteration the mean absolute gradient of the first-layer weights is {s1} with sigmoid and \
                 {r1} with ReLU. Over training, the first layer's gradient relative to the output layer's averages {sr} \
                 under sigmoid and {rr} under ReLU; at the end, the most saturated sigmoid layer has {satq} of its units \
                 with a derivative below one hundredth (@tab:gradients). {verdict}{saturation}"
            ));
        }
    }
    w.figure(
        "part_b_gradients_relu",
        "Gradient magnitudes per layer, ReLU",
    );
    w.figure(
        "part_b_gradients_sigmoid",
        "Gradient magnitudes per layer and saturation, sigmoid",
    );
}

fn part_c(w: &mut Writer, r: &Results) {
    let c = &r.part_c;
    const F: &str = "part_c.json";
    w.raw("## Part C(b): which inputs the model uses");
    let epochs = w.num(c.config.epochs as f64, 0, F, "/config/epochs");
    let batch = w.num(c.config.batch_size as f64, 0, F, "/config/batch_size");
    let lr = w.num(c.config.learning_rate, 2, F, "/config/learning_rate");
    let ta = w.pct(c.train_acc, F, "/train_acc");
    let va = w.pct(c.val_acc, F, "/val_acc");
    w.para(format!(
        "The same architecture, built on the autodiff tape with PyTorch's default initialisation, trained by minibatch \
         SGD for {epochs} epochs (batch {batch}, learning rate {lr}), reaches {ta} on the training split and {va} on \
         validation (@fig:part_c_accuracy)."
    ));
    w.figure("part_c_accuracy", "Accuracy per epoch");
    if let (Some(top), Some(second)) = (c.columns.first(), c.columns.get(1)) {
        let share = w.pct(top.share, F, "/columns/0/share");
        let drop = w.pct(top.permutation_drop, F, "/columns/0/permutation_drop");
        let share2 = w.pct(second.share, F, "/columns/1/share");
        let agree = if c.methods_agree_on_top {
            "Permutation importance agrees on the top column."
        } else {
            "Permutation importance ranks another column first: the two methods disagree."
        };
        w.para(format!(
            "Ranked by the mean absolute input gradient over validation rows, `{}` takes {share} of the total \
             attribution; the next column, `{}`, takes {share2}. Shuffling `{}` across validation rows costs {drop} \
             of accuracy (@tab:column-importance, @fig:part_c_columns). {agree}",
            top.column, second.column, top.column
        ));
    }
    let mut t =
        String::from("| rank | encoded feature | mean abs dL/dx |\n| ---: | --- | ---: |\n");
    for (i, a) in c.attribution.iter().enumerate() {
        let _ = writeln!(t, "| {} | `{}` | {:.4} |", i + 1, a.feature, a.score);
    }
    w.table(
        "Gradient attribution per encoded feature {#tab:attribution}",
        &t,
    );
    let mut t = String::from(
        "| original column | gradient score | share | accuracy lost when shuffled (mean ± sd) |\n| --- | ---: | ---: | ---: |\n",
    );
    for col in &c.columns {
        let _ = writeln!(
            t,
            "| `{}` | {:.4} | {} | {} ± {} |",
            col.column,
            col.score,
            pct_cell(col.share),
            pct_cell(col.permutation_drop),
            pct_cell(col.permutation_drop_sd)
        );
    }
    w.table(
        "Gradient attribution and permutation importance per original column {#tab:column-importance}",
        &t,
    );
    w.figure(
        "part_c_attribution",
        "Gradient attribution per encoded feature",
    );
    w.figure(
        "part_c_columns",
        "Gradient share and permutation importance per original column",
    );
}

fn part_d(w: &mut Writer, r: &Results) {
    let d = &r.part_d;
    const F: &str = "part_d.json";
    w.raw("## Part D: the held-out test");
    let tr = w.pct(d.model.train_acc, F, "/model/train_acc");
    let va = w.pct(d.model.val_acc, F, "/model/val_acc");
    let te = w.pct(d.model.test_acc, F, "/model/test_acc");
    w.para(format!(
        "Part C's model scores {tr} on the training split, {va} on validation and {te} on the held-out test set (@fig:part_d_sets)."
    ));
    w.figure(
        "part_d_sets",
        "The same model on train, validation and test",
    );
    w.figure("part_d_confusion", "Confusion matrix on test");
    let classes = class_names(d.test_confusion.matrix.len());
    let mut t =
        String::from("| class | test rows | precision | recall |\n| --- | ---: | ---: | ---: |\n");
    for (k, name) in classes.iter().enumerate() {
        let _ = writeln!(
            t,
            "| {name} | {} | {} | {} |",
            d.test_confusion.support[k],
            pct_cell(d.test_confusion.precision[k]),
            pct_cell(d.test_confusion.recall[k])
        );
    }
    w.table(
        "Test rows, precision and recall per class {#tab:test-classes}",
        &t,
    );

    w.raw("### The root cause, from evidence");
    let mut t = String::from(
        "| column | share of attribution | accuracy lost when shuffled | label relation, train | label relation, test | distribution shift | relation breaks |\n| --- | ---: | ---: | ---: | ---: | ---: | :---: |\n",
    );
    for e in &d.root_cause.evidence {
        let _ = writeln!(
            t,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            e.column,
            pct_cell(e.attribution_share),
            pct_cell(e.permutation_drop),
            fmt(e.relation_train, 3),
            fmt(e.relation_test, 3),
            fmt(e.distribution_shift, 3),
            if e.relation_breaks { "**yes**" } else { "no" }
        );
    }
    w.table(
        "The evidence per column for the root cause {#tab:root-cause}",
        &t,
    );
    w.para(
        "Label relation is the absolute Pearson correlation with the class for a numeric column and the correlation \
         ratio η for a categorical one; distribution shift is the Kolmogorov–Smirnov statistic or the total variation \
         distance of the level shares."
            .to_string(),
    );
    match d.root_cause.evidence.iter().position(|e| Some(&e.column) == d.root_cause.feature.as_ref()) {
        Some(i) => {
            let e = &d.root_cause.evidence[i];
            let p = format!("/root_cause/evidence/{i}");
            let share = w.pct(e.attribution_share, F, format!("{p}/attribution_share"));
            let drop = w.pct(e.permutation_drop, F, format!("{p}/permutation_drop"));
            let rt = w.num(e.relation_train, 3, F, format!("{p}/relation_train"));
            let rs = w.num(e.relation_test, 3, F, format!("{p}/relation_test"));
            w.para(format!(
                "**Root cause: `{col}`.** Of the columns, the model's gradients point at it {ar} ({share} of the \
                 attribution) and shuffling it costs {drop} of validation accuracy ({pr} among the columns); and its \
                 relation to the price class holds in train ({rt}) but not in test ({rs}; see @tab:root-cause). The network learned a \
                 shortcut through `{col}` that the test set does not share.",
                col = e.column,
                ar = experiments::part_d::ordinal(e.attribution_rank),
                pr = experiments::part_d::ordinal(e.permutation_rank)
            ));
        }
        None => w.para("No column that the model relies on changes its relation to the label between train and test.".to_string()),
    }
    if d.root_cause_distribution.is_some() {
        w.figure(
            "part_d_root_cause",
            "The root-cause column per class, train beside test",
        );
    }
    let gap = d.model.overfitting_gap;
    let gapq = w.pct(gap, F, "/model/overfitting_gap");
    let over = if gap.abs() < 0.03 {
        "so the model generalises to unseen rows drawn like the training data: this is not overfitting"
    } else {
        "a gap that overfitting could contribute to"
    };
    let tvq = w.num(d.class_share_shift, 3, F, "/class_share_shift");
    let imbalance = if d.class_share_shift < 0.02 {
        "so test is imbalanced exactly like train: imbalance cannot explain why accuracy falls on test and not on \
         validation"
    } else {
        "so part of the change is a shift in the class mix"
    };
    w.para(format!(
        "The study blamed overfitting and class imbalance. Training and validation accuracy differ by {gapq}, {over}. \
         The class shares of test differ from those of training by a total variation of {tvq}, {imbalance}. The \
         class-weighted mitigation below tests the imbalance explanation directly."
    ));

    w.raw("### Mitigations, each measured on test");
    let mut t = String::from(
        "| mitigation | what changed | train | validation | test |\n| --- | --- | ---: | ---: | ---: |\n",
    );
    for m in &d.mitigations {
        let _ = writeln!(
            t,
            "| `{}` | {} | {} | {} | {} |",
            m.name,
            m.description,
            pct_cell(m.train_acc),
            pct_cell(m.val_acc),
            pct_cell(m.test_acc)
        );
    }
    w.table(
        "Mitigations, each measured on train, validation and test {#tab:mitigations}",
        &t,
    );
    if let Some((i, best)) = d
        .mitigations
        .iter()
        .enumerate()
        .filter(|(_, m)| m.name != "majority_baseline")
        .max_by(|a, b| a.1.test_acc.total_cmp(&b.1.test_acc))
    {
        let acc = w.pct(best.test_acc, F, format!("/mitigations/{i}/test_acc"));
        let base = w.pct(d.test_acc, F, "/test_acc");
        let description = w.record_text(&best.description);
        w.para(format!(
            "The best mitigation on test is `{}` ({description}), at {acc} against {base} for the original model (@tab:mitigations, @fig:part_d_mitigations).",
            best.name
        ));
    }
    w.figure(
        "part_d_mitigations",
        "Validation and test accuracy of each mitigation",
    );
}

fn q2(w: &mut Writer, r: &Results, derivation: &str) {
    let q = &r.q2;
    const F: &str = "q2.json";
    w.raw("## Question 2: one bias shared by both layers");
    w.raw(derivation);
    w.raw("### The gradient check at initialisation");
    let mut t = String::from(
        "| component | hand-written | tape | finite differences | twin: dL/db1 + dL/db2 |\n| ---: | ---: | ---: | ---: | ---: |\n",
    );
    let g = &q.grad_check;
    for j in 0..g.hand.len() {
        let _ = writeln!(
            t,
            "| {j} | {:.10} | {:.10} | {:.10} | {:.10} |",
            g.hand[j], g.tape[j], g.finite_difference[j], g.twin_sum[j]
        );
    }
    w.table(
        "The shared bias's gradient at initialisation, computed four ways {#tab:grad-check}",
        &t,
    );
    let err = w.sci(g.max_rel_error, F, "/grad_check/max_rel_error");
    w.para(format!(
        "The largest relative difference between the hand-written gradient and the other three is {err} (@tab:grad-check)."
    ));

    w.raw("### Does sharing change convergence?");
    let target = w.num(q.loss_target, 4, F, "/loss_target");
    let seeds = w.num(q.config.seeds as f64, 0, F, "/config/seeds");
    let iters = w.num(q.config.iterations as f64, 0, F, "/config/iterations");
    w.para(format!(
        "Both networks are trained by full-batch gradient descent for {iters} iterations from {seeds} seeds at each \
         learning rate. The loss target is {target}."
    ));
    let mut t = String::from(
        "| bias | learning rate | stable | diverged seeds | final loss (mean ± sd) | seeds reaching target | iterations to target (mean of those) | iterations with a loss rise (mean) | validation accuracy |\n| --- | ---: | :---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for c in &q.cells {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} ± {} | {} of {} | {} | {} | {} |",
            c.mode,
            c.learning_rate,
            if c.stable { "yes" } else { "**no**" },
            c.diverged_seeds,
            fmt(c.final_loss_mean, 4),
            fmt(c.final_loss_sd, 4),
            c.seeds_reaching_target,
            c.iterations_to_target.len(),
            c.iterations_to_target_mean
                .map_or("not reached".into(), |v| fmt(v, 1)),
            fmt(c.loss_increases_mean, 1),
            pct_cell(c.val_acc_mean)
        );
    }
    w.table(
        "Shared against independent bias at each learning rate, over seeds {#tab:q2-grid}",
        &t,
    );
    let base = w.num(
        q.config.base_learning_rate,
        2,
        F,
        "/config/base_learning_rate",
    );
    let sl = w.num(q.shared.final_loss, 4, F, "/shared/final_loss");
    let il = w.num(q.independent.final_loss, 4, F, "/independent/final_loss");
    let full = |mode: &str, lr: f64| {
        q.cells.iter().position(|c| {
            c.mode == mode && c.learning_rate == lr && c.seeds_reaching_target == q.config.seeds
        })
    };
    let both = q
        .config
        .learning_rates
        .iter()
        .find_map(|&lr| Some((lr, full("shared", lr)?, full("independent", lr)?)));
    let speed = match both {
        Some((_, si, ii)) => {
            let (sc, ic) = (&q.cells[si], &q.cells[ii]);
            let (s, i) = (
                sc.iterations_to_target_mean.unwrap_or(f64::NAN),
                ic.iterations_to_target_mean.unwrap_or(f64::NAN),
            );
            let lr = w.num(sc.learning_rate, 2, F, format!("/cells/{si}/learning_rate"));
            let sq = w.num(s, 1, F, format!("/cells/{si}/iterations_to_target_mean"));
            let iq = w.num(i, 1, F, format!("/cells/{ii}/iterations_to_target_mean"));
            let verdict = if s > 1.1 * i {
                "sharing slows convergence"
            } else if i > 1.1 * s {
                "sharing speeds convergence"
            } else {
                "sharing barely changes the speed"
            };
            format!(
                " At learning rate {lr}, the smallest where every seed of both networks reaches the target, the \
                 shared network needs {sq} iterations on average and the independent one {iq}: {verdict}."
            )
        }
        None => {
            " At no learning rate did every seed of both networks reach the target.".to_string()
        }
    };
    let best = match (
        q.shared.best_learning_rate,
        q.independent.best_learning_rate,
    ) {
        (Some(slr), Some(ilr)) => {
            let sl = w.num(q.shared.best_final_loss, 4, F, "/shared/best_final_loss");
            let slr = w.num(slr, 2, F, "/shared/best_learning_rate");
            let il = w.num(
                q.independent.best_final_loss,
                4,
                F,
                "/independent/best_final_loss",
            );
            let ilr = w.num(ilr, 2, F, "/independent/best_learning_rate");
            let verdict = if q.shared.best_final_loss > q.independent.best_final_loss {
                "tying the two biases together costs a little attainable loss, as the derivation predicts"
            } else {
                "the constraint costs no attainable loss here"
            };
            format!(
                " The lowest final loss over the learning rates is {sl} with the shared bias (at {slr}) and {il} with \
                 independent biases (at {ilr}): {verdict}."
            )
        }
        _ => String::new(),
    };
    let stability = match (
        q.shared.largest_stable_learning_rate,
        q.independent.largest_stable_learning_rate,
    ) {
        (Some(s), Some(i)) => {
            let sq = w.num(s, 2, F, "/shared/largest_stable_learning_rate");
            let iq = w.num(i, 2, F, "/independent/largest_stable_learning_rate");
            let verdict = if s < i {
                "sharing makes training less stable"
            } else if s > i {
                "sharing makes training more stable"
            } else {
                "sharing does not change stability within the grid"
            };
            format!(
                " The largest stable learning rate tried is {sq} with a shared bias and {iq} with independent ones: {verdict}."
            )
        }
        _ => String::new(),
    };
    let stable_cell = |mode: &str, lr: f64| {
        q.cells
            .iter()
            .position(|c| c.mode == mode && c.learning_rate == lr && c.stable)
    };
    // Compare where oscillation sets in: the smallest learning rate at which both are stable
    // and either one's loss ever rises.
    let smooth = match q.config.learning_rates.iter().find_map(|&lr| {
        let (si, ii) = (stable_cell("shared", lr)?, stable_cell("independent", lr)?);
        let rises = q.cells[si].loss_increases_mean + q.cells[ii].loss_increases_mean;
        (rises > 0.0).then_some((si, ii))
    }) {
        Some((si, ii)) => {
            let (s, i) = (
                q.cells[si].loss_increases_mean,
                q.cells[ii].loss_increases_mean,
            );
            let lr = w.num(
                q.cells[si].learning_rate,
                2,
                F,
                format!("/cells/{si}/learning_rate"),
            );
            let sq = w.num(s, 1, F, format!("/cells/{si}/loss_increases_mean"));
            let iq = w.num(i, 1, F, format!("/cells/{ii}/loss_increases_mean"));
            let verdict = if s > 1.5 * i + 1.0 {
                "sharing makes the descent less smooth, as the added curvature of the shared bias predicts"
            } else if i > 1.5 * s + 1.0 {
                "sharing makes the descent smoother"
            } else {
                "both descend about as smoothly"
            };
            format!(
                " Oscillation sets in at learning rate {lr}: there the training loss rose in {sq} \
                 iterations per run on average with the shared bias and {iq} with independent biases: {verdict}."
            )
        }
        None => String::new(),
    };
    w.para(format!(
        "At learning rate {base} the final training loss is {sl} with the shared bias and {il} with independent biases (@tab:q2-grid, @fig:q2_final_loss).{speed}{best}{stability}{smooth}"
    ));
    for &lr in &q.config.learning_rates {
        if q.cells.iter().any(|c| {
            c.learning_rate == lr
                && c.loss_curve.iter().all(|v| v.is_finite())
                && !c.loss_curve.is_empty()
        }) {
            w.figure(
                &q2_figure_name(lr),
                &format!("Training loss, shared against independent bias, learning rate {lr}"),
            );
        }
    }
    w.figure("q2_final_loss", "Final training loss per learning rate");
}
