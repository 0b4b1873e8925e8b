//! Cross-cutting request handling: request ids, metrics, security headers, idempotency.

use std::time::Instant;

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, HttpResponse, ResponseError};
use hmac::{Hmac, Mac};
use kaidan_shared::ErrorCode;
use sha2::Sha256;

use crate::auth::extractor::authenticate;
use crate::error::AppError;
use crate::extract::client_addr;
use crate::extract::request_id::{RequestId, REQUEST_ID};
use crate::hosting::csp;
use crate::services::idempotency::{self, Begin, Stored};
use crate::state::AppState;

/// Gives every request an id (or keeps a sane one from the client), logs it, counts it.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    if let Some(s) = &state {
        client_addr::remember(&req, &s.settings.server.trusted_proxies);
    }
    let metrics = state.map(|s| s.metrics.clone());
    let method = req.method().clone();
    let pattern = req.match_pattern();
    let path = req.path().to_owned();
    let start = Instant::now();
    let mut res = next.call(req).await?.map_into_boxed_body();
    let elapsed = start.elapsed();
    let status = res.status();
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID), v);
    }
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(csp::PERMISSIONS_POLICY),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    // HTML pages bring their own policy (with their inline hashes); nothing else may load a thing.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp::API_POLICY),
        );
    }
    if let Some(m) = metrics {
        let route = res
            .request()
            .match_pattern()
            .or(pattern)
            .unwrap_or_else(|| "unmatched".into());
        // Route templates only: a raw path (or the SPA's tail) must never become a label.
        m.observe(method.as_str(), &route, status.as_u16(), elapsed);
    }
    if status.is_server_error() {
        tracing::warn!(request_id = %id, %method, %path, status = status.as_u16(), ms = elapsed.as_millis() as u64, "request failed");
    } else {
        tracing::debug!(request_id = %id, %method, %path, status = status.as_u16(), ms = elapsed.as_millis() as u64, "request");
    }
    Ok(res)
}

/// Every JSON body the API takes is an object. serde would read a JSON array into a struct
/// field by field (`["x"]` as `{"name": "x"}`, `[null]` as `{}`), so arrays and other non-objects
/// are refused here, once for every endpoint, before any handler sees them.
pub async fn json_bodies_are_objects(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        // The media type only: a multipart boundary may contain anything, "json" included.
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().to_ascii_lowercase().contains("json"))
        });
    let has_body = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH);
    if !(is_json && has_body) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let body = match req.extract::<web::Bytes>().await {
        Ok(b) => b,
        Err(e) => return Ok(req.into_response(e.error_response()).map_into_boxed_body()),
    };
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{') {
        let e = AppError::new(ErrorCode::BadRequest).with_detail("the body must be a JSON object");
        return Ok(req.into_response(e.error_response()));
    }
    req.set_payload(actix_web::dev::Payload::from(body));
    Ok(next.call(req).await?.map_into_boxed_body())
}

const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The `boundary` parameter of a multipart content type.
fn multipart_boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// `body` cut at every occurrence of `sep` (which is left out), in linear time.
fn split_on<'a>(body: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for at in memchr::memmem::find_iter(body, sep) {
        // Occurrences do not overlap what was cut already.
        if at >= start {
            pieces.push(&body[start..at]);
            start = at + sep.len();
        }
    }
    pieces.push(&body[start..]);
    pieces
}

/// The whole body, refused with 413 past `limit` bytes.
async fn read_payload(req: &mut ServiceRequest, limit: usize) -> Result<web::Bytes, AppError> {
    use futures_util::StreamExt;
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::new(ErrorCode::BadRequest).with_detail(format!("reading the body: {e}"))
        })?;
        if body.len() + chunk.len() > limit {
            return Err(crate::images::too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Operations that answer with tokens or secrets: they never take `Idempotency-Key`, so no
/// token is ever written to the idempotency store (sign-in, refresh, logout, password change).
fn takes_no_idempotency_key(path: &str) -> bool {
    path.starts_with("/api/v1/auth/") || path == "/api/v1/me/password"
}

/// Whether a response must not be kept anywhere (`Cache-Control: no-store`).
fn is_no_store(headers: &actix_web::http::header::HeaderMap) -> bool {
    headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|d| d.trim().eq_ignore_ascii_case("no-store"))
        })
}

/// Replays the first successful answer to a POST retried with the same `Idempotency-Key`.
/// Keys are per caller; the caller is authenticated exactly as a fresh request would be (active
/// user, live session) before anything is replayed, and requests that fail that pass through to
/// be refused by the handler. Answers marked `no-store` are never kept.
pub async fn idempotency(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let key = match (
        req.method() == Method::POST && !takes_no_idempotency_key(req.path()),
        req.headers().get(IDEMPOTENCY_KEY),
    ) {
        (true, Some(v)) => v.to_str().ok().map(str::to_owned),
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    let Some(key) = key.filter(|k| idempotency::key_is_valid(k)) else {
        let e = AppError::new(ErrorCode::BadRequest)
            .with_detail("Idempotency-Key must be 1–255 visible ASCII characters");
        return Ok(req.into_response(e.error_response()));
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let Ok(actor) = authenticate(&state, req.request()).await else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let user_id = actor.user_id;
    let mut req = req;
    // A photo (multipart) may be larger than any JSON body: its own limit, plus the parts' headers.
    // Only a photo upload may send a body larger than a JSON one.
    let boundary = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.to_ascii_lowercase().starts_with("multipart/"))
        .filter(|_| req.path().ends_with("/photos"))
        .map(|v| multipart_boundary(v).unwrap_or_default());
    if boundary.as_ref().is_some_and(|b| b.len() > 70) {
        let e = AppError::new(ErrorCode::BadRequest)
            .with_detail("a multipart boundary is at most 70 characters (RFC 2046)");
        return Ok(req.into_response(e.error_response()));
    }
    let multipart = boundary.is_some();
    let body = if multipart {
        let limit = state.settings.storage.max_upload_bytes + 64 * 1024;
        match read_payload(&mut req, limit).await {
            Ok(b) => b,
            Err(e) => return Ok(req.into_response(e.error_response())),
        }
    } else {
        match req.extract::<web::Bytes>().await {
            Ok(b) => b,
            Err(e) => return Ok(req.into_response(e.error_response()).map_into_boxed_body()),
        }
    };
    // Keyed (HMAC), not a plain hash: a body may hold a password (a new user's, a reset).
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&state.keys.request_mac_key) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    mac.update(req.method().as_str().as_bytes());
    mac.update(b"\n");
    mac.update(req.uri().to_string().as_bytes());
    mac.update(b"\n");
    match boundary.as_deref().filter(|b| !b.is_empty()) {
        // Each send of a form picks a new random boundary: the same photo sent again must be the
        // same request, so the boundary is left out of what is compared.
        Some(b) => {
            for piece in split_on(&body, b.as_bytes()) {
                mac.update(piece);
                mac.update(b"\0--\0");
            }
        }
        None => mac.update(&body),
    }
    let hash: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    req.set_payload(actix_web::dev::Payload::from(body));
    match idempotency::begin(&state.db, user_id, &key, &hash).await {
        Err(e) => return Ok(req.into_response(e.error_response())),
        Ok(Begin::Replay(stored)) => {
            let mut b =
                HttpResponse::build(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK));
            for (k, v) in &stored.headers {
                b.insert_header((k.as_str(), v.as_str()));
            }
            b.insert_header(("idempotent-replayed", "true"));
            return Ok(req.into_response(b.body(stored.body)));
        }
        Ok(Begin::Fresh) => {}
    }
    let res = next.call(req).await?;
    let status = res.status();
    if !status.is_success() || is_no_store(res.headers()) {
        if let Err(e) = idempotency::abandon(&state.db, user_id, &key).await {
            tracing::error!(error = ?e, "could not release an idempotency key");
        }
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = match to_bytes(body).await {
        Ok(b) => b,
        Err(_) => {
            let e = AppError::internal(anyhow::anyhow!("response body could not be read"));
            return Ok(ServiceResponse::new(req, e.error_response()));
        }
    };
    let keep = [header::CONTENT_TYPE, header::ETAG, header::LOCATION];
    let headers = keep
        .iter()
        .filter_map(|k| {
            head.headers()
                .get(k)
                .and_then(|v| v.to_str().ok())
                .map(|v| (k.to_string(), v.to_owned()))
        })
        .collect();
    let stored = Stored {
        status: status.as_u16(),
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    };
    if let Err(e) = idempotency::complete(&state.db, user_id, &key, stored).await {
        tracing::error!(error = ?e, "could not store an idempotent response");
    }
    let res = head.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(req, res))
}
