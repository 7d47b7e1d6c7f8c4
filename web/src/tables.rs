//! The report's tables, and the form that forecasts a limit.

use leaklens_core::report::Report;
use leaklens_core::text::cleanup_text;
use leaklens_core::Metric;
use leaklens_render::tables::{self, Table};
use leptos::prelude::*;

use crate::shown;
use crate::state::ViewState;

/// A long run has thousands of windows: this many render at once, the rest
/// on request.
const FIRST_WINDOW_ROWS: usize = 60;

#[component]
pub fn Tables(report: Report, view_state: RwSignal<ViewState>) -> impl IntoView {
    let windows = StoredValue::new(tables::windows(&report));
    let n_windows = report.windows.len();
    let window_rows = RwSignal::new(FIRST_WINDOW_ROWS);
    view! {
        <h3>"Metrics: retained level after GC"</h3>
        <TableView id="metrics-table" table=tables::metrics(&report)/>
        <h3>"Evidence"</h3>
        <TableView id="evidence" table=tables::evidence(&report)/>
        {(!report.hints.is_empty()).then(|| view! {
            <ul class="hints">{report.hints.iter().map(|h| view! { <li>{shown(&h.message)}</li> }).collect_view()}</ul>
        })}
        <h3>"Forecast"</h3>
        <TableView id="forecast" table=tables::forecasts(&report)/>
        <LimitForm view_state=view_state/>
        <h3>{format!("Every {} cycles", report.config.interval)}</h3>
        {move || (n_windows > window_rows.get()).then(|| view! {
            <button class="more-windows" on:click=move |_| window_rows.set(usize::MAX)>
                {format!("Show all {n_windows} windows")}
            </button>
        })}
        {move || {
            let mut shown = windows.get_value();
            shown.rows.truncate(window_rows.get());
            view! { <TableView id="windows" table=shown/> }
        }}
        <h3>"Operations: mean change at each step"</h3>
        <TableView id="phases" table=tables::phases(&report)/>
        {report.cleanup.as_ref().map(|c| view! { <p class="cleanup">{cleanup_text(c)}</p> })}
        {(!report.lingering_urls.is_empty()).then(|| view! {
            <h3>"Pages left open"</h3>
            <TableView id="lingering" table=tables::lingering(&report)/>
        })}
    }
}

/// A limit typed by the user: the forecast then says when it is reached.
#[component]
fn LimitForm(view_state: RwSignal<ViewState>) -> impl IntoView {
    let limit_metric = RwSignal::new(Metric::Rss);
    let limit_value = RwSignal::new(String::new());
    let set_limit = move |_| {
        if let Ok(x) = limit_value.get().trim().parse::<f64>() {
            if x.is_finite() && x > 0.0 {
                let m = limit_metric.get();
                view_state.update(|v| {
                    v.limits.insert(m, x);
                });
            }
        }
    };
    view! {
        <div class="limit-form">
            "Forecast a limit: "
            <select id="limit-metric" on:change=move |ev| {
                if let Some(m) = Metric::parse(&event_target_value(&ev)) { limit_metric.set(m) }
            }>
                {Metric::ALL.iter().map(|m| view! {
                    <option value=m.key() selected=*m == Metric::Rss>{m.display_name()}</option>
                }).collect_view()}
            </select>
            <input id="limit-value" type="number" min="1" placeholder="MB"
                on:input=move |ev| limit_value.set(event_target_value(&ev))/>
            <button id="limit-set" on:click=set_limit>"Forecast"</button>
        </div>
    }
}

/// One table of the report, cells as text: every table of the viewer is
/// this one component (one copy of its code in the wasm), drawn from the
/// same models as the Markdown and HTML reports.
#[component]
pub fn TableView(id: &'static str, table: Table) -> impl IntoView {
    let Table {
        header,
        numeric,
        rows,
    } = table;
    let class = move |k: usize| numeric.get(k).copied().unwrap_or(false).then_some("num");
    view! {
        <table id=id class=id>
            <tr>{header.into_iter().map(|h| view! { <th>{h}</th> }).collect_view()}</tr>
            {rows.into_iter().map(|row| view! {
                <tr>{row.into_iter().enumerate().map(|(k, cell)| view! { <td class=class(k)>{shown(&cell)}</td> }).collect_view()}</tr>
            }).collect_view()}
        </table>
    }
}
