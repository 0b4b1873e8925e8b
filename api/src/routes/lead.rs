use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use kaidan_shared::audit::{AuditEntry, HistoryQuery};
use kaidan_shared::lead::{
    Converted, Disqualify, Lead, LeadAssign, LeadConvert, LeadCreate, LeadListQuery, LeadRule,
    LeadRuleInput, LeadUpdate,
};
use kaidan_shared::page::Page;
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::extract::if_match::{IfMatchHeader, OptionalIfMatchHeader};
use crate::routes::{etag, json_with_etag, IfMatch, OptionalIfMatch};
use crate::services::lead as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_leads)
        .service(create_lead)
        .service(get_lead)
        .service(update_lead)
        .service(assign_lead)
        .service(disqualify_lead)
        .service(convert_lead)
        .service(lead_history)
        .service(list_lead_rules)
        .service(create_lead_rule)
        .service(update_lead_rule)
        .service(delete_lead_rule);
}

/// Leads in your scope (and, for supervisors and managers, those waiting in their team's or
/// region's queues), most recently changed first (or by a custom field), with filters.
#[utoipa::path(
    tag = "leads", security(("bearer" = [])), params(LeadListQuery),
    responses(
        (status = 200, description = "A page of leads", body = Page<Lead>),
        (status = 400, description = "Bad cursor (`invalid_cursor`) or query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of range, an unknown or hidden custom field in `custom` or `custom_sort`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/leads")]
pub async fn list_leads(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<LeadListQuery>,
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

/// Create a lead. A sales rep keeps the leads they enter; anyone else's lead (and an API
/// client's) goes through the assignment rules: territory → the team's reps in turn → a queue.
///
/// When leads or customers with the same phone, e-mail or normalised company name exist, answers
/// 409 `duplicate_suspected` listing them; resend with `"force": true` to create anyway.
#[utoipa::path(
    tag = "leads", security(("bearer" = [])), request_body = LeadCreate,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "Retries with the same key create one lead")),
    responses(
        (status = 201, description = "Created", body = Lead, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Role may not create leads, or may not choose the owner (`field_forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Likely duplicates (`duplicate_suspected`, see `duplicates`) or key in use (`idempotency_in_progress`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many duplicate answers naming other teams' records this hour (`too_many_requests`)", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/leads")]
pub async fn create_lead(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<LeadCreate>,
) -> AppResult<HttpResponse> {
    let l = service::create(
        state.conns(),
        &user.0,
        body.into_inner(),
        &state.settings.limits,
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag(l.version)))
        .insert_header((header::LOCATION, format!("/api/v1/leads/{}", l.id)))
        .json(l))
}

/// One lead, with the rule that placed it and, once converted, what it became.
#[utoipa::path(
    tag = "leads", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The lead", body = Lead, headers(("ETag" = String))))
)]
#[get("/leads/{id}")]
pub async fn get_lead(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let l = service::get(&state.read, &state.rules, &user.0, *id).await?;
    Ok(json_with_etag(StatusCode::OK, &l, l.version))
}

/// Edit a lead's facts, or move it between new, contacted and qualified (a disqualified lead
/// taken up again too).
#[utoipa::path(
    tag = "leads", security(("bearer" = [])), request_body = LeadUpdate,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Saved", body = Lead, headers(("ETag" = String))),
        (status = 403, description = "Role may not edit leads", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Converted: read-only (`converted`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/leads/{id}")]
pub async fn update_lead(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<LeadUpdate>,
) -> AppResult<HttpResponse> {
    let l = service::update(state.conns(), &user.0, *id, if_match.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &l, l.version))
}

/// Hand a lead to a rep — from a queue or from another rep (supervisors and above, inside their
/// scope). Audited; the new owner is notified.
#[utoipa::path(
    tag = "leads", security(("bearer" = [])), request_body = LeadAssign,
    params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Assigned", body = Lead, headers(("ETag" = String))),
        (status = 403, description = "Only supervisors and above assign leads", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Converted: read-only (`converted`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/leads/{id}/assign")]
pub async fn assign_lead(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
    body: web::Json<LeadAssign>,
) -> AppResult<HttpResponse> {
    let l = service::assign(state.conns(), &user.0, *id, if_match.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &l, l.version))
}

/// Disqualify a lead with a reason from `disqualify_reason` (it can be taken up again by
/// setting its status).
#[utoipa::path(
    tag = "leads", security(("bearer" = [])), request_body = Disqualify,
    params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Disqualified", body = Lead, headers(("ETag" = String))),
        (status = 403, description = "Role may not edit leads", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Converted: read-only (`converted`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/leads/{id}/disqualify")]
pub async fn disqualify_lead(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
    body: web::Json<Disqualify>,
) -> AppResult<HttpResponse> {
    let l = service::disqualify(state.conns(), &user.0, *id, if_match.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &l, l.version))
}

/// Convert a lead into a customer with the lead's person as its primary contact — or onto an
/// existing customer (`customer_id`, one the duplicate check found) — and optionally a deal, in
/// one transaction. The lead keeps links to what it became and is read-only afterwards.
///
/// When customers like the new one exist, answers 409 `duplicate_suspected` listing them:
/// resend with their `customer_id` to attach, or `"force": true` to create anyway.
#[utoipa::path(
    tag = "leads", security(("bearer" = [])), request_body = LeadConvert,
    params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Converted", body = Converted, headers(("ETag" = String))),
        (status = 403, description = "Role may not edit leads or create customers or deals", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already converted (`converted`) or likely duplicate customers (`duplicate_suspected`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many duplicate answers naming other teams' records this hour (`too_many_requests`)", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/leads/{id}/convert")]
pub async fn convert_lead(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
    body: web::Json<LeadConvert>,
) -> AppResult<HttpResponse> {
    let c = service::convert(
        state.conns(),
        &user.0,
        *id,
        if_match.0,
        body.into_inner(),
        &state.settings.limits,
        &state.clock,
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.lead.version))
}

/// A lead's change history, newest first.
#[utoipa::path(
    tag = "leads", security(("bearer" = [])), params(("id" = Uuid, Path), HistoryQuery),
    responses((status = 200, description = "A page of changes", body = Page<AuditEntry>))
)]
#[get("/leads/{id}/history")]
pub async fn lead_history(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    q: web::Query<HistoryQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .json(service::history(&state.read, &state.rules, &user.0, *id, q.into_inner()).await?))
}

/// The assignment rules in evaluation order: every one for admins, their region's for regional
/// managers.
#[utoipa::path(
    tag = "leads", security(("bearer" = [])),
    responses(
        (status = 200, description = "The rules", body = Vec<LeadRule>),
        (status = 403, description = "Only admins and regional managers", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/lead-rules")]
pub async fn list_lead_rules(
    state: web::Data<AppState>,
    user: AuthUser,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::rules(&state.read, &user.0).await?))
}

/// Add an assignment rule (a regional manager's rule is their region's, for their teams).
#[utoipa::path(
    tag = "leads", security(("bearer" = [])), request_body = LeadRuleInput,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "Retries with the same key add one rule")),
    responses(
        (status = 201, description = "Created", body = LeadRule, headers(("ETag" = String))),
        (status = 403, description = "Only admins and regional managers", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Key in use (`idempotency_in_progress`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/lead-rules")]
pub async fn create_lead_rule(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<LeadRuleInput>,
) -> AppResult<HttpResponse> {
    let r = service::create_rule(&state.db, &user.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::CREATED, &r, r.version))
}

/// Replace an assignment rule.
#[utoipa::path(
    tag = "leads", security(("bearer" = [])), request_body = LeadRuleInput,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Saved", body = LeadRule, headers(("ETag" = String))),
        (status = 403, description = "Only admins and regional managers", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/lead-rules/{id}")]
pub async fn update_lead_rule(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<LeadRuleInput>,
) -> AppResult<HttpResponse> {
    let r = service::update_rule(&state.db, &user.0, *id, if_match.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &r, r.version))
}

/// Delete an assignment rule (leads it placed keep its id).
#[utoipa::path(
    tag = "leads", security(("bearer" = [])), params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Only admins and regional managers", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/lead-rules/{id}")]
pub async fn delete_lead_rule(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
) -> AppResult<HttpResponse> {
    service::delete_rule(&state.db, &user.0, *id, if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
