//! Min-max decimation: a series of any length reduced to what a plot of a
//! given pixel width can show.

/// The pixel column of `columns` over `lo..=hi` that a value falls in
/// (`hi` in the last; every value in the first when the range has no
/// width): one rule for the decimation and for the pyramid's columns.
pub(crate) fn column_of(lo: f64, hi: f64, columns: usize) -> impl Fn(f64) -> usize {
    let width = hi - lo;
    let scale = if width > 0.0 && width.is_finite() {
        columns as f64 / width
    } else {
        0.0
    };
    move |v: f64| (((v - lo) * scale) as usize).min(columns - 1)
}

/// Reduces `(x, y)` to at most two points per pixel column of `x_range`
/// (the lowest and the highest of the column, in their original order), so
/// the drawn line keeps every spike and every trough.
///
/// `x` must be sorted ascending. Points with a non-finite `x` or `y` are
/// skipped. The last point before the range and the first point after it
/// are kept too (so a zoomed line runs to the plot's edges), which makes at
/// most `2 * columns + 2` points. When the range holds no more than
/// `2 * columns` points they are returned unchanged.
pub fn decimate_min_max(
    x: &[f64],
    y: &[f64],
    x_range: (f64, f64),
    columns: usize,
) -> Vec<(f64, f64)> {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    if n == 0 || x_range.0.is_nan() || x_range.1.is_nan() {
        return Vec::new();
    }
    let (lo, hi) = if x_range.0 <= x_range.1 {
        x_range
    } else {
        (x_range.1, x_range.0)
    };
    let columns = columns.max(1);
    let ok = |i: usize| x[i].is_finite() && y[i].is_finite();
    let start = x.partition_point(|&v| v < lo);
    let end = x.partition_point(|&v| v <= hi).max(start);

    let mut out = Vec::new();
    if let Some(i) = (0..start).rev().find(|&i| ok(i)) {
        out.push((x[i], y[i]));
    }
    if end - start <= 2 * columns {
        out.extend((start..end).filter(|&i| ok(i)).map(|i| (x[i], y[i])));
    } else {
        let column_of = column_of(lo, hi, columns);
        // Current column and the indices of its lowest and highest point.
        let mut current: Option<(usize, usize, usize)> = None;
        let flush = |c: Option<(usize, usize, usize)>, out: &mut Vec<(f64, f64)>| {
            if let Some((_, a, b)) = c {
                let (first, second) = if a <= b { (a, b) } else { (b, a) };
                out.push((x[first], y[first]));
                if second != first {
                    out.push((x[second], y[second]));
                }
            }
        };
        for i in start..end {
            if !ok(i) {
                continue;
            }
            let col = column_of(x[i]);
            match &mut current {
                Some((c, lo_i, hi_i)) if *c == col => {
                    if y[i] < y[*lo_i] {
                        *lo_i = i;
                    }
                    if y[i] > y[*hi_i] {
                        *hi_i = i;
                    }
                }
                _ => {
                    flush(current, &mut out);
                    current = Some((col, i, i));
                }
            }
        }
        flush(current, &mut out);
    }
    if let Some(i) = (end..n).find(|&i| ok(i)) {
        out.push((x[i], y[i]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random values in [0, 1).
    fn noise(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (s >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    #[test]
    fn empty_input_gives_empty_output() {
        assert!(decimate_min_max(&[], &[], (0.0, 1.0), 10).is_empty());
        assert!(decimate_min_max(&[1.0], &[], (0.0, 1.0), 10).is_empty());
        assert!(decimate_min_max(&[1.0], &[2.0], (f64::NAN, 1.0), 10).is_empty());
    }

    #[test]
    fn small_inputs_are_unchanged() {
        let x: Vec<f64> = (0..20).map(f64::from).collect();
        let y = noise(20, 3);
        let out = decimate_min_max(&x, &y, (0.0, 19.0), 10);
        let expected: Vec<(f64, f64)> = x.iter().copied().zip(y.iter().copied()).collect();
        assert_eq!(out, expected);
    }

    #[test]
    fn keeps_each_columns_extremes_and_bounds_the_size() {
        let n = 100_000;
        let columns = 300;
        let x: Vec<f64> = (0..n).map(|i| i as f64 * 0.01).collect();
        let y = noise(n, 7);
        let range = (0.0, x[n - 1]);
        let out = decimate_min_max(&x, &y, range, columns);
        assert!(out.len() <= 2 * columns + 2, "{} points", out.len());
        assert!(out.windows(2).all(|w| w[0].0 <= w[1].0), "x order kept");
        // Per column: the input's min and max are in the output.
        let width = range.1 - range.0;
        let col = |v: f64| (((v - range.0) / width * columns as f64) as usize).min(columns - 1);
        let mut lo = vec![f64::INFINITY; columns];
        let mut hi = vec![f64::NEG_INFINITY; columns];
        for (&xi, &yi) in x.iter().zip(&y) {
            let c = col(xi);
            lo[c] = lo[c].min(yi);
            hi[c] = hi[c].max(yi);
        }
        for c in 0..columns {
            let kept: Vec<f64> = out.iter().filter(|p| col(p.0) == c).map(|p| p.1).collect();
            assert!(kept.contains(&lo[c]), "column {c} lost its min");
            assert!(kept.contains(&hi[c]), "column {c} lost its max");
        }
        // Global extremes survive.
        let gmax = y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let gmin = y.iter().copied().fold(f64::INFINITY, f64::min);
        assert!(out.iter().any(|p| p.1 == gmax) && out.iter().any(|p| p.1 == gmin));
    }

    #[test]
    fn zoom_keeps_one_neighbour_on_each_side() {
        let x: Vec<f64> = (0..1000).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| v * 2.0).collect();
        let out = decimate_min_max(&x, &y, (100.0, 199.5), 50);
        assert!(out.len() <= 102);
        assert_eq!(out.first(), Some(&(99.0, 198.0)));
        assert_eq!(out.last(), Some(&(200.0, 400.0)));
        let inside = out
            .iter()
            .filter(|p| (100.0..=199.5).contains(&p.0))
            .count();
        assert_eq!(inside, out.len() - 2);
    }

    #[test]
    fn skips_nan_and_survives_degenerate_ranges() {
        let x = [0.0, 1.0, 2.0, 3.0];
        let y = [1.0, f64::NAN, 3.0, 4.0];
        assert_eq!(
            decimate_min_max(&x, &y, (0.0, 3.0), 100),
            vec![(0.0, 1.0), (2.0, 3.0), (3.0, 4.0)]
        );
        // Zero-width range with many points: one column.
        let x = vec![5.0; 50];
        let y = noise(50, 1);
        let out = decimate_min_max(&x, &y, (5.0, 5.0), 3);
        assert!(out.len() <= 2);
        // Reversed range is the same range; columns = 0 acts as 1.
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let y = noise(10, 2);
        assert_eq!(
            decimate_min_max(&x, &y, (9.0, 0.0), 100),
            decimate_min_max(&x, &y, (0.0, 9.0), 100)
        );
        assert!(decimate_min_max(&x, &y, (0.0, 9.0), 0).len() <= 2);
    }
}
