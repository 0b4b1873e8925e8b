use actix_web::http::{header, StatusCode};
use actix_web::{get, post, put, web, HttpResponse};
use kaidan_shared::approval::{
    Approval, ApprovalCounts, ApprovalDecision, ApprovalListQuery, ApprovalTemplate,
    ApprovalTemplateInput,
};
use kaidan_shared::page::Page;
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::extract::if_match::{IfMatchHeader, OptionalIfMatchHeader};
use crate::routes::{etag, json_with_etag, IfMatch, OptionalIfMatch};
use crate::services::approval as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_approvals)
        .service(approval_counts)
        .service(list_approval_templates)
        .service(create_approval_template)
        .service(update_approval_template)
        .service(get_approval)
        .service(approve_approval)
        .service(reject_approval)
        .service(withdraw_approval);
}

/// Your approval inbox: `view=pending` (待我审批, waiting for your decision, newest first),
/// `decided` (我已审批, latest decision first) or `submitted` (我发起的, newest first).
#[utoipa::path(
    tag = "approvals", security(("bearer" = [])), params(ApprovalListQuery),
    responses(
        (status = 200, description = "A page of approvals (without their timelines)", body = Page<Approval>),
        (status = 400, description = "Bad cursor (`invalid_cursor`) or query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/approvals")]
pub async fn list_approvals(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<ApprovalListQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::list(&state.read, &user.0, q.into_inner()).await?))
}

/// The inbox's badges: approvals waiting for you, and your submissions still pending, each
/// counted up to 100.
#[utoipa::path(
    tag = "approvals", security(("bearer" = [])),
    responses((status = 200, description = "The counts", body = ApprovalCounts))
)]
#[get("/approvals/counts")]
pub async fn approval_counts(
    state: web::Data<AppState>,
    user: AuthUser,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(service::counts(&state.read, &user.0).await?))
}

/// One approval you take part in (admins: any), with its steps and every approver's task.
#[utoipa::path(
    tag = "approvals", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The approval", body = Approval, headers(("ETag" = String))))
)]
#[get("/approvals/{id}")]
pub async fn get_approval(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let a = service::get(&state.read, &user.0, *id).await?;
    Ok(json_with_etag(StatusCode::OK, &a, a.version))
}

/// Approve your task on the approval's current step (`comment` optional). An any-one step
/// (或签) is decided by the first approver; a countersigned step (会签) when all have approved.
/// The last step approves the record.
#[utoipa::path(
    tag = "approvals", security(("bearer" = [])), request_body = ApprovalDecision,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Decided", body = Approval, headers(("ETag" = String))),
        (status = 403, description = "Not yours to decide (or your own submission)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided: by you, by another approver of an any-one step, or the approval ended (`invalid_state`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/approvals/{id}/approve")]
pub async fn approve_approval(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<ApprovalDecision>,
) -> AppResult<HttpResponse> {
    let a = service::decide(
        &state.db,
        &user.0,
        *id,
        true,
        body.into_inner(),
        state.clock.now(),
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &a, a.version))
}

/// Reject the approval on your task of its current step (`comment` required): it ends, and the
/// record goes back to a draft.
#[utoipa::path(
    tag = "approvals", security(("bearer" = [])), request_body = ApprovalDecision,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Rejected", body = Approval, headers(("ETag" = String))),
        (status = 403, description = "Not yours to decide (or your own submission)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided (`invalid_state`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/approvals/{id}/reject")]
pub async fn reject_approval(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<ApprovalDecision>,
) -> AppResult<HttpResponse> {
    let a = service::decide(
        &state.db,
        &user.0,
        *id,
        false,
        body.into_inner(),
        state.clock.now(),
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &a, a.version))
}

/// Withdraw your pending submission; the record goes back to a draft.
#[utoipa::path(
    tag = "approvals", security(("bearer" = [])), params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Withdrawn", body = Approval, headers(("ETag" = String))),
        (status = 403, description = "Not your submission", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided (`invalid_state`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/approvals/{id}/withdraw")]
pub async fn withdraw_approval(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
) -> AppResult<HttpResponse> {
    let a = service::withdraw(&state.db, &user.0, *id, if_match.0, state.clock.now()).await?;
    Ok(json_with_etag(StatusCode::OK, &a, a.version))
}

/// The approval flows (admins), by subject and priority.
#[utoipa::path(
    tag = "approvals", security(("bearer" = [])),
    responses(
        (status = 200, description = "Every flow", body = Vec<ApprovalTemplate>),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/approval-templates")]
pub async fn list_approval_templates(
    state: web::Data<AppState>,
    user: AuthUser,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::templates(&state.read, &user.0).await?))
}

/// Add an approval flow (admins). Flows of a subject are tried by `priority`, lowest first; the
/// first active one whose conditions all hold is followed.
#[utoipa::path(
    tag = "approvals", security(("bearer" = [])), request_body = ApprovalTemplateInput,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "Retries with the same key create one flow")),
    responses(
        (status = 201, description = "Created", body = ApprovalTemplate, headers(("ETag" = String))),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Key in use (`idempotency_in_progress`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/approval-templates")]
pub async fn create_approval_template(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<ApprovalTemplateInput>,
) -> AppResult<HttpResponse> {
    let t = service::create_template(&state.db, &user.0, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag(t.version)))
        .json(t))
}

/// Replace an approval flow (admins). Approvals already open keep the steps they were routed
/// with; deactivate a flow with `active: false`.
#[utoipa::path(
    tag = "approvals", security(("bearer" = [])), request_body = ApprovalTemplateInput,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Saved", body = ApprovalTemplate, headers(("ETag" = String))),
        (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/approval-templates/{id}")]
pub async fn update_approval_template(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<ApprovalTemplateInput>,
) -> AppResult<HttpResponse> {
    let t =
        service::update_template(&state.db, &user.0, *id, if_match.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &t, t.version))
}
