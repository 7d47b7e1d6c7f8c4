//! A viewer's redraw of a 1,000,000-snapshot run at a zoom step: the whole
//! chart computed and played on a backend that only takes the shapes (what
//! the page's wasm does before the browser paints).
//! `cargo bench -p leaklens-chart --bench redraw`.
//! `LEAKLENS_BENCH_SNAPSHOTS` overrides the size (default 1,000,000).

use criterion::{criterion_group, criterion_main, Criterion};
use leaklens_chart::{draw_prepared, ChartSpec, Prepared, XAxis};
use leaklens_core::generate::{generate, Scenario, Spec};
use leaklens_core::{analyze, Config};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};
use std::hint::black_box;

/// Takes every shape and keeps a count of the points it was given.
struct Shapes {
    size: (u32, u32),
    points: usize,
}

type Done = Result<(), DrawingErrorKind<std::fmt::Error>>;

impl DrawingBackend for Shapes {
    type ErrorType = std::fmt::Error;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }
    fn ensure_prepared(&mut self) -> Done {
        Ok(())
    }
    fn present(&mut self) -> Done {
        Ok(())
    }
    fn draw_pixel(&mut self, _: BackendCoord, _: BackendColor) -> Done {
        self.points += 1;
        Ok(())
    }
    fn draw_line<S: BackendStyle>(&mut self, _: BackendCoord, _: BackendCoord, _: &S) -> Done {
        self.points += 2;
        Ok(())
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        _: BackendCoord,
        _: BackendCoord,
        _: &S,
        _: bool,
    ) -> Done {
        self.points += 2;
        Ok(())
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        _: &S,
    ) -> Done {
        self.points += path.into_iter().count();
        Ok(())
    }
    fn draw_circle<S: BackendStyle>(&mut self, _: BackendCoord, _: u32, _: &S, _: bool) -> Done {
        self.points += 1;
        Ok(())
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        _: &S,
    ) -> Done {
        self.points += vert.into_iter().count();
        Ok(())
    }
    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        _: &TStyle,
        _: BackendCoord,
    ) -> Done {
        self.points += text.len();
        Ok(())
    }
    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        _: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        Ok((text.len() as u32 * 7, 12))
    }
}

fn bench(c: &mut Criterion) {
    let snapshots: usize = std::env::var("LEAKLENS_BENCH_SNAPSHOTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    // As the page's benchmark: a linear leak, three snapshots a cycle.
    let run = generate(&Spec {
        scenario: Scenario::Linear,
        cycles: snapshots / 3,
        rate: 0.002,
        ..Spec::default()
    });
    let report = analyze(&run, &Config::default());
    let prepared = Prepared::new(&run, XAxis::Cycle, false).with_retained(&run, &report, None);
    let last = (snapshots / 3) as f64;
    let mut g = c.benchmark_group("redraw 1M");
    g.sample_size(30);
    for (name, range) in [
        ("whole run", None),
        ("zoomed to 80%", Some((0.1 * last, 0.9 * last))),
        ("zoomed to 1%", Some((0.5 * last, 0.51 * last))),
    ] {
        let spec = ChartSpec {
            x_range: range,
            ..ChartSpec::memory()
        };
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut shapes = Shapes {
                    size: (1344, 400),
                    points: 0,
                };
                draw_prepared(&mut shapes, &run, &report, &prepared, None, &spec).expect("draws");
                black_box(shapes.points)
            })
        });
    }
    // The page alternates zooms, and paints between them: the same draw
    // with the caches flushed first (64 MB read) shows what memory costs.
    let mut flush = vec![0u64; 8 << 20];
    let spec = ChartSpec {
        x_range: Some((0.1 * last, 0.9 * last)),
        ..ChartSpec::memory()
    };
    g.bench_function("zoomed to 80%, cold caches", |b| {
        b.iter_batched(
            || {
                flush.iter_mut().for_each(|v| *v = v.wrapping_add(1));
            },
            |()| {
                let mut shapes = Shapes {
                    size: (1344, 400),
                    points: 0,
                };
                draw_prepared(&mut shapes, &run, &report, &prepared, None, &spec).expect("draws");
                black_box(shapes.points)
            },
            criterion::BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
