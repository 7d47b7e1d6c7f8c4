//! The decision rules: leaking, bounded, decreasing or undecided, on the
//! tests already made.

use super::super::config::Config;
use super::super::retained::Retained;
use super::slope::{empty_slope, Slope};
use super::WHOLE_RUN_POINTS;
use crate::report::{Decision, SlopeMethod};

/// A "still rising" metric needs at least this many more cycles (or half
/// the run) before a levelling-off can show.
const MIN_WATCH_CYCLES: u64 = 20;
/// More cycles than this many times the run are not worth asking for: the
/// estimate sits on the practical minimum, and only a change would decide.
const MAX_RUN_MULTIPLE: f64 = 10.0;

/// What was decided and on which test.
pub(super) struct Outcome {
    pub(super) decision: Decision,
    pub(super) shown: Slope,
    pub(super) cycles_needed: Option<u64>,
}

/// The tests a decision reads.
pub(super) struct Tests {
    /// The recent part (the current regime).
    pub(super) recent: Option<Slope>,
    /// The latest half of it, when long enough.
    pub(super) latest: Option<Slope>,
    /// Every point, when the recent part is not all of them.
    pub(super) whole: Option<Slope>,
    /// The mean-step test of the recent part, when the series may wander.
    pub(super) steps: Option<Slope>,
    /// The recent half reverts to a trend by itself.
    pub(super) recent_reverts: bool,
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
pub(super) fn decide(
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
