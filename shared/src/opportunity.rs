//! Opportunities (商机): a deal with a customer, moving through configurable stages from first
//! contact to won or lost.
//!
//! Amounts are integer 分 on the wire and in storage; the weighted amount (amount × the stage's
//! probability) is computed here with `rust_decimal`, rounded half-up to the 分, so the board's
//! totals on the phone and on the server agree to the 分.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{FieldCode, FieldError};
use crate::field::CustomValues;
use crate::patch::Patch;
use crate::validate::{limits, Errors};

/// The largest amount a deal may have: ¥100 billion, in 分 (well inside every engine's BIGINT
/// and exact in a JSON number).
pub const MAX_AMOUNT: i64 = 10_000_000_000_000;

/// Where a stage leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Open,
    Won,
    Lost,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Open => "open",
            Outcome::Won => "won",
            Outcome::Lost => "lost",
        }
    }
    pub fn parse(s: &str) -> Option<Outcome> {
        [Outcome::Open, Outcome::Won, Outcome::Lost]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

/// amount × probability %, half-up to the 分 (amounts are never negative).
pub fn weighted(amount: i64, probability: u8) -> i64 {
    let v = Decimal::from(amount) * Decimal::from(probability) / Decimal::from(100);
    v.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .unwrap_or(i64::MAX)
}

/// 分 as yuan for people: `¥350,000.01` (integer arithmetic, no rounding).
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.unsigned_abs();
    let yuan = (f / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in yuan.chars().enumerate() {
        if i > 0 && (yuan.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}¥{grouped}.{:02}", f % 100)
}

/// Yuan typed by a person (`350000`, `3,500.5`, `¥12.34`) as 分; `None` for anything else or
/// more than two decimals.
pub fn parse_yuan(text: &str) -> Option<i64> {
    let t: String = text
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
        .collect();
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t.as_str(), ""),
    };
    if whole.is_empty() && frac.is_empty()
        || frac.len() > 2
        || !whole
            .chars()
            .chain(frac.chars())
            .all(|c| c.is_ascii_digit())
        || whole.len() > 12
    {
        return None;
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let f: i64 = format!("{frac:0<2}").parse().ok()?;
    w.checked_mul(100)?.checked_add(f)
}

/// A stage of the pipeline, as admins set it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Stable key stored on deals: `[a-z][a-z0-9_]*`, at most 40 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "proposal", pattern = "^[a-z][a-z0-9_]{0,39}$")
    )]
    pub key: String,
    #[cfg_attr(
        feature = "openapi",
        schema(example = "方案报价", min_length = 1, max_length = 64)
    )]
    pub label_zh: String,
    #[cfg_attr(
        feature = "openapi",
        schema(example = "Proposal", min_length = 1, max_length = 64)
    )]
    pub label_en: String,
    /// The default probability (%) of deals in the stage.
    #[serde(deserialize_with = "crate::de::int")]
    #[cfg_attr(feature = "openapi", schema(maximum = 100))]
    pub probability: u8,
    pub outcome: Outcome,
    /// Days without activity in the stage after which a deal is stale (`None`: never).
    #[serde(default, deserialize_with = "crate::de::opt")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
    pub stale_days: Option<u32>,
    /// Retired stages keep their deals but take no new ones.
    pub active: bool,
}

impl Stage {
    pub fn label(&self, lang: &str) -> &str {
        if lang.starts_with("en") {
            &self.label_en
        } else {
            &self.label_zh
        }
    }
}

/// The whole pipeline, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stages {
    pub stages: Vec<Stage>,
    pub version: i64,
}

/// Replace the pipeline (admin): every stage in order. A stage in use cannot be left out (retire
/// it instead); exactly one active won stage and one active lost stage; at least one open one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StagesInput {
    #[cfg_attr(feature = "openapi", schema(min_items = 3, max_items = 20))]
    pub stages: Vec<Stage>,
}

impl StagesInput {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if !(3..=20).contains(&self.stages.len()) {
            e.add("stages", FieldCode::OutOfRange, "between 3 and 20 stages");
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, s) in self.stages.iter().enumerate() {
            let f = |k: &str| format!("stages[{i}].{k}");
            if !crate::option_list::key_is_valid(&s.key) {
                e.add(
                    f("key"),
                    FieldCode::InvalidFormat,
                    "a key is [a-z][a-z0-9_]*, at most 40",
                );
            } else if !seen.insert(s.key.clone()) {
                e.add(f("key"), FieldCode::NotAllowed, "each stage once");
            }
            e.required_text(&f("label_zh"), &s.label_zh, limits::SHORT);
            e.required_text(&f("label_en"), &s.label_en, limits::SHORT);
            if s.probability > 100 {
                e.add(f("probability"), FieldCode::OutOfRange, "0 to 100");
            }
            if s.stale_days.is_some_and(|d| d == 0 || d > 3650) {
                e.add(f("stale_days"), FieldCode::OutOfRange, "1 to 3650 days");
            }
        }
        let active = |o: Outcome| {
            self.stages
                .iter()
                .filter(|s| s.active && s.outcome == o)
                .count()
        };
        if active(Outcome::Won) != 1 || active(Outcome::Lost) != 1 || active(Outcome::Open) == 0 {
            e.add(
                "stages",
                FieldCode::InvalidFormat,
                "one active won stage, one active lost stage and at least one open stage",
            );
        }
        e.finish()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Opportunity {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub customer_name: Option<String>,
    pub name: String,
    /// Integer 分 (¥1.00 = 100).
    pub amount: i64,
    /// amount × probability, half-up to the 分.
    pub weighted_amount: i64,
    pub expected_close_date: Option<NaiveDate>,
    /// A stage key (`GET /api/v1/opportunity-stages`).
    pub stage: String,
    pub probability: u8,
    pub status: Outcome,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub products: Option<String>,
    pub competitors: Option<String>,
    pub next_step: Option<String>,
    pub source_lead_id: Option<Uuid>,
    /// An option key of `lost_reason` (lost deals).
    pub lost_reason: Option<String>,
    pub lost_note: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub stage_changed_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    /// No activity for the stage's stale days (the owner has been told once).
    pub stale: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
    pub archived: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One stage move, as the history keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageChange {
    pub from_stage: Option<String>,
    pub to_stage: String,
    /// The amount at the time (分).
    pub amount: i64,
    pub probability: u8,
    pub changed_by: Option<Uuid>,
    pub changed_by_name: Option<String>,
    pub changed_at: DateTime<Utc>,
}

/// A deal with its stage history, oldest move first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpportunityDetail {
    #[serde(flatten)]
    pub opportunity: Opportunity,
    pub stage_history: Vec<StageChange>,
}

fn amount_errors(e: &mut Errors, amount: i64) {
    if !(0..=MAX_AMOUNT).contains(&amount) {
        e.add(
            "amount",
            FieldCode::OutOfRange,
            "0 to 100,000,000,000.00 yuan, in 分",
        );
    }
}

fn texts(e: &mut Errors, products: Option<&str>, competitors: Option<&str>, next: Option<&str>) {
    e.optional_text("products", products, limits::NOTES);
    e.optional_text("competitors", competitors, limits::NOTES);
    e.optional_text("next_step", next, limits::REASON);
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpportunityCreate {
    pub customer_id: Uuid,
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "二期产线自动化改造",
            min_length = 1,
            max_length = 200,
            pattern = r"\S"
        )
    )]
    pub name: String,
    /// Integer 分.
    #[serde(deserialize_with = "crate::de::int")]
    #[cfg_attr(
        feature = "openapi",
        schema(example = 35000000, minimum = 0, maximum = 10000000000000_i64)
    )]
    pub amount: i64,
    #[serde(default)]
    pub expected_close_date: Option<NaiveDate>,
    /// An open stage; the first one when absent.
    #[serde(default)]
    pub stage: Option<String>,
    /// Defaults to the stage's probability.
    #[serde(default, deserialize_with = "crate::de::opt")]
    #[cfg_attr(feature = "openapi", schema(maximum = 100))]
    pub probability: Option<u8>,
    /// Defaults to the customer's owner.
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    #[serde(default)]
    pub products: Option<String>,
    #[serde(default)]
    pub competitors: Option<String>,
    #[serde(default)]
    pub next_step: Option<String>,
    #[serde(default)]
    pub source_lead_id: Option<Uuid>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
}

impl OpportunityCreate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.required_text("name", &self.name, limits::NAME);
        amount_errors(&mut e, self.amount);
        if self.probability.is_some_and(|p| p > 100) {
            e.add("probability", FieldCode::OutOfRange, "0 to 100");
        }
        texts(
            &mut e,
            self.products.as_deref(),
            self.competitors.as_deref(),
            self.next_step.as_deref(),
        );
        e.finish()
    }
}

/// Edit a deal's facts (the stage moves through `POST …/stage`).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpportunityUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"\S")
    )]
    pub name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt"
    )]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 10000000000000_i64))]
    pub amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(
        feature = "openapi",
        schema(inline, value_type = Option<String>, format = Date)
    )]
    pub expected_close_date: Patch<NaiveDate>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt"
    )]
    #[cfg_attr(feature = "openapi", schema(maximum = 100))]
    pub probability: Option<u8>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub products: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub competitors: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub next_step: Patch<String>,
    /// Supervisors and above, inside their scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "CustomValues::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
}

impl OpportunityUpdate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(n) = &self.name {
            e.required_text("name", n, limits::NAME);
        }
        if let Some(a) = self.amount {
            amount_errors(&mut e, a);
        }
        if self.probability.is_some_and(|p| p > 100) {
            e.add("probability", FieldCode::OutOfRange, "0 to 100");
        }
        texts(
            &mut e,
            self.products.value().map(String::as_str),
            self.competitors.value().map(String::as_str),
            self.next_step.value().map(String::as_str),
        );
        e.finish()
    }
}

/// Move a deal to another stage. Lost needs a reason (an option of `lost_reason`).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StageMove {
    #[cfg_attr(feature = "openapi", schema(example = "negotiation"))]
    pub stage: String,
    #[serde(default)]
    pub lost_reason: Option<String>,
    #[serde(default)]
    pub lost_note: Option<String>,
}

impl StageMove {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.required_text("stage", &self.stage, 40);
        e.optional_text("lost_reason", self.lost_reason.as_deref(), 40);
        e.optional_text("lost_note", self.lost_note.as_deref(), limits::REASON);
        e.finish()
    }
}

/// Reopen a won or lost deal (supervisors and above), into an open stage, with a reason.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Reopen {
    pub stage: String,
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 500, pattern = r"\S")
    )]
    pub reason: String,
}

impl Reopen {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.required_text("stage", &self.stage, 40);
        e.required_text("reason", &self.reason, limits::REASON);
        e.finish()
    }
}

crate::list_query! {
    /// Filters of the deal list.
    pub struct OpportunityListQuery {
        pub owner_id: Option<Uuid>,
        pub customer_id: Option<Uuid>,
        pub status: Option<Outcome>,
        #[cfg_attr(feature = "openapi", param(max_length = 40))]
        pub stage: Option<String>,
        /// Name contains this text.
        #[cfg_attr(feature = "openapi", param(max_length = 100))]
        pub q: Option<String>,
        /// Only deals marked stale.
        pub stale: Option<bool>,
        /// Custom field filters, `key:value`, several separated by commas: fields marked
        /// `filterable` that the caller sees (as on the customer list).
        #[cfg_attr(feature = "openapi", param(max_length = 400))]
        pub custom: Option<String>,
        /// Sort by a custom field the caller sees: its key, or `-key` for descending (as on the
        /// customer list); otherwise most recently changed first.
        #[cfg_attr(feature = "openapi", param(max_length = 41))]
        pub custom_sort: Option<String>,
    }
}

impl OpportunityListQuery {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(q) = &self.q {
            e.max_len("q", q.trim(), 100);
        }
        if let Some(s) = &self.stage {
            e.max_len("stage", s, 40);
        }
        e.optional_text("custom_sort", self.custom_sort.as_deref(), 41);
        e.finish()
    }
}

/// Whose open deals the board shows: the caller's scope, or one owner in it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    pub owner_id: Option<Uuid>,
}

/// One column of the board: a stage's open deals (the most recently changed first), counted and
/// summed over all of them, not only those shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardColumn {
    pub stage: String,
    pub count: u64,
    /// 分.
    pub total: i64,
    /// 分: Σ amount × probability.
    pub weighted_total: i64,
    pub items: Vec<Opportunity>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Board {
    pub columns: Vec<BoardColumn>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_amounts_round_half_up_to_the_fen() {
        assert_eq!(weighted(35_000_000, 50), 17_500_000);
        assert_eq!(weighted(1, 50), 1, "0.5 分 rounds up");
        assert_eq!(weighted(3, 30), 1, "0.9 分");
        assert_eq!(weighted(1, 49), 0);
        assert_eq!(weighted(MAX_AMOUNT, 100), MAX_AMOUNT);
        assert_eq!(weighted(12_345, 0), 0);
        assert_eq!(weighted(999_999_999, 70), 699_999_999);
    }

    #[test]
    fn yuan_are_written_and_read_exactly() {
        assert_eq!(format_yuan(35_000_001), "¥350,000.01");
        assert_eq!(format_yuan(5), "¥0.05");
        assert_eq!(format_yuan(100_000_000_000), "¥1,000,000,000.00");
        assert_eq!(parse_yuan("350000"), Some(35_000_000));
        assert_eq!(parse_yuan("¥3,500.5"), Some(350_050));
        assert_eq!(parse_yuan("0.07"), Some(7));
        assert_eq!(parse_yuan("1.005"), None);
        assert_eq!(parse_yuan("-1"), None);
        assert_eq!(parse_yuan("abc"), None);
        assert_eq!(parse_yuan(""), None);
        for fen in [0, 1, 99, 100, 123_456_789] {
            assert_eq!(parse_yuan(&format_yuan(fen)), Some(fen));
        }
    }

    fn stage(key: &str, outcome: Outcome) -> Stage {
        Stage {
            key: key.into(),
            label_zh: key.into(),
            label_en: key.into(),
            probability: 10,
            outcome,
            stale_days: None,
            active: true,
        }
    }

    #[test]
    fn a_pipeline_has_one_won_one_lost_and_an_open_stage() {
        let ok = StagesInput {
            stages: vec![
                stage("a", Outcome::Open),
                stage("won", Outcome::Won),
                stage("lost", Outcome::Lost),
            ],
        };
        assert!(ok.validate().is_ok());
        let two_won = StagesInput {
            stages: vec![
                stage("a", Outcome::Open),
                stage("w1", Outcome::Won),
                stage("w2", Outcome::Won),
                stage("l", Outcome::Lost),
            ],
        };
        assert!(two_won.validate().is_err());
        let dup = StagesInput {
            stages: vec![
                stage("a", Outcome::Open),
                stage("a", Outcome::Won),
                stage("l", Outcome::Lost),
            ],
        };
        let fields: Vec<String> = dup
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert!(fields.contains(&"stages[1].key".to_owned()));
    }
}
