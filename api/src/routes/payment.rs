use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpResponse};
use kaidan_shared::page::Page;
use kaidan_shared::payment::{
    FinancePayment, Payment, PaymentCreate, PaymentListQuery, PaymentPlan, PaymentPlanCreate,
    Receivable, ReceivableListQuery,
};
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::services::payment as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_payment_plans)
        .service(add_payment_plan)
        .service(remove_payment_plan)
        .service(list_payments)
        .service(record_payment)
        .service(report_finance_payment)
        .service(list_receivables);
}

/// A contract's payment plan: its instalments, earliest due first, each with what was received
/// against it and its status (pending, partial, paid, overdue).
#[utoipa::path(
    tag = "payments", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The instalments", body = Vec<PaymentPlan>))
)]
#[get("/contracts/{id}/payment-plans")]
pub async fn list_payment_plans(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::plans(&state.read, &user.0, *id).await?))
}

/// Add an instalment to a contract you may change. All instalments together never exceed the
/// contract's amount, also when several are added at the same moment (422 on `amount`).
#[utoipa::path(
    tag = "payments", security(("bearer" = [])), request_body = PaymentPlanCreate,
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "Retries with the same key add one instalment")),
    responses(
        (status = 201, description = "Added", body = PaymentPlan),
        (status = 403, description = "Role may not change contracts", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The contract is closed (`invalid_state`), or the key is in use", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contracts/{id}/payment-plans")]
pub async fn add_payment_plan(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<PaymentPlanCreate>,
) -> AppResult<HttpResponse> {
    let p = service::add_plan(&state.db, &user.0, *id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(p))
}

/// Remove an instalment nothing was received against.
#[utoipa::path(
    tag = "payments", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Role may not change contracts", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Payments were received against it (`invalid_state`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/payment-plans/{id}")]
pub async fn remove_payment_plan(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    service::remove_plan(&state.db, &user.0, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Payments received in your scope, latest first: a contract's, an owner's.
#[utoipa::path(
    tag = "payments", security(("bearer" = [])), params(PaymentListQuery),
    responses(
        (status = 200, description = "A page of payments", body = Page<Payment>),
        (status = 400, description = "Bad cursor (`invalid_cursor`) or query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/payments")]
pub async fn list_payments(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<PaymentListQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::list(&state.read, &user.0, q.into_inner()).await?))
}

/// Record a payment received against a signed contract you may change (and one of its
/// instalments). Never more than is outstanding (422 on `amount`); a reference once per
/// contract (409 `conflict`).
#[utoipa::path(
    tag = "payments", security(("bearer" = [])), request_body = PaymentCreate,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "Retries with the same key record one payment")),
    responses(
        (status = 201, description = "Recorded", body = Payment, headers(("Location" = String))),
        (status = 403, description = "Role may not change contracts", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The reference is already recorded (`conflict`), the contract is not signed (`invalid_state`), or the key is in use", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/payments")]
pub async fn record_payment(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<PaymentCreate>,
) -> AppResult<HttpResponse> {
    let p = service::record_payment(&state.db, &state.rules, &user.0, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/payments?contract_id={}", p.contract_id),
        ))
        .json(p))
}

/// Report a payment received, from a finance system (金蝶, an ERP; scope `payments:write`).
///
/// The contract is named by its number, the receipt by the finance system's own reference,
/// which makes the report idempotent: sending the same report again (a retry after a timeout,
/// several at once) answers the payment recorded the first time with 200, and records nothing
/// more. The same reference with another amount or day is a conflict. A contract number outside
/// the caller's scope is unknown (422 on `contract_number`); more than is outstanding is refused
/// (422 on `amount`) and nothing is written.
#[utoipa::path(
    tag = "payments", security(("bearer" = [])), request_body = FinancePayment,
    responses(
        (status = 201, description = "Recorded", body = Payment, headers(("Location" = String))),
        (status = 200, description = "Reported before with this reference, amount and day: the payment recorded then", body = Payment),
        (status = 403, description = "May not record payments", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The reference is recorded with another amount or day (`conflict`), or the contract is not signed (`invalid_state`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/finance/payments")]
pub async fn report_finance_payment(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<FinancePayment>,
) -> AppResult<HttpResponse> {
    let (p, new) =
        service::report_payment(&state.db, &state.rules, &user.0, body.into_inner()).await?;
    let mut r = if new {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(r.insert_header((
        header::LOCATION,
        format!("/api/v1/payments?contract_id={}", p.contract_id),
    ))
    .json(p))
}

/// Receivables (应收): instalments not received in full in your scope, earliest due first;
/// `overdue=true` for those past due.
#[utoipa::path(
    tag = "payments", security(("bearer" = [])), params(ReceivableListQuery),
    responses(
        (status = 200, description = "A page of receivables", body = Page<Receivable>),
        (status = 400, description = "Bad cursor (`invalid_cursor`) or query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/receivables")]
pub async fn list_receivables(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<ReceivableListQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::receivables(&state.read, &user.0, q.into_inner()).await?))
}
