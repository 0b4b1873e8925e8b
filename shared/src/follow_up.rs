//! Follow-up tasks (跟进任务): a call, a visit, a WeChat message or an e-mail a rep owes a
//! customer by a time. A visit's "next follow-up" date makes one; reminders come before the due
//! time, when it has passed, and in each rep's morning digest.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{FieldCode, FieldError};
use crate::field::CustomValues;
use crate::patch::Patch;
use crate::validate::{limits, Errors};
use crate::visit::time_errors;

/// How far ahead a task may be put off at once.
pub const MAX_SNOOZE_DAYS: i64 = 366;

/// Where a task is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FollowUpStatus {
    Open,
    Done,
    Cancelled,
}

impl FollowUpStatus {
    pub const ALL: [FollowUpStatus; 3] = [
        FollowUpStatus::Open,
        FollowUpStatus::Done,
        FollowUpStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FollowUpStatus::Open => "open",
            FollowUpStatus::Done => "done",
            FollowUpStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<FollowUpStatus> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUp {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub customer_name: Option<String>,
    /// The linked deal; absent when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opportunity_id: Option<Uuid>,
    /// The visit whose next follow-up date made this task; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    /// An option key of `followup_type` (`call`, `visit`, `wechat`, `email` …).
    pub kind: String,
    pub title: String,
    pub notes: Option<String>,
    /// When it is due (put off by a snooze).
    pub due_at: DateTime<Utc>,
    pub status: FollowUpStatus,
    /// Open and past its due time, by the server's clock when it answered.
    pub overdue: bool,
    pub done_at: Option<DateTime<Utc>>,
    /// What came of it, written when it was done.
    pub result: Option<String>,
    /// How often it was put off.
    pub snooze_count: u32,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn text_errors(e: &mut Errors, title: Option<&str>, kind: Option<&str>, notes: Option<&str>) {
    if let Some(t) = title {
        e.required_text("title", t, limits::NAME);
    }
    if let Some(k) = kind {
        e.required_text("kind", k, 40);
    }
    e.optional_text("notes", notes, limits::NOTES);
}

/// A new task for a customer; the caller's own unless a supervisor gives it to a rep.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FollowUpCreate {
    pub customer_id: Uuid,
    #[serde(default)]
    pub opportunity_id: Option<Uuid>,
    /// An option key of `followup_type`.
    #[cfg_attr(feature = "openapi", schema(example = "call", max_length = 40))]
    pub kind: String,
    #[cfg_attr(
        feature = "openapi",
        schema(example = "确认报价细节", min_length = 1, max_length = 200)
    )]
    pub title: String,
    pub due_at: DateTime<Utc>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub notes: Option<String>,
    /// Defaults to the caller; supervisors give tasks to their reps.
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
}

impl FollowUpCreate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        text_errors(
            &mut e,
            Some(&self.title),
            Some(&self.kind),
            self.notes.as_deref(),
        );
        time_errors(&mut e, "due_at", Some(self.due_at));
        e.finish()
    }
}

/// A change to an open task; each field absent, `null` (where it may be empty) or a value.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FollowUpUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 40))]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub title: Option<String>,
    /// A new due time (its reminders start again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline, value_type = Option<String>, format = Uuid))]
    pub opportunity_id: Patch<Uuid>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub notes: Patch<String>,
    #[serde(default, skip_serializing_if = "CustomValues::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
}

impl FollowUpUpdate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        text_errors(
            &mut e,
            self.title.as_deref(),
            self.kind.as_deref(),
            self.notes.value().map(String::as_str),
        );
        time_errors(&mut e, "due_at", self.due_at);
        e.finish()
    }
}

/// `POST /api/v1/follow-ups/{id}/done`: what came of it.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FollowUpDone {
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(example = "客户确认下周签约", max_length = 500)
    )]
    pub result: Option<String>,
}

impl FollowUpDone {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.optional_text("result", self.result.as_deref(), limits::REASON);
        e.finish()
    }
}

/// `POST /api/v1/follow-ups/{id}/snooze`: put it off until a later time (after now, within a
/// year); its reminders start again.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FollowUpSnooze {
    pub until: DateTime<Utc>,
}

impl FollowUpSnooze {
    /// Checked against the server's clock.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if self.until <= now || self.until > now + chrono::Duration::days(MAX_SNOOZE_DAYS) {
            e.add(
                "until",
                FieldCode::OutOfRange,
                "a time after now and within a year",
            );
        }
        e.finish()
    }
}

crate::list_query! {
    /// Filters of the task list, earliest due first.
    pub struct FollowUpListQuery {
        pub owner_id: Option<Uuid>,
        pub customer_id: Option<Uuid>,
        pub opportunity_id: Option<Uuid>,
        pub status: Option<FollowUpStatus>,
        /// Only open tasks past their due time.
        pub overdue: Option<bool>,
        /// Only tasks due before this time (today's: the end of today).
        pub due_before: Option<DateTime<Utc>>,
        /// Custom field filters, `key:value`, several separated by commas: fields marked
        /// `filterable` that the caller sees (as on the customer list).
        #[cfg_attr(feature = "openapi", param(max_length = 400))]
        pub custom: Option<String>,
        /// Sort by a custom field the caller sees: its key, or `-key` for descending; otherwise
        /// earliest due first.
        #[cfg_attr(feature = "openapi", param(max_length = 41))]
        pub custom_sort: Option<String>,
    }
}

impl FollowUpListQuery {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.optional_text("custom", self.custom.as_deref(), 400);
        e.optional_text("custom_sort", self.custom_sort.as_deref(), 41);
        time_errors(&mut e, "due_before", self.due_before);
        e.finish()
    }
}

/// When a due-soon reminder goes out: this long before the due time.
pub const DUE_SOON_MINUTES: i64 = 30;

/// The reminders of a task still to send, as the job reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    /// Before the due time.
    DueSoon,
    /// After it.
    Overdue,
}

/// The next reminder of an open task due at `due_at`, after `sent` of them (0 none, 1 the
/// due-soon warning, 2 the overdue notice), as (when, which); `None` when none is left. A task
/// made or put off less than `lead` before its due time skips the warning it could not get in
/// time only if that time has passed by the job's run — the job sends what is due at its `now`
/// (`reminder_at_run`).
pub fn next_reminder(
    due_at: DateTime<Utc>,
    sent: u8,
    lead: chrono::Duration,
) -> Option<(DateTime<Utc>, Reminder)> {
    match sent {
        0 => Some((due_at - lead, Reminder::DueSoon)),
        1 => Some((due_at, Reminder::Overdue)),
        _ => None,
    }
}

/// Which reminder a run at `now` sends for a task due at `due_at` after `sent` of them: a run
/// that comes after the due time sends the overdue notice only (a warning that the task is
/// "due soon" would be false by then).
pub fn reminder_at_run(
    due_at: DateTime<Utc>,
    sent: u8,
    lead: chrono::Duration,
    now: DateTime<Utc>,
) -> Option<Reminder> {
    if sent >= 2 {
        return None;
    }
    if now >= due_at {
        return Some(Reminder::Overdue);
    }
    (sent == 0 && now >= due_at - lead).then_some(Reminder::DueSoon)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, h, m, 0).unwrap()
    }

    #[test]
    fn reminders_come_before_and_after_the_due_time_once_each() {
        let lead = Duration::minutes(30);
        let due = t(10, 0);
        assert_eq!(
            next_reminder(due, 0, lead),
            Some((t(9, 30), Reminder::DueSoon))
        );
        assert_eq!(
            next_reminder(due, 1, lead),
            Some((t(10, 0), Reminder::Overdue))
        );
        assert_eq!(next_reminder(due, 2, lead), None);
        // (sent, now) → what a run sends
        let cases = [
            (0, t(9, 0), None),
            (0, t(9, 30), Some(Reminder::DueSoon)),
            (0, t(9, 59), Some(Reminder::DueSoon)),
            (0, t(10, 0), Some(Reminder::Overdue)),
            (0, t(15, 0), Some(Reminder::Overdue)),
            (1, t(9, 45), None),
            (1, t(10, 1), Some(Reminder::Overdue)),
            (2, t(11, 0), None),
        ];
        for (sent, now, want) in cases {
            assert_eq!(reminder_at_run(due, sent, lead, now), want, "{sent} {now}");
        }
    }

    #[test]
    fn a_snooze_goes_forward_within_a_year() {
        let now = t(10, 0);
        assert!(FollowUpSnooze { until: t(11, 0) }.validate(now).is_ok());
        assert!(FollowUpSnooze { until: t(9, 0) }.validate(now).is_err());
        assert!(FollowUpSnooze { until: now }.validate(now).is_err());
        assert!(FollowUpSnooze {
            until: now + Duration::days(400)
        }
        .validate(now)
        .is_err());
    }

    #[test]
    fn a_task_needs_a_title_and_a_type() {
        let ok = FollowUpCreate {
            customer_id: Uuid::nil(),
            kind: "call".into(),
            title: "确认报价".into(),
            due_at: t(10, 0),
            ..Default::default()
        };
        assert!(ok.validate().is_ok());
        let blank = FollowUpCreate {
            title: "  ".into(),
            ..ok.clone()
        };
        assert_eq!(blank.validate().unwrap_err()[0].field, "title");
        let old = FollowUpCreate {
            due_at: Utc.with_ymd_and_hms(1999, 1, 1, 0, 0, 0).unwrap(),
            ..ok
        };
        assert_eq!(old.validate().unwrap_err()[0].field, "due_at");
    }
}
