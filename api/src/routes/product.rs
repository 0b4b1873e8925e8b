use actix_web::http::{header, StatusCode};
use actix_web::{get, patch, post, web, HttpResponse};
use kaidan_shared::audit::{AuditEntry, HistoryQuery};
use kaidan_shared::page::Page;
use kaidan_shared::product::{
    PriceList, PriceListCreate, PriceListDetail, PriceListListQuery, PriceListUpdate, Product,
    ProductCreate, ProductListQuery, ProductUpdate,
};
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::extract::if_match::IfMatchHeader;
use crate::routes::{etag, json_with_etag, IfMatch};
use crate::services::product as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_products)
        .service(create_product)
        .service(get_product)
        .service(update_product)
        .service(product_history)
        .service(list_price_lists)
        .service(create_price_list)
        .service(get_price_list)
        .service(update_price_list)
        .service(price_list_history);
}

/// The catalogue by code: search code and name (`q`), a category, active or retired products,
/// custom field filters and sorts.
#[utoipa::path(
    tag = "products", security(("bearer" = [])), params(ProductListQuery),
    responses(
        (status = 200, description = "A page of products", body = Page<Product>),
        (status = 400, description = "Bad cursor (`invalid_cursor`) or query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of range, an unknown or hidden custom field in `custom` or `custom_sort`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/products")]
pub async fn list_products(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<ProductListQuery>,
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

/// Add a product to the catalogue (admins and product managers). Codes are unique without
/// regard to case.
#[utoipa::path(
    tag = "products", security(("bearer" = [])), request_body = ProductCreate,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "Retries with the same key create one product")),
    responses(
        (status = 201, description = "Created", body = Product, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Neither an admin nor a product manager", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is taken (`conflict`), or the key is in use (`idempotency_in_progress`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/products")]
pub async fn create_product(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<ProductCreate>,
) -> AppResult<HttpResponse> {
    let p = service::create(&state.db, &state.rules, &user.0, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag(p.version)))
        .insert_header((header::LOCATION, format!("/api/v1/products/{}", p.id)))
        .json(p))
}

/// One product.
#[utoipa::path(
    tag = "products", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The product", body = Product, headers(("ETag" = String))))
)]
#[get("/products/{id}")]
pub async fn get_product(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let p = service::get(&state.read, &state.rules, &user.0, *id).await?;
    Ok(json_with_etag(StatusCode::OK, &p, p.version))
}

/// Change a product; `active: false` retires it (old quotes keep it, new lines cannot take it).
#[utoipa::path(
    tag = "products", security(("bearer" = [])), request_body = ProductUpdate,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Saved", body = Product, headers(("ETag" = String))),
        (status = 403, description = "Neither an admin nor a product manager", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is taken (`conflict`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/products/{id}")]
pub async fn update_product(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<ProductUpdate>,
) -> AppResult<HttpResponse> {
    let p = service::update(
        &state.db,
        &state.rules,
        &user.0,
        *id,
        if_match.0,
        body.into_inner(),
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &p, p.version))
}

/// A product's change history, newest first.
#[utoipa::path(
    tag = "products", security(("bearer" = [])), params(("id" = Uuid, Path), HistoryQuery),
    responses((status = 200, description = "A page of changes", body = Page<AuditEntry>))
)]
#[get("/products/{id}/history")]
pub async fn product_history(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    q: web::Query<HistoryQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .json(service::history(&state.read, &state.rules, &user.0, *id, q.into_inner()).await?))
}

/// Price lists, newest first; `valid_on`: the active lists that apply on that day (what a quote
/// of that day may use).
#[utoipa::path(
    tag = "products", security(("bearer" = [])), params(PriceListListQuery),
    responses(
        (status = 200, description = "A page of price lists", body = Page<PriceList>),
        (status = 400, description = "Bad cursor (`invalid_cursor`) or query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/price-lists")]
pub async fn list_price_lists(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<PriceListListQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::price_lists(&state.read, &user.0, q.into_inner()).await?))
}

/// Make a price list: its dates and its products' prices (at most 2,000).
#[utoipa::path(
    tag = "products", security(("bearer" = [])), request_body = PriceListCreate,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~]{1,255}$", description = "Retries with the same key create one list")),
    responses(
        (status = 201, description = "Created", body = PriceListDetail, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Neither an admin nor a product manager", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Key in use (`idempotency_in_progress`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/price-lists")]
pub async fn create_price_list(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<PriceListCreate>,
) -> AppResult<HttpResponse> {
    let l = service::create_price_list(&state.db, &user.0, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag(l.price_list.version)))
        .insert_header((
            header::LOCATION,
            format!("/api/v1/price-lists/{}", l.price_list.id),
        ))
        .json(l))
}

/// One price list with its prices, by product code.
#[utoipa::path(
    tag = "products", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The list", body = PriceListDetail, headers(("ETag" = String))))
)]
#[get("/price-lists/{id}")]
pub async fn get_price_list(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let l = service::price_list(&state.read, &user.0, *id).await?;
    Ok(json_with_etag(StatusCode::OK, &l, l.price_list.version))
}

/// Change a price list; `entries`, when given, replaces all its prices.
#[utoipa::path(
    tag = "products", security(("bearer" = [])), request_body = PriceListUpdate,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Saved", body = PriceListDetail, headers(("ETag" = String))),
        (status = 403, description = "Neither an admin nor a product manager", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/price-lists/{id}")]
pub async fn update_price_list(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<PriceListUpdate>,
) -> AppResult<HttpResponse> {
    let l =
        service::update_price_list(&state.db, &user.0, *id, if_match.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &l, l.price_list.version))
}

/// A price list's change history (its prices by product code), newest first.
#[utoipa::path(
    tag = "products", security(("bearer" = [])), params(("id" = Uuid, Path), HistoryQuery),
    responses((status = 200, description = "A page of changes", body = Page<AuditEntry>))
)]
#[get("/price-lists/{id}/history")]
pub async fn price_list_history(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    q: web::Query<HistoryQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(
        service::price_list_history(&state.read, &state.rules, &user.0, *id, q.into_inner())
            .await?,
    ))
}
