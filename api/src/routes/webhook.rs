//! 开放平台 · 事件推送: admins subscribe API clients to events, and read and retry deliveries.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use kaidan_shared::page::Page;
use kaidan_shared::webhook::{
    Webhook, WebhookCreate, WebhookDelivery, WebhookDeliveryQuery, WebhookSecret, WebhookUpdate,
};
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::extract::if_match::IfMatchHeader;
use crate::routes::{json_with_etag, no_store, IfMatch};
use crate::services::webhook as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(rotate_webhook_secret)
        .service(list_webhook_deliveries)
        .service(redeliver_webhook);
}

/// Every webhook subscription (admin).
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])),
    responses(
        (status = 200, description = "The subscriptions", body = Vec<Webhook>),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::list(&state.read, &user.0).await?))
}

/// Subscribe an API client to events (admin).
///
/// Each event is POSTed to `url` as JSON (`WebhookPayload`), signed the Standard Webhooks way:
/// headers `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,` + base64
/// HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed by the secret after `whsec_`). The client's
/// place and scopes decide what is sent: an event needs the scope that reads its record, and a
/// record outside the client's place is never sent. The answer carries `secret` this once.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])), request_body = WebhookCreate,
    responses(
        (status = 201, description = "Subscribed; keep the secret now", body = WebhookSecret, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<WebhookCreate>,
) -> AppResult<HttpResponse> {
    let w = service::create(&state.db, &user.0, body.into_inner()).await?;
    let version = w.webhook.version;
    Ok(no_store(json_with_etag(StatusCode::CREATED, &w, version)))
}

/// One webhook subscription (admin).
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The subscription", body = Webhook, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let w = service::get(&state.read, &user.0, *id).await?;
    Ok(json_with_etag(StatusCode::OK, &w, w.version))
}

/// Change a subscription (admin): target, events, description, private targets, or
/// `disabled`. Deliveries wait while it is disabled and go when it is enabled again.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])), request_body = WebhookUpdate,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Updated", body = Webhook, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<WebhookUpdate>,
) -> AppResult<HttpResponse> {
    let w = service::update(&state.db, &user.0, *id, if_match.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &w, w.version))
}

/// Rotate a subscription's signing secret (admin). For 24 hours each delivery carries two
/// signatures, the new secret's and the old one's, so the receiver can switch when it likes.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])),
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Rotated; keep the new secret now", body = WebhookSecret, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let w = service::rotate(&state.db, &user.0, *id, if_match.0).await?;
    let version = w.webhook.version;
    Ok(no_store(json_with_etag(StatusCode::OK, &w, version)))
}

/// A subscription's deliveries, newest first (admin): the body sent and every attempt with the
/// target's status code, time taken and the start of its answer.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])),
    params(("id" = Uuid, Path), WebhookDeliveryQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = Page<WebhookDelivery>),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    q: web::Query<WebhookDeliveryQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let page = service::deliveries(&state.read, &user.0, *id, q.cursor.as_deref(), q.limit).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Send a delivery again (admin): the same `webhook-id` and body, due at once, with the whole
/// retry schedule again.
#[utoipa::path(
    tag = "webhooks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The delivery's id (from the delivery log)")),
    responses(
        (status = 200, description = "Queued to be sent again", body = WebhookDelivery),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhook-deliveries/{id}/redeliver")]
pub async fn redeliver_webhook(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::redeliver(&state.db, &user.0, *id).await?))
}
