//! Part C(a), the input gradient's answer and key steps (the full derivation is in the
//! appendix), and Part C(b): which inputs the model uses.

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
    let low = w.bare_points(v.top_drop.low, F, format!("{p}/top_drop/low"));
    let high = w.points(v.top_drop.high, F, format!("{p}/top_drop/high"));
    let diff = points_interval(w, &v.difference, F, &format!("{p}/difference"));
    let verdict = match v.finding {
        TopColumn::Agree => format!(
            "Permutation importance ranks {top} first too: over {n} shuffles (its cost {low} to {high}) it costs \
             detectably more than the runner-up, {other}, by {diff}."
        ),
        TopColumn::AgreeNotSeparated => format!(
            "Permutation importance ranks {top} first too, but over {n} shuffles (its cost {low} to {high}) not \
             detectably more than the runner-up, {other}: by {diff}. The order of the first two is not shown."
        ),
        TopColumn::Disagree => format!(
            "Permutation importance ranks {top} first instead: over {n} shuffles (its cost {low} to {high}) it \
             costs detectably more than {other}, by {diff}. The two methods disagree."
        ),
        TopColumn::DisagreeNotSeparated => format!(
            "Permutation importance ranks {top} first instead, but over {n} shuffles (its cost {low} to {high}) \
             not detectably more than {other}: by {diff}. A disagreement is not shown."
        ),
    };
    format!(
        "{verdict} These intervals are over the shuffles of this one model, not over models retrained from \
         other seeds."
    )
}

/// Part C(b)'s table per encoded feature (its figure is in the main text).
pub(super) fn appendix(w: &mut Writer, r: &Results) {
    let mut t =
        String::from("| rank | encoded feature | mean abs dL/dx |\n| ---: | --- | ---: |\n");
    for (i, a) in r.part_c.attribution.iter().enumerate() {
        let _ = writeln!(t, "| {} | {} | {:.4} |", i + 1, w.name(&a.feature), a.score);
    }
    w.table(
        "Part C(b): gradient attribution per encoded feature {#tab:attribution}",
        &t,
    );
}

/// Part C(a)'s answer with its key steps; every step in full, with the shapes, the
/// pseudocode and the tests that check each result, is in the appendix.
pub(super) fn write_input_gradient(w: &mut Writer) {
    w.raw("## Part C(a): the gradient of the loss with respect to the inputs");
    w.raw(
        r"One backward pass of the mean cross-entropy $L$ over $n$ rows gives every row's input gradient. The
error signal at the logits is $\delta_L = \tfrac{1}{n}(\hat{Y} - Y)$ (softmax and cross-entropy fused); each layer
passes it back through its weights and its activation's derivative, $\delta_l = (\delta_{l+1} W_{l+1}^\top) \odot
g'(Z_l)$; and the input is read like any layer's input:

$$
\frac{\partial L}{\partial X} = \delta_1 W_1^\top ,
\qquad
\frac{\partial \ell_r}{\partial x_r} = n\,\frac{\partial L}{\partial x_r},
\qquad
S_i = \frac{1}{n_{\text{val}}}\sum_{r} \left\lvert \frac{\partial \ell_r}{\partial x_{r,i}} \right\rvert ,
$$

the middle identity because row $r$'s input enters only its own loss $\ell_r$. $S_i$ averages absolute values, so
opposite effects do not cancel; a categorical column sums its one-hot features. By a first-order Taylor
expansion, a large $S_i$ means a small change of input $i$ moves the loss a lot: the model relies on it. The
reading is local, blind where a unit is saturated or off, and says what the model uses, not what causes the
label, which is how it catches a shortcut; permutation importance cross-checks it without gradients. The full
derivation, shapes, pseudocode and tests are in Appendix A.",
    );
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
    // In words: the prose's numbers are all quoted from the records, and `f32` would read
    // as one.
    let precision = match c.config.precision {
        models::Precision::F32 => {
            "Its training steps compute in single precision while the weights and their updates stay in \
             double precision; every accuracy, the attribution and the permutation importance are measured \
             in double precision."
        }
        models::Precision::F64 => "Its training steps compute in double precision.",
    };
    w.para(format!(
        "The same architecture on the autodiff tape, with PyTorch's default initialisation and minibatch SGD \
         ({epochs} epochs, batch {batch}, learning rate {lr}), reaches {ta} on the training split and {va} on \
         validation (@fig:part_c_accuracy). {precision}"
    ));
    w.figure("part_c_accuracy", "Accuracy per epoch");
    if let (Some(top), Some(second)) = (c.columns.first(), c.columns.get(1)) {
        let share = w.pct(top.share, F, "/columns/0/share");
        let drop = w.points(top.permutation_drop, F, "/columns/0/permutation_drop");
        let share2 = w.pct(second.share, F, "/columns/1/share");
        let agree = top_column(w, c);
        let (first, next) = (w.name(&top.column), w.name(&second.column));
        w.para(format!(
            "By the mean absolute input gradient over validation rows, {first} takes {share} of the attribution and \
             {next}, next, {share2}; shuffling {first} costs {drop} of validation accuracy on average \
             (@tab:column-importance, @fig:part_c_columns). {agree}"
        ));
    }
    let mut t = String::from(
        "| original column | gradient score | share | accuracy lost when shuffled, points (mean ± sd) |\n| --- | ---: | ---: | ---: |\n",
    );
    for col in &c.columns {
        let _ = writeln!(
            t,
            "| {} | {:.4} | {} | {} ± {} |",
            w.name(&col.column),
            col.score,
            pct_cell(col.share),
            fmt(100.0 * col.permutation_drop, 1),
            fmt(100.0 * col.permutation_drop_sd, 1)
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
