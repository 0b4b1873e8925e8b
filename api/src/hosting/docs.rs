//! The spec at `/api/openapi.json` and a readable page at `/api/docs` that works offline: it is
//! one self-contained HTML file rendering the spec in the browser, nothing fetched from a CDN.

use actix_web::{web, HttpResponse};

/// The generated spec, serialised once at start.
pub struct SpecJson(pub String);

const DOCS_HTML: &str = include_str!("docs.html");

pub async fn openapi_json(spec: web::Data<SpecJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("cache-control", "no-cache"))
        .body(spec.0.clone())
}

pub async fn docs_page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("content-security-policy", super::csp::for_html(DOCS_HTML)))
        .body(DOCS_HTML)
}
