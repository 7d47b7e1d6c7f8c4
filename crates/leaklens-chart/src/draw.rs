//! The drawing itself, generic over the plotters backend: a layout pass
//! ([`Layout`], then the [`Scene`] on it), then the layers, drawn into a
//! [`Recorder`] and played on the backend.

use leaklens_core::analyze::RetainedLevel;
use leaklens_core::{Report, Run};
use plotters::prelude::*;

use crate::layers::{self, err, Root};
use crate::layout::{Data, Layout};
use crate::prepared::Prepared;
use crate::record::Recorder;
use crate::scene::Scene;
use crate::style::{Style, STYLE};
use crate::{ChartError, ChartLayout, ChartSpec, XAxis};

/// Draws the chart `spec` describes for `run` and its `report` on
/// `backend`, and returns where the plot ended up.
///
/// Works with any plotters backend: SVG for reports, a canvas in the web
/// viewer. Sizes (fonts, lines, margins, markers) are CSS pixels times
/// [`ChartSpec::scale`]; the returned layout is in backend pixels. The
/// backend is presented when the chart is drawn.
pub fn draw<DB: DrawingBackend>(
    backend: &mut DB,
    run: &Run,
    report: &Report,
    spec: &ChartSpec,
) -> Result<ChartLayout, ChartError> {
    draw_overlaid(backend, run, report, None, spec)
}

/// [`draw`], with another run's series drawn faintly under this one's,
/// aligned by cycle: a before/after comparison on one chart. `ghost` is the
/// other run and its name (the legend says "Heap Used (name)").
pub fn draw_overlaid<DB: DrawingBackend>(
    backend: &mut DB,
    run: &Run,
    report: &Report,
    ghost: Option<(&Run, &str)>,
    spec: &ChartSpec,
) -> Result<ChartLayout, ChartError> {
    let (this, other) = prepare(run, report, None, ghost, spec);
    let other = other.as_ref().map(|(p, name)| (p, *name));
    draw_prepared(backend, run, report, &this, other, spec)
}

/// The prepared runs [`draw_overlaid`] draws: `run` for `spec` (with its
/// retained levels when shown: `levels`, or computed), and the other run
/// of a comparison on the cycle axis.
pub(crate) fn prepare<'g>(
    run: &Run,
    report: &Report,
    levels: Option<&[RetainedLevel]>,
    ghost: Option<(&Run, &'g str)>,
    spec: &ChartSpec,
) -> (Prepared, Option<(Prepared, &'g str)>) {
    let mut this = Prepared::new(run, spec.x_axis, spec.y_log);
    // The other run is drawn on the cycle axis only.
    if spec.show_retained && (ghost.is_none() || this.pts.axis != XAxis::Cycle) {
        this = this.with_retained(run, report, levels);
    }
    let other = ghost.map(|(g, name)| (Prepared::new(g, XAxis::Cycle, spec.y_log), name));
    (this, other)
}

/// [`draw_overlaid`] of a run prepared before ([`Prepared`]): what a
/// viewer calls at every zoom, pan and switch. `this` must be `run`
/// prepared for `spec.x_axis` and `spec.y_log` (its y scale is the one
/// drawn), with its retained levels if they are to be shown; `ghost`, the
/// other run of a comparison, prepared on the cycle axis, and its name.
pub fn draw_prepared<DB: DrawingBackend>(
    backend: &mut DB,
    run: &Run,
    report: &Report,
    this: &Prepared,
    ghost: Option<(&Prepared, &str)>,
    spec: &ChartSpec,
) -> Result<ChartLayout, ChartError> {
    // Drawn once into shapes, whatever the backend: the chart code below is
    // compiled for the recorder only (see `record`).
    let recorder = Recorder::new(backend.get_size());
    let layout = {
        let root = recorder.clone().into_drawing_area();
        let input = (run, report, this, ghost);
        let layout = draw_shapes(&recorder, &root, input, spec, &STYLE)?;
        root.present().map_err(err)?;
        layout
    };
    recorder
        .replay(backend)
        .map_err(|e| ChartError::Drawing(e.to_string()))?;
    Ok(layout)
}

/// What is drawn: the run, its report, the run prepared, and the other run
/// of a comparison prepared, with its name.
type Input<'a> = (
    &'a Run,
    &'a Report,
    &'a Prepared,
    Option<(&'a Prepared, &'a str)>,
);

/// Lays the chart out, then draws it layer by layer.
fn draw_shapes(
    recorder: &Recorder,
    root: &Root,
    (run, report, this, ghost): Input,
    spec: &ChartSpec,
    style: &Style,
) -> Result<ChartLayout, ChartError> {
    let size = root.dim_in_pixel();
    let sc = Layout::scale(size, spec, style)?;
    let data = Data::of(this, ghost, spec, style);
    let layout = Layout::new(size, sc, &data, report, spec, style);
    let mut scene = Scene::new(&layout, &data, run, report, spec, style);

    layers::background(root, &layout, style)?;
    layers::mesh(root, recorder, &layout, style)?;
    layers::plot(root, &layout, &mut scene, style)?;
    layers::markers(root, &layout, &scene)?;
    if let Some(legend) = &scene.legend {
        layers::legend(root, &layout, legend, style)?;
    }
    layers::key(root, &layout, &scene, style)?;
    if let Some(note) = scene.note {
        layers::note(root, &layout, note, style)?;
    }
    Ok(layout.chart)
}
