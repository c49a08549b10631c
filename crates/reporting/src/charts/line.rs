//! Line charts: training curves, gradient magnitudes on a log axis, multi-seed bands and
//! an optional secondary (right-hand) y axis.

use plotters::prelude::*;

use super::common::{
    DrawResult, INK, LABEL_SIZE, LegendEntry, Swatch, check_range, color, dashed_path,
    fmt_log_tick, invalid, pad_range, safe_axis, text_style, tick_fmt,
};
use super::frame::{AxisText, Frame, render, style_mesh, style_secondary};
use super::{ChartError, Result};
use plotters::style::text_anchor::{HPos, VPos};

/// One named curve of a [`LineChart`].
#[derive(Debug, Clone, PartialEq)]
pub struct LineSeries {
    /// Legend name, e.g. `"ReLU, train"`.
    pub name: String,
    /// `(x, y)` points in drawing order; non-finite points break the line.
    pub points: Vec<(f64, f64)>,
    /// Optional half-width of a shaded band per point (e.g. the standard deviation across
    /// seeds, giving mean ± sd). Must have one entry per point when present.
    pub band: Option<Vec<f64>>,
    /// Draw dashed (e.g. validation) rather than solid (e.g. training).
    pub dashed: bool,
    /// Plot against the right-hand axis (e.g. a saturation share beside gradient norms).
    pub secondary: bool,
    /// Palette index; `None` takes the series' position. Give train and validation of the
    /// same model the same index and let `dashed` tell them apart.
    pub color: Option<usize>,
    /// Mark every point when the series has few points (at most 12 in a run); turn off
    /// for reference lines such as a baseline drawn between two x positions.
    pub markers: bool,
}

impl LineSeries {
    /// A solid primary-axis series with no band and the default colour.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            points,
            band: None,
            dashed: false,
            secondary: false,
            color: None,
            markers: true,
        }
    }

    /// Draws no point markers: for reference lines, whose two end points are not
    /// measurements.
    pub fn no_markers(mut self) -> Self {
        self.markers = false;
        self
    }

    /// Adds a shaded ±`half_width` band (one value per point).
    pub fn band(mut self, half_width: Vec<f64>) -> Self {
        self.band = Some(half_width);
        self
    }

    /// Draws the series dashed.
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }

    /// Puts the series on the right-hand axis.
    pub fn secondary(mut self) -> Self {
        self.secondary = true;
        self
    }

    /// Fixes the palette index.
    pub fn color(mut self, index: usize) -> Self {
        self.color = Some(index);
        self
    }
}

/// Spec of a line chart. The secondary axis is a true right-hand y axis (linear), not a
/// second panel; it appears only when some series is marked `secondary`.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// Title, x-axis label with units (e.g. `"epoch"`), left y-axis label with units
    /// (e.g. `"mean |∂L/∂W1| (log scale)"`) and size.
    pub frame: Frame,
    /// Right y-axis label, used when a series is `secondary`.
    pub y2_label: String,
    /// Log10 scale on the left axis; non-positive values are skipped.
    pub log_y: bool,
    /// Fixed x range; `None` fits the data.
    pub x_range: Option<(f64, f64)>,
    /// Fixed left y range in data units (also for log axes); `None` fits the data.
    pub y_range: Option<(f64, f64)>,
    /// Fixed right y range; `None` fits the data.
    pub y2_range: Option<(f64, f64)>,
    /// The curves.
    pub series: Vec<LineSeries>,
}

impl LineChart {
    /// An empty linear chart of the default size.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Self {
        Self {
            frame: Frame::new(title, x_label, y_label),
            y2_label: String::new(),
            log_y: false,
            x_range: None,
            y_range: None,
            y2_range: None,
            series: Vec::new(),
        }
    }

    /// Adds a series.
    pub fn series(mut self, s: LineSeries) -> Self {
        self.series.push(s);
        self
    }

    /// Switches the left axis to log10.
    pub fn log_y(mut self) -> Self {
        self.log_y = true;
        self
    }

    /// Labels the right axis.
    pub fn y2_label(mut self, label: impl Into<String>) -> Self {
        self.y2_label = label.into();
        self
    }

    /// Fixes the left y range (data units).
    pub fn y_range(mut self, lo: f64, hi: f64) -> Self {
        self.y_range = Some((lo, hi));
        self
    }

    /// Fixes the right y range.
    pub fn y2_range(mut self, lo: f64, hi: f64) -> Self {
        self.y2_range = Some((lo, hi));
        self
    }
}

/// A series after cleaning: runs of drawable points in plot coordinates (log10 applied)
/// and the band polygon per run.
struct Prepared {
    runs: Vec<Vec<(f64, f64)>>,
    bands: Vec<Vec<(f64, f64)>>,
}

/// Transforms `y` into plot space, `None` when it cannot be drawn.
fn to_plot(y: f64, log: bool) -> Option<f64> {
    if !y.is_finite() {
        None
    } else if log {
        (y > 0.0).then(|| y.log10())
    } else {
        Some(y)
    }
}

/// Splits a series into drawable runs and band polygons. On a log axis a band's lower
/// edge that is not positive is clamped to `floor` (the bottom of the axis).
fn prepare(s: &LineSeries, log: bool, floor: f64) -> Prepared {
    let mut runs = Vec::new();
    let mut bands = Vec::new();
    let mut run: Vec<(f64, f64)> = Vec::new();
    let mut upper: Vec<(f64, f64)> = Vec::new();
    let mut lower: Vec<(f64, f64)> = Vec::new();
    let mut flush = |run: &mut Vec<(f64, f64)>, upper: &mut Vec<_>, lower: &mut Vec<_>| {
        if !run.is_empty() {
            runs.push(std::mem::take(run));
        }
        if upper.len() >= 2 {
            let mut poly = std::mem::take(upper);
            poly.extend(lower.drain(..).rev());
            bands.push(poly);
        }
        upper.clear();
        lower.clear();
    };
    for (i, &(x, y)) in s.points.iter().enumerate() {
        match (x.is_finite(), to_plot(y, log)) {
            (true, Some(py)) => {
                run.push((x, py));
                let half = s.band.as_ref().and_then(|b| b.get(i)).copied();
                if let Some(h) = half.filter(|h| h.is_finite()) {
                    let h = h.abs();
                    let hi = to_plot(y + h, log).unwrap_or(py);
                    let lo = to_plot(y - h, log).unwrap_or(floor).max(floor.min(py));
                    upper.push((x, hi));
                    lower.push((x, lo));
                }
            }
            _ => flush(&mut run, &mut upper, &mut lower),
        }
    }
    flush(&mut run, &mut upper, &mut lower);
    Prepared { runs, bands }
}

/// Extent over the series selected by `pick`, including their bands.
fn extent(spec: &LineChart, pick: bool, log: bool) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for s in spec.series.iter().filter(|s| s.secondary == pick) {
        for (i, &(x, y)) in s.points.iter().enumerate() {
            if !x.is_finite() {
                continue;
            }
            let Some(py) = to_plot(y, log) else { continue };
            lo = lo.min(py);
            hi = hi.max(py);
            if let Some(h) = s
                .band
                .as_ref()
                .and_then(|b| b.get(i))
                .filter(|h| h.is_finite())
            {
                if let Some(u) = to_plot(y + h.abs(), log) {
                    hi = hi.max(u);
                }
                if let Some(l) = to_plot(y - h.abs(), log) {
                    lo = lo.min(l);
                }
            }
        }
    }
    (lo <= hi).then_some((lo, hi))
}

/// Draws a line chart and returns the SVG.
///
/// Errors: [`ChartError::NoData`] when no series has a drawable point;
/// [`ChartError::InvalidSpec`] when a band's length differs from its series' or a fixed
/// range is not increasing (or not positive on a log axis).
pub fn line_chart(spec: &LineChart) -> Result<String> {
    let title = spec.frame.title.as_str();
    for s in &spec.series {
        if let Some(b) = &s.band
            && b.len() != s.points.len()
        {
            return Err(invalid(
                title,
                format!(
                    "series \"{}\": band has {} values for {} points",
                    s.name,
                    b.len(),
                    s.points.len()
                ),
            ));
        }
    }
    check_range(title, "x", spec.x_range)?;
    check_range(title, "y", spec.y_range)?;
    check_range(title, "secondary y", spec.y2_range)?;
    let log = spec.log_y;
    let y_fixed = match spec.y_range {
        Some((lo, hi)) if log => {
            if lo <= 0.0 {
                return Err(invalid(title, "log y range must be positive"));
            }
            Some((lo.log10(), hi.log10()))
        }
        other => other,
    };
    let has_secondary = spec.series.iter().any(|s| s.secondary);
    let x_ext = finite_x(spec);
    let y1_ext = extent(spec, false, log);
    let y2_ext = extent(spec, true, false);
    if y1_ext.is_none() && y2_ext.is_none() {
        return Err(ChartError::NoData(spec.frame.title.clone()));
    }
    let Some((x0, x1)) = spec.x_range.or(x_ext) else {
        return Err(ChartError::NoData(spec.frame.title.clone()));
    };
    let (x0, x1) = safe_axis(x0, x1);
    let (y0, y1) = match (y_fixed, y1_ext) {
        (Some(r), _) => r,
        (None, Some((lo, hi))) if log => {
            let (lo, hi) = (lo.floor(), hi.ceil());
            if hi > lo { (lo, hi) } else { (lo, lo + 1.0) }
        }
        (None, Some((lo, hi))) => pad_range(lo, hi, 0.05),
        (None, None) => (0.0, 1.0),
    };
    let (y0, y1) = safe_axis(y0, y1);
    let (s0, s1) = match (spec.y2_range, y2_ext) {
        (Some(r), _) => r,
        (None, Some((lo, hi))) => pad_range(lo, hi, 0.05),
        (None, None) => (0.0, 1.0),
    };
    let (s0, s1) = safe_axis(s0, s1);

    let colors: Vec<RGBColor> = spec
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| color(s.color.unwrap_or(i)))
        .collect();
    let legend: Vec<LegendEntry> = if spec.series.len() > 1 || has_secondary {
        spec.series
            .iter()
            .zip(&colors)
            .map(|(s, &c)| LegendEntry {
                name: if s.secondary && !spec.y2_label.is_empty() {
                    format!("{} (right axis)", s.name)
                } else {
                    s.name.clone()
                },
                swatch: Swatch::Line {
                    color: c,
                    dashed: s.dashed,
                    band: s.band.is_some(),
                },
            })
            .collect()
    } else {
        Vec::new()
    };

    // Whole-number x (iterations, epochs) over a short span: one tick per whole number,
    // so the axis never shows an "epoch 1.5".
    let x_ticks = if integer_x(spec) && x1 - x0 <= 8.0 {
        ((x1 - x0).round() as usize + 1).max(2)
    } else {
        9
    };
    render(&spec.frame, &legend, |root, area| -> DrawResult {
        let mut builder = ChartBuilder::on(area);
        builder
            .margin_left(10)
            .margin_right(if has_secondary { 10 } else { 30 })
            .margin_bottom(8)
            .margin_top(6)
            .x_label_area_size(58)
            .y_label_area_size(if log { 86 } else { 84 });
        if has_secondary {
            builder.right_y_label_area_size(84);
        }
        let mut chart = builder
            .build_cartesian_2d(x0..x1, y0..y1)?
            .set_secondary_coord(x0..x1, s0..s1);
        let lin_fmt = tick_fmt(y0, y1);
        let y_fmt = |v: &f64| if log { fmt_log_tick(*v) } else { lin_fmt(v) };
        let y_labels = if log {
            ((y1 - y0).round() as usize + 1).clamp(2, 10)
        } else {
            7
        };
        let x_fmt = tick_fmt(x0, x1);
        let mut mesh = chart.configure_mesh();
        style_mesh(&mut mesh, AxisText::Chart);
        spec.frame.describe(&mut mesh, false);
        mesh.x_labels(x_ticks)
            .y_labels(y_labels)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .draw()?;
        if has_secondary {
            let y2_fmt = tick_fmt(s0, s1);
            let mut axes = chart.configure_secondary_axes();
            style_secondary(&mut axes);
            axes.y_labels(7)
                .y_label_formatter(&y2_fmt)
                .y_desc(spec.y2_label.as_str())
                .draw()?;
        }
        let in_x = |x: f64| x >= x0 && x <= x1;
        let to_px = |secondary: bool, pt: (f64, f64)| {
            if secondary {
                chart.borrow_secondary().backend_coord(&pt)
            } else {
                chart.backend_coord(&pt)
            }
        };
        // Bands first so every line stays visible on top of them.
        for (s, &c) in spec.series.iter().zip(&colors) {
            let floor = if s.secondary { s0 } else { y0 };
            let p = prepare(s, log && !s.secondary, floor);
            for band in p.bands {
                let clamp = |(x, y): (f64, f64)| {
                    let (lo, hi) = if s.secondary { (s0, s1) } else { (y0, y1) };
                    (x.clamp(x0, x1), y.clamp(lo, hi))
                };
                let poly: Vec<(f64, f64)> = band.into_iter().map(clamp).collect();
                let px: Vec<(i32, i32)> = poly.iter().map(|pt| to_px(s.secondary, *pt)).collect();
                root.draw(&Polygon::new(px, c.mix(0.18).filled()))?;
            }
        }
        for (s, &c) in spec.series.iter().zip(&colors) {
            let floor = if s.secondary { s0 } else { y0 };
            let p = prepare(s, log && !s.secondary, floor);
            let style = c.stroke_width(if s.dashed { 2 } else { 3 });
            for run in p.runs {
                let (ylo, yhi) = if s.secondary { (s0, s1) } else { (y0, y1) };
                let visible: Vec<(f64, f64)> = run
                    .into_iter()
                    .filter(|&(x, y)| in_x(x) && y >= ylo - 1e-12 && y <= yhi + 1e-12)
                    .collect();
                let px: Vec<(i32, i32)> =
                    visible.iter().map(|pt| to_px(s.secondary, *pt)).collect();
                if s.dashed && px.len() > 1 {
                    dashed_path(root, &px, style)?;
                } else if px.len() > 1 {
                    root.draw(&PathElement::new(px.clone(), style))?;
                }
                if px.len() == 1 || (s.markers && px.len() <= MARKER_MAX_POINTS) {
                    // Few points: mark each one so a straight segment between two
                    // measurements is not read as a measured trend. Dashed series get
                    // hollow markers, matching their lighter line.
                    for &p in &px {
                        if s.dashed {
                            root.draw(&Circle::new(p, 4, WHITE.filled()))?;
                            root.draw(&Circle::new(p, 4, c.stroke_width(2)))?;
                        } else {
                            root.draw(&Circle::new(p, 4, c.filled()))?;
                        }
                    }
                }
            }
        }
        // A "no data" note keeps an all-secondary or all-skipped primary axis honest.
        if y1_ext.is_none() && spec.series.iter().any(|s| !s.secondary) {
            let (cx, cy) = chart.backend_coord(&((x0 + x1) / 2.0, (y0 + y1) / 2.0));
            root.draw(&Text::new(
                "no drawable values on the left axis".to_owned(),
                (cx, cy),
                text_style(LABEL_SIZE, INK, HPos::Center, VPos::Center),
            ))?;
        }
        Ok(())
    })
}

/// Series with at most this many points in a run get a marker on every point.
const MARKER_MAX_POINTS: usize = 12;

/// Every finite x of every series is a whole number (and there is at least one).
fn integer_x(spec: &LineChart) -> bool {
    let mut xs = spec
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .filter(|x| x.is_finite())
        .peekable();
    xs.peek().is_some() && xs.all(|x| x == x.round())
}

/// Extent of the finite x values of all series.
fn finite_x(spec: &LineChart) -> Option<(f64, f64)> {
    super::common::finite_extent(
        spec.series
            .iter()
            .flat_map(|s| s.points.iter().filter(|p| p.1.is_finite()).map(|p| p.0)),
    )
}
