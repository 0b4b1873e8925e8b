//! Serves the web app: `web/dist` from disk (or, in a binary built with `embed-web`, from inside
//! the binary), with an `index.html` fallback for client routes. trunk names assets by content
//! hash, so those are cached for a year; `index.html` is revalidated every time. When the build
//! left `.br`/`.gz` siblings, they are sent to clients that accept them.
//! Until the app is built, a small page points at the API docs.

use std::borrow::Cow;
use std::path::PathBuf;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

const PLACEHOLDER: &str = include_str!("placeholder.html");

pub struct DistDir(pub PathBuf);

#[cfg(feature = "embed-web")]
#[derive(rust_embed::RustEmbed)]
#[folder = "../web/dist"]
struct Embedded;

/// A file of the built app, from disk first, then from the binary.
fn read(dist: &DistDir, path: &str) -> Option<Cow<'static, [u8]>> {
    let file = dist.0.join(path);
    if file.is_file() {
        return std::fs::read(file).ok().map(Cow::Owned);
    }
    #[cfg(feature = "embed-web")]
    if let Some(f) = Embedded::get(path) {
        return Some(f.data);
    }
    None
}

/// Whether a file name carries trunk's content hash (`name-0123abcd….ext`).
fn is_hashed(path: &str) -> bool {
    let stem = path.rsplit('/').next().unwrap_or(path);
    let stem = stem.split('.').next().unwrap_or(stem);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
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

fn file_response(req: &HttpRequest, dist: &DistDir, path: &str) -> Option<HttpResponse> {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let cache = if is_hashed(path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    for (enc, ext) in [("br", "br"), ("gzip", "gz")] {
        if accepts(req, enc) {
            if let Some(body) = read(dist, &format!("{path}.{ext}")) {
                return Some(
                    HttpResponse::Ok()
                        .content_type(mime.as_ref())
                        .insert_header((header::CONTENT_ENCODING, HeaderValue::from_static(enc)))
                        .insert_header((header::VARY, "Accept-Encoding"))
                        .insert_header((header::CACHE_CONTROL, cache))
                        .body(body.into_owned()),
                );
            }
        }
    }
    let body = read(dist, path)?;
    Some(
        HttpResponse::Ok()
            .content_type(mime.as_ref())
            .insert_header((header::VARY, "Accept-Encoding"))
            .insert_header((header::CACHE_CONTROL, cache))
            .body(body.into_owned()),
    )
}

pub async fn serve(
    req: HttpRequest,
    dist: web::Data<DistDir>,
    allowed: web::Data<super::allowed::AllowedMethods>,
) -> HttpResponse {
    let path = req.match_info().query("tail").to_owned();
    // Refuse path tricks outright; the fallback below would mask them otherwise.
    if path
        .split('/')
        .any(|seg| seg == ".." || seg.starts_with('.'))
    {
        return actix_web::ResponseError::error_response(&crate::error::AppError::not_found());
    }
    // API paths are not the app's: a GET here means no GET endpoint has this path (404), or the
    // path exists for other methods (405).
    if path.starts_with("api/") || path == "api" {
        return allowed.refuse(req.path());
    }
    if !path.is_empty() {
        if let Some(res) = file_response(&req, &dist, &path) {
            return res;
        }
    }
    // Client routes (`/customers/…`) get the app's index page.
    file_response(&req, &dist, "index.html").unwrap_or_else(|| {
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(PLACEHOLDER)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_hashed_names_are_recognised() {
        assert!(is_hashed("kaidan-web-3f2a9c1b0d4e5f67_bg.wasm"));
        assert!(is_hashed("kaidan-web-3f2a9c1b0d4e5f67.js"));
        assert!(is_hashed("style-0a1b2c3d4e5f6789.css"));
        assert!(!is_hashed("index.html"));
        assert!(!is_hashed("kaidan-web.js"));
    }
}
