use actix_web::http::StatusCode;
use actix_web::{delete, get, put, web, HttpResponse};
use kaidan_shared::layout::{ColumnsInput, Layout, LayoutInput, Resolved};
use kaidan_shared::{Problem, Resource};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::extract::if_match::IfMatchHeader;
use crate::routes::{json_with_etag, IfMatch};
use crate::services::layout as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_layout)
        .service(save_layout)
        .service(set_columns)
        .service(reset_columns);
}

/// A record type's layout: form and detail sections of built-in fields (by name) and custom
/// fields (`custom.<key>`; only those the caller's role sees, unless it manages fields), and the
/// list's default columns. `version` 0 is the default layout,
/// in force until an admin saves one. Screens draw it resolved for their reader, from
/// `GET /api/v1/fields` (`layout`).
#[utoipa::path(
    tag = "layouts", security(("bearer" = [])),
    params(("resource" = Resource, Path, description = "`customer` or `contact`")),
    responses(
        (status = 200, description = "The layout", body = Layout, headers(("ETag" = String))),
        (status = 422, description = "This record type has no layout", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/layouts/{resource}")]
pub async fn get_layout(
    state: web::Data<AppState>,
    user: AuthUser,
    resource: web::Path<Resource>,
) -> AppResult<HttpResponse> {
    let l = service::get(&state.read, &user.0, *resource).await?;
    Ok(json_with_etag(StatusCode::OK, &l, l.version))
}

/// Save a record type's layout (admin), replacing it whole: every required built-in field
/// placed, each field once, columns that can be list columns. Custom fields a layout does not
/// place still show, in the section named by their `section`.
#[utoipa::path(
    tag = "layouts", security(("bearer" = [])), request_body = LayoutInput,
    params(("resource" = Resource, Path, description = "`customer` or `contact`"), IfMatchHeader),
    responses(
        (status = 200, description = "Saved", body = Layout, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field placed twice or unknown, a required field left out, a bad column, or a record type without layouts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/layouts/{resource}")]
pub async fn save_layout(
    state: web::Data<AppState>,
    user: AuthUser,
    resource: web::Path<Resource>,
    if_match: IfMatch,
    body: web::Json<LayoutInput>,
) -> AppResult<HttpResponse> {
    let l = service::save(&state.db, &user.0, *resource, if_match.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &l, l.version))
}

/// Choose your own list columns for a record type (kept per user, on every device); answers the
/// layout as you now see it.
#[utoipa::path(
    tag = "layouts", security(("bearer" = [])), request_body = ColumnsInput,
    params(("resource" = Resource, Path, description = "`customer` or `contact`")),
    responses(
        (status = 200, description = "Your columns are saved", body = Resolved),
        (status = 422, description = "A column you may not see or that cannot be a column, none or too many, or a record type without layouts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/layouts/{resource}/columns")]
pub async fn set_columns(
    state: web::Data<AppState>,
    user: AuthUser,
    resource: web::Path<Resource>,
    body: web::Json<ColumnsInput>,
) -> AppResult<HttpResponse> {
    let r = service::set_columns(&state.db, &user.0, *resource, Some(body.into_inner())).await?;
    Ok(HttpResponse::Ok().json(r))
}

/// Go back to the layout's default list columns.
#[utoipa::path(
    tag = "layouts", security(("bearer" = [])),
    params(("resource" = Resource, Path, description = "`customer` or `contact`")),
    responses(
        (status = 200, description = "Back to the default columns", body = Resolved),
        (status = 422, description = "This record type has no layout", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/layouts/{resource}/columns")]
pub async fn reset_columns(
    state: web::Data<AppState>,
    user: AuthUser,
    resource: web::Path<Resource>,
) -> AppResult<HttpResponse> {
    let r = service::set_columns(&state.db, &user.0, *resource, None).await?;
    Ok(HttpResponse::Ok().json(r))
}
