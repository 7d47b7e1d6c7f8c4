//! The report: the comparison of two runs, and for each run its verdict,
//! issues, charts and tables.

use std::sync::Arc;

use leaklens_chart::ChartKind;
use leaklens_core::compare::{Change, Comparison};
use leaklens_core::inputs::Kinship;
use leaklens_core::report::{Issue, Verdict};
use leaklens_core::Metric;
use leaklens_render::tables;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::chart::Chart;
use crate::load::{self, Analysed, Input, Shared};
use crate::share::Actions;
use crate::shown;
use crate::state::ViewState;
use crate::tables::{TableView, Tables};

/// Heights of the charts (CSS pixels): memory, browser, and the two runs
/// of a comparison overlaid.
const MEMORY_CHART_HEIGHT: u32 = 380;
const BROWSER_CHART_HEIGHT: u32 = 240;
const OVERLAY_CHART_HEIGHT: u32 = 340;

/// The report of one run, or the comparison of two.
#[component]
pub fn ReportView(
    loaded: Memo<Shared>,
    view_state: RwSignal<ViewState>,
    inputs: RwSignal<Vec<Input>>,
) -> impl IntoView {
    let first = Signal::derive(move || loaded.with(|l| l.0.runs.first().cloned()));
    let second = Signal::derive(move || loaded.with(|l| l.0.runs.get(1).cloned()));
    view! {
        <section class="report">
            {move || loaded.with(|l| l.0.kinship.as_ref().map(|k| mode_line(k, l.0.comparison.is_some(), view_state)))}
            {move || loaded.with(|l| l.0.comparison.as_ref().map(comparison_view))}
            {move || match (first.get(), second.get()) {
                (Some(before), Some(after)) => Some(view! {
                    <div class="overlay">
                        <h3>{shown(&format!("Before ({}) and after ({}), by cycle", before.title, after.title))}</h3>
                        <Chart run=after kind=ChartKind::Memory view_state=view_state height=OVERLAY_CHART_HEIGHT ghost=before/>
                    </div>
                }),
                _ => None,
            }}
            {move || first.get().map(|a| view! { <RunView run=a view_state=view_state/> })}
            {move || second.get().map(|a| view! { <RunView run=a view_state=view_state/> })}
            <Actions first=first view_state=view_state inputs=inputs/>
        </section>
    }
}

/// How several files were taken (merged or compared), why, and the switch
/// to the other way.
fn mode_line(k: &Kinship, compared: bool, view_state: RwSignal<ViewState>) -> impl IntoView {
    let (did, other) = if compared {
        ("Compared as two runs", "merge instead")
    } else {
        ("Merged as exports of one run", "compare instead")
    };
    let why = if k.one_run == compared {
        "you chose it; the files look like ".to_owned()
            + if k.one_run { "one run: " } else { "two runs: " }
            + &k.reason
    } else {
        k.reason.clone()
    };
    view! {
        <p class="hint" id="mode" data-mode=if compared { "compare" } else { "merge" }>
            {did}" ("{shown(&why)}"). "
            <button id="mode-switch" on:click=move |_| view_state.update(|v| v.compare = Some(!compared))>{other}</button>
        </p>
    }
}

/// The verdict of a comparison and its table.
fn comparison_view(c: &Comparison) -> impl IntoView {
    let class = match c.verdict {
        Change::Regressed => "leak",
        Change::Fixed => "no_leak",
        _ => "inconclusive",
    };
    view! {
        <div class=format!("banner {class}") id="compare-verdict" data-verdict=c.verdict.as_str()>
            <b>{format!("Compare: {}", c.verdict.as_str())}</b>
            <span>{shown(&c.reason)}</span>
        </div>
        <TableView id="compare" table=tables::comparison(c)/>
        <p class="hint">
            {format!("Issues gone: {} · new: {} · still there: {}", c.disappeared.len(), c.appeared.len(), c.remaining.len())}
        </p>
    }
}

/// One run: verdict, issues, charts, tables.
#[component]
fn RunView(run: Arc<Analysed>, view_state: RwSignal<ViewState>) -> impl IntoView {
    let r = &run.report;
    let s = &r.summary;
    let facts = std::iter::once(shown(&run.title))
        .chain(leaklens_render::facts(s))
        .collect::<Vec<_>>()
        .join(" · ");
    let issues = r.issues.clone();
    let run_c = run.clone();
    let run_t = run.clone();
    // The tables come a task later: the verdict and the charts first.
    let tables_ready = RwSignal::new(false);
    spawn_local(async move {
        load::yield_to_browser().await;
        tables_ready.set(true);
    });
    view! {
        <article class="run">
            <p class="facts">{facts}</p>
            <div class=format!("banner {}", Verdict::as_str(s.verdict)) id="verdict" data-verdict=s.verdict.as_str()>
                <b>{leaklens_render::verdict_title(s.verdict)}</b>
                <span>{shown(&s.reason)}</span>
            </div>
            {(!s.watch.is_empty()).then(|| view! {
                <ul class="watch">{s.watch.iter().map(|w| view! { <li>{shown(w)}</li> }).collect_view()}</ul>
            })}
            <IssueList issues=issues view_state=view_state/>
            <Chart run=run_c.clone() kind=ChartKind::Memory view_state=view_state height=MEMORY_CHART_HEIGHT/>
            {run_c.parsed.run.has_metric(Metric::Pages).then(|| view! {
                <Chart run=run_c.clone() kind=ChartKind::Browser view_state=view_state height=BROWSER_CHART_HEIGHT/>
            })}
            {move || tables_ready.get().then(|| view! { <Tables report=run_t.report.clone() view_state=view_state/> })}
        </article>
    }
}

/// The issues; a click selects one (its stretch is highlighted on the chart).
#[component]
fn IssueList(issues: Vec<Issue>, view_state: RwSignal<ViewState>) -> impl IntoView {
    if issues.is_empty() {
        return view! { <p class="no-issues">"No issues found."</p> }.into_any();
    }
    view! {
        // Enter or Space on a focused card clicks it.
        <ul class="issues" id="issues" on:keydown=|ev: web_sys::KeyboardEvent| {
            if matches!(ev.key().as_str(), "Enter" | " ") {
                if let Some(card) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
                    ev.prevent_default();
                    card.click();
                }
            }
        }>
            {issues
                .into_iter()
                .enumerate()
                .map(|(k, i)| {
                    let sev = i.severity.as_str();
                    let selected = move || view_state.with(|v| v.issue == Some(k));
                    view! {
                        <li
                            class="issue"
                            class:selected=selected
                            data-kind=i.kind.as_str()
                            tabindex="0"
                            role="button"
                            on:click=move |_| view_state.update(|v| {
                                v.issue = if v.issue == Some(k) { None } else { Some(k) };
                            })
                        >
                            <span class=format!("sev {sev}")>{sev}</span>
                            <code>{i.kind.as_str()}</code>
                            <span class="metric">{i.metric.display_name()}</span>
                            <span class="cycles">{format!("from cycle {}", i.first_cycle)}</span>
                            <p>{shown(&i.message)}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}
