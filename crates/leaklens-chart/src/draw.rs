//! The drawing itself, generic over the plotters backend: a layout pass
//! ([`Layout`], then the [`Scene`] on it), then the layers, drawn into a
//! [`Recorder`] and played on the backend.

use leaklens_core::analyze::RetainedLevel;
use leaklens_core::{Report, Run};
use plotters::prelude::*;

use crate::layers::{self, err, Root};
use crate::layout::{Data, Layout};
use crate::record::Recorder;
use crate::scene::Scene;
use crate::style::{Style, STYLE};
use crate::{ChartError, ChartLayout, ChartSpec};

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
    draw_with_levels(backend, run, report, None, ghost, spec)
}

/// [`draw_overlaid`], with the run's retained levels
/// ([`retained_levels`](leaklens_core::analyze::retained_levels)) computed
/// before: a viewer that draws the same run at every zoom computes them
/// once (on a million snapshots they cost more than the drawing).
pub fn draw_with_levels<DB: DrawingBackend>(
    backend: &mut DB,
    run: &Run,
    report: &Report,
    levels: Option<&[RetainedLevel]>,
    ghost: Option<(&Run, &str)>,
    spec: &ChartSpec,
) -> Result<ChartLayout, ChartError> {
    // Drawn once into shapes, whatever the backend: the chart code below is
    // compiled for the recorder only (see `record`).
    let recorder = Recorder::new(backend.get_size());
    let layout = {
        let root = recorder.clone().into_drawing_area();
        let input = (run, report, levels, ghost);
        let layout = draw_shapes(&recorder, &root, input, spec, &STYLE)?;
        root.present().map_err(err)?;
        layout
    };
    recorder
        .replay(backend)
        .map_err(|e| ChartError::Drawing(e.to_string()))?;
    Ok(layout)
}

/// Lays the chart out, then draws it layer by layer.
/// What is drawn: the run, its report, its retained levels if computed
/// before, and the other run of a comparison.
type Input<'a> = (
    &'a Run,
    &'a Report,
    Option<&'a [RetainedLevel]>,
    Option<(&'a Run, &'a str)>,
);

fn draw_shapes(
    recorder: &Recorder,
    root: &Root,
    (run, report, levels, ghost): Input,
    spec: &ChartSpec,
    style: &Style,
) -> Result<ChartLayout, ChartError> {
    let size = root.dim_in_pixel();
    let sc = Layout::scale(size, spec, style)?;
    let data = Data::with_levels(run, report, levels, ghost, spec, style);
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
