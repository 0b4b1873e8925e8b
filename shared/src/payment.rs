//! Collection (回款): a contract's payment plan — instalments with due dates and amounts that
//! together never exceed the contract's amount — the payments received against it, and the
//! receivables (what is due and not yet received) of a scope.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::contract::MAX_AMOUNT;
use crate::error::{FieldCode, FieldError};
use crate::validate::{limits, Errors};

/// Where an instalment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// Not due yet, nothing received.
    Pending,
    /// Some received, not all.
    Partial,
    Paid,
    /// Past its due date with something outstanding.
    Overdue,
}

/// An instalment's status on `today`.
pub fn plan_status(amount: i64, received: i64, due: NaiveDate, today: NaiveDate) -> PlanStatus {
    if received >= amount {
        PlanStatus::Paid
    } else if due < today {
        PlanStatus::Overdue
    } else if received > 0 {
        PlanStatus::Partial
    } else {
        PlanStatus::Pending
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentPlan {
    pub id: Uuid,
    pub contract_id: Uuid,
    pub due_date: NaiveDate,
    /// 分.
    pub amount: i64,
    /// 分 received against it.
    pub received: i64,
    pub status: PlanStatus,
    pub note: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

/// A new instalment.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PaymentPlanCreate {
    pub due_date: NaiveDate,
    /// 分; with the other instalments at most the contract's amount.
    #[serde(deserialize_with = "crate::de::int")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000000000000_i64))]
    pub amount: i64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub note: Option<String>,
}

impl PaymentPlanCreate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if !(1..=MAX_AMOUNT).contains(&self.amount) {
            e.add(
                "amount",
                FieldCode::OutOfRange,
                "more than 0, at most ¥10 billion",
            );
        }
        if !crate::visit::date_is_sane(self.due_date) {
            e.add("due_date", FieldCode::OutOfRange, "not a plausible date");
        }
        e.optional_text("note", self.note.as_deref(), limits::REASON);
        e.finish()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    pub id: Uuid,
    pub contract_id: Uuid,
    pub contract_number: Option<String>,
    pub contract_title: Option<String>,
    pub plan_id: Option<Uuid>,
    pub customer_id: Uuid,
    pub customer_name: Option<String>,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    /// 分.
    pub amount: i64,
    pub received_on: NaiveDate,
    /// An option key of `payment_method`.
    pub method: Option<String>,
    /// The bank's or the customer's reference, unique per contract.
    pub reference: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A payment received.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PaymentCreate {
    /// A signed (or completed) contract the caller may work on.
    pub contract_id: Uuid,
    /// An instalment of that contract (optional).
    #[serde(default)]
    pub plan_id: Option<Uuid>,
    /// 分; at most what is outstanding on the contract (and on the instalment).
    #[serde(deserialize_with = "crate::de::int")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000000000000_i64))]
    pub amount: i64,
    pub received_on: NaiveDate,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub method: Option<String>,
    /// The bank's transaction number or the bill's number; unique per contract (regardless of
    /// case and spaces at either end).
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 64,
            pattern = r"\S",
            example = "CMB20261129-0042"
        )
    )]
    pub reference: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub note: Option<String>,
}

/// The key a reference is unique by: trimmed, lower-cased.
pub fn reference_key(r: &str) -> String {
    r.trim().to_lowercase()
}

impl PaymentCreate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if !(1..=MAX_AMOUNT).contains(&self.amount) {
            e.add(
                "amount",
                FieldCode::OutOfRange,
                "more than 0, at most ¥10 billion",
            );
        }
        if !crate::visit::date_is_sane(self.received_on) {
            e.add("received_on", FieldCode::OutOfRange, "not a plausible date");
        }
        e.required_text("reference", &self.reference, 64);
        e.optional_text("method", self.method.as_deref(), 64);
        e.optional_text("note", self.note.as_deref(), limits::REASON);
        e.finish()
    }
}

/// A payment a finance system (金蝶, an ERP) reports: named by the contract's number and by the
/// finance system's own reference, which makes it idempotent — the same report again answers
/// the payment recorded the first time.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FinancePayment {
    /// The contract's number as Kaidan gave it.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 32,
            pattern = r"\S",
            example = "HT-2026-000042"
        )
    )]
    pub contract_number: String,
    /// The finance system's own reference for the receipt (voucher or bank transaction number);
    /// once per contract.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 64,
            pattern = r"\S",
            example = "KD-SK-2026-11-0042"
        )
    )]
    pub reference: String,
    /// 分; at most what is outstanding on the contract.
    #[serde(deserialize_with = "crate::de::int")]
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 1, maximum = 1000000000000_i64, example = 5000000)
    )]
    pub amount: i64,
    pub received_on: NaiveDate,
    /// An option key of `payment_method` (`bank_transfer`, …).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub method: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub note: Option<String>,
}

impl FinancePayment {
    /// As a payment of the contract `contract_id` (the checks are the same).
    pub fn for_contract(&self, contract_id: Uuid) -> PaymentCreate {
        PaymentCreate {
            contract_id,
            plan_id: None,
            amount: self.amount,
            received_on: self.received_on,
            method: self.method.clone(),
            reference: self.reference.clone(),
            note: self.note.clone(),
        }
    }

    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = self
            .for_contract(Uuid::nil())
            .validate()
            .err()
            .unwrap_or_default();
        let mut e = Errors::new();
        e.required_text("contract_number", &self.contract_number, 32);
        errors.extend(e.0);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// An instalment not yet received in full, with its contract, customer and owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receivable {
    pub plan_id: Uuid,
    pub contract_id: Uuid,
    pub contract_number: String,
    pub contract_title: String,
    pub customer_id: Uuid,
    pub customer_name: Option<String>,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub due_date: NaiveDate,
    /// 分.
    pub amount: i64,
    pub received: i64,
    pub outstanding: i64,
    pub status: PlanStatus,
    /// Days past due (0 when not due yet).
    pub days_overdue: i64,
}

crate::list_query! {
    /// Payments received, latest first.
    pub struct PaymentListQuery {
        pub contract_id: Option<Uuid>,
        pub owner_id: Option<Uuid>,
    }
}

crate::list_query! {
    /// What is due and not received, earliest due first.
    pub struct ReceivableListQuery {
        /// Only instalments past their due date.
        pub overdue: Option<bool>,
        pub owner_id: Option<Uuid>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn an_instalments_status_by_amount_received_and_day() {
        let today = d("2026-11-29");
        for (amount, received, due, want) in [
            (100, 0, "2026-12-01", PlanStatus::Pending),
            (100, 40, "2026-12-01", PlanStatus::Partial),
            (100, 100, "2026-11-01", PlanStatus::Paid),
            (100, 99, "2026-11-28", PlanStatus::Overdue),
            // Due today is not overdue yet.
            (100, 0, "2026-11-29", PlanStatus::Pending),
        ] {
            assert_eq!(
                plan_status(amount, received, d(due), today),
                want,
                "{amount}/{received} {due}"
            );
        }
    }

    #[test]
    fn references_are_unique_without_case_or_spaces() {
        assert_eq!(reference_key("  CMB-001 "), reference_key("cmb-001"));
    }
}
