//! Every size and colour of the chart, in one place.
//!
//! Sizes are CSS pixels; [`Scale`] turns them into backend pixels.

use leaklens_core::Metric;
use plotters::prelude::*;

use crate::metric_color;

/// The sizes (CSS pixels) and colours the chart is drawn with.
#[derive(Debug, Clone)]
pub(crate) struct Style {
    /// The smallest chart drawn.
    pub min_size: (u32, u32),
    /// Above this many snapshots in view, phase markers are left out.
    pub max_marker_points: usize,
    /// Values are clamped to ±this before drawing, so ranges stay finite.
    pub clamp: f64,

    // Fonts: the phase-marker key, tick, legend and threshold labels, axis
    // captions, the "no data" note, the title.
    pub font_key: f64,
    pub font_label: f64,
    pub font_desc: f64,
    pub font_note: f64,
    pub font_title: f64,

    pub background: RGBColor,
    pub grid: RGBColor,
    pub axis: RGBColor,
    pub text: RGBColor,
    pub threshold: RGBColor,
    pub highlight: RGBColor,
    /// Opacity of the highlighted cycle range.
    pub highlight_alpha: f64,
    /// Opacity of change-point lines.
    pub change_point_alpha: f64,
    /// Opacity of the legend box's background.
    pub legend_alpha: f64,
    /// Trend lines and limits: the metric's colour times this.
    pub darken: f64,

    /// Margins around the chart: above it (without and with the phase-marker
    /// key), below, left, right.
    pub margin_top: u32,
    pub margin_top_key: u32,
    pub margin_bottom: f64,
    pub margin_left: f64,
    pub margin_right: f64,
    /// Tick marks: this share of the plot's smaller side, in backend
    /// pixels, at most this many (plotters' rule, kept).
    pub tick_share: f64,
    pub tick_max: i32,
    /// Height of the x tick labels and caption.
    pub x_label_area: f64,
    /// Width of the y tick labels and caption: a label character, and more.
    pub y_label_char: f64,
    pub y_label_pad: f64,
    /// Padding above and below the title, at most.
    pub title_pad: f64,

    /// The tick estimate: the plot is the chart less these widths and
    /// heights (at least the minimum), with a tick every so many pixels.
    pub est_x_less: f64,
    pub est_x_min: f64,
    pub est_y_less: u32,
    pub est_y_min: f64,
    pub est_title: u32,
    pub x_tick_gap: f64,
    pub y_tick_gap: f64,

    /// Line widths: grid and axes, threshold and change-point dashes,
    /// trend lines, the other run's series; a series' width when few and
    /// many snapshots are in view, and what a highlighted one adds.
    pub grid_stroke: u32,
    pub dash_stroke: u32,
    pub trend_stroke: u32,
    pub ghost_stroke: u32,
    pub series_stroke: u32,
    pub series_stroke_dense: u32,
    pub series_dense_above: usize,
    pub highlight_extra_stroke: u32,
    /// Dash and gap of threshold lines, and of change-point lines.
    pub threshold_dash: (f64, f64),
    pub change_point_dash: (f64, f64),
    /// A threshold label's distance from the plot's right edge and its line.
    pub threshold_label: (f64, f64),
    /// The narrowest highlighted range.
    pub highlight_min_width: f64,

    /// Marker size with few and many snapshots in view, and from how many
    /// it is the smaller; the size in the key.
    pub marker: i32,
    pub marker_dense: i32,
    pub marker_dense_above: usize,
    pub key_marker: i32,
    pub marker_stroke: u32,

    /// Legend: row height, glyph width, padding, width per label
    /// character and more, distance from the plot's edges, room kept around
    /// it when counting the points it would hide, the gap between glyph and
    /// label, a change-point tick's offset and half height, glyph line width.
    pub legend_row: f64,
    pub legend_glyph: f64,
    pub legend_pad: f64,
    pub legend_char: f64,
    pub legend_extra: f64,
    pub legend_margin: f64,
    pub legend_room: f64,
    pub legend_gap: f64,
    pub legend_tick: (f64, f64),
    pub legend_stroke: u32,
    /// The other run's name is cut to this many characters.
    pub ghost_name_chars: usize,
    /// A comparison's legend strip: the gap between its entries.
    pub strip_gap: f64,

    /// The retained level: its line width and its dash and gap.
    pub retained_stroke: u32,
    pub retained_dash: (f64, f64),
    /// The other run of a comparison: its dash and gap, and how much of its
    /// colour's saturation it keeps.
    pub ghost_dash: (f64, f64),
    pub ghost_saturation: f64,
    /// A trend's reason: its distance above the trend's start.
    pub trend_reason_above: f64,

    /// Phase-marker key: its distance above the plot, width per character
    /// and more, the marker's distance left of its text, the gap between
    /// entries.
    pub key_above: f64,
    pub key_char: f64,
    pub key_extra: f64,
    pub key_marker_gap: f64,
    pub key_gap: f64,
}

/// The chart's style.
pub(crate) const STYLE: Style = Style {
    min_size: (120, 80),
    max_marker_points: 600,
    clamp: 1e300,

    font_key: 11.0,
    font_label: 12.0,
    font_desc: 13.0,
    font_note: 14.0,
    font_title: 16.0,

    background: WHITE,
    grid: RGBColor(225, 225, 225),
    axis: RGBColor(110, 110, 110),
    text: RGBColor(60, 60, 60),
    threshold: RGBColor(0xd6, 0x27, 0x28),
    highlight: RGBColor(0xff, 0xb3, 0x00),
    highlight_alpha: 0.15,
    change_point_alpha: 0.8,
    legend_alpha: 0.85,
    darken: 0.55,

    margin_top: 12,
    margin_top_key: 28,
    margin_bottom: 6.0,
    margin_left: 6.0,
    margin_right: 20.0,
    tick_share: 0.05,
    tick_max: 5,
    x_label_area: 42.0,
    y_label_char: 7.0,
    y_label_pad: 30.0,
    title_pad: 5.0,

    est_x_less: 110.0,
    est_x_min: 40.0,
    est_y_less: 60,
    est_y_min: 30.0,
    est_title: 24,
    x_tick_gap: 90.0,
    y_tick_gap: 40.0,

    grid_stroke: 1,
    dash_stroke: 1,
    trend_stroke: 2,
    ghost_stroke: 2,
    series_stroke: 2,
    series_stroke_dense: 1,
    series_dense_above: 300,
    highlight_extra_stroke: 2,
    threshold_dash: (8.0, 5.0),
    change_point_dash: (4.0, 4.0),
    threshold_label: (4.0, 3.0),
    highlight_min_width: 4.0,

    marker: 3,
    marker_dense: 2,
    marker_dense_above: 200,
    key_marker: 3,
    marker_stroke: 2,

    legend_row: 18.0,
    legend_glyph: 20.0,
    legend_pad: 8.0,
    legend_char: 7.0,
    legend_extra: 40.0,
    legend_margin: 8.0,
    legend_room: 12.0,
    legend_gap: 8.0,
    legend_tick: (10.0, 6.0),
    legend_stroke: 2,
    ghost_name_chars: 32,
    strip_gap: 16.0,

    retained_stroke: 2,
    retained_dash: (7.0, 4.0),
    ghost_dash: (5.0, 3.0),
    ghost_saturation: 0.45,
    trend_reason_above: 6.0,

    key_above: 12.0,
    key_char: 6.0,
    key_extra: 4.0,
    key_marker_gap: 8.0,
    key_gap: 22.0,
};

impl Style {
    /// The colour of a metric's series.
    pub fn series(&self, m: Metric) -> RGBColor {
        let (r, g, b) = metric_color(m);
        RGBColor(r, g, b)
    }

    /// The metric's colour with less saturation (the other run of a
    /// comparison): as dark, but greyer.
    pub fn muted(&self, m: Metric) -> RGBColor {
        let (r, g, b) = metric_color(m);
        let grey = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
        let k = self.ghost_saturation;
        let mix = |c: u8| (grey + k * (f64::from(c) - grey)).round().clamp(0.0, 255.0) as u8;
        RGBColor(mix(r), mix(g), mix(b))
    }

    /// The metric's colour, darkened (trend lines, limits).
    pub fn dark(&self, m: Metric) -> RGBColor {
        let (r, g, b) = metric_color(m);
        let d = |c: u8| (f64::from(c) * self.darken) as u8;
        RGBColor(d(r), d(g), d(b))
    }
}

/// Device pixels per CSS pixel ([`ChartSpec::scale`](crate::ChartSpec::scale),
/// made safe): turns the CSS pixel sizes of [`Style`] into backend pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scale(pub f64);

impl Scale {
    pub fn new(scale: f64) -> Scale {
        Scale(if scale.is_finite() {
            scale.clamp(0.5, 4.0)
        } else {
            1.0
        })
    }

    /// A length, unrounded (dashes, offsets in data units).
    pub fn len(self, css: f64) -> f64 {
        css * self.0
    }

    /// A length in whole pixels.
    pub fn px(self, css: f64) -> i32 {
        (css * self.0).round() as i32
    }

    /// A size in whole pixels (margins, label areas).
    pub fn upx(self, css: f64) -> u32 {
        (css * self.0).round().max(0.0) as u32
    }

    /// A line width in whole pixels, at least 1.
    pub fn stroke(self, css: u32) -> u32 {
        (f64::from(css) * self.0).round().max(1.0) as u32
    }

    /// A font of `css` pixels.
    pub fn font(self, css: f64) -> FontDesc<'static> {
        (FontFamily::SansSerif, css * self.0).into_font()
    }
}

/// The backend pixel sizes of the markers of CSS size `size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MarkerSize {
    /// Circle radius, square half side.
    pub base: i32,
    /// Triangle and cross size.
    pub big: i32,
    /// Radius of the small circle (points other than the four named ones).
    pub small: i32,
    /// Cross stroke width.
    pub stroke: u32,
}

impl MarkerSize {
    pub fn new(size: i32, scale: Scale, style: &Style) -> MarkerSize {
        let s = |v: i32| scale.px(f64::from(v)).max(1);
        MarkerSize {
            base: s(size),
            big: s(size + 1),
            small: s((size - 1).max(1)),
            stroke: scale.stroke(style.marker_stroke),
        }
    }
}
