use actix_web::cookie::{time::Duration as CookieAge, Cookie, SameSite};
use actix_web::{get, post, web, HttpMessage, HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use kaidan_shared::auth::{
    ChangePasswordRequest, JwkSet, LoginRequest, LogoutRequest, Me, RefreshRequest, TokenResponse,
};
use kaidan_shared::{ErrorCode, Problem};
use rand::RngCore;
use sha2::{Digest, Sha256};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::error::{AppError, AppResult};
use crate::extract::client_addr;
use crate::extract::request_id::RequestId;
use crate::services::sessions::{self, Issued, Origin};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(me)
        .service(change_password);
}

/// The browser's refresh token: `HttpOnly`, so no script (nor an XSS) can read it; sent only to
/// the refresh and logout endpoints; never cross-site.
pub const REFRESH_COOKIE: &str = "kaidan_refresh";
/// The double-submit CSRF token: readable by the web app, which echoes it in `X-CSRF-Token`.
pub const CSRF_COOKIE: &str = "kaidan_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
const COOKIE_PATH: &str = "/api/v1/auth";

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn cookie(
    name: &'static str,
    value: String,
    path: &'static str,
    http_only: bool,
    secure: bool,
    age: CookieAge,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path(path)
        .http_only(http_only)
        .secure(secure)
        .same_site(SameSite::Strict)
        .max_age(age)
        .finish()
}

/// The token answer: never cached; for a cookie session the refresh token leaves the body and
/// goes into the `HttpOnly` cookie, with a fresh CSRF token beside it.
fn token_reply(req: &HttpRequest, issued: Issued) -> HttpResponse {
    let mut b = HttpResponse::Ok();
    b.insert_header(("cache-control", "no-store"));
    let mut tokens = issued.tokens;
    if issued.cookie {
        let secure = client_addr::of(req).https;
        let age = CookieAge::seconds(tokens.refresh_expires_in);
        let token = tokens.refresh_token.take().unwrap_or_default();
        b.cookie(cookie(
            REFRESH_COOKIE,
            token,
            COOKIE_PATH,
            true,
            secure,
            age,
        ));
        b.cookie(cookie(CSRF_COOKIE, random_token(), "/", false, secure, age));
    }
    b.json(tokens)
}

fn same(a: &str, b: &str) -> bool {
    // Compare digests, so the time taken says nothing about how much of the token matched.
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

/// The refresh token of a cookie session, after the CSRF checks: the request is not cross-site
/// (`Sec-Fetch-Site`, where the browser sends it) and `X-CSRF-Token` equals the CSRF cookie.
/// `None` when there is no refresh cookie.
fn cookie_token(req: &HttpRequest) -> AppResult<Option<String>> {
    let Some(token) = req.cookie(REFRESH_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(None);
    };
    let csrf_failed = || AppError::new(ErrorCode::CsrfFailed);
    let site = req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok());
    if matches!(site, Some("cross-site" | "same-site")) {
        return Err(csrf_failed());
    }
    let header = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let expected = req.cookie(CSRF_COOKIE).map(|c| c.value().to_owned());
    match expected {
        Some(e) if !e.is_empty() && same(&e, header) => Ok(Some(token)),
        _ => Err(csrf_failed()),
    }
}

fn origin(req: &HttpRequest) -> Origin {
    Origin {
        ip: client_addr::of(req).ip_string(),
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
    }
}

/// Sign in with username and password.
///
/// Returns a short-lived access token and a single-use refresh token (in the body, or with
/// `refresh_in_cookie` in an `HttpOnly` cookie for the web app). Unknown usernames, wrong
/// passwords and deactivated accounts get the same answer. Password checks are limited per
/// account and address and per address (429 with `Retry-After`); across addresses an account is
/// only slowed down, never locked. Does not take `Idempotency-Key`: token answers are never
/// stored.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in (with `refresh_in_cookie`, `Set-Cookie` carries `kaidan_refresh` and `kaidan_csrf`)", body = TokenResponse),
        (status = 401, description = "Wrong username or password (`invalid_credentials`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many sign-in attempts (`too_many_requests`)", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let issued = sessions::login(
        &state,
        &body.username,
        body.password,
        origin(&req),
        body.refresh_in_cookie,
    )
    .await?;
    Ok(token_reply(&req, issued))
}

/// Exchange a refresh token for a new access token and a new refresh token.
///
/// Each refresh token works once. Presenting one that was already used revokes the whole session
/// (`refresh_token_reused`): it was probably stolen. The web app sends no token and relies on its
/// `kaidan_refresh` cookie; then `X-CSRF-Token` must echo the `kaidan_csrf` cookie.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    params(("X-CSRF-Token" = Option<String>, Header, description = "With the refresh cookie: the `kaidan_csrf` cookie's value")),
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, description = "`invalid_refresh_token` or `refresh_token_reused`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Cookie session without the matching `X-CSRF-Token` (`csrf_failed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<RefreshRequest>,
) -> AppResult<HttpResponse> {
    let token = match body.into_inner().refresh_token {
        Some(t) => t,
        None => cookie_token(&req)?.ok_or_else(|| AppError::new(ErrorCode::InvalidRefreshToken))?,
    };
    let issued = sessions::refresh(&state, &token).await?;
    Ok(token_reply(&req, issued))
}

/// Sign out: revokes the session of the refresh token (or of the `kaidan_refresh` cookie, with
/// `X-CSRF-Token`); its access tokens stop working at once.
#[utoipa::path(
    tag = "auth",
    request_body = LogoutRequest,
    params(("X-CSRF-Token" = Option<String>, Header, description = "With the refresh cookie: the `kaidan_csrf` cookie's value")),
    responses(
        (status = 204, description = "Signed out (also when the token was unknown)"),
        (status = 403, description = "Cookie session without the matching `X-CSRF-Token` (`csrf_failed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LogoutRequest>,
) -> AppResult<HttpResponse> {
    let token = match body.into_inner().refresh_token {
        Some(t) => Some(t),
        None => cookie_token(&req)?,
    };
    if let Some(t) = token {
        sessions::logout(&state, &t).await?;
    }
    let secure = client_addr::of(&req).https;
    Ok(HttpResponse::NoContent()
        .cookie(cookie(
            REFRESH_COOKIE,
            String::new(),
            COOKIE_PATH,
            true,
            secure,
            CookieAge::ZERO,
        ))
        .cookie(cookie(
            CSRF_COOKIE,
            String::new(),
            "/",
            false,
            secure,
            CookieAge::ZERO,
        ))
        .finish())
}

/// The signed-in user.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, description = "The signed-in user", body = Me))
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(sessions::me(&state.read, user.0.user_id).await?))
}

/// Change your own password.
///
/// Ends all your sessions and returns fresh tokens for this device (a cookie session gets a new
/// cookie). A wrong current password counts as a failed sign-in. Does not take
/// `Idempotency-Key`: token answers are never stored.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "Password changed; new tokens", body = TokenResponse),
        (status = 403, description = "The current password is wrong (`wrong_password`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many password checks (`too_many_requests`)", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    body: web::Json<ChangePasswordRequest>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let sid = user.0.session_id.unwrap_or_default();
    let issued =
        sessions::change_password(&state, &user.0, sid, b.current_password, b.new_password).await?;
    Ok(token_reply(&req, issued))
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
