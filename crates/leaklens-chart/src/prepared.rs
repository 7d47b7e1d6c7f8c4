//! A run made ready to be drawn at any zoom: what a chart reads of a run
//! that does not change with the view, computed once.

use leaklens_core::analyze::RetainedLevel;
use leaklens_core::{Metric, Report, Run};

use crate::clip::P;
use crate::evidence::{retained, to_plot};
use crate::points::Points;
use crate::pyramid::Pyramid;
use crate::XAxis;

/// One metric's values as the y axis draws them, one per point, and their
/// min-max pyramid.
pub(crate) struct Series {
    pub values: Vec<f64>,
    pub pyr: Pyramid,
}

impl Series {
    fn new(values: Vec<f64>) -> Series {
        let pyr = Pyramid::new(&values);
        Series { values, pyr }
    }

    /// The first lowest and highest value of points `a..b`, if any.
    pub fn extremes(&self, a: usize, b: usize) -> Option<P> {
        let (lo, hi) = self.pyr.extremes(&self.values, a, b)?;
        Some((self.values[lo], self.values[hi]))
    }
}

/// A run made ready to be drawn: where each snapshot sits on the x axis,
/// each metric's values as the y axis draws them with their min-max
/// pyramids, and (when asked) each metric's retained level as a line.
///
/// A viewer that draws the same run at every zoom and pan builds it once
/// per run, x axis and y scale, and hands it to
/// [`draw_prepared`](crate::draw_prepared): each drawing then costs time in
/// proportion to the chart's width, not to the run's length, and draws the
/// very picture [`draw`](crate::draw) does.
pub struct Prepared {
    pub(crate) pts: Points,
    pub(crate) series: Vec<(Metric, Series)>,
    pub(crate) retained: Vec<(Metric, Vec<P>)>,
    pub(crate) y_log: bool,
    asked: XAxis,
}

impl Prepared {
    /// `run` on the x axis asked for (cycles when it has no timestamps),
    /// on a logarithmic y axis when `y_log`; without retained levels.
    pub fn new(run: &Run, x_axis: XAxis, y_log: bool) -> Prepared {
        let pts = Points::new(run, x_axis);
        let mut series = Vec::new();
        for m in Metric::ALL {
            if run.has_metric(m) {
                let mut col = pts.ys(run, m);
                if y_log {
                    col.iter_mut().for_each(|v| *v = to_plot(true, *v));
                }
                series.push((m, Series::new(col)));
            }
        }
        Prepared {
            pts,
            series,
            retained: Vec::new(),
            y_log,
            asked: x_axis,
        }
    }

    /// With each metric's retained level (the after-GC floor its verdict
    /// judged) where it differs from its series: `levels` as
    /// [`retained_levels`](leaklens_core::analyze::retained_levels) gives
    /// them for `run` and `report`, or None to compute them here.
    pub fn with_retained(
        mut self,
        run: &Run,
        report: &Report,
        levels: Option<&[RetainedLevel]>,
    ) -> Prepared {
        self.retained = retained(run, report, levels, &self.pts, &Metric::ALL, self.y_log);
        self
    }

    /// True when it was prepared for this x axis and y scale.
    pub fn fits(&self, x_axis: XAxis, y_log: bool) -> bool {
        self.asked == x_axis && self.y_log == y_log
    }

    /// The axis actually used (Time falls back to Cycle without timestamps).
    pub fn axis(&self) -> XAxis {
        self.pts.axis
    }

    /// The snapshot nearest to `x` on this axis, if any (for hover).
    pub fn nearest(&self, x: f64) -> Option<usize> {
        self.pts.nearest(x)
    }

    /// x of snapshot `i` (NaN when it has no place on this axis).
    pub fn x_of(&self, i: usize) -> f64 {
        self.pts.x_of(i)
    }

    /// The values of metric `m`, if the run has it.
    pub(crate) fn series(&self, m: Metric) -> Option<&Series> {
        self.series.iter().find(|s| s.0 == m).map(|s| &s.1)
    }
}
