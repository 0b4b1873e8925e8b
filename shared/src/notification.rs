//! In-app notifications (通知): one list per user that every module writes to — lead assigned,
//! reclaim warning, reclaimed, stale deal, and later reminders and approvals.
//!
//! A notification stores facts (`kind` and `data`), not sentences: each reader sees it in their
//! own language, and other channels (DingTalk, Feishu robots) format the same facts their way.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// What a notification is about. The web app's words match on the variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A lead was assigned to you (`data`: `name`, `rule`).
    LeadAssigned,
    /// A customer of yours goes back to the public pool on `data.reclaim_at` unless followed up.
    PoolWarning,
    /// A customer of yours went back to the public pool (`data`: `name`, `pool`).
    PoolReclaimed,
    /// An opportunity of yours has had no activity for `data.days` days in its stage.
    DealStale,
    /// A follow-up task of yours is due soon (`data`: `title`, `customer`, `due_at`, `kind`).
    FollowUpDue,
    /// A follow-up task of yours is past its due time (`data` as for `follow_up_due`).
    FollowUpOverdue,
    /// Your morning digest (`data`: `day`, `due_today`, `overdue`, `visits_today`).
    DailyDigest,
    /// An approval waits for your decision (`data`: `title`, `amount`, `submitter`).
    ApprovalRequested,
    /// An approval waiting for you has waited past its reminder time (`data` as above).
    ApprovalReminder,
    /// Your submission was approved (`data`: `title`, `amount`).
    ApprovalApproved,
    /// Your submission was rejected (`data`: `title`, `amount`, `by`, `comment`).
    ApprovalRejected,
    /// An instalment of your contract is past due (`data`: `number`, `title`, `due_date`,
    /// `outstanding`).
    PaymentOverdue,
    /// A webhook was stopped after its deliveries kept failing (`data`: `url`, `client`,
    /// `reason`). To admins.
    WebhookDisabled,
    /// A kind this build does not know (from a newer server).
    #[serde(other)]
    Other,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 13] = [
        NotificationKind::LeadAssigned,
        NotificationKind::PoolWarning,
        NotificationKind::PoolReclaimed,
        NotificationKind::DealStale,
        NotificationKind::FollowUpDue,
        NotificationKind::FollowUpOverdue,
        NotificationKind::DailyDigest,
        NotificationKind::ApprovalRequested,
        NotificationKind::ApprovalReminder,
        NotificationKind::ApprovalApproved,
        NotificationKind::ApprovalRejected,
        NotificationKind::PaymentOverdue,
        NotificationKind::WebhookDisabled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::LeadAssigned => "lead_assigned",
            NotificationKind::PoolWarning => "pool_warning",
            NotificationKind::PoolReclaimed => "pool_reclaimed",
            NotificationKind::DealStale => "deal_stale",
            NotificationKind::FollowUpDue => "follow_up_due",
            NotificationKind::FollowUpOverdue => "follow_up_overdue",
            NotificationKind::DailyDigest => "daily_digest",
            NotificationKind::ApprovalRequested => "approval_requested",
            NotificationKind::ApprovalReminder => "approval_reminder",
            NotificationKind::ApprovalApproved => "approval_approved",
            NotificationKind::ApprovalRejected => "approval_rejected",
            NotificationKind::PaymentOverdue => "payment_overdue",
            NotificationKind::WebhookDisabled => "webhook_disabled",
            NotificationKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> NotificationKind {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or(NotificationKind::Other)
    }
}

/// How long a notification is kept.
pub const KEEP_DAYS: i64 = 90;

/// The unread count stops at this (the bell shows "99+").
pub const UNREAD_CAP: u64 = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: Uuid,
    pub kind: NotificationKind,
    /// The record it is about (`customer`, `lead`, `opportunity`…), for the link.
    pub resource: Option<String>,
    pub record_id: Option<Uuid>,
    /// The facts of the kind (names, dates, counts).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: Value,
    pub read: bool,
    pub created_at: DateTime<Utc>,
}

crate::list_query! {
    /// Your notifications, newest first.
    pub struct NotificationListQuery {
        /// Only those not read yet.
        pub unread: Option<bool>,
    }
}

/// The bell's number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnreadCount {
    /// Unread notifications, counted up to 100 (100 means "100 or more").
    pub count: u64,
}

/// What "mark all read" did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkedRead {
    pub marked: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_unknown_ones_are_other() {
        for k in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(k.as_str()), k);
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                Value::String(k.as_str().into())
            );
        }
        let k: NotificationKind = serde_json::from_str(r#""approval_due""#).unwrap();
        assert_eq!(k, NotificationKind::Other);
    }
}
