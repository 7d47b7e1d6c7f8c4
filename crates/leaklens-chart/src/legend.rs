//! The legend: a box in the plot corner it hides least of, or, for a
//! comparison, a strip above the plot that never covers the data.

use leaklens_core::report::Pattern;
use leaklens_core::Report;
use plotters::style::{Color, RGBAColor};

use crate::clip::P;
use crate::layout::{Data, Layout, Rect};
use crate::style::{Scale, Style};
use crate::ChartSpec;

/// What a legend entry shows before its label.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Glyph {
    /// A short line in the series' colour.
    Line(RGBAColor),
    /// A short dashed line.
    Dashed(RGBAColor),
    /// A short vertical tick, as change points are drawn.
    Tick,
}

/// The legend: its entries, each a glyph then a label, and where they go.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Legend {
    pub entries: Vec<(String, Glyph)>,
    /// Around the entries, in backend pixels.
    pub rect: Rect,
    /// Drawn as a box (over the plot), with a background and a border.
    pub boxed: bool,
    /// Where each entry's glyph starts (its vertical middle).
    at: Vec<(i32, i32)>,
}

impl Legend {
    /// Where entry `k`'s glyph starts (its vertical middle).
    pub fn row(&self, k: usize) -> (i32, i32) {
        self.at[k]
    }
}

/// The legend box: its size from its entries, in the plot corner whose box
/// would cover the fewest of `points`. Laid out here rather than by
/// plotters' series labels, which measure text with the DOM on wasm32 (a
/// worker has none) and so would lay the box out differently in the CLI,
/// the browser and the recorder.
pub(crate) fn legend(
    l: &Layout,
    entries: Vec<(String, Glyph)>,
    points: &[P],
    style: &Style,
) -> Option<Legend> {
    if entries.is_empty() {
        return None;
    }
    let sc = l.sc;
    let chars = entries
        .iter()
        .map(|(label, _)| label.chars().count())
        .max()
        .unwrap_or(0) as f64;
    let size = (
        sc.px(chars * style.legend_char + style.legend_extra),
        sc.px(entries.len() as f64 * style.legend_row + style.legend_pad),
    );
    let margin = sc.px(style.legend_margin);
    let (pl, pt, pr, pb) = l.chart.plot_px;
    let (x0, y0) = match legend_corner(l, points, size, sc.px(style.legend_room)) {
        Corner::UpperLeft => (pl + margin, pt + margin),
        Corner::UpperRight => (pr - margin - size.0, pt + margin),
        Corner::LowerRight => (pr - margin - size.0, pb - margin - size.1),
        Corner::LowerLeft => (pl + margin, pb - margin - size.1),
    };
    let (row, pad) = (sc.px(style.legend_row), sc.px(style.legend_pad));
    let at = (0..entries.len())
        .map(|k| (x0 + pad, y0 + pad / 2 + row / 2 + row * k as i32))
        .collect();
    Some(Legend {
        entries,
        rect: Rect {
            x0,
            y0,
            x1: x0 + size.0,
            y1: y0 + size.1,
        },
        boxed: true,
        at,
    })
}

/// A corner of the plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Corner {
    UpperLeft,
    UpperRight,
    LowerRight,
    LowerLeft,
}

/// Picks the plot corner whose legend box (`size` plus `pad`, in backend
/// pixels) would cover the fewest points.
fn legend_corner(layout: &Layout, points: &[P], size: (i32, i32), pad: i32) -> Corner {
    let (l, t, r, b) = layout.chart.plot_px;
    let (w, h) = (size.0 + pad, size.1 + pad);
    let corners = [
        Corner::UpperLeft,
        Corner::UpperRight,
        Corner::LowerRight,
        Corner::LowerLeft,
    ];
    let boxes = [
        (l, t, l + w, t + h),
        (r - w, t, r, t + h),
        (r - w, b - h, r, b),
        (l, b - h, l + w, b),
    ];
    let mut counts = [0usize; 4];
    for &(x, y) in points {
        let (px, py) = layout.px((x, y));
        for (count, (x0, y0, x1, y1)) in counts.iter_mut().zip(&boxes) {
            if (*x0..=*x1).contains(&px) && (*y0..=*y1).contains(&py) {
                *count += 1;
            }
        }
    }
    let best = (0..4).min_by_key(|&k| (counts[k], k)).unwrap_or(0);
    corners[best]
}

/// A comparison's legend entries: each metric in its colour, then which
/// line style is which run, then the trend and change-point styles when
/// the report has them.
pub(crate) fn strip_entries(
    data: &Data,
    report: &Report,
    spec: &ChartSpec,
    style: &Style,
) -> Vec<(String, Glyph)> {
    let Some(g) = &data.ghost else {
        return Vec::new();
    };
    let mut out: Vec<(String, Glyph)> = data
        .metrics
        .iter()
        .map(|&m| {
            (
                m.display_name().to_string(),
                Glyph::Line(style.series(m).to_rgba()),
            )
        })
        .collect();
    let text = style.text.to_rgba();
    out.push(("after: this run".to_string(), Glyph::Line(text)));
    out.push((format!("before: {}", g.name), Glyph::Dashed(text)));
    let shown = data.metrics.iter().filter_map(|m| report.metrics.get(m));
    let (mut trends, mut cps) = (false, false);
    for r in shown {
        trends |= r.trend_line.is_some();
        cps |= r.pattern != Pattern::Stable && !r.change_points.is_empty();
    }
    if trends && spec.show_trend_lines {
        out.push(("trend".to_string(), Glyph::Line(text)));
    }
    if cps && spec.show_change_points {
        out.push(("change point".to_string(), Glyph::Tick));
    }
    out
}

/// The legend as a strip across `width` CSS pixels from `left`, its top at
/// `top`: entries left to right, wrapped into rows; and its height in CSS
/// pixels.
pub(crate) fn strip(
    entries: Vec<(String, Glyph)>,
    (left, top, width): (f64, f64, f64),
    sc: Scale,
    style: &Style,
) -> (Legend, f64) {
    let mut at = Vec::with_capacity(entries.len());
    let (mut x, mut row) = (0.0, 0.0);
    let mut right: f64 = 0.0;
    for (label, _) in &entries {
        let w = style.legend_glyph
            + style.legend_gap
            + label.chars().count() as f64 * style.legend_char;
        if x > 0.0 && x + w > width {
            (x, row) = (0.0, row + 1.0);
        }
        let y = top + (row + 0.5) * style.legend_row;
        at.push((sc.px(left + x), sc.px(y)));
        right = right.max(x + w);
        x += w + style.strip_gap;
    }
    let height = if entries.is_empty() {
        0.0
    } else {
        (row + 1.0) * style.legend_row
    };
    let rect = Rect {
        x0: sc.px(left),
        y0: sc.px(top),
        x1: sc.px(left + right),
        y1: sc.px(top + height),
    };
    let legend = Legend {
        entries,
        rect,
        boxed: false,
        at,
    };
    (legend, height)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::style::STYLE;
    use leaklens_core::generate::{generate, Spec};
    use leaklens_core::{analyze, Config, Run};

    fn run(cycles: usize, seed: u64) -> Run {
        generate(&Spec {
            cycles,
            seed,
            ..Spec::default()
        })
    }

    /// The layout of `after` compared with `before`, at `size`.
    fn compared(size: (u32, u32), spec: &ChartSpec) -> Layout {
        let (after, before) = (run(60, 1), run(90, 9));
        let report = analyze(&after, &Config::default());
        let sc = Layout::scale(size, spec, &STYLE).unwrap();
        let data = Data::new(&after, &report, Some((&before, "before.log")), spec, &STYLE);
        Layout::new(size, sc, &data, &report, spec, &STYLE)
    }

    #[test]
    fn a_comparison_legend_is_a_strip_above_the_plot() {
        for (w, scale) in [(1000, 1.0), (600, 1.0), (390, 1.0), (2000, 2.0)] {
            let spec = ChartSpec {
                scale,
                ..ChartSpec::memory()
            };
            let size = (w, (480.0 * scale) as u32);
            let l = compared(size, &spec);
            let strip = l.strip.as_ref().expect("a strip");
            let (r, plot) = (strip.rect, l.frame.plot);
            assert!(!strip.boxed);
            // Above the plot and the marker key, within the chart's width.
            let key_top = plot.y0 - l.sc.px(STYLE.key_above + STYLE.legend_row / 2.0);
            assert!(r.y1 <= key_top, "{w}: {r:?} over the key ({key_top})");
            assert!(
                r.y0 >= 0 && r.x0 >= 0 && r.x1 <= size.0 as i32,
                "{w}: {r:?}"
            );
            let labels: Vec<&str> = strip.entries.iter().map(|e| e.0.as_str()).collect();
            assert_eq!(&labels[..2], ["Heap Used", "Heap Total"]);
            assert!(labels.contains(&"after: this run"));
            assert!(labels.contains(&"before: before.log"));
            // Every entry inside the strip; rows wrap, never overlap.
            let at: Vec<(i32, i32)> = (0..labels.len()).map(|k| strip.row(k)).collect();
            assert!(at
                .iter()
                .all(|&(x, y)| r.x0 <= x && x < r.x1 && r.y0 < y && y < r.y1));
            for w2 in at.windows(2) {
                assert!(w2[1].1 > w2[0].1 || w2[1].0 > w2[0].0, "{at:?}");
            }
            if w <= 600 {
                assert!(at.last().unwrap().1 > at[0].1, "{w}: wrapped");
            }
        }
    }

    #[test]
    fn the_strip_makes_room_above_the_plot() {
        let spec = ChartSpec::memory();
        let with = compared((1000, 480), &spec);
        let (after, report) = {
            let r = run(60, 1);
            let rep = analyze(&r, &Config::default());
            (r, rep)
        };
        let sc = Layout::scale((1000, 480), &spec, &STYLE).unwrap();
        let data = Data::new(&after, &report, None, &spec, &STYLE);
        let without = Layout::new((1000, 480), sc, &data, &report, &spec, &STYLE);
        assert!(without.strip.is_none());
        let strip = with.strip.as_ref().unwrap();
        let rows = (strip.rect.y1 - strip.rect.y0) as f64 / STYLE.legend_row;
        assert_eq!(
            with.frame.plot.y0 - without.frame.plot.y0,
            STYLE.margin_top as i32 + (rows * STYLE.legend_row).ceil() as i32
        );
    }
}
