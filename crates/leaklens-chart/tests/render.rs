//! Rendering whole charts to SVG.

use leaklens_chart::{draw, render_svg, ChartKind, ChartSpec, XAxis};
use leaklens_core::generate::{generate, Scenario, Spec, Target};
use leaklens_core::{analyze, Config, Metric, Report, Run, SnapshotIn};
use plotters::prelude::*;

fn leak_run() -> (Run, Report) {
    let run = generate(&Spec {
        cycles: 60,
        ..Default::default()
    });
    let report = analyze(&run, &Config::default());
    (run, report)
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02X}{g:02X}{b:02X}")
}

/// The `<polyline>` elements of an SVG whose stroke is `color`.
fn polylines_with<'a>(svg: &'a str, color: &str) -> Vec<&'a str> {
    svg.split('<')
        .filter(|e| e.starts_with("polyline") && e.to_ascii_uppercase().contains(color))
        .collect()
}

#[test]
#[ignore = "writes /tmp/leaklens-chart-sample*.svg for a look"]
fn write_samples() {
    let (run, report) = leak_run();
    let svg = render_svg(&run, &report, &ChartSpec::memory(), 1000, 520);
    std::fs::write("/tmp/leaklens-chart-sample.svg", svg).unwrap();
    let mut spec = ChartSpec::memory();
    spec.x_axis = XAxis::Time;
    spec.title = Some("heap leak, time axis".into());
    spec.highlight = report.issues.first().map(|i| {
        (
            i.metric,
            i.first_cycle,
            i.last_cycle.unwrap_or(i.first_cycle),
        )
    });
    let svg = render_svg(&run, &report, &spec, 1000, 520);
    std::fs::write("/tmp/leaklens-chart-sample-time.svg", svg).unwrap();
    let run = generate(&Spec {
        target: Target::Pages,
        rate: 0.3,
        cycles: 80,
        ..Default::default()
    });
    let report = analyze(&run, &Config::default());
    let svg = render_svg(&run, &report, &ChartSpec::browser(), 1000, 400);
    std::fs::write("/tmp/leaklens-chart-sample-browser.svg", svg).unwrap();
    let run = generate(&Spec {
        scenario: Scenario::Step,
        cycles: 3000,
        ..Default::default()
    });
    let report = analyze(&run, &Config::default());
    let svg = render_svg(&run, &report, &ChartSpec::memory(), 1000, 520);
    std::fs::write("/tmp/leaklens-chart-sample-big.svg", svg).unwrap();
    let run = generate(&Spec {
        scenario: Scenario::Step,
        cycles: 120,
        ..Default::default()
    });
    let report = analyze(&run, &Config::default());
    let zoom = ChartSpec {
        x_range: Some((30.0, 75.0)),
        ..ChartSpec::memory()
    };
    std::fs::write(
        "/tmp/leaklens-chart-sample-step-zoom.svg",
        render_svg(&run, &report, &zoom, 1000, 520),
    )
    .unwrap();
    std::fs::write(
        "/tmp/leaklens-chart-sample-step.svg",
        render_svg(&run, &report, &ChartSpec::memory(), 1000, 520),
    )
    .unwrap();
    let empty = analyze(&Run::new(), &Config::default());
    for (name, values) in [
        ("huge", vec![1e12, 5e12, 3e12, 4e12]),
        ("negative", vec![-50.0, -20.0, -80.0, -10.0]),
        ("one", vec![42.0]),
    ] {
        let run = one_metric_run(&values);
        std::fs::write(
            format!("/tmp/leaklens-chart-sample-{name}.svg"),
            render_svg(&run, &empty, &ChartSpec::memory(), 600, 300),
        )
        .unwrap();
    }
    std::fs::write(
        "/tmp/leaklens-chart-sample-empty.svg",
        render_svg(&Run::new(), &empty, &ChartSpec::memory(), 600, 300),
    )
    .unwrap();
}

/// Stroke widths of the polylines with stroke `color`.
fn stroke_widths(svg: &str, color: &str) -> Vec<u32> {
    polylines_with(svg, color)
        .iter()
        .filter_map(|e| {
            let rest = e.split("stroke-width=\"").nth(1)?;
            rest.split('"').next()?.parse().ok()
        })
        .collect()
}

fn heap_only(run: &Run) -> Run {
    let mut out = Run::new();
    for i in 0..run.len() {
        let mut s = SnapshotIn::new(run.cycle(i), run.label(i));
        s.timestamp = run.timestamp(i);
        s.set(Metric::HeapUsed, run.value(Metric::HeapUsed, i));
        out.push(&s, []);
    }
    out
}

#[test]
fn leak_chart_has_every_series_its_legend_and_a_trend_line() {
    let (run, report) = leak_run();
    let spec = ChartSpec::memory();
    let svg = render_svg(&run, &report, &spec, 900, 480);
    assert!(svg.starts_with("<svg"), "{}", &svg[..100.min(svg.len())]);
    assert!(!svg.contains("drawing failed") && !svg.contains("too small"));
    // The generator's runs have no browser process to measure.
    assert!(!run.has_metric(Metric::BrowserMemory));
    for m in Metric::MEMORY
        .into_iter()
        .filter(|&m| m != Metric::BrowserMemory)
    {
        assert!(run.has_metric(m));
        // The series itself and its legend sample.
        let lines = polylines_with(&svg, &hex(leaklens_chart::metric_color(m)));
        assert!(lines.len() >= 2, "{m}: {} polylines", lines.len());
        assert!(svg.contains(m.display_name()), "legend lacks {m}");
    }
    assert!(svg.contains("Heap Used"));
    assert!(svg.contains(">\nMB\n<"), "y axis label");
    assert!(svg.contains(">\ncycle\n<"), "x axis label");

    // The heap trend line: a dark polyline from the trend's first to its
    // last cycle, at the fitted values, exactly where the layout maps them.
    let tl = report.metrics[&Metric::HeapUsed]
        .trend_line
        .clone()
        .expect("a leak has a trend line");
    let mut buf = String::new();
    let layout = {
        let mut svg_backend = SVGBackend::with_string(&mut buf, (900, 480));
        draw(&mut svg_backend, &run, &report, &spec).unwrap()
    };
    assert_eq!(buf, svg, "render_svg is draw on an SVG backend");
    let (r, g, b) = leaklens_chart::metric_color(Metric::HeapUsed);
    let dark = |c: u8| (f64::from(c) * 0.55) as u8;
    let trend_color = hex((dark(r), dark(g), dark(b)));
    let trend = polylines_with(&svg, &trend_color);
    assert_eq!(trend.len(), 1, "one heap trend line");
    let at = |c: u64| {
        let y = tl.intercept + tl.slope * c as f64;
        format!("{},{}", layout.px_at_x(c as f64), layout.px_at_y(y))
    };
    assert!(
        trend[0].contains(&format!(
            "points=\"{} {} \"",
            at(tl.from_cycle),
            at(tl.to_cycle)
        )),
        "{} vs {} {}",
        trend[0],
        at(tl.from_cycle),
        at(tl.to_cycle)
    );
    // Switched off, it is gone.
    let off = ChartSpec {
        show_trend_lines: false,
        ..spec
    };
    let svg = render_svg(&run, &report, &off, 900, 480);
    assert!(polylines_with(&svg, &trend_color).is_empty());
}

#[test]
fn browser_chart_draws_pages_and_contexts_as_counts() {
    let run = generate(&Spec {
        target: Target::Pages,
        rate: 0.3,
        cycles: 80,
        ..Default::default()
    });
    let report = analyze(&run, &Config::default());
    let svg = render_svg(&run, &report, &ChartSpec::browser(), 800, 400);
    assert!(svg.contains(">\ncount\n<"));
    assert!(svg.contains("Browser Pages") && svg.contains("Browser Contexts"));
    assert!(!svg.contains("Heap Used"));
    assert!(polylines_with(&svg, &hex(leaklens_chart::metric_color(Metric::Pages))).len() >= 2);
    assert!(polylines_with(&svg, &hex(leaklens_chart::metric_color(Metric::Contexts))).len() >= 2);
    // A run without browser data says so instead of failing.
    let heap = heap_only(&run);
    let report = analyze(&heap, &Config::default());
    let svg = render_svg(&heap, &report, &ChartSpec::browser(), 800, 400);
    assert!(svg.contains("no data to show"));
}

#[test]
fn empty_run_renders() {
    let run = Run::new();
    let report = analyze(&run, &Config::default());
    for spec in [ChartSpec::memory(), ChartSpec::browser()] {
        for x_axis in [XAxis::Cycle, XAxis::Time] {
            let spec = ChartSpec {
                x_axis,
                title: Some("empty".into()),
                ..spec.clone()
            };
            let svg = render_svg(&run, &report, &spec, 640, 320);
            assert!(
                svg.contains("<svg") && svg.contains("no snapshots"),
                "{svg}"
            );
        }
    }
}

#[test]
fn two_hundred_thousand_snapshots_stay_small() {
    let run = generate(&Spec {
        cycles: 65_000,
        ..Default::default()
    });
    assert!(run.len() >= 200_000, "{}", run.len());
    let report = analyze(&run, &Config::default());
    let svg = render_svg(&run, &report, &ChartSpec::memory(), 1200, 600);
    assert!(svg.len() < 1_000_000, "{} bytes", svg.len());
    assert!(
        !svg.contains("<circle"),
        "no phase markers for so many points"
    );
    let heap = polylines_with(&svg, &hex(leaklens_chart::metric_color(Metric::HeapUsed)));
    let points = heap.iter().map(|p| p.matches(',').count()).max().unwrap();
    assert!(points <= 2 * 1200 + 2, "{points} points");
    // Zoomed: still small, markers back once few points are in view.
    let zoom = ChartSpec {
        x_range: Some((30_000.0, 30_100.0)),
        ..ChartSpec::memory()
    };
    let svg = render_svg(&run, &report, &zoom, 1200, 600);
    assert!(svg.len() < 1_000_000);
    assert!(svg.contains("<circle"));
}

#[test]
fn layout_maps_pixels_to_cycles_and_back() {
    let (run, report) = leak_run();
    for x_axis in [XAxis::Cycle, XAxis::Time] {
        let spec = ChartSpec {
            x_axis,
            ..ChartSpec::memory()
        };
        let mut buf = String::new();
        let mut svg_backend = SVGBackend::with_string(&mut buf, (800, 400));
        let l = draw(&mut svg_backend, &run, &report, &spec).unwrap();
        assert_eq!(l.x_axis, x_axis);
        let (left, top, right, bottom) = l.plot_px;
        assert!(0 < left && left < right && right < 800, "{:?}", l.plot_px);
        assert!(0 < top && top < bottom && bottom < 400, "{:?}", l.plot_px);
        let x_px = (l.x_range.1 - l.x_range.0) / f64::from(right - left);
        for k in 0..=50 {
            let x = l.x_range.0 + (l.x_range.1 - l.x_range.0) * f64::from(k) / 50.0;
            let back = l.x_at(l.px_at_x(x));
            assert!((back - x).abs() <= x_px / 2.0 + 1e-6, "{x} → {back}");
        }
        assert_eq!(l.px_at_x(l.x_range.0), left);
        assert_eq!(l.px_at_y(l.y_range.1), top);
        match x_axis {
            // Cycle 60's snapshots sit in [60, 61).
            XAxis::Cycle => assert!(l.x_range.0 == 1.0 && (60.5..61.0).contains(&l.x_range.1)),
            XAxis::Time => assert_eq!(l.x_range.0, run.timestamp(0).unwrap() as f64),
        }
    }
}

#[test]
fn time_axis_labels_are_utc_clock_times_and_fall_back_without_timestamps() {
    let (run, report) = leak_run();
    let spec = ChartSpec {
        x_axis: XAxis::Time,
        ..ChartSpec::memory()
    };
    let svg = render_svg(&run, &report, &spec, 900, 400);
    // The generator starts at 2025-11-26T00:00Z and runs 8 minutes.
    assert!(svg.contains(">\n00:00\n<") && svg.contains(">\n00:04\n<"));
    assert!(svg.contains("time (UTC)"));

    let mut bare = Run::new();
    for i in 0..run.len() {
        let mut s = SnapshotIn::new(run.cycle(i), run.label(i));
        s.set(Metric::HeapUsed, run.value(Metric::HeapUsed, i));
        bare.push(&s, []);
    }
    let mut buf = String::new();
    let mut svg_backend = SVGBackend::with_string(&mut buf, (800, 400));
    let l = draw(&mut svg_backend, &bare, &report, &spec).unwrap();
    assert_eq!(l.x_axis, XAxis::Cycle);
}

#[test]
fn highlight_shades_the_range_and_thickens_the_series() {
    let (run, report) = leak_run();
    let heap = hex(leaklens_chart::metric_color(Metric::HeapUsed));
    let plain = render_svg(&run, &report, &ChartSpec::memory(), 900, 480);
    let spec = ChartSpec {
        highlight: Some((Metric::HeapUsed, 20, 30)),
        ..ChartSpec::memory()
    };
    let lit = render_svg(&run, &report, &spec, 900, 480);
    assert!(!plain.contains("#FFB300") && lit.contains("fill=\"#FFB300\""));
    let max = |svg: &str| stroke_widths(svg, &heap).into_iter().max().unwrap();
    assert!(max(&lit) > max(&plain), "{} vs {}", max(&lit), max(&plain));
    // The shaded rectangle spans cycles 20..=30.
    let mut buf = String::new();
    let mut svg_backend = SVGBackend::with_string(&mut buf, (900, 480));
    let l = draw(&mut svg_backend, &run, &report, &spec).unwrap();
    drop(svg_backend);
    let rect = buf
        .split('<')
        .find(|e| e.starts_with("rect") && e.contains("#FFB300"))
        .unwrap();
    let x = l.px_at_x(20.0);
    assert!(rect.contains(&format!("x=\"{x}\"")), "{rect} (x {x})");
}

#[test]
fn phase_markers_distinguish_the_labels() {
    let (run, report) = leak_run();
    let svg = render_svg(&run, &report, &ChartSpec::memory(), 900, 480);
    for key in ["before", "scrape", "cleanup", "recreate"] {
        assert!(
            svg.contains(&format!(">\n{key}\n<")),
            "marker key lacks {key}"
        );
    }
    assert!(svg.contains("<circle"), "before: circles");
    assert!(svg.contains("<polygon"), "scrape: triangles");
    let off = ChartSpec {
        show_phase_markers: false,
        ..ChartSpec::memory()
    };
    let svg = render_svg(&run, &report, &off, 900, 480);
    assert!(!svg.contains("<circle") && !svg.contains("<polygon"));
    assert!(!svg.contains(">\nbefore\n<"));
}

#[test]
fn thresholds_show_only_when_the_data_gets_near() {
    let small = generate(&Spec {
        scenario: Scenario::Stable,
        cycles: 60,
        ..Default::default()
    });
    let heap = heap_only(&small);
    let report = analyze(&heap, &Config::default());
    let svg = render_svg(&heap, &report, &ChartSpec::memory(), 800, 400);
    assert!(
        !svg.contains("heap threshold"),
        "a 60 MB heap is far from 500 MB"
    );

    let (run, report) = leak_run();
    let svg = render_svg(&run, &report, &ChartSpec::memory(), 800, 400);
    assert!(svg.contains("heap threshold 500 MB"));
    let off = ChartSpec {
        show_thresholds: false,
        ..ChartSpec::memory()
    };
    assert!(!render_svg(&run, &report, &off, 800, 400).contains("heap threshold"));

    // An RSS threshold and a forecast limit.
    let cfg = Config {
        rss_threshold_mb: Some(600.0),
        limits: [(Metric::Rss, 800.0)].into_iter().collect(),
        ..Config::default()
    };
    let report = analyze(&run, &cfg);
    assert!(report.forecasts.iter().any(|f| f.limit == 800.0));
    let svg = render_svg(&run, &report, &ChartSpec::memory(), 800, 400);
    assert!(svg.contains("RSS threshold 600 MB"));
    assert!(svg.contains("RSS limit 800 MB"));
}

#[test]
fn change_points_of_growing_metrics_are_marked() {
    let run = generate(&Spec {
        scenario: Scenario::Step,
        cycles: 120,
        ..Default::default()
    });
    let report = analyze(&run, &Config::default());
    let cps = &report.metrics[&Metric::HeapUsed].change_points;
    assert!(!cps.is_empty());
    let count = |svg: &str| svg.matches("<polyline").count();
    let on = render_svg(&run, &report, &ChartSpec::memory(), 900, 480);
    let off = ChartSpec {
        show_change_points: false,
        ..ChartSpec::memory()
    };
    let off = render_svg(&run, &report, &off, 900, 480);
    assert!(count(&on) > count(&off) + cps.len(), "dashed verticals");
    assert!(on.contains("change point"));
}

fn one_metric_run(values: &[f64]) -> Run {
    let mut run = Run::new();
    for (i, &v) in values.iter().enumerate() {
        let mut s = SnapshotIn::new(i as u64 + 1, "Before scrape");
        s.set(Metric::HeapUsed, v);
        s.set(Metric::Rss, f64::NAN);
        run.push(&s, []);
    }
    run
}

#[test]
fn odd_data_renders_without_error() {
    let report = analyze(&Run::new(), &Config::default());
    let cases: Vec<(&str, Vec<f64>)> = vec![
        ("one snapshot", vec![42.0]),
        ("constant", vec![7.0; 10]),
        ("all NaN", vec![f64::NAN; 10]),
        ("some NaN", vec![1.0, f64::NAN, 3.0, f64::NAN, 2.0]),
        ("negative", vec![-50.0, -20.0, -80.0, -10.0]),
        ("huge", vec![1e12, 5e12, 3e12]),
        ("enormous", vec![f64::MAX, -f64::MAX, 1.0, f64::INFINITY]),
        ("tiny", vec![1e-9, 2e-9, 1.5e-9]),
    ];
    for (name, values) in cases {
        let run = one_metric_run(&values);
        for spec in [
            ChartSpec::memory(),
            ChartSpec {
                x_axis: XAxis::Time,
                highlight: Some((Metric::HeapUsed, 1, 1)),
                ..ChartSpec::memory()
            },
            ChartSpec {
                x_range: Some((2.0, 2.0)),
                ..ChartSpec::memory()
            },
            ChartSpec {
                x_range: Some((100.0, 50.0)),
                ..ChartSpec::memory()
            },
            ChartSpec {
                x_range: Some((f64::NAN, f64::INFINITY)),
                ..ChartSpec::memory()
            },
        ] {
            let mut buf = String::new();
            let mut svg_backend = SVGBackend::with_string(&mut buf, (600, 300));
            let l = draw(&mut svg_backend, &run, &report, &spec)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(l.x_range.0 < l.x_range.1, "{name}: {:?}", l.x_range);
            assert!(l.y_range.0 < l.y_range.1, "{name}: {:?}", l.y_range);
            assert!(l.y_range.0.is_finite() && l.y_range.1.is_finite(), "{name}");
            let (left, top, right, bottom) = l.plot_px;
            // Nothing drawn outside the canvas by much.
            drop(svg_backend);
            for p in buf.split("points=\"").skip(1) {
                for xy in p.split('"').next().unwrap().split_whitespace() {
                    let (x, y) = xy.split_once(',').unwrap();
                    let (x, y): (i32, i32) = (x.parse().unwrap(), y.parse().unwrap());
                    assert!(
                        (left - 40..=right + 40).contains(&x) && (0..=bottom + 20).contains(&y),
                        "{name}: ({x},{y}) outside {:?} top {top}",
                        l.plot_px
                    );
                }
            }
        }
    }
}

#[test]
fn negative_values_get_a_negative_axis() {
    let run = one_metric_run(&[-50.0, -20.0, -80.0, -10.0]);
    let report = analyze(&run, &Config::default());
    let mut buf = String::new();
    let mut svg_backend = SVGBackend::with_string(&mut buf, (600, 300));
    let l = draw(&mut svg_backend, &run, &report, &ChartSpec::memory()).unwrap();
    assert!(
        l.y_range.0 < -80.0 && l.y_range.1 > -10.0,
        "{:?}",
        l.y_range
    );
}

#[test]
fn too_small_or_zero_sized_charts_explain_themselves() {
    let (run, report) = leak_run();
    for (w, h) in [(0, 0), (1, 1), (50, 400), (400, 20)] {
        let svg = render_svg(&run, &report, &ChartSpec::memory(), w, h);
        assert!(
            svg.starts_with("<svg") && svg.contains("too small"),
            "{svg}"
        );
    }
    let svg = render_svg(&run, &report, &ChartSpec::memory(), 120, 80);
    assert!(svg.starts_with("<svg") && !svg.contains("too small"));
}

#[test]
fn kinds_ignore_metrics_of_the_other_kind() {
    let (run, report) = leak_run();
    let spec = ChartSpec {
        visible: vec![Metric::Pages, Metric::HeapUsed],
        ..ChartSpec::memory()
    };
    let svg = render_svg(&run, &report, &spec, 800, 400);
    assert!(
        svg.contains("Heap Used") && !svg.contains("Browser Pages") && !svg.contains(">\nRSS\n<")
    );
    assert_eq!(ChartSpec::default().kind, ChartKind::Memory);
    let none = ChartSpec {
        visible: vec![],
        ..ChartSpec::memory()
    };
    assert!(render_svg(&run, &report, &none, 800, 400).contains("no data to show"));
}

/// The values of attribute `name` in `svg`, in order.
fn attr_values<'a>(svg: &'a str, name: &str) -> Vec<&'a str> {
    let key = format!(" {name}=\"");
    svg.split(key.as_str())
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

#[test]
fn scale_sizes_fonts_and_strokes_in_device_pixels() {
    let (run, report) = leak_run();
    let spec = ChartSpec {
        title: Some("scaled".into()),
        highlight: Some((Metric::HeapUsed, 20, 30)),
        ..ChartSpec::memory()
    };
    assert_eq!(ChartSpec::memory().scale, 1.0);
    assert_eq!(ChartSpec::browser().scale, 1.0);
    let one = render_svg(&run, &report, &spec, 900, 480);
    let two = render_svg(
        &run,
        &report,
        &ChartSpec {
            scale: 2.0,
            ..spec.clone()
        },
        1800,
        960,
    );
    assert!(!two.contains("too small") && !two.contains("drawing failed"));

    // plotters' SVG writes font-size as size / 1.24: 12 px → 9.677…
    let sizes = |svg: &str| -> Vec<f64> {
        let mut v: Vec<f64> = attr_values(svg, "font-size")
            .into_iter()
            .map(|s| s.parse().unwrap())
            .collect();
        v.sort_by(f64::total_cmp);
        v.dedup();
        v
    };
    let (s1, s2) = (sizes(&one), sizes(&two));
    // 11 (marker key), 12 (ticks, legend, thresholds), 13 (axis captions), 16 (title).
    let css: Vec<f64> = [11.0, 12.0, 13.0, 16.0].iter().map(|s| s / 1.24).collect();
    assert_eq!(s1, css);
    let doubled: Vec<f64> = s1.iter().map(|s| s * 2.0).collect();
    assert_eq!(s2, doubled);
    let label = 12.0 / 1.24;
    assert!(one.contains(&format!("font-size=\"{label}\"")));
    assert!(two.contains(&format!("font-size=\"{}\"", 24.0 / 1.24)));

    // Every stroke twice as wide: series (the highlighted one thicker),
    // trend lines, grid, axes, dashes, the legend samples.
    // (Filled shapes, with stroke="none", always say stroke-width="1".)
    let strokes = |svg: &str| -> Vec<u32> {
        let mut v: Vec<u32> = svg
            .split('<')
            .filter(|e| !e.contains("stroke=\"none\""))
            .flat_map(|e| attr_values(e, "stroke-width"))
            .map(|s| s.parse().unwrap())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let (w1, w2) = (strokes(&one), strokes(&two));
    assert!(w1.contains(&1) && w1.contains(&4), "{w1:?}");
    assert_eq!(w2, w1.iter().map(|w| w * 2).collect::<Vec<_>>());
    let heap = hex(leaklens_chart::metric_color(Metric::HeapUsed));
    let max = |svg: &str| stroke_widths(svg, &heap).into_iter().max().unwrap();
    assert_eq!(max(&two), 2 * max(&one));

    // The same elements, the plot in the same place relative to the size.
    let count = |svg: &str, tag: &str| svg.matches(tag).count();
    for tag in ["<text", "<circle", "<polygon", "<rect"] {
        assert_eq!(count(&one, tag), count(&two, tag), "{tag}");
    }
    let layout = |w: u32, h: u32, spec: &ChartSpec| {
        let mut buf = String::new();
        let mut svg_backend = SVGBackend::with_string(&mut buf, (w, h));
        draw(&mut svg_backend, &run, &report, spec).unwrap()
    };
    let l1 = layout(900, 480, &spec);
    let l2 = layout(
        1800,
        960,
        &ChartSpec {
            scale: 2.0,
            ..spec.clone()
        },
    );
    assert_eq!((l1.x_range, l1.y_range), (l2.x_range, l2.y_range));
    let (a, b) = (l1.plot_px, l2.plot_px);
    for (p1, p2) in [(a.0, b.0), (a.1, b.1), (a.2, b.2), (a.3, b.3)] {
        assert!((2 * p1 - p2).abs() <= 4, "{:?} vs {:?}", a, b);
    }
}

#[test]
fn scale_is_clamped_and_checked_for_size() {
    let (run, report) = leak_run();
    let at = |scale: f64, w: u32, h: u32| {
        let spec = ChartSpec {
            scale,
            ..ChartSpec::memory()
        };
        render_svg(&run, &report, &spec, w, h)
    };
    // The minimum size is in CSS pixels.
    assert!(!at(1.0, 120, 80).contains("too small"));
    assert!(at(2.0, 120, 80).contains("too small"));
    assert!(!at(2.0, 240, 160).contains("too small"));
    // Out of range or not finite: clamped, or 1.
    let one = at(1.0, 900, 480);
    assert_eq!(at(f64::NAN, 900, 480), one);
    assert_eq!(at(f64::INFINITY, 900, 480), one);
    assert_eq!(at(100.0, 900, 480), at(4.0, 900, 480));
    assert_eq!(at(0.0, 900, 480), at(0.5, 900, 480));
    assert_eq!(at(-3.0, 900, 480), at(0.5, 900, 480));
}

/// Before/after on one chart: the other run's series are drawn faintly,
/// labelled with its name, and the axes cover both runs.
#[test]
fn a_ghost_run_is_overlaid_by_cycle() {
    let (after, report) = leak_run();
    let before = generate(&Spec {
        cycles: 90,
        rate: 6.0,
        seed: 9,
        ..Default::default()
    });
    let mut svg = String::new();
    let layout = {
        let mut svg_backend = SVGBackend::with_string(&mut svg, (1000, 520));
        let mut spec = ChartSpec::memory();
        spec.visible = vec![Metric::HeapUsed];
        leaklens_chart::draw_overlaid(
            &mut svg_backend,
            &after,
            &report,
            Some((&before, "before.log")),
            &spec,
        )
        .expect("drawn")
    };
    assert!(
        svg.contains("before: before.log") && svg.contains("after: this run"),
        "the legend says which run is which"
    );
    // The legend is a strip above the plot: its labels sit above the plot's
    // top row.
    let label_y = |text: &str| -> i32 {
        let at = svg.find(&format!(">\n{text}\n<")).expect(text);
        let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
        attr_values(tag, "y")[0].parse().unwrap()
    };
    assert!(label_y("before: before.log") < layout.plot_px.1);
    assert!(label_y("Heap Used") < layout.plot_px.1);
    assert!(
        layout.x_range.1 >= 90.0,
        "x covers the longer run: {:?}",
        layout.x_range
    );
    let max_before = before
        .column(Metric::HeapUsed)
        .iter()
        .fold(f64::MIN, f64::max);
    assert!(layout.y_range.1 >= max_before, "y covers the other run too");
    // Without a ghost the legend has no such entry.
    let plain = render_svg(&after, &report, &ChartSpec::memory(), 1000, 520);
    assert!(!plain.contains("(before.log)"));
}

/// The retained level the verdict judged: a dashed line per metric in its
/// colour, on by default, gone when switched off; the trend's reason on
/// request.
#[test]
fn the_retained_level_and_the_trend_reason_are_drawn() {
    let (run, report) = leak_run();
    let spec = ChartSpec {
        visible: vec![Metric::HeapUsed],
        ..ChartSpec::memory()
    };
    let heap = hex(leaklens_chart::metric_color(Metric::HeapUsed));
    let on = render_svg(&run, &report, &spec, 900, 480);
    let off = ChartSpec {
        show_retained: false,
        ..spec.clone()
    };
    let off = render_svg(&run, &report, &off, 900, 480);
    // The series and its legend sample, then one polyline a dash.
    let (n_on, n_off) = (
        polylines_with(&on, &heap).len(),
        polylines_with(&off, &heap).len(),
    );
    let levels = leaklens_core::analyze::retained_levels(&run, &report);
    let heap_level = levels
        .iter()
        .find(|l| l.metric == Metric::HeapUsed)
        .unwrap();
    assert!(
        n_on > n_off + heap_level.points.len() / 2,
        "{n_on} vs {n_off}"
    );
    assert!(on.contains("retained level") && !off.contains("retained level"));
    // The trend's reason, where the report's recent part starts.
    let from = report.metrics[&Metric::HeapUsed].recent_from_cycle;
    let why = ChartSpec {
        show_trend_reason: true,
        ..spec
    };
    let svg = render_svg(&run, &report, &why, 900, 480);
    assert!(
        svg.contains(&format!("fitted from cycle {from}: ")),
        "{from}"
    );
    assert!(!on.contains("fitted from"));
}

/// A logarithmic y axis: ticks at 1, 2 and 5 of each decade, the layout
/// mapping values logarithmically, values at or below zero left out.
#[test]
fn a_log_axis_has_decade_ticks_and_skips_zero() {
    let mut values: Vec<f64> = (0..40).map(|i| 2.0 * 1.2f64.powi(i)).collect();
    values[5] = 0.0;
    values[6] = -3.0;
    let run = one_metric_run(&values);
    let report = analyze(&run, &Config::default());
    let spec = ChartSpec {
        y_log: true,
        ..ChartSpec::memory()
    };
    let mut svg = String::new();
    let layout = {
        let mut b = SVGBackend::with_string(&mut svg, (900, 700));
        draw(&mut b, &run, &report, &spec).unwrap()
    };
    assert!(layout.y_log && layout.y_range.0 > 0.0);
    assert!(layout.y_range.0 < 2.0 && layout.y_range.1 > values[39]);
    for tick in [
        "2", "5", "10", "20", "50", "100", "200", "500", "1000", "2000",
    ] {
        assert!(svg.contains(&format!(">\n{tick}\n<")), "tick {tick}");
    }
    // Lower, fewer: the decades only.
    let low = render_svg(&run, &report, &spec, 900, 300);
    assert!(low.contains(">\n100\n<") && !low.contains(">\n200\n<"));
    // Equal ratios, equal distances.
    let (a, b, c) = (
        layout.px_at_y(10.0),
        layout.px_at_y(100.0),
        layout.px_at_y(1000.0),
    );
    assert!((a - b - (b - c)).abs() <= 1, "{a} {b} {c}");
    assert!((layout.y_at(b) - 100.0).abs() < 2.0);
    assert!(
        layout.px_at_y(0.0) > layout.plot_px.3,
        "zero is off the plot"
    );
    assert!(!svg.contains("drawing failed"));
    // Off by default: the same chart is linear.
    let linear = render_svg(&run, &report, &ChartSpec::memory(), 900, 480);
    assert!(!linear.contains(">\n1000\n<") || !linear.contains(">\n2\n<"));
}

/// A run prepared once (its levels computed once and handed in, or
/// computed by it) draws, at every zoom and on either axis, the very chart
/// `draw` draws (the viewer keeps the prepared run across zooms).
#[test]
fn a_prepared_run_draws_the_same_chart() {
    let (run, report) = leak_run();
    let levels = leaklens_core::analyze::retained_levels(&run, &report);
    assert!(!levels.is_empty());
    for (axis, y_log) in [
        (XAxis::Cycle, false),
        (XAxis::Cycle, true),
        (XAxis::Time, false),
    ] {
        let given = leaklens_chart::Prepared::new(&run, axis, y_log).with_retained(
            &run,
            &report,
            Some(&levels),
        );
        let computed =
            leaklens_chart::Prepared::new(&run, axis, y_log).with_retained(&run, &report, None);
        assert!(given.fits(axis, y_log) && !given.fits(axis, !y_log));
        for zoom in [None, Some((10.0, 40.0)), Some((2.5, 3.5))] {
            let spec = ChartSpec {
                x_range: zoom,
                x_axis: axis,
                y_log,
                ..ChartSpec::memory()
            };
            let svg = |p: &leaklens_chart::Prepared| {
                let mut out = String::new();
                {
                    let mut b = SVGBackend::with_string(&mut out, (900, 480));
                    leaklens_chart::draw_prepared(&mut b, &run, &report, p, None, &spec).unwrap();
                }
                out
            };
            let mut plain = String::new();
            {
                let mut b = SVGBackend::with_string(&mut plain, (900, 480));
                draw(&mut b, &run, &report, &spec).unwrap();
            }
            assert_eq!(svg(&given), plain);
            assert_eq!(svg(&computed), plain);
        }
    }
}
