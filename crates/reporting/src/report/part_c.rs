//! Part C(b): which inputs the model uses.

use std::fmt::Write as _;

use experiments::verdicts::TopColumn;

use super::*;

/// Whether permutation importance agrees with the gradients on the first column, and how
/// firmly, worded from the record's verdict (over the shuffles of the one trained model).
fn top_column(w: &mut Writer, c: &experiments::PartC) -> String {
    const F: &str = files::PART_C;
    let Some(v) = &c.top_column else {
        return if c.methods_agree_on_top {
            "Permutation importance ranks the same column first (on mean drops; too few shuffles for an \
             interval)."
                .to_string()
        } else {
            "Permutation importance ranks another column first (on mean drops; too few shuffles for an \
             interval)."
                .to_string()
        };
    };
    let p = "/top_column";
    let top = w.name(&c.columns[v.permutation_top].column);
    let other = w.name(&c.columns[v.compared_with].column);
    let n = w.count(v.top_drop.n, F, format!("{p}/top_drop/n"));
    let low = w.points(v.top_drop.low, F, format!("{p}/top_drop/low"));
    let high = w.points(v.top_drop.high, F, format!("{p}/top_drop/high"));
    let diff = difference(w, &v.difference, F, &format!("{p}/difference"));
    let verdict = match v.finding {
        TopColumn::Agree => format!(
            "Permutation importance ranks {top} first too, and over {n} shuffles (confidence interval of its \
             cost {low} to {high}) it costs detectably more than the runner-up, {other}: by {diff}."
        ),
        TopColumn::AgreeNotSeparated => format!(
            "Permutation importance ranks {top} first too, but over {n} shuffles (confidence interval of its \
             cost {low} to {high}) its cost is not detectably above the runner-up's, {other}: by {diff}. The \
             order of the first two is not shown."
        ),
        TopColumn::Disagree => format!(
            "Permutation importance ranks {top} first instead, and over {n} shuffles (confidence interval of \
             its cost {low} to {high}) it costs detectably more than {other}: by {diff}. The two methods \
             disagree."
        ),
        TopColumn::DisagreeNotSeparated => format!(
            "Permutation importance ranks {top} first instead, but over {n} shuffles (confidence interval of \
             its cost {low} to {high}) not detectably above {other}: by {diff}. A disagreement is not shown."
        ),
    };
    format!(
        "{verdict} These intervals are over the shuffles of this one trained model: they say how firmly this \
         model relies on the column, not whether a model trained from another seed would."
    )
}

pub(super) fn write(w: &mut Writer, r: &Results) {
    let c = &r.part_c;
    const F: &str = files::PART_C;
    w.raw("## Part C(b): which inputs the model uses");
    let epochs = w.count(c.epochs, F, "/epochs");
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
        let drop = w.points(top.permutation_drop, F, "/columns/0/permutation_drop");
        let share2 = w.pct(second.share, F, "/columns/1/share");
        let agree = top_column(w, c);
        let (first, next) = (w.name(&top.column), w.name(&second.column));
        w.para(format!(
            "Ranked by the mean absolute input gradient over validation rows, {first} takes {share} of the total \
             attribution; the next column, {next}, takes {share2}. Shuffling {first} across validation rows costs \
             {drop} of accuracy on average over its shuffles (@tab:column-importance, @fig:part_c_columns). {agree}"
        ));
    }
    let mut t =
        String::from("| rank | encoded feature | mean abs dL/dx |\n| ---: | --- | ---: |\n");
    for (i, a) in c.attribution.iter().enumerate() {
        let _ = writeln!(t, "| {} | {} | {:.4} |", i + 1, w.name(&a.feature), a.score);
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
            "| {} | {:.4} | {} | {} ± {} |",
            w.name(&col.column),
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
