use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, patch, post, web, HttpResponse};
use kaidan_shared::audit::{AuditEntry, HistoryQuery};
use kaidan_shared::customer::{
    Customer, CustomerCreate, CustomerDetail, CustomerListQuery, CustomerUpdate, TransferRequest,
};
use kaidan_shared::page::Page;
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::extract::if_match::{IfMatchHeader, OptionalIfMatchHeader};
use crate::routes::{etag, json_with_etag, IfMatch, OptionalIfMatch};
use crate::services::customer as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_customers)
        .service(create_customer)
        .service(get_customer)
        .service(update_customer)
        .service(archive_customer)
        .service(restore_customer)
        .service(transfer_customer)
        .service(customer_history);
}

/// Customers inside your scope, newest change first by default.
///
/// Keyset pagination: pass `next_cursor` back as `cursor`. `q` matches the name (case- and
/// width-insensitive) or, when it is mostly digits, the phone number.
#[utoipa::path(
    tag = "customers", security(("bearer" = [])), params(CustomerListQuery),
    responses(
        (status = 200, description = "A page of customers", body = Page<Customer>),
        (status = 400, description = "Bad cursor (`invalid_cursor`) or query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/customers")]
pub async fn list_customers(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<CustomerListQuery>,
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

/// Create a customer, optionally with its contacts.
///
/// When customers with the same credit code, phone or normalised name exist, answers 409
/// `duplicate_suspected` listing them; resend with `"force": true` to create anyway.
/// Sales reps always own what they create; supervisors and above may name an owner in their scope.
#[utoipa::path(
    tag = "customers", security(("bearer" = [])), request_body = CustomerCreate,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "Retries with the same key create one customer")),
    responses(
        (status = 201, description = "Created", body = CustomerDetail, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Role may not create customers, or may not choose the owner (`field_forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Likely duplicates (`duplicate_suspected`, see `duplicates`) or key in use (`idempotency_in_progress`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many duplicate answers naming other teams' customers this hour (`too_many_requests`)", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/customers")]
pub async fn create_customer(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<CustomerCreate>,
) -> AppResult<HttpResponse> {
    let c = service::create(
        &state.db,
        &state.rules,
        &user.0,
        body.into_inner(),
        &state.settings.limits,
        &state.clock,
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag(c.customer.version)))
        .insert_header((
            header::LOCATION,
            format!("/api/v1/customers/{}", c.customer.id),
        ))
        .json(c))
}

/// One customer with its contacts.
#[utoipa::path(
    tag = "customers", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The customer", body = CustomerDetail, headers(("ETag" = String))),
    )
)]
#[get("/customers/{id}")]
pub async fn get_customer(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let c = service::get(&state.read, &state.rules, &user.0, *id).await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.customer.version))
}

/// Change some fields of a customer. `null` clears an optional field.
///
/// Needs `If-Match` with the ETag you read; someone else's change in between answers 412.
/// Setting `owner_id` is a transfer: supervisors and above only, to users inside their scope.
#[utoipa::path(
    tag = "customers", security(("bearer" = [])), request_body = CustomerUpdate,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Updated", body = Customer, headers(("ETag" = String))),
        (status = 403, description = "Role may not edit, or may not change `owner_id` (`field_forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The customer is archived (`archived`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/customers/{id}")]
pub async fn update_customer(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<CustomerUpdate>,
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

/// Archive a customer: it leaves the lists; its history and contacts are kept and it can be restored.
#[utoipa::path(
    tag = "customers", security(("bearer" = [])),
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Archived", body = Customer, headers(("ETag" = String))),
        (status = 403, description = "Role may not archive", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/customers/{id}")]
pub async fn archive_customer(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let c = service::set_archived(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        Some(if_match.0),
        true,
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.version))
}

/// Restore an archived customer.
#[utoipa::path(
    tag = "customers", security(("bearer" = [])),
    params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Restored", body = Customer, headers(("ETag" = String))),
        (status = 403, description = "Role may not restore", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/customers/{id}/restore")]
pub async fn restore_customer(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
) -> AppResult<HttpResponse> {
    let c = service::set_archived(&state.db, &state.rules, &user.0, *id, if_match.0, false).await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.version))
}

/// Transfer a customer to another salesperson (supervisors and above, inside their scope). Audited.
#[utoipa::path(
    tag = "customers", security(("bearer" = [])), request_body = TransferRequest,
    params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Transferred", body = Customer, headers(("ETag" = String))),
        (status = 403, description = "Role may not transfer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The customer is archived", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/customers/{id}/transfer")]
pub async fn transfer_customer(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    // The body first: a malformed body is a 400/422 whatever the precondition says.
    body: web::Json<TransferRequest>,
    if_match: OptionalIfMatch,
) -> AppResult<HttpResponse> {
    let c = service::transfer(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        body.into_inner(),
        &state.clock,
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.version))
}

/// The customer's change history (its own fields and its contacts), newest first.
#[utoipa::path(
    tag = "customers", security(("bearer" = [])), params(("id" = Uuid, Path), HistoryQuery),
    responses(
        (status = 200, description = "A page of changes", body = Page<AuditEntry>),
    )
)]
#[get("/customers/{id}/history")]
pub async fn customer_history(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    q: web::Query<HistoryQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .json(service::history(&state.read, &state.rules, &user.0, *id, q.into_inner()).await?))
}
