use actix_web::{get, web, HttpResponse};
use kaidan_shared::auth::Health;

use crate::state::AppState;

/// Liveness: the process answers.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Alive", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
        database: None,
        time: chrono::Utc::now(),
    })
}

/// Readiness: the database answers.
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
    let body = Health {
        status: if ok { "ok" } else { "unavailable" }.into(),
        database: Some(if ok { "ok" } else { "unreachable" }.into()),
        time: chrono::Utc::now(),
    };
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Metrics", body = String, content_type = "text/plain; version=0.0.4"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}
