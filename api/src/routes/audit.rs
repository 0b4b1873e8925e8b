use actix_web::{get, web, HttpResponse};
use kaidan_shared::audit::{AuditEntry, AuditQuery};
use kaidan_shared::page::Page;
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::services::audit;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit);
}

/// The audit log, newest first (admin).
#[utoipa::path(
    tag = "audit", security(("bearer" = [])), params(AuditQuery),
    responses(
        (status = 200, description = "A page of audit entries", body = Page<AuditEntry>),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(audit::list(&state.read, &user.0, q.into_inner()).await?))
}
