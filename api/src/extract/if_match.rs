//! `If-Match` (optimistic concurrency) and the `ETag` that answers carry.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use kaidan_shared::ErrorCode;
use serde::Serialize;

use crate::error::AppError;

/// The version the client last saw, from `If-Match: "3"` (or `W/"3"`). Required: 428 without.
pub struct IfMatch(pub i64);

/// `If-Match` when the client sent one (POST actions accept it but do not require it).
pub struct OptionalIfMatch(pub Option<i64>);

/// The version a malformed optional `If-Match` stands for: no record ever has it.
const NEVER_MATCHES: i64 = -1;

fn parse_if_match(req: &HttpRequest) -> Result<Option<i64>, AppError> {
    let Some(v) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    // RFC 9110 entity-tag: [W/] DQUOTE etagc DQUOTE; ours hold the version number.
    let s = v.to_str().unwrap_or("").trim();
    let s = s.strip_prefix("W/").unwrap_or(s);
    let inner = s
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    inner
        .and_then(|d| d.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(|| {
            // Malformed is a bad request (400); a well-formed but old version is 412.
            AppError::new(ErrorCode::BadRequest)
                .with_detail("If-Match must be an ETag from this API, like \"3\"")
        })
}

impl FromRequest for IfMatch {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_if_match(req).and_then(|v| {
            v.map(IfMatch).ok_or_else(|| {
                AppError::new(ErrorCode::PreconditionRequired).with_detail(
                    "send If-Match with the ETag you last read, so concurrent edits are not lost",
                )
            })
        }))
    }
}

impl FromRequest for OptionalIfMatch {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // RFC 9110 §13.1.1: an If-Match that names no version of ours can never match, so the
        // action answers 412 (after the scope check, so it leaks nothing) rather than 400.
        ready(Ok(OptionalIfMatch(
            parse_if_match(req).unwrap_or(Some(NEVER_MATCHES)),
        )))
    }
}

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// A JSON response with an `ETag` carrying the record's version.
pub fn json_with_etag<T: Serialize>(status: StatusCode, body: &T, version: i64) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// `If-Match` as the spec documents it, declared once for every versioned write: required on
/// PATCH and DELETE (428 without it, 412 when the version is not current).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatchHeader {
    /// The `ETag` of the version being changed, as last read (`"3"`).
    #[param(rename = "If-Match", pattern = r#"^(W/)?"[0-9]{1,18}"$"#)]
    pub if_match: String,
}

/// `If-Match` on actions that accept but do not require it (412 when it names an old version).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct OptionalIfMatchHeader {
    /// The `ETag` of the version being acted on, when the caller wants the check.
    #[param(
        rename = "If-Match",
        nullable = false,
        pattern = r#"^(W/)?"[0-9]{1,18}"$"#
    )]
    pub if_match: Option<String>,
}
