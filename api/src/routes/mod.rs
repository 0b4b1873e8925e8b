//! HTTP handlers, one file per resource: extract → call a service (which applies the policy) →
//! map to the response. Registered with `.service()` so utoipa-actix-web puts them in the spec.

pub mod allowed;
pub mod audit;
pub mod auth;
pub mod contacts;
pub mod csp;
pub mod customers;
pub mod docs;
pub mod health;
pub mod org;
pub mod spa;
pub mod users;

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use kaidan_shared::ErrorCode;
use serde::Serialize;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::AppError;

/// All `/api/v1` routes.
pub fn api_v1() -> utoipa_actix_web::scope::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    utoipa_actix_web::scope("/api/v1")
        .configure(auth::configure)
        .configure(org::configure)
        .configure(users::configure)
        .configure(customers::configure)
        .configure(contacts::configure)
        .configure(audit::configure)
}

/// Routes outside `/api/v1` that still belong in the spec.
pub fn root(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(auth::jwks);
}

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
