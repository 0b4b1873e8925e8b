use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use kaidan_shared::field::{FieldDef, FieldDefCreate, FieldDefUpdate, FieldQuery, FieldSet};
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::extract::if_match::IfMatchHeader;
use crate::routes::{json_with_etag, IfMatch};
use crate::services::field as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_fields)
        .service(create_field)
        .service(update_field);
}

/// The custom fields of a record type (admins: all, retired ones included; others: the active
/// fields their role sees), and the JSON Schema of the
/// record's `custom` object for the caller's role (the fields it may see; read-only ones marked
/// `readOnly`). Third parties read this to know a company's own fields.
#[utoipa::path(
    tag = "fields", security(("bearer" = [])), params(FieldQuery),
    responses(
        (status = 200, description = "Fields in form order, and the schema of `custom`", body = FieldSet),
    )
)]
#[get("/fields")]
pub async fn list_fields(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<FieldQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::set(&state.read, &user.0, q.resource).await?))
}

/// Add a custom field to a record type (admin).
#[utoipa::path(
    tag = "fields", security(("bearer" = [])), request_body = FieldDefCreate,
    responses(
        (status = 201, description = "Created", body = FieldDef, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The record type has a field with this key (`conflict`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/fields")]
pub async fn create_field(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<FieldDefCreate>,
) -> AppResult<HttpResponse> {
    let f = service::create(&state.db, &user.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::CREATED, &f, f.version))
}

/// Change a custom field (admin): labels, help, section, order, required, default, who sees and
/// edits it, filterable; retire it (`active: false`, its values are kept) or bring it back. The
/// key and type change only while no record holds a value (`used`).
#[utoipa::path(
    tag = "fields", security(("bearer" = [])), request_body = FieldDefUpdate,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Updated", body = FieldDef, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The record type has a field with this key (`conflict`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/fields/{id}")]
pub async fn update_field(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<FieldDefUpdate>,
) -> AppResult<HttpResponse> {
    let f = service::update(&state.db, &user.0, *id, if_match.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &f, f.version))
}
