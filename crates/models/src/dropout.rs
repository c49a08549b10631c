//! Inverted dropout masks, drawn so that both gradient engines and every blocking see the
//! same mask.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::RngCore;

/// `2^−53`: turns the top 53 bits of a `u64` into a uniform `[0, 1)` double.
const EPS53: f64 = 1.0 / (1u64 << 53) as f64;

/// Inverted dropout for one training step, drawn so that the mask is independent of how the
/// rows are blocked and identical in both engines.
///
/// The keep/drop decision of hidden layer `l`, unit `j`, row `r` (of a step with `n` rows)
/// uses the `u64` at word position `base + 2·(offset_l + j·n + r)` of the ChaCha stream,
/// where `offset_l = n·Σ_{l′<l} width_l′`: the column-major order of the full mask matrices.
/// ChaCha is seekable, so a block seeks to its first row and draws sequentially.
#[derive(Debug)]
pub(crate) struct DropoutDraw<'a> {
    /// Drop probability `p`.
    pub p: f64,
    /// The stream (`data::rng::Stream::Dropout`).
    pub rng: &'a mut ChaCha8Rng,
    /// Word position of this step's first mask value.
    pub base: u128,
    /// Rows in this step's batch.
    pub n_rows: usize,
}

impl DropoutDraw<'_> {
    /// Kept units are scaled by `1/(1−p)` so that the expected activation is unchanged.
    pub fn scale(&self) -> f64 {
        1.0 / (1.0 - self.p)
    }

    /// Seeks to (layer offset `offset`, unit `j`, row `r`).
    pub(crate) fn seek(&mut self, offset: usize, j: usize, r: usize) {
        let idx = (offset + j * self.n_rows + r) as u128;
        self.rng.set_word_pos(self.base + 2 * idx);
    }

    /// The next mask value: 0 or `1/(1−p)`.
    #[inline]
    pub(crate) fn next(&mut self, scale: f64) -> f64 {
        let u = (self.rng.next_u64() >> 11) as f64 * EPS53;
        if u < self.p { 0.0 } else { scale }
    }

    /// Fills a full column-major mask for hidden layer at `offset` (used by the tape engine).
    pub fn fill(&mut self, offset: usize, mask: &mut [f64]) {
        let scale = self.scale();
        self.seek(offset, 0, 0);
        for v in mask {
            *v = self.next(scale);
        }
    }

    /// Words this step consumes for hidden widths `widths`: where the next step starts.
    pub fn words(n_rows: usize, hidden_widths: impl Iterator<Item = usize>) -> u128 {
        2 * hidden_widths.map(|w| (w * n_rows) as u128).sum::<u128>()
    }
}
