//! The judgement of one metric over one segment: leaking, bounded,
//! decreasing, or undecided, each with the evidence that decided it.
//!
//! Evidence both ways:
//!
//! - **Leaking** needs sustained growth: the retained level of the recent
//!   part rises significantly (its interval above zero at α), at or above
//!   the practical minimum, the most recent cycles do not show it stopped,
//!   and no bounded shape (a warm-up, a cache that fills, one step) fits the
//!   run decisively better. Growth no collection has tested is no evidence.
//! - **Bounded** needs a bound: the upper end of the slope's interval below
//!   the practical minimum (an equivalence test), or a bounded model
//!   decisively better than every growing one; and a stretch no collection
//!   has tested must be bounded too (its floors bound the retained level
//!   from above).
//! - Anything else is **undecided**, with what would decide it.

use std::ops::Range;

use super::config::Config;
use super::cycles::Cycles;
use super::retained::{peaks, retained, Retained};
use crate::models::{self, Fit, Model, Selection};
use crate::report::{
    Assessment, Decision, MetricReport, ModelFit, Pattern, RetainedSource, SlopeMethod, Trend,
    TrendLine,
};
use crate::stats::{self, median, UnitRootLevel};
use crate::text::num;
use crate::Metric;

/// A slope test on this many points or more is a rank test (robust to the
/// outliers of GC noise); on fewer, least squares with a t interval (a rank
/// test cannot reach α = 0.01 on five points whatever they show).
const RANK_TEST_POINTS: usize = 10;
/// On this many points or more, a level that wanders like a random walk
/// (an augmented Dickey–Fuller test does not reject a unit root at 5%) is
/// judged on its steps: a rank test or least squares would read its
/// wandering as a trend. Fewer points give that test too little power.
const UNIT_ROOT_POINTS: usize = 20;
/// Evidence (2 ln of the Bayes factor) from which a bounded shape is
/// "positively" the better fit (Kass & Raftery: 2–6 positive, 6–10 strong,
/// above 10 very strong, which is what a bound needs on its own).
const LEANING_EVIDENCE: f64 = 2.0;
/// The fewest points any claim is made on.
const MIN_POINTS: usize = 3;
/// Fewer retained points than this are judged whole; more, on their recent
/// half (the current regime: a warm-up long over says nothing about now).
const WHOLE_RUN_POINTS: usize = 16;
/// The recent half has at least this many points.
const MIN_RECENT_POINTS: usize = 8;
/// A "still rising" metric needs at least this many more cycles (or half
/// the run) before a levelling-off can show.
const MIN_WATCH_CYCLES: u64 = 20;
/// More cycles than this many times the run are not worth asking for: the
/// estimate sits on the practical minimum, and only a change would decide.
const MAX_RUN_MULTIPLE: f64 = 10.0;

/// A slope with its interval and p-value, from one test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Slope {
    pub slope: f64,
    pub lower: f64,
    pub upper: f64,
    pub p: f64,
    pub intercept: f64,
    pub rising: bool,
    pub falling: bool,
    /// Kendall's S (0 for least squares).
    pub s: f64,
    pub method: SlopeMethod,
    /// Points and first x of the stretch tested.
    pub n: usize,
    pub from: f64,
    pub to: f64,
}

impl Slope {
    /// The test of `y` on `x`: a rank test on enough points, least squares
    /// on a handful. `None` on fewer than [`MIN_POINTS`].
    pub fn of(x: &[f64], y: &[f64], alpha: f64) -> Option<Slope> {
        let n = x.len().min(y.len());
        if n < MIN_POINTS {
            return None;
        }
        let (from, to) = (x[0], x[n - 1]);
        if y[..n].iter().all(|&v| v == y[0]) {
            // A level that never moves (a page count, a heap total between
            // two reservations): no slope, and every test says so.
            return Some(Slope {
                slope: 0.0,
                lower: 0.0,
                upper: 0.0,
                p: 1.0,
                intercept: y[0],
                rising: false,
                falling: false,
                s: 0.0,
                method: if n >= RANK_TEST_POINTS {
                    SlopeMethod::MannKendall
                } else {
                    SlopeMethod::LeastSquares
                },
                n,
                from,
                to,
            });
        }
        let level = y.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        let resolution = 0.01 + 1e-9 * level;
        if n >= RANK_TEST_POINTS {
            let t = stats::slope_test(x, y, alpha)?;
            // Rounded as the report shows them, so every decision made on
            // them reads the same in the report.
            return Some(Slope {
                slope: rnd(t.slope),
                lower: rnd(t.lower),
                upper: rnd(t.upper),
                p: rnd(t.mk.p),
                intercept: t.intercept,
                rising: t.rising(),
                falling: t.falling(),
                s: t.mk.s,
                method: SlopeMethod::MannKendall,
                n,
                from,
                to,
            });
        }
        let t = stats::line_test(x, y, alpha, resolution)?;
        let significant = rnd(t.p) < alpha;
        Some(Slope {
            slope: rnd(t.slope),
            lower: rnd(t.lower),
            upper: rnd(t.upper),
            p: rnd(t.p),
            intercept: t.intercept,
            rising: significant && t.slope > 0.0,
            falling: significant && t.slope < 0.0,
            s: 0.0,
            method: SlopeMethod::LeastSquares,
            n,
            from,
            to,
        })
    }

    /// Two levels of known noise `sd` each (the heap after two major
    /// collections): their difference over the cycles between them, with a
    /// normal interval.
    pub fn two_levels(a: (f64, f64), b: (f64, f64), sd: f64, alpha: f64) -> Option<Slope> {
        let span = b.0 - a.0;
        if span <= 0.0 || sd.is_nan() || sd <= 0.0 {
            return None;
        }
        let slope = (b.1 - a.1) / span;
        let se = sd * std::f64::consts::SQRT_2 / span;
        let z = stats::norm_quantile(1.0 - alpha / 2.0);
        let p = rnd(stats::two_sided_p(slope / se));
        let significant = p < alpha;
        Some(Slope {
            slope: rnd(slope),
            lower: rnd(slope - z * se),
            upper: rnd(slope + z * se),
            p,
            intercept: a.1 - slope * a.0,
            rising: significant && slope > 0.0,
            falling: significant && slope < 0.0,
            s: 0.0,
            method: SlopeMethod::TwoLevels,
            n: 2,
            from: a.0,
            to: b.0,
        })
    }

    /// The mean-step test of the points `from..` of `y` on `x`: for a
    /// level that may wander like a random walk, whose growth is the sum of
    /// its steps.
    pub fn steps(x: &[f64], y: &[f64], from: usize, alpha: f64) -> Option<Slope> {
        let n = x.len().min(y.len());
        let level = y.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        let t = stats::step_test(&x[..n], &y[..n], from, alpha, 0.01 + 1e-9 * level)?;
        let p = rnd(t.p);
        let significant = p < alpha;
        Some(Slope {
            slope: rnd(t.slope),
            lower: rnd(t.lower),
            upper: rnd(t.upper),
            p,
            intercept: y[from] - t.slope * x[from],
            rising: significant && t.slope > 0.0,
            falling: significant && t.slope < 0.0,
            s: 0.0,
            method: SlopeMethod::MeanStep,
            n: n - from,
            from: x[from],
            to: x[n - 1],
        })
    }

    fn trend(&self) -> Trend {
        if self.rising {
            Trend::Increasing
        } else if self.falling {
            Trend::Decreasing
        } else {
            Trend::Stable
        }
    }
}

/// A metric's analysis, with what later stages need beside the report part.
pub(crate) struct MetricAnalysis {
    pub report: MetricReport,
    /// Recent slope interval of the peaks (for forecasts).
    pub peak_slope: Option<Slope>,
    pub current_peak: f64,
}

/// Rounds to 6 significant digits: reports stay readable and identical on
/// every target.
pub(crate) fn rnd(x: f64) -> f64 {
    crate::round::six_digits(x)
}

pub(crate) fn fmt_p(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else {
        format!("p = {p:.3}")
    }
}

/// Where the recent part starts: the second half of the points by cycle
/// (at least [`MIN_RECENT_POINTS`]); the whole series when it is short.
pub(crate) fn recent_start(pts: &[(f64, f64)]) -> usize {
    let n = pts.len();
    if n < WHOLE_RUN_POINTS {
        return 0;
    }
    let mid_x = pts[0].0 + (pts[n - 1].0 - pts[0].0) / 2.0;
    let by_x = pts.iter().position(|p| p.0 >= mid_x).unwrap_or(0);
    by_x.min(n - MIN_RECENT_POINTS)
}

fn model_fit_report(f: &Fit) -> ModelFit {
    ModelFit {
        name: f.model.as_str().to_string(),
        growing: f.growing,
        bic: rnd(f.bic),
        params: crate::report::map_of(f.params.iter().map(|(k, v)| (k.clone(), rnd(*v)))),
    }
}

fn pattern_of(fit: &Fit) -> Pattern {
    match fit.model {
        Model::Exponential => Pattern::Exponential,
        Model::Staircase => Pattern::Step,
        Model::PlateauThenGrowth => Pattern::PlateauThenGrowth,
        _ => Pattern::Linear,
    }
}

/// Places a level change of a piecewise-constant fit on the cycle where the
/// floor first crosses the midpoint of the two levels: the retained series
/// may have a point every few cycles, the floors have one every cycle.
fn refine_step(c: &Cycles, m: Metric, seg: &Range<usize>, xs: &[f64], fit: &Fit, x: f64) -> u64 {
    let fallback = x.round() as u64;
    if !matches!(fit.model, Model::Staircase | Model::Step) {
        return fallback;
    }
    let Some(b) = xs.iter().position(|&v| v >= x) else {
        return fallback;
    };
    if b == 0 || b >= fit.fitted.len() {
        return fallback;
    }
    let (before, after) = (fit.fitted[b - 1], fit.fitted[b]);
    let mid = (before + after) / 2.0;
    let (lo, hi) = (xs[b - 1], xs[b]);
    let floor = &c.floor[m.index()];
    seg.clone()
        .filter(|&i| {
            let cy = c.cycle[i] as f64;
            cy > lo && cy <= hi && floor[i].is_finite()
        })
        .find(|&i| {
            if after >= before {
                floor[i] >= mid
            } else {
                floor[i] <= mid
            }
        })
        .map(|i| c.cycle[i])
        .unwrap_or(fallback)
}

/// The shape of growth: linear unless another growing model beats the line
/// clearly (a name has to be earned).
fn growth_shape<'a>(sel: &'a Selection, cfg: &Config) -> Option<&'a Fit> {
    let best = &sel.fits[sel.best_growing?];
    let line = sel
        .fits
        .iter()
        .find(|f| f.model == Model::Linear && f.growing);
    match line {
        Some(line)
            if best.model != Model::Linear
                && (line.bic - best.bic) * sel.discount < cfg.evidence_threshold =>
        {
            Some(line)
        }
        _ => Some(best),
    }
}

/// Cycles more that would narrow the interval of `t` enough to decide
/// between a rise of at least `min` and a bound below it, if the slope
/// stays where it is: an interval's half-width shrinks as the run's length
/// to the power 3/2 for a trend plus stationary noise, as its square root
/// for a level that wanders (the mean of its steps).
fn cycles_to_decide(t: &Slope, min: f64) -> Option<u64> {
    let half = (t.upper - t.lower) / 2.0;
    let span = t.to - t.from;
    if half <= 0.0 || span <= 0.0 {
        return None;
    }
    // The half-width that would put the interval clear of zero (a rise of
    // at least `min`) or below `min` (a bound).
    let needed = if t.slope >= min {
        t.slope
    } else {
        min - t.slope
    };
    if needed <= 0.0 {
        return None;
    }
    let power = if t.method == SlopeMethod::MeanStep {
        2.0
    } else {
        2.0 / 3.0
    };
    let factor = libm::pow(half / needed, power);
    if factor <= 1.0 || factor > MAX_RUN_MULTIPLE {
        return None;
    }
    Some(libm::ceil(span * (factor - 1.0)) as u64)
}

/// Each quarter of a count of this many points at least is judged.
const MIN_QUARTER_POINTS: usize = 8;

/// True when each quarter of `ys` ends higher than it starts (the medians
/// of its first and last three points), on at least
/// [`MIN_QUARTER_POINTS`] points a quarter.
fn rises_in_every_quarter(ys: &[f64]) -> bool {
    let q = ys.len() / 4;
    if q < MIN_QUARTER_POINTS {
        return false;
    }
    ys.chunks(q).take(4).all(|part| {
        let head = median(&part[..3]).unwrap_or(f64::NAN);
        let tail = median(&part[part.len() - 3..]).unwrap_or(f64::NAN);
        tail > head
    })
}

/// True when a series of enough points wanders like a random walk: an
/// augmented Dickey–Fuller test (constant and trend) does not reject a unit
/// root at 5%.
pub(crate) fn wanders(ys: &[f64]) -> bool {
    ys.len() >= UNIT_ROOT_POINTS && !stats::reverts_to_trend(ys, UnitRootLevel::One)
}

/// What was decided and on which test.
struct Outcome {
    decision: Decision,
    shown: Slope,
    cycles_needed: Option<u64>,
}

/// Judges metric `m` over segment `seg`.
pub(crate) fn judge(
    c: &Cycles,
    m: Metric,
    seg: &Range<usize>,
    cfg: &Config,
    cycle_hours: Option<f64>,
) -> Option<MetricAnalysis> {
    let col = &c.floor[m.index()];
    let raw: Vec<(f64, f64)> = seg
        .clone()
        .filter(|&i| col[i].is_finite())
        .map(|i| (c.cycle[i] as f64, col[i]))
        .collect();
    let (&(first_x, first), &(last_x, last)) = (raw.first()?, raw.last()?);
    let ret = retained(c, m, seg);
    let xs: Vec<f64> = ret.points.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = ret.points.iter().map(|p| p.1).collect();
    let n = ys.len();
    let k = (n / 10).clamp(1, 3);
    // For counts the baseline is the pool the worker starts with.
    let baseline = if n == 0 {
        first
    } else if m.is_count() {
        ys[..k.min(n)].iter().copied().fold(f64::INFINITY, f64::min)
    } else {
        median(&ys[..k.min(n)]).unwrap_or(first)
    };
    let current = if n == 0 {
        last
    } else {
        median(&ys[n - k.min(n)..]).unwrap_or(last)
    };
    let min = rnd(cfg.practical_slope(m, current, last_x - first_x));
    let selection = models::select(&xs, &ys);
    // Whether a memory level may wander like a random walk: the whole
    // series does not revert to a trend line. Then a rise or a bound needs the
    // mean-step test to agree (a rank test or a line take wandering for a
    // trend), unless the recent half reverts by itself (one level shift is
    // enough to keep the whole from reverting), and BIC's evidence for a
    // shape is discounted in full for the residuals' autocorrelation.
    // (Not for counts: a page count that does not return to its pool is
    // what a leak of pages is; its null is the pool, not a random walk.)
    let may_wander = !m.is_count() && wanders(&ys);
    // The recent half clears the doubt only when it reverts at 1%: a walk's
    // half looks like a trend one time in twenty at 5%.
    let recent_half = &ys[recent_start(&ret.points)..];
    let recent_reverts = recent_half.len() >= UNIT_ROOT_POINTS
        && stats::reverts_to_trend(recent_half, UnitRootLevel::One);
    let wanders = may_wander && !recent_reverts;
    let has_models = !selection.fits.is_empty();
    let evidence = if has_models { selection.evidence } else { 0.0 };
    // (A walk fits a ramp that levels off as well as anything: no bounded
    // shape is evidence of a bound for a level that wanders.)
    let bounded_model = has_models && !wanders && evidence <= -cfg.evidence_threshold;
    // A bounded shape that fits better, if not decisively: the rise may be
    // levelling off (a warm-up, an allocator growing its arenas), which is
    // no evidence of a leak yet.
    let levelling = has_models && !wanders && evidence <= -LEANING_EVIDENCE;
    // For a level that may wander, the evidence is discounted in full for
    // its residuals' autocorrelation (the usual discount stops at a tenth,
    // which a walk's hinge or ramp still clears).
    let evidence_strict = if may_wander {
        let rho = selection.residual_autocorrelation;
        let full = ((1.0 - rho) / (1.0 + rho)).max(0.0);
        evidence / selection.discount.max(1e-9) * full
    } else {
        evidence
    };
    let growing_model = has_models
        && evidence_strict >= cfg.evidence_threshold
        && selection.fits.first().is_some_and(|f| f.growing);
    let best_growing = selection.best_growing.map(|i| &selection.fits[i]);
    // The current regime: after the onset of a plateau-then-growth that
    // fits decisively, the whole run for steps still coming (sparse events),
    // else the recent half.
    let rs = match best_growing
        .filter(|_| growing_model)
        .map(|f| (f.model, f.change_points.first()))
    {
        Some((Model::Staircase, _)) => 0,
        Some((Model::PlateauThenGrowth, Some(&onset))) => xs
            .iter()
            .position(|&x| x >= onset)
            .filter(|&i| n - i > MIN_POINTS)
            .unwrap_or_else(|| recent_start(&ret.points)),
        _ => recent_start(&ret.points),
    };
    let recent = match (n, ret.level_noise) {
        // Two levels after major collections: the second one failing to
        // bring the heap back to the first is evidence; their noise is what
        // a cycle holds in flight.
        (2, Some(sd)) => Slope::two_levels(ret.points[0], ret.points[1], sd, cfg.alpha),
        _ => Slope::of(&xs[rs..], &ys[rs..], cfg.alpha),
    };
    let steps = (may_wander && !recent_reverts)
        .then(|| Slope::steps(&xs, &ys, rs, cfg.alpha))
        .flatten();
    // The most recent part on its own: growth that stopped is not sustained;
    // growth that started there is no bound.
    // (On the retained points when there are enough of them, else on the
    // floors of the last quarter of the run: floors a collection did not
    // take lower show growth that stopped as well.)
    let latest = if n - rs >= WHOLE_RUN_POINTS {
        let r2 = rs + recent_start(&ret.points[rs..]);
        Slope::of(&xs[r2..], &ys[r2..], cfg.alpha)
    } else {
        let from = last_x - (last_x - first_x) / 4.0;
        let tail: Vec<&(f64, f64)> = raw.iter().filter(|p| p.0 >= from).collect();
        (tail.len() >= MIN_RECENT_POINTS && tail.len() < raw.len())
            .then(|| {
                let tx: Vec<f64> = tail.iter().map(|p| p.0).collect();
                let ty: Vec<f64> = tail.iter().map(|p| p.1).collect();
                Slope::of(&tx, &ty, cfg.alpha)
            })
            .flatten()
    };
    // The whole series, for a bound: where the recent part is flat, a line
    // over every point bounds the slope more tightly (a warm-up in the run
    // keeps the whole from bounding it; then the recent part must).
    // (Only where it could decide: the recent part neither rises nor bounds.)
    let whole = (rs > 0 && recent.is_some_and(|t| !t.rising && t.upper >= min))
        .then(|| Slope::of(&xs, &ys, cfg.alpha))
        .flatten();
    // Steps still coming: a staircase that fits decisively, or a count that
    // steps up in every quarter of the run (a pool stops stepping when it
    // is full, however irregular the timing that makes a line fit badly).
    let steps_going = (growing_model && best_growing.is_some_and(|f| f.model == Model::Staircase))
        || (m.is_count() && rises_in_every_quarter(&ys));
    let count_excess_ok = !m.is_count() || current - baseline >= cfg.min_count_excess;
    let outcome = decide(
        &ret,
        Tests {
            recent,
            latest,
            whole,
            steps,
            recent_reverts,
        },
        min,
        bounded_model,
        levelling,
        growing_model,
        steps_going,
        count_excess_ok,
        (seg.len() < cfg.min_cycles).then_some(seg.len()),
        cfg,
    );

    let t = outcome.shown;
    let assessment = match outcome.decision {
        Decision::SustainedGrowth | Decision::ContainedGrowth => Assessment::Leaking,
        Decision::IntervalBelowMinimum | Decision::BoundedModel => Assessment::Bounded,
        Decision::Falling => Assessment::Decreasing,
        Decision::StillRising | Decision::ReservedHeap => Assessment::RisingUndecided,
        Decision::Unsettled | Decision::Uncollected => Assessment::Undecided,
        Decision::TooFewPoints => Assessment::InsufficientData,
    };
    let shape = growth_shape(&selection, cfg);
    let pattern = match assessment {
        Assessment::Leaking | Assessment::RisingUndecided => {
            shape.map(pattern_of).unwrap_or(Pattern::Linear)
        }
        Assessment::Decreasing => Pattern::Decreasing,
        _ if t.rising => shape.map(pattern_of).unwrap_or(Pattern::Linear),
        _ => Pattern::Stable,
    };
    let shown_fit = match assessment {
        Assessment::Leaking | Assessment::RisingUndecided => shape,
        _ => selection.fits.first(),
    };
    let change_points: Vec<u64> = shown_fit
        .map(|f| {
            f.change_points
                .iter()
                .map(|&x| refine_step(c, m, seg, &xs, f, x))
                .collect()
        })
        .unwrap_or_default();

    // The peaks' slope, for a forecast: only for a metric with a limit.
    let forecast = m == Metric::HeapUsed
        || (m == Metric::Rss && cfg.rss_threshold_mb.is_some())
        || cfg.limits.contains_key(&m);
    let peak_slope = forecast
        .then(|| {
            let pk = peaks(c, m, seg);
            let ps = recent_start(&pk);
            let px: Vec<f64> = pk[ps..].iter().map(|p| p.0).collect();
            let py: Vec<f64> = pk[ps..].iter().map(|p| p.1).collect();
            Slope::of(&px, &py, cfg.alpha)
        })
        .flatten();
    let peaks_col = &c.peak[m.index()];
    let tail = (seg.len() / 10).max(3).min(seg.len());
    let current_peak = seg
        .clone()
        .skip(seg.len() - tail)
        .map(|i| peaks_col[i])
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let min_seen = raw.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let max_seen = seg
        .clone()
        .map(|i| peaks_col[i])
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let judgement = judgement_sentence(m, &outcome, &ret, min, baseline, current);
    let report = MetricReport {
        trend: t.trend(),
        slope_per_cycle: rnd(t.slope),
        slope_ci: [rnd(t.lower), rnd(t.upper)],
        slope_per_hour: cycle_hours.filter(|h| *h > 0.0).map(|h| rnd(t.slope / h)),
        pattern,
        assessment,
        decided_by: outcome.decision,
        judgement,
        practical_slope: rnd(min),
        cycles_needed: outcome.cycles_needed,
        test: t.method,
        p_value: rnd(t.p),
        mann_kendall_s: t.s,
        points: n,
        retained_from: ret.source,
        collections: ret.collections,
        uncollected_since: ret.uncollected.as_ref().map(|u| u.since as u64),
        recent_from_cycle: t.from as u64,
        change_points,
        models: selection
            .fits
            .iter()
            .take(4)
            .map(model_fit_report)
            .collect(),
        growth_evidence: rnd(if evidence.is_finite() { evidence } else { -1e9 }),
        first: rnd(first),
        last: rnd(last),
        min: rnd(min_seen),
        max: rnd(max_seen),
        baseline: rnd(baseline),
        current: rnd(current),
        trend_line: (t.n >= MIN_POINTS).then(|| TrendLine {
            from_cycle: t.from as u64,
            to_cycle: t.to as u64,
            intercept: rnd(t.intercept),
            slope: rnd(t.slope),
        }),
    };
    Some(MetricAnalysis {
        report,
        peak_slope,
        current_peak,
    })
}

/// The tests a decision reads.
struct Tests {
    /// The recent part (the current regime).
    recent: Option<Slope>,
    /// The latest half of it, when long enough.
    latest: Option<Slope>,
    /// Every point, when the recent part is not all of them.
    whole: Option<Slope>,
    /// The mean-step test of the recent part, when the series may wander.
    steps: Option<Slope>,
    /// The recent half reverts to a trend by itself.
    recent_reverts: bool,
}

/// The decision rules, on the tests already made, in order:
///
/// 1. Nothing collected to judge: only the uncollected floors can bound
///    the level; else undecided (uncollected) or too few points.
/// 2. A level that may wander must show a rise (or a bound) in its steps
///    too; if it does not, undecided.
/// 3. Sustained growth: the recent part rises significantly at or above
///    the practical minimum, no bounded shape fits better (not even
///    positively: a rise that may be levelling off is not yet a leak), and
///    the latest part does not show the growth stopped (unless steps are
///    still coming): leaking.
/// 4. A significant fall (not rising again lately): decreasing.
/// 5. A bound: the recent part's interval below the practical minimum (or
///    the whole run's, when the recent part does not rise), or a bounded
///    shape decisively better, and nothing rising lately; the uncollected
///    stretch, if any, bounded too. Pages or contexts rising within the
///    pool's usual slack are bounded as well.
/// 6. Few collected levels, a bounded uncollected stretch: bounded.
/// 7. Otherwise undecided: still rising (a warm-up?), uncollected, or an
///    interval too wide either way (with the cycles that would narrow it).
#[allow(clippy::too_many_arguments)]
fn decide(
    ret: &Retained,
    tests: Tests,
    min: f64,
    bounded_model: bool,
    levelling: bool,
    growing_model: bool,
    steps_going: bool,
    count_excess_ok: bool,
    short_run: Option<usize>,
    cfg: &Config,
) -> Outcome {
    let Tests {
        recent,
        latest,
        whole,
        steps,
        recent_reverts,
    } = tests;
    let unc = ret.uncollected.as_ref().and_then(|u| {
        let x: Vec<f64> = u.floors.iter().map(|p| p.0).collect();
        let y: Vec<f64> = u.floors.iter().map(|p| p.1).collect();
        Slope::of(&x, &y, cfg.alpha)
    });
    let unc_bounded = unc.is_some_and(|u| u.upper < min);
    let on = |decision, shown| Outcome {
        decision,
        shown,
        cycles_needed: None,
    };
    // 1.
    let Some(t) = recent else {
        return match unc {
            Some(u) if unc_bounded => on(Decision::IntervalBelowMinimum, u),
            Some(u) => on(Decision::Uncollected, u),
            None => on(Decision::TooFewPoints, empty_slope(ret)),
        };
    };
    let rising_now = t.rising && t.slope >= min;
    let latest_bounded = latest.is_some_and(|l| l.upper < min);
    let latest_rising = latest.is_some_and(|l| l.rising && l.slope >= min);
    let bounded_model = bounded_model && !steps_going;
    // 2.
    let unsettled = |s: Slope| Outcome {
        decision: Decision::Unsettled,
        shown: s,
        cycles_needed: cycles_to_decide(&s, min),
    };
    // A growing shape that fits decisively even with the evidence discounted
    // in full for autocorrelation (steps still coming, a plateau then a
    // line) is structure a walk does not make; it needs no second opinion
    // from the mean step.
    if let Some(s) = steps.filter(|_| !growing_model) {
        if rising_now && !(s.rising && s.slope >= min) {
            return unsettled(s);
        }
    }
    // 3. (A run shorter than `min_cycles` cannot show the growth going on
    // past a warm-up by its latest part: there a growing shape must also
    // fit decisively better than every bounded one.)
    let long_enough = short_run.is_none() || growing_model;
    if rising_now
        && !bounded_model
        && (!levelling || steps_going)
        && (!latest_bounded || steps_going)
        && count_excess_ok
        && long_enough
    {
        return on(Decision::SustainedGrowth, t);
    }
    // 4.
    if t.falling && !latest_rising {
        return on(Decision::Falling, t);
    }
    // 5.
    let whole_bound = whole.filter(|w| w.upper < min && !w.rising && !t.rising);
    let bound = if latest_rising {
        None
    } else if t.upper < min {
        Some((Decision::IntervalBelowMinimum, t))
    } else if let Some(w) = whole_bound {
        Some((Decision::IntervalBelowMinimum, w))
    } else if (bounded_model && !rising_now) || (rising_now && !count_excess_ok) {
        // A bounded shape decisively better; or pages or contexts rising
        // within the pool's usual slack.
        Some((Decision::BoundedModel, t))
    } else {
        None
    };
    if let Some((decision, shown)) = bound {
        let steps_bound = recent_reverts || steps.is_none_or(|s| s.upper < min);
        return match (unc, steps) {
            (Some(u), _) if !unc_bounded => on(Decision::Uncollected, u),
            (_, Some(s)) if decision == Decision::IntervalBelowMinimum && !steps_bound => {
                unsettled(s)
            }
            _ => on(decision, shown),
        };
    }
    // 6.
    if let Some(u) = unc.filter(|_| unc_bounded && t.n < WHOLE_RUN_POINTS && !rising_now) {
        return on(Decision::IntervalBelowMinimum, u);
    }
    // 7.
    if rising_now || latest_rising {
        let span = (t.to - t.from).max(1.0) as u64;
        return Outcome {
            decision: Decision::StillRising,
            shown: t,
            cycles_needed: Some((span / 2).max(MIN_WATCH_CYCLES)),
        };
    }
    if let Some(u) = unc.filter(|_| !unc_bounded) {
        return on(Decision::Uncollected, u);
    }
    unsettled(t)
}

/// The slope shown when there is nothing to test: flat, no interval.
fn empty_slope(ret: &Retained) -> Slope {
    let (from, to) = match (ret.points.first(), ret.points.last()) {
        (Some(a), Some(b)) => (a.0, b.0),
        _ => (0.0, 0.0),
    };
    Slope {
        slope: 0.0,
        lower: 0.0,
        upper: 0.0,
        p: 1.0,
        intercept: ret.points.first().map_or(0.0, |p| p.1),
        rising: false,
        falling: false,
        s: 0.0,
        method: SlopeMethod::MannKendall,
        n: ret.points.len(),
        from,
        to,
    }
}

fn source_words(s: RetainedSource) -> &'static str {
    match s {
        RetainedSource::AllPoints => "per-cycle floor",
        RetainedSource::Troughs => "level after each collection",
        RetainedSource::AfterReturns => "level after each deep collection",
        RetainedSource::AfterMajorGc => "heap after each major collection",
        RetainedSource::QuietPoints => "count at each cycle's quiet point",
    }
}

/// The judgement in one sentence, with the numbers it rests on.
fn judgement_sentence(
    m: Metric,
    o: &Outcome,
    ret: &Retained,
    min: f64,
    baseline: f64,
    current: f64,
) -> String {
    let t = &o.shown;
    let unit = if m.is_count() { "" } else { " MB" };
    let rate = |v: f64| format!("{}{unit}/cycle", num(v));
    let interval = format!(
        "{} (interval {} to {}, {})",
        rate(t.slope),
        num(t.lower),
        num(t.upper),
        fmt_p(t.p)
    );
    let over = format!(
        "the {} over cycles {}–{}",
        source_words(ret.source),
        num(t.from),
        num(t.to)
    );
    match o.decision {
        Decision::SustainedGrowth => format!(
            "{over} rises {interval}, at least the practical minimum {}; retained level {} → {}{unit}",
            rate(min),
            num(baseline),
            num(current)
        ),
        Decision::ContainedGrowth => format!(
            "{over} rises {interval} with a metric that contains it and leaks"
        ),
        Decision::IntervalBelowMinimum if ret.uncollected.is_some() || ret.points.len() < MIN_POINTS => {
            format!(
                "no collection since cycle {}, but the lowest levels since then change {interval}: at most {}, below the practical minimum {}",
                num(t.from),
                rate(t.upper),
                rate(min)
            )
        }
        Decision::IntervalBelowMinimum => format!(
            "{over} changes {interval}: at most {}, below the practical minimum {}",
            rate(t.upper),
            rate(min)
        ),
        Decision::BoundedModel => format!(
            "{over} levels off: a bounded shape fits decisively better than growth ({interval})"
        ),
        Decision::Falling => format!("{over} falls {interval}"),
        Decision::StillRising => format!(
            "{over} still rises {interval}, but levelling off (a warm-up, a cache filling) fits as well"
        ),
        Decision::Unsettled => format!(
            "{over} changes {interval}: the interval holds both the practical minimum {} and no growth",
            rate(min)
        ),
        Decision::Uncollected => {
            let kind = if ret.source == RetainedSource::AfterMajorGc {
                "major collection"
            } else {
                "deep collection"
            };
            let when = match &ret.uncollected {
                Some(u) if u.after_collection => format!("since cycle {}", num(u.since)),
                _ => "in the run".to_string(),
            };
            format!(
                "no {kind} {when} while the lowest levels changed {interval}: garbage not collected yet, or a leak"
            )
        }
        Decision::ReservedHeap => format!(
            "{over} rises {interval} with V8's reserved heap (heap total) while the live heap holds"
        ),
        Decision::TooFewPoints => format!(
            "only {} retained level{} to judge",
            ret.points.len(),
            if ret.points.len() == 1 { "" } else { "s" }
        ),
    }
}
