use actix_web::http::{header, StatusCode};
use actix_web::{get, patch, post, web, HttpResponse};
use kaidan_shared::audit::{AuditEntry, HistoryQuery};
use kaidan_shared::page::Page;
use kaidan_shared::quote::{Quote, QuoteCreate, QuoteDecision, QuoteListQuery, QuoteUpdate};
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::extract::if_match::{IfMatchHeader, OptionalIfMatchHeader};
use crate::routes::{etag, json_with_etag, IfMatch, OptionalIfMatch};
use crate::services::quote as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_quotes)
        .service(create_quote)
        .service(get_quote)
        .service(update_quote)
        .service(send_quote)
        .service(accept_quote)
        .service(reject_quote)
        .service(revise_quote)
        .service(quote_history);
}

fn created(q: &Quote) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::ETAG, etag(q.version)))
        .insert_header((header::LOCATION, format!("/api/v1/quotes/{}", q.id)))
        .json(q)
}

/// Quotes in your scope, newest first: a deal's (`opportunity_id`), a customer's, an owner's,
/// by status. The list leaves `lines` empty; one quote has them.
#[utoipa::path(
    tag = "quotes", security(("bearer" = [])), params(QuoteListQuery),
    responses(
        (status = 200, description = "A page of quotes", body = Page<Quote>),
        (status = 400, description = "Bad cursor (`invalid_cursor`) or query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/quotes")]
pub async fn list_quotes(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<QuoteListQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .json(service::list(&state.read, &state.rules, &user.0, q.into_inner()).await?))
}

/// Make a draft quote for a deal you may work on. Each line names a catalogue product on sale
/// and a quantity; its price is the price list's on the quote's date when the list names the
/// product, else the product's list price, unless the line gives one. The figures follow
/// `shared::quote::totals` (half-up to the 分 per line; tax per line).
#[utoipa::path(
    tag = "quotes", security(("bearer" = [])), request_body = QuoteCreate,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "Retries with the same key create one quote")),
    responses(
        (status = 201, description = "Created", body = Quote, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Role may not make quotes", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Key in use (`idempotency_in_progress`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/quotes")]
pub async fn create_quote(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<QuoteCreate>,
) -> AppResult<HttpResponse> {
    let q = service::create(&state.db, &state.rules, &user.0, body.into_inner()).await?;
    Ok(created(&q))
}

/// One quote with its lines and figures.
#[utoipa::path(
    tag = "quotes", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The quote", body = Quote, headers(("ETag" = String))))
)]
#[get("/quotes/{id}")]
pub async fn get_quote(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let q = service::get(&state.read, &state.rules, &user.0, *id).await?;
    Ok(json_with_etag(StatusCode::OK, &q, q.version))
}

/// Change a draft: title, dates, price list, overall discount, notes, terms, and `lines` (all of
/// them; each priced again). A sent quote is frozen: revise it.
#[utoipa::path(
    tag = "quotes", security(("bearer" = [])), request_body = QuoteUpdate,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Saved", body = Quote, headers(("ETag" = String))),
        (status = 403, description = "Role may not change quotes", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft (`invalid_state`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/quotes/{id}")]
pub async fn update_quote(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<QuoteUpdate>,
) -> AppResult<HttpResponse> {
    let q = service::update(state.conns(), &user.0, *id, if_match.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &q, q.version))
}

/// Send a draft to the customer: it is frozen, and an earlier sent revision is superseded.
#[utoipa::path(
    tag = "quotes", security(("bearer" = [])), params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Sent", body = Quote, headers(("ETag" = String))),
        (status = 403, description = "Role may not change quotes", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft (`invalid_state`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No lines", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/quotes/{id}/send")]
pub async fn send_quote(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
) -> AppResult<HttpResponse> {
    let q = service::send(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        state.clock.now(),
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &q, q.version))
}

/// Record that the customer accepted a sent quote.
#[utoipa::path(
    tag = "quotes", security(("bearer" = [])), request_body = QuoteDecision,
    params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Accepted", body = Quote, headers(("ETag" = String))),
        (status = 403, description = "Role may not change quotes", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not sent (`invalid_state`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/quotes/{id}/accept")]
pub async fn accept_quote(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
    body: web::Json<QuoteDecision>,
) -> AppResult<HttpResponse> {
    let q = service::decide(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        true,
        body.into_inner(),
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &q, q.version))
}

/// Record that the customer rejected a sent quote, and why (`note` required).
#[utoipa::path(
    tag = "quotes", security(("bearer" = [])), request_body = QuoteDecision,
    params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Rejected", body = Quote, headers(("ETag" = String))),
        (status = 403, description = "Role may not change quotes", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not sent (`invalid_state`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/quotes/{id}/reject")]
pub async fn reject_quote(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
    body: web::Json<QuoteDecision>,
) -> AppResult<HttpResponse> {
    let q = service::decide(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        false,
        body.into_inner(),
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &q, q.version))
}

/// Start the next revision of a sent or rejected quote: a draft with the same number and lines.
/// It supersedes the sent one when it is sent.
#[utoipa::path(
    tag = "quotes", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 201, description = "The new draft revision", body = Quote, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Role may not change quotes", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A draft, accepted or superseded quote, or a draft revision exists already (`invalid_state`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/quotes/{id}/revise")]
pub async fn revise_quote(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let q = service::revise(&state.db, &state.rules, &user.0, *id).await?;
    Ok(created(&q))
}

/// A quote's change history, newest first.
#[utoipa::path(
    tag = "quotes", security(("bearer" = [])), params(("id" = Uuid, Path), HistoryQuery),
    responses((status = 200, description = "A page of changes", body = Page<AuditEntry>))
)]
#[get("/quotes/{id}/history")]
pub async fn quote_history(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    q: web::Query<HistoryQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .json(service::history(&state.read, &state.rules, &user.0, *id, q.into_inner()).await?))
}
