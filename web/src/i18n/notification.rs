//! Notifications' words: each kind's sentence, made from the facts the server stored.

use kaidan_shared::notification::{Notification, NotificationKind};

use super::{texts, Lang};

texts! {
    NotificationText;
    Notifications => "通知", "Notifications";
    Unread => "未读通知", "unread notifications";
    MarkAllRead => "全部标为已读", "Mark all read";
    NoNotifications => "暂无通知", "No notifications";
    OnlyUnread => "只看未读", "Unread only";
}

/// The sentence of a notification in `lang`.
pub fn sentence(n: &Notification, lang: Lang) -> String {
    let name = n.data["name"].as_str().unwrap_or("").to_owned();
    let num = |k: &str| n.data[k].as_i64().unwrap_or(0);
    let text = |k: &str| n.data[k].as_str().unwrap_or("").to_owned();
    match (n.kind, lang) {
        (NotificationKind::PoolWarning, Lang::Zh) => {
            format!(
                "客户「{name}」将在 {} 天后因未跟进被收回公海，请及时跟进",
                num("days_left")
            )
        }
        (NotificationKind::PoolWarning, Lang::En) => format!(
            "{name} goes back to the pool in {} days unless you follow it up",
            num("days_left")
        ),
        (NotificationKind::PoolReclaimed, Lang::Zh) => {
            format!("客户「{name}」{} 天未跟进，已被收回公海", num("days"))
        }
        (NotificationKind::PoolReclaimed, Lang::En) => format!(
            "{name} was not followed up for {} days and went back to the pool",
            num("days")
        ),
        (NotificationKind::LeadAssigned, Lang::Zh) => format!("新线索「{name}」已分配给你"),
        (NotificationKind::LeadAssigned, Lang::En) => format!("New lead {name} assigned to you"),
        (NotificationKind::DealStale, Lang::Zh) => {
            format!("商机「{name}」已 {} 天没有进展", num("days"))
        }
        (NotificationKind::DealStale, Lang::En) => {
            format!("Deal {name} has not moved for {} days", num("days"))
        }
        (NotificationKind::FollowUpDue, Lang::Zh) => {
            format!(
                "跟进任务「{}」（{}）30 分钟后到期",
                text("title"),
                text("customer")
            )
        }
        (NotificationKind::FollowUpDue, Lang::En) => format!(
            "Follow-up \"{}\" ({}) is due in 30 minutes",
            text("title"),
            text("customer")
        ),
        (NotificationKind::FollowUpOverdue, Lang::Zh) => {
            format!(
                "跟进任务「{}」（{}）已逾期",
                text("title"),
                text("customer")
            )
        }
        (NotificationKind::FollowUpOverdue, Lang::En) => format!(
            "Follow-up \"{}\" ({}) is overdue",
            text("title"),
            text("customer")
        ),
        (NotificationKind::DailyDigest, Lang::Zh) => format!(
            "今日待办：{} 个跟进任务今天到期，{} 个已逾期，{} 个拜访计划",
            num("due_today"),
            num("overdue"),
            num("visits_today")
        ),
        (NotificationKind::DailyDigest, Lang::En) => format!(
            "Today: {} follow-ups due, {} overdue, {} visits planned",
            num("due_today"),
            num("overdue"),
            num("visits_today")
        ),
        (NotificationKind::ApprovalRequested, Lang::Zh) => format!(
            "{} 提交的「{}」（{}）等待你审批",
            text("submitter"),
            text("title"),
            yuan(num("amount"))
        ),
        (NotificationKind::ApprovalRequested, Lang::En) => format!(
            "{} asks you to approve \"{}\" ({})",
            text("submitter"),
            text("title"),
            yuan(num("amount"))
        ),
        (NotificationKind::ApprovalReminder, Lang::Zh) => {
            format!("「{}」仍在等待你审批", text("title"))
        }
        (NotificationKind::ApprovalReminder, Lang::En) => {
            format!("\"{}\" is still waiting for your approval", text("title"))
        }
        (NotificationKind::ApprovalApproved, Lang::Zh) => {
            format!("你提交的「{}」已审批通过", text("title"))
        }
        (NotificationKind::ApprovalApproved, Lang::En) => {
            format!("\"{}\" was approved", text("title"))
        }
        (NotificationKind::ApprovalRejected, Lang::Zh) => format!(
            "你提交的「{}」被 {} 驳回：{}",
            text("title"),
            text("by"),
            text("comment")
        ),
        (NotificationKind::ApprovalRejected, Lang::En) => format!(
            "\"{}\" was rejected by {}: {}",
            text("title"),
            text("by"),
            text("comment")
        ),
        (NotificationKind::PaymentOverdue, Lang::Zh) => format!(
            "合同「{} {}」的回款计划（{}）已逾期，未回款 {}",
            text("number"),
            text("title"),
            text("due_date"),
            yuan(num("outstanding"))
        ),
        (NotificationKind::PaymentOverdue, Lang::En) => format!(
            "An instalment of {} {} (due {}) is overdue: {} outstanding",
            text("number"),
            text("title"),
            text("due_date"),
            yuan(num("outstanding"))
        ),
        (NotificationKind::WebhookDisabled, Lang::Zh) => format!(
            "「{}」的事件推送 {} 已停用：{}",
            text("client"),
            text("url"),
            text("reason")
        ),
        (NotificationKind::WebhookDisabled, Lang::En) => format!(
            "{}'s webhook {} was disabled: {}",
            text("client"),
            text("url"),
            text("reason")
        ),
        (NotificationKind::Other, Lang::Zh) => "新通知".into(),
        (NotificationKind::Other, Lang::En) => "New notification".into(),
    }
}

/// 分 as yuan with the 分 and thousands separators, for a sentence.
fn yuan(fen: i64) -> String {
    format!("¥{}", kaidan_shared::money::yuan(fen))
}

/// Where a notification leads: the record it is about, when there is a screen for it.
pub fn link(n: &Notification) -> Option<String> {
    match (n.resource.as_deref(), n.record_id) {
        (Some("customer"), Some(id)) if n.kind == NotificationKind::PoolReclaimed => {
            Some(format!("/pool/customers/{id}"))
        }
        (Some("customer"), Some(id)) => Some(format!("/customers/{id}")),
        (Some("lead"), Some(id)) => Some(format!("/leads/{id}")),
        (Some("opportunity"), Some(id)) => Some(format!("/opportunities/{id}")),
        (Some("follow_up"), Some(_)) => Some("/follow-ups".into()),
        (Some("approval"), Some(id)) => Some(format!("/approvals/{id}")),
        (Some("contract"), Some(id)) => Some(format!("/contracts/{id}")),
        (None, None) if n.kind == NotificationKind::DailyDigest => Some("/visits".into()),
        (None, _) if n.kind == NotificationKind::WebhookDisabled => Some("/admin".into()),
        _ => None,
    }
}
