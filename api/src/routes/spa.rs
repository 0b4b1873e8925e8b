//! Serves the web app: files from `web/dist` with an `index.html` fallback for client routes.
//! Until the SPA is built, a small page points at the API docs.

use std::path::PathBuf;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

const PLACEHOLDER: &str = include_str!("placeholder.html");

pub struct DistDir(pub PathBuf);

pub async fn serve(req: HttpRequest, dist: web::Data<DistDir>) -> actix_web::Result<HttpResponse> {
    let path = req.match_info().query("tail");
    // Refuse path tricks outright; the fallback below would mask them otherwise.
    if path
        .split('/')
        .any(|seg| seg == ".." || seg.starts_with('.'))
    {
        return Ok(HttpResponse::NotFound().finish());
    }
    let index = dist.0.join("index.html");
    let file = dist.0.join(path);
    if !path.is_empty() && file.is_file() {
        let f = actix_files::NamedFile::open_async(&file).await?;
        let mut res = f.into_response(&req);
        // trunk names assets by content hash, so they can be cached for good.
        if path.contains('-') && !path.ends_with(".html") {
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
        }
        return Ok(res);
    }
    // Unknown API paths are not the SPA's: they get the JSON 404 from the default service.
    if path.starts_with("api/") {
        return Ok(actix_web::ResponseError::error_response(
            &crate::error::AppError::not_found(),
        ));
    }
    if index.is_file() {
        let f = actix_files::NamedFile::open_async(&index).await?;
        let mut res = f.into_response(&req);
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-cache"),
        );
        return Ok(res);
    }
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(PLACEHOLDER))
}
