//! Products (产品) and price lists (价格表): the catalogue quotes are made from.
//!
//! A product has a unique code, a name, a category and a unit (option lists `product_category`
//! and `product_unit`), a list price in integer 分 and a tax rate. A price list gives some
//! products another price for a stretch of dates (a dealer price, a year's promotion); a quote
//! line takes its price from the quote's price list when the list is valid on the quote's date
//! and names the product, else from the product's list price ([`price_on`]).
//!
//! Tax rates are percents with at most two decimals, on the wire as decimal strings (`"13"`,
//! `"6.5"`) and in storage as basis points (1300), so nothing on the way is a float.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{FieldCode, FieldError};
use crate::field::CustomValues;
use crate::patch::Patch;
use crate::validate::{limits, Errors};

/// The largest list or list-entry price: ¥100 million a unit, in 分 (`quote::check_line` bounds
/// a whole line).
pub const MAX_PRICE: i64 = 10_000_000_000;
/// At most this many entries in one price list (its detail answers them all at once).
pub const MAX_LIST_ENTRIES: usize = 2000;
/// A product code: letters, digits and `-_./`, 1–40 characters.
pub const CODE_MAX: usize = 40;

/// Whether a product code is acceptable: 1–40 of `A-Z a-z 0-9 - _ . /`, starting with a letter
/// or digit. Codes go to finance systems and onto printed quotes, so they are plain ASCII.
pub fn code_is_valid(code: &str) -> bool {
    let mut chars = code.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && code.len() <= CODE_MAX
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

/// Basis points (1300) as the percent a person reads and the quote arithmetic takes (13).
pub fn percent_of_bp(bp: i32) -> Decimal {
    Decimal::new(i64::from(bp), 2)
}

/// A tax rate as sent (`"13"`, `"6.50"`) as basis points; `None` unless 0–100 with at most two
/// decimals.
pub fn bp_of_percent(p: Decimal) -> Option<i32> {
    if p < Decimal::ZERO || p > Decimal::ONE_HUNDRED || p.normalize().scale() > 2 {
        return None;
    }
    (p * Decimal::ONE_HUNDRED).normalize().to_i32()
}

fn tax_errors(e: &mut Errors, rate: Decimal) {
    if bp_of_percent(rate).is_none() {
        e.add(
            "tax_rate",
            FieldCode::OutOfRange,
            "a percent from 0 to 100 with at most two decimals",
        );
    }
}

fn price_errors(e: &mut Errors, field: &str, price: i64) {
    if !(0..=MAX_PRICE).contains(&price) {
        e.add(
            field,
            FieldCode::OutOfRange,
            "0 to 100,000,000.00 yuan, in 分",
        );
    }
}

fn code_errors(e: &mut Errors, code: &str) {
    if !code_is_valid(code.trim()) {
        e.add(
            "code",
            FieldCode::InvalidFormat,
            "1–40 letters, digits and - _ . /, starting with a letter or digit",
        );
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(example = "KD-CRM-STD"))]
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(example = "开单 CRM 标准版"))]
    pub name: String,
    /// An option key of `product_category`.
    pub category: Option<String>,
    /// An option key of `product_unit`.
    pub unit: Option<String>,
    /// Model or specification (规格型号), as printed on quotes.
    pub spec: Option<String>,
    /// 分 per unit, before tax.
    pub list_price: i64,
    /// Percent, e.g. `"13"`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "13"))]
    pub tax_rate: Decimal,
    pub description: Option<String>,
    /// Retired products stay on old quotes but cannot be put on new lines.
    pub active: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductCreate {
    /// Unique across the catalogue, compared without regard to case.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "KD-CRM-STD",
            pattern = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$"
        )
    )]
    pub code: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "开单 CRM 标准版",
            min_length = 1,
            max_length = 200,
            pattern = r"\S"
        )
    )]
    pub name: String,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub spec: Option<String>,
    /// 分 per unit, before tax.
    #[serde(deserialize_with = "crate::de::int")]
    #[cfg_attr(
        feature = "openapi",
        schema(example = 1980000, minimum = 0, maximum = 10000000000_i64)
    )]
    pub list_price: i64,
    /// Percent, 0–100 with at most two decimals; 13 when absent (China's standard VAT rate).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<String>, example = "13", pattern = r"^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$")
    )]
    pub tax_rate: Option<Decimal>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub description: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
}

/// The rate a product takes when none is given.
pub fn default_tax_rate() -> Decimal {
    Decimal::from(13)
}

impl ProductCreate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        code_errors(&mut e, &self.code);
        e.required_text("name", &self.name, limits::NAME);
        e.optional_text("spec", self.spec.as_deref(), limits::NAME);
        e.optional_text("description", self.description.as_deref(), limits::NOTES);
        price_errors(&mut e, "list_price", self.list_price);
        tax_errors(&mut e, self.tax_rate.unwrap_or_else(default_tax_rate));
        e.finish()
    }
}

/// Change a product; `active: false` retires it.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
    )]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"\S")
    )]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub category: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub unit: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub spec: Patch<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt"
    )]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 10000000000_i64))]
    pub list_price: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<String>, pattern = r"^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$")
    )]
    pub tax_rate: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub description: Patch<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "CustomValues::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
}

impl ProductUpdate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(c) = &self.code {
            code_errors(&mut e, c);
        }
        if let Some(n) = &self.name {
            e.required_text("name", n, limits::NAME);
        }
        e.optional_text("spec", self.spec.value().map(String::as_str), limits::NAME);
        e.optional_text(
            "description",
            self.description.value().map(String::as_str),
            limits::NOTES,
        );
        if let Some(p) = self.list_price {
            price_errors(&mut e, "list_price", p);
        }
        if let Some(t) = self.tax_rate {
            tax_errors(&mut e, t);
        }
        e.finish()
    }
}

crate::list_query! {
    /// Filters of the catalogue, by code.
    pub struct ProductListQuery {
        /// Part of the code or the name.
        #[cfg_attr(feature = "openapi", param(max_length = 100))]
        pub q: Option<String>,
        /// An option key of `product_category`.
        #[cfg_attr(feature = "openapi", param(max_length = 40))]
        pub category: Option<String>,
        /// `true`: only products that can go on new lines; `false`: only retired ones.
        pub active: Option<bool>,
        /// Custom field filters, `key:value`, several separated by commas.
        #[cfg_attr(feature = "openapi", param(max_length = 400))]
        pub custom: Option<String>,
        /// Sort by a custom field: its key, or `-key` for descending; otherwise by code.
        #[cfg_attr(feature = "openapi", param(max_length = 41))]
        pub custom_sort: Option<String>,
    }
}

impl ProductListQuery {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.optional_text("q", self.q.as_deref(), 100);
        e.optional_text("category", self.category.as_deref(), 40);
        e.optional_text("custom", self.custom.as_deref(), 400);
        e.optional_text("custom_sort", self.custom_sort.as_deref(), 41);
        e.finish()
    }
}

// ---- price lists ----

/// One product's price in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PriceEntry {
    pub product_id: Uuid,
    /// 分 per unit, before tax.
    #[serde(deserialize_with = "crate::de::int")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 10000000000_i64))]
    pub price: i64,
}

/// A price list's entry as read, with its product's code and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceListEntry {
    pub product_id: Uuid,
    pub product_code: String,
    pub product_name: String,
    /// The product's own list price (分), for comparison.
    pub list_price: i64,
    pub price: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceList {
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(example = "2027 渠道价"))]
    pub name: String,
    /// First day the list applies (inclusive).
    pub valid_from: NaiveDate,
    /// Last day the list applies (inclusive); none: open-ended.
    pub valid_to: Option<NaiveDate>,
    pub active: bool,
    pub notes: Option<String>,
    /// How many products the list prices.
    pub entry_count: u32,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A price list with its entries, by product code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceListDetail {
    #[serde(flatten)]
    pub price_list: PriceList,
    pub entries: Vec<PriceListEntry>,
}

fn period_errors(e: &mut Errors, from: NaiveDate, to: Option<NaiveDate>) {
    let ok = crate::visit::date_is_sane;
    if !ok(from) {
        e.add("valid_from", FieldCode::OutOfRange, "2000–2099");
    }
    if let Some(t) = to {
        if !ok(t) {
            e.add("valid_to", FieldCode::OutOfRange, "2000–2099");
        } else if t < from {
            e.add("valid_to", FieldCode::OutOfRange, "not before valid_from");
        }
    }
}

fn entries_errors(e: &mut Errors, entries: &[PriceEntry]) {
    if entries.len() > MAX_LIST_ENTRIES {
        e.add(
            "entries",
            FieldCode::OutOfRange,
            format!("at most {MAX_LIST_ENTRIES} products in a list"),
        );
        return;
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, x) in entries.iter().enumerate() {
        if !seen.insert(x.product_id) {
            e.add(
                format!("entries[{i}].product_id"),
                FieldCode::NotAllowed,
                "each product once",
            );
        }
        price_errors(e, &format!("entries[{i}].price"), x.price);
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PriceListCreate {
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "2027 渠道价",
            min_length = 1,
            max_length = 200,
            pattern = r"\S"
        )
    )]
    pub name: String,
    pub valid_from: NaiveDate,
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub notes: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 2000))]
    pub entries: Vec<PriceEntry>,
}

impl PriceListCreate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.required_text("name", &self.name, limits::NAME);
        e.optional_text("notes", self.notes.as_deref(), limits::NOTES);
        period_errors(&mut e, self.valid_from, self.valid_to);
        entries_errors(&mut e, &self.entries);
        e.finish()
    }
}

/// Change a price list; `entries`, when present, replaces all of them.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PriceListUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"\S")
    )]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(
        feature = "openapi",
        schema(inline, value_type = Option<String>, format = Date)
    )]
    pub valid_to: Patch<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub notes: Patch<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 2000))]
    pub entries: Option<Vec<PriceEntry>>,
}

impl PriceListUpdate {
    /// Validates the update as applied to the list's current period.
    pub fn validate(&self, from: NaiveDate, to: Option<NaiveDate>) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(n) = &self.name {
            e.required_text("name", n, limits::NAME);
        }
        e.optional_text(
            "notes",
            self.notes.value().map(String::as_str),
            limits::NOTES,
        );
        let to = match &self.valid_to {
            Patch::Absent => to,
            Patch::Null => None,
            Patch::Value(v) => Some(*v),
        };
        period_errors(&mut e, self.valid_from.unwrap_or(from), to);
        if let Some(x) = &self.entries {
            entries_errors(&mut e, x);
        }
        e.finish()
    }
}

crate::list_query! {
    /// Filters of the price lists, newest first.
    pub struct PriceListListQuery {
        /// Only lists valid on this day (and active).
        pub valid_on: Option<NaiveDate>,
    }
}

/// Whether a list applies on `day`.
pub fn applies(active: bool, from: NaiveDate, to: Option<NaiveDate>, day: NaiveDate) -> bool {
    active && from <= day && to.is_none_or(|t| day <= t)
}

/// A product's unit price on a quote: the list's entry when the list applies on `day` and names
/// the product, else the product's list price.
pub fn price_on(list_price: i64, list: Option<(&PriceList, Option<i64>)>, day: NaiveDate) -> i64 {
    match list {
        Some((l, Some(p))) if applies(l.active, l.valid_from, l.valid_to, day) => p,
        _ => list_price,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        for ok in [
            "KD-1",
            "a",
            "X.Y/Z_1",
            "0123456789012345678901234567890123456789",
        ] {
            assert!(code_is_valid(ok), "{ok}");
        }
        for bad in [
            "",
            "-KD",
            "产品",
            "KD 1",
            "01234567890123456789012345678901234567890",
        ] {
            assert!(!code_is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn tax_rates_round_trip_through_basis_points() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(bp_of_percent(d("13")), Some(1300));
        assert_eq!(bp_of_percent(d("6.50")), Some(650));
        assert_eq!(bp_of_percent(d("0")), Some(0));
        assert_eq!(bp_of_percent(d("100.00")), Some(10000));
        assert_eq!(bp_of_percent(d("6.505")), None);
        assert_eq!(bp_of_percent(d("-1")), None);
        assert_eq!(bp_of_percent(d("100.01")), None);
        assert_eq!(percent_of_bp(650), d("6.5"));
        assert_eq!(percent_of_bp(1300).to_string(), "13.00");
    }

    #[test]
    fn a_list_prices_only_inside_its_dates() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2027, 1, d).unwrap();
        let list = PriceList {
            id: Uuid::nil(),
            name: "x".into(),
            valid_from: day(10),
            valid_to: Some(day(20)),
            active: true,
            notes: None,
            entry_count: 1,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        assert_eq!(price_on(100, Some((&list, Some(80))), day(9)), 100);
        assert_eq!(price_on(100, Some((&list, Some(80))), day(10)), 80);
        assert_eq!(price_on(100, Some((&list, Some(80))), day(20)), 80);
        assert_eq!(price_on(100, Some((&list, Some(80))), day(21)), 100);
        assert_eq!(price_on(100, Some((&list, None)), day(15)), 100);
        let retired = PriceList {
            active: false,
            ..list
        };
        assert_eq!(price_on(100, Some((&retired, Some(80))), day(15)), 100);
    }

    #[test]
    fn validation_names_each_bad_field() {
        let p = ProductCreate {
            code: "产品".into(),
            name: " ".into(),
            list_price: -1,
            tax_rate: Some(Decimal::from(101)),
            ..Default::default()
        };
        let fields: Vec<_> = p
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["code", "name", "list_price", "tax_rate"]);
        let l = PriceListCreate {
            name: "x".into(),
            valid_from: NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
            valid_to: NaiveDate::from_ymd_opt(2027, 1, 1),
            notes: None,
            entries: vec![
                PriceEntry {
                    product_id: Uuid::nil(),
                    price: 1,
                },
                PriceEntry {
                    product_id: Uuid::nil(),
                    price: MAX_PRICE + 1,
                },
            ],
        };
        let fields: Vec<_> = l
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["valid_to", "entries[1].product_id", "entries[1].price"]
        );
    }
}
