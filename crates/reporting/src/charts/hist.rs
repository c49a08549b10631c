//! Histograms from precomputed bin counts or shares, several distributions overlaid per
//! panel and panels side by side (e.g. a column per class in train beside test).

use plotters::prelude::*;

use super::boxes::grid;
use super::common::{DrawResult, LegendEntry, Swatch, color, invalid, safe_axis, tick_fmt};
use super::frame::{AxisText, Frame, panel_builder, render, style_mesh};
use super::{ChartError, Result};

/// One distribution: a value (count or share) per bin.
#[derive(Debug, Clone, PartialEq)]
pub struct HistSeries {
    /// Legend name; the same name gets the same colour in every panel.
    pub name: String,
    /// One non-negative value per bin; non-finite values draw as empty bins.
    pub values: Vec<f64>,
}

impl HistSeries {
    /// A series from per-bin values.
    pub fn new(name: impl Into<String>, values: Vec<f64>) -> Self {
        Self {
            name: name.into(),
            values,
        }
    }
}

/// One panel: shared bin edges and the distributions overlaid on them.
#[derive(Debug, Clone, PartialEq)]
pub struct HistPanel {
    /// Panel title, e.g. `"train"`.
    pub title: String,
    /// Bin edges, strictly increasing, one more than the number of bins.
    pub edges: Vec<f64>,
    /// Overlaid distributions (translucent fill plus a step outline each).
    pub series: Vec<HistSeries>,
}

/// Spec of side-by-side histogram panels.
#[derive(Debug, Clone, PartialEq)]
pub struct Histograms {
    /// Figure title, axis labels shared by all panels (x with units; y e.g.
    /// `"share of class"` or `"listings"`) and size.
    pub frame: Frame,
    /// The panels (two for a train/test pair), laid out in a grid.
    pub panels: Vec<HistPanel>,
    /// One y range for all panels so heights compare across them.
    pub shared_y: bool,
}

impl Histograms {
    /// A spec of the default size with a shared y axis.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
        panels: Vec<HistPanel>,
    ) -> Self {
        Self {
            frame: Frame::new(title, x_label, y_label),
            panels,
            shared_y: true,
        }
    }
}

/// Draws histogram panels and returns the SVG.
///
/// Errors: [`ChartError::InvalidSpec`] when edges are not finite and strictly increasing,
/// a series' length is not `edges.len() - 1`, or a value is negative;
/// [`ChartError::NoData`] when there is no panel with a bin and a finite value.
pub fn histograms(spec: &Histograms) -> Result<String> {
    let title = spec.frame.title.as_str();
    for p in &spec.panels {
        if p.edges.len() < 2
            || p.edges.iter().any(|e| !e.is_finite())
            || p.edges.windows(2).any(|w| w[0] >= w[1])
        {
            return Err(invalid(
                title,
                format!(
                    "panel \"{}\": need at least 2 finite, strictly increasing edges",
                    p.title
                ),
            ));
        }
        for s in &p.series {
            if s.values.len() != p.edges.len() - 1 {
                return Err(invalid(
                    title,
                    format!(
                        "panel \"{}\", series \"{}\": {} values for {} bins",
                        p.title,
                        s.name,
                        s.values.len(),
                        p.edges.len() - 1
                    ),
                ));
            }
            if s.values.iter().any(|v| *v < 0.0) {
                return Err(invalid(
                    title,
                    format!("series \"{}\" has a negative bin", s.name),
                ));
            }
        }
    }
    let panel_max = |p: &HistPanel| {
        super::common::finite_extent(p.series.iter().flat_map(|s| s.values.iter().copied()))
            .map(|(_, hi)| hi)
    };
    let global = spec
        .panels
        .iter()
        .filter_map(panel_max)
        .fold(None, |a: Option<f64>, v| Some(a.map_or(v, |a| a.max(v))));
    let Some(global) = global else {
        return Err(ChartError::NoData(spec.frame.title.clone()));
    };
    // Names in first-seen order fix each distribution's colour across panels.
    let mut names: Vec<&str> = Vec::new();
    for s in spec.panels.iter().flat_map(|p| &p.series) {
        if !names.contains(&s.name.as_str()) {
            names.push(&s.name);
        }
    }
    let legend: Vec<LegendEntry> = if names.len() > 1 {
        names
            .iter()
            .enumerate()
            .map(|(k, n)| LegendEntry {
                name: (*n).to_owned(),
                swatch: Swatch::Fill(color(k)),
            })
            .collect()
    } else {
        Vec::new()
    };
    let (rows, cols) = grid(spec.panels.len());
    render(&spec.frame, &legend, |root, area| -> DrawResult {
        let cells = area.split_evenly((rows, cols));
        for (p, cell) in spec.panels.iter().zip(cells.iter()) {
            let top = if spec.shared_y {
                Some(global)
            } else {
                panel_max(p)
            };
            let top = match top {
                Some(t) if t > 0.0 => t * 1.05,
                _ => 1.0,
            };
            let (x0, x1) = safe_axis(p.edges[0], p.edges[p.edges.len() - 1]);
            let (_, top) = safe_axis(0.0, top);
            let mut chart = panel_builder(cell, &p.title)
                .margin_right(18)
                .x_label_area_size(52)
                .build_cartesian_2d(x0..x1, 0.0..top)?;
            let (x_fmt, y_fmt) = (tick_fmt(x0, x1), tick_fmt(0.0, top));
            let mut mesh = chart.configure_mesh();
            style_mesh(&mut mesh, AxisText::Panel);
            spec.frame.describe(&mut mesh, false);
            mesh.x_labels(6)
                .y_labels(6)
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .draw()?;
            for s in &p.series {
                let k = names.iter().position(|n| *n == s.name).unwrap_or(0);
                let c = color(k);
                let mut outline: Vec<(i32, i32)> = Vec::new();
                for (b, &v) in s.values.iter().enumerate() {
                    let v = if v.is_finite() { v.min(top) } else { 0.0 };
                    // Clamped so edges beyond the axis cannot overflow pixel maths.
                    let a = chart.backend_coord(&(p.edges[b].clamp(x0, x1), 0.0));
                    let t = chart.backend_coord(&(p.edges[b + 1].clamp(x0, x1), v));
                    if v > 0.0 {
                        root.draw(&Rectangle::new([a, t], c.mix(0.18).filled()))?;
                    }
                    outline.push((a.0, t.1));
                    outline.push((t.0, t.1));
                }
                if let (Some(first), Some(last)) =
                    (outline.first().copied(), outline.last().copied())
                {
                    let base = chart.backend_coord(&(x0, 0.0)).1;
                    let mut path = vec![(first.0, base)];
                    path.extend(outline);
                    path.push((last.0, base));
                    root.draw(&PathElement::new(path, c.stroke_width(2)))?;
                }
            }
        }
        Ok(())
    })
}
