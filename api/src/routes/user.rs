use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use kaidan_shared::page::Page;
use kaidan_shared::user::{
    ResetPasswordRequest, SignInLocks, User, UserCreate, UserListQuery, UserUpdate,
};
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::extract::if_match::IfMatchHeader;
use crate::routes::{json_with_etag, IfMatch};
use crate::services::user as service;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user)
        .service(deactivate_user)
        .service(activate_user)
        .service(reset_password)
        .service(user_sign_in_locks)
        .service(clear_sign_in_locks);
}

/// The user's sign-in locks (admin): addresses that used up their password guesses for this
/// account, and how much every check of it is slowed down.
#[utoipa::path(
    tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Current locks and slow-down", body = SignInLocks),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}/sign-in-locks")]
pub async fn user_sign_in_locks(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let locks = service::sign_in_locks(&state.read, &state.settings.auth, &user.0, *id).await?;
    Ok(HttpResponse::Ok().json(locks))
}

/// Clear the user's sign-in locks and slow-down (admin; audited).
#[utoipa::path(
    tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Cleared"),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/users/{id}/sign-in-locks")]
pub async fn clear_sign_in_locks(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    service::clear_sign_in_locks(&state.db, &state.settings.auth, &user.0, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Users inside your scope (admins: all; managers: their region; supervisors: their team; others: themselves).
#[utoipa::path(
    tag = "users", security(("bearer" = [])), params(UserListQuery),
    responses((status = 200, description = "A page of users by username", body = Page<User>))
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<UserListQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service::list(&state.read, &user.0, q.into_inner()).await?))
}

/// Create a user (admin).
#[utoipa::path(
    tag = "users", security(("bearer" = [])), request_body = UserCreate,
    responses(
        (status = 201, description = "Created", body = User, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Username taken (`conflict`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<UserCreate>,
) -> AppResult<HttpResponse> {
    let u = service::create(&state.db, &state.hasher, &user.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::CREATED, &u, u.version))
}

/// One user inside your scope.
#[utoipa::path(
    tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The user", body = User, headers(("ETag" = String))),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let u = service::get(&state.read, &user.0, *id).await?;
    Ok(json_with_etag(StatusCode::OK, &u, u.version))
}

/// Change a user's name, role, team or region (admin). Takes effect on their next request.
#[utoipa::path(
    tag = "users", security(("bearer" = [])), request_body = UserUpdate,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Updated", body = User, headers(("ETag" = String))),
        (status = 403, description = "Only admins; nobody changes their own role", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<UserUpdate>,
) -> AppResult<HttpResponse> {
    let u = service::update(&state.db, &user.0, *id, if_match.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &u, u.version))
}

/// Deactivate a user (admin): they cannot sign in and their tokens stop working at once.
#[utoipa::path(
    tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Deactivated", body = User, headers(("ETag" = String))),
        (status = 403, description = "Only admins; not yourself", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/deactivate")]
pub async fn deactivate_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let u = service::set_active(&state.db, &user.0, *id, false).await?;
    Ok(json_with_etag(StatusCode::OK, &u, u.version))
}

/// Reactivate a user (admin).
#[utoipa::path(
    tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Active again", body = User, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/activate")]
pub async fn activate_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let u = service::set_active(&state.db, &user.0, *id, true).await?;
    Ok(json_with_etag(StatusCode::OK, &u, u.version))
}

/// Set a new password for a user (admin). Ends all their sessions.
#[utoipa::path(
    tag = "users", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ResetPasswordRequest,
    responses(
        (status = 204, description = "Password set"),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/reset-password")]
pub async fn reset_password(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<ResetPasswordRequest>,
) -> AppResult<HttpResponse> {
    service::reset_password(
        &state.db,
        &state.hasher,
        &user.0,
        *id,
        body.into_inner().new_password,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
