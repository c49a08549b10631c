//! Box plots from precomputed five-number summaries, one panel per numeric column.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{
    DrawResult, INK, LABEL_SIZE, LegendEntry, Swatch, category_height, color, draw_x_categories,
    finite_extent, invalid, pad_range, text_style, tick_fmt,
};
use super::frame::{AxisText, Frame, panel_builder, render, style_mesh};
use super::{ChartError, Result};

/// A five-number summary: whisker ends, quartiles and median, precomputed by the caller
/// (whiskers may be the extremes or e.g. the 1st/99th percentiles; say which in the title).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FiveNumber {
    /// Lower whisker end.
    pub min: f64,
    /// First quartile (box bottom).
    pub q1: f64,
    /// Median (line in the box).
    pub median: f64,
    /// Third quartile (box top).
    pub q3: f64,
    /// Upper whisker end.
    pub max: f64,
}

impl FiveNumber {
    /// The five values in drawing order.
    fn values(&self) -> [f64; 5] {
        [self.min, self.q1, self.median, self.q3, self.max]
    }

    /// All five values finite.
    fn is_finite(&self) -> bool {
        self.values().iter().all(|v| v.is_finite())
    }
}

/// One panel: a numeric column's summaries, one per group.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxPanel {
    /// Panel title, usually the column name.
    pub title: String,
    /// y-axis label with units, e.g. `"nights"`.
    pub y_label: String,
    /// One summary per group of [`BoxPlots::groups`]; a summary with a non-finite value
    /// is left out (its slot stays empty).
    pub summaries: Vec<FiveNumber>,
}

/// Spec of a grid of box-plot panels sharing the same groups (e.g. the price classes).
#[derive(Debug, Clone, PartialEq)]
pub struct BoxPlots {
    /// Figure title and size; its axis labels are unused, each panel has its own y label.
    pub frame: Frame,
    /// Group names, left to right in every panel; also the legend.
    pub groups: Vec<String>,
    /// The panels, laid out row by row (1–3 per row up to 9 panels, then 4 per row).
    /// (1–3 per row up to 9 panels, then 4 per row; give the frame more height for more
    /// than 6 panels.)
    pub panels: Vec<BoxPanel>,
    /// Draw a panel on a log10(1 + x) axis when its data are non-negative and heavily
    /// skewed (the largest whisker at least [`SKEW_RATIO`] times the largest third
    /// quartile), so the boxes are not squashed flat by a long tail. The panel's y label
    /// then says "log scale".
    pub log_when_skewed: bool,
}

/// Whisker-to-box ratio above which [`BoxPlots::log_when_skewed`] switches a panel to a
/// log axis.
pub const SKEW_RATIO: f64 = 10.0;

impl BoxPlots {
    /// A spec of the default size.
    pub fn new(title: impl Into<String>, groups: Vec<String>, panels: Vec<BoxPanel>) -> Self {
        Self {
            frame: Frame::titled(title),
            groups,
            panels,
            log_when_skewed: false,
        }
    }

    /// Puts heavily skewed panels on a log10(1 + x) axis.
    pub fn log_when_skewed(mut self) -> Self {
        self.log_when_skewed = true;
        self
    }
}

/// Whether `panel` is drawn on a log10(1 + x) axis under [`BoxPlots::log_when_skewed`].
fn skewed(panel: &BoxPanel) -> bool {
    let finite: Vec<&FiveNumber> = panel.summaries.iter().filter(|s| s.is_finite()).collect();
    let min = finite.iter().map(|s| s.min).fold(f64::INFINITY, f64::min);
    let max = finite
        .iter()
        .map(|s| s.max)
        .fold(f64::NEG_INFINITY, f64::max);
    let q3 = finite
        .iter()
        .map(|s| s.q3)
        .fold(f64::NEG_INFINITY, f64::max);
    !finite.is_empty() && min >= 0.0 && max >= 10.0 && max >= SKEW_RATIO * q3.max(1.0)
}

/// Rows and columns of a grid holding `n` panels.
pub(crate) fn grid(n: usize) -> (usize, usize) {
    match n {
        0..=3 => (1, n.max(1)),
        4 => (2, 2),
        5 | 6 => (2, 3),
        7..=9 => (3, 3),
        _ => (n.div_ceil(4), 4),
    }
}

/// Draws the box-plot panels and returns the SVG.
///
/// Errors: [`ChartError::InvalidSpec`] when a panel's summary count differs from the
/// group count or a summary is out of order (min ≤ q1 ≤ median ≤ q3 ≤ max);
/// [`ChartError::NoData`] when no panel has a finite summary.
pub fn box_plots(spec: &BoxPlots) -> Result<String> {
    let title = spec.frame.title.as_str();
    let g = spec.groups.len();
    for p in &spec.panels {
        if p.summaries.len() != g {
            return Err(invalid(
                title,
                format!(
                    "panel \"{}\" has {} summaries for {g} groups",
                    p.title,
                    p.summaries.len()
                ),
            ));
        }
        for (k, s) in p.summaries.iter().enumerate() {
            let v = s.values();
            if s.is_finite() && v.windows(2).any(|w| w[0] > w[1]) {
                return Err(invalid(
                    title,
                    format!(
                        "panel \"{}\", group {k}: summary {v:?} is not in order",
                        p.title
                    ),
                ));
            }
        }
    }
    if g == 0
        || !spec
            .panels
            .iter()
            .any(|p| p.summaries.iter().any(FiveNumber::is_finite))
    {
        return Err(ChartError::NoData(spec.frame.title.clone()));
    }
    let legend: Vec<LegendEntry> = if g > 1 {
        spec.groups
            .iter()
            .enumerate()
            .map(|(k, name)| LegendEntry {
                name: name.clone(),
                swatch: Swatch::Fill(color(k)),
            })
            .collect()
    } else {
        Vec::new()
    };
    let (rows, cols) = grid(spec.panels.len());
    let panel_w = spec.frame.size.0 as i32 / cols as i32;
    let slot = ((panel_w - 90) / g as i32 - 4).max(16);
    let cat_h = category_height(&spec.groups, slot);
    render(&spec.frame, &legend, |root, area| -> DrawResult {
        let cells = area.split_evenly((rows, cols));
        for (panel, cell) in spec.panels.iter().zip(cells.iter()) {
            let log = spec.log_when_skewed && skewed(panel);
            draw_panel(root, cell, panel, &spec.groups, slot, cat_h, log)?;
        }
        Ok(())
    })
}

/// Draws one panel into `cell`.
fn draw_panel(
    root: &super::common::Area<'_>,
    cell: &super::common::Area<'_>,
    panel: &BoxPanel,
    groups: &[String],
    slot: i32,
    cat_h: i32,
    log: bool,
) -> DrawResult {
    let g = groups.len();
    // Plot space: the value itself, or log10(1 + value) on a skewed panel.
    let tf = |v: f64| {
        if log {
            v.max(0.0).ln_1p() / std::f64::consts::LN_10
        } else {
            v
        }
    };
    let finite: Vec<&FiveNumber> = panel.summaries.iter().filter(|s| s.is_finite()).collect();
    let (lo, hi) =
        finite_extent(finite.iter().flat_map(|s| s.values()).map(tf)).unwrap_or((0.0, 1.0));
    let (lo, hi) = pad_range(lo, hi, 0.05);
    let y_label = if log {
        format!("{}, log scale", panel.y_label)
    } else {
        panel.y_label.clone()
    };
    let gf = g as f64;
    let mut chart = panel_builder(cell, &panel.title)
        .margin_right(14)
        .x_label_area_size(cat_h + 12)
        .build_cartesian_2d(-0.5..gf - 0.5, lo..hi)?;
    let y_fmt = tick_fmt(lo, hi);
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh, AxisText::Panel);
    mesh.x_labels(0)
        .disable_x_mesh()
        .y_labels(if log { 0 } else { 5 })
        .y_label_formatter(&y_fmt)
        .y_desc(y_label.as_str())
        .draw()?;
    if log {
        // Ticks at 0, 1, 10, 100, … (plotted at log10(1 + v)), with light grid lines.
        let left = chart.backend_coord(&(-0.5, lo)).0;
        let right = chart.backend_coord(&(gf - 0.5, lo)).0;
        let mut last_y = i32::MAX;
        for k in 0..=12 {
            let v = if k == 0 { 0.0 } else { 10f64.powi(k - 1) };
            let t = tf(v);
            if t < lo || t > hi {
                continue;
            }
            let (_, y) = chart.backend_coord(&(-0.5, t));
            // Skip a tick crowding the one below it (1 sits close above 0).
            if last_y - y < super::common::line_height(LABEL_SIZE) {
                continue;
            }
            last_y = y;
            root.draw(&PathElement::new(
                vec![(left, y), (right, y)],
                BLACK.mix(0.08).stroke_width(1),
            ))?;
            root.draw(&PathElement::new(
                vec![(left - 5, y), (left, y)],
                INK.stroke_width(1),
            ))?;
            root.draw(&Text::new(
                super::common::fmt_num(v),
                (left - 8, y),
                text_style(LABEL_SIZE - 1.0, INK, HPos::Right, VPos::Center),
            ))?;
        }
    }
    let half = 0.3;
    for (k, s) in panel.summaries.iter().enumerate() {
        let x = k as f64;
        let c = color(k);
        if !s.is_finite() {
            let (cx, cy) = chart.backend_coord(&(x, (lo + hi) / 2.0));
            root.draw(&Text::new(
                "n/a".to_owned(),
                (cx, cy),
                text_style(LABEL_SIZE - 2.0, INK, HPos::Center, VPos::Center),
            ))?;
            continue;
        }
        // Clamped so values beyond the (float-limited) axis cannot overflow pixel maths.
        let px = |a: f64, b: f64| chart.backend_coord(&(a, tf(b).clamp(lo, hi)));
        // Whiskers with caps.
        for (from, to) in [(s.min, s.q1), (s.q3, s.max)] {
            root.draw(&PathElement::new(
                vec![px(x, from), px(x, to)],
                INK.stroke_width(1),
            ))?;
        }
        for end in [s.min, s.max] {
            root.draw(&PathElement::new(
                vec![px(x - half / 2.0, end), px(x + half / 2.0, end)],
                INK.stroke_width(1),
            ))?;
        }
        // Box, with a visible height even when q1 == q3.
        let (a, mut b) = (px(x - half, s.q1), px(x + half, s.q3));
        if (a.1 - b.1).abs() < 2 {
            b.1 = a.1 - 2;
        }
        root.draw(&Rectangle::new([a, b], c.mix(0.45).filled()))?;
        root.draw(&Rectangle::new([a, b], c.stroke_width(2)))?;
        root.draw(&PathElement::new(
            vec![px(x - half, s.median), px(x + half, s.median)],
            BLACK.stroke_width(3),
        ))?;
    }
    let centers: Vec<i32> = (0..g)
        .map(|k| chart.backend_coord(&(k as f64, lo)).0)
        .collect();
    let top = chart.backend_coord(&(0.0, lo)).1 + 6;
    draw_x_categories(root, groups, &centers, top, slot)?;
    Ok(())
}
