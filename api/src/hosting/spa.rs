//! Serves the web app: from the configured dist folder on disk, or, in a binary built with
//! `embed-web` and no folder configured, only from the files embedded in the binary; with an
//! `index.html` fallback for client routes. scripts/build-web names assets by content hash, so those are cached
//! for a year; `index.html` is revalidated every time. When the build left `.br`/`.gz` siblings,
//! they are sent to clients that accept them. Until the app is built, a small page points at the
//! API docs.
//!
//! Everything here answers without signing in, so the request path is treated as hostile: it is
//! parsed into plain name segments (no empty, dot, encoded-separator, backslash or control
//! segments), and a file on disk is served only when its canonical path, symlinks resolved, lies
//! inside the canonical dist folder. Files are streamed, never read whole.

use std::path::{Path, PathBuf};

use actix_files::NamedFile;
use actix_web::http::header::{self, ContentEncoding, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

use super::csp;
use crate::error::AppError;

const PLACEHOLDER: &str = include_str!("placeholder.html");
/// Longer paths than this are no file of ours (the build's names are under 60 bytes).
const MAX_PATH_BYTES: usize = 512;

/// Where the app's files come from: a folder on disk, when configured (or, in a build without
/// `embed-web`, the default `./web/dist`); otherwise the embedded copy.
pub struct DistDir(pub Option<PathBuf>);

#[cfg(feature = "embed-web")]
#[derive(rust_embed::RustEmbed)]
#[folder = "../web/dist"]
struct Embedded;

/// The request tail as plain file-name segments, or `None` when it is anything else: an absolute
/// or doubled slash, `.`/`..` or any dot-file, a backslash, a percent sign (an encoded separator
/// the router left encoded), NUL or another control character, a drive colon, or a very long path.
pub fn safe_segments(tail: &str) -> Option<Vec<&str>> {
    if tail.is_empty() {
        return Some(Vec::new());
    }
    if tail.len() > MAX_PATH_BYTES
        || tail
            .bytes()
            .any(|b| b < 0x20 || b == 0x7f || matches!(b, b'\\' | b'%' | b':'))
    {
        return None;
    }
    let segs: Vec<&str> = tail.split('/').collect();
    segs.iter()
        .all(|s| !s.is_empty() && !s.starts_with('.'))
        .then_some(segs)
}

/// A file of the app on disk, proven to lie inside `root` after symlinks and `..` are resolved.
fn on_disk(root: &Path, segs: &[&str]) -> Option<PathBuf> {
    let root = root.canonicalize().ok()?;
    let mut p = root.clone();
    for s in segs {
        p.push(s);
    }
    let real = p.canonicalize().ok()?;
    (real.starts_with(&root) && real.is_file()).then_some(real)
}

/// Whether a file carries the build's content hash: in its name (`name-0123abcd….ext`) or in the
/// folder it sits in (`app-0123abcd…/chunk.wasm`, the split app's modules, which refer to each
/// other by fixed relative names).
fn is_hashed(path: &str) -> bool {
    let mut segs = path.rsplit('/');
    let file = segs.next().unwrap_or(path);
    let stem = file.split('.').next().unwrap_or(file);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    has_hash(stem) || segs.any(has_hash)
}

/// `name-<hex>` with at least 8 hex digits.
fn has_hash(name: &str) -> bool {
    name.rsplit_once('-')
        .is_some_and(|(_, h)| h.len() >= 8 && h.chars().all(|c| c.is_ascii_hexdigit()))
}

fn accepts(req: &HttpRequest, encoding: &str) -> bool {
    req.headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|e| e.trim().split(';').next() == Some(encoding))
        })
}

fn cache_rule(path: &str) -> &'static str {
    if is_hashed(path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// An asset (never `index.html`, which `index` serves with its policy), pre-compressed when the
/// client accepts it.
async fn asset(req: &HttpRequest, dist: &DistDir, segs: &[&str]) -> Option<HttpResponse> {
    let path = segs.join("/");
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    let cache = cache_rule(&path);
    let variants = [
        ("br", ContentEncoding::Brotli),
        ("gzip", ContentEncoding::Gzip),
    ];
    if let Some(root) = &dist.0 {
        for (enc, ce) in variants {
            if !accepts(req, enc) {
                continue;
            }
            let ext = if enc == "br" { "br" } else { "gz" };
            let mut v = segs.to_vec();
            let last = format!("{}.{ext}", segs.last()?);
            v.pop();
            v.push(&last);
            if let Some(file) = on_disk(root, &v) {
                if let Ok(f) = NamedFile::open_async(&file).await {
                    return Some(streamed(req, f, mime.clone(), Some(ce), cache));
                }
            }
        }
        let file = on_disk(root, segs)?;
        let f = NamedFile::open_async(&file).await.ok()?;
        return Some(streamed(req, f, mime, None, cache));
    }
    embedded_asset(req, &path, mime, cache)
}

fn streamed(
    req: &HttpRequest,
    f: NamedFile,
    mime: mime_guess::Mime,
    encoding: Option<ContentEncoding>,
    cache: &'static str,
) -> HttpResponse {
    let mut f = f.set_content_type(mime).disable_content_disposition();
    if let Some(e) = encoding {
        f = f.set_content_encoding(e);
    }
    let mut res = f.into_response(req);
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    res
}

#[cfg(feature = "embed-web")]
fn embedded(path: &str) -> Option<std::borrow::Cow<'static, [u8]>> {
    Embedded::get(path).map(|f| f.data)
}

#[cfg(not(feature = "embed-web"))]
fn embedded(_path: &str) -> Option<std::borrow::Cow<'static, [u8]>> {
    None
}

fn body_of(data: std::borrow::Cow<'static, [u8]>) -> web::Bytes {
    match data {
        std::borrow::Cow::Borrowed(b) => web::Bytes::from_static(b),
        std::borrow::Cow::Owned(v) => web::Bytes::from(v),
    }
}

fn embedded_asset(
    req: &HttpRequest,
    path: &str,
    mime: mime_guess::Mime,
    cache: &'static str,
) -> Option<HttpResponse> {
    let mut found = None;
    for (enc, ext) in [("br", "br"), ("gzip", "gz")] {
        if accepts(req, enc) {
            if let Some(d) = embedded(&format!("{path}.{ext}")) {
                found = Some((d, Some(enc)));
                break;
            }
        }
    }
    let (data, enc) = match found {
        Some(f) => f,
        None => (embedded(path)?, None),
    };
    let mut b = HttpResponse::Ok();
    b.content_type(mime.as_ref())
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::CACHE_CONTROL, cache));
    if let Some(e) = enc {
        b.insert_header((header::CONTENT_ENCODING, e));
    }
    Some(b.body(body_of(data)))
}

/// The app's `index.html` (or the placeholder), with a Content-Security-Policy that allows its own
/// inline blocks by hash. Small, so read whole; the compression middleware encodes it.
async fn index(dist: &DistDir, state: &crate::state::AppState) -> HttpResponse {
    let html: Option<String> = match &dist.0 {
        Some(root) => match on_disk(root, &["index.html"]) {
            Some(p) => tokio::fs::read_to_string(p).await.ok(),
            None => None,
        },
        None => embedded("index.html").and_then(|d| String::from_utf8(d.into_owned()).ok()),
    };
    let html = html.unwrap_or_else(|| PLACEHOLDER.to_owned());
    let tiles = state.tiles.get(&state.read).await;
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            csp::for_html_with_images(&html, tiles.as_deref()),
        ))
        .body(html)
}

pub async fn serve(
    req: HttpRequest,
    dist: web::Data<DistDir>,
    allowed: web::Data<super::allowed::AllowedMethods>,
    state: web::Data<crate::state::AppState>,
) -> HttpResponse {
    let tail = req.match_info().query("tail").to_owned();
    let Some(segs) = safe_segments(&tail) else {
        return actix_web::ResponseError::error_response(&AppError::not_found());
    };
    // API paths are not the app's: a GET here means no GET endpoint has this path (404), or the
    // path exists for other methods (405) — `/oauth/token` as much as `/api/…`.
    if matches!(segs.first(), Some(&"api" | &"oauth")) || allowed.for_path(req.path()).is_some() {
        return allowed.refuse(req.path());
    }
    if segs.is_empty() || segs == ["index.html"] {
        return index(&dist, &state).await;
    }
    if let Some(mut res) = asset(&req, &dist, &segs).await {
        if segs == ["sw.js"] {
            res.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(csp::WORKER_POLICY),
            );
        }
        return res;
    }
    // Client routes (`/customers/…`) get the app's index page.
    index(&dist, &state).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_recognised() {
        assert!(is_hashed("kaidan-web-3f2a9c1b0d4e5f67_bg.wasm"));
        assert!(is_hashed("kaidan-web-3f2a9c1b0d4e5f67.js"));
        assert!(is_hashed("style-0a1b2c3d4e5f6789.css"));
        assert!(!is_hashed("index.html"));
        assert!(!is_hashed("kaidan-web.js"));
        assert!(is_hashed("app-3f2a9c1b0d4e5f67/kaidan-web_bg.wasm"));
        assert!(is_hashed("app-3f2a9c1b0d4e5f67/__wasm_split.js"));
        assert!(!is_hashed("app/__wasm_split.js"));
        assert!(!is_hashed("app-latest/kaidan-web.js"));
    }

    #[test]
    fn only_plain_relative_names_pass() {
        assert_eq!(safe_segments("").unwrap(), Vec::<&str>::new());
        assert_eq!(
            safe_segments("customers/123").unwrap(),
            vec!["customers", "123"]
        );
        for bad in [
            "/etc/passwd",
            "a//b",
            "a/",
            "../x",
            "a/../../x",
            ".env",
            "a/.git/config",
            "..%2fx",
            "%2e%2e/x",
            "a\\..\\b",
            "c:/windows",
            "a\0b",
            "a\nb",
        ] {
            assert!(safe_segments(bad).is_none(), "{bad:?} must be refused");
        }
        assert!(safe_segments(&"a/".repeat(300)).is_none());
    }

    #[test]
    fn a_symlink_out_of_the_folder_is_not_served() {
        let dir = tempfile_dir();
        let dist = dir.join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(dir.join("secret.pem"), "KEY").unwrap();
        std::fs::write(dist.join("app.js"), "ok").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("secret.pem"), dist.join("leak.js")).unwrap();
        assert!(on_disk(&dist, &["app.js"]).is_some());
        assert!(on_disk(&dist, &["leak.js"]).is_none());
        assert!(on_disk(&dist, &["missing.js"]).is_none());
        std::fs::remove_dir_all(dir).ok();
    }

    fn tempfile_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("kaidan-spa-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
