//! Heatmaps with the value written in every cell: correlation matrices (diverging scale)
//! and confusion matrices (sequential scale, integer counts).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{
    DrawResult, INK, LABEL_SIZE, category_height, check_range, contrast_text, draw_x_categories,
    fmt_fixed, fmt_num, invalid, line_height, text_style, text_width, wrap,
};
use super::frame::{AxisText, Frame, chart_builder, render, style_mesh};
use super::{ChartError, Result};

/// How values map to colours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColorScale {
    /// Blue (−limit) → white (0) → red (+limit), ColorBrewer RdBu, which stays readable
    /// for colour-blind readers. Use `limit: 1.0` for correlations.
    Diverging {
        /// Magnitude mapped to the darkest colours; larger values saturate.
        limit: f64,
    },
    /// White (`min`) → dark blue (`max`), ColorBrewer Blues. `None` bounds fit the data
    /// (with 0 as the lower end when all values are non-negative).
    Sequential {
        /// Lower end, `None` for `min(0, data minimum)`.
        min: Option<f64>,
        /// Upper end, `None` for the data maximum.
        max: Option<f64>,
    },
}

/// Spec of a heatmap: `values[row][column]`, row 0 drawn at the top.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    /// Title, label under the columns (`x_label`, e.g. `"predicted class"`), label
    /// beside the rows (`y_label`, e.g. `"true class"`) and size.
    pub frame: Frame,
    /// Row names, top to bottom.
    pub row_labels: Vec<String>,
    /// Column names, left to right.
    pub col_labels: Vec<String>,
    /// One row of values per row label; a non-finite value is drawn grey as `n/a`.
    pub values: Vec<Vec<f64>>,
    /// Colour mapping.
    pub scale: ColorScale,
    /// Decimals written in the cells (0 for counts).
    pub value_decimals: usize,
    /// Title of the colour bar, e.g. `"Pearson r"` or `"count"`.
    pub scale_label: String,
}

impl Heatmap {
    /// A correlation-style heatmap: diverging scale on [−1, 1], two decimals.
    pub fn correlation(
        title: impl Into<String>,
        labels: Vec<String>,
        values: Vec<Vec<f64>>,
    ) -> Self {
        Self {
            frame: Frame::titled(title),
            row_labels: labels.clone(),
            col_labels: labels,
            values,
            scale: ColorScale::Diverging { limit: 1.0 },
            value_decimals: 2,
            scale_label: "Pearson r".to_owned(),
        }
    }

    /// A confusion-matrix heatmap: sequential scale from 0, integer counts, rows are the
    /// true classes and columns the predicted ones.
    pub fn confusion(
        title: impl Into<String>,
        classes: Vec<String>,
        counts: Vec<Vec<f64>>,
    ) -> Self {
        Self {
            frame: Frame::new(title, "predicted class", "true class"),
            row_labels: classes.clone(),
            col_labels: classes,
            values: counts,
            scale: ColorScale::Sequential {
                min: None,
                max: None,
            },
            value_decimals: 0,
            scale_label: "count".to_owned(),
        }
    }
}

/// ColorBrewer RdBu (5 classes), blue end first.
const DIVERGING: [(u8, u8, u8); 5] = [
    (33, 102, 172),
    (146, 197, 222),
    (247, 247, 247),
    (244, 165, 130),
    (178, 24, 43),
];
/// ColorBrewer Blues (5 classes), light end first.
const SEQUENTIAL: [(u8, u8, u8); 5] = [
    (247, 251, 255),
    (198, 219, 239),
    (107, 174, 214),
    (33, 113, 181),
    (8, 48, 107),
];

/// Linear interpolation along a colour ramp at `t` in [0, 1].
fn ramp(stops: &[(u8, u8, u8); 5], t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let pos = t * 4.0;
    let i = (pos.floor() as usize).min(3);
    let f = pos - i as f64;
    let (a, b) = (stops[i], stops[i + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The colour scale resolved to concrete bounds.
struct Resolved {
    lo: f64,
    hi: f64,
    diverging: bool,
}

impl Resolved {
    /// Colour of value `v`.
    fn color(&self, v: f64) -> RGBColor {
        let t = (v - self.lo) / (self.hi - self.lo);
        ramp(
            if self.diverging {
                &DIVERGING
            } else {
                &SEQUENTIAL
            },
            t,
        )
    }
}

/// Colour-bar tick values: five even steps on a diverging scale (−1, −0.5, 0, 0.5, 1 for
/// correlations); on a sequential scale round numbers (1, 2 or 5 × 10ᵏ apart, e.g. 0, 500,
/// 1000, …) so counts read as 500 rather than 640.
fn bar_ticks(scale: &Resolved) -> Vec<f64> {
    let even = || -> Vec<f64> {
        (0..5)
            .map(|k| scale.lo + (scale.hi - scale.lo) * k as f64 / 4.0)
            .collect()
    };
    let span = scale.hi - scale.lo;
    if scale.diverging || !(span.is_finite() && span > 0.0) {
        return even();
    }
    let raw = span / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|st| span / st <= 5.0)
        .unwrap_or(10.0 * mag);
    let first = (scale.lo / step).ceil();
    let ticks: Vec<f64> = (0..=6)
        .map(|k| (first + k as f64) * step)
        .filter(|v| *v <= scale.hi + step * 1e-9)
        .collect();
    if ticks.len() >= 2 { ticks } else { even() }
}

/// Draws a heatmap and returns the SVG.
///
/// Errors: [`ChartError::InvalidSpec`] when the matrix shape disagrees with the labels or
/// the scale bounds are not usable; [`ChartError::NoData`] for an empty matrix or one with
/// no finite value.
pub fn heatmap(spec: &Heatmap) -> Result<String> {
    let title = spec.frame.title.as_str();
    let (nr, nc) = (spec.row_labels.len(), spec.col_labels.len());
    if spec.values.len() != nr {
        return Err(invalid(
            title,
            format!("{} rows of values for {nr} row labels", spec.values.len()),
        ));
    }
    for (i, row) in spec.values.iter().enumerate() {
        if row.len() != nc {
            return Err(invalid(
                title,
                format!("row {i} has {} values for {nc} columns", row.len()),
            ));
        }
    }
    let Some((dmin, dmax)) = super::common::finite_extent(spec.values.iter().flatten().copied())
    else {
        return Err(ChartError::NoData(spec.frame.title.clone()));
    };
    let scale = match spec.scale {
        ColorScale::Diverging { limit } => {
            if !(limit.is_finite() && limit > 0.0) {
                return Err(invalid(
                    title,
                    format!("diverging limit {limit} must be positive"),
                ));
            }
            Resolved {
                lo: -limit,
                hi: limit,
                diverging: true,
            }
        }
        ColorScale::Sequential { min, max } => {
            let lo = min.unwrap_or(dmin.min(0.0));
            let hi = max.unwrap_or(dmax);
            let hi = if hi > lo { hi } else { lo + 1.0 };
            check_range(title, "colour scale", Some((lo, hi)))?;
            Resolved {
                lo,
                hi,
                diverging: false,
            }
        }
    };
    let w = spec.frame.size.0 as i32;
    let max_side = (w as f64 * 0.3) as i32;
    let side_w = spec
        .row_labels
        .iter()
        .map(|c| text_width(c, LABEL_SIZE).min(max_side))
        .max()
        .unwrap_or(0);
    let y_desc = if spec.frame.y_label.is_empty() { 0 } else { 30 };
    let bar_room = 110;
    let plot_w = w - side_w - y_desc - bar_room - 30;
    let slot = (plot_w / nc as i32 - 4).max(20);
    let cat_h = category_height(&spec.col_labels, slot);

    render(&spec.frame, &[], |root, area| -> DrawResult {
        let (ncf, nrf) = (nc as f64, nr as f64);
        let mut chart = chart_builder(area)
            .margin_right(bar_room)
            .x_label_area_size(spec.frame.category_band(cat_h))
            .y_label_area_size(side_w + 14 + y_desc)
            .build_cartesian_2d(0.0..ncf, 0.0..nrf)?;
        let mut mesh = chart.configure_mesh();
        style_mesh(&mut mesh, AxisText::Chart);
        spec.frame.describe(&mut mesh, false);
        mesh.disable_mesh().x_labels(0).y_labels(0).draw()?;
        let p00 = chart.backend_coord(&(0.0, nrf));
        let p11 = chart.backend_coord(&(ncf, 0.0));
        let cell_w = (p11.0 - p00.0) / nc as i32;
        let cell_h = (p11.1 - p00.1) / nr as i32;
        let widest = spec
            .values
            .iter()
            .flatten()
            .map(|v| fmt_fixed(*v, spec.value_decimals).chars().count())
            .max()
            .unwrap_or(1)
            .max(3) as f64;
        // Largest size whose text fits the cell, capped at the label size.
        let fit_w = f64::from(cell_w - 6) * 1.24 / (0.58 * widest);
        let fit_h = f64::from(cell_h) * 1.24 / 1.6;
        let cell_size = LABEL_SIZE.min(fit_w).min(fit_h).floor();
        for (i, row) in spec.values.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                let top = nrf - i as f64;
                let a = chart.backend_coord(&(j as f64, top));
                let b = chart.backend_coord(&(j as f64 + 1.0, top - 1.0));
                let fill = if v.is_finite() {
                    scale.color(v)
                } else {
                    RGBColor(210, 210, 210)
                };
                root.draw(&Rectangle::new([a, b], fill.filled()))?;
                root.draw(&Rectangle::new([a, b], WHITE.stroke_width(1)))?;
                if cell_size >= 8.0 {
                    root.draw(&Text::new(
                        fmt_fixed(v, spec.value_decimals),
                        ((a.0 + b.0) / 2, (a.1 + b.1) / 2),
                        text_style(cell_size, contrast_text(fill), HPos::Center, VPos::Center),
                    ))?;
                }
            }
        }
        // Row names, right-aligned left of the cells, wrapped if long.
        for (i, name) in spec.row_labels.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(0.0, nrf - i as f64 - 0.5));
            let lines = wrap(name, max_side, LABEL_SIZE);
            let lh = line_height(LABEL_SIZE);
            let top = y - lh * (lines.len() as i32 - 1) / 2;
            for (k, line) in lines.into_iter().enumerate() {
                root.draw(&Text::new(
                    line,
                    (x - 8, top + k as i32 * lh),
                    text_style(LABEL_SIZE, INK, HPos::Right, VPos::Center),
                ))?;
            }
        }
        let centers: Vec<i32> = (0..nc)
            .map(|j| chart.backend_coord(&(j as f64 + 0.5, 0.0)).0)
            .collect();
        draw_x_categories(root, &spec.col_labels, &centers, p11.1 + 8, slot)?;
        // Colour bar with five ticks, right of the cells.
        let (bx0, bx1) = (p11.0 + 24, p11.0 + 42);
        let (by0, by1) = (p00.1, p11.1);
        let steps = 64;
        for s in 0..steps {
            let t0 = s as f64 / steps as f64;
            let ya = by1 - ((by1 - by0) as f64 * t0).round() as i32;
            let yb = by1 - ((by1 - by0) as f64 * (t0 + 1.0 / steps as f64)).round() as i32;
            let v = scale.lo + (scale.hi - scale.lo) * (t0 + 0.5 / steps as f64);
            root.draw(&Rectangle::new(
                [(bx0, yb), (bx1, ya)],
                scale.color(v).filled(),
            ))?;
        }
        root.draw(&Rectangle::new(
            [(bx0, by0), (bx1, by1)],
            INK.stroke_width(1),
        ))?;
        for v in bar_ticks(&scale) {
            let t = (v - scale.lo) / (scale.hi - scale.lo);
            let y = by1 - ((by1 - by0) as f64 * t).round() as i32;
            root.draw(&PathElement::new(
                vec![(bx1, y), (bx1 + 4, y)],
                INK.stroke_width(1),
            ))?;
            let label = if spec.value_decimals == 0 && !scale.diverging {
                fmt_fixed(v, 0)
            } else {
                fmt_num((v * 1e6).round() / 1e6)
            };
            root.draw(&Text::new(
                label,
                (bx1 + 7, y),
                text_style(LABEL_SIZE - 2.0, INK, HPos::Left, VPos::Center),
            ))?;
        }
        if !spec.scale_label.is_empty() {
            root.draw(&Text::new(
                spec.scale_label.clone(),
                ((bx0 + bx1) / 2, by0 - 6),
                text_style(LABEL_SIZE - 2.0, INK, HPos::Center, VPos::Bottom),
            ))?;
        }
        Ok(())
    })
}
