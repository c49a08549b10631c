//! The rows one training step works on: all of a data set, or a minibatch of its rows.

use faer::{MatMut, MatRef};

/// The rows one step trains on.
#[derive(Clone, Copy)]
pub(crate) struct Batch<'a> {
    /// The data set.
    pub x: MatRef<'a, f64>,
    /// For a minibatch, the rows of `x` it holds, in batch order; `None` = all of `x`.
    pub rows: Option<&'a [usize]>,
    /// One label per batch row.
    pub y: &'a [usize],
    /// Dropout masks of the batch, if any.
    pub masks: Option<&'a [Vec<f64>]>,
    /// Whether the step counts correctly classified rows and saturated units in its
    /// forward. A full-batch iteration's record takes them from it; a minibatch step's
    /// would be thrown away (an epoch's record takes them from the evaluation after it).
    pub counts: bool,
}

impl Batch<'_> {
    /// Writes batch rows `r0..r0 + dst.nrows()` into `dst`.
    pub fn fill(&self, r0: usize, mut dst: MatMut<'_, f64>) {
        let m = dst.nrows();
        match self.rows {
            None => dst.copy_from(self.x.subrows(r0, m)),
            Some(rows) => gather(self.x, &rows[r0..r0 + m], dst),
        }
    }
}

/// `dst[i, :] = x[rows[i], :]`: a minibatch gathered into a reused buffer.
pub(crate) fn gather(x: MatRef<'_, f64>, rows: &[usize], mut dst: MatMut<'_, f64>) {
    for j in 0..x.ncols() {
        let src = x.col(j);
        for (d, &r) in dst.as_mut().col_mut(j).iter_mut().zip(rows) {
            *d = src[r];
        }
    }
}
