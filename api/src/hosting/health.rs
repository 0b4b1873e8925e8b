use actix_web::{get, web, HttpRequest, HttpResponse};
use kaidan_shared::auth::Health;
use kaidan_shared::{ErrorCode, Problem};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::extract::bearer::bearer_token;
use crate::services::user as users;
use crate::state::AppState;

/// Liveness: the process answers.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Alive", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
        database: None,
        warnings: Vec::new(),
        time: chrono::Utc::now(),
    })
}

/// Readiness: the database answers. `warnings` names what an operator must fix, such as
/// `demo_password_in_use` while an active account still has the README's demo password.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "The database does not answer", body = Health),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let ok = state.db.ping().await.is_ok();
    let mut warnings = Vec::new();
    if ok && users::with_demo_password(&state.db).await.unwrap_or(0) > 0 {
        warnings.push("demo_password_in_use".to_owned());
    }
    let body = Health {
        status: if ok { "ok" } else { "unavailable" }.into(),
        database: Some(if ok { "ok" } else { "unreachable" }.into()),
        warnings,
        time: chrono::Utc::now(),
    };
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus metrics (text exposition format). Labels are bounded: the method (or `OTHER`), the
/// route template (never the raw path) and the status. With `metrics.bearer_token` set it needs
/// that token; with `metrics.listen` set it is served only on that address (404 here).
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Metrics", body = String, content_type = "text/plain; version=0.0.4"),
        (status = 401, description = "`metrics.bearer_token` is set and was not sent (`unauthenticated`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Metrics are served on the separate `metrics.listen` address", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if state.settings.metrics.listen.is_some() {
        return Err(AppError::not_found());
    }
    render_metrics(&req, &state)
}

/// The metrics body, after the bearer-token check when one is configured.
pub fn render_metrics(req: &HttpRequest, state: &AppState) -> Result<HttpResponse, AppError> {
    if let Some(expected) = &state.settings.metrics.bearer_token {
        let given = bearer_token(req).unwrap_or_default();
        // Compare digests, so timing says nothing about the token.
        let ok =
            Sha256::digest(given.as_bytes()) == Sha256::digest(expected.expose_secret().as_bytes());
        if !ok {
            return Err(AppError::new(ErrorCode::Unauthenticated)
                .with_detail("metrics need the configured bearer token"));
        }
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body(state.metrics.render()))
}

/// `/metrics` on the separate metrics listener.
pub async fn metrics_only(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    render_metrics(&req, &state)
}
