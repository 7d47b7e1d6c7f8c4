//! The chart's interaction as pure logic: zoom, pan, drag selection and
//! the pixel arithmetic between CSS and device pixels, with every layout
//! number it uses. No DOM: the component maps events onto these functions,
//! and they are tested natively.

use leaklens_chart::{ChartLayout, XAxis};

/// The device pixel ratio is taken within these bounds (a crisp chart on
/// HiDPI screens, without giant canvases on odd zoom levels).
pub const MIN_DPR: f64 = 1.0;
pub const MAX_DPR: f64 = 4.0;

/// The canvas is as wide as its box (CSS pixels), at least this, and
/// [`FALLBACK_CSS_WIDTH`] when its box cannot be measured.
pub const MIN_CSS_WIDTH: i32 = 320;
pub const FALLBACK_CSS_WIDTH: i32 = 900;

/// One zoom step in (the range shrinks to this fraction) and out; one pan
/// step (wheel, arrow key), a fraction of the range's width.
pub const ZOOM_IN: f64 = 0.8;
pub const ZOOM_OUT: f64 = 1.25;
pub const PAN_STEP: f64 = 0.1;

/// A drag shorter than this (CSS pixels) is a click, not a zoom; its
/// selection is shown once it is [`MIN_SELECTION_PX`] wide.
pub const MIN_DRAG_PX: i32 = 6;
pub const MIN_SELECTION_PX: i32 = 2;

/// The tooltip's offset (right, down) from the pointer, CSS pixels.
pub const TOOLTIP_OFFSET: (f64, f64) = (14.0, 10.0);

/// The device pixel ratio the chart draws at.
pub fn clamp_dpr(dpr: f64) -> f64 {
    dpr.clamp(MIN_DPR, MAX_DPR)
}

/// A length in CSS pixels as device pixels at `dpr`.
pub fn to_device(css: i32, dpr: f64) -> i32 {
    (f64::from(css) * dpr).round() as i32
}

/// A length in device pixels as CSS pixels at `dpr`.
pub fn to_css(device: i32, dpr: f64) -> f64 {
    f64::from(device) / dpr
}

/// The canvas's size in device pixels for `css` pixels at `dpr`.
pub fn canvas_px(css: u32, dpr: f64) -> u32 {
    (f64::from(css) * dpr).round() as u32
}

/// The canvas's CSS width for its box's width (`None`: not measured).
pub fn css_width(box_width: Option<i32>) -> u32 {
    box_width.unwrap_or(FALLBACK_CSS_WIDTH).max(MIN_CSS_WIDTH) as u32
}

/// Pans `range` by `frac` of its width (negative: to the left).
pub fn pan_by(range: (f64, f64), frac: f64) -> (f64, f64) {
    let d = (range.1 - range.0) * frac;
    (range.0 + d, range.1 + d)
}

/// Zooms `range` by `factor` around `at` (factor < 1 zooms in).
pub fn zoom_around(range: (f64, f64), at: f64, factor: f64) -> (f64, f64) {
    (at - (at - range.0) * factor, at + (range.1 - at) * factor)
}

/// The narrowest range a zoom may show on `axis`: two cycles, or a minute
/// of wall-clock time (ms).
pub fn min_width(axis: XAxis) -> f64 {
    match axis {
        XAxis::Cycle => 2.0,
        XAxis::Time => 60_000.0,
    }
}

/// The view a zoom or pan to `range` shows: within the data, at least
/// [`min_width`] wide (`None`: the whole run).
pub fn zoom_to(l: &ChartLayout, range: (f64, f64)) -> Option<(f64, f64)> {
    l.clamp_view(range, min_width(l.x_axis))
}

/// The view while shift+dragging: the range when the drag started, moved
/// by the pointer's travel (device pixels) across the plot. A pan keeps the
/// width; it stays within the data.
pub fn pan_drag(l: &ChartLayout, range: (f64, f64), travel: i32) -> Option<(f64, f64)> {
    let width = f64::from((l.plot_px.2 - l.plot_px.0).max(1));
    l.clamp_view(pan_by(range, -f64::from(travel) / width), 0.0)
}

/// A change of the view.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Nav {
    /// Show this range (clamped by [`zoom_to`]).
    To((f64, f64)),
    /// Show the whole run.
    Reset,
}

/// A key pressed with the chart focused: arrows pan, +/- zoom around the
/// middle, 0 or Escape resets; other keys are not the chart's.
pub fn key_nav(key: &str, range: (f64, f64)) -> Option<Nav> {
    let mid = (range.0 + range.1) / 2.0;
    Some(match key {
        "ArrowLeft" => Nav::To(pan_by(range, -PAN_STEP)),
        "ArrowRight" => Nav::To(pan_by(range, PAN_STEP)),
        "+" | "=" => Nav::To(zoom_around(range, mid, ZOOM_IN)),
        "-" | "_" => Nav::To(zoom_around(range, mid, ZOOM_OUT)),
        "0" | "Escape" => Nav::Reset,
        _ => return None,
    })
}

/// A wheel event on the chart.
#[derive(Clone, Copy, Debug, Default)]
pub struct Wheel {
    /// Ctrl or ⌘ held (a trackpad pinch comes as Ctrl+wheel).
    pub zoom_key: bool,
    pub shift: bool,
    pub delta_x: f64,
    pub delta_y: f64,
}

/// The range a wheel event moves `range` to, `at` the x under the pointer;
/// `None`: not the chart's, the page scrolls. Ctrl/⌘+wheel zooms, and
/// Shift+wheel or a sideways scroll pans, as in Grafana and Perfetto.
pub fn wheel_nav(w: Wheel, range: (f64, f64), at: f64) -> Option<(f64, f64)> {
    if w.zoom_key {
        let factor = if w.delta_y < 0.0 { ZOOM_IN } else { ZOOM_OUT };
        return Some(zoom_around(range, at, factor));
    }
    let sideways = if w.shift {
        w.delta_y
    } else if w.delta_x.abs() > w.delta_y.abs() {
        w.delta_x
    } else {
        0.0
    };
    (sideways != 0.0).then(|| pan_by(range, PAN_STEP * sideways.signum()))
}

/// A touch gesture on the plot: the fingers' x (device pixels) when it
/// started, `start`, and now, `now`, from the view `range` it started on.
/// One finger pans (the data follows the finger), two pinch (the data under
/// each finger stays under it); `None`: not a gesture, or fingers too close
/// to measure. The component clamps the result like any zoom ([`zoom_to`]).
pub fn touch_nav(l: &ChartLayout, range: (f64, f64), start: &[i32], now: &[i32]) -> Option<Nav> {
    let (left, width) = (l.plot_px.0, f64::from((l.plot_px.2 - l.plot_px.0).max(1)));
    let travel = |a: i32, b: i32| f64::from(b - a) / width;
    match (start, now) {
        ([a], [b]) => Some(Nav::To(pan_by(range, -travel(*a, *b)))),
        ([a0, a1], [b0, b1]) => {
            if (a1 - a0).abs() < MIN_DRAG_PX || (b1 - b0).abs() < MIN_DRAG_PX {
                return None;
            }
            // The x under the first finger, and the new width.
            let w = range.1 - range.0;
            let x0 = range.0 + travel(left, *a0) * w;
            let w = w * f64::from(a1 - a0) / f64::from(b1 - b0);
            let from = x0 - travel(left, *b0) * w;
            Some(Nav::To((from, from + w)))
        }
        _ => None,
    }
}

/// The overview strip while zoomed: where the view lies in the whole run,
/// as percentages of it (left, width); `None` when nothing is zoomed.
pub fn overview(l: &ChartLayout) -> Option<(f64, f64)> {
    let ((d0, d1), (a, b)) = (l.x_data, l.x_range);
    let span = d1 - d0;
    (span > 0.0 && (a > d0 || b < d1)).then(|| {
        let pct = |x: f64| ((x - d0) / span * 100.0).clamp(0.0, 100.0);
        (pct(a), pct(b) - pct(a))
    })
}

/// The view centred on the point at fraction `at` of the overview strip,
/// as wide as the view now (clamped to the data by [`zoom_to`]).
pub fn overview_nav(l: &ChartLayout, at: f64) -> Nav {
    let ((d0, d1), (a, b)) = (l.x_data, l.x_range);
    let mid = d0 + at.clamp(0.0, 1.0) * (d1 - d0);
    Nav::To((mid - (b - a) / 2.0, mid + (b - a) / 2.0))
}

/// The CSS pixels a drag from `a` to `b` selects, left to right; `None`
/// when it is too short to be a zoom.
pub fn drag_span(a: i32, b: i32) -> Option<(i32, i32)> {
    ((a - b).abs() >= MIN_DRAG_PX).then(|| (a.min(b), a.max(b)))
}

/// The style of the selection box of a drag from `a` to `b` (CSS pixels),
/// once it is wide enough to show.
pub fn selection_style(a: i32, b: i32) -> Option<String> {
    ((a - b).abs() >= MIN_SELECTION_PX)
        .then(|| format!("left:{}px;width:{}px", a.min(b), (a - b).abs()))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A chart's layout: its plot at `plot_px`, the data and the view `x`
    /// wide, from 0 to 200 high.
    pub fn layout(plot_px: (i32, i32, i32, i32), x: (f64, f64)) -> ChartLayout {
        ChartLayout {
            plot_px,
            x_range: x,
            x_data: x,
            y_range: (0.0, 200.0),
            y_log: false,
            x_axis: XAxis::Cycle,
        }
    }

    #[test]
    fn pixel_ratios_are_bounded_and_round_trip() {
        assert_eq!(clamp_dpr(0.5), MIN_DPR);
        assert_eq!(clamp_dpr(2.0), 2.0);
        assert_eq!(clamp_dpr(9.0), MAX_DPR);
        assert_eq!(to_device(101, 1.5), 152);
        assert_eq!(to_css(300, 2.0), 150.0);
        assert_eq!(canvas_px(900, 1.25), 1125);
        assert_eq!(css_width(None), 900);
        assert_eq!(css_width(Some(200)), 320);
        assert_eq!(css_width(Some(1000)), 1000);
    }

    #[test]
    fn zoom_and_pan_keep_the_point_and_the_width() {
        assert_eq!(pan_by((10.0, 20.0), 0.5), (15.0, 25.0));
        assert_eq!(pan_by((10.0, 20.0), -0.1), (9.0, 19.0));
        let z = zoom_around((0.0, 100.0), 25.0, ZOOM_IN);
        assert_eq!(z, (5.0, 85.0));
        // Zooming in then out comes back.
        let back = zoom_around(z, 25.0, ZOOM_OUT);
        assert!((back.0 - 0.0).abs() < 1e-9 && (back.1 - 100.0).abs() < 1e-9);
    }

    #[test]
    fn keys_pan_zoom_and_reset() {
        let r = (0.0, 100.0);
        assert_eq!(key_nav("ArrowLeft", r), Some(Nav::To((-10.0, 90.0))));
        assert_eq!(key_nav("ArrowRight", r), Some(Nav::To((10.0, 110.0))));
        assert_eq!(key_nav("+", r), key_nav("=", r));
        assert_eq!(key_nav("+", r), Some(Nav::To((10.0, 90.0))));
        assert_eq!(key_nav("-", r), Some(Nav::To((-12.5, 112.5))));
        assert_eq!(key_nav("_", r), key_nav("-", r));
        assert_eq!(key_nav("0", r), Some(Nav::Reset));
        assert_eq!(key_nav("Escape", r), Some(Nav::Reset));
        assert_eq!(key_nav("a", r), None);
    }

    #[test]
    fn the_wheel_scrolls_the_page_unless_asked_to_zoom_or_pan() {
        let r = (0.0, 100.0);
        let plain = Wheel {
            delta_y: 3.0,
            ..Wheel::default()
        };
        assert_eq!(wheel_nav(plain, r, 50.0), None);
        let zoom_in = Wheel {
            zoom_key: true,
            delta_y: -1.0,
            ..Wheel::default()
        };
        assert_eq!(wheel_nav(zoom_in, r, 50.0), Some((10.0, 90.0)));
        let zoom_out = Wheel {
            zoom_key: true,
            delta_y: 1.0,
            ..Wheel::default()
        };
        assert_eq!(wheel_nav(zoom_out, r, 0.0), Some((0.0, 125.0)));
        let shift = Wheel {
            shift: true,
            delta_y: -4.0,
            ..Wheel::default()
        };
        assert_eq!(wheel_nav(shift, r, 0.0), Some((-10.0, 90.0)));
        let sideways = Wheel {
            delta_x: 5.0,
            delta_y: 1.0,
            ..Wheel::default()
        };
        assert_eq!(wheel_nav(sideways, r, 0.0), Some((10.0, 110.0)));
    }

    #[test]
    fn drags_select_only_when_long_enough() {
        assert_eq!(drag_span(10, 14), None);
        assert_eq!(drag_span(30, 10), Some((10, 30)));
        assert_eq!(selection_style(10, 11), None);
        assert_eq!(
            selection_style(40, 10).as_deref(),
            Some("left:10px;width:30px")
        );
    }

    #[test]
    fn zooms_stay_within_the_data_and_above_the_minimum_width() {
        assert_eq!(min_width(XAxis::Cycle), 2.0);
        assert_eq!(min_width(XAxis::Time), 60_000.0);
        let l = layout((100, 20, 1100, 420), (0.0, 100.0));
        let narrow = zoom_to(&l, (50.0, 50.5)).expect("a zoom");
        assert!(narrow.1 - narrow.0 >= 2.0 - 1e-9);
        // Dragging right by a tenth of the plot moves the view left by a
        // tenth of its width, never past the data.
        let moved = pan_drag(&l, (20.0, 40.0), 100).expect("a pan");
        assert!((moved.0 - 18.0).abs() < 1e-9 && (moved.1 - 38.0).abs() < 1e-9);
        let edge = pan_drag(&l, (0.0, 20.0), 500);
        assert!(edge.is_none_or(|(a, _)| a >= 0.0));
    }

    #[test]
    fn one_finger_pans_and_two_fingers_pinch() {
        let l = layout((100, 20, 1100, 420), (0.0, 100.0));
        let r = (20.0, 40.0);
        // A finger moving right by a tenth of the plot moves the view left
        // by a tenth of its width.
        assert_eq!(
            touch_nav(&l, r, &[300], &[400]),
            Some(Nav::To((18.0, 38.0)))
        );
        // Fingers spreading to twice their distance halve the width, the
        // data under them staying under them.
        let Some(Nav::To(z)) = touch_nav(&l, r, &[400, 600], &[300, 700]) else {
            panic!("a pinch");
        };
        assert!(
            (z.0 - 24.0).abs() < 1e-9 && (z.1 - 34.0).abs() < 1e-9,
            "{z:?}"
        );
        // Pinching in far past the data: the clamp gives the whole run back.
        let Some(Nav::To(out)) = touch_nav(&l, r, &[300, 700], &[495, 505]) else {
            panic!("a pinch");
        };
        assert_eq!(zoom_to(&l, out), None);
        // Spreading far: never narrower than the minimum width.
        let Some(Nav::To(tiny)) = touch_nav(&l, r, &[495, 505], &[100, 1100]) else {
            panic!("a pinch");
        };
        let tiny = zoom_to(&l, tiny).expect("a zoom");
        assert!(tiny.1 - tiny.0 >= min_width(XAxis::Cycle) - 1e-9);
        // Fingers together, or three fingers: no gesture.
        assert_eq!(touch_nav(&l, r, &[400, 402], &[300, 700]), None);
        assert_eq!(touch_nav(&l, r, &[1, 2, 3], &[1, 2, 3]), None);
    }

    #[test]
    fn the_overview_strip_shows_and_moves_the_view() {
        let whole = layout((0, 0, 100, 100), (0.0, 100.0));
        assert_eq!(overview(&whole), None);
        let mut l = whole;
        l.x_range = (20.0, 40.0);
        assert_eq!(overview(&l), Some((20.0, 20.0)));
        assert_eq!(overview_nav(&l, 0.5), Nav::To((40.0, 60.0)));
        // Past the end: the view stays within the data.
        let Nav::To(end) = overview_nav(&l, 1.5) else {
            panic!("a range");
        };
        assert_eq!(zoom_to(&l, end), Some((80.0, 100.0)));
    }
}
