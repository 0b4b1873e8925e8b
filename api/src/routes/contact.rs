use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use kaidan_shared::contact::{Contact, ContactInput, ContactUpdate};
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::extract::if_match::IfMatchHeader;
use crate::routes::{json_with_etag, IfMatch};
use crate::services::contact as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_contacts)
        .service(create_contact)
        .service(get_contact)
        .service(update_contact)
        .service(archive_contact);
}

/// The customer's contacts, primary first.
#[utoipa::path(
    tag = "contacts", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Customer id")),
    responses(
        (status = 200, description = "Contacts", body = Vec<Contact>),
    )
)]
#[get("/customers/{id}/contacts")]
pub async fn list_contacts(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::list(&state.read, &state.rules, &user.0, *id).await?))
}

/// Add a contact to a customer. The first contact becomes the primary one.
#[utoipa::path(
    tag = "contacts", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Customer id")),
    request_body = ContactInput,
    responses(
        (status = 201, description = "Created", body = Contact, headers(("ETag" = String))),
        (status = 403, description = "Role may not add contacts", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The customer is archived", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/customers/{id}/contacts")]
pub async fn create_contact(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<ContactInput>,
) -> AppResult<HttpResponse> {
    let c = service::create(&state.db, &state.rules, &user.0, *id, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::CREATED, &c, c.version))
}

/// One contact.
#[utoipa::path(
    tag = "contacts", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The contact", body = Contact, headers(("ETag" = String))),
    )
)]
#[get("/contacts/{id}")]
pub async fn get_contact(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let c = service::get(&state.read, &state.rules, &user.0, *id).await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.version))
}

/// Change a contact; `is_primary: true` makes it the customer's primary contact.
#[utoipa::path(
    tag = "contacts", security(("bearer" = [])), request_body = ContactUpdate,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Updated", body = Contact, headers(("ETag" = String))),
        (status = 403, description = "Role may not edit contacts", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The customer is archived", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/contacts/{id}")]
pub async fn update_contact(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<ContactUpdate>,
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

/// Remove a contact from the customer (archived; the history keeps it).
#[utoipa::path(
    tag = "contacts", security(("bearer" = [])),
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Role may not remove contacts", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The customer is archived", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/contacts/{id}")]
pub async fn archive_contact(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    service::archive(&state.db, &user.0, *id, if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
