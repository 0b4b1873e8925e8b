use actix_web::{get, post, web, HttpRequest, HttpResponse};
use kaidan_shared::auth::{
    ChangePasswordRequest, JwkSet, LoginRequest, LogoutRequest, Me, RefreshRequest, TokenResponse,
};
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::extractor::client_ip;
use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::services::sessions;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(me)
        .service(change_password);
}

/// Sign in with username and password.
///
/// Returns a short-lived access token and a single-use refresh token. Unknown usernames, wrong
/// passwords and deactivated accounts get the same answer. Repeated failures per account or per
/// IP are throttled with 429 and `Retry-After`.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong username or password (`invalid_credentials`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed sign-ins (`too_many_requests`)", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> AppResult<HttpResponse> {
    let ip = client_ip(&req, state.settings.server.trust_forwarded_for).unwrap_or_default();
    let body = body.into_inner();
    let tokens = sessions::login(&state, &body.username, body.password, &ip).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(tokens))
}

/// Exchange a refresh token for a new access token and a new refresh token.
///
/// Each refresh token works once. Presenting one that was already used revokes the whole session
/// (`refresh_token_reused`): it was probably stolen.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, description = "`invalid_refresh_token` or `refresh_token_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> AppResult<HttpResponse> {
    let tokens = sessions::refresh(&state, &body.refresh_token).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(tokens))
}

/// Sign out: revokes the session the refresh token belongs to.
#[utoipa::path(
    tag = "auth",
    request_body = LogoutRequest,
    responses((status = 204, description = "Signed out (also when the token was unknown)"))
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: web::Json<LogoutRequest>,
) -> AppResult<HttpResponse> {
    sessions::logout(&state, &body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, description = "The signed-in user", body = Me))
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(sessions::me(&state.db, user.0.user_id).await?))
}

/// Change your own password.
///
/// Ends all your other sessions and returns fresh tokens for this device.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "Password changed; new tokens", body = TokenResponse),
        (status = 403, description = "The current password is wrong (`wrong_password`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<ChangePasswordRequest>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let tokens =
        sessions::change_password(&state, &user.0, b.current_password, b.new_password).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(tokens))
}

/// The public keys that verify access tokens (JWKS, RFC 7517; Ed25519 per RFC 8037).
#[utoipa::path(tag = "auth", responses((status = 200, description = "Key set", body = JwkSet)))]
#[get("/.well-known/jwks.json")]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "public, max-age=300"))
        .json(JwkSet {
            keys: vec![state.keys.jwk.clone()],
        })
}
