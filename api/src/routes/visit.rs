use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use kaidan_shared::audit::{AuditEntry, HistoryQuery};
use kaidan_shared::page::Page;
use kaidan_shared::visit::{
    CheckIn, CheckOut, Visit, VisitCreate, VisitListQuery, VisitSettings, VisitSettingsInput,
    VisitStats, VisitStatsQuery, VisitUpdate,
};
use kaidan_shared::{ErrorCode, Problem};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::extract::if_match::{IfMatchHeader, OptionalIfMatchHeader};
use crate::routes::{etag, json_with_etag, IfMatch, OptionalIfMatch};
use crate::services::visit as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_visits)
        .service(create_visit)
        .service(get_visit)
        .service(update_visit)
        .service(check_in_visit)
        .service(check_out_visit)
        .service(cancel_visit)
        .service(archive_visit)
        .service(visit_history)
        .service(visit_stats)
        .service(get_visit_settings)
        .service(save_visit_settings);
}

/// Visits in your scope: one day's earliest first (`day`, company time), otherwise newest first,
/// or by a custom field; filters for owner, customer (its timeline), status and flagged
/// check-ins. Each visit carries its customer's location for the map.
#[utoipa::path(
    tag = "visits", security(("bearer" = [])), params(VisitListQuery),
    responses(
        (status = 200, description = "A page of visits", body = Page<Visit>),
        (status = 400, description = "Bad cursor (`invalid_cursor`) or query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of range, an unknown or hidden custom field in `custom` or `custom_sort`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/visits")]
pub async fn list_visits(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<VisitListQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(
        service::list(
            &state.read,
            &state.rules,
            &state.plans,
            &user.0,
            q.into_inner(),
        )
        .await?,
    ))
}

/// Plan a visit to a customer in your scope (`planned_at`), or log one on the spot (no
/// `planned_at`: check in next). Supervisors and above may plan for their people (`owner_id`).
#[utoipa::path(
    tag = "visits", security(("bearer" = [])), request_body = VisitCreate,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "Retries with the same key create one visit (the offline queue sends one per visit)")),
    responses(
        (status = 201, description = "Created", body = Visit, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Role may not make visits, or may not plan for others (`field_forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A visit with this phone-made `id` exists (`conflict`), or the key is in use (`idempotency_in_progress`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/visits")]
pub async fn create_visit(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<VisitCreate>,
) -> AppResult<HttpResponse> {
    let v = service::create(
        &state.db,
        &state.rules,
        &user.0,
        body.into_inner(),
        &state.clock,
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag(v.version)))
        .insert_header((header::LOCATION, format!("/api/v1/visits/{}", v.id)))
        .json(v))
}

/// One visit.
#[utoipa::path(
    tag = "visits", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The visit", body = Visit, headers(("ETag" = String))))
)]
#[get("/visits/{id}")]
pub async fn get_visit(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let v = service::get(&state.read, &state.rules, &user.0, *id).await?;
    Ok(json_with_etag(StatusCode::OK, &v, v.version))
}

/// Record a visit: contacts met, notes, outcome (`visit_outcome`), next step and follow-up
/// date, the linked deal; `opportunity_stage` moves that deal by the pipeline's rules. A planned
/// visit may be moved to another time.
#[utoipa::path(
    tag = "visits", security(("bearer" = [])), request_body = VisitUpdate,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Saved", body = Visit, headers(("ETag" = String))),
        (status = 403, description = "Role may not edit visits, or the linked deal", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Archived (`archived`), cancelled (`conflict`), or the linked deal is closed (`conflict`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/visits/{id}")]
pub async fn update_visit(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<VisitUpdate>,
) -> AppResult<HttpResponse> {
    let v = service::update(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        body.into_inner(),
        &state.clock,
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &v, v.version))
}

/// Check in where the phone is (WGS-84 with its accuracy). The time is the server's; the check-in
/// is flagged when it is farther from the customer's location than the radius, when the
/// accuracy is worse than the radius, or when the customer has no location
/// (`set_customer_location` gives it this one, for roles that may edit the customer). It restarts
/// the customer's reclaim clock and the linked deal's stale clock.
#[utoipa::path(
    tag = "visits", security(("bearer" = [])), request_body = CheckIn,
    params(("id" = Uuid, Path), OptionalIfMatchHeader, ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "A retried check-in answers the first one's response")),
    responses(
        (status = 200, description = "Checked in", body = Visit, headers(("ETag" = String))),
        (status = 403, description = "Role may not edit visits, or may not set the customer's location (`field_forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a planned visit (`conflict`), archived (`archived`), or key in use (`idempotency_in_progress`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/visits/{id}/check-in")]
pub async fn check_in_visit(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
    body: web::Json<CheckIn>,
) -> AppResult<HttpResponse> {
    let v = service::check_in(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        body.into_inner(),
        &state.clock,
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &v, v.version))
}

/// Check out at the server's time; the visit is done and keeps its duration. A check-out sent
/// from the phone's offline queue carries the phone's time (`device_at`), so the duration is
/// the visit's, not the wait for a network.
#[utoipa::path(
    tag = "visits", security(("bearer" = [])), request_body(content = CheckOut, description = "`{}` for a check-out with a network (the server also takes no body at all)"),
    params(("id" = Uuid, Path), OptionalIfMatchHeader, ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "A retried check-out answers the first one's response")),
    responses(
        (status = 200, description = "Checked out", body = Visit, headers(("ETag" = String))),
        (status = 403, description = "Role may not edit visits", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not checked in (`conflict`), archived (`archived`), or key in use (`idempotency_in_progress`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/visits/{id}/check-out")]
pub async fn check_out_visit(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    // The body is optional: nothing (a check-out with a network) or a `CheckOut` object.
    let input = if body.iter().all(u8::is_ascii_whitespace) {
        CheckOut::default()
    } else {
        serde_json::from_slice::<CheckOut>(&body)
            .map_err(|e| AppError::new(ErrorCode::BadRequest).with_detail(e.to_string()))?
    };
    let v = service::check_out(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        input,
        &state.clock,
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &v, v.version))
}

/// Call off a planned visit.
#[utoipa::path(
    tag = "visits", security(("bearer" = [])),
    params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Cancelled", body = Visit, headers(("ETag" = String))),
        (status = 403, description = "Role may not edit visits", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a planned visit (`conflict`) or archived (`archived`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/visits/{id}/cancel")]
pub async fn cancel_visit(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
) -> AppResult<HttpResponse> {
    let v = service::cancel(&state.db, &state.rules, &user.0, *id, if_match.0).await?;
    Ok(json_with_etag(StatusCode::OK, &v, v.version))
}

/// Archive a visit: it leaves the lists; its history stays.
#[utoipa::path(
    tag = "visits", security(("bearer" = [])), params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Archived", body = Visit, headers(("ETag" = String))),
        (status = 403, description = "Role may not archive visits", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/visits/{id}")]
pub async fn archive_visit(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let v = service::archive(&state.db, &state.rules, &user.0, *id, if_match.0).await?;
    Ok(json_with_etag(StatusCode::OK, &v, v.version))
}

/// A visit's change history, newest first.
#[utoipa::path(
    tag = "visits", security(("bearer" = [])), params(("id" = Uuid, Path), HistoryQuery),
    responses((status = 200, description = "A page of changes", body = Page<AuditEntry>))
)]
#[get("/visits/{id}/history")]
pub async fn visit_history(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    q: web::Query<HistoryQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .json(service::history(&state.read, &state.rules, &user.0, *id, q.into_inner()).await?))
}

/// Visits per rep per day from `from` (a week by default, at most 31 days), in your scope or one
/// team of it: done each day, and in the range checked in, still planned, cancelled, flagged.
#[utoipa::path(
    tag = "visits", security(("bearer" = [])), params(VisitStatsQuery),
    responses(
        (status = 200, description = "One row per rep", body = VisitStats),
        (status = 422, description = "`days` out of range, or too many visits for one report (`validation_failed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/visit-stats")]
pub async fn visit_stats(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<VisitStatsQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::stats(&state.read, &user.0, q.into_inner()).await?))
}

/// The visits' settings: the check-in radius and the map's tiles.
#[utoipa::path(
    tag = "visits", security(("bearer" = [])),
    responses((status = 200, description = "The settings", body = VisitSettings, headers(("ETag" = String))))
)]
#[get("/visit-settings")]
pub async fn get_visit_settings(
    state: web::Data<AppState>,
    user: AuthUser,
) -> AppResult<HttpResponse> {
    let s = service::settings(&state.read, &user.0).await?;
    Ok(json_with_etag(StatusCode::OK, &s, s.version))
}

/// Set the check-in radius (50–5000 m) and the map's tiles (admins): an OpenStreetMap-style URL
/// template, whether the provider draws GCJ-02 (China's), its attribution.
#[utoipa::path(
    tag = "visits", security(("bearer" = [])), request_body = VisitSettingsInput,
    params(IfMatchHeader),
    responses(
        (status = 200, description = "Saved", body = VisitSettings, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/visit-settings")]
pub async fn save_visit_settings(
    state: web::Data<AppState>,
    user: AuthUser,
    if_match: IfMatch,
    body: web::Json<VisitSettingsInput>,
) -> AppResult<HttpResponse> {
    let s = service::save_settings(&state.db, &user.0, if_match.0, body.into_inner()).await?;
    // The page's policy names the tiles' origin: this instance's pages allow the new one at once.
    state.tiles.forget();
    Ok(json_with_etag(StatusCode::OK, &s, s.version))
}
