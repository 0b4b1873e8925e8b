use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use kaidan_shared::customer::{Customer, CustomerDetail};
use kaidan_shared::page::Page;
use kaidan_shared::pool::{
    ClaimQuota, Pool, PoolCreate, PoolCustomerQuery, PoolUpdate, ReleaseRequest,
};
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::extract::if_match::{IfMatchHeader, OptionalIfMatchHeader};
use crate::routes::{json_with_etag, IfMatch, OptionalIfMatch};
use crate::services::pool as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_pools)
        .service(claim_quota)
        .service(create_pool)
        .service(update_pool)
        .service(list_pool_customers)
        .service(get_pool_customer)
        .service(release_customer)
        .service(claim_customer);
}

/// The public pools (公海) you use: your region's and the company-wide pool (admins: all),
/// with their rules.
#[utoipa::path(
    tag = "pools", security(("bearer" = [])),
    responses((status = 200, description = "Pools", body = Vec<Pool>))
)]
#[get("/pools")]
pub async fn list_pools(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::list(&state.read, &user.0).await?))
}

/// How many customers you may still claim today, and how many you hold.
#[utoipa::path(
    tag = "pools", security(("bearer" = [])),
    responses((status = 200, description = "Your claim quota", body = ClaimQuota))
)]
#[get("/pool-quota")]
pub async fn claim_quota(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    Ok(HttpResponse::Ok().json(service::quota(&state.read, &user.0, now).await?))
}

/// Create a pool (admin): one per region, or company-wide without a region. Rules default to
/// A 90 / B 60 / C 30 / unrated 30 days, warn 3 days ahead, 7 days' cool-down, 10 claims a day,
/// 500 customers held.
#[utoipa::path(
    tag = "pools", security(("bearer" = [])), request_body = PoolCreate,
    responses(
        (status = 201, description = "Created", body = Pool, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The region has a pool already (`conflict`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/pools")]
pub async fn create_pool(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<PoolCreate>,
) -> AppResult<HttpResponse> {
    let p = service::create(&state.db, &user.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::CREATED, &p, p.version))
}

/// Rename a pool or change its rules (admin). New rules apply from the reclaim job's next run.
#[utoipa::path(
    tag = "pools", security(("bearer" = [])), request_body = PoolUpdate,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Saved", body = Pool, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/pools/{id}")]
pub async fn update_pool(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<PoolUpdate>,
) -> AppResult<HttpResponse> {
    let p = service::update(&state.db, &user.0, *id, if_match.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &p, p.version))
}

/// A pool's customers, most recently returned first. Phone numbers and e-mails are masked
/// (138****5678) until someone claims the customer.
#[utoipa::path(
    tag = "pools", security(("bearer" = [])), params(("id" = Uuid, Path), PoolCustomerQuery),
    responses((status = 200, description = "A page of the pool's customers", body = Page<Customer>))
)]
#[get("/pools/{id}/customers")]
pub async fn list_pool_customers(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    q: web::Query<PoolCustomerQuery>,
) -> AppResult<HttpResponse> {
    let page = service::customers(&state.read, &state.rules, &user.0, *id, q.into_inner()).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One customer in a pool you use, with its contacts, masked: what you weigh before claiming.
#[utoipa::path(
    tag = "pools", security(("bearer" = [])), params(("id" = Uuid, Path, description = "The customer")),
    responses((status = 200, description = "The customer, masked", body = CustomerDetail))
)]
#[get("/pool-customers/{id}")]
pub async fn get_pool_customer(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let c = service::customer_in_any_pool(&state.read, &state.rules, &user.0, *id).await?;
    Ok(HttpResponse::Ok().json(c))
}

/// Put a customer back into the public pool of its owner's region (the company-wide pool when
/// the region has none), with a reason. Its owner loses it; the pool's reps may claim it (its
/// ex-owner after the pool's cool-down).
#[utoipa::path(
    tag = "pools", security(("bearer" = [])), request_body = ReleaseRequest,
    params(("id" = Uuid, Path), OptionalIfMatchHeader),
    responses(
        (status = 200, description = "Released (masked from now on)", body = Customer, headers(("ETag" = String))),
        (status = 403, description = "Role may not change customers", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Archived (`archived`) or in a pool already (`conflict`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/customers/{id}/release")]
pub async fn release_customer(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
    body: web::Json<ReleaseRequest>,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let c = service::release(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        body.into_inner(),
        now,
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.version))
}

/// Claim a customer from a pool you use: you become its owner and its reclaim clock starts.
/// Refused past the daily claim limit, past the cap on customers held, and to its ex-owner
/// during the cool-down.
#[utoipa::path(
    tag = "pools", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Yours now", body = Customer, headers(("ETag" = String))),
        (status = 403, description = "Role may not own customers", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Claimed by someone first (`not_in_pool`), daily limit (`claim_limit_reached`), too many held (`held_cap_reached`), ex-owner cool-down (`claim_cooldown`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/customers/{id}/claim")]
pub async fn claim_customer(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let c = service::claim(&state.db, &state.rules, &user.0, *id, now).await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.version))
}
