use actix_web::http::{header, StatusCode};
use actix_web::{get, patch, post, web, HttpResponse};
use kaidan_shared::approval::Approval;
use kaidan_shared::audit::{AuditEntry, HistoryQuery};
use kaidan_shared::contract::{
    Contract, ContractCreate, ContractListQuery, ContractReason, ContractSign, ContractUpdate,
};
use kaidan_shared::page::Page;
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::extract::if_match::{IfMatchHeader, OptionalIfMatchHeader};
use crate::routes::{etag, json_with_etag, IfMatch, OptionalIfMatch};
use crate::services::contract as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_contracts)
        .service(create_contract)
        .service(get_contract)
        .service(update_contract)
        .service(submit_contract)
        .service(sign_contract)
        .service(complete_contract)
        .service(terminate_contract)
        .service(reopen_contract)
        .service(contract_approvals)
        .service(contract_history);
}

/// Contracts in your scope, newest first: a customer's, a deal's, an owner's, by status. The
/// list leaves `lines` empty; one contract has them.
#[utoipa::path(
    tag = "contracts", security(("bearer" = [])), params(ContractListQuery),
    responses(
        (status = 200, description = "A page of contracts", body = Page<Contract>),
        (status = 400, description = "Bad cursor (`invalid_cursor`) or query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contracts")]
pub async fn list_contracts(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<ContractListQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .json(service::list(&state.read, &state.rules, &user.0, q.into_inner()).await?))
}

/// Make a draft contract: from an accepted quote (`quote_id`: its customer, deal, lines and
/// figures are copied), or for a customer you may work on with lines (priced at list prices
/// unless given) or an amount. Numbered `HT-<year>-000123`.
#[utoipa::path(
    tag = "contracts", security(("bearer" = [])), request_body = ContractCreate,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "Retries with the same key create one contract")),
    responses(
        (status = 201, description = "Created", body = Contract, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Role may not make contracts", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Key in use (`idempotency_in_progress`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contracts")]
pub async fn create_contract(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<ContractCreate>,
) -> AppResult<HttpResponse> {
    let c = service::create(&state.db, &state.rules, &user.0, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag(c.version)))
        .insert_header((header::LOCATION, format!("/api/v1/contracts/{}", c.id)))
        .json(c))
}

/// One contract with its lines and figures.
#[utoipa::path(
    tag = "contracts", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The contract", body = Contract, headers(("ETag" = String))))
)]
#[get("/contracts/{id}")]
pub async fn get_contract(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let c = service::get(&state.read, &state.rules, &user.0, *id).await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.version))
}

/// Change a contract. A draft changes in full; once approved, the amount, lines and payment
/// terms are locked (`invalid_state`: reopen it); while it waits for approval, and once closed,
/// nothing changes.
#[utoipa::path(
    tag = "contracts", security(("bearer" = [])), request_body = ContractUpdate,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Saved", body = Contract, headers(("ETag" = String))),
        (status = 403, description = "Role may not change contracts", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Locked by its approval, waiting for approval, or closed (`invalid_state`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/contracts/{id}")]
pub async fn update_contract(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<ContractUpdate>,
) -> AppResult<HttpResponse> {
    let c = service::update(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        body.into_inner(),
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.version))
}

/// Submit a draft for approval. The flow is the first active contract template (by priority)
/// whose conditions hold; each step's approvers are resolved from your place in the org, never
/// you, falling back a level up when missing or inactive. The first step's approvers are told.
#[utoipa::path(
    tag = "contracts", security(("bearer" = [])), params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Waiting for approval", body = Contract, headers(("ETag" = String))),
        (status = 403, description = "Role may not change contracts", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft, or no flow or approver applies (`invalid_state`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contracts/{id}/submit")]
pub async fn submit_contract(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
) -> AppResult<HttpResponse> {
    let c = service::submit(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        state.clock.now(),
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.version))
}

/// Sign an approved contract (`sign_date` defaults to today, China time).
#[utoipa::path(
    tag = "contracts", security(("bearer" = [])), request_body = ContractSign,
    params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Signed", body = Contract, headers(("ETag" = String))),
        (status = 403, description = "Role may not change contracts", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not approved (`invalid_state`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contracts/{id}/sign")]
pub async fn sign_contract(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
    body: web::Json<ContractSign>,
) -> AppResult<HttpResponse> {
    let c = service::sign(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        body.into_inner(),
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.version))
}

/// Mark a signed contract fulfilled.
#[utoipa::path(
    tag = "contracts", security(("bearer" = [])), params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Completed", body = Contract, headers(("ETag" = String))),
        (status = 403, description = "Role may not change contracts", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not signed (`invalid_state`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contracts/{id}/complete")]
pub async fn complete_contract(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
) -> AppResult<HttpResponse> {
    let c = service::complete(&state.db, &state.rules, &user.0, *id, if_match.0).await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.version))
}

/// End an approved or signed contract early, saying why.
#[utoipa::path(
    tag = "contracts", security(("bearer" = [])), request_body = ContractReason,
    params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Terminated", body = Contract, headers(("ETag" = String))),
        (status = 403, description = "Role may not change contracts", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not approved or signed (`invalid_state`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contracts/{id}/terminate")]
pub async fn terminate_contract(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
    body: web::Json<ContractReason>,
) -> AppResult<HttpResponse> {
    let c = service::terminate(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        body.into_inner(),
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.version))
}

/// Reopen an approved, unsigned contract as a draft to change its amount, lines or payment
/// terms, saying why; it goes through approval again.
#[utoipa::path(
    tag = "contracts", security(("bearer" = [])), request_body = ContractReason,
    params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "A draft again", body = Contract, headers(("ETag" = String))),
        (status = 403, description = "Role may not change contracts", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not approved, or signed (`invalid_state`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contracts/{id}/reopen")]
pub async fn reopen_contract(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
    body: web::Json<ContractReason>,
) -> AppResult<HttpResponse> {
    let c = service::reopen(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        body.into_inner(),
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.version))
}

/// The approvals a contract went through, newest first, each with its timeline (who decided
/// which step, when, with what comment). Whoever reads the contract reads them.
#[utoipa::path(
    tag = "contracts", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Its approvals", body = Vec<Approval>))
)]
#[get("/contracts/{id}/approvals")]
pub async fn contract_approvals(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::approvals(&state.read, &user.0, *id).await?))
}

/// A contract's change history, newest first (approval decisions included).
#[utoipa::path(
    tag = "contracts", security(("bearer" = [])), params(("id" = Uuid, Path), HistoryQuery),
    responses((status = 200, description = "A page of changes", body = Page<AuditEntry>))
)]
#[get("/contracts/{id}/history")]
pub async fn contract_history(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    q: web::Query<HistoryQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .json(service::history(&state.read, &state.rules, &user.0, *id, q.into_inner()).await?))
}
