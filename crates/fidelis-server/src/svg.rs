//! Charts drawn as SVG on the server: small, dependency-free and snapshot-testable.

use crate::pages::escape;
use std::fmt::Write;

/// A point of a scatter: x, y and the series it belongs to.
pub struct Point<'a> {
    pub x: f64,
    pub y: f64,
    pub series: &'a str,
}

/// A labelled quadrant count drawn in a corner of the scatter.
pub struct QuadrantLabel<'a> {
    pub right: bool,
    pub top: bool,
    pub text: &'a str,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 420.0;
const MARGIN: f64 = 48.0;

fn colour(series: &str) -> &'static str {
    match series {
        "loyalty" => "#1b7f3b",
        "multi_equipment" => "#1f5fbf",
        "retention" => "#c77c00",
        "termination" => "#b3261e",
        _ => "#555",
    }
}

/// A scatter plot with cut lines at (`x_cut`, `y_cut`) dividing it into four quadrants.
pub fn quadrant_scatter(
    points: &[Point<'_>],
    x_cut: f64,
    y_cut: f64,
    x_label: &str,
    y_label: &str,
    labels: &[QuadrantLabel<'_>],
) -> String {
    let (mut x_min, mut x_max, mut y_min, mut y_max) = (x_cut, x_cut, y_cut, y_cut);
    for p in points {
        x_min = x_min.min(p.x);
        x_max = x_max.max(p.x);
        y_min = y_min.min(p.y);
        y_max = y_max.max(p.y);
    }
    let span = |lo: f64, hi: f64| if hi > lo { hi - lo } else { 1.0 };
    let (x_span, y_span) = (span(x_min, x_max), span(y_min, y_max));
    let sx = |x: f64| MARGIN + (x - x_min) / x_span * (WIDTH - 2.0 * MARGIN);
    let sy = |y: f64| HEIGHT - MARGIN - (y - y_min) / y_span * (HEIGHT - 2.0 * MARGIN);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" class=\"chart\">"
    );
    let _ = write!(
        svg,
        "<rect x=\"{MARGIN}\" y=\"{MARGIN}\" width=\"{}\" height=\"{}\" fill=\"#fafbfc\" stroke=\"#ccd3db\"/>",
        WIDTH - 2.0 * MARGIN,
        HEIGHT - 2.0 * MARGIN
    );
    for p in points {
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.2\" fill=\"{}\" fill-opacity=\"0.55\"/>",
            sx(p.x),
            sy(p.y),
            colour(p.series)
        );
    }
    let (cx, cy) = (sx(x_cut), sy(y_cut));
    let _ = write!(
        svg,
        "<line x1=\"{cx:.1}\" y1=\"{MARGIN}\" x2=\"{cx:.1}\" y2=\"{:.1}\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>",
        HEIGHT - MARGIN
    );
    let _ = write!(
        svg,
        "<line x1=\"{MARGIN}\" y1=\"{cy:.1}\" x2=\"{:.1}\" y2=\"{cy:.1}\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>",
        WIDTH - MARGIN
    );
    for l in labels {
        let x = if l.right {
            WIDTH - MARGIN - 6.0
        } else {
            MARGIN + 6.0
        };
        let y = if l.top {
            MARGIN + 16.0
        } else {
            HEIGHT - MARGIN - 8.0
        };
        let anchor = if l.right { "end" } else { "start" };
        let _ = write!(
            svg,
            "<text x=\"{x}\" y=\"{y}\" text-anchor=\"{anchor}\" font-size=\"13\" font-weight=\"600\">{}</text>",
            escape(l.text)
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\">{}</text>",
        WIDTH / 2.0,
        HEIGHT - 12.0,
        escape(x_label)
    );
    let _ = write!(
        svg,
        "<text x=\"14\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 14 {})\">{}</text>",
        HEIGHT / 2.0,
        HEIGHT / 2.0,
        escape(y_label)
    );
    svg.push_str("</svg>");
    svg
}

/// A bar of a histogram: its label under the axis and its height.
pub struct Bar<'a> {
    pub label: &'a str,
    pub value: f64,
}

/// A vertical bar chart, bars from zero, with each bar's value above it.
pub fn histogram(bars: &[Bar<'_>], x_label: &str, y_label: &str) -> String {
    let top = bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
    let top = if top > 0.0 { top } else { 1.0 };
    let plot_w = WIDTH - 2.0 * MARGIN;
    let plot_h = HEIGHT - 2.0 * MARGIN;
    let slot = plot_w / bars.len().max(1) as f64;
    let mut svg = open_chart();
    for (i, b) in bars.iter().enumerate() {
        let h = b.value.max(0.0) / top * plot_h;
        let x = MARGIN + i as f64 * slot;
        let y = HEIGHT - MARGIN - h;
        let _ = write!(
            svg,
            "<rect class=\"bar\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#1f5fbf\"/>",
            x + slot * 0.1,
            slot * 0.8
        );
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
            x + slot / 2.0,
            y - 4.0,
            b.value
        );
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"10\">{}</text>",
            x + slot / 2.0,
            HEIGHT - MARGIN + 14.0,
            escape(b.label)
        );
    }
    axis_labels(&mut svg, x_label, y_label);
    svg.push_str("</svg>");
    svg
}

/// A line of a line chart.
pub struct Series<'a> {
    pub name: &'a str,
    pub points: &'a [(f64, f64)],
    pub colour: &'a str,
}

/// Lines over fixed axes (`x` and `y` ranges), with tick labels at the ends and a legend; `reference`
/// draws a dashed line between two points (the diagonal of a ROC chart, lift 1).
pub fn line_chart(
    series: &[Series<'_>],
    x: (f64, f64),
    y: (f64, f64),
    reference: Option<((f64, f64), (f64, f64))>,
    x_label: &str,
    y_label: &str,
) -> String {
    let span = |(lo, hi): (f64, f64)| if hi > lo { hi - lo } else { 1.0 };
    let sx = |v: f64| MARGIN + (v - x.0) / span(x) * (WIDTH - 2.0 * MARGIN);
    let sy = |v: f64| HEIGHT - MARGIN - (v - y.0) / span(y) * (HEIGHT - 2.0 * MARGIN);
    let mut svg = open_chart();
    if let Some(((x1, y1), (x2, y2))) = reference {
        let _ = write!(
            svg,
            "<line class=\"reference\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>",
            sx(x1),
            sy(y1),
            sx(x2),
            sy(y2)
        );
    }
    for (i, s) in series.iter().enumerate() {
        let points: Vec<String> = s
            .points
            .iter()
            .filter(|(px, py)| px.is_finite() && py.is_finite())
            .map(|(px, py)| format!("{:.1},{:.1}", sx(*px), sy(*py)))
            .collect();
        let _ = write!(
            svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>",
            points.join(" "),
            escape(s.colour)
        );
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"{}\">{}</text>",
            MARGIN + 10.0,
            MARGIN + 16.0 + 16.0 * i as f64,
            escape(s.colour),
            escape(s.name)
        );
    }
    for (value, px, py, anchor) in [
        (x.0, sx(x.0), HEIGHT - MARGIN + 14.0, "middle"),
        (x.1, sx(x.1), HEIGHT - MARGIN + 14.0, "middle"),
        (y.0, MARGIN - 4.0, sy(y.0) + 4.0, "end"),
        (y.1, MARGIN - 4.0, sy(y.1) + 4.0, "end"),
    ] {
        let _ = write!(
            svg,
            "<text x=\"{px:.1}\" y=\"{py:.1}\" text-anchor=\"{anchor}\" font-size=\"10\">{value}</text>"
        );
    }
    axis_labels(&mut svg, x_label, y_label);
    svg.push_str("</svg>");
    svg
}

/// The opening of a chart: the SVG element and the plot area's frame.
fn open_chart() -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" class=\"chart\">"
    );
    let _ = write!(
        svg,
        "<rect x=\"{MARGIN}\" y=\"{MARGIN}\" width=\"{}\" height=\"{}\" fill=\"#fafbfc\" stroke=\"#ccd3db\"/>",
        WIDTH - 2.0 * MARGIN,
        HEIGHT - 2.0 * MARGIN
    );
    svg
}

fn axis_labels(svg: &mut String, x_label: &str, y_label: &str) {
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\">{}</text>",
        WIDTH / 2.0,
        HEIGHT - 12.0,
        escape(x_label)
    );
    let _ = write!(
        svg,
        "<text x=\"14\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 14 {})\">{}</text>",
        HEIGHT / 2.0,
        HEIGHT / 2.0,
        escape(y_label)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scatter_places_points_and_cuts() {
        let points = [
            Point {
                x: 0.0,
                y: 0.0,
                series: "termination",
            },
            Point {
                x: 10.0,
                y: 20.0,
                series: "loyalty",
            },
        ];
        let labels = [QuadrantLabel {
            right: true,
            top: true,
            text: "Fidélisation <1>",
        }];
        let svg = quadrant_scatter(&points, 5.0, 10.0, "x", "y", &labels);
        // The lowest point sits at the bottom-left corner of the plot area, the highest at the top right.
        assert!(
            svg.contains("<circle cx=\"48.0\" cy=\"372.0\" r=\"2.2\" fill=\"#b3261e\""),
            "{svg}"
        );
        assert!(
            svg.contains("<circle cx=\"592.0\" cy=\"48.0\" r=\"2.2\" fill=\"#1b7f3b\""),
            "{svg}"
        );
        // The cuts cross in the middle.
        assert!(svg.contains("<line x1=\"320.0\" y1=\"48\""), "{svg}");
        assert!(svg.contains("<line x1=\"48\" y1=\"210.0\""), "{svg}");
        assert!(svg.contains("Fidélisation &lt;1&gt;"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn empty_scatter_is_still_a_chart() {
        let svg = quadrant_scatter(&[], 0.0, 0.0, "x", "y", &[]);
        assert!(svg.contains("<rect") && !svg.contains("<circle"));
    }

    #[test]
    fn histogram_bars_scale_to_the_tallest() {
        let bars = [
            Bar {
                label: "0–10 %",
                value: 30.0,
            },
            Bar {
                label: "10–20 %",
                value: 15.0,
            },
            Bar {
                label: "<b>",
                value: 0.0,
            },
        ];
        let svg = histogram(&bars, "risque", "clients");
        // The plot is 544 wide: three slots of 181.3; the tallest bar fills the 324 of height.
        assert!(
            svg.contains(
                "<rect class=\"bar\" x=\"66.1\" y=\"48.0\" width=\"145.1\" height=\"324.0\""
            ),
            "{svg}"
        );
        assert!(
            svg.contains("y=\"210.0\" width=\"145.1\" height=\"162.0\""),
            "{svg}"
        );
        assert!(svg.contains("height=\"0.0\""), "{svg}");
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
        assert!(histogram(&[], "x", "y").ends_with("</svg>"));
    }

    #[test]
    fn line_chart_maps_points_to_the_axes() {
        let roc = [(0.0, 0.0), (0.25, 0.75), (1.0, 1.0)];
        let svg = line_chart(
            &[Series {
                name: "ROC",
                points: &roc,
                colour: "#b3261e",
            }],
            (0.0, 1.0),
            (0.0, 1.0),
            Some(((0.0, 0.0), (1.0, 1.0))),
            "faux positifs",
            "vrais positifs",
        );
        assert!(
            svg.contains("<polyline points=\"48.0,372.0 184.0,129.0 592.0,48.0\""),
            "{svg}"
        );
        assert!(
            svg.contains(
                "<line class=\"reference\" x1=\"48.0\" y1=\"372.0\" x2=\"592.0\" y2=\"48.0\""
            ),
            "{svg}"
        );
        assert!(svg.contains(">ROC</text>") && svg.contains(">vrais positifs</text>"));
    }
}
