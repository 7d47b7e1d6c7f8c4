//! The viewer's static files (trunk's `dist/`): embedded in the binary when
//! it was built with `LEAKLENS_EMBED_VIEWER`, or read from a folder at start.
//!
//! Files are served from memory with their type, an ETag, and cache headers:
//! trunk's hashed assets (`name-<hash>.wasm`) are immutable for a year, the
//! rest (index.html, samples) is revalidated on every load.

use std::collections::BTreeMap;
use std::path::Path;

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

static EMBEDDED: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/viewer_assets.rs"));

/// One file of the viewer.
#[derive(Debug, Clone)]
pub struct Asset {
    pub bytes: Bytes,
    mime: HeaderValue,
    etag: HeaderValue,
    immutable: bool,
}

/// The viewer's files by path relative to its root (`index.html`, `samples/x.json`).
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    files: BTreeMap<String, Asset>,
}

/// The content type of a file by its extension; text in UTF-8 (what
/// trunk writes). NDJSON, which the table does not know, is the samples'
/// own type.
fn mime_of(path: &str) -> HeaderValue {
    if path.ends_with(".ndjson") {
        return HeaderValue::from_static(leaklens_protocol::NDJSON_TYPE);
    }
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let value = if mime.type_() == mime_guess::mime::TEXT && mime.get_param("charset").is_none() {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("application/octet-stream"))
}

/// trunk names hashed assets `stem-<16 hex>.ext` or `stem-<16 hex>_bg.wasm`.
fn is_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.split('.').next().unwrap_or(file);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, h)| h.len() >= 12 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl Viewer {
    fn insert(&mut self, path: String, bytes: Bytes) {
        let digest = Sha256::digest(&bytes);
        let tag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        let asset = Asset {
            mime: mime_of(&path),
            // Weak: the same content may go out br, gzip or plain.
            etag: HeaderValue::from_str(&format!("W/\"{tag}\"")).expect("hex is a valid header"),
            immutable: is_hashed(&path),
            bytes,
        };
        self.files.insert(path, asset);
    }

    /// The viewer built into this binary, if it was built with one.
    pub fn embedded() -> Option<Viewer> {
        if EMBEDDED.is_empty() {
            return None;
        }
        let mut v = Viewer::default();
        for (path, bytes) in EMBEDDED {
            v.insert(path.to_string(), Bytes::from_static(bytes));
        }
        Some(v)
    }

    /// Reads a built viewer folder (it must hold `index.html`).
    pub fn from_dir(dir: &Path) -> std::io::Result<Viewer> {
        if !dir.join("index.html").is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} has no index.html", dir.display()),
            ));
        }
        let mut v = Viewer::default();
        for (rel, path) in crate::tree::files_under(dir)? {
            v.insert(rel, Bytes::from(std::fs::read(&path)?));
        }
        Ok(v)
    }

    pub fn index_html(&self) -> Option<&str> {
        self.files
            .get("index.html")
            .and_then(|a| std::str::from_utf8(&a.bytes).ok())
    }

    /// Every file, by relative path (for writing a static site).
    pub fn files(&self) -> impl Iterator<Item = (&str, &Bytes)> {
        self.files.iter().map(|(p, a)| (p.as_str(), &a.bytes))
    }

    /// Answers a GET/HEAD for `uri` from memory (lookups only: no path ever
    /// reaches the file system, so traversal is impossible).
    pub fn respond(&self, method: &Method, uri: &Uri, headers: &HeaderMap) -> Response {
        if method != Method::GET && method != Method::HEAD {
            return (
                StatusCode::METHOD_NOT_ALLOWED,
                [(axum::http::header::ALLOW, "GET, HEAD")],
            )
                .into_response();
        }
        let path = uri.path().trim_start_matches('/');
        let path = if path.is_empty() || path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path.to_string()
        };
        let Some(asset) = self.files.get(&path) else {
            return (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "not found\n",
            )
                .into_response();
        };
        let cache = if asset.immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        let fresh = headers
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| v.as_bytes() == asset.etag.as_bytes());
        let mut resp = if fresh {
            StatusCode::NOT_MODIFIED.into_response()
        } else if method == Method::HEAD {
            let mut r = StatusCode::OK.into_response();
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(asset.bytes.len()));
            r
        } else {
            (StatusCode::OK, asset.bytes.clone()).into_response()
        };
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, asset.mime.clone());
        h.insert(header::ETAG, asset.etag.clone());
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_assets_are_recognised() {
        assert!(is_hashed("leaklens-web-48c1b6cec9091b0_bg.wasm"));
        assert!(is_hashed("leaklens-web-48c1b6cec9091b0.js"));
        assert!(is_hashed("style-968be366f549180c.css"));
        assert!(!is_hashed("index.html"));
        assert!(!is_hashed("samples/leak-heap-steps.json"));
        assert!(!is_hashed("samples/no-leak-stable-gc.ndjson"));
    }

    #[test]
    fn content_types_of_the_viewers_files() {
        for (path, want) in [
            ("index.html", "text/html; charset=utf-8"),
            (
                "leaklens-web-48c1b6cec9091b0.js",
                "text/javascript; charset=utf-8",
            ),
            ("leaklens-web-48c1b6cec9091b0_bg.wasm", "application/wasm"),
            ("style-968be366f549180c.css", "text/css; charset=utf-8"),
            ("samples/leak-heap-steps.json", "application/json"),
            ("samples/no-leak-stable-gc.ndjson", "application/x-ndjson"),
            (
                "samples/leak-unclosed-pages.log",
                "text/plain; charset=utf-8",
            ),
            ("favicon.svg", "image/svg+xml"),
            ("no-extension", "application/octet-stream"),
        ] {
            assert_eq!(mime_of(path), want, "{path}");
        }
    }

    #[test]
    fn serves_index_with_etag_and_revalidation() {
        let mut v = Viewer::default();
        v.insert("index.html".into(), Bytes::from_static(b"<html></html>"));
        v.insert("app-0123456789abcdef.js".into(), Bytes::from_static(b"x"));
        let r = v.respond(&Method::GET, &"/".parse().unwrap(), &HeaderMap::new());
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-cache");
        let etag = r.headers()[header::ETAG].clone();
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, etag);
        let r = v.respond(&Method::GET, &"/index.html".parse().unwrap(), &h);
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        let r = v.respond(
            &Method::GET,
            &"/app-0123456789abcdef.js".parse().unwrap(),
            &HeaderMap::new(),
        );
        assert!(r.headers()[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable"));
        let r = v.respond(
            &Method::GET,
            &"/../etc/passwd".parse().unwrap(),
            &HeaderMap::new(),
        );
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = v.respond(&Method::POST, &"/".parse().unwrap(), &HeaderMap::new());
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(r.headers()[header::ALLOW], "GET, HEAD");
    }
}
