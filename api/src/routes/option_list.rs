use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use kaidan_shared::option_list::{OptionList, OptionListCreate, OptionListUpdate};
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::extract::if_match::IfMatchHeader;
use crate::routes::{json_with_etag, IfMatch};
use crate::services::option_list as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_option_lists)
        .service(get_option_list)
        .service(create_option_list)
        .service(update_option_list);
}

/// Every option list with its options in display order (everyone signed in: forms and filters
/// are drawn from them). Retired options are included with `active: false`.
#[utoipa::path(tag = "option-lists", security(("bearer" = [])), responses((status = 200, description = "Option lists by key", body = Vec<OptionList>)))]
#[get("/option-lists")]
pub async fn list_option_lists(
    state: web::Data<AppState>,
    user: AuthUser,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::list(&state.read, &user.0).await?))
}

/// One option list.
#[utoipa::path(
    tag = "option-lists", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The list", body = OptionList, headers(("ETag" = String))))
)]
#[get("/option-lists/{id}")]
pub async fn get_option_list(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let l = service::get(&state.read, &user.0, *id).await?;
    Ok(json_with_etag(StatusCode::OK, &l, l.version))
}

/// Create an option list (admin).
#[utoipa::path(
    tag = "option-lists", security(("bearer" = [])), request_body = OptionListCreate,
    responses(
        (status = 201, description = "Created", body = OptionList, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Key taken (`conflict`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/option-lists")]
pub async fn create_option_list(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<OptionListCreate>,
) -> AppResult<HttpResponse> {
    let l = service::create(&state.db, &user.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::CREATED, &l, l.version))
}

/// Rename an option list or set its options (admin): `options` is the whole list in its new
/// order; new keys are added, existing ones relabelled, reordered or retired (`active: false`),
/// never removed.
#[utoipa::path(
    tag = "option-lists", security(("bearer" = [])), request_body = OptionListUpdate,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Updated", body = OptionList, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/option-lists/{id}")]
pub async fn update_option_list(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<OptionListUpdate>,
) -> AppResult<HttpResponse> {
    let l = service::update(&state.db, &user.0, *id, if_match.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &l, l.version))
}
