//! # leaklens-chart
//!
//! The charts of leaklens, drawn once with [plotters] for every backend: the
//! CLI renders SVG with [`render_svg`], the web viewer draws the same picture
//! on a canvas by calling [`draw`] with a `plotters-canvas` backend, and uses
//! the returned [`ChartLayout`] to map the mouse to cycles and values. The
//! chart is drawn into a list of shapes first and played on the backend
//! after, so its code is compiled once however many backends use it.
//!
//! Text is left to the backend (SVG `<text>`, canvas `fillText`), so no font
//! files are needed on any target.
//!
//! ```
//! use leaklens_chart::{render_svg, ChartSpec};
//! use leaklens_core::generate::{generate, Spec};
//!
//! let run = generate(&Spec { cycles: 30, ..Spec::default() });
//! let report = leaklens_core::analyze(&run, &leaklens_core::Config::default());
//! let svg = render_svg(&run, &report, &ChartSpec::memory(), 800, 400);
//! assert!(svg.contains("<svg"));
//! ```

mod clip;
mod decimate;
mod draw;
mod evidence;
mod layers;
mod layout;
mod legend;
mod points;
mod prepared;
mod pyramid;
mod ranges;
mod record;
mod scene;
mod style;
mod ticks;

use leaklens_core::{Metric, Report, Run};
use plotters::prelude::*;

pub use decimate::decimate_min_max;
pub use draw::{draw, draw_overlaid, draw_prepared};
pub use prepared::Prepared;

/// What a chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// The memory metrics, in MB.
    Memory,
    /// Browser pages and contexts, as counts.
    Browser,
}

impl ChartKind {
    /// The metrics this kind of chart can show, in drawing order.
    pub fn metrics(self) -> &'static [Metric] {
        match self {
            ChartKind::Memory => &Metric::MEMORY,
            ChartKind::Browser => &[Metric::Pages, Metric::Contexts],
        }
    }

    /// True when `m` belongs on this kind of chart.
    pub fn accepts(self, m: Metric) -> bool {
        self.metrics().contains(&m)
    }

    /// The y axis caption.
    pub fn y_label(self) -> &'static str {
        match self {
            ChartKind::Memory => "MB",
            ChartKind::Browser => "count",
        }
    }
}

/// What the x axis counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XAxis {
    /// Cycle numbers; the snapshots of a cycle are spread evenly over
    /// `[cycle, cycle + 1)` in their order.
    Cycle,
    /// Snapshot timestamps (ms since the Unix epoch, labelled in UTC).
    /// Falls back to [`XAxis::Cycle`] when the run has no timestamps.
    Time,
}

/// What to draw, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSpec {
    pub kind: ChartKind,
    pub x_axis: XAxis,
    /// Series to draw. Metrics of the other kind, and metrics the run lacks,
    /// are ignored; an empty list draws the axes only.
    pub visible: Vec<Metric>,
    /// Zoom: the x range to show, in cycles (ms for [`XAxis::Time`]).
    /// `None` shows the whole run.
    pub x_range: Option<(f64, f64)>,
    /// An issue to point at: its metric and first and last cycle. The cycle
    /// range is shaded and the metric's series drawn thicker.
    pub highlight: Option<(Metric, u64, u64)>,
    pub show_trend_lines: bool,
    /// Next to each trend line's start, why the fit starts there ("fitted
    /// from cycle 31: the recent half").
    pub show_trend_reason: bool,
    /// The retained level each metric's verdict was judged on (its
    /// after-GC floor), dashed in the metric's colour, where it differs from
    /// the series drawn.
    pub show_retained: bool,
    /// A logarithmic y axis (ticks at 1, 2 and 5 of each decade); values at
    /// or below zero are left out.
    pub y_log: bool,
    pub show_thresholds: bool,
    pub show_change_points: bool,
    pub show_phase_markers: bool,
    pub title: Option<String>,
    /// Device pixels per CSS pixel; fonts, strokes, margins, markers, dash
    /// lengths, legend and label areas scale by it. At `scale` 2 on a backend
    /// twice as wide and high, the chart looks like it does at `scale` 1,
    /// but crisp on a HiDPI screen. Clamped to `[0.5, 4]`; a value that is not
    /// finite counts as 1. Tick spacing is chosen in CSS pixels (the size
    /// divided by `scale`), so the ticks do not change with the scale.
    pub scale: f64,
}

impl ChartSpec {
    /// Every memory metric, everything shown, cycles on the x axis.
    pub fn memory() -> Self {
        ChartSpec {
            kind: ChartKind::Memory,
            x_axis: XAxis::Cycle,
            visible: ChartKind::Memory.metrics().to_vec(),
            x_range: None,
            highlight: None,
            show_trend_lines: true,
            show_trend_reason: false,
            show_retained: true,
            y_log: false,
            show_thresholds: true,
            show_change_points: true,
            show_phase_markers: true,
            title: None,
            scale: 1.0,
        }
    }

    /// Pages and contexts, everything shown, cycles on the x axis.
    pub fn browser() -> Self {
        ChartSpec {
            kind: ChartKind::Browser,
            visible: ChartKind::Browser.metrics().to_vec(),
            ..ChartSpec::memory()
        }
    }
}

impl Default for ChartSpec {
    fn default() -> Self {
        ChartSpec::memory()
    }
}

/// Where the plot ended up, to map pointer positions to data and back.
///
/// `x_range.0` is drawn at pixel column `plot_px.0` (left), `x_range.1` at
/// `plot_px.2` (right); `y_range.0` at row `plot_px.3` (bottom), `y_range.1`
/// at row `plot_px.1` (top). Pixels are the backend's (absolute) pixels.
///
/// Those are device pixels whatever [`ChartSpec::scale`] is: on a canvas
/// sized CSS size × devicePixelRatio, multiply a pointer's CSS offset by the
/// ratio before mapping it here.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartLayout {
    /// left, top, right, bottom
    pub plot_px: (i32, i32, i32, i32),
    pub x_range: (f64, f64),
    /// The x range of all the data (what a zoom may show at most).
    pub x_data: (f64, f64),
    pub y_range: (f64, f64),
    /// The y axis is logarithmic: rows map to `log10` of values, and values
    /// at or below zero lie far below the plot.
    pub y_log: bool,
    /// The axis actually drawn (`Cycle` when `Time` was asked for a run
    /// without timestamps).
    pub x_axis: XAxis,
}

impl ChartLayout {
    /// `range` made a view of the data: no wider than the data, shifted
    /// inside it, at least `min_width` wide (a few cycles); None when it
    /// would show all of it (no zoom).
    pub fn clamp_view(&self, range: (f64, f64), min_width: f64) -> Option<(f64, f64)> {
        let (d0, d1) = self.x_data;
        if !(range.0.is_finite() && range.1.is_finite()) {
            return None;
        }
        let (mut a, mut b) = (range.0.min(range.1), range.0.max(range.1));
        if b - a >= d1 - d0 {
            return None;
        }
        if b - a < min_width {
            let mid = (a + b) / 2.0;
            (a, b) = (mid - min_width / 2.0, mid + min_width / 2.0);
        }
        if a < d0 {
            (a, b) = (d0, d0 + (b - a));
        }
        if b > d1 {
            (a, b) = (d1 - (b - a), d1);
        }
        if a <= d0 && b >= d1 {
            return None;
        }
        Some((a.max(d0), b.min(d1)))
    }

    /// The x value (cycle or ms) at pixel column `px`.
    pub fn x_at(&self, px: i32) -> f64 {
        let (l, r) = (self.plot_px.0, self.plot_px.2);
        lerp_inv(px, l, r, self.x_range)
    }

    /// The pixel column of x value `x` (not clamped to the plot; values far
    /// outside it are limited to ±10⁷ px).
    pub fn px_at_x(&self, x: f64) -> i32 {
        lerp(x, self.x_range, self.plot_px.0, self.plot_px.2)
    }

    /// The y value at pixel row `py`.
    pub fn y_at(&self, py: i32) -> f64 {
        let (b, t) = (self.plot_px.3, self.plot_px.1);
        if self.y_log {
            let (lo, hi) = self.y_range;
            libm::pow(10.0, lerp_inv(py, b, t, (libm::log10(lo), libm::log10(hi))))
        } else {
            lerp_inv(py, b, t, self.y_range)
        }
    }

    /// The pixel row of y value `y` (not clamped to the plot).
    pub fn px_at_y(&self, y: f64) -> i32 {
        let (b, t) = (self.plot_px.3, self.plot_px.1);
        match self.y_log {
            false => lerp(y, self.y_range, b, t),
            true if y > 0.0 => {
                let (lo, hi) = self.y_range;
                lerp(libm::log10(y), (libm::log10(lo), libm::log10(hi)), b, t)
            }
            true => 10_000_000,
        }
    }

    /// True when the pixel lies inside the plot area.
    pub fn contains(&self, px: i32, py: i32) -> bool {
        let (l, t, r, b) = self.plot_px;
        (l..=r).contains(&px) && (t..=b).contains(&py)
    }
}

fn lerp(v: f64, range: (f64, f64), p0: i32, p1: i32) -> i32 {
    let w = range.1 - range.0;
    if w == 0.0 || !w.is_finite() || !v.is_finite() {
        return p0;
    }
    let t = (v - range.0) / w;
    let p = f64::from(p0) + t * f64::from(p1 - p0);
    // Far enough off-screen, and safe from overflow in pixel arithmetic.
    p.round().clamp(-1e7, 1e7) as i32
}

fn lerp_inv(p: i32, p0: i32, p1: i32, range: (f64, f64)) -> f64 {
    if p1 == p0 {
        return range.0;
    }
    let t = f64::from(p - p0) / f64::from(p1 - p0);
    range.0 + t * (range.1 - range.0)
}

/// Why a chart could not be drawn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChartError {
    /// The drawing area is too small for axes and labels.
    #[error("the chart area ({0}×{1} px) is too small")]
    TooSmall(u32, u32),
    /// The backend failed (the message of plotters' error).
    #[error("drawing failed: {0}")]
    Drawing(String),
}

/// The fixed color of a metric's series, as RGB.
pub fn metric_color(m: Metric) -> (u8, u8, u8) {
    match m {
        Metric::HeapUsed => (0x1f, 0x77, 0xb4),
        Metric::HeapTotal => (0x17, 0xbe, 0xcf),
        Metric::Rss => (0xff, 0x7f, 0x0e),
        Metric::External => (0x2c, 0xa0, 0x2c),
        Metric::ArrayBuffers => (0x94, 0x67, 0xbd),
        Metric::BrowserMemory => (0xbc, 0xbd, 0x22),
        Metric::Pages => (0xe3, 0x77, 0xc2),
        Metric::Contexts => (0x8c, 0x56, 0x4b),
    }
}

/// Renders a chart as a standalone SVG document.
///
/// Never panics: when the chart cannot be drawn, the SVG holds the reason
/// as text instead.
pub fn render_svg(run: &Run, report: &Report, spec: &ChartSpec, width: u32, height: u32) -> String {
    let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut out = String::new();
        let result = {
            let mut svg = SVGBackend::with_string(&mut out, (width, height));
            draw(&mut svg, run, report, spec)
        };
        result.map(|_| out)
    }));
    match attempt {
        Ok(Ok(svg)) => svg,
        Ok(Err(e)) => error_svg(width, height, &e.to_string()),
        Err(_) => error_svg(width, height, "drawing failed: internal error"),
    }
}

/// A small SVG showing `message`.
fn error_svg(width: u32, height: u32, message: &str) -> String {
    let (w, h) = (width.max(1), height.max(1));
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\
         <text x=\"8\" y=\"20\" font-family=\"sans-serif\" font-size=\"13\" fill=\"#b00020\">{}</text></svg>\n",
        leaklens_core::text::html_escape(message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_round_trip() {
        let l = ChartLayout {
            plot_px: (60, 20, 860, 420),
            x_range: (1.0, 61.0),
            x_data: (1.0, 61.0),
            y_range: (-5.0, 250.0),
            y_log: false,
            x_axis: XAxis::Cycle,
        };
        let x_per_px = 60.0 / 800.0;
        let y_per_px = 255.0 / 400.0;
        for i in 0..=100 {
            let x = 1.0 + 0.6 * f64::from(i);
            assert!((l.x_at(l.px_at_x(x)) - x).abs() <= x_per_px / 2.0 + 1e-9);
            let y = -5.0 + 2.55 * f64::from(i);
            assert!((l.y_at(l.px_at_y(y)) - y).abs() <= y_per_px / 2.0 + 1e-9);
        }
        assert_eq!(l.px_at_x(1.0), 60);
        assert_eq!(l.px_at_x(61.0), 860);
        assert_eq!(l.px_at_y(-5.0), 420);
        assert_eq!(l.px_at_y(250.0), 20);
        for px in 60..=860 {
            assert_eq!(l.px_at_x(l.x_at(px)), px);
        }
        assert!(l.contains(60, 420) && !l.contains(59, 100));
    }

    #[test]
    fn a_view_stays_within_the_data() {
        let l = ChartLayout {
            plot_px: (60, 20, 860, 420),
            x_range: (1.0, 101.0),
            x_data: (1.0, 101.0),
            y_range: (0.0, 10.0),
            y_log: false,
            x_axis: XAxis::Cycle,
        };
        // Zoomed out past the data (five wheel notches): no zoom at all.
        assert_eq!(l.clamp_view((-88.0, 186.0), 2.0), None);
        // Panned past the end: shifted back inside, width kept.
        assert_eq!(l.clamp_view((90.0, 110.0), 2.0), Some((81.0, 101.0)));
        assert_eq!(l.clamp_view((-5.0, 5.0), 2.0), Some((1.0, 11.0)));
        // Zoomed in to nothing: a few cycles at least.
        assert_eq!(l.clamp_view((50.0, 50.1), 2.0), Some((49.05, 51.05)));
        assert_eq!(l.clamp_view((f64::NAN, 3.0), 2.0), None);
    }

    #[test]
    fn degenerate_layout_does_not_divide_by_zero() {
        let l = ChartLayout {
            plot_px: (10, 10, 10, 10),
            x_range: (3.0, 3.0),
            x_data: (3.0, 3.0),
            y_range: (0.0, 0.0),
            y_log: false,
            x_axis: XAxis::Time,
        };
        assert_eq!(l.x_at(50), 3.0);
        assert_eq!(l.px_at_x(7.0), 10);
        assert_eq!(l.y_at(0), 0.0);
    }

    #[test]
    fn error_svg_escapes() {
        let s = error_svg(0, 0, "a <b> & \"c\"");
        assert!(s.starts_with("<svg"));
        assert!(s.contains("a &lt;b&gt; &amp; &quot;c&quot;"));
    }
}

#[cfg(test)]
mod nearest_tests {
    use super::*;
    use leaklens_core::generate::{generate, Spec};

    #[test]
    fn nearest_snapshot_by_cycle_position() {
        let run = generate(&Spec {
            cycles: 10,
            ..Spec::default()
        });
        let idx = Prepared::new(&run, XAxis::Cycle, false);
        assert_eq!(idx.axis(), XAxis::Cycle);
        // Cycle 3's first snapshot sits at x = 3.0.
        let i = idx.nearest(3.01).unwrap();
        assert_eq!(run.cycle(i), 3);
        assert!((idx.x_of(i) - 3.0).abs() < 1e-9);
        assert_eq!(idx.nearest(-100.0), Some(0));
        assert_eq!(idx.nearest(1e9), Some(run.len() - 1));
        assert_eq!(idx.nearest(f64::NAN), None);
    }
}
