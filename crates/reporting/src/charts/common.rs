//! Layout and formatting shared by every chart: the title and legend header, text width
//! estimates, number formatting and range padding.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{ChartError, PALETTE, Result};

/// The drawing area type every chart draws on.
pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Font family for all text: resolved by the viewer, no font files needed.
pub(crate) const FONT: &str = "sans-serif";
/// Title size in plotters units (the SVG gets size / 1.24 px).
pub(crate) const TITLE_SIZE: f64 = 26.0;
/// Axis description size.
pub(crate) const DESC_SIZE: f64 = 19.0;
/// Tick label and legend size.
pub(crate) const LABEL_SIZE: f64 = 17.0;
/// Height of one legend row in pixels.
pub(crate) const LEGEND_ROW: i32 = 24;
/// Grey used for axes text and reference lines.
pub(crate) const INK: RGBColor = RGBColor(40, 40, 40);

/// A drawing failure inside a chart body; turned into [`ChartError::Drawing`] with the
/// chart's title by [`super::frame::render`], so every `?` inside drawing code stays short.
#[derive(Debug)]
pub(crate) struct DrawFail(pub(crate) String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawFail {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawFail(e.to_string())
    }
}

/// Result of drawing code inside [`super::frame::render`].
pub(crate) type DrawResult = std::result::Result<(), DrawFail>;

/// Palette colour for series `i`, cycling when there are more series than colours.
pub(crate) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Black or white, whichever reads better on `bg` (WCAG relative luminance threshold).
pub(crate) fn contrast_text(bg: RGBColor) -> RGBColor {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * lin(bg.0) + 0.7152 * lin(bg.1) + 0.0722 * lin(bg.2);
    if l > 0.179 { BLACK } else { WHITE }
}

/// The error for an inconsistent spec.
pub(crate) fn invalid(title: &str, reason: impl Into<String>) -> ChartError {
    ChartError::InvalidSpec {
        title: title.to_owned(),
        reason: reason.into(),
    }
}

/// A text style at plotters size `size`, anchored at (`h`, `v`).
pub(crate) fn text_style(size: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    (FONT, size).into_font().color(&color).pos(Pos::new(h, v))
}

/// Estimated rendered width in pixels of `s` at plotters size `size`.
///
/// plotters has no font metrics without system fonts, so layout uses a conservative
/// average glyph width of a sans-serif face (0.58 em).
pub(crate) fn text_width(s: &str, size: f64) -> i32 {
    (s.chars().count() as f64 * size / 1.24 * 0.58).ceil() as i32
}

/// Rendered line height in pixels at plotters size `size`.
pub(crate) fn line_height(size: f64) -> i32 {
    (size / 1.24 * 1.25).ceil() as i32
}

/// Splits a label into lines no wider than `max_px`, breaking after spaces and
/// underscores (kept), so `room_type_Private room` can wrap under a narrow bar.
pub(crate) fn wrap(label: &str, max_px: i32, size: f64) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in label.chars() {
        cur.push(c);
        if c == ' ' || c == '_' {
            tokens.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for t in tokens {
        let candidate = format!("{line}{t}");
        if !line.is_empty() && text_width(candidate.trim_end(), size) > max_px {
            lines.push(line.trim_end().to_owned());
            line = t;
        } else {
            line = candidate;
        }
    }
    if !line.trim_end().is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
}

/// Like [`wrap`], but with the lines balanced: the same number of lines as the greedy
/// wrap at `max_px`, each as short as possible, so a title never ends in one orphaned word.
pub(crate) fn wrap_balanced(label: &str, max_px: i32, size: f64) -> Vec<String> {
    let greedy = wrap(label, max_px, size);
    if greedy.len() < 2 {
        return greedy;
    }
    let (mut lo, mut hi) = (1, max_px);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if wrap(label, mid, size).len() <= greedy.len() {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    wrap(label, hi, size)
}

/// Formats a tick or value label compactly: no float noise (`0.30000000000000004`),
/// no trailing zeros, no `-0`, scientific notation only for very small or large values.
pub(crate) fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".to_owned();
    }
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e7).contains(&a) {
        return fmt_sci(v);
    }
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// Tick formatter for an axis spanning `lo..hi`: like [`fmt_num`], but a tick within
/// float noise of zero (plotters can yield `-5.6e-17`) prints as `0`.
pub(crate) fn tick_fmt(lo: f64, hi: f64) -> impl Fn(&f64) -> String {
    let eps = (hi - lo).abs() * 1e-9;
    move |v: &f64| {
        if v.abs() <= eps {
            "0".to_owned()
        } else {
            fmt_num(*v)
        }
    }
}

/// `v` with `decimals` digits after the point, `-0` shown as `0`.
pub(crate) fn fmt_fixed(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "n/a".to_owned();
    }
    let s = format!("{v:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_owned()
    } else {
        s
    }
}

/// Scientific notation with two significant digits: `1.5e-3`, `1e-6`.
pub(crate) fn fmt_sci(v: f64) -> String {
    let s = format!("{v:.1e}");
    s.replace(".0e", "e")
}

/// Label for a tick on a log10 axis drawn in exponent space: `1e-3` on whole decades,
/// otherwise the value with two significant digits.
pub(crate) fn fmt_log_tick(exp: f64) -> String {
    if (exp - exp.round()).abs() < 1e-9 {
        let k = exp.round() as i32;
        match k {
            0 => "1".to_owned(),
            1 => "10".to_owned(),
            2 => "100".to_owned(),
            -1 => "0.1".to_owned(),
            -2 => "0.01".to_owned(),
            _ => format!("1e{k}"),
        }
    } else {
        fmt_sci(10f64.powf(exp))
    }
}

/// Largest magnitude an axis end may have: keeps spans finite (plotters loops forever
/// on an infinite axis).
const AXIS_LIMIT: f64 = 1e300;

/// Makes an axis range drawable: finite ends within ±[`AXIS_LIMIT`], and a span that is
/// not lost in float rounding (a zero or near-zero span is widened around its middle).
pub(crate) fn safe_axis(lo: f64, hi: f64) -> (f64, f64) {
    let clamp = |v: f64| {
        if v.is_nan() {
            0.0
        } else {
            v.clamp(-AXIS_LIMIT, AXIS_LIMIT)
        }
    };
    let (lo, hi) = (clamp(lo.min(hi)), clamp(hi.max(lo)));
    let scale = lo.abs().max(hi.abs());
    if hi - lo > scale * 1e-9 && hi - lo > 1e-280 {
        (lo, hi)
    } else {
        let mid = lo / 2.0 + hi / 2.0;
        let half = if mid.abs() < 1e-280 {
            1.0
        } else {
            mid.abs() * 0.1
        };
        (mid - half, mid + half)
    }
}

/// Range `[lo, hi]` widened by `frac` of its span on each side, made drawable by
/// [`safe_axis`] (so a zero-width range becomes one around the value).
pub(crate) fn pad_range(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    let (lo, hi) = safe_axis(lo, hi);
    let pad = (hi / 2.0 - lo / 2.0) * 2.0 * frac;
    safe_axis(lo - pad, hi + pad)
}

/// Min and max of the finite values, or `None` when there is none.
pub(crate) fn finite_extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Validates a caller-fixed axis range.
pub(crate) fn check_range(title: &str, what: &str, r: Option<(f64, f64)>) -> Result<()> {
    if let Some((lo, hi)) = r
        && !(lo.is_finite() && hi.is_finite() && lo < hi)
    {
        return Err(invalid(
            title,
            format!("{what} range ({lo}, {hi}) must be finite and increasing"),
        ));
    }
    Ok(())
}

/// What a legend entry shows in front of its name.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    /// A line sample, optionally dashed, optionally over a shaded band.
    Line {
        /// Line colour.
        color: RGBColor,
        /// Dashed rather than solid.
        dashed: bool,
        /// Shaded band behind it.
        band: bool,
    },
    /// A filled square (bars, boxes, histogram fills).
    Fill(RGBColor),
}

/// One legend entry.
#[derive(Debug, Clone)]
pub(crate) struct LegendEntry {
    /// Shown text.
    pub(crate) name: String,
    /// Shown sample.
    pub(crate) swatch: Swatch,
}

/// Lays legend entries into centred rows no wider than `width`; returns rows of
/// (entry index, entry width).
pub(crate) fn legend_rows(entries: &[LegendEntry], width: i32) -> Vec<Vec<(usize, i32)>> {
    let mut rows: Vec<Vec<(usize, i32)>> = Vec::new();
    let mut row_w = 0;
    for (i, e) in entries.iter().enumerate() {
        let w = 30 + 6 + text_width(&e.name, LABEL_SIZE) + 22;
        if row_w + w > width - 20
            && let Some(last) = rows.last()
            && !last.is_empty()
        {
            rows.push(Vec::new());
            row_w = 0;
        }
        if rows.is_empty() {
            rows.push(Vec::new());
        }
        if let Some(last) = rows.last_mut() {
            last.push((i, w));
        }
        row_w += w;
    }
    rows
}

/// Dashed polyline in pixel space: 9 px dashes, 5 px gaps, the pattern carried across
/// vertices so short steps between epochs still show as dashed.
pub(crate) fn dashed_path(area: &Area<'_>, pts: &[(i32, i32)], style: ShapeStyle) -> DrawResult {
    const ON: f64 = 9.0;
    const OFF: f64 = 5.0;
    let mut phase = 0.0f64; // distance into the current on+off period
    let mut dash: Vec<(i32, i32)> = Vec::new();
    for seg in pts.windows(2) {
        let (a, b) = (seg[0], seg[1]);
        let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
        let len = (dx * dx + dy * dy).sqrt();
        let at = |t: f64| {
            let f = if len > 0.0 { t / len } else { 0.0 };
            (
                (f64::from(a.0) + dx * f).round() as i32,
                (f64::from(a.1) + dy * f).round() as i32,
            )
        };
        let mut t = 0.0;
        while t < len {
            if phase < ON {
                let step = (ON - phase).min(len - t);
                if dash.is_empty() {
                    dash.push(at(t));
                }
                t += step;
                phase += step;
                dash.push(at(t));
                if phase >= ON && dash.len() >= 2 {
                    area.draw(&PathElement::new(std::mem::take(&mut dash), style))?;
                }
            } else {
                let step = (ON + OFF - phase).min(len - t);
                t += step;
                phase += step;
                if phase >= ON + OFF {
                    phase = 0.0;
                }
            }
        }
    }
    if dash.len() >= 2 {
        area.draw(&PathElement::new(dash, style))?;
    }
    Ok(())
}

/// Draws one legend sample whose left edge is at `x`, vertically centred on `cy`.
pub(crate) fn draw_swatch(root: &Area<'_>, swatch: Swatch, x: i32, cy: i32) -> DrawResult {
    match swatch {
        Swatch::Line {
            color,
            dashed,
            band,
        } => {
            if band {
                root.draw(&Rectangle::new(
                    [(x, cy - 7), (x + 30, cy + 7)],
                    color.mix(0.2).filled(),
                ))?;
            }
            let style = color.stroke_width(3);
            let pts = [(x, cy), (x + 30, cy)];
            if dashed {
                root.draw(&PathElement::new(vec![(x, cy), (x + 11, cy)], style))?;
                root.draw(&PathElement::new(vec![(x + 19, cy), (x + 30, cy)], style))?;
            } else {
                root.draw(&PathElement::new(pts.to_vec(), style))?;
            }
        }
        Swatch::Fill(color) => {
            root.draw(&Rectangle::new(
                [(x + 6, cy - 8), (x + 24, cy + 8)],
                color.filled(),
            ))?;
        }
    }
    Ok(())
}

/// How category labels fit under an axis: wrapped horizontal lines at a font size, or,
/// when even the smallest size cannot fit a word in its slot, rotated to read upwards.
enum CategoryLayout {
    /// Horizontal, wrapped lines at this font size.
    Wrapped(f64),
    /// Rotated by 270°, at this font size.
    Rotated(f64),
}

/// Smallest font size at which category labels are shrunk to stay on one line before
/// wrapping is tried.
const ONE_LINE_MIN_SIZE: f64 = 14.0;

/// Smallest font size used for category labels.
const MIN_CATEGORY_SIZE: f64 = 12.0;

/// Chooses how `labels` fit in slots `max_px` wide.
fn category_layout(labels: &[String], max_px: i32) -> CategoryLayout {
    // One line at a slightly smaller size reads better than a wrapped label whose second
    // line ("Moderate" under "1") looks like an axis description.
    let mut size = LABEL_SIZE;
    while size >= ONE_LINE_MIN_SIZE {
        if labels.iter().all(|l| text_width(l, size) <= max_px) {
            return CategoryLayout::Wrapped(size);
        }
        size -= 1.0;
    }
    let mut size = LABEL_SIZE;
    loop {
        let fits = labels
            .iter()
            .flat_map(|l| wrap(l, max_px, size))
            .all(|line| text_width(&line, size) <= max_px);
        let lines = labels
            .iter()
            .map(|l| wrap(l, max_px, size).len())
            .max()
            .unwrap_or(1);
        if fits && lines <= 3 {
            return CategoryLayout::Wrapped(size);
        }
        if size <= MIN_CATEGORY_SIZE {
            // Rotated text needs only a line's height across the slot.
            let rotated = [LABEL_SIZE - 1.0, 15.0, 13.0]
                .into_iter()
                .find(|&sz| line_height(sz) <= max_px)
                .unwrap_or(MIN_CATEGORY_SIZE);
            return CategoryLayout::Rotated(rotated);
        }
        size -= 1.0;
    }
}

/// Draws category labels centred under pixel positions `centers`, starting at `top`:
/// wrapped into slots `max_px` wide, shrunk, or rotated when nothing else fits.
pub(crate) fn draw_x_categories(
    root: &Area<'_>,
    labels: &[String],
    centers: &[i32],
    top: i32,
    max_px: i32,
) -> DrawResult {
    match category_layout(labels, max_px) {
        CategoryLayout::Wrapped(size) => {
            for (label, &cx) in labels.iter().zip(centers) {
                for (k, line) in wrap(label, max_px, size).into_iter().enumerate() {
                    root.draw(&Text::new(
                        line,
                        (cx, top + k as i32 * line_height(size)),
                        text_style(size, INK, HPos::Center, VPos::Top),
                    ))?;
                }
            }
        }
        CategoryLayout::Rotated(size) => {
            for (label, &cx) in labels.iter().zip(centers) {
                root.draw(&Text::new(
                    label.clone(),
                    (cx, top),
                    text_style(size, INK, HPos::Right, VPos::Center)
                        .transform(FontTransform::Rotate270),
                ))?;
            }
        }
    }
    Ok(())
}

/// Pixel height the category labels need below an axis.
pub(crate) fn category_height(labels: &[String], max_px: i32) -> i32 {
    match category_layout(labels, max_px) {
        CategoryLayout::Wrapped(size) => {
            let lines = labels
                .iter()
                .map(|l| wrap(l, max_px, size).len())
                .max()
                .unwrap_or(1) as i32;
            lines * line_height(size)
        }
        CategoryLayout::Rotated(size) => labels
            .iter()
            .map(|l| text_width(l, size))
            .max()
            .unwrap_or(0)
            .min(220),
    }
}
