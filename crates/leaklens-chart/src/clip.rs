//! Clipping lines to the plot, in data coordinates.

/// A point in data coordinates.
pub(crate) type P = (f64, f64);

/// Liang–Barsky: the part of segment `a`–`b` inside the rectangle.
fn clip_segment(a: P, b: P, xr: P, yr: P) -> Option<(P, P)> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - xr.0),
        (dx, xr.1 - a.0),
        (-dy, a.1 - yr.0),
        (dy, yr.1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                if r > t1 {
                    return None;
                }
                t0 = t0.max(r);
            } else {
                if r < t0 {
                    return None;
                }
                t1 = t1.min(r);
            }
        }
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            (a.0 + t * dx, a.1 + t * dy)
        }
    };
    Some((at(t0), at(t1)))
}

/// The parts of a polyline inside the rectangle.
pub(crate) fn clip_polyline(points: &[P], xr: P, yr: P) -> Vec<Vec<P>> {
    let inside = |p: &P| (xr.0..=xr.1).contains(&p.0) && (yr.0..=yr.1).contains(&p.1);
    if points.len() == 1 {
        return if inside(&points[0]) {
            vec![points.to_vec()]
        } else {
            Vec::new()
        };
    }
    let mut out = Vec::new();
    let mut current: Vec<P> = Vec::new();
    for w in points.windows(2) {
        if let Some((p, q)) = clip_segment(w[0], w[1], xr, yr) {
            if current.last() != Some(&p) {
                if current.len() > 1 {
                    out.push(std::mem::take(&mut current));
                }
                current.clear();
                current.push(p);
            }
            current.push(q);
        }
    }
    if current.len() > 1 {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping() {
        let (xr, yr) = ((0.0, 10.0), (0.0, 10.0));
        assert_eq!(
            clip_segment((-5.0, 5.0), (5.0, 5.0), xr, yr),
            Some(((0.0, 5.0), (5.0, 5.0)))
        );
        assert_eq!(clip_segment((-5.0, 20.0), (5.0, 20.0), xr, yr), None);
        let parts = clip_polyline(&[(1.0, 1.0), (2.0, 20.0), (3.0, 1.0)], xr, yr);
        assert_eq!(parts.len(), 2);
        let whole = clip_polyline(&[(1.0, 1.0), (2.0, 2.0), (3.0, 1.0)], xr, yr);
        assert_eq!(whole, vec![vec![(1.0, 1.0), (2.0, 2.0), (3.0, 1.0)]]);
    }
}
