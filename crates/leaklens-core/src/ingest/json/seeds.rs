//! The serde visitors: they fill a [`Raw`] from any JSON value (a value of
//! the wrong type is counted and ignored), so only a syntax error can stop
//! a document.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::fields::{field, num_from_str, Field, Num, Raw, Scalar};
use super::sink::{Ctx, Sink};
use crate::ingest::WarnKind;

/// A `DeserializeSeed` that is its own visitor, for any JSON value.
macro_rules! seed_of_any {
    ($ty:ty) => {
        impl<'de> DeserializeSeed<'de> for $ty {
            type Value = <Self as Visitor<'de>>::Value;

            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
        }
    };
}

/// The `visit_*` methods of a visitor for the scalars it does not take
/// (a boolean, a number, a string): each gives what `$wrong(self, type)`
/// gives, with the type named as the warnings name it. With `optional
/// object`, for a visitor of an object that may be null, arrays too.
macro_rules! refuse_scalars {
    ($wrong:path) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($wrong(self, "a boolean"))
        }

        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($wrong(self, "a number"))
        }

        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($wrong(self, "a number"))
        }

        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($wrong(self, "a number"))
        }

        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($wrong(self, "a string"))
        }
    };
    // An object that may be null or absent: an array is of the wrong type
    // too.
    ($wrong:path, optional object) => {
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }

        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
            drain_seq(seq)?;
            $wrong(self, "an array");
            Ok(())
        }

        refuse_scalars!($wrong);
    };
}

/// Reads the fields of one snapshot object (or wrapper, when `ctx.top`).
fn read_snapshot<'de, A: MapAccess<'de>>(
    mut map: A,
    sink: &mut Sink<'de>,
    ctx: Ctx,
) -> Result<(), A::Error> {
    let mut raw = Raw::new();
    sink.urls.clear();
    while let Some((key, pos)) = map.next_key_seed(KeySeed { base: sink.base })? {
        if let Some(pos) = pos {
            sink.last_pos = pos;
            raw.pos.get_or_insert(pos);
        }
        match key {
            Field::Cycle => raw.cycle = map.next_value_seed(ScalarSeed)?,
            Field::Label => raw.label = map.next_value_seed(ScalarSeed)?,
            Field::Timestamp => raw.timestamp = map.next_value_seed(ScalarSeed)?,
            Field::Unit => raw.unit = map.next_value_seed(ScalarSeed)?,
            Field::Value(m) => {
                let n = map.next_value_seed(NumSeed)?;
                raw.set(m, n);
            }
            Field::Urls => {
                let bad = map.next_value_seed(UrlsSeed {
                    urls: &mut sink.urls,
                })?;
                if bad > 0 {
                    raw.bad.add("pageUrls", "not a list of strings");
                }
            }
            Field::Memory => map.next_value_seed(NestedSeed {
                raw: &mut raw,
                urls: &mut sink.urls,
                name: "nodejs",
            })?,
            Field::Browser => map.next_value_seed(NestedSeed {
                raw: &mut raw,
                urls: &mut sink.urls,
                name: "browser",
            })?,
            Field::Gc => map.next_value_seed(GcSeed { raw: &mut raw })?,
            Field::Snapshots if ctx.top && !raw.wrapper => {
                raw.wrapper = true;
                sink.begin_wrapper(&raw.unit);
                let list_ctx = Ctx {
                    index: None,
                    top: false,
                    ..ctx
                };
                map.next_value_seed(ListSeed {
                    sink: &mut *sink,
                    ctx: list_ctx,
                })?;
            }
            Field::Snapshots | Field::Other => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    if raw.wrapper {
        sink.end_wrapper(&raw);
    } else {
        sink.accept(&mut raw, ctx);
    }
    Ok(())
}

/// A map key: what it means, and its byte offset when it is borrowed from
/// the input (it nearly always is: keys rarely hold escapes).
struct KeySeed {
    base: usize,
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = (Field, Option<usize>);

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = (Field, Option<usize>);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        let pos = (v.as_ptr() as usize).wrapping_sub(self.base);
        Ok((field(v.as_bytes()), Some(pos)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok((field(v.as_bytes()), None))
    }
}

struct ScalarSeed;

seed_of_any!(ScalarSeed);

impl<'de> Visitor<'de> for ScalarSeed {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool)
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::Int(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(match u64::try_from(v) {
            Ok(u) => Scalar::Int(u),
            Err(_) => Scalar::Neg(v),
        })
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Float(v))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq)?;
        Ok(Scalar::Array)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map)?;
        Ok(Scalar::Object)
    }
}

struct NumSeed;

seed_of_any!(NumSeed);

impl<'de> Visitor<'de> for NumSeed {
    type Value = Num;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_unit<E>(self) -> Result<Num, E> {
        Ok(Num::Absent)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Num, E> {
        Ok(Num::Bad("a boolean"))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Num, E> {
        Ok(Num::Val(v as f64))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Num, E> {
        Ok(Num::Val(v as f64))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Num, E> {
        Ok(Num::Val(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Num, E> {
        Ok(num_from_str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Num, A::Error> {
        drain_seq(seq)?;
        Ok(Num::Bad("an array"))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Num, A::Error> {
        drain_map(map)?;
        Ok(Num::Bad("an object"))
    }
}

/// `nodejs: {...}` or `browser: {...}`: metric values, `unit`, `pageUrls`.
struct NestedSeed<'r, 'de> {
    raw: &'r mut Raw<'de>,
    urls: &'r mut Vec<Cow<'de, str>>,
    name: &'static str,
}

seed_of_any!(NestedSeed<'_, 'de>);

impl NestedSeed<'_, '_> {
    /// A value of the wrong type where the object should be.
    fn wrong(self, ty: &'static str) {
        self.raw.bad.add(self.name, ty);
    }
}

impl<'de> Visitor<'de> for NestedSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some((key, _)) = map.next_key_seed(KeySeed { base: 0 })? {
            match key {
                Field::Value(m) => {
                    let n = map.next_value_seed(NumSeed)?;
                    self.raw.set(m, n);
                }
                Field::Unit => self.raw.unit = map.next_value_seed(ScalarSeed)?,
                Field::Urls => {
                    let bad = map.next_value_seed(UrlsSeed {
                        urls: &mut *self.urls,
                    })?;
                    if bad > 0 {
                        self.raw.bad.add("pageUrls", "not a list of strings");
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    refuse_scalars!(Self::wrong, optional object);
}

/// `gc: {...}`: the collections since the previous snapshot (counts per
/// kind, pause, heap used right after the last major collection). Values
/// of the wrong type are counted as bad and left out; an object with none
/// of the fields is no record of collections.
struct GcSeed<'r, 'de> {
    raw: &'r mut Raw<'de>,
}

seed_of_any!(GcSeed<'_, 'de>);

impl GcSeed<'_, '_> {
    /// A value of the wrong type where the object should be.
    fn wrong(self, ty: &'static str) {
        self.raw.bad.add("gc", ty);
    }
}

impl<'de> Visitor<'de> for GcSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of garbage collections")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let n = map.next_value_seed(NumSeed)?;
            self.raw.set_gc(key.as_bytes(), n);
        }
        Ok(())
    }

    refuse_scalars!(Self::wrong, optional object);
}

/// `pageUrls: [...]`; returns how many entries were not strings.
struct UrlsSeed<'r, 'de> {
    urls: &'r mut Vec<Cow<'de, str>>,
}

seed_of_any!(UrlsSeed<'_, 'de>);

impl UrlsSeed<'_, '_> {
    /// A value that is not a list: one entry that is not a string.
    fn wrong(self, _: &'static str) -> usize {
        1
    }
}

impl<'de> Visitor<'de> for UrlsSeed<'_, 'de> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of URLs")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        self.urls.clear();
        let mut bad = 0;
        while let Some(v) = seq.next_element_seed(ScalarSeed)? {
            match v {
                Scalar::Str(s) => self.urls.push(s),
                _ => bad += 1,
            }
        }
        Ok(bad)
    }

    fn visit_unit<E>(self) -> Result<usize, E> {
        Ok(0)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<usize, A::Error> {
        drain_map(map)?;
        Ok(1)
    }

    refuse_scalars!(Self::wrong);
}

/// A list of snapshot objects: the top-level array or a wrapper's `snapshots`.
pub(super) struct ListSeed<'s, 'de> {
    pub(super) sink: &'s mut Sink<'de>,
    pub(super) ctx: Ctx,
}

seed_of_any!(ListSeed<'_, 'de>);

impl<'de> ListSeed<'_, 'de> {
    fn not_a_list(self, ty: &'static str) {
        let line = self.ctx.line;
        self.sink.diag.warn(WarnKind::NotSnapshot, line, || {
            format!("\"snapshots\" is {ty}, not a list; ignored")
        });
    }
}

impl<'de> Visitor<'de> for ListSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of snapshots")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        loop {
            let ctx = Ctx {
                index: Some(index),
                top: false,
                ..self.ctx
            };
            let seed = ElementSeed {
                sink: &mut *self.sink,
                ctx,
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        drain_map(map)?;
        self.not_a_list("an object");
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.not_a_list("null");
        Ok(())
    }

    refuse_scalars!(Self::not_a_list);
}

/// One element of a list, one NDJSON line or the whole document: a snapshot
/// object (or, at the top, a wrapper or an array of snapshots). Anything
/// else is skipped with a warning.
pub(super) struct ElementSeed<'s, 'de> {
    pub(super) sink: &'s mut Sink<'de>,
    pub(super) ctx: Ctx,
}

seed_of_any!(ElementSeed<'_, 'de>);

impl ElementSeed<'_, '_> {
    fn not_an_object(self, ty: &'static str) {
        let ctx = self.ctx;
        let line = ctx.line.or_else(|| {
            let pos = self.sink.last_pos;
            (pos > 0).then(|| self.sink.line_of(pos))
        });
        self.sink.diag.warn(WarnKind::NotSnapshot, line, || {
            format!("{} is {ty}, not an object; skipped", ctx.what())
        });
    }
}

impl<'de> Visitor<'de> for ElementSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a snapshot object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        read_snapshot(map, self.sink, self.ctx)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        if self.ctx.top {
            // An NDJSON line holding an array of snapshots.
            let ctx = Ctx {
                top: false,
                ..self.ctx
            };
            return ListSeed {
                sink: self.sink,
                ctx,
            }
            .visit_seq(seq);
        }
        drain_seq(seq)?;
        self.not_an_object("an array");
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.not_an_object("null");
        Ok(())
    }

    refuse_scalars!(Self::not_an_object);
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}
