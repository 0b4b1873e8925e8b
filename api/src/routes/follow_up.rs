use actix_web::http::{header, StatusCode};
use actix_web::{get, patch, post, web, HttpResponse};
use kaidan_shared::audit::{AuditEntry, HistoryQuery};
use kaidan_shared::follow_up::{
    FollowUp, FollowUpCreate, FollowUpDone, FollowUpListQuery, FollowUpSnooze, FollowUpUpdate,
};
use kaidan_shared::page::Page;
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::extract::if_match::{IfMatchHeader, OptionalIfMatchHeader};
use crate::routes::{etag, json_with_etag, IfMatch, OptionalIfMatch};
use crate::services::follow_up as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_follow_ups)
        .service(create_follow_up)
        .service(get_follow_up)
        .service(update_follow_up)
        .service(done_follow_up)
        .service(snooze_follow_up)
        .service(cancel_follow_up)
        .service(reopen_follow_up)
        .service(follow_up_history);
}

/// Follow-up tasks in your scope, earliest due first (or by a custom field): yours, your team's
/// (`overdue=true`: the team's overdue ones), a customer's (`customer_id`) or a deal's.
#[utoipa::path(
    tag = "follow-ups", security(("bearer" = [])), params(FollowUpListQuery),
    responses(
        (status = 200, description = "A page of tasks", body = Page<FollowUp>),
        (status = 400, description = "Bad cursor (`invalid_cursor`) or query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of range, a date outside 2000–2099, an unknown or hidden custom field in `custom` or `custom_sort`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/follow-ups")]
pub async fn list_follow_ups(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<FollowUpListQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(
        service::list(
            &state.read,
            &state.rules,
            &state.plans,
            &user.0,
            q.into_inner(),
            &state.clock,
        )
        .await?,
    ))
}

/// Make a follow-up task for a customer in your scope: its type (`followup_type`), what and
/// when. Supervisors and above may give it to one of their people (`owner_id`). Reminders come
/// 30 minutes before the due time and when it has passed.
#[utoipa::path(
    tag = "follow-ups", security(("bearer" = [])), request_body = FollowUpCreate,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "Retries with the same key create one task")),
    responses(
        (status = 201, description = "Created", body = FollowUp, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Role may not make tasks, or may not give them to others (`field_forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Key in use (`idempotency_in_progress`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/follow-ups")]
pub async fn create_follow_up(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<FollowUpCreate>,
) -> AppResult<HttpResponse> {
    let t = service::create(
        &state.db,
        &state.rules,
        &user.0,
        body.into_inner(),
        &state.clock,
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag(t.version)))
        .insert_header((header::LOCATION, format!("/api/v1/follow-ups/{}", t.id)))
        .json(t))
}

/// One task.
#[utoipa::path(
    tag = "follow-ups", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The task", body = FollowUp, headers(("ETag" = String))))
)]
#[get("/follow-ups/{id}")]
pub async fn get_follow_up(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let t = service::get(&state.read, &state.rules, &user.0, *id, &state.clock).await?;
    Ok(json_with_etag(StatusCode::OK, &t, t.version))
}

/// Change an open task: type, title, due time (its reminders start again), deal, notes.
#[utoipa::path(
    tag = "follow-ups", security(("bearer" = [])), request_body = FollowUpUpdate,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Saved", body = FollowUp, headers(("ETag" = String))),
        (status = 403, description = "Role may not edit tasks", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The task is closed (`conflict`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/follow-ups/{id}")]
pub async fn update_follow_up(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<FollowUpUpdate>,
) -> AppResult<HttpResponse> {
    let t = service::update(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        body.into_inner(),
        &state.clock,
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &t, t.version))
}

/// Mark an open task done, with what came of it. It counts as a follow-up of the customer: the
/// public pool's reclaim clock and the linked deal's stale clock start again.
#[utoipa::path(
    tag = "follow-ups", security(("bearer" = [])), request_body = FollowUpDone,
    params(("id" = Uuid, Path), OptionalIfMatchHeader, ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "A retried send answers the first one's response")),
    responses(
        (status = 200, description = "Done", body = FollowUp, headers(("ETag" = String))),
        (status = 403, description = "Role may not edit tasks", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The task is closed (`conflict`), or key in use (`idempotency_in_progress`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/follow-ups/{id}/done")]
pub async fn done_follow_up(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
    body: web::Json<FollowUpDone>,
) -> AppResult<HttpResponse> {
    let t = service::done(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        body.into_inner(),
        &state.clock,
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &t, t.version))
}

/// Put an open task off until a later time (after now, within a year); its reminders start
/// again.
#[utoipa::path(
    tag = "follow-ups", security(("bearer" = [])), request_body = FollowUpSnooze,
    params(("id" = Uuid, Path), OptionalIfMatchHeader, ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "A retried send answers the first one's response")),
    responses(
        (status = 200, description = "Put off", body = FollowUp, headers(("ETag" = String))),
        (status = 403, description = "Role may not edit tasks", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The task is closed (`conflict`), or key in use (`idempotency_in_progress`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/follow-ups/{id}/snooze")]
pub async fn snooze_follow_up(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
    body: web::Json<FollowUpSnooze>,
) -> AppResult<HttpResponse> {
    let t = service::snooze(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        body.into_inner(),
        &state.clock,
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &t, t.version))
}

/// Call an open task off.
#[utoipa::path(
    tag = "follow-ups", security(("bearer" = [])),
    params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Cancelled", body = FollowUp, headers(("ETag" = String))),
        (status = 403, description = "Role may not edit tasks", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The task is closed (`conflict`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/follow-ups/{id}/cancel")]
pub async fn cancel_follow_up(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
) -> AppResult<HttpResponse> {
    let t = service::cancel(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        &state.clock,
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &t, t.version))
}

/// Open a done or cancelled task again; its reminders start again.
#[utoipa::path(
    tag = "follow-ups", security(("bearer" = [])),
    params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Open again", body = FollowUp, headers(("ETag" = String))),
        (status = 403, description = "Role may not edit tasks", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The task is open already (`conflict`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/follow-ups/{id}/reopen")]
pub async fn reopen_follow_up(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
) -> AppResult<HttpResponse> {
    let t = service::reopen(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        &state.clock,
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &t, t.version))
}

/// A task's change history, newest first.
#[utoipa::path(
    tag = "follow-ups", security(("bearer" = [])), params(("id" = Uuid, Path), HistoryQuery),
    responses((status = 200, description = "A page of changes", body = Page<AuditEntry>))
)]
#[get("/follow-ups/{id}/history")]
pub async fn follow_up_history(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    q: web::Query<HistoryQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .json(service::history(&state.read, &state.rules, &user.0, *id, q.into_inner()).await?))
}
