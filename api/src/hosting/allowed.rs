//! Which methods each API path accepts, read from the OpenAPI spec (so it cannot drift from the
//! registered handlers). Lets a wrong method on a known path answer 405 with `Allow` instead of 404.

use actix_web::http::header;
use actix_web::HttpResponse;
use kaidan_shared::ErrorCode;

use crate::error::AppError;

enum Segment {
    Literal(String),
    Param,
}

pub struct AllowedMethods(Vec<(Vec<Segment>, Vec<String>)>);

impl AllowedMethods {
    pub fn from_spec(spec: &utoipa::openapi::OpenApi) -> Self {
        let json = serde_json::to_value(spec).unwrap_or_default();
        let mut routes = Vec::new();
        if let Some(paths) = json.get("paths").and_then(|p| p.as_object()) {
            for (path, item) in paths {
                let segments = path
                    .trim_matches('/')
                    .split('/')
                    .map(|s| {
                        if s.starts_with('{') {
                            Segment::Param
                        } else {
                            Segment::Literal(s.to_owned())
                        }
                    })
                    .collect();
                let methods = item
                    .as_object()
                    .map(|o| {
                        o.keys()
                            .filter(|m| {
                                matches!(m.as_str(), "get" | "post" | "put" | "patch" | "delete")
                            })
                            .map(|m| m.to_uppercase())
                            .collect()
                    })
                    .unwrap_or_default();
                routes.push((segments, methods));
            }
        }
        AllowedMethods(routes)
    }

    /// The methods the path accepts, or `None` when no endpoint has this path.
    pub fn for_path(&self, path: &str) -> Option<Vec<String>> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let mut found: Vec<String> = Vec::new();
        for (segments, methods) in &self.0 {
            let matches = segments.len() == parts.len()
                && segments.iter().zip(&parts).all(|(s, p)| match s {
                    Segment::Literal(l) => l == p,
                    Segment::Param => !p.is_empty(),
                });
            if matches {
                found.extend(methods.iter().cloned());
            }
        }
        found.sort();
        found.dedup();
        (!found.is_empty()).then_some(found)
    }

    /// 405 with `Allow` for a known path, 404 otherwise.
    pub fn refuse(&self, path: &str) -> HttpResponse {
        match self.for_path(path) {
            Some(methods) => method_not_allowed(&methods),
            None => actix_web::ResponseError::error_response(
                &AppError::not_found().with_detail("no such endpoint"),
            ),
        }
    }
}

/// 405 with `Allow` listing `methods`.
pub fn method_not_allowed<S: AsRef<str>>(methods: &[S]) -> HttpResponse {
    let list: Vec<&str> = methods.iter().map(AsRef::as_ref).collect();
    let list = list.join(", ");
    let e =
        AppError::new(ErrorCode::MethodNotAllowed).with_detail(format!("this path accepts {list}"));
    let mut res = actix_web::ResponseError::error_response(&e);
    if let Ok(v) = header::HeaderValue::from_str(&list) {
        res.headers_mut().insert(header::ALLOW, v);
    }
    res
}
