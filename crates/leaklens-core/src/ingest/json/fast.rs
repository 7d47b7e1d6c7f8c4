//! The fast path: lists, wrappers and NDJSON lines read with [`Scan`],
//! an element it declines handed to serde.

use serde::de::DeserializeSeed;

use super::errors::Resync;
use super::fields::{Field, Raw};
use super::parse_line;
use super::seeds::ElementSeed;
use super::sink::{Ctx, Sink};
use crate::ingest::scan::Scan;
use crate::ingest::WarnKind;

impl<'de> Sink<'de> {
    /// One NDJSON line: the fast path, else serde (which also gives the
    /// error of a bad line).
    pub(super) fn ndjson_line(
        &mut self,
        line: &'de [u8],
        line_no: usize,
    ) -> Result<(), serde_json::Error> {
        // Objects joined with ",\n" (an array without its brackets) are
        // taken as NDJSON too.
        let line = line.trim_ascii_end();
        let line = line.strip_suffix(b",").unwrap_or(line);
        // (Native only: the page checks each string; no room for both.)
        #[cfg(not(target_arch = "wasm32"))]
        let text = {
            let at = (line.as_ptr() as usize).wrapping_sub(self.base);
            self.text
                .and_then(|t| t.get(at..at.checked_add(line.len())?))
        };
        #[cfg(target_arch = "wasm32")]
        let text = None;
        let mut scan = Scan::with_text(line, text);
        scan.ws();
        if scan.at_end() {
            return Ok(());
        }
        if self.fast && scan.peek() == Some(b'{') {
            let mut raw = Raw::new();
            if scan
                .snapshot(&mut raw, &mut self.urls, &mut self.keys)
                .is_some()
                && scan.rest_is_blank()
            {
                let ctx = Ctx {
                    line: Some(line_no),
                    top: true,
                    index: None,
                };
                self.accept(&mut raw, ctx);
                return Ok(());
            }
        }
        parse_line(self, line, line_no)
    }

    /// A list of snapshots at the cursor (`[`), each element through the
    /// fast path or, when it has something unusual, through serde. A
    /// snapshot with a syntax error is skipped with a warning that says
    /// where, and reading goes on at the next one; a list cut off by the end
    /// of the file ends there. None only when no snapshot can be found after
    /// an error.
    fn fast_list(&mut self, scan: &mut Scan<'de>, ctx: Ctx) -> Option<()> {
        if scan.next()? != b'[' {
            return None;
        }
        scan.ws();
        if scan.peek()? == b']' {
            scan.i += 1;
            return Some(());
        }
        let mut index = 0;
        loop {
            let ctx = Ctx {
                index: Some(index),
                top: false,
                ..ctx
            };
            let start = scan.i;
            let kept = self.element(scan, ctx).is_some();
            let separated = kept && {
                scan.ws();
                matches!(scan.peek(), Some(b',' | b']'))
            };
            index += 1;
            if !separated {
                match self.resync(start, ctx, kept, scan.i)? {
                    Resync::Element(next) => {
                        scan.i = next;
                        continue;
                    }
                    Resync::End(close) => {
                        scan.i = close + 1;
                        return Some(());
                    }
                    Resync::CutOff => {
                        scan.i = self.bytes.len();
                        return Some(());
                    }
                }
            }
            match scan.next()? {
                b',' => scan.ws(),
                b']' => return Some(()),
                _ => return None,
            }
        }
    }

    /// One list element at the cursor. None on a syntax error.
    fn element(&mut self, scan: &mut Scan<'de>, ctx: Ctx) -> Option<()> {
        let start = scan.i;
        self.last_pos = start;
        if self.fast && scan.peek() == Some(b'{') {
            let mut raw = Raw::new();
            if scan
                .snapshot(&mut raw, &mut self.urls, &mut self.keys)
                .is_some()
            {
                self.accept(&mut raw, ctx);
                return Some(());
            }
            scan.i = start;
        }
        scan.skip_value()?;
        let slice = self.bytes.get(start..scan.i)?;
        let mut de = serde_json::Deserializer::from_slice(slice);
        let seed = ElementSeed { sink: self, ctx };
        seed.deserialize(&mut de).and_then(|()| de.end()).ok()
    }

    /// The whole input as JSON documents, fast: a list of snapshots or a
    /// `{"snapshots": [...], ...}` wrapper, or several of them one after
    /// another (`cat export1.json export2.json`). None when a document is
    /// neither (a single snapshot object) or has an error no snapshot
    /// follows.
    pub(super) fn fast_documents(&mut self) -> Option<()> {
        let text = Scan::known_text(self.bytes);
        let mut scan = Scan::with_text(self.bytes, text);
        scan.ws();
        let mut docs = 0usize;
        let mut second_line = None;
        while !scan.at_end() {
            if docs == 1 {
                second_line = Some(self.line_of(scan.i));
            }
            match scan.peek()? {
                b'[' => self.fast_list(&mut scan, Ctx::default())?,
                b'{' => self.fast_wrapper(&mut scan)?,
                _ => return None,
            }
            docs += 1;
            scan.ws();
        }
        // Nothing read around an error: serde reads it again and says where
        // the error is (the file's error, not a warning).
        if self.run.is_empty() && self.resynced > 0 {
            return None;
        }
        if let Some(line) = second_line {
            self.diag.warn(WarnKind::Other, Some(line), || {
                format!(
                    "{docs} JSON documents one after another (exports joined with cat?): \
                     the snapshots of all of them are read"
                )
            });
        }
        Some(())
    }

    /// A `{"snapshots": [...], ...}` wrapper at the cursor. None when it is
    /// not one (a single snapshot) or has a syntax error.
    fn fast_wrapper(&mut self, scan: &mut Scan<'de>) -> Option<()> {
        let mut raw = Raw::new();
        scan.object_members(|scan, key| match key {
            Field::Snapshots if !raw.wrapper => {
                raw.wrapper = true;
                self.begin_wrapper(&raw.unit);
                self.fast_list(scan, Ctx::default())
            }
            Field::Unit => {
                raw.unit = scan.scalar_value()?;
                Some(())
            }
            _ => scan.skip_value(),
        })?;
        if !raw.wrapper {
            return None;
        }
        self.end_wrapper(&raw);
        Some(())
    }
}
