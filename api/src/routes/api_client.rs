//! 开放平台 · 应用: admins register the systems that call the API with client credentials.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use kaidan_shared::api_client::{
    ApiClient, ApiClientCreate, ApiClientRotate, ApiClientSecret, ApiClientUpdate,
};
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::extract::if_match::IfMatchHeader;
use crate::routes::{json_with_etag, no_store, IfMatch};
use crate::services::api_client as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_api_clients)
        .service(create_api_client)
        .service(get_api_client)
        .service(update_api_client)
        .service(rotate_api_client_secret);
}

/// Every registered API client (admin), by name.
#[utoipa::path(
    tag = "api-clients", security(("bearer" = [])),
    responses(
        (status = 200, description = "The clients", body = Vec<ApiClient>),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api-clients")]
pub async fn list_api_clients(
    state: web::Data<AppState>,
    user: AuthUser,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::list(&state.read, &user.0).await?))
}

/// Register an API client (admin).
///
/// The client is placed in the org like a user: `team_id` (its team's records), `region_id`
/// (its region's) or neither (the whole company); its token's `scopes` then say what it may do
/// there. The answer carries `client_secret` this once; only a hash is kept.
#[utoipa::path(
    tag = "api-clients", security(("bearer" = [])), request_body = ApiClientCreate,
    responses(
        (status = 201, description = "Registered; keep the secret now", body = ApiClientSecret, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api-clients")]
pub async fn create_api_client(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<ApiClientCreate>,
) -> AppResult<HttpResponse> {
    let c = service::create(&state, &user.0, body.into_inner()).await?;
    let version = c.client.version;
    Ok(no_store(json_with_etag(StatusCode::CREATED, &c, version)))
}

/// One API client (admin).
#[utoipa::path(
    tag = "api-clients", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The client", body = ApiClient, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api-clients/{id}")]
pub async fn get_api_client(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let c = service::get(&state.read, &user.0, *id).await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.version))
}

/// Change an API client (admin): name, scopes, place, addresses, rate, or `disabled`. Its
/// tokens follow at once: a disabled client's stop working, a removed scope stops counting.
#[utoipa::path(
    tag = "api-clients", security(("bearer" = [])), request_body = ApiClientUpdate,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Updated", body = ApiClient, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api-clients/{id}")]
pub async fn update_api_client(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<ApiClientUpdate>,
) -> AppResult<HttpResponse> {
    let c = service::update(&state, &user.0, *id, if_match.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.version))
}

/// Rotate an API client's secret (admin). The new secret is answered this once; the old one —
/// and the tokens issued with it — keep working for `grace_hours` (default 24), then stop.
#[utoipa::path(
    tag = "api-clients", security(("bearer" = [])), request_body = ApiClientRotate,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Rotated; keep the new secret now", body = ApiClientSecret, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api-clients/{id}/rotate-secret")]
pub async fn rotate_api_client_secret(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<ApiClientRotate>,
) -> AppResult<HttpResponse> {
    let c = service::rotate(&state, &user.0, *id, if_match.0, body.into_inner()).await?;
    let version = c.client.version;
    Ok(no_store(json_with_etag(StatusCode::OK, &c, version)))
}
