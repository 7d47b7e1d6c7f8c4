//! The report's tables as plain cells, laid out by each medium (Markdown,
//! HTML), which escapes them for itself.

use leaklens_core::compare::Comparison;
use leaklens_core::report::{ForecastStatus, MetricReport, Report};
use leaklens_core::text::{forecast_text, interval_label, signed_unit, slope_with_ci, with_unit};
use leaklens_core::Metric;

/// A table of unescaped text cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub header: Vec<String>,
    /// Right-aligned (numeric) columns.
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
}

fn change(m: Metric, v: Option<&f64>) -> String {
    v.map(|v| signed_unit(m, *v)).unwrap_or_else(|| "—".into())
}

/// Per metric: retained level, slope and interval, trend, what was
/// judged, pattern.
pub fn metrics(r: &Report) -> Table {
    Table {
        header: vec![
            "Metric".into(),
            "Start".into(),
            "Now".into(),
            "Slope/cycle".into(),
            interval_label(r.config.alpha),
            "Trend".into(),
            "Judged".into(),
            "Pattern".into(),
            "Change points".into(),
        ],
        numeric: vec![false, true, true, true, true, false, false, false, false],
        rows: metric_rows(r, |m, mr| {
            vec![
                with_unit(m, mr.baseline),
                with_unit(m, mr.current),
                signed_unit(m, mr.slope_per_cycle),
                format!(
                    "{} … {}",
                    signed_unit(m, mr.slope_ci[0]),
                    signed_unit(m, mr.slope_ci[1])
                ),
                mr.trend.as_str().to_string(),
                mr.assessment.words().to_string(),
                mr.pattern.as_str().to_string(),
                mr.change_points
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        }),
    }
}

/// The evidence behind each metric's judgement, one sentence each.
pub fn evidence(r: &Report) -> Table {
    Table {
        header: vec!["Metric".into(), "Judged".into(), "Evidence".into()],
        numeric: vec![false, false, false],
        rows: metric_rows(r, |_, mr| {
            vec![mr.assessment.words().to_string(), mr.judgement.clone()]
        }),
    }
}

/// One row a metric, in report order: its name, then its `cells`.
fn metric_rows(
    r: &Report,
    cells: impl Fn(Metric, &MetricReport) -> Vec<String>,
) -> Vec<Vec<String>> {
    r.metrics
        .iter()
        .map(|(m, mr)| {
            let mut row = vec![m.display_name().to_string()];
            row.extend(cells(*m, mr));
            row
        })
        .collect()
}

/// The windowed analysis: each window in the verdict's words (judged on
/// retained levels like the whole run), the change of every metric, and
/// the guide's red flags.
pub fn windows(r: &Report) -> Table {
    let shown: Vec<Metric> = Metric::ALL
        .into_iter()
        .filter(|m| r.metrics.contains_key(m))
        .collect();
    let mut header = vec!["Cycles".to_string(), "Verdict".to_string()];
    header.extend(shown.iter().map(|m| m.display_name().to_string()));
    header.push("Flags".into());
    let mut numeric = vec![false, false];
    numeric.extend(shown.iter().map(|_| true));
    numeric.push(false);
    let rows = r
        .windows
        .iter()
        .map(|w| {
            let mut row = vec![
                format!("{}–{}", w.start_cycle, w.end_cycle),
                w.verdict.as_str().to_string(),
            ];
            row.extend(shown.iter().map(|m| change(*m, w.changes.get(m))));
            row.push(w.flags.join("; "));
            row
        })
        .collect();
    Table {
        header,
        numeric,
        rows,
    }
}

/// Mean change at each labelled step (operation correlation).
pub fn phases(r: &Report) -> Table {
    let cols = [
        Metric::HeapUsed,
        Metric::Rss,
        Metric::External,
        Metric::Pages,
    ];
    Table {
        header: ["Step", "n", "Heap used", "RSS", "External", "Pages"]
            .map(String::from)
            .to_vec(),
        numeric: vec![false, true, true, true, true, true],
        rows: r
            .phases
            .iter()
            .map(|p| {
                let mut row = vec![p.label.clone(), p.count.to_string()];
                row.extend(cols.iter().map(|m| change(*m, p.mean_change.get(m))));
                row
            })
            .collect(),
    }
}

/// Per metric: slope before and after a fix, with intervals, and the verdict.
pub fn comparison(c: &Comparison) -> Table {
    Table {
        header: [
            "Metric",
            "Before: slope/cycle (CI)",
            "After: slope/cycle (CI)",
            "Verdict",
        ]
        .map(String::from)
        .to_vec(),
        numeric: vec![false, true, true, false],
        rows: c
            .metrics
            .iter()
            .map(|(m, mc)| {
                vec![
                    m.display_name().to_string(),
                    slope_with_ci(*m, mc.before_slope, mc.before_ci),
                    slope_with_ci(*m, mc.after_slope, mc.after_ci),
                    mc.verdict.as_str().to_string(),
                ]
            })
            .collect(),
    }
}

/// Per limit: the peak so far and when the limit is (or was) reached.
pub fn forecasts(r: &Report) -> Table {
    Table {
        header: ["Metric", "Limit", "Peak now", "Status", "When"]
            .map(String::from)
            .to_vec(),
        numeric: vec![false, true, true, false, false],
        rows: r
            .forecasts
            .iter()
            .map(|f| {
                let status = match f.status {
                    ForecastStatus::Reached => "already reached",
                    ForecastStatus::Never => "never",
                    ForecastStatus::Projected => "projected",
                };
                vec![
                    f.metric.display_name().to_string(),
                    with_unit(f.metric, f.limit),
                    with_unit(f.metric, f.current_peak),
                    status.to_string(),
                    forecast_text(f),
                ]
            })
            .collect(),
    }
}

/// Browser pages left open: URL, the cycles it was seen in, for how long.
pub fn lingering(r: &Report) -> Table {
    Table {
        header: ["URL", "Cycles", "Open for"].map(String::from).to_vec(),
        numeric: vec![false, true, true],
        rows: r
            .lingering_urls
            .iter()
            .map(|u| {
                vec![
                    u.url.clone(),
                    format!("{}–{}", u.first_cycle, u.last_cycle),
                    format!("{} cycles", u.cycles_open),
                ]
            })
            .collect(),
    }
}
