//! Contracts (合同): what the customer signs. Made from an accepted quote (its lines and
//! figures copied) or directly (lines priced like a quote's, or an amount alone). A draft goes
//! through the approval flow (`approval`); once approved its amount, lines and payment terms are
//! locked — a change reopens it as a draft, which needs approval again.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{FieldCode, FieldError};
use crate::field::CustomValues;
use crate::patch::Patch;
use crate::quote::{lines_errors, QuoteLine, QuoteLineInput};
use crate::validate::{limits, Errors};

/// The most a contract is for: ¥10 billion, in 分.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// Draft → pending approval → approved → signed → completed, or terminated after approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContractStatus {
    Draft,
    PendingApproval,
    Approved,
    Signed,
    Completed,
    Terminated,
}

impl ContractStatus {
    pub const ALL: [ContractStatus; 6] = [
        ContractStatus::Draft,
        ContractStatus::PendingApproval,
        ContractStatus::Approved,
        ContractStatus::Signed,
        ContractStatus::Completed,
        ContractStatus::Terminated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContractStatus::Draft => "draft",
            ContractStatus::PendingApproval => "pending_approval",
            ContractStatus::Approved => "approved",
            ContractStatus::Signed => "signed",
            ContractStatus::Completed => "completed",
            ContractStatus::Terminated => "terminated",
        }
    }

    pub fn parse(s: &str) -> Option<ContractStatus> {
        ContractStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether the amount, lines and payment terms are settled by an approval.
    pub fn locked(self) -> bool {
        !matches!(self, ContractStatus::Draft)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contract {
    pub id: Uuid,
    /// `HT-2026-000123`.
    #[cfg_attr(feature = "openapi", schema(example = "HT-2026-000123"))]
    pub number: String,
    pub customer_id: Uuid,
    pub customer_name: Option<String>,
    pub opportunity_id: Option<Uuid>,
    pub opportunity_name: Option<String>,
    /// The accepted quote it was made from.
    pub quote_id: Option<Uuid>,
    pub quote_number: Option<String>,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub title: String,
    /// 分, tax included: the lines' total when it has lines.
    pub amount: i64,
    /// 分 received so far (its payments).
    pub received: i64,
    /// 分: the lines' figures (zero without lines).
    pub subtotal: i64,
    pub discount: i64,
    pub tax: i64,
    /// The largest discount of a line against its list price, percent (what approval compares).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "12.5"))]
    pub max_discount_percent: Decimal,
    pub sign_date: Option<NaiveDate>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    /// 付款条件: how and when the customer pays.
    pub payment_terms: Option<String>,
    /// Who signs for the customer.
    pub customer_signatory: Option<String>,
    /// Who signs for us.
    pub our_signatory: Option<String>,
    pub notes: Option<String>,
    pub status: ContractStatus,
    /// The latest approval it went through.
    pub approval_id: Option<Uuid>,
    pub approved_at: Option<DateTime<Utc>>,
    pub signed_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Why it was terminated.
    pub end_reason: Option<String>,
    pub lines: Vec<QuoteLine>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new draft contract: from an accepted quote (`quote_id`: its customer, deal, lines and
/// figures), or for a customer with lines or an amount.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContractCreate {
    /// Required unless `quote_id` is given.
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    #[serde(default)]
    pub opportunity_id: Option<Uuid>,
    /// An accepted quote the caller may read: its lines are copied.
    #[serde(default)]
    pub quote_id: Option<Uuid>,
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "二期产线 CRM 采购合同",
            min_length = 1,
            max_length = 200,
            pattern = r"\S"
        )
    )]
    pub title: String,
    /// 分; required without lines or a quote (with them it is their total).
    #[serde(default, deserialize_with = "crate::de::opt")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000000000000_i64))]
    pub amount: Option<i64>,
    #[serde(default)]
    pub sign_date: Option<NaiveDate>,
    #[serde(default)]
    pub start_date: Option<NaiveDate>,
    #[serde(default)]
    pub end_date: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub payment_terms: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub customer_signatory: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub our_signatory: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub notes: Option<String>,
    /// Priced like a quote's lines (not with `quote_id`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 500))]
    pub lines: Vec<QuoteLineInput>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
}

fn amount_errors(e: &mut Errors, v: i64) {
    if !(1..=MAX_AMOUNT).contains(&v) {
        e.add(
            "amount",
            FieldCode::OutOfRange,
            "more than 0, at most ¥10 billion",
        );
    }
}

fn dates_errors(e: &mut Errors, start: Option<NaiveDate>, end: Option<NaiveDate>) {
    if let (Some(s), Some(en)) = (start, end) {
        if en < s {
            e.add(
                "end_date",
                FieldCode::OutOfRange,
                "not before the start date",
            );
        }
    }
    for (k, d) in [("start_date", start), ("end_date", end)] {
        if d.is_some_and(|d| !crate::visit::date_is_sane(d)) {
            e.add(k, FieldCode::OutOfRange, "not a plausible date");
        }
    }
}

impl ContractCreate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.required_text("title", &self.title, limits::NAME);
        if self.quote_id.is_none() && self.customer_id.is_none() {
            e.add(
                "customer_id",
                FieldCode::Required,
                "a customer or an accepted quote",
            );
        }
        if self.quote_id.is_some() && !self.lines.is_empty() {
            e.add(
                "lines",
                FieldCode::NotAllowed,
                "a quote's contract takes the quote's lines",
            );
        }
        match self.amount {
            Some(a) => amount_errors(&mut e, a),
            None if self.quote_id.is_none() && self.lines.is_empty() => {
                e.add("amount", FieldCode::Required, "an amount, lines or a quote")
            }
            None => {}
        }
        dates_errors(&mut e, self.start_date, self.end_date);
        if self
            .sign_date
            .is_some_and(|d| !crate::visit::date_is_sane(d))
        {
            e.add("sign_date", FieldCode::OutOfRange, "not a plausible date");
        }
        e.optional_text(
            "payment_terms",
            self.payment_terms.as_deref(),
            limits::NOTES,
        );
        e.optional_text(
            "customer_signatory",
            self.customer_signatory.as_deref(),
            limits::NAME,
        );
        e.optional_text("our_signatory", self.our_signatory.as_deref(), limits::NAME);
        e.optional_text("notes", self.notes.as_deref(), limits::NOTES);
        lines_errors(&mut e, &self.lines);
        e.finish()
    }
}

/// Change a contract. Amount, lines and payment terms change only on a draft; the rest also
/// after approval (signatories, dates, notes).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContractUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"\S")
    )]
    pub title: Option<String>,
    /// 分 (a contract with lines takes their total).
    #[serde(
        default,
        deserialize_with = "crate::de::opt",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000000000000_i64))]
    pub amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline, value_type = Option<String>, format = Date))]
    pub sign_date: Patch<NaiveDate>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline, value_type = Option<String>, format = Date))]
    pub start_date: Patch<NaiveDate>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline, value_type = Option<String>, format = Date))]
    pub end_date: Patch<NaiveDate>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub payment_terms: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub customer_signatory: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub our_signatory: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub notes: Patch<String>,
    /// Replaces every line (priced again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 500))]
    pub lines: Option<Vec<QuoteLineInput>>,
    #[serde(default, skip_serializing_if = "CustomValues::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
}

impl ContractUpdate {
    /// Validates the update as applied to the contract's current dates.
    pub fn validate(
        &self,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
    ) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(t) = &self.title {
            e.required_text("title", t, limits::NAME);
        }
        if let Some(a) = self.amount {
            amount_errors(&mut e, a);
        }
        let pick = |p: &Patch<NaiveDate>, was: Option<NaiveDate>| match p {
            Patch::Absent => was,
            Patch::Null => None,
            Patch::Value(v) => Some(*v),
        };
        dates_errors(
            &mut e,
            pick(&self.start_date, start),
            pick(&self.end_date, end),
        );
        if self
            .sign_date
            .value()
            .is_some_and(|d| !crate::visit::date_is_sane(*d))
        {
            e.add("sign_date", FieldCode::OutOfRange, "not a plausible date");
        }
        e.optional_text(
            "payment_terms",
            self.payment_terms.value().map(String::as_str),
            limits::NOTES,
        );
        e.optional_text(
            "customer_signatory",
            self.customer_signatory.value().map(String::as_str),
            limits::NAME,
        );
        e.optional_text(
            "our_signatory",
            self.our_signatory.value().map(String::as_str),
            limits::NAME,
        );
        e.optional_text(
            "notes",
            self.notes.value().map(String::as_str),
            limits::NOTES,
        );
        if let Some(l) = &self.lines {
            lines_errors(&mut e, l);
        }
        e.finish()
    }

    /// Whether the update touches what an approval settled.
    pub fn touches_locked(&self) -> bool {
        self.amount.is_some() || self.lines.is_some() || !self.payment_terms.is_absent()
    }
}

/// Signing an approved contract.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContractSign {
    /// Today (China time) when absent.
    #[serde(default)]
    pub sign_date: Option<NaiveDate>,
}

/// Ending a contract early, or reopening an approved one: why.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContractReason {
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 500, pattern = r"\S")
    )]
    pub reason: String,
}

crate::list_query! {
    /// Filters of the contract list, newest first.
    pub struct ContractListQuery {
        pub customer_id: Option<Uuid>,
        pub opportunity_id: Option<Uuid>,
        pub owner_id: Option<Uuid>,
        pub status: Option<ContractStatus>,
    }
}
