//! The frame every chart shares: its title, axis labels and canvas size, and the one
//! place that draws them (title and legend header, axis descriptions, mesh look), so a
//! chart kind keeps only what is its own.

use plotters::chart::{MeshStyle, SecondaryMeshStyle};
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{
    Area, DESC_SIZE, DrawFail, DrawResult, FONT, INK, LABEL_SIZE, LEGEND_ROW, LegendEntry,
    TITLE_SIZE, draw_swatch, invalid, legend_rows, line_height, text_style, wrap_balanced,
};
use super::{ChartError, DEFAULT_SIZE, Result};

/// What surrounds a chart's data: title, axis labels (units included) and canvas size.
///
/// `x_label` names the horizontal axis and `y_label` the vertical one; a bar chart's
/// `x_label` is its category axis and `y_label` its value axis, drawn the other way
/// round when the bars are horizontal. An empty label draws nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Chart title.
    pub title: String,
    /// Label of the x axis (the category axis of bar charts).
    pub x_label: String,
    /// Label of the y axis (the value axis of bar charts).
    pub y_label: String,
    /// Canvas size in pixels.
    pub size: (u32, u32),
}

impl Frame {
    /// A frame of the default size.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Self {
        Self {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            size: DEFAULT_SIZE,
        }
    }

    /// A frame with a title only (axis labels empty), of the default size.
    pub fn titled(title: impl Into<String>) -> Self {
        Self::new(title, "", "")
    }

    /// Pixel height under a category axis: the category names (`names_h`), a gap, and
    /// room for the x label when there is one.
    pub(crate) fn category_band(&self, names_h: i32) -> i32 {
        names_h + 14 + if self.x_label.is_empty() { 0 } else { 32 }
    }

    /// Sets the frame's axis descriptions on `mesh`, x on y and y on x when `swapped`.
    pub(crate) fn describe<X: Ranged, Y: Ranged, DB: DrawingBackend>(
        &self,
        mesh: &mut MeshStyle<'_, '_, X, Y, DB>,
        swapped: bool,
    ) {
        let (x, y) = if swapped {
            (&self.y_label, &self.x_label)
        } else {
            (&self.x_label, &self.y_label)
        };
        mesh.x_desc(x.as_str()).y_desc(y.as_str());
    }

    /// Rejects canvases too small to lay out a title, legend and axes.
    fn check_size(&self) -> Result<()> {
        let size = self.size;
        if size.0 < 200 || size.1 < 150 || size.0 > 10_000 || size.1 > 10_000 {
            return Err(invalid(
                &self.title,
                format!(
                    "canvas {}×{} outside 200×150 ..= 10000×10000",
                    size.0, size.1
                ),
            ));
        }
        Ok(())
    }
}

/// Text sizes of an axis: a whole chart's, or a smaller panel's in a grid.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AxisText {
    /// Tick labels at [`LABEL_SIZE`], descriptions at [`DESC_SIZE`].
    Chart,
    /// One size smaller: tick labels at `LABEL_SIZE - 1`, descriptions at [`LABEL_SIZE`].
    Panel,
}

impl AxisText {
    /// (tick label size, description size).
    fn sizes(self) -> (f64, f64) {
        match self {
            AxisText::Chart => (LABEL_SIZE, DESC_SIZE),
            AxisText::Panel => (LABEL_SIZE - 1.0, LABEL_SIZE),
        }
    }
}

/// Gives `mesh` the look every chart shares: ink-coloured axes and tick labels, black
/// descriptions, faint major grid lines and no minor ones.
pub(crate) fn style_mesh<X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &mut MeshStyle<'_, '_, X, Y, DB>,
    text: AxisText,
) {
    let (label, desc) = text.sizes();
    mesh.label_style((FONT, label).into_font().color(&INK))
        .axis_desc_style((FONT, desc).into_font().color(&BLACK))
        .bold_line_style(BLACK.mix(0.08))
        .light_line_style(TRANSPARENT)
        .axis_style(INK);
}

/// The same look for a right-hand axis.
pub(crate) fn style_secondary<XT, YT, X, Y, DB>(mesh: &mut SecondaryMeshStyle<'_, '_, X, Y, DB>)
where
    X: Ranged<ValueType = XT> + ValueFormatter<XT>,
    Y: Ranged<ValueType = YT> + ValueFormatter<YT>,
    DB: DrawingBackend,
{
    mesh.label_style((FONT, LABEL_SIZE).into_font().color(&INK))
        .axis_desc_style((FONT, DESC_SIZE).into_font().color(&BLACK))
        .axis_style(INK);
}

/// A chart builder for a whole-canvas plot: the margins every single-plot chart with
/// category names under its x axis leaves around the plot.
pub(crate) fn chart_builder<'a, 'b>(area: &'a Area<'b>) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin_top(8)
        .margin_bottom(6)
        .margin_left(10)
        .margin_right(30);
    builder
}

/// A chart builder for one panel of a grid: the panel's title as caption, a 6 px
/// margin, and the tick-label room every panel's y axis gets.
pub(crate) fn panel_builder<'a, 'b>(
    cell: &'a Area<'b>,
    title: &str,
) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut builder = ChartBuilder::on(cell);
    builder
        .caption(title, (FONT, DESC_SIZE).into_font().color(&BLACK))
        .margin(6)
        .y_label_area_size(78);
    builder
}

/// Draws the frame's title and the legend, then hands the remaining body area to
/// `body`, and returns the finished SVG. All charts go through here so they share one
/// look.
pub(crate) fn render(
    frame: &Frame,
    legend: &[LegendEntry],
    body: impl FnOnce(&Area<'_>, &Area<'_>) -> DrawResult,
) -> Result<String> {
    frame.check_size()?;
    let (title, size) = (frame.title.as_str(), frame.size);
    let mut svg = String::new();
    let outcome = (|| -> DrawResult {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        let w = size.0 as i32;
        // Title, wrapped if it is wider than the canvas.
        let title_lines = wrap_balanced(title, w - 40, TITLE_SIZE);
        let mut y = 10;
        for line in &title_lines {
            root.draw(&Text::new(
                line.clone(),
                (w / 2, y),
                text_style(TITLE_SIZE, BLACK, HPos::Center, VPos::Top),
            ))?;
            y += line_height(TITLE_SIZE);
        }
        y += 6;
        // Legend rows under the title, outside the plot so they never hide data.
        for row in legend_rows(legend, w) {
            let total: i32 = row.iter().map(|(_, rw)| rw).sum::<i32>() - 22;
            let mut x = (w - total) / 2;
            let cy = y + LEGEND_ROW / 2;
            for (i, rw) in row {
                let e = &legend[i];
                draw_swatch(&root, e.swatch, x, cy)?;
                root.draw(&Text::new(
                    e.name.clone(),
                    (x + 36, cy),
                    text_style(LABEL_SIZE, INK, HPos::Left, VPos::Center),
                ))?;
                x += rw;
            }
            y += LEGEND_ROW;
        }
        if !legend.is_empty() {
            y += 4;
        }
        let (_, area) = root.split_vertically(y);
        body(&root, &area)?;
        root.present()?;
        Ok(())
    })();
    match outcome {
        Ok(()) => Ok(svg),
        Err(DrawFail(reason)) => Err(ChartError::Drawing {
            title: title.to_owned(),
            reason,
        }),
    }
}
