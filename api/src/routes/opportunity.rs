use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use kaidan_shared::audit::{AuditEntry, HistoryQuery};
use kaidan_shared::opportunity::{
    Board, BoardQuery, Opportunity, OpportunityCreate, OpportunityDetail, OpportunityListQuery,
    OpportunityUpdate, Reopen, StageMove, Stages, StagesInput,
};
use kaidan_shared::page::Page;
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::extract::if_match::{IfMatchHeader, OptionalIfMatchHeader};
use crate::routes::{etag, json_with_etag, IfMatch, OptionalIfMatch};
use crate::services::opportunity as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_opportunities)
        .service(opportunity_board)
        .service(create_opportunity)
        .service(get_opportunity)
        .service(update_opportunity)
        .service(move_opportunity_stage)
        .service(reopen_opportunity)
        .service(archive_opportunity)
        .service(opportunity_history)
        .service(list_opportunity_stages)
        .service(save_opportunity_stages);
}

/// Deals in your scope, most recently changed first (or by a custom field), with filters
/// (owner, customer, status, stage, stale, name, custom fields).
#[utoipa::path(
    tag = "opportunities", security(("bearer" = [])), params(OpportunityListQuery),
    responses(
        (status = 200, description = "A page of deals", body = Page<Opportunity>),
        (status = 400, description = "Bad cursor (`invalid_cursor`) or query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of range, an unknown or hidden custom field in `custom` or `custom_sort`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/opportunities")]
pub async fn list_opportunities(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<OpportunityListQuery>,
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

/// The pipeline board: one column per open stage with its deal count, total and weighted total
/// (over all its deals in your scope, or one owner's) and its 20 most recently changed deals.
#[utoipa::path(
    tag = "opportunities", security(("bearer" = [])), params(BoardQuery),
    responses((status = 200, description = "The board", body = Board))
)]
#[get("/opportunity-board")]
pub async fn opportunity_board(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<BoardQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(
        service::board(
            &state.read,
            &state.rules,
            &user.0,
            q.into_inner(),
            state.settings.limits.board_walk_from,
        )
        .await?,
    ))
}

/// Create a deal for a customer in your scope. Its stage defaults to the pipeline's first, its
/// probability to the stage's, its owner to the customer's owner.
#[utoipa::path(
    tag = "opportunities", security(("bearer" = [])), request_body = OpportunityCreate,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "Retries with the same key create one deal")),
    responses(
        (status = 201, description = "Created", body = OpportunityDetail, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Role may not create deals, or may not choose the owner (`field_forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Key in use (`idempotency_in_progress`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/opportunities")]
pub async fn create_opportunity(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<OpportunityCreate>,
) -> AppResult<HttpResponse> {
    let o = service::create(
        &state.db,
        &state.rules,
        &user.0,
        body.into_inner(),
        &state.clock,
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag(o.opportunity.version)))
        .insert_header((
            header::LOCATION,
            format!("/api/v1/opportunities/{}", o.opportunity.id),
        ))
        .json(o))
}

/// One deal with its stage history (oldest move first).
#[utoipa::path(
    tag = "opportunities", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The deal", body = OpportunityDetail, headers(("ETag" = String))))
)]
#[get("/opportunities/{id}")]
pub async fn get_opportunity(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let o = service::get(&state.read, &state.rules, &user.0, *id).await?;
    Ok(json_with_etag(StatusCode::OK, &o, o.opportunity.version))
}

/// Edit a deal's facts (the stage moves through `POST …/stage`). Changing the owner is for
/// supervisors and above.
#[utoipa::path(
    tag = "opportunities", security(("bearer" = [])), request_body = OpportunityUpdate,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Saved", body = Opportunity, headers(("ETag" = String))),
        (status = 403, description = "Role may not edit deals or their owner", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Archived (`archived`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/opportunities/{id}")]
pub async fn update_opportunity(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<OpportunityUpdate>,
) -> AppResult<HttpResponse> {
    let o = service::update(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        body.into_inner(),
        &state.clock,
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &o, o.version))
}

/// Move an open deal to another stage (赢单 won, 输单 lost with a reason from `lost_reason`).
/// The move is kept in the stage history with the amount at the time.
#[utoipa::path(
    tag = "opportunities", security(("bearer" = [])), request_body = StageMove,
    params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Moved", body = OpportunityDetail, headers(("ETag" = String))),
        (status = 403, description = "Role may not edit deals", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Closed deal (`conflict`: reopen it first) or archived (`archived`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/opportunities/{id}/stage")]
pub async fn move_opportunity_stage(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
    body: web::Json<StageMove>,
) -> AppResult<HttpResponse> {
    let o = service::move_stage(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        body.into_inner(),
        &state.clock,
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &o, o.opportunity.version))
}

/// Reopen a won or lost deal into an open stage (supervisors and above), with a reason.
#[utoipa::path(
    tag = "opportunities", security(("bearer" = [])), request_body = Reopen,
    params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Reopened", body = OpportunityDetail, headers(("ETag" = String))),
        (status = 403, description = "Only supervisors and above reopen deals", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The deal is open (`conflict`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/opportunities/{id}/reopen")]
pub async fn reopen_opportunity(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
    body: web::Json<Reopen>,
) -> AppResult<HttpResponse> {
    let o = service::reopen(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        body.into_inner(),
        &state.clock,
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &o, o.opportunity.version))
}

/// Archive a deal: it leaves the lists and the board; its history stays.
#[utoipa::path(
    tag = "opportunities", security(("bearer" = [])), params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Archived", body = Opportunity, headers(("ETag" = String))),
        (status = 403, description = "Role may not archive deals", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/opportunities/{id}")]
pub async fn archive_opportunity(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let o = service::archive(&state.db, &user.0, *id, if_match.0).await?;
    Ok(json_with_etag(StatusCode::OK, &o, o.version))
}

/// A deal's change history, newest first.
#[utoipa::path(
    tag = "opportunities", security(("bearer" = [])), params(("id" = Uuid, Path), HistoryQuery),
    responses((status = 200, description = "A page of changes", body = Page<AuditEntry>))
)]
#[get("/opportunities/{id}/history")]
pub async fn opportunity_history(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    q: web::Query<HistoryQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .json(service::history(&state.read, &state.rules, &user.0, *id, q.into_inner()).await?))
}

/// The pipeline's stages in order, with their default probabilities, outcomes and stale days.
#[utoipa::path(
    tag = "opportunities", security(("bearer" = [])),
    responses((status = 200, description = "The stages", body = Stages, headers(("ETag" = String))))
)]
#[get("/opportunity-stages")]
pub async fn list_opportunity_stages(
    state: web::Data<AppState>,
    user: AuthUser,
) -> AppResult<HttpResponse> {
    let s = service::stages(&state.read, &state.rules, &user.0).await?;
    Ok(json_with_etag(StatusCode::OK, &s, s.version))
}

/// Replace the pipeline's stages (admin): in order; one won and one lost stage; a stage deals
/// are in may be retired (`active: false`) but not left out.
#[utoipa::path(
    tag = "opportunities", security(("bearer" = [])), request_body = StagesInput,
    params(IfMatchHeader),
    responses(
        (status = 200, description = "Saved", body = Stages, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/opportunity-stages")]
pub async fn save_opportunity_stages(
    state: web::Data<AppState>,
    user: AuthUser,
    if_match: IfMatch,
    body: web::Json<StagesInput>,
) -> AppResult<HttpResponse> {
    let s = service::save_stages(&state.db, &user.0, if_match.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &s, s.version))
}
