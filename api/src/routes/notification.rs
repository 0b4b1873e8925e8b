use actix_web::{get, post, web, HttpResponse};
use kaidan_shared::notification::{MarkedRead, Notification, NotificationListQuery, UnreadCount};
use kaidan_shared::page::Page;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::services::notification as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_notifications)
        .service(unread_notifications)
        .service(read_notification)
        .service(read_all_notifications);
}

/// Your notifications, newest first (kept 90 days). Each carries facts (`kind`, `data`) rather
/// than sentences, so every reader sees it in their own language.
#[utoipa::path(
    tag = "notifications", security(("bearer" = [])), params(NotificationListQuery),
    responses((status = 200, description = "A page of notifications", body = Page<Notification>))
)]
#[get("/notifications")]
pub async fn list_notifications(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<NotificationListQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::list(&state.read, &user.0, q.into_inner()).await?))
}

/// How many of your notifications are unread (the bell's number), counted up to 100.
#[utoipa::path(
    tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "The unread count", body = UnreadCount))
)]
#[get("/notifications/unread-count")]
pub async fn unread_notifications(
    state: web::Data<AppState>,
    user: AuthUser,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::unread_count(&state.read, &user.0).await?))
}

/// Mark one of your notifications read (marking it again changes nothing).
#[utoipa::path(
    tag = "notifications", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Read", body = Notification))
)]
#[post("/notifications/{id}/read")]
pub async fn read_notification(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::mark_read(&state.db, &user.0, *id).await?))
}

/// Mark all your notifications read.
#[utoipa::path(
    tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "How many were marked", body = MarkedRead))
)]
#[post("/notifications/read-all")]
pub async fn read_all_notifications(
    state: web::Data<AppState>,
    user: AuthUser,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::mark_all_read(&state.db, &user.0).await?))
}
