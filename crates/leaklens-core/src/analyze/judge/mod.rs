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
//!
//! The files: this one gathers the levels and the tests and builds the
//! report part; `slope` the slope tests, `decide` the decision rules,
//! `sentence` the judgement in words.

mod decide;
mod sentence;
mod slope;

use std::ops::Range;

use super::config::Config;
use super::cycles::Cycles;
use super::retained::{finite_points, peaks, retained, retained_of_floors, Retained};
use crate::models::{self, Fit, Model, Selection};
use crate::report::{Assessment, Decision, MetricReport, ModelFit, Pattern, TrendLine};
use crate::stats::{self, median, UnitRootLevel};
use crate::Metric;
use decide::{decide, Outcome, Tests};
use sentence::judgement_sentence;
use slope::MIN_POINTS;

pub(crate) use slope::{fmt_p, rnd, Slope};

/// On this many points or more, a level that wanders like a random walk
/// (an augmented Dickey–Fuller test does not reject a unit root at 5%) is
/// judged on its steps: a rank test or least squares would read its
/// wandering as a trend. Fewer points give that test too little power.
const UNIT_ROOT_POINTS: usize = 20;
/// Evidence (2 ln of the Bayes factor) from which a bounded shape is
/// "positively" the better fit (Kass & Raftery: 2–6 positive, 6–10 strong,
/// above 10 very strong, which is what a bound needs on its own).
const LEANING_EVIDENCE: f64 = 2.0;
/// Fewer retained points than this are judged whole; more, on their recent
/// half (the current regime: a warm-up long over says nothing about now).
const WHOLE_RUN_POINTS: usize = 16;
/// The recent half has at least this many points.
const MIN_RECENT_POINTS: usize = 8;

/// A metric's analysis, with what later stages need beside the report part.
pub(crate) struct MetricAnalysis {
    pub report: MetricReport,
    /// Recent slope interval of the peaks (for forecasts).
    pub peak_slope: Option<Slope>,
    pub current_peak: f64,
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
            cy > lo && cy <= hi && floor.get(i).is_finite()
        })
        .find(|&i| {
            if after >= before {
                floor.get(i) >= mid
            } else {
                floor.get(i) <= mid
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

/// What is judged: metric `m` of the cycles `c` over segment `seg`.
#[derive(Clone, Copy)]
struct Subject<'a> {
    c: &'a Cycles,
    m: Metric,
    seg: &'a Range<usize>,
}

/// The levels a metric is judged on.
struct Levels {
    /// Every finite floor of the segment, as (cycle, value).
    raw: Vec<(f64, f64)>,
    ret: Retained,
    xs: Vec<f64>,
    ys: Vec<f64>,
    /// The first and the last floor.
    first: (f64, f64),
    last: (f64, f64),
    baseline: f64,
    current: f64,
    /// The practical minimum slope.
    min: f64,
}

impl Levels {
    fn of(s: Subject<'_>, cfg: &Config) -> Option<Levels> {
        let Subject { c, m, seg } = s;
        let raw = finite_points(c, &c.floor[m.index()], seg);
        let (&(first_x, first), &(last_x, last)) = (raw.first()?, raw.last()?);
        let ret = if m.is_count() {
            retained(c, m, seg)
        } else {
            retained_of_floors(c, m, seg, &raw)
        };
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
        Some(Levels {
            raw,
            ret,
            xs,
            ys,
            first: (first_x, first),
            last: (last_x, last),
            baseline,
            current,
            min,
        })
    }
}

/// What the model selection and the unit-root tests say about the shape
/// of the retained levels.
struct ShapeEvidence {
    selection: Selection,
    /// 2 ln of the Bayes factor for growth (0 without models).
    evidence: f64,
    /// A memory level that may wander like a random walk.
    may_wander: bool,
    /// The recent half reverts to a trend by itself.
    recent_reverts: bool,
    /// A bounded shape fits decisively better.
    bounded_model: bool,
    /// A bounded shape fits better, if not decisively.
    levelling: bool,
    /// A growing shape fits decisively better.
    growing_model: bool,
}

impl ShapeEvidence {
    fn of(m: Metric, lv: &Levels, cfg: &Config) -> ShapeEvidence {
        let ys = &lv.ys;
        let selection = models::select(&lv.xs, ys);
        // Whether a memory level may wander like a random walk: the whole
        // series does not revert to a trend line. Then a rise or a bound needs the
        // mean-step test to agree (a rank test or a line take wandering for a
        // trend), unless the recent half reverts by itself (one level shift is
        // enough to keep the whole from reverting), and BIC's evidence for a
        // shape is discounted in full for the residuals' autocorrelation.
        // (Not for counts: a page count that does not return to its pool is
        // what a leak of pages is; its null is the pool, not a random walk.)
        let may_wander = !m.is_count() && wanders(ys);
        // The recent half clears the doubt only when it reverts at 1%: a walk's
        // half looks like a trend one time in twenty at 5%.
        let recent_half = &ys[recent_start(&lv.ret.points)..];
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
        ShapeEvidence {
            selection,
            evidence,
            may_wander,
            recent_reverts,
            bounded_model,
            levelling,
            growing_model,
        }
    }

    /// The best growing fit, when a growing shape fits decisively.
    fn growing_fit(&self) -> Option<&Fit> {
        let sel = &self.selection;
        sel.best_growing
            .map(|i| &sel.fits[i])
            .filter(|_| self.growing_model)
    }
}

/// The slope tests a decision reads.
fn slope_tests(lv: &Levels, shape: &ShapeEvidence, cfg: &Config) -> Tests {
    let (xs, ys, ret) = (&lv.xs, &lv.ys, &lv.ret);
    let n = ys.len();
    // The current regime: after the onset of a plateau-then-growth that
    // fits decisively, the whole run for steps still coming (sparse events),
    // else the recent half.
    let rs = match shape
        .growing_fit()
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
    let steps = (shape.may_wander && !shape.recent_reverts)
        .then(|| Slope::steps(xs, ys, rs, cfg.alpha))
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
        let (first_x, last_x) = (lv.first.0, lv.last.0);
        let from = last_x - (last_x - first_x) / 4.0;
        let tail: Vec<&(f64, f64)> = lv.raw.iter().filter(|p| p.0 >= from).collect();
        (tail.len() >= MIN_RECENT_POINTS && tail.len() < lv.raw.len())
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
    let whole = (rs > 0 && recent.is_some_and(|t| !t.rising && t.upper >= lv.min))
        .then(|| Slope::of(xs, ys, cfg.alpha))
        .flatten();
    Tests {
        recent,
        latest,
        whole,
        steps,
        recent_reverts: shape.recent_reverts,
    }
}

/// Judges metric `m` over segment `seg`.
pub(crate) fn judge(
    c: &Cycles,
    m: Metric,
    seg: &Range<usize>,
    cfg: &Config,
    cycle_hours: Option<f64>,
) -> Option<MetricAnalysis> {
    let s = Subject { c, m, seg };
    let lv = Levels::of(s, cfg)?;
    let shape = ShapeEvidence::of(m, &lv, cfg);
    let tests = slope_tests(&lv, &shape, cfg);
    // Steps still coming: a staircase that fits decisively, or a count that
    // steps up in every quarter of the run (a pool stops stepping when it
    // is full, however irregular the timing that makes a line fit badly).
    let steps_going = shape
        .growing_fit()
        .is_some_and(|f| f.model == Model::Staircase)
        || (m.is_count() && rises_in_every_quarter(&lv.ys));
    let count_excess_ok = !m.is_count() || lv.current - lv.baseline >= cfg.min_count_excess;
    let outcome = decide(
        &lv.ret,
        tests,
        lv.min,
        shape.bounded_model,
        shape.levelling,
        shape.growing_model,
        steps_going,
        count_excess_ok,
        (seg.len() < cfg.min_cycles).then_some(seg.len()),
        cfg,
    );
    let report = metric_report(s, cfg, cycle_hours, &lv, &shape, &outcome);
    Some(MetricAnalysis {
        report,
        peak_slope: peak_slope(s, cfg),
        current_peak: current_peak(s),
    })
}

fn assessment_of(decision: Decision) -> Assessment {
    match decision {
        Decision::SustainedGrowth | Decision::ContainedGrowth => Assessment::Leaking,
        Decision::IntervalBelowMinimum | Decision::BoundedModel => Assessment::Bounded,
        Decision::Falling => Assessment::Decreasing,
        Decision::StillRising | Decision::ReservedHeap => Assessment::RisingUndecided,
        Decision::Unsettled | Decision::Uncollected => Assessment::Undecided,
        Decision::TooFewPoints => Assessment::InsufficientData,
    }
}

/// The pattern shown, and the change points of the fit shown: the shape
/// of growth for a metric that rises, else the best fit.
fn pattern_shown(
    s: Subject<'_>,
    cfg: &Config,
    lv: &Levels,
    selection: &Selection,
    assessment: Assessment,
    rising: bool,
) -> (Pattern, Vec<u64>) {
    let shape = growth_shape(selection, cfg);
    let pattern = match assessment {
        Assessment::Leaking | Assessment::RisingUndecided => {
            shape.map(pattern_of).unwrap_or(Pattern::Linear)
        }
        Assessment::Decreasing => Pattern::Decreasing,
        _ if rising => shape.map(pattern_of).unwrap_or(Pattern::Linear),
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
                .map(|&x| refine_step(s.c, s.m, s.seg, &lv.xs, f, x))
                .collect()
        })
        .unwrap_or_default();
    (pattern, change_points)
}

/// The report part of a judged metric.
fn metric_report(
    s: Subject<'_>,
    cfg: &Config,
    cycle_hours: Option<f64>,
    lv: &Levels,
    shape: &ShapeEvidence,
    outcome: &Outcome,
) -> MetricReport {
    let t = outcome.shown;
    let assessment = assessment_of(outcome.decision);
    let (pattern, change_points) =
        pattern_shown(s, cfg, lv, &shape.selection, assessment, t.rising);
    let peaks_col = &s.c.peak[s.m.index()];
    let min_seen = lv.raw.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let max_seen = s
        .seg
        .clone()
        .map(|i| peaks_col.get(i))
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let (ret, min, evidence) = (&lv.ret, lv.min, shape.evidence);
    let judgement = judgement_sentence(s.m, outcome, ret, min, lv.baseline, lv.current);
    MetricReport {
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
        points: lv.ys.len(),
        retained_from: ret.source,
        collections: ret.collections,
        uncollected_since: ret.uncollected.as_ref().map(|u| u.since as u64),
        recent_from_cycle: t.from as u64,
        change_points,
        models: shape
            .selection
            .fits
            .iter()
            .take(4)
            .map(model_fit_report)
            .collect(),
        growth_evidence: rnd(if evidence.is_finite() { evidence } else { -1e9 }),
        first: rnd(lv.first.1),
        last: rnd(lv.last.1),
        min: rnd(min_seen),
        max: rnd(max_seen),
        baseline: rnd(lv.baseline),
        current: rnd(lv.current),
        trend_line: (t.n >= MIN_POINTS).then(|| TrendLine {
            from_cycle: t.from as u64,
            to_cycle: t.to as u64,
            intercept: rnd(t.intercept),
            slope: rnd(t.slope),
        }),
    }
}

/// The recent slope of the peaks, for a forecast: only for a metric with
/// a limit.
fn peak_slope(s: Subject<'_>, cfg: &Config) -> Option<Slope> {
    let m = s.m;
    let forecast = m == Metric::HeapUsed
        || (m == Metric::Rss && cfg.rss_threshold_mb.is_some())
        || cfg.limits.contains_key(&m);
    forecast
        .then(|| {
            let pk = peaks(s.c, m, s.seg);
            let ps = recent_start(&pk);
            let px: Vec<f64> = pk[ps..].iter().map(|p| p.0).collect();
            let py: Vec<f64> = pk[ps..].iter().map(|p| p.1).collect();
            Slope::of(&px, &py, cfg.alpha)
        })
        .flatten()
}

/// The highest peak of the last tenth of the segment (at least 3 cycles).
fn current_peak(s: Subject<'_>) -> f64 {
    let seg = s.seg;
    let peaks_col = &s.c.peak[s.m.index()];
    let tail = (seg.len() / 10).max(3).min(seg.len());
    seg.clone()
        .skip(seg.len() - tail)
        .map(|i| peaks_col.get(i))
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max)
}
