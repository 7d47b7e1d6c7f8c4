//! View state that lives in the URL, and inline share payloads. Pure logic,
//! no DOM: tested natively.
//!
//! The fragment holds `key=value` pairs joined by `&`: `v` visible series,
//! `z` zoom range, `i` selected issue, `l` forecast limits, `x` x axis,
//! `m` mode, `r` retained level hidden, `y` logarithmic y axis, `p` panels;
//! `d` inline data (deflate + base64url of the files, never sent to any
//! server because fragments are not); `w` the process of a metrics export
//! picked in `metrics-view.js` (its name, percent-encoded), kept as it is.

use std::collections::BTreeMap;

use base64ct::Encoding;
use leaklens_core::Metric;

/// What the user sees, enough to bring the same view back from a URL.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ViewState {
    /// Hidden series (everything else is shown).
    pub hidden: Vec<Metric>,
    /// Zoom range in cycles.
    pub zoom: Option<(f64, f64)>,
    /// Index of the selected issue.
    pub issue: Option<usize>,
    /// Forecast limits typed by the user.
    pub limits: BTreeMap<Metric, f64>,
    /// Wall-clock x axis instead of cycles.
    pub time_axis: bool,
    /// Two runs compared (true) or the files merged into one (false), as
    /// the user chose; None: as the files' kinship decides.
    pub compare: Option<bool>,
    /// The retained level's line switched off (it is shown by default).
    pub no_retained: bool,
    /// A logarithmic y axis.
    pub log_y: bool,
    /// Small multiples: a panel per scale, one crosshair across them.
    pub panels: bool,
}

fn fmt_f(x: f64) -> String {
    // Short but exact enough for a zoom range.
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl ViewState {
    /// The fragment's view part (without `#`).
    pub fn encode(&self) -> String {
        let mut parts = Vec::new();
        if !self.hidden.is_empty() {
            let keys: Vec<&str> = self.hidden.iter().map(|m| m.key()).collect();
            parts.push(format!("h={}", keys.join(",")));
        }
        if let Some((a, b)) = self.zoom {
            parts.push(format!("z={}~{}", fmt_f(a), fmt_f(b)));
        }
        if let Some(i) = self.issue {
            parts.push(format!("i={i}"));
        }
        if !self.limits.is_empty() {
            let l: Vec<String> = self
                .limits
                .iter()
                .map(|(m, v)| format!("{}:{}", m.key(), fmt_f(*v)))
                .collect();
            parts.push(format!("l={}", l.join(",")));
        }
        if self.time_axis {
            parts.push("x=t".into());
        }
        if let Some(c) = self.compare {
            parts.push(if c { "m=c" } else { "m=m" }.into());
        }
        if self.no_retained {
            parts.push("r=0".into());
        }
        if self.log_y {
            parts.push("y=l".into());
        }
        if self.panels {
            parts.push("p=1".into());
        }
        parts.join("&")
    }

    /// Reads a fragment (with or without `#`); unknown or malformed parts
    /// are ignored, never fatal.
    pub fn decode(fragment: &str) -> ViewState {
        let mut s = ViewState::default();
        for (k, v) in pairs(fragment) {
            match k {
                "h" => {
                    s.hidden = v.split(',').filter_map(Metric::parse).collect();
                }
                "z" => {
                    if let Some((a, b)) = v.split_once('~') {
                        if let (Ok(a), Ok(b)) = (a.parse::<f64>(), b.parse::<f64>()) {
                            if a.is_finite() && b.is_finite() && a < b {
                                s.zoom = Some((a, b));
                            }
                        }
                    }
                }
                "i" => s.issue = v.parse().ok(),
                "l" => {
                    for item in v.split(',') {
                        if let Some((m, x)) = item.split_once(':') {
                            if let (Some(m), Ok(x)) = (Metric::parse(m), x.parse::<f64>()) {
                                if x.is_finite() && x > 0.0 {
                                    s.limits.insert(m, x);
                                }
                            }
                        }
                    }
                }
                "x" => s.time_axis = v == "t",
                "m" => s.compare = Some(v == "c").filter(|_| v == "c" || v == "m"),
                "r" => s.no_retained = v == "0",
                "y" => s.log_y = v == "l",
                "p" => s.panels = v == "1",
                _ => {}
            }
        }
        s
    }
}

fn pairs(fragment: &str) -> impl Iterator<Item = (&str, &str)> {
    fragment
        .trim_start_matches('#')
        .split('&')
        .filter_map(|p| p.split_once('='))
}

/// The inline data of a fragment (`d=`), if any.
pub fn fragment_data(fragment: &str) -> Option<&str> {
    fragment_value(fragment, "d")
}

/// The value of `key=` in a fragment, if any.
pub fn fragment_value<'a>(fragment: &'a str, key: &str) -> Option<&'a str> {
    pairs(fragment).find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// The view state's fragment, followed by the parts that are not view
/// state and must survive every update of the URL: inline data (`d`), an
/// encrypted share's key (`k`) and the process of a metrics export (`w`),
/// taken from `current`.
pub fn fragment_with(view: &ViewState, current: &str) -> String {
    let mut frag = view.encode();
    for key in ["d", "k", "w"] {
        if let Some(v) = fragment_value(current, key) {
            if !frag.is_empty() {
                frag.push('&');
            }
            frag.push_str(key);
            frag.push('=');
            frag.push_str(v);
        }
    }
    frag
}

/// Files framed for a share link: `name\0len\0bytes` repeated. The link
/// carries this deflated (by the browser, see `deflate`) and base64url
/// without padding.
pub fn frame(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut raw = Vec::new();
    for (name, bytes) in files {
        raw.extend_from_slice(name.replace('\0', "").as_bytes());
        raw.push(0);
        raw.extend_from_slice(bytes.len().to_string().as_bytes());
        raw.push(0);
        raw.extend_from_slice(bytes);
    }
    raw
}

/// The link text of deflated bytes.
pub fn to_text(deflated: &[u8]) -> String {
    base64ct::Base64UrlUnpadded::encode_string(deflated)
}

/// The deflated bytes of a link's text; damage is an error that says so.
pub fn from_text(data: &str) -> Result<Vec<u8>, String> {
    base64ct::Base64UrlUnpadded::decode_vec(data.trim())
        .map_err(|e| format!("the link's data is damaged (base64: {e})"))
}

/// Reads [`frame`]; a damaged payload is an error that says so.
pub fn unframe(raw: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    let mut rest = raw;
    while !rest.is_empty() {
        let n0 = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or("the link's data is damaged (no file name)")?;
        let name = String::from_utf8_lossy(&rest[..n0]).into_owned();
        rest = &rest[n0 + 1..];
        let l0 = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or("the link's data is damaged (no length)")?;
        let len: usize = std::str::from_utf8(&rest[..l0])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or("the link's data is damaged (bad length)")?;
        rest = &rest[l0 + 1..];
        if rest.len() < len {
            return Err("the link's data is damaged (truncated)".into());
        }
        out.push((name, rest[..len].to_vec()));
        rest = &rest[len..];
    }
    Ok(out)
}

/// The largest inline payload a share link carries (base64 characters).
pub const MAX_INLINE: usize = 1_400_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_state_round_trips() {
        let mut limits = BTreeMap::new();
        limits.insert(Metric::Rss, 2048.0);
        let s = ViewState {
            hidden: vec![Metric::HeapTotal, Metric::ArrayBuffers],
            zoom: Some((12.5, 40.0)),
            issue: Some(2),
            limits,
            time_axis: true,
            compare: Some(false),
            no_retained: true,
            log_y: true,
            panels: true,
        };
        let enc = s.encode();
        assert!(enc.ends_with("&p=1"), "{enc}");
        assert_eq!(ViewState::decode(&enc), s);
        assert_eq!(ViewState::decode(&format!("#{enc}&d=xyz")), s);
    }

    #[test]
    fn data_and_key_survive_view_updates() {
        let view = ViewState {
            issue: Some(1),
            ..ViewState::default()
        };
        assert_eq!(
            fragment_with(&view, "#i=0&k=KEY&d=DATA"),
            "i=1&d=DATA&k=KEY"
        );
        assert_eq!(fragment_with(&view, "#w=pod%26a&i=0"), "i=1&w=pod%26a");
        assert_eq!(fragment_with(&view, ""), "i=1");
        assert_eq!(fragment_with(&ViewState::default(), "#k=KEY"), "k=KEY");
    }

    #[test]
    fn malformed_fragments_are_ignored() {
        let s = ViewState::decode("#z=9~3&i=x&l=bogus:1,rss:-5&h=nope&junk");
        assert_eq!(s, ViewState::default());
    }

    #[test]
    fn frames_round_trip_and_reject_damage() {
        let files = vec![
            ("a.ndjson".to_string(), b"{\"cycle\":1}\n".to_vec()),
            ("b<script>.log".to_string(), vec![0, 1, 2, 255]),
            ("empty".to_string(), vec![]),
        ];
        let raw = frame(&files);
        assert_eq!(unframe(&raw).unwrap(), files);
        for cut in [1, 9, raw.len() - 1] {
            assert!(unframe(&raw[..cut]).is_err(), "cut at {cut}");
        }
        let p = to_text(&raw);
        assert!(p
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(from_text(&p).unwrap(), raw);
        assert!(from_text("!!!").is_err());
        assert_eq!(fragment_data(&format!("#i=1&d={p}")), Some(p.as_str()));
    }

    /// The share-link decoder under a fuzz run: any fragment, any `d=`
    /// text, any framed bytes give a value or an error, never a panic; and
    /// what `frame` writes `unframe` reads back. (`LEAKLENS_FUZZ_EXECS`
    /// for a long run; the figures are in docs/fuzzing.md.)
    #[test]
    fn share_link_decoder_fuzz() {
        let execs: u64 = std::env::var("LEAKLENS_FUZZ_EXECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20_000);
        let mut x: u64 = 0x5eed_1234;
        let mut next = move || {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let seed_view = ViewState {
            hidden: vec![Metric::HeapTotal],
            zoom: Some((1.0, 9.0)),
            issue: Some(1),
            limits: BTreeMap::new(),
            time_axis: true,
            compare: Some(true),
            ..ViewState::default()
        }
        .encode();
        let framed = frame(&[
            ("a.json".into(), b"[1,2]".to_vec()),
            ("b".into(), vec![0, 1]),
        ]);
        let pieces: [&[u8]; 8] = [
            b"&",
            b"=",
            b"d=",
            b"k=",
            b"%",
            b"\0",
            b"99999999999999999999",
            b"-",
        ];
        let mut mutate = |bytes: &mut Vec<u8>| {
            for _ in 0..1 + next() % 4 {
                let at = (next() as usize) % (bytes.len() + 1);
                match next() % 3 {
                    0 => bytes.insert(at, next() as u8),
                    1 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => {
                        let p = pieces[(next() % 8) as usize];
                        bytes.splice(at..at, p.iter().copied());
                    }
                }
            }
        };
        for _ in 0..execs {
            // A fragment: the seed view, mutated.
            let mut f: Vec<u8> = seed_view.clone().into_bytes();
            mutate(&mut f);
            let text = String::from_utf8_lossy(&f);
            let _ = ViewState::decode(&text);
            let _ = fragment_data(&text);
            let _ = from_text(&text);
            // Framed bytes, mutated.
            let mut raw = framed.clone();
            mutate(&mut raw);
            let _ = unframe(&raw);
        }
        assert_eq!(unframe(&framed).unwrap()[0].1, b"[1,2]");
    }
}
