//! Part C(b): which inputs the model uses.

use std::fmt::Write as _;

use super::*;

pub(super) fn write(w: &mut Writer, r: &Results) {
    let c = &r.part_c;
    const F: &str = files::PART_C;
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
        let drop = w.points(top.permutation_drop, F, "/columns/0/permutation_drop");
        let share2 = w.pct(second.share, F, "/columns/1/share");
        let agree = if c.methods_agree_on_top {
            "Permutation importance agrees on the top column."
        } else {
            "Permutation importance ranks another column first: the two methods disagree."
        };
        let (first, next) = (w.name(&top.column), w.name(&second.column));
        w.para(format!(
            "Ranked by the mean absolute input gradient over validation rows, {first} takes {share} of the total \
             attribution; the next column, {next}, takes {share2}. Shuffling {first} across validation rows costs \
             {drop} of accuracy (@tab:column-importance, @fig:part_c_columns). {agree}"
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
