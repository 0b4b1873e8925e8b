//! What every duplicate check shares once it has its matches: a match the caller may not open is
//! shown masked, costs one of the caller's cross-scope answers per hour (429 past the limit, so
//! nobody maps other teams' customers through the check) and is written to the matched record's
//! history. Customers and leads both end their checks here.

use kaidan_shared::audit::AuditAction;
use kaidan_shared::duplicate::DuplicateMatch;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::auth::Actor;
use crate::config::LimitSettings;
use crate::error::{AppError, AppResult};
use crate::services::counters::{self, Key, Taken};
use crate::services::{audit, begin_write};

/// A match as found: what the caller is told, and the record's id when they may not see it.
pub struct Found {
    pub shown: DuplicateMatch,
    pub hidden: Option<Hidden>,
}

/// A match outside the caller's scope, for its history.
pub struct Hidden {
    pub id: Uuid,
    pub entity: &'static str,
    pub action: AuditAction,
}

/// The matches to answer, after charging and recording those outside the caller's scope.
pub async fn settle(
    db: &DatabaseConnection,
    actor: &Actor,
    limits: &LimitSettings,
    found: Vec<Found>,
) -> AppResult<Vec<DuplicateMatch>> {
    if found.iter().any(|f| f.hidden.is_some()) {
        let key = Key::new("dup_cross_scope", &actor.user_id.to_string(), "");
        let max = limits.cross_scope_duplicates_per_hour as i64;
        if let Taken::Full { retry_after_secs } = counters::take(db, &key, max, 3600).await? {
            return Err(AppError::too_many(retry_after_secs).with_detail(
                "too many duplicate checks that matched other teams' records; try again later",
            ));
        }
        let txn = begin_write(db).await?;
        for f in &found {
            if let Some(h) = &f.hidden {
                let after = serde_json::json!({ "matched_on": f.shown.matched_on });
                audit::record(
                    &txn,
                    actor,
                    audit::Change {
                        action: h.action,
                        entity: h.entity,
                        entity_id: h.id,
                        subject_id: h.id,
                        before: None,
                        after: Some(after),
                    },
                )
                .await?;
            }
        }
        txn.commit().await?;
    }
    Ok(found.into_iter().map(|f| f.shown).collect())
}
