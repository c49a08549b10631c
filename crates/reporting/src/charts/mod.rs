//! Generic SVG charts: plain data in, SVG text out.
//!
//! Every chart function takes a spec made of plain data (titles, axis labels, names and
//! `f64` values) and returns the SVG document as a `String`, drawn with plotters'
//! `SVGBackend::with_string`. Nothing here knows about experiments, so the lead can wire
//! any record to any chart, and a figure can be redrawn without retraining.
//!
//! Shared conventions:
//! - Every spec holds a [`Frame`]: title, axis labels (given by the caller, units
//!   included) and canvas size, 800×500 by default ([`DEFAULT_SIZE`]); the frame is drawn
//!   in one place for every chart kind.
//! - A legend strip sits between the title and the plot whenever there is more than one
//!   series, so it never hides data.
//! - Colours come from the Okabe–Ito palette ([`PALETTE`]), which stays distinguishable
//!   under the common colour-vision deficiencies.
//! - Same numbers in, byte-identical SVG out: no clocks, no hashing, no randomness.
//! - Odd data never panics: non-finite values are skipped, degenerate ranges are padded,
//!   and a chart with nothing drawable returns [`ChartError::NoData`].

mod bars;
mod boxes;
mod common;
mod frame;
mod heat;
mod hist;
mod line;

pub use bars::{BarChart, BarSeries, ReferenceLine, StackedBars, bar_chart, stacked_bars};
pub use boxes::{BoxPanel, BoxPlots, FiveNumber, SKEW_RATIO, box_plots};
pub use frame::Frame;
pub use heat::{ColorScale, Heatmap, heatmap};
pub use hist::{HistPanel, HistSeries, Histograms, histograms};
pub use line::{LineChart, LineSeries, line_chart};

use plotters::style::RGBColor;

/// Default canvas size in pixels: readable in an 800 px wide report column.
pub const DEFAULT_SIZE: (u32, u32) = (800, 500);

/// The Okabe–Ito palette, reordered so the first colours are the most distinct on white
/// (blue, orange, bluish green, vermillion, reddish purple, sky blue, black, yellow).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(240, 228, 66),
];

/// Why a chart could not be drawn; returned instead of panicking on odd input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChartError {
    /// The spec holds no finite value to draw (empty series, all NaN, all non-positive on
    /// a log axis). Carries the chart title so the caller can say which figure.
    #[error("chart \"{0}\": no finite data to draw")]
    NoData(String),
    /// The spec is inconsistent (lengths disagree, bin edges not increasing, a five-number
    /// summary out of order, a zero-sized canvas).
    #[error("chart \"{title}\": {reason}")]
    InvalidSpec {
        /// Title of the chart whose spec is wrong.
        title: String,
        /// What is wrong with it.
        reason: String,
    },
    /// plotters reported a drawing failure (should not happen with the string backend).
    #[error("chart \"{title}\": drawing failed: {reason}")]
    Drawing {
        /// Title of the chart being drawn.
        title: String,
        /// plotters' message.
        reason: String,
    },
}

/// Shorthand for chart results.
pub type Result<T> = std::result::Result<T, ChartError>;
