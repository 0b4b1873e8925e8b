//! The audit trail: who changed what, when, from where.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

/// What an audit row records. The wire and the database hold the dotted name
/// (`customer.transfer`); the web app's labels match on the variant, so a new action is a new
/// variant here and the compiler points at every place that must learn it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AuditAction {
    #[serde(rename = "customer.create")]
    CustomerCreate,
    #[serde(rename = "customer.update")]
    CustomerUpdate,
    #[serde(rename = "customer.transfer")]
    CustomerTransfer,
    #[serde(rename = "customer.archive")]
    CustomerArchive,
    #[serde(rename = "customer.restore")]
    CustomerRestore,
    #[serde(rename = "customer.duplicate_match")]
    CustomerDuplicateMatch,
    #[serde(rename = "contact.create")]
    ContactCreate,
    #[serde(rename = "contact.update")]
    ContactUpdate,
    #[serde(rename = "contact.archive")]
    ContactArchive,
    #[serde(rename = "region.create")]
    RegionCreate,
    #[serde(rename = "region.update")]
    RegionUpdate,
    #[serde(rename = "team.create")]
    TeamCreate,
    #[serde(rename = "team.update")]
    TeamUpdate,
    #[serde(rename = "user.create")]
    UserCreate,
    #[serde(rename = "user.update")]
    UserUpdate,
    #[serde(rename = "user.activate")]
    UserActivate,
    #[serde(rename = "user.deactivate")]
    UserDeactivate,
    #[serde(rename = "user.password_change")]
    UserPasswordChange,
    #[serde(rename = "user.reset_password")]
    UserResetPassword,
    #[serde(rename = "user.sign_in_locked")]
    UserSignInLocked,
    #[serde(rename = "user.sign_in_locks_clear")]
    UserSignInLocksClear,
    #[serde(rename = "api_client.create")]
    ApiClientCreate,
    #[serde(rename = "api_client.update")]
    ApiClientUpdate,
    #[serde(rename = "api_client.rotate_secret")]
    ApiClientRotateSecret,
    #[serde(rename = "webhook.create")]
    WebhookCreate,
    #[serde(rename = "webhook.update")]
    WebhookUpdate,
    #[serde(rename = "webhook.rotate_secret")]
    WebhookRotateSecret,
    #[serde(rename = "webhook.redeliver")]
    WebhookRedeliver,
    /// The delivery job stopped a subscription (a day of failures, or 410 Gone).
    #[serde(rename = "webhook.disable")]
    WebhookDisable,
    #[serde(rename = "option_list.create")]
    OptionListCreate,
    #[serde(rename = "option_list.update")]
    OptionListUpdate,
    #[serde(rename = "field.create")]
    FieldCreate,
    #[serde(rename = "field.update")]
    FieldUpdate,
    #[serde(rename = "layout.update")]
    LayoutUpdate,
    #[serde(rename = "layout.columns")]
    LayoutColumns,
    #[serde(rename = "customer.release")]
    CustomerRelease,
    #[serde(rename = "customer.claim")]
    CustomerClaim,
    #[serde(rename = "customer.reclaim")]
    CustomerReclaim,
    #[serde(rename = "pool.create")]
    PoolCreate,
    #[serde(rename = "pool.update")]
    PoolUpdate,
    #[serde(rename = "notification.read")]
    NotificationRead,
    #[serde(rename = "notification.read_all")]
    NotificationReadAll,
    #[serde(rename = "job.run")]
    JobRun,
    #[serde(rename = "opportunity.create")]
    OpportunityCreate,
    #[serde(rename = "opportunity.update")]
    OpportunityUpdate,
    #[serde(rename = "opportunity.stage")]
    OpportunityStage,
    #[serde(rename = "opportunity.reopen")]
    OpportunityReopen,
    #[serde(rename = "opportunity.archive")]
    OpportunityArchive,
    #[serde(rename = "opportunity.transfer")]
    OpportunityTransfer,
    #[serde(rename = "opportunity_stages.update")]
    StagesUpdate,
    #[serde(rename = "lead.create")]
    LeadCreate,
    #[serde(rename = "lead.update")]
    LeadUpdate,
    #[serde(rename = "lead.assign")]
    LeadAssign,
    #[serde(rename = "lead.disqualify")]
    LeadDisqualify,
    #[serde(rename = "lead.convert")]
    LeadConvert,
    #[serde(rename = "lead.duplicate_match")]
    LeadDuplicateMatch,
    #[serde(rename = "lead_rule.create")]
    LeadRuleCreate,
    #[serde(rename = "lead_rule.update")]
    LeadRuleUpdate,
    #[serde(rename = "lead_rule.delete")]
    LeadRuleDelete,
    #[serde(rename = "visit.create")]
    VisitCreate,
    #[serde(rename = "visit.update")]
    VisitUpdate,
    #[serde(rename = "visit.check_in")]
    VisitCheckIn,
    #[serde(rename = "visit.check_out")]
    VisitCheckOut,
    #[serde(rename = "visit.cancel")]
    VisitCancel,
    #[serde(rename = "visit.archive")]
    VisitArchive,
    #[serde(rename = "visit_settings.update")]
    VisitSettingsUpdate,
    /// A customer's location taken from a visit's check-in.
    #[serde(rename = "customer.locate")]
    CustomerLocate,
    #[serde(rename = "attachment.add")]
    AttachmentAdd,
    #[serde(rename = "attachment.remove")]
    AttachmentRemove,
    #[serde(rename = "follow_up.create")]
    FollowUpCreate,
    #[serde(rename = "follow_up.update")]
    FollowUpUpdate,
    #[serde(rename = "follow_up.done")]
    FollowUpDone,
    #[serde(rename = "follow_up.snooze")]
    FollowUpSnooze,
    #[serde(rename = "follow_up.cancel")]
    FollowUpCancel,
    #[serde(rename = "follow_up.reopen")]
    FollowUpReopen,
    #[serde(rename = "product.create")]
    ProductCreate,
    #[serde(rename = "product.update")]
    ProductUpdate,
    #[serde(rename = "price_list.create")]
    PriceListCreate,
    #[serde(rename = "price_list.update")]
    PriceListUpdate,
    #[serde(rename = "quote.create")]
    QuoteCreate,
    #[serde(rename = "quote.update")]
    QuoteUpdate,
    #[serde(rename = "quote.send")]
    QuoteSend,
    /// A new revision of a sent quote.
    #[serde(rename = "quote.revise")]
    QuoteRevise,
    #[serde(rename = "quote.accept")]
    QuoteAccept,
    #[serde(rename = "quote.reject")]
    QuoteReject,
    /// Superseded by its next revision's sending.
    #[serde(rename = "quote.supersede")]
    QuoteSupersede,
    #[serde(rename = "company.update")]
    CompanyUpdate,
    /// Sent for the approval of its discount.
    #[serde(rename = "quote.submit")]
    QuoteSubmit,
    /// Back to a draft: its approval was rejected or withdrawn.
    #[serde(rename = "quote.return")]
    QuoteReturn,
    #[serde(rename = "contract.create")]
    ContractCreate,
    #[serde(rename = "contract.update")]
    ContractUpdate,
    /// Submitted for approval.
    #[serde(rename = "contract.submit")]
    ContractSubmit,
    /// Its approval's last step approved it.
    #[serde(rename = "contract.approve")]
    ContractApprove,
    /// Back to a draft: its approval was rejected or withdrawn.
    #[serde(rename = "contract.return")]
    ContractReturn,
    /// An approved contract reopened as a draft to change what the approval settled.
    #[serde(rename = "contract.reopen")]
    ContractReopen,
    #[serde(rename = "contract.sign")]
    ContractSign,
    #[serde(rename = "contract.complete")]
    ContractComplete,
    #[serde(rename = "contract.terminate")]
    ContractTerminate,
    /// One approver's approval of a step.
    #[serde(rename = "approval.approve")]
    ApprovalApprove,
    /// One approver's rejection, which ends the approval.
    #[serde(rename = "approval.reject")]
    ApprovalReject,
    #[serde(rename = "approval.withdraw")]
    ApprovalWithdraw,
    /// A step waited too long: the next level up was added.
    #[serde(rename = "approval.escalate")]
    ApprovalEscalate,
    #[serde(rename = "approval_template.create")]
    ApprovalTemplateCreate,
    #[serde(rename = "approval_template.update")]
    ApprovalTemplateUpdate,
    #[serde(rename = "payment_plan.create")]
    PaymentPlanCreate,
    #[serde(rename = "payment_plan.delete")]
    PaymentPlanDelete,
    /// A payment received against a contract.
    #[serde(rename = "payment.record")]
    PaymentRecord,
    /// An action this build does not know (from a newer server).
    #[serde(other, rename = "other")]
    Other,
}

impl AuditAction {
    pub const ALL: [AuditAction; 107] = [
        AuditAction::CustomerCreate,
        AuditAction::CustomerUpdate,
        AuditAction::CustomerTransfer,
        AuditAction::CustomerArchive,
        AuditAction::CustomerRestore,
        AuditAction::CustomerDuplicateMatch,
        AuditAction::ContactCreate,
        AuditAction::ContactUpdate,
        AuditAction::ContactArchive,
        AuditAction::RegionCreate,
        AuditAction::RegionUpdate,
        AuditAction::TeamCreate,
        AuditAction::TeamUpdate,
        AuditAction::UserCreate,
        AuditAction::UserUpdate,
        AuditAction::UserActivate,
        AuditAction::UserDeactivate,
        AuditAction::UserPasswordChange,
        AuditAction::UserResetPassword,
        AuditAction::UserSignInLocked,
        AuditAction::UserSignInLocksClear,
        AuditAction::OptionListCreate,
        AuditAction::OptionListUpdate,
        AuditAction::FieldCreate,
        AuditAction::FieldUpdate,
        AuditAction::LayoutUpdate,
        AuditAction::LayoutColumns,
        AuditAction::CustomerRelease,
        AuditAction::CustomerClaim,
        AuditAction::CustomerReclaim,
        AuditAction::PoolCreate,
        AuditAction::PoolUpdate,
        AuditAction::NotificationRead,
        AuditAction::NotificationReadAll,
        AuditAction::JobRun,
        AuditAction::OpportunityCreate,
        AuditAction::OpportunityUpdate,
        AuditAction::OpportunityStage,
        AuditAction::OpportunityReopen,
        AuditAction::OpportunityArchive,
        AuditAction::OpportunityTransfer,
        AuditAction::StagesUpdate,
        AuditAction::LeadCreate,
        AuditAction::LeadUpdate,
        AuditAction::LeadAssign,
        AuditAction::LeadDisqualify,
        AuditAction::LeadConvert,
        AuditAction::LeadDuplicateMatch,
        AuditAction::LeadRuleCreate,
        AuditAction::LeadRuleUpdate,
        AuditAction::LeadRuleDelete,
        AuditAction::VisitCreate,
        AuditAction::VisitUpdate,
        AuditAction::VisitCheckIn,
        AuditAction::VisitCheckOut,
        AuditAction::VisitCancel,
        AuditAction::VisitArchive,
        AuditAction::VisitSettingsUpdate,
        AuditAction::CustomerLocate,
        AuditAction::AttachmentAdd,
        AuditAction::AttachmentRemove,
        AuditAction::FollowUpCreate,
        AuditAction::FollowUpUpdate,
        AuditAction::FollowUpDone,
        AuditAction::FollowUpSnooze,
        AuditAction::FollowUpCancel,
        AuditAction::FollowUpReopen,
        AuditAction::ProductCreate,
        AuditAction::ProductUpdate,
        AuditAction::PriceListCreate,
        AuditAction::PriceListUpdate,
        AuditAction::QuoteCreate,
        AuditAction::QuoteUpdate,
        AuditAction::QuoteSend,
        AuditAction::QuoteRevise,
        AuditAction::QuoteAccept,
        AuditAction::QuoteReject,
        AuditAction::QuoteSupersede,
        AuditAction::CompanyUpdate,
        AuditAction::QuoteSubmit,
        AuditAction::QuoteReturn,
        AuditAction::ContractCreate,
        AuditAction::ContractUpdate,
        AuditAction::ContractSubmit,
        AuditAction::ContractApprove,
        AuditAction::ContractReturn,
        AuditAction::ContractReopen,
        AuditAction::ContractSign,
        AuditAction::ContractComplete,
        AuditAction::ContractTerminate,
        AuditAction::ApprovalApprove,
        AuditAction::ApprovalReject,
        AuditAction::ApprovalWithdraw,
        AuditAction::ApprovalEscalate,
        AuditAction::ApprovalTemplateCreate,
        AuditAction::ApprovalTemplateUpdate,
        AuditAction::PaymentPlanCreate,
        AuditAction::PaymentPlanDelete,
        AuditAction::PaymentRecord,
        AuditAction::ApiClientCreate,
        AuditAction::ApiClientUpdate,
        AuditAction::ApiClientRotateSecret,
        AuditAction::WebhookCreate,
        AuditAction::WebhookUpdate,
        AuditAction::WebhookRotateSecret,
        AuditAction::WebhookRedeliver,
        AuditAction::WebhookDisable,
    ];

    pub fn as_str(self) -> &'static str {
        use AuditAction::*;
        match self {
            CustomerCreate => "customer.create",
            CustomerUpdate => "customer.update",
            CustomerTransfer => "customer.transfer",
            CustomerArchive => "customer.archive",
            CustomerRestore => "customer.restore",
            CustomerDuplicateMatch => "customer.duplicate_match",
            ContactCreate => "contact.create",
            ContactUpdate => "contact.update",
            ContactArchive => "contact.archive",
            RegionCreate => "region.create",
            RegionUpdate => "region.update",
            TeamCreate => "team.create",
            TeamUpdate => "team.update",
            ApiClientCreate => "api_client.create",
            ApiClientUpdate => "api_client.update",
            ApiClientRotateSecret => "api_client.rotate_secret",
            WebhookCreate => "webhook.create",
            WebhookUpdate => "webhook.update",
            WebhookRotateSecret => "webhook.rotate_secret",
            WebhookRedeliver => "webhook.redeliver",
            WebhookDisable => "webhook.disable",
            UserCreate => "user.create",
            UserUpdate => "user.update",
            UserActivate => "user.activate",
            UserDeactivate => "user.deactivate",
            UserPasswordChange => "user.password_change",
            UserResetPassword => "user.reset_password",
            UserSignInLocked => "user.sign_in_locked",
            UserSignInLocksClear => "user.sign_in_locks_clear",
            OptionListCreate => "option_list.create",
            OptionListUpdate => "option_list.update",
            FieldCreate => "field.create",
            FieldUpdate => "field.update",
            LayoutUpdate => "layout.update",
            LayoutColumns => "layout.columns",
            CustomerRelease => "customer.release",
            CustomerClaim => "customer.claim",
            CustomerReclaim => "customer.reclaim",
            PoolCreate => "pool.create",
            PoolUpdate => "pool.update",
            NotificationRead => "notification.read",
            NotificationReadAll => "notification.read_all",
            JobRun => "job.run",
            OpportunityCreate => "opportunity.create",
            OpportunityUpdate => "opportunity.update",
            OpportunityStage => "opportunity.stage",
            OpportunityReopen => "opportunity.reopen",
            OpportunityArchive => "opportunity.archive",
            OpportunityTransfer => "opportunity.transfer",
            StagesUpdate => "opportunity_stages.update",
            LeadCreate => "lead.create",
            LeadUpdate => "lead.update",
            LeadAssign => "lead.assign",
            LeadDisqualify => "lead.disqualify",
            LeadConvert => "lead.convert",
            LeadDuplicateMatch => "lead.duplicate_match",
            LeadRuleCreate => "lead_rule.create",
            LeadRuleUpdate => "lead_rule.update",
            LeadRuleDelete => "lead_rule.delete",
            VisitCreate => "visit.create",
            VisitUpdate => "visit.update",
            VisitCheckIn => "visit.check_in",
            VisitCheckOut => "visit.check_out",
            VisitCancel => "visit.cancel",
            VisitArchive => "visit.archive",
            VisitSettingsUpdate => "visit_settings.update",
            CustomerLocate => "customer.locate",
            AttachmentAdd => "attachment.add",
            AttachmentRemove => "attachment.remove",
            FollowUpCreate => "follow_up.create",
            FollowUpUpdate => "follow_up.update",
            FollowUpDone => "follow_up.done",
            FollowUpSnooze => "follow_up.snooze",
            FollowUpCancel => "follow_up.cancel",
            FollowUpReopen => "follow_up.reopen",
            ProductCreate => "product.create",
            ProductUpdate => "product.update",
            PriceListCreate => "price_list.create",
            PriceListUpdate => "price_list.update",
            QuoteCreate => "quote.create",
            QuoteUpdate => "quote.update",
            QuoteSend => "quote.send",
            QuoteRevise => "quote.revise",
            QuoteAccept => "quote.accept",
            QuoteReject => "quote.reject",
            QuoteSupersede => "quote.supersede",
            CompanyUpdate => "company.update",
            QuoteSubmit => "quote.submit",
            QuoteReturn => "quote.return",
            ContractCreate => "contract.create",
            ContractUpdate => "contract.update",
            ContractSubmit => "contract.submit",
            ContractApprove => "contract.approve",
            ContractReturn => "contract.return",
            ContractReopen => "contract.reopen",
            ContractSign => "contract.sign",
            ContractComplete => "contract.complete",
            ContractTerminate => "contract.terminate",
            ApprovalApprove => "approval.approve",
            ApprovalReject => "approval.reject",
            ApprovalWithdraw => "approval.withdraw",
            ApprovalEscalate => "approval.escalate",
            ApprovalTemplateCreate => "approval_template.create",
            ApprovalTemplateUpdate => "approval_template.update",
            PaymentPlanCreate => "payment_plan.create",
            PaymentPlanDelete => "payment_plan.delete",
            PaymentRecord => "payment.record",
            Other => "other",
        }
    }

    /// The action stored as `s`, or `Other`.
    pub fn parse(s: &str) -> AuditAction {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .unwrap_or(AuditAction::Other)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub action: AuditAction,
    pub entity: String,
    pub entity_id: Uuid,
    /// The fields that changed, with their old values (absent on create).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub before: Option<Value>,
    /// The fields that changed, with their new values (absent on delete).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub after: Option<Value>,
    /// Shown to admins only.
    pub request_id: Option<String>,
    /// Shown to admins only.
    pub ip: Option<String>,
    pub at: DateTime<Utc>,
}

crate::list_query! {
    pub struct AuditQuery {
        /// `customer`, `contact`, `user`, `team`, `region`.
        pub entity: Option<String>,
        pub entity_id: Option<Uuid>,
        pub actor_id: Option<Uuid>,
        /// Exact action, e.g. `customer.transfer` (an unknown name is refused with 422).
        #[cfg_attr(feature = "openapi", param(value_type = Option<AuditAction>))]
        pub action: Option<String>,
        pub since: Option<DateTime<Utc>>,
        pub until: Option<DateTime<Utc>>,
    }
}

crate::list_query! {
    /// Paging for a record's history.
    pub struct HistoryQuery {
    }
}

/// The changed top-level fields of two JSON objects, as (before, after) objects holding only
/// those fields. `version` and `updated_at` are left out: they change on every write and say
/// nothing a reader of the history wants to know.
pub fn diff(before: &Value, after: &Value) -> (Value, Value) {
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut out_b = Map::new();
    let mut out_a = Map::new();
    let keys = b.keys().chain(a.keys().filter(|k| !b.contains_key(*k)));
    for k in keys {
        if k == "version" || k == "updated_at" {
            continue;
        }
        let vb = b.get(k).unwrap_or(&Value::Null);
        let va = a.get(k).unwrap_or(&Value::Null);
        if vb != va {
            out_b.insert(k.clone(), vb.clone());
            out_a.insert(k.clone(), va.clone());
        }
    }
    (Value::Object(out_b), Value::Object(out_a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_by_its_dotted_name() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), a);
            assert_eq!(
                serde_json::to_value(a).unwrap(),
                serde_json::Value::String(a.as_str().into())
            );
        }
        let unknown: AuditAction = serde_json::from_str(r#""lead.convert_later""#).unwrap();
        assert_eq!(unknown, AuditAction::Other);
    }
    use serde_json::json;

    #[test]
    fn diff_keeps_only_changed_fields() {
        let (b, a) = diff(
            &json!({"name":"A","phone":"1","version":1,"updated_at":"x"}),
            &json!({"name":"B","phone":"1","version":2,"updated_at":"y","level":"A"}),
        );
        assert_eq!(b, json!({"name":"A","level":null}));
        assert_eq!(a, json!({"name":"B","level":"A"}));
    }
}
