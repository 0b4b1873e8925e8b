//! Webhooks (开放平台 · 事件推送): a third-party system subscribes to events (a customer made, a
//! deal won, a contract approved, a payment received) and Kaidan POSTs each one to its URL,
//! signed the Standard Webhooks way. A subscription belongs to an API client: the client's place
//! in the org and its scopes decide what a payload may carry, as they decide what its token may
//! read — an event about a record outside its place is never sent to it.
//!
//! The events come from the audit trail's actions ([`EventType::of_audit`]): every change that is
//! audited is a change that can be announced, in the same transaction, with no second list of
//! "places that should emit an event" to forget one in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::api_client::ApiScope;
use crate::audit::AuditAction;
use crate::error::{FieldCode, FieldError};
use crate::validate::{has_nul, Errors};

/// What happened. The names are the wire names of the `type` field of each payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventType {
    #[serde(rename = "customer.created")]
    CustomerCreated,
    #[serde(rename = "customer.updated")]
    CustomerUpdated,
    /// The owner changed: a transfer, a claim from the pool, a release or a reclaim into it.
    #[serde(rename = "customer.transferred")]
    CustomerTransferred,
    #[serde(rename = "lead.created")]
    LeadCreated,
    #[serde(rename = "lead.assigned")]
    LeadAssigned,
    #[serde(rename = "lead.converted")]
    LeadConverted,
    #[serde(rename = "opportunity.stage_changed")]
    OpportunityStageChanged,
    #[serde(rename = "opportunity.won")]
    OpportunityWon,
    #[serde(rename = "opportunity.lost")]
    OpportunityLost,
    #[serde(rename = "visit.checked_in")]
    VisitCheckedIn,
    #[serde(rename = "contract.submitted")]
    ContractSubmitted,
    #[serde(rename = "contract.approved")]
    ContractApproved,
    /// Sent back by its approver (退回).
    #[serde(rename = "contract.rejected")]
    ContractRejected,
    #[serde(rename = "contract.signed")]
    ContractSigned,
    #[serde(rename = "payment.received")]
    PaymentReceived,
}

impl EventType {
    pub const ALL: [EventType; 15] = [
        EventType::CustomerCreated,
        EventType::CustomerUpdated,
        EventType::CustomerTransferred,
        EventType::LeadCreated,
        EventType::LeadAssigned,
        EventType::LeadConverted,
        EventType::OpportunityStageChanged,
        EventType::OpportunityWon,
        EventType::OpportunityLost,
        EventType::VisitCheckedIn,
        EventType::ContractSubmitted,
        EventType::ContractApproved,
        EventType::ContractRejected,
        EventType::ContractSigned,
        EventType::PaymentReceived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::CustomerCreated => "customer.created",
            EventType::CustomerUpdated => "customer.updated",
            EventType::CustomerTransferred => "customer.transferred",
            EventType::LeadCreated => "lead.created",
            EventType::LeadAssigned => "lead.assigned",
            EventType::LeadConverted => "lead.converted",
            EventType::OpportunityStageChanged => "opportunity.stage_changed",
            EventType::OpportunityWon => "opportunity.won",
            EventType::OpportunityLost => "opportunity.lost",
            EventType::VisitCheckedIn => "visit.checked_in",
            EventType::ContractSubmitted => "contract.submitted",
            EventType::ContractApproved => "contract.approved",
            EventType::ContractRejected => "contract.rejected",
            EventType::ContractSigned => "contract.signed",
            EventType::PaymentReceived => "payment.received",
        }
    }

    pub fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The scopes a client needs to be sent this event: those that read what it carries (a
    /// payment comes with its contract, so both).
    pub fn scopes(self) -> &'static [ApiScope] {
        match self {
            EventType::PaymentReceived => &[ApiScope::PaymentsRead, ApiScope::ContractsRead],
            EventType::CustomerCreated
            | EventType::CustomerUpdated
            | EventType::CustomerTransferred => &[ApiScope::CustomersRead],
            EventType::LeadCreated | EventType::LeadAssigned | EventType::LeadConverted => {
                &[ApiScope::LeadsRead]
            }
            EventType::OpportunityStageChanged
            | EventType::OpportunityWon
            | EventType::OpportunityLost => &[ApiScope::OpportunitiesRead],
            EventType::VisitCheckedIn => &[ApiScope::VisitsRead],
            EventType::ContractSubmitted
            | EventType::ContractApproved
            | EventType::ContractRejected
            | EventType::ContractSigned => &[ApiScope::ContractsRead],
        }
    }

    /// The scope that reads the event's own record.
    pub fn scope(self) -> ApiScope {
        use EventType::*;
        match self {
            CustomerCreated | CustomerUpdated | CustomerTransferred => ApiScope::CustomersRead,
            LeadCreated | LeadAssigned | LeadConverted => ApiScope::LeadsRead,
            OpportunityStageChanged | OpportunityWon | OpportunityLost => {
                ApiScope::OpportunitiesRead
            }
            VisitCheckedIn => ApiScope::VisitsRead,
            ContractSubmitted | ContractApproved | ContractRejected | ContractSigned => {
                ApiScope::ContractsRead
            }
            PaymentReceived => ApiScope::PaymentsRead,
        }
    }

    /// The kind of record the payload's `data` is (the audit row's subject).
    pub fn subject(self) -> Subject {
        use EventType::*;
        match self {
            CustomerCreated | CustomerUpdated | CustomerTransferred => Subject::Customer,
            LeadCreated | LeadAssigned | LeadConverted => Subject::Lead,
            OpportunityStageChanged | OpportunityWon | OpportunityLost => Subject::Opportunity,
            VisitCheckedIn => Subject::Visit,
            ContractSubmitted | ContractApproved | ContractRejected | ContractSigned
            | PaymentReceived => Subject::Contract,
        }
    }

    /// The events an audited change announces. `after` is the change's new values: a stage
    /// move announces `opportunity.won` or `.lost` as well when it closes the deal.
    pub fn of_audit(action: AuditAction, after: Option<&Value>) -> Vec<EventType> {
        use AuditAction as A;
        let one = |e| vec![e];
        match action {
            A::CustomerCreate => one(EventType::CustomerCreated),
            A::CustomerUpdate => one(EventType::CustomerUpdated),
            A::CustomerTransfer | A::CustomerClaim | A::CustomerRelease | A::CustomerReclaim => {
                one(EventType::CustomerTransferred)
            }
            A::LeadCreate => one(EventType::LeadCreated),
            A::LeadAssign => one(EventType::LeadAssigned),
            A::LeadConvert => one(EventType::LeadConverted),
            A::OpportunityStage => {
                let mut v = vec![EventType::OpportunityStageChanged];
                match after.and_then(|a| a.get("status")).and_then(Value::as_str) {
                    Some("won") => v.push(EventType::OpportunityWon),
                    Some("lost") => v.push(EventType::OpportunityLost),
                    _ => {}
                }
                v
            }
            A::VisitCheckIn => one(EventType::VisitCheckedIn),
            A::ContractSubmit => one(EventType::ContractSubmitted),
            A::ContractApprove => one(EventType::ContractApproved),
            A::ContractReturn => one(EventType::ContractRejected),
            A::ContractSign => one(EventType::ContractSigned),
            A::PaymentRecord => one(EventType::PaymentReceived),
            _ => Vec::new(),
        }
    }
}

/// The record a payload's `data` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Customer,
    Lead,
    Opportunity,
    Visit,
    Contract,
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Customer => "customer",
            Subject::Lead => "lead",
            Subject::Opportunity => "opportunity",
            Subject::Visit => "visit",
            Subject::Contract => "contract",
        }
    }
}

/// What one delivery of an event looks like on the wire (the body that is signed). `data` is
/// the record as the subscription's client would read it at `GET /api/v1/<records>/{id}` when
/// the event is sent; `changes` is what the change did, as the audit trail keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookPayload {
    /// The event's id (`msg_…`), also the `webhook-id` header; the same on every retry and
    /// redelivery — a receiver that has seen it can answer 2xx and do nothing.
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// When the change was committed.
    pub timestamp: DateTime<Utc>,
    /// `customer`, `lead`, `opportunity`, `visit` or `contract`: the kind of `data`.
    pub object: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: Value,
    /// The changed fields: `before` (absent on creation) and `after`. For `payment.received`,
    /// `after` is the payment (its id, amount in 分, day, method, reference).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub changes: Value,
}

/// A subscription as admins see it. The secret is shown once, on creation and rotation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: Uuid,
    /// The API client whose place and scopes decide what is sent.
    pub api_client_id: Uuid,
    pub api_client_name: String,
    #[cfg_attr(
        feature = "openapi",
        schema(example = "https://erp.example.com/kaidan/events")
    )]
    pub url: String,
    pub events: Vec<EventType>,
    #[cfg_attr(feature = "openapi", schema(example = "金蝶：合同与回款"))]
    pub description: String,
    /// Targets on private, loopback or link-local addresses are refused unless this is set (an
    /// on-premise ERP); only admins set it.
    pub allow_private: bool,
    pub disabled: bool,
    /// Why it was disabled: by an admin, after a day of failures, or a 410 from the target.
    pub disabled_reason: Option<String>,
    /// Until when the secret before the last rotation signs too (a second signature).
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A subscription with its signing secret, answered once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookSecret {
    pub webhook: Webhook,
    /// `whsec_` + base64 of 32 random bytes: the key of the HMAC-SHA256 signatures.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")
    )]
    pub secret: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookCreate {
    pub api_client_id: Uuid,
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 2000, example = "https://erp.example.com/kaidan/events")
    )]
    pub url: String,
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 15))]
    pub events: Vec<EventType>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub description: String,
    #[serde(default)]
    pub allow_private: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 15))]
    pub events: Option<Vec<EventType>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_private: Option<bool>,
    /// `true` stops deliveries (pending ones wait); `false` resumes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// The target answered 2xx.
    Delivered,
    /// Every attempt failed (or the target answered 410); an admin may send it again.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> DeliveryStatus {
        match s {
            "delivered" => DeliveryStatus::Delivered,
            "failed" => DeliveryStatus::Failed,
            _ => DeliveryStatus::Pending,
        }
    }
}

/// One event's delivery to one subscription, with its attempts (newest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    /// The `webhook-id` header and the payload's `id`.
    pub event_id: String,
    pub event_type: EventType,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The signed body, exactly as sent.
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub log: Vec<WebhookAttempt>,
}

/// One attempt: what the target answered, or why there was no answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookAttempt {
    pub at: DateTime<Utc>,
    /// The HTTP status; `null` when no answer came (refused target, timeout, connection error).
    pub status_code: Option<i64>,
    pub duration_ms: i64,
    /// The first 2 KB of the answer's body.
    pub response: String,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

crate::list_query! {
    /// A subscription's deliveries, newest first.
    pub struct WebhookDeliveryQuery {}
}

/// Waits after the first attempt before each retry: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h,
/// 20 h and 24 h — the Standard Webhooks schedule, about a day in all.
pub const RETRY_AFTER_FIRST_SECS: [i64; 9] = [
    5,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    14 * 3600,
    20 * 3600,
    24 * 3600,
];

/// When attempt number `done + 1` is due, `done` attempts in (the last at `last`), with `jitter`
/// in [-1, 1] spreading the wait by up to ±20 %; `None` when no retry is left. Each wait is the
/// schedule's gap since the slot before, counted from the last attempt — so retries after a
/// backlog (an outage of the runner, a webhook enabled again) keep their spacing instead of all
/// falling due at once.
pub fn next_attempt(done: usize, jitter: f64, last: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let base = *RETRY_AFTER_FIRST_SECS.get(done.checked_sub(1)?)?;
    let prev = if done >= 2 {
        RETRY_AFTER_FIRST_SECS[done - 2]
    } else {
        0
    };
    let gap = (base - prev) as f64;
    let wait = gap * (1.0 + 0.2 * jitter.clamp(-1.0, 1.0));
    Some(last + chrono::Duration::seconds(wait as i64))
}

/// The most subscriptions the whole company may have.
pub const MAX_WEBHOOKS: u64 = 500;
const MAX_URL: usize = 2000;
const MAX_DESCRIPTION: usize = 200;

/// Why `url` cannot be a target, or `None`: an absolute `https://` URL (or `http://`, which
/// only on-premise targets use), with a host, without credentials or a fragment.
pub fn url_problem(url: &str, allow_private: bool) -> Option<&'static str> {
    let url = url.trim();
    if url.is_empty() {
        return Some("the target's address is required");
    }
    if url.len() > MAX_URL || has_nul(url) || url.chars().any(char::is_whitespace) {
        return Some("an absolute https:// address");
    }
    let rest = if let Some(r) = url.strip_prefix("https://") {
        r
    } else if let Some(r) = url.strip_prefix("http://") {
        if !allow_private {
            return Some("https:// only (plain http:// only for on-premise targets)");
        }
        r
    } else {
        return Some("an absolute https:// address");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Some("an address with a host and no user name or password");
    }
    if url.contains('#') {
        return Some("an address without a #fragment");
    }
    None
}

fn check_events(e: &mut Errors, events: &[EventType]) {
    if events.is_empty() {
        e.add("events", FieldCode::Required, "choose at least one event");
    }
}

fn check_description(e: &mut Errors, d: &str) {
    if d.chars().count() > MAX_DESCRIPTION || has_nul(d) {
        e.add(
            "description",
            FieldCode::TooLong,
            format!("at most {MAX_DESCRIPTION} characters"),
        );
    }
}

fn check_url(e: &mut Errors, url: &str, allow_private: bool) {
    if let Some(why) = url_problem(url, allow_private) {
        e.add("url", FieldCode::InvalidFormat, why);
    }
}

impl WebhookCreate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        check_url(&mut e, &self.url, self.allow_private);
        check_events(&mut e, &self.events);
        check_description(&mut e, &self.description);
        e.finish()
    }
}

impl WebhookUpdate {
    /// `allow_private` is the subscription's value after the change.
    pub fn validate(&self, allow_private: bool) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(u) = &self.url {
            check_url(&mut e, u, allow_private);
        }
        if let Some(ev) = &self.events {
            check_events(&mut e, ev);
        }
        if let Some(d) = &self.description {
            check_description(&mut e, d);
        }
        e.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn every_event_round_trips_and_names_its_scope() {
        for e in EventType::ALL {
            assert_eq!(EventType::parse(e.as_str()), Some(e));
            let json = serde_json::to_value(e).unwrap();
            assert_eq!(json, Value::String(e.as_str().into()));
            // The scope that reads the record names the record's kind.
            let prefix = e.as_str().split('.').next().unwrap();
            assert!(e.scope().as_str().starts_with(&prefix[..4]), "{e:?}");
            assert!(e.scopes().contains(&e.scope()), "{e:?}");
        }
    }

    #[test]
    fn a_closing_stage_move_announces_won_or_lost_too() {
        let won = serde_json::json!({"stage_id": "x", "status": "won"});
        assert_eq!(
            EventType::of_audit(AuditAction::OpportunityStage, Some(&won)),
            vec![
                EventType::OpportunityStageChanged,
                EventType::OpportunityWon
            ]
        );
        let open = serde_json::json!({"stage_id": "x"});
        assert_eq!(
            EventType::of_audit(AuditAction::OpportunityStage, Some(&open)),
            vec![EventType::OpportunityStageChanged]
        );
        assert!(EventType::of_audit(AuditAction::UserCreate, None).is_empty());
    }

    #[test]
    fn retries_follow_the_schedule_within_a_fifth_and_end_after_a_day() {
        let t = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        assert_eq!(next_attempt(0, 0.0, t), None);
        assert_eq!(
            next_attempt(1, 0.0, t),
            Some(t + chrono::Duration::seconds(5))
        );
        // The fourth retry comes 1.5 h (2 h − 30 min) after the third, ±20 %.
        assert_eq!(
            next_attempt(4, 1.0, t),
            Some(t + chrono::Duration::seconds(5400 + 1080))
        );
        assert_eq!(
            next_attempt(4, -1.0, t),
            Some(t + chrono::Duration::seconds(5400 - 1080))
        );
        // On time, the last retry lands a day after the first attempt.
        let mut at = t;
        for done in 1..=9 {
            at = next_attempt(done, 0.0, at).unwrap();
        }
        assert_eq!(at, t + chrono::Duration::hours(24));
        assert_eq!(next_attempt(10, 0.0, at), None);
    }

    #[test]
    fn targets_are_absolute_https_without_credentials() {
        assert_eq!(url_problem("https://erp.example.com/hook", false), None);
        assert!(url_problem("http://erp.example.com/hook", false).is_some());
        assert_eq!(url_problem("http://10.0.0.5:8080/hook", true), None);
        assert!(url_problem("https://user:pw@erp.example.com/", false).is_some());
        assert!(url_problem("https:///path", false).is_some());
        assert!(url_problem("ftp://x", false).is_some());
        assert!(url_problem("https://x/a b", false).is_some());
        assert!(url_problem("https://x/#frag", false).is_some());
        assert!(url_problem("", false).is_some());
    }
}
