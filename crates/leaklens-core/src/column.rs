//! A column of measurements in half the memory when that loses nothing.
//!
//! Memory is exported in MB with two decimals and counts are whole, so
//! nearly every value is a whole number of hundredths. Such a value is kept
//! as that number in 4 bytes: `hundredths / 100.0` is the division of two
//! exactly represented numbers, correctly rounded, which is the same double
//! the parser made of the text ("123.45" → the double nearest 123.45). The
//! first value that is not (more decimals, bytes converted to MB, a huge
//! number) turns the column into plain doubles, so nothing is ever rounded.
//! A metric a run never has (browser memory in most files) costs nothing.

/// Where a value is missing (NaN) in a column of hundredths.
const MISSING: i32 = i32::MIN;

/// A column of `f64` values (NaN where missing), stored as hundredths in
/// an `i32` while every value is one.
#[derive(Debug, Clone)]
pub enum Column {
    /// This many values, every one missing.
    Missing(usize),
    Hundredths(Vec<i32>),
    Wide(Vec<f64>),
}

impl Default for Column {
    fn default() -> Self {
        Column::Missing(0)
    }
}

/// `v` as a whole number of hundredths, when that is exactly `v` (to the
/// bit: −0.0 is not 0).
#[inline]
fn hundredths(v: f64) -> Option<i32> {
    if v.is_nan() {
        return Some(MISSING);
    }
    let x = v * 100.0;
    if !(x > f64::from(MISSING) && x <= f64::from(i32::MAX)) {
        return None;
    }
    // The nearest whole number, by adding a half and truncating (one
    // instruction each, where `round` is a call): for a value that is whole
    // hundredths, `x` is within a few ulps of it, so this is exactly it;
    // any other value fails the check below whatever `h` is.
    let h = (x + 0.5f64.copysign(x)) as i32;
    (h != MISSING && decode(h).to_bits() == v.to_bits()).then_some(h)
}

#[inline]
fn decode(h: i32) -> f64 {
    if h == MISSING {
        f64::NAN
    } else {
        f64::from(h) / 100.0
    }
}

impl Column {
    /// A column of these values.
    pub fn from_values(values: impl IntoIterator<Item = f64>) -> Self {
        let mut c = Column::default();
        for v in values {
            c.push(v);
        }
        c
    }

    /// A column of exactly these values, in the smallest form that keeps
    /// them (no spare capacity).
    pub fn from_slice(values: &[f64]) -> Self {
        if values.iter().all(|v| v.is_nan()) {
            return Column::Missing(values.len());
        }
        if values.iter().all(|&v| hundredths(v).is_some()) {
            let mut h = Vec::with_capacity(values.len());
            h.extend(values.iter().filter_map(|&v| hundredths(v)));
            Column::Hundredths(h)
        } else {
            Column::Wide(values.to_vec())
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Column::Missing(n) => *n,
            Column::Hundredths(v) => v.len(),
            Column::Wide(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value `i` (NaN where missing). Panics when `i` is out of range, as
    /// indexing a slice does. (Not inlined in the browser: one copy is
    /// smaller than one a call site.)
    #[cfg_attr(not(target_arch = "wasm32"), inline)]
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    pub fn get(&self, i: usize) -> f64 {
        match self {
            Column::Missing(n) => {
                assert!(i < *n, "index {i} out of a column of {n}");
                f64::NAN
            }
            Column::Hundredths(v) => decode(v[i]),
            Column::Wide(v) => v[i],
        }
    }

    #[cfg_attr(not(target_arch = "wasm32"), inline)]
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    pub fn push(&mut self, value: f64) {
        // The usual case, inline: whole hundredths onto whole hundredths.
        #[cfg(not(target_arch = "wasm32"))]
        if let Column::Hundredths(v) = self {
            if let Some(h) = hundredths(value) {
                v.push(h);
                return;
            }
        }
        self.push_any(value);
    }

    /// [`Column::push`] of any value onto any column.
    #[cfg_attr(not(target_arch = "wasm32"), inline(never))]
    fn push_any(&mut self, value: f64) {
        match self {
            Column::Missing(n) if value.is_nan() => *n += 1,
            Column::Missing(n) => {
                let mut v = Vec::with_capacity(*n + 1);
                v.resize(*n, MISSING);
                *self = Column::Hundredths(v);
                self.push(value);
            }
            Column::Hundredths(v) => match hundredths(value) {
                Some(h) => v.push(h),
                None => {
                    self.widen();
                    self.push(value);
                }
            },
            Column::Wide(v) => v.push(value),
        }
    }

    /// Every value, in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            column: self,
            next: 0,
        }
    }

    /// The values as a vector of doubles.
    pub fn to_vec(&self) -> Vec<f64> {
        self.iter().collect()
    }

    /// Appends every value of `other`.
    pub fn extend_from(&mut self, other: &Column) {
        match (&mut *self, other) {
            (Column::Missing(a), Column::Missing(b)) => *a += b,
            (Column::Missing(n), _) => {
                let mut joined = other.clone();
                joined.prepend_missing(*n);
                *self = joined;
            }
            (Column::Hundredths(a), Column::Missing(b)) => a.resize(a.len() + b, MISSING),
            (Column::Wide(a), Column::Missing(b)) => a.resize(a.len() + b, f64::NAN),
            (Column::Hundredths(a), Column::Hundredths(b)) => a.extend_from_slice(b),
            (Column::Wide(a), Column::Wide(b)) => a.extend_from_slice(b),
            (Column::Wide(a), Column::Hundredths(b)) => a.extend(b.iter().map(|&h| decode(h))),
            (Column::Hundredths(_), Column::Wide(b)) => {
                self.widen();
                if let Column::Wide(a) = self {
                    a.extend_from_slice(b);
                }
            }
        }
    }

    /// Reserves room for `n` more values.
    pub fn reserve(&mut self, n: usize) {
        match self {
            Column::Missing(_) => {}
            Column::Hundredths(v) => v.reserve(n),
            Column::Wide(v) => v.reserve(n),
        }
    }

    pub fn shrink_to_fit(&mut self) {
        match self {
            Column::Missing(_) => {}
            Column::Hundredths(v) => v.shrink_to_fit(),
            Column::Wide(v) => v.shrink_to_fit(),
        }
    }

    fn prepend_missing(&mut self, n: usize) {
        match self {
            Column::Missing(k) => *k += n,
            Column::Hundredths(v) => {
                v.splice(0..0, std::iter::repeat_n(MISSING, n));
            }
            Column::Wide(v) => {
                v.splice(0..0, std::iter::repeat_n(f64::NAN, n));
            }
        }
    }

    fn widen(&mut self) {
        if let Column::Hundredths(v) = self {
            let mut wide = Vec::with_capacity(v.capacity().max(v.len() + 1));
            wide.extend(v.iter().map(|&h| decode(h)));
            *self = Column::Wide(wide);
        }
    }
}

impl PartialEq for Column {
    /// Equal when every value is (NaN equal to NaN: both missing).
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .zip(other.iter())
                .all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()))
    }
}

/// The values of a [`Column`], in order.
#[derive(Clone)]
pub struct Iter<'a> {
    column: &'a Column,
    next: usize,
}

impl Iterator for Iter<'_> {
    type Item = f64;

    #[inline]
    fn next(&mut self) -> Option<f64> {
        if self.next >= self.column.len() {
            return None;
        }
        let v = self.column.get(self.next);
        self.next += 1;
        Some(v)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.column.len() - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// Where a snapshot has no timestamp, as an offset.
const NO_OFFSET: i32 = i32::MIN;
/// Where a snapshot has no timestamp, whole (no worker writes this time,
/// 292 million years before 1970; the run reads it as none).
pub(crate) const NO_TIME: i64 = i64::MIN;
/// Snapshots that share one base time.
const BLOCK: usize = 1024;

/// Timestamps (ms since the epoch, or none) in about 4 bytes each: an
/// offset from the first time of their block of [`BLOCK`] snapshots, while
/// a block spans less than 24 days (one with a longer gap keeps every time
/// whole).
#[derive(Debug, Clone)]
pub enum Times {
    Offsets { bases: Vec<i64>, offsets: Vec<i32> },
    Whole(Vec<i64>),
}

impl Default for Times {
    fn default() -> Self {
        Times::Offsets {
            bases: Vec::new(),
            offsets: Vec::new(),
        }
    }
}

impl Times {
    pub fn len(&self) -> usize {
        match self {
            Times::Offsets { offsets, .. } => offsets.len(),
            Times::Whole(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[cfg_attr(not(target_arch = "wasm32"), inline)]
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    pub fn get(&self, i: usize) -> Option<i64> {
        let t = match self {
            Times::Offsets { bases, offsets } => {
                let d = offsets[i];
                if d == NO_OFFSET {
                    return None;
                }
                bases[i / BLOCK] + i64::from(d)
            }
            Times::Whole(v) => v[i],
        };
        (t != NO_TIME).then_some(t)
    }

    pub fn push(&mut self, t: Option<i64>) {
        let t = t.filter(|&t| t != NO_TIME);
        match self {
            Times::Offsets { bases, offsets } => {
                let i = offsets.len();
                if i % BLOCK == 0 {
                    bases.push(NO_TIME);
                }
                let Some(t) = t else {
                    offsets.push(NO_OFFSET);
                    return;
                };
                let base = &mut bases[i / BLOCK];
                if *base == NO_TIME {
                    *base = t;
                }
                match t.checked_sub(*base).and_then(|d| i32::try_from(d).ok()) {
                    Some(d) if d != NO_OFFSET => offsets.push(d),
                    _ => {
                        let mut whole = Vec::with_capacity(offsets.capacity().max(i + 1));
                        whole.extend((0..i).map(|k| self.get(k).unwrap_or(NO_TIME)));
                        *self = Times::Whole(whole);
                        self.push(Some(t));
                    }
                }
            }
            Times::Whole(v) => v.push(t.unwrap_or(NO_TIME)),
        }
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<i64>> + Clone + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    pub fn extend_from(&mut self, other: &Times) {
        self.reserve(other.len());
        for t in other.iter() {
            self.push(t);
        }
    }

    pub fn reserve(&mut self, n: usize) {
        match self {
            Times::Offsets { offsets, .. } => offsets.reserve(n),
            Times::Whole(v) => v.reserve(n),
        }
    }

    pub fn shrink_to_fit(&mut self) {
        match self {
            Times::Offsets { bases, offsets } => {
                bases.shrink_to_fit();
                offsets.shrink_to_fit();
            }
            Times::Whole(v) => v.shrink_to_fit(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parsed_hundredths_are_kept_in_four_bytes_and_read_back_exactly() {
        let text = ["123.45", "0.01", "1536.99", "0", "7", "-3.2", "21474836.47"];
        let values: Vec<f64> = text.iter().map(|t| t.parse().unwrap()).collect();
        let c = Column::from_values(values.iter().copied());
        assert!(matches!(c, Column::Hundredths(_)));
        for (i, v) in values.iter().enumerate() {
            assert_eq!(c.get(i).to_bits(), v.to_bits(), "{}", text[i]);
        }
    }

    #[test]
    fn a_value_that_is_not_hundredths_widens_the_column_and_keeps_everything() {
        let mut c = Column::from_values([1.5, f64::NAN, 2.25]);
        c.push(1.0 / 3.0);
        c.push(-0.0);
        c.push(4.0);
        assert!(matches!(c, Column::Wide(_)));
        let v = c.to_vec();
        assert_eq!(v[0], 1.5);
        assert!(v[1].is_nan());
        assert_eq!(v[3], 1.0 / 3.0);
        assert_eq!(v[4].to_bits(), (-0.0f64).to_bits());
        assert_eq!(v[5], 4.0);
    }

    #[test]
    fn a_column_of_missing_values_holds_no_memory_until_a_value_comes() {
        let mut c = Column::from_values([f64::NAN; 3]);
        assert!(matches!(c, Column::Missing(3)));
        c.extend_from(&Column::Missing(2));
        assert!(matches!(c, Column::Missing(5)));
        c.push(2.5);
        assert_eq!(c.len(), 6);
        assert!(c.get(4).is_nan());
        assert_eq!(c.get(5), 2.5);
        let mut m = Column::Missing(2);
        m.extend_from(&Column::from_values([1.0 / 3.0]));
        assert!(m.get(0).is_nan() && m.get(2) == 1.0 / 3.0);
    }

    #[test]
    fn timestamps_within_weeks_are_offsets_and_a_far_one_keeps_them_whole() {
        let day = 86_400_000i64;
        let ts = [
            None,
            Some(1_700_000_000_000),
            Some(1_700_000_000_000 - day),
            None,
        ];
        // A month in blocks of snapshots minutes apart stays offsets.
        let mut month = Times::default();
        let minutes = (0..50_000).map(|k| Some(1_700_000_000_000 + k * 60_000));
        for x in minutes.clone() {
            month.push(x);
        }
        assert!(matches!(month, Times::Offsets { .. }));
        assert!(month.iter().eq(minutes));
        let mut t = Times::default();
        for x in ts {
            t.push(x);
        }
        assert!(matches!(t, Times::Offsets { .. }));
        assert!(t.iter().eq(ts));
        let far = Some(1_700_000_000_000 + 30 * day);
        // Thirty days after the block's first time: kept whole.
        t.push(far);
        assert!(matches!(t, Times::Whole(_)));
        assert!(t.iter().eq(ts.into_iter().chain([far])));
        let mut joined = Times::default();
        joined.push(Some(5));
        joined.extend_from(&t);
        assert!(joined
            .iter()
            .eq([Some(5)].into_iter().chain(ts).chain([far])));
        let mut extremes = Times::default();
        for x in [Some(i64::MIN + 1), Some(i64::MAX), Some(0)] {
            extremes.push(x);
        }
        assert!(extremes
            .iter()
            .eq([Some(i64::MIN + 1), Some(i64::MAX), Some(0)]));
    }

    #[test]
    fn huge_and_infinite_values_widen() {
        for v in [3e9, f64::INFINITY, -f64::INFINITY, 1e-300] {
            let c = Column::from_values([1.0, v]);
            assert!(matches!(c, Column::Wide(_)), "{v}");
            assert_eq!(c.get(1), v);
        }
    }

    proptest! {
        #[test]
        fn every_double_reads_back_to_the_bit(v in any::<f64>(), h in any::<i32>()) {
            let from_text: f64 = format!("{}.{:02}", h / 100, (h % 100).abs()).parse().unwrap();
            for x in [v, from_text, f64::from(h) / 100.0] {
                let c = Column::from_values([0.5, x]);
                let got = c.get(1);
                prop_assert!(got.to_bits() == x.to_bits() || (got.is_nan() && x.is_nan()));
            }
        }

        /// Every whole number of hundredths is kept in four bytes (and
        /// nothing else is: the check is to the bit).
        #[test]
        fn whole_hundredths_are_always_kept_in_four_bytes(h in any::<i32>(), v in any::<f64>()) {
            if h != MISSING {
                prop_assert_eq!(hundredths(f64::from(h) / 100.0), Some(h));
            }
            if let Some(k) = hundredths(v) {
                prop_assert!(decode(k).to_bits() == v.to_bits() || (v.is_nan() && k == MISSING));
            }
        }

        #[test]
        fn appending_columns_equals_pushing_their_values(
            a in proptest::collection::vec(prop_oneof![(-1000i32..1000).prop_map(|h| f64::from(h) / 100.0), any::<f64>()], 0..20),
            b in proptest::collection::vec(prop_oneof![(-1000i32..1000).prop_map(|h| f64::from(h) / 100.0), any::<f64>()], 0..20),
        ) {
            let mut joined = Column::from_values(a.iter().copied());
            joined.extend_from(&Column::from_values(b.iter().copied()));
            let all: Vec<f64> = a.iter().chain(&b).copied().collect();
            let pushed = Column::from_values(all.iter().copied());
            prop_assert_eq!(&joined, &pushed);
            prop_assert_eq!(&Column::from_slice(&all), &pushed);
        }
    }
}
