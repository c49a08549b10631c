//! The rows one training step works on: all of a data set, or a minibatch of its rows.

use faer::{Mat, MatMut, MatRef};

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

/// Numbers [`gather`] stages on the stack (32 KiB): whole rows of a row-major source.
const STAGE: usize = 4096;

/// `dst[i, :] = x[rows[i], :]`: a minibatch gathered into a reused buffer.
///
/// A row-major `x` (see [`row_major`]) is read a row at a time: a row of ten features is
/// 80 contiguous bytes, one or two cache lines, where a column-major design costs a cache
/// line per feature for every row gathered. The rows are first copied whole into a small
/// stack buffer (simple copies whose cache misses the CPU overlaps), then transposed from
/// it into `dst`'s columns; scattering each row straight into ten columns was no faster
/// than the column-major gather (measured: about half its time with the stage). Both
/// layouts copy the same numbers.
pub(crate) fn gather(x: MatRef<'_, f64>, rows: &[usize], mut dst: MatMut<'_, f64>) {
    let d = x.ncols();
    if (2..=STAGE).contains(&d) && x.col_stride() == 1 {
        let mut stage = [0.0; STAGE];
        let group = STAGE / d;
        for (g, chunk) in rows.chunks(group).enumerate() {
            for (k, &r) in chunk.iter().enumerate() {
                let row = x.row(r).try_as_row_major().expect("unit column stride");
                stage[k * d..(k + 1) * d].copy_from_slice(row.as_slice());
            }
            for j in 0..d {
                let col = dst.as_mut().col_mut(j).subrows_mut(g * group, chunk.len());
                for (k, out) in col.iter_mut().enumerate() {
                    *out = stage[k * d + j];
                }
            }
        }
        return;
    }
    for j in 0..d {
        let src = x.col(j);
        for (out, &r) in dst.as_mut().col_mut(j).iter_mut().zip(rows) {
            *out = src[r];
        }
    }
}

/// A row-major copy of `x` (`x`'s transpose, column-major), for minibatch gathers: view it
/// as `x` again with `.transpose()`.
pub(crate) fn row_major(x: MatRef<'_, f64>) -> Mat<f64> {
    x.transpose().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gathering from the row-major copy gives the same matrix as from the original.
    #[test]
    fn row_major_gather_equals_column_major_gather() {
        let x = Mat::from_fn(37, 10, |i, j| (i * 10 + j) as f64 * 0.5 - 3.0);
        let rows: Vec<usize> = (0..500).map(|i| (i * 7 + 3) % 37).collect();
        let copy = row_major(x.as_ref());
        let (mut a, mut b) = (Mat::zeros(500, 10), Mat::zeros(500, 10));
        gather(x.as_ref(), &rows, a.as_mut());
        gather(copy.transpose(), &rows, b.as_mut());
        assert_eq!(a, b);
        for (i, &r) in rows.iter().enumerate() {
            for j in 0..10 {
                assert_eq!(b[(i, j)], x[(r, j)]);
            }
        }
    }
}
