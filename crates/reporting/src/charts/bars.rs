//! Bar charts: grouped bars (vertical or horizontal, with value labels and reference
//! lines) and 100 % stacked bars of class shares.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{
    DrawResult, INK, LABEL_SIZE, LegendEntry, Swatch, category_height, check_range, color,
    contrast_text, dashed_path, draw_x_categories, fmt_fixed, fmt_num, invalid, line_height,
    safe_axis, text_style, text_width, tick_fmt, wrap,
};
use super::frame::{AxisText, Frame, chart_builder, render, style_mesh};
use super::{ChartError, Result};

/// One series of a [`BarChart`]: one value per category.
#[derive(Debug, Clone, PartialEq)]
pub struct BarSeries {
    /// Legend name, e.g. `"validation"`.
    pub name: String,
    /// One value per category; a non-finite value leaves a gap (labelled `n/a`).
    pub values: Vec<f64>,
    /// Palette index; `None` takes the series' position.
    pub color: Option<usize>,
}

impl BarSeries {
    /// A series with the default colour.
    pub fn new(name: impl Into<String>, values: Vec<f64>) -> Self {
        Self {
            name: name.into(),
            values,
            color: None,
        }
    }
}

/// A dashed line across the value axis, e.g. the majority-class baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceLine {
    /// Legend name, e.g. `"majority baseline (0.41)"`.
    pub name: String,
    /// Position on the value axis.
    pub value: f64,
}

/// Spec of a grouped bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// Title, category-axis label (`x_label`, e.g. `"model"`), value-axis label with
    /// units (`y_label`, e.g. `"accuracy (fraction)"`) and size.
    pub frame: Frame,
    /// Category names, in drawing order (left to right, or top to bottom when horizontal).
    pub categories: Vec<String>,
    /// Series; several series are grouped side by side within each category.
    pub series: Vec<BarSeries>,
    /// Bars run left to right with categories listed down the side: suits ranked lists
    /// with long names (feature attributions).
    pub horizontal: bool,
    /// Write each bar's value at its end.
    pub value_labels: bool,
    /// Decimals of value labels (0 for counts).
    pub value_decimals: usize,
    /// Dashed reference lines across the value axis.
    pub reference_lines: Vec<ReferenceLine>,
    /// Fixed value-axis range; `None` fits the data and always includes 0.
    pub value_range: Option<(f64, f64)>,
}

impl BarChart {
    /// A vertical chart with no series, no value labels, the default size.
    pub fn new(
        title: impl Into<String>,
        category_label: impl Into<String>,
        value_label: impl Into<String>,
        categories: Vec<String>,
    ) -> Self {
        Self {
            frame: Frame::new(title, category_label, value_label),
            categories,
            series: Vec::new(),
            horizontal: false,
            value_labels: false,
            value_decimals: 2,
            reference_lines: Vec::new(),
            value_range: None,
        }
    }

    /// Adds a series.
    pub fn series(mut self, s: BarSeries) -> Self {
        self.series.push(s);
        self
    }

    /// Lays the bars out horizontally.
    pub fn horizontal(mut self) -> Self {
        self.horizontal = true;
        self
    }

    /// Writes values on the bars with `decimals` digits.
    pub fn value_labels(mut self, decimals: usize) -> Self {
        self.value_labels = true;
        self.value_decimals = decimals;
        self
    }

    /// Adds a dashed reference line.
    pub fn reference(mut self, name: impl Into<String>, value: f64) -> Self {
        self.reference_lines.push(ReferenceLine {
            name: name.into(),
            value,
        });
        self
    }

    /// Fixes the value-axis range.
    pub fn value_range(mut self, lo: f64, hi: f64) -> Self {
        self.value_range = Some((lo, hi));
        self
    }
}

/// Colours of reference lines, chosen to differ from the bars' fills.
const REF_COLORS: [RGBColor; 3] = [INK, RGBColor(213, 94, 0), RGBColor(204, 121, 167)];

/// Draws a grouped bar chart and returns the SVG.
///
/// Errors: [`ChartError::InvalidSpec`] when a series' length differs from the number of
/// categories or a fixed range is not increasing; [`ChartError::NoData`] when there are
/// no categories or no finite value.
pub fn bar_chart(spec: &BarChart) -> Result<String> {
    let title = spec.frame.title.as_str();
    let n = spec.categories.len();
    for s in &spec.series {
        if s.values.len() != n {
            return Err(invalid(
                title,
                format!(
                    "series \"{}\" has {} values for {n} categories",
                    s.name,
                    s.values.len()
                ),
            ));
        }
    }
    check_range(title, "value", spec.value_range)?;
    let values = spec.series.iter().flat_map(|s| s.values.iter().copied());
    let Some((vmin, vmax)) = super::common::finite_extent(values) else {
        return Err(ChartError::NoData(spec.frame.title.clone()));
    };
    if n == 0 {
        return Err(ChartError::NoData(spec.frame.title.clone()));
    }
    let refs: Vec<&ReferenceLine> = spec
        .reference_lines
        .iter()
        .filter(|r| r.value.is_finite())
        .collect();
    let lo = refs.iter().fold(vmin.min(0.0), |a, r| a.min(r.value));
    let hi = refs.iter().fold(vmax.max(0.0), |a, r| a.max(r.value));
    let (lo, hi) = if hi > lo {
        safe_axis(lo, hi)
    } else {
        (0.0, 1.0)
    };
    let m = spec.series.len().max(1);
    let (w, h) = (spec.frame.size.0 as i32, spec.frame.size.1 as i32);

    // Category label room: horizontal charts list names down the left side.
    let cat_desc = if spec.frame.x_label.is_empty() { 0 } else { 30 };
    let max_side = (w as f64 * 0.42) as i32;
    let side_w = spec
        .categories
        .iter()
        .map(|c| text_width(c, LABEL_SIZE).min(max_side))
        .max()
        .unwrap_or(0);
    let plot_w = if spec.horizontal {
        w - side_w - cat_desc - 60
    } else {
        w - 124
    };
    let slot = (plot_w / n as i32 - 6).max(20);
    let cat_h = category_height(&spec.categories, slot);
    let plot_h = h - 150 - if spec.horizontal { 0 } else { cat_h };

    // Headroom for value labels, as a fraction of the value span.
    let label_w = spec
        .series
        .iter()
        .flat_map(|s| s.values.iter())
        .map(|v| text_width(&fmt_fixed(*v, spec.value_decimals), LABEL_SIZE - 2.0))
        .max()
        .unwrap_or(0);
    let bar_px = f64::from(slot) * 0.8 / m as f64;
    let rotate = !spec.horizontal && f64::from(label_w) + 2.0 > bar_px;
    let need_px = if !spec.value_labels {
        0
    } else if spec.horizontal || rotate {
        label_w + 10
    } else {
        line_height(LABEL_SIZE) + 6
    };
    let along = if spec.horizontal { plot_w } else { plot_h };
    let frac = (f64::from(need_px) / f64::from(along.max(50))).min(0.6);
    let (lo, hi) = spec.value_range.unwrap_or_else(|| {
        let span = hi - lo;
        let pad = |has: bool| {
            if has {
                span * frac.max(0.04) / (1.0 - frac)
            } else {
                0.0
            }
        };
        (
            lo - pad(vmin < 0.0),
            hi + pad(vmax > 0.0 || vmax == 0.0 && vmin == 0.0),
        )
    });
    let (lo, hi) = safe_axis(lo, hi);

    let colors: Vec<RGBColor> = spec
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| color(s.color.unwrap_or(i)))
        .collect();
    let mut legend = Vec::new();
    if spec.series.len() > 1 || !refs.is_empty() {
        for (s, &c) in spec.series.iter().zip(&colors) {
            legend.push(LegendEntry {
                name: s.name.clone(),
                swatch: Swatch::Fill(c),
            });
        }
        for (k, r) in refs.iter().enumerate() {
            legend.push(LegendEntry {
                name: r.name.clone(),
                swatch: Swatch::Line {
                    color: REF_COLORS[k % REF_COLORS.len()],
                    dashed: true,
                    band: false,
                },
            });
        }
    }

    render(&spec.frame, &legend, |root, area| -> DrawResult {
        let nf = n as f64;
        let mut builder = chart_builder(area);
        if spec.horizontal {
            builder
                .x_label_area_size(58)
                .y_label_area_size(side_w + 14 + cat_desc);
        } else {
            builder
                .x_label_area_size(spec.frame.category_band(cat_h))
                .y_label_area_size(84);
        }
        // Value axis is y (vertical) or x (horizontal); categories sit at integers.
        let (xr, yr) = if spec.horizontal {
            ((lo..hi), (-0.5..nf - 0.5))
        } else {
            ((-0.5..nf - 0.5), (lo..hi))
        };
        let mut chart = builder.build_cartesian_2d(xr, yr)?;
        let value_fmt = tick_fmt(lo, hi);
        let mut mesh = chart.configure_mesh();
        style_mesh(&mut mesh, AxisText::Chart);
        spec.frame.describe(&mut mesh, spec.horizontal);
        if spec.horizontal {
            mesh.y_labels(0)
                .disable_y_mesh()
                .x_labels(8)
                .x_label_formatter(&value_fmt);
        } else {
            mesh.x_labels(0)
                .disable_x_mesh()
                .y_labels(8)
                .y_label_formatter(&value_fmt);
        }
        mesh.draw()?;

        // Category position of drawing slot i (top to bottom when horizontal).
        let cat_pos = |i: usize| {
            if spec.horizontal {
                nf - 1.0 - i as f64
            } else {
                i as f64
            }
        };
        let px = |along: f64, value: f64| {
            if spec.horizontal {
                chart.backend_coord(&(value, along))
            } else {
                chart.backend_coord(&(along, value))
            }
        };
        let base = 0.0f64.clamp(lo, hi);
        let group = 0.8;
        let bw = group / m as f64;
        let label_size = LABEL_SIZE - 2.0;
        for (j, (s, &c)) in spec.series.iter().zip(&colors).enumerate() {
            for (i, &v) in s.values.iter().enumerate() {
                // Horizontal groups stack the first series on top, matching the legend's
                // left-to-right order when read top to bottom.
                let slot_j = if spec.horizontal { m - 1 - j } else { j };
                let center = cat_pos(i) - group / 2.0 + (slot_j as f64 + 0.5) * bw;
                let a = center - bw / 2.0 * 0.92;
                let b = center + bw / 2.0 * 0.92;
                if v.is_finite() {
                    let end = v.clamp(lo, hi);
                    root.draw(&Rectangle::new([px(a, base), px(b, end)], c.filled()))?;
                }
                if spec.value_labels {
                    let text = fmt_fixed(v, spec.value_decimals);
                    let end = if v.is_finite() { v.clamp(lo, hi) } else { base };
                    let (x, y) = px(center, end);
                    let neg = v < 0.0;
                    let (pos, style) = if spec.horizontal {
                        let h = if neg { HPos::Right } else { HPos::Left };
                        let dx = if neg { -5 } else { 5 };
                        ((x + dx, y), text_style(label_size, INK, h, VPos::Center))
                    } else if rotate {
                        let h = if neg { HPos::Right } else { HPos::Left };
                        let dy = if neg { 5 } else { -5 };
                        let st = text_style(label_size, INK, h, VPos::Center)
                            .transform(FontTransform::Rotate270);
                        ((x, y + dy), st)
                    } else {
                        let vp = if neg { VPos::Top } else { VPos::Bottom };
                        let dy = if neg { 4 } else { -4 };
                        ((x, y + dy), text_style(label_size, INK, HPos::Center, vp))
                    };
                    root.draw(&Text::new(text, pos, style))?;
                }
            }
        }
        // Zero line when the value axis spans both signs.
        if lo < 0.0 && hi > 0.0 {
            let pts = vec![px(-0.5, 0.0), px(nf - 0.5, 0.0)];
            root.draw(&PathElement::new(pts, INK.stroke_width(1)))?;
        }
        for (k, r) in refs.iter().enumerate() {
            if r.value >= lo && r.value <= hi {
                let pts = [px(-0.5, r.value), px(nf - 0.5, r.value)];
                let c = REF_COLORS[k % REF_COLORS.len()];
                dashed_path(root, &pts, c.stroke_width(2))?;
            }
        }
        // Category names.
        if spec.horizontal {
            let left = chart.backend_coord(&(lo, 0.0)).0;
            for (i, name) in spec.categories.iter().enumerate() {
                let (_, y) = chart.backend_coord(&(lo, cat_pos(i)));
                let lines = wrap(name, max_side, LABEL_SIZE);
                let lh = line_height(LABEL_SIZE);
                let top = y - lh * (lines.len() as i32 - 1) / 2;
                for (k, line) in lines.into_iter().enumerate() {
                    root.draw(&Text::new(
                        line,
                        (left - 8, top + k as i32 * lh),
                        text_style(LABEL_SIZE, INK, HPos::Right, VPos::Center),
                    ))?;
                }
            }
        } else {
            let centers: Vec<i32> = (0..n)
                .map(|i| chart.backend_coord(&(i as f64, lo)).0)
                .collect();
            let top = chart.backend_coord(&(0.0, lo)).1 + 8;
            draw_x_categories(root, &spec.categories, &centers, top, slot)?;
        }
        Ok(())
    })
}

/// Spec of 100 % stacked bars: one bar per category, one segment per class.
#[derive(Debug, Clone, PartialEq)]
pub struct StackedBars {
    /// Title, category-axis label (`x_label`, e.g. `"room type"`), share-axis label
    /// (`y_label`, e.g. `"share of listings"`) and size.
    pub frame: Frame,
    /// Category names, left to right.
    pub categories: Vec<String>,
    /// Class names, bottom to top; also the legend.
    pub classes: Vec<String>,
    /// `shares[category][class]`. Each row is divided by its sum, so counts work too;
    /// non-finite entries count as 0; a row summing to 0 draws an empty bar.
    pub shares: Vec<Vec<f64>>,
    /// Write the percentage inside segments tall enough to hold it.
    pub percent_labels: bool,
}

impl StackedBars {
    /// A spec of the default size with percentage labels on.
    pub fn new(
        title: impl Into<String>,
        category_label: impl Into<String>,
        value_label: impl Into<String>,
        categories: Vec<String>,
        classes: Vec<String>,
        shares: Vec<Vec<f64>>,
    ) -> Self {
        Self {
            frame: Frame::new(title, category_label, value_label),
            categories,
            classes,
            shares,
            percent_labels: true,
        }
    }
}

/// Draws 100 % stacked bars and returns the SVG.
///
/// Errors: [`ChartError::InvalidSpec`] when the matrix shape disagrees with the names or a
/// share is negative; [`ChartError::NoData`] when there is no category or no class.
pub fn stacked_bars(spec: &StackedBars) -> Result<String> {
    let title = spec.frame.title.as_str();
    let n = spec.categories.len();
    let k = spec.classes.len();
    if n == 0 || k == 0 {
        return Err(ChartError::NoData(spec.frame.title.clone()));
    }
    if spec.shares.len() != n {
        return Err(invalid(
            title,
            format!("{} share rows for {n} categories", spec.shares.len()),
        ));
    }
    for (i, row) in spec.shares.iter().enumerate() {
        if row.len() != k {
            return Err(invalid(
                title,
                format!("row {i} has {} shares for {k} classes", row.len()),
            ));
        }
        if row.iter().any(|v| *v < 0.0) {
            return Err(invalid(title, format!("row {i} has a negative share")));
        }
    }
    let w = spec.frame.size.0 as i32;
    let slot = ((w - 124) / n as i32 - 6).max(20);
    let cat_h = category_height(&spec.categories, slot);
    let legend: Vec<LegendEntry> = spec
        .classes
        .iter()
        .enumerate()
        .map(|(j, c)| LegendEntry {
            name: c.clone(),
            swatch: Swatch::Fill(color(j)),
        })
        .collect();
    render(&spec.frame, &legend, |root, area| -> DrawResult {
        let nf = n as f64;
        let mut chart = chart_builder(area)
            .x_label_area_size(spec.frame.category_band(cat_h))
            .y_label_area_size(84)
            .build_cartesian_2d(-0.5..nf - 0.5, 0.0..1.0)?;
        let mut mesh = chart.configure_mesh();
        style_mesh(&mut mesh, AxisText::Chart);
        spec.frame.describe(&mut mesh, false);
        mesh.x_labels(0)
            .disable_x_mesh()
            .y_labels(6)
            .y_label_formatter(&|v| fmt_num(*v))
            .draw()?;
        let bw = 0.35;
        for (i, row) in spec.shares.iter().enumerate() {
            let clean: Vec<f64> = row
                .iter()
                .map(|v| if v.is_finite() { *v } else { 0.0 })
                .collect();
            let total: f64 = clean.iter().sum();
            if total <= 0.0 || !total.is_finite() {
                continue;
            }
            let x = i as f64;
            let mut acc = 0.0;
            for (j, v) in clean.iter().enumerate() {
                let share = v / total;
                let (a, b) = (acc, (acc + share).min(1.0));
                acc += share;
                if share <= 0.0 {
                    continue;
                }
                let c = color(j);
                let p0 = chart.backend_coord(&(x - bw, a));
                let p1 = chart.backend_coord(&(x + bw, b));
                root.draw(&Rectangle::new([p0, p1], c.filled()))?;
                root.draw(&Rectangle::new([p0, p1], WHITE.stroke_width(1)))?;
                let text = format!("{}%", fmt_fixed(share * 100.0, 0));
                let size = LABEL_SIZE - 2.0;
                if spec.percent_labels
                    && (p0.1 - p1.1) >= line_height(size)
                    && (p1.0 - p0.0) >= text_width(&text, size) + 4
                {
                    root.draw(&Text::new(
                        text,
                        ((p0.0 + p1.0) / 2, (p0.1 + p1.1) / 2),
                        text_style(size, contrast_text(c), HPos::Center, VPos::Center),
                    ))?;
                }
            }
        }
        let centers: Vec<i32> = (0..n)
            .map(|i| chart.backend_coord(&(i as f64, 0.0)).0)
            .collect();
        let top = chart.backend_coord(&(0.0, 0.0)).1 + 8;
        draw_x_categories(root, &spec.categories, &centers, top, slot)?;
        Ok(())
    })
}
