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
}
