//! The audit trail: `/api/v1/audit` (admins).

use kaidan_shared::audit::{AuditEntry, AuditQuery};
use kaidan_shared::page::Page;

use super::{query, ApiResult};

pub async fn list(q: &AuditQuery) -> ApiResult<Page<AuditEntry>> {
    Ok(super::get(&format!("/api/v1/audit{}", query(q)))
        .await?
        .body)
}
