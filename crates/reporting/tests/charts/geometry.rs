//! Geometry: parse the SVG a chart writes and check that what is drawn matches the data
//! (bar lengths, stacked segments, line points).

use reporting::charts::*;

/// Attributes of every `<tag …>` element in `svg`, in document order.
fn elements(svg: &str, tag: &str) -> Vec<std::collections::HashMap<String, String>> {
    let open = format!("<{tag} ");
    svg.match_indices(&open)
        .map(|(i, _)| {
            let rest = &svg[i + open.len()..];
            let mut body = &rest[..rest.find('>').expect("element closed")];
            let mut attrs = std::collections::HashMap::new();
            while let Some(eq) = body.find("=\"") {
                let name = body[..eq].trim().to_owned();
                let value_end = body[eq + 2..].find('"').expect("attribute closed");
                attrs.insert(name, body[eq + 2..eq + 2 + value_end].to_owned());
                body = &body[eq + 2 + value_end + 1..];
            }
            attrs
        })
        .collect()
}

/// A filled rectangle as drawn: left, top, width, height in pixels.
#[derive(Debug, Clone, Copy)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn bottom(&self) -> f64 {
        self.y + self.h
    }
}

/// The rectangles filled with `fill` (an SVG colour such as `#0072B2`), wider and taller
/// than a legend swatch's 18×16 px so only data marks remain.
fn filled_rects(svg: &str, fill: &str) -> Vec<Rect> {
    elements(svg, "rect")
        .into_iter()
        .filter(|a| a.get("fill").is_some_and(|f| f.eq_ignore_ascii_case(fill)))
        .map(|a| {
            let num = |k: &str| a[k].parse::<f64>().expect("numeric attribute");
            Rect {
                x: num("x"),
                y: num("y"),
                w: num("width"),
                h: num("height"),
            }
        })
        .filter(|r| r.w > 18.0 || r.h > 16.0)
        .collect()
}

/// The points of every polyline stroked with `stroke` at `width` px.
fn polylines(svg: &str, stroke: &str, width: &str) -> Vec<Vec<(f64, f64)>> {
    elements(svg, "polyline")
        .into_iter()
        .filter(|a| {
            a.get("stroke")
                .is_some_and(|s| s.eq_ignore_ascii_case(stroke))
                && a.get("stroke-width").is_some_and(|w| w == width)
        })
        .map(|a| {
            a["points"]
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').expect("x,y");
                    (x.parse().expect("x"), y.parse().expect("y"))
                })
                .collect()
        })
        .collect()
}

/// Palette colours as SVG writes them.
const BLUE: &str = "#0072B2";
const ORANGE: &str = "#E69F00";
const GREEN: &str = "#009E73";

#[test]
fn bar_lengths_are_proportional_to_values_from_zero() {
    let values = [1.0, 2.0, 3.5];
    let cats: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    for horizontal in [false, true] {
        let mut spec = BarChart::new("bars", "category", "value", cats.clone())
            .series(BarSeries::new("s", values.to_vec()));
        if horizontal {
            spec = spec.horizontal();
        }
        let svg = bar_chart(&spec).unwrap();
        let bars = filled_rects(&svg, BLUE);
        assert_eq!(
            bars.len(),
            3,
            "one rectangle per bar (horizontal: {horizontal})"
        );
        // Length along the value axis; horizontal bars are drawn top to bottom in order.
        let len = |r: &Rect| if horizontal { r.w } else { r.h };
        // Pixels per unit from the longest bar, where rounding matters least.
        let per_unit = len(&bars[2]) / values[2];
        assert!(per_unit > 20.0, "bars too short to test: {bars:?}");
        assert!(
            (len(&bars[1]) - 2.0 * len(&bars[0])).abs() <= 1.0,
            "the bar for 2 is not twice the bar for 1 (horizontal: {horizontal}): {bars:?}"
        );
        for (r, v) in bars.iter().zip(values) {
            assert!(
                (len(r) - v * per_unit).abs() <= 1.0,
                "bar for {v} is {} px long, expected {} (horizontal: {horizontal}): {bars:?}",
                len(r),
                v * per_unit
            );
        }
        // All bars start from the same zero line.
        let start = |r: &Rect| if horizontal { r.x } else { r.bottom() };
        assert!(
            bars.iter()
                .all(|r| (start(r) - start(&bars[0])).abs() <= 0.5)
        );
        if !horizontal {
            // The value grows upwards: a taller bar's top is higher on the page.
            assert!(bars[0].y > bars[1].y && bars[1].y > bars[2].y);
        }
    }
}

#[test]
fn stacked_segments_are_proportional_to_shares_and_fill_the_bar() {
    // Counts, normalised per row; the third category is one class only, a full bar.
    let rows = [
        vec![1.0, 2.0, 1.0],
        vec![3.0, 1.0, 0.0],
        vec![0.0, 0.0, 5.0],
    ];
    let spec = StackedBars::new(
        "stacked",
        "category",
        "share",
        ["a", "b", "c"].map(String::from).to_vec(),
        ["x", "y", "z"].map(String::from).to_vec(),
        rows.to_vec(),
    );
    let svg = stacked_bars(&spec).unwrap();
    let fills = [BLUE, ORANGE, GREEN];
    let segments: Vec<Vec<Rect>> = fills.iter().map(|f| filled_rects(&svg, f)).collect();
    // Segments in category order per class; classes with a zero share draw nothing.
    let seg = |cat: usize, class: usize| -> Option<Rect> {
        let drawn: Vec<usize> = (0..rows.len()).filter(|&i| rows[i][class] > 0.0).collect();
        let k = drawn.iter().position(|&i| i == cat)?;
        Some(segments[class][k])
    };
    let full = seg(2, 2).expect("the full bar");
    assert!(full.h > 100.0, "full bar too short: {full:?}");
    for (i, row) in rows.iter().enumerate() {
        let total: f64 = row.iter().sum();
        let parts: Vec<(f64, Rect)> = (0..3)
            .filter_map(|j| seg(i, j).map(|r| (row[j] / total, r)))
            .collect();
        assert_eq!(parts.len(), row.iter().filter(|v| **v > 0.0).count());
        for (share, r) in &parts {
            assert!(
                (r.h - share * full.h).abs() <= 1.0,
                "category {i}: segment of share {share} is {} px tall, expected {}",
                r.h,
                share * full.h
            );
        }
        // Stacked from the bottom, each segment on top of the previous one, with the
        // whole bar exactly as tall as the full bar.
        assert!((parts[0].1.bottom() - full.bottom()).abs() <= 0.5);
        for pair in parts.windows(2) {
            assert!((pair[1].1.bottom() - pair[0].1.y).abs() <= 0.5, "{parts:?}");
        }
        let top = parts.last().map(|p| p.1.y).unwrap();
        assert!((full.bottom() - top - full.h).abs() <= 1.0, "{parts:?}");
    }
}

#[test]
fn line_points_move_with_their_values() {
    let values = [1.0, 3.0, 2.0, 2.5];
    let spec = LineChart::new("line", "x", "y").series(LineSeries::new(
        "s",
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| (i as f64, v))
            .collect(),
    ));
    let svg = line_chart(&spec).unwrap();
    let lines = polylines(&svg, BLUE, "3");
    assert_eq!(lines.len(), 1, "one curve");
    let pts = &lines[0];
    assert_eq!(pts.len(), values.len());
    // x runs left to right at even steps.
    let step = pts[1].0 - pts[0].0;
    assert!(step > 50.0);
    for (k, p) in pts.iter().enumerate() {
        assert!((p.0 - pts[0].0 - k as f64 * step).abs() <= 1.0, "{pts:?}");
    }
    // A larger value sits higher (smaller y), by a distance proportional to the change.
    let per_unit = (pts[0].1 - pts[1].1) / (values[1] - values[0]);
    assert!(per_unit > 20.0, "a larger value must sit higher: {pts:?}");
    for (p, v) in pts.iter().zip(values) {
        let expected = pts[0].1 - (v - values[0]) * per_unit;
        assert!(
            (p.1 - expected).abs() <= 1.0,
            "point for {v} at y = {}, expected {expected}: {pts:?}",
            p.1
        );
    }
}
