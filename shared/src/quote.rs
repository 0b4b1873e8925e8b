//! Quotes (报价). A quote's figures — one function, [`totals`], used by the server (what is stored, printed and
//! approved) and by the web app (what the user sees while typing), so the two never differ.
//!
//! Inputs are exact: quantities are decimals of at most four places, prices integer 分, discount
//! and tax rates decimals of at most two places of a percent. Arithmetic is `rust_decimal`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{FieldCode, FieldError};
use crate::field::CustomValues;
use crate::money::round_fen;
use crate::patch::Patch;
use crate::validate::{limits, Errors};

/// The most decimal places a quantity has.
pub const QUANTITY_SCALE: u32 = 4;
/// The most decimal places a percentage (discount, tax rate) has.
pub const PERCENT_SCALE: u32 = 2;

/// One line as entered.
#[derive(Clone, Debug, PartialEq)]
pub struct LineInput {
    pub quantity: Decimal,
    /// 分 per unit, before discounts and tax.
    pub unit_price: i64,
    /// The line's own discount, percent (0–100).
    pub discount_percent: Decimal,
    /// percent (13 for 13 %).
    pub tax_rate_percent: Decimal,
}

/// One line's figures, all 分.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineTotals {
    /// quantity × unit price, half-up to the 分.
    pub gross: i64,
    /// After the line's discount and the quote's overall discount, before tax: half-up to the 分.
    pub net: i64,
    /// net × tax rate, half-up to the 分.
    pub tax: i64,
    /// net + tax.
    pub total: i64,
}

/// A quote's figures, all 分.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Totals {
    pub lines: Vec<LineTotals>,
    /// Σ gross.
    pub subtotal: i64,
    /// subtotal − Σ net: what the line and overall discounts took off.
    pub discount: i64,
    /// Σ tax.
    pub tax: i64,
    /// Σ net + Σ tax.
    pub total: i64,
}

/// A quote's figures. The rule, line by line, each step exact until its rounding:
///
/// 1. gross = quantity × unit price, rounded half-up to 0.01 yuan (1 分);
/// 2. net = quantity × unit price × (1 − line discount %) × (1 − overall discount %), computed
///    exactly from the unrounded product and rounded half-up to 1 分 once;
/// 3. tax = net × tax rate %, rounded half-up to 1 分 (tax is per line, as on a VAT invoice,
///    where each line's tax is rounded and the invoice's tax is their sum);
/// 4. the line's total = net + tax.
///
/// The quote's subtotal, tax and total are the sums of its lines' figures, and its discount is
/// subtotal − Σ net, so every printed column adds up exactly. Half-up means away from zero at
/// exactly half a 分 (amounts are never negative here).
pub fn totals(lines: &[LineInput], overall_discount_percent: Decimal) -> Totals {
    let hundred = Decimal::ONE_HUNDRED;
    let overall = (hundred - overall_discount_percent) / hundred;
    let mut t = Totals {
        lines: Vec::with_capacity(lines.len()),
        ..Totals::default()
    };
    for l in lines {
        let exact = l.quantity * Decimal::from(l.unit_price);
        let gross = round_fen(exact);
        let net = round_fen(exact * (hundred - l.discount_percent) / hundred * overall);
        let tax = round_fen(Decimal::from(net) * l.tax_rate_percent / hundred);
        let line = LineTotals {
            gross,
            net,
            tax,
            total: net + tax,
        };
        t.subtotal += gross;
        t.discount += gross - net;
        t.tax += tax;
        t.total += line.total;
        t.lines.push(line);
    }
    t
}

/// The discount the quote gives against a reference price (the products' list prices, one per
/// line): 1 − Σ net / Σ (quantity × reference price), in percent, half-up to two places; 0 when
/// the reference is zero or the quote sells above it. `t` is `totals(lines, …)`: lines, prices
/// and figures are read side by side, so a missing one leaves its line out of both sums.
pub fn effective_discount_percent(lines: &[LineInput], reference: &[i64], t: &Totals) -> Decimal {
    let (mut listed, mut net) = (Decimal::ZERO, Decimal::ZERO);
    for ((l, p), f) in lines.iter().zip(reference).zip(&t.lines) {
        listed += l.quantity * Decimal::from(*p);
        net += Decimal::from(f.net);
    }
    if listed <= Decimal::ZERO || net >= listed {
        return Decimal::ZERO;
    }
    ((listed - net) / listed * Decimal::ONE_HUNDRED).round_dp_with_strategy(
        PERCENT_SCALE,
        rust_decimal::RoundingStrategy::MidpointAwayFromZero,
    )
}

/// The largest discount any line gives, its own and the quote's overall discount together:
/// 1 − (1 − line %)(1 − overall %), in percent. What an approval template's `discount_over`
/// compares, so that 50 % off the whole quote counts as much as 50 % off each line.
pub fn max_line_discount_percent(
    lines: &[LineInput],
    overall_discount_percent: Decimal,
) -> Decimal {
    let hundred = Decimal::ONE_HUNDRED;
    let keep = (hundred - overall_discount_percent) / hundred;
    lines
        .iter()
        .map(|l| hundred - (hundred - l.discount_percent) * keep)
        .max()
        .unwrap_or(overall_discount_percent)
}

/// The most lines a quote has.
pub const MAX_LINES: usize = 500;
/// The largest quantity on a line (with at most [`QUANTITY_SCALE`] decimals).
pub const MAX_QUANTITY: i64 = 100_000_000;

/// Why a line's numbers are refused; the API reports it on the line's field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineProblem {
    /// Negative, more than four decimals, or over [`MAX_QUANTITY`].
    Quantity,
    /// Negative.
    UnitPrice,
    /// Outside 0–100, or more than two decimals.
    Discount,
    /// Outside 0–100, or more than two decimals.
    TaxRate,
    /// quantity × unit price over ¥100 billion ([`crate::opportunity::MAX_AMOUNT`]).
    TooLarge,
}

/// What [`totals`] needs of its inputs to stay exact. Within these bounds every intermediate
/// value has at most 14 digits before the point and 12 after (inside `Decimal`'s 28), and a
/// quote's sums stay far inside `i64` ([`MAX_LINES`] × ¥100 billion × 2); the API refuses
/// anything else before any arithmetic.
pub fn check_line(l: &LineInput) -> Result<(), LineProblem> {
    let hundred = Decimal::ONE_HUNDRED;
    let percent_ok = |v: Decimal| v.scale() <= PERCENT_SCALE && v >= Decimal::ZERO && v <= hundred;
    if l.quantity.is_sign_negative()
        || l.quantity.normalize().scale() > QUANTITY_SCALE
        || l.quantity > Decimal::from(MAX_QUANTITY)
    {
        return Err(LineProblem::Quantity);
    }
    if l.unit_price < 0 {
        return Err(LineProblem::UnitPrice);
    }
    if !percent_ok(l.discount_percent.normalize()) {
        return Err(LineProblem::Discount);
    }
    if !percent_ok(l.tax_rate_percent.normalize()) {
        return Err(LineProblem::TaxRate);
    }
    if l.quantity * Decimal::from(l.unit_price) > Decimal::from(crate::opportunity::MAX_AMOUNT) {
        return Err(LineProblem::TooLarge);
    }
    Ok(())
}

/// The overall discount's bounds: 0–100 with at most two decimals.
pub fn check_overall_discount(v: Decimal) -> bool {
    let v = v.normalize();
    v.scale() <= PERCENT_SCALE && v >= Decimal::ZERO && v <= Decimal::ONE_HUNDRED
}

// ---- the quote as the API sends and takes it ----

/// Where a quote stands. A draft is edited; a sent quote is frozen (a change is a new revision,
/// which supersedes it when that one is sent); the customer accepts or rejects a sent one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuoteStatus {
    Draft,
    /// Its discount is over what the sender may give: waiting for the approval flow, which
    /// sends it when approved (rejected or withdrawn: a draft again).
    PendingApproval,
    Sent,
    Accepted,
    Rejected,
    /// A later revision of the same quote was sent.
    Superseded,
}

impl QuoteStatus {
    pub const ALL: [QuoteStatus; 6] = [
        QuoteStatus::Draft,
        QuoteStatus::PendingApproval,
        QuoteStatus::Sent,
        QuoteStatus::Accepted,
        QuoteStatus::Rejected,
        QuoteStatus::Superseded,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            QuoteStatus::Draft => "draft",
            QuoteStatus::PendingApproval => "pending_approval",
            QuoteStatus::Sent => "sent",
            QuoteStatus::Accepted => "accepted",
            QuoteStatus::Rejected => "rejected",
            QuoteStatus::Superseded => "superseded",
        }
    }
    pub fn parse(s: &str) -> Option<QuoteStatus> {
        QuoteStatus::ALL.into_iter().find(|q| q.as_str() == s)
    }
}

/// A line as entered: a product of the catalogue, how many, and optionally a price and a
/// discount. The price defaults to the quote's price list on the quote's date, else the
/// product's list price; the tax rate is always the product's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuoteLineInput {
    pub product_id: Uuid,
    /// Up to four decimals, at most 100,000,000.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, example = "2.5", pattern = r"^[0-9]{1,9}(\.[0-9]{1,4})?$")
    )]
    pub quantity: Decimal,
    /// 分 per unit before discounts and tax; the price list's or the list price when absent.
    #[serde(default, deserialize_with = "crate::de::opt")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 10000000000_i64))]
    pub unit_price: Option<i64>,
    /// Percent, 0–100 with at most two decimals.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<String>, example = "10", pattern = r"^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$")
    )]
    pub discount_percent: Option<Decimal>,
    /// What the line says besides the product's name (a version, a delivery note).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub note: Option<String>,
}

/// A line as stored: the product as it was when quoted, and the line's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuoteLine {
    pub product_id: Uuid,
    pub product_code: String,
    pub product_name: String,
    pub spec: Option<String>,
    /// An option key of `product_unit`.
    pub unit: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2.5"))]
    pub quantity: Decimal,
    /// The product's list price when quoted (分): what the discount is measured against.
    pub list_price: i64,
    pub unit_price: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "10"))]
    pub discount_percent: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "13"))]
    pub tax_rate: Decimal,
    pub note: Option<String>,
    #[serde(flatten)]
    pub figures: LineTotals,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quote {
    pub id: Uuid,
    /// `BJ-2026-000123`, the same on every revision.
    #[cfg_attr(feature = "openapi", schema(example = "BJ-2026-000123"))]
    pub number: String,
    /// 1 for the first; each revision of a sent quote counts up.
    pub revision: u32,
    pub opportunity_id: Uuid,
    pub opportunity_name: Option<String>,
    pub customer_id: Uuid,
    pub customer_name: Option<String>,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub title: String,
    pub price_list_id: Option<Uuid>,
    /// The day the prices are of.
    pub quote_date: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "5"))]
    pub overall_discount_percent: Decimal,
    /// Σ gross (分).
    pub subtotal: i64,
    /// What the discounts take off (分).
    pub discount: i64,
    pub tax: i64,
    pub total: i64,
    /// The largest discount a line gives, with the overall one (what approvals compare).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "14.5"))]
    pub max_discount_percent: Decimal,
    pub status: QuoteStatus,
    pub notes: Option<String>,
    /// Payment and delivery terms, as printed.
    pub terms: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub lines: Vec<QuoteLine>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn percent_errors(e: &mut Errors, field: &str, v: Decimal) {
    if !check_overall_discount(v) {
        e.add(
            field,
            FieldCode::OutOfRange,
            "a percent from 0 to 100 with at most two decimals",
        );
    }
}

pub fn lines_errors(e: &mut Errors, lines: &[QuoteLineInput]) {
    if lines.len() > MAX_LINES {
        e.add(
            "lines",
            FieldCode::OutOfRange,
            format!("at most {MAX_LINES} lines"),
        );
        return;
    }
    for (i, l) in lines.iter().enumerate() {
        let f = |k: &str| format!("lines[{i}].{k}");
        let q = l.quantity;
        if q.is_sign_negative()
            || q.is_zero()
            || q.normalize().scale() > QUANTITY_SCALE
            || q > Decimal::from(MAX_QUANTITY)
        {
            e.add(
                f("quantity"),
                FieldCode::OutOfRange,
                "more than 0, at most 100,000,000, at most four decimals",
            );
        }
        if l.unit_price
            .is_some_and(|p| !(0..=crate::product::MAX_PRICE).contains(&p))
        {
            e.add(
                f("unit_price"),
                FieldCode::OutOfRange,
                "0 to 100,000,000.00 yuan, in 分",
            );
        }
        if let Some(d) = l.discount_percent {
            percent_errors(e, &f("discount_percent"), d);
        }
        e.optional_text(&f("note"), l.note.as_deref(), limits::REASON);
    }
}

fn dates_errors(e: &mut Errors, quote_date: Option<NaiveDate>, valid_until: Option<NaiveDate>) {
    let ok = crate::visit::date_is_sane;
    if quote_date.is_some_and(|d| !ok(d)) {
        e.add("quote_date", FieldCode::OutOfRange, "2000–2099");
    }
    if let Some(v) = valid_until {
        if !ok(v) {
            e.add("valid_until", FieldCode::OutOfRange, "2000–2099");
        } else if quote_date.is_some_and(|q| v < q) {
            e.add(
                "valid_until",
                FieldCode::OutOfRange,
                "not before the quote's date",
            );
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuoteCreate {
    /// The deal the quote is for (its customer is the quote's).
    pub opportunity_id: Uuid,
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "二期产线 CRM 报价",
            min_length = 1,
            max_length = 200,
            pattern = r"\S"
        )
    )]
    pub title: String,
    #[serde(default)]
    pub price_list_id: Option<Uuid>,
    /// Today (China time) when absent.
    #[serde(default)]
    pub quote_date: Option<NaiveDate>,
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<String>, pattern = r"^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$")
    )]
    pub overall_discount_percent: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub notes: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub terms: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 500))]
    pub lines: Vec<QuoteLineInput>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
}

impl QuoteCreate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.required_text("title", &self.title, limits::NAME);
        if let Some(d) = self.overall_discount_percent {
            percent_errors(&mut e, "overall_discount_percent", d);
        }
        dates_errors(&mut e, self.quote_date, self.valid_until);
        e.optional_text("notes", self.notes.as_deref(), limits::NOTES);
        e.optional_text("terms", self.terms.as_deref(), limits::NOTES);
        lines_errors(&mut e, &self.lines);
        e.finish()
    }
}

/// Change a draft; `lines`, when present, replaces all of them.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuoteUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"\S")
    )]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline, value_type = Option<Uuid>))]
    pub price_list_id: Patch<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(
        feature = "openapi",
        schema(inline, value_type = Option<String>, format = Date)
    )]
    pub valid_until: Patch<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<String>, pattern = r"^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$")
    )]
    pub overall_discount_percent: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub notes: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub terms: Patch<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 500))]
    pub lines: Option<Vec<QuoteLineInput>>,
    #[serde(default, skip_serializing_if = "CustomValues::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
}

impl QuoteUpdate {
    /// Validates the update as applied to the quote's current dates.
    pub fn validate(
        &self,
        quote_date: NaiveDate,
        valid_until: Option<NaiveDate>,
    ) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(t) = &self.title {
            e.required_text("title", t, limits::NAME);
        }
        if let Some(d) = self.overall_discount_percent {
            percent_errors(&mut e, "overall_discount_percent", d);
        }
        let until = match &self.valid_until {
            Patch::Absent => valid_until,
            Patch::Null => None,
            Patch::Value(v) => Some(*v),
        };
        dates_errors(&mut e, Some(self.quote_date.unwrap_or(quote_date)), until);
        e.optional_text(
            "notes",
            self.notes.value().map(String::as_str),
            limits::NOTES,
        );
        e.optional_text(
            "terms",
            self.terms.value().map(String::as_str),
            limits::NOTES,
        );
        if let Some(l) = &self.lines {
            lines_errors(&mut e, l);
        }
        e.finish()
    }
}

/// The customer's answer to a sent quote.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuoteDecision {
    /// Why (required when rejecting).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub note: Option<String>,
}

crate::list_query! {
    /// Filters of the quote list, newest first.
    pub struct QuoteListQuery {
        pub opportunity_id: Option<Uuid>,
        pub customer_id: Option<Uuid>,
        pub owner_id: Option<Uuid>,
        pub status: Option<QuoteStatus>,
    }
}

/// The line inputs `totals` takes from stored lines.
pub fn inputs_of(lines: &[QuoteLine]) -> Vec<LineInput> {
    lines
        .iter()
        .map(|l| LineInput {
            quantity: l.quantity,
            unit_price: l.unit_price,
            discount_percent: l.discount_percent,
            tax_rate_percent: l.tax_rate,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn line(q: &str, price: i64, disc: &str, tax: &str) -> LineInput {
        LineInput {
            quantity: d(q),
            unit_price: price,
            discount_percent: d(disc),
            tax_rate_percent: d(tax),
        }
    }

    #[test]
    fn a_known_invoice_adds_up() {
        // 3 licences at ¥12,800.00 less 10 %, 2.5 days of service at ¥1,999.99 at 6 %, and one
        // freight at ¥80.00 at 9 %, with 5 % off the whole quote.
        let t = totals(
            &[
                line("3", 1_280_000, "10", "13"),
                line("2.5", 199_999, "0", "6"),
                line("1", 8_000, "0", "9"),
            ],
            d("5"),
        );
        // 3 × 12,800 = 38,400.00; × 0.9 × 0.95 = 32,832.00; tax 13 % = 4,268.16
        // 2.5 × 1,999.99 = 4,999.975 → 4,999.98; × 0.95 = 4,749.97625 → 4,749.98; 6 % = 284.9988 → 285.00
        // 80.00 × 0.95 = 76.00; 9 % = 6.84
        assert_eq!(
            t.lines,
            vec![
                LineTotals {
                    gross: 3_840_000,
                    net: 3_283_200,
                    tax: 426_816,
                    total: 3_710_016
                },
                LineTotals {
                    gross: 499_998,
                    net: 474_998,
                    tax: 28_500,
                    total: 503_498
                },
                LineTotals {
                    gross: 8_000,
                    net: 7_600,
                    tax: 684,
                    total: 8_284
                },
            ]
        );
        assert_eq!(t.subtotal, 3_840_000 + 499_998 + 8_000);
        assert_eq!(t.discount, t.subtotal - (3_283_200 + 474_998 + 7_600));
        assert_eq!(t.tax, 426_816 + 28_500 + 684);
        assert_eq!(t.total, t.subtotal - t.discount + t.tax);
    }

    #[test]
    fn half_a_fen_rounds_up() {
        // 0.5 × 1 分 = 0.5 分 → 1; tax 13 % of 1 分 = 0.13 → 0.
        let t = totals(&[line("0.5", 1, "0", "13")], Decimal::ZERO);
        assert_eq!((t.subtotal, t.tax, t.total), (1, 0, 1));
        // 0.0001 × ¥49.99: 0.4999 分 → 0.
        let t = totals(&[line("0.0001", 4_999, "0", "0")], Decimal::ZERO);
        assert_eq!(t.total, 0);
        // Tax of 5 分 at 10 %: exactly half a 分 → 1.
        let t = totals(&[line("1", 5, "0", "10")], Decimal::ZERO);
        assert_eq!(t.tax, 1);
    }

    #[test]
    fn zero_and_full_discounts_and_quantities() {
        assert_eq!(totals(&[], d("10")), Totals::default());
        let t = totals(&[line("0", 100_000, "0", "13")], Decimal::ZERO);
        assert_eq!(t.total, 0);
        let t = totals(&[line("10", 100_000, "100", "13")], Decimal::ZERO);
        assert_eq!(
            (t.subtotal, t.discount, t.tax, t.total),
            (1_000_000, 1_000_000, 0, 0)
        );
        let t = totals(&[line("10", 100_000, "0", "13")], d("100"));
        assert_eq!(t.total, 0);
    }

    #[test]
    fn huge_quantities_stay_exact() {
        // 99,999,999.9999 units at ¥1,000.00 (just under the ¥100 billion cap), 33.33 % off.
        let t = totals(
            &[line("99999999.9999", 100_000, "33.33", "13")],
            Decimal::ZERO,
        );
        assert_eq!(t.subtotal, 9_999_999_999_990);
        // × 0.6667 = 6,666,999,999,993.333 → …993; 13 % = 866,709,999,999.09 → …999
        assert_eq!(t.lines[0].net, 6_666_999_999_993);
        assert_eq!(t.tax, 866_709_999_999);
    }

    #[test]
    fn the_effective_discount_is_against_the_reference() {
        let lines = [line("2", 9_000, "0", "13"), line("1", 10_000, "50", "13")];
        let t = totals(&lines, Decimal::ZERO);
        // Reference 2 × 100 + 100 = 300 yuan; net 180 + 50 = 230 → 23.33 %.
        assert_eq!(
            effective_discount_percent(&lines, &[10_000, 10_000], &t),
            d("23.33")
        );
        // Selling above the reference is no discount.
        assert_eq!(
            effective_discount_percent(&lines, &[1_000, 1_000], &t),
            Decimal::ZERO
        );
        // A line without its reference price is left out of both sums.
        assert_eq!(effective_discount_percent(&lines, &[10_000], &t), d("10"));
    }

    #[test]
    fn the_largest_line_discount_counts_the_overall_one() {
        let lines = [line("1", 100, "0", "0"), line("1", 100, "10", "0")];
        assert_eq!(max_line_discount_percent(&lines, Decimal::ZERO), d("10"));
        // 10 % then 50 %: 55 % off that line.
        assert_eq!(max_line_discount_percent(&lines, d("50")), d("55"));
        assert_eq!(max_line_discount_percent(&[], d("5")), d("5"));
    }

    #[test]
    fn lines_outside_the_bounds_are_refused() {
        assert_eq!(
            check_line(&line("99999999.9999", 100_000, "33.33", "13")),
            Ok(())
        );
        for (l, want) in [
            (line("-1", 100, "0", "0"), LineProblem::Quantity),
            (line("1.00001", 100, "0", "0"), LineProblem::Quantity),
            (line("100000000.0001", 1, "0", "0"), LineProblem::Quantity),
            (line("1", -1, "0", "0"), LineProblem::UnitPrice),
            (line("1", 100, "100.01", "0"), LineProblem::Discount),
            (line("1", 100, "-0.01", "0"), LineProblem::Discount),
            (line("1", 100, "0.001", "0"), LineProblem::Discount),
            (line("1", 100, "0", "101"), LineProblem::TaxRate),
            (line("100000000", 100_001, "0", "0"), LineProblem::TooLarge),
        ] {
            assert_eq!(check_line(&l), Err(want), "{l:?}");
        }
        // Trailing zeros are not decimals: 1.50000 is 1.5.
        assert_eq!(check_line(&line("1.50000", 100, "10.000", "13.0")), Ok(()));
        assert!(check_overall_discount(d("12.50")));
        assert!(!check_overall_discount(d("12.505")));
        assert!(!check_overall_discount(d("100.5")));
    }
}
