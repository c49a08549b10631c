//! The rows one training step works on: all of a data set, or a minibatch of its rows.

use faer::{MatMut, MatRef};
use kernels::Real;

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
    /// Writes batch rows `r0..r0 + dst.nrows()` into `dst`, rounded to `T`: a minibatch's
    /// from `staged` (this batch's `x` as [`Staged::rows`] made it), all of `x` from `x`.
    pub fn fill<T: Real>(&self, r0: usize, dst: MatMut<'_, T>, staged: &[T]) {
        let m = dst.nrows();
        match self.rows {
            None => round_into(dst, self.x.subrows(r0, m)),
            Some(rows) => gather_staged(staged, self.x.ncols(), &rows[r0..r0 + m], dst),
        }
    }
}

/// A data set's rows rounded to `T` and stored row-major, for gathering minibatches: a
/// row's features are adjacent, so fetching a random row touches one or two cache lines
/// instead of one per column (the column-major gather was a tenth of Part C's step).
/// Made on a run's first minibatch and kept while the run's data stay the same.
#[derive(Debug)]
pub(crate) struct Staged<T> {
    /// Address and shape of the matrix `rows` was made from.
    source: (usize, usize, usize),
    rows: Vec<T>,
}

impl<T: Real> Staged<T> {
    /// Nothing staged yet.
    pub fn new() -> Self {
        Staged {
            source: (0, 0, 0),
            rows: Vec::new(),
        }
    }

    /// `x`'s rows, rounded and row-major: made on the first call, or when `x` is another
    /// matrix than the last call's.
    pub fn rows(&mut self, x: MatRef<'_, f64>) -> &[T] {
        let source = (x.as_ptr() as usize, x.nrows(), x.ncols());
        if source != self.source {
            self.source = source;
            let d = x.ncols();
            self.rows.clear();
            self.rows.resize(x.nrows() * d, T::ZERO);
            for j in 0..d {
                for (i, &v) in x.col(j).iter().enumerate() {
                    self.rows[i * d + j] = T::of(v);
                }
            }
        }
        &self.rows
    }
}

/// `dst[i, :] = staged row rows[i]` (`d` values a row), column by column: the first
/// column brings the batch's rows into L1, the others read them there.
fn gather_staged<T: Real>(staged: &[T], d: usize, rows: &[usize], mut dst: MatMut<'_, T>) {
    for j in 0..d {
        let col = dst
            .as_mut()
            .col_mut(j)
            .try_as_col_major_mut()
            .expect("a leaf's columns are contiguous")
            .as_slice_mut();
        for (v, &r) in col.iter_mut().zip(rows) {
            *v = staged[r * d + j];
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

/// `dst = x` rounded to `T` (a copy for `f64`): weights, data or masks entering a pass of
/// another precision.
pub(crate) fn round_into<T: Real>(dst: MatMut<'_, T>, x: MatRef<'_, f64>) {
    faer::zip!(dst, x).for_each(|faer::unzip!(t, s)| *t = T::of(*s));
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::Mat;

    /// The staged gather gives the column gather's values (rounded for `f32`), and a new
    /// source matrix is staged afresh.
    #[test]
    fn staged_rows_gather_what_the_columns_hold() {
        let x = Mat::from_fn(40, 5, |i, j| (i * 7 + j) as f64 / 3.0);
        let rows = [39, 0, 17, 17, 5];
        let mut want = Mat::zeros(rows.len(), 5);
        gather(x.as_ref(), &rows, want.as_mut());
        let mut staged = Staged::<f64>::new();
        let mut got = Mat::zeros(rows.len(), 5);
        gather_staged(staged.rows(x.as_ref()), 5, &rows, got.as_mut());
        assert_eq!(got, want);
        let mut got32 = Mat::<f32>::zeros(rows.len(), 5);
        gather_staged(
            Staged::<f32>::new().rows(x.as_ref()),
            5,
            &rows,
            got32.as_mut(),
        );
        assert_eq!(
            got32,
            Mat::from_fn(rows.len(), 5, |i, j| want[(i, j)] as f32)
        );
        let other = Mat::from_fn(40, 5, |i, j| -((i + j) as f64));
        gather_staged(staged.rows(other.as_ref()), 5, &rows, got.as_mut());
        gather(other.as_ref(), &rows, want.as_mut());
        assert_eq!(got, want);
    }
}
