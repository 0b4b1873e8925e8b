//! Option lists (数据字典): the admin-managed choices behind every "pick one" on a record —
//! customer industry and source, lead source, lost reasons, visit outcomes, payment methods, and
//! the lists custom fields use.
//!
//! An option has a stable key (what records store) and a Chinese and an English label (what people
//! read). Options are retired, never deleted, so an old record keeps its meaning; an update names
//! the whole list in its new order, and leaving an existing key out is refused.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{FieldCode, FieldError};
use crate::patch::Patch;
use crate::validate::{limits, Errors};

/// The lists every installation has (seeded by a migration; more are added by admins).
pub mod builtin {
    pub const CUSTOMER_INDUSTRY: &str = "customer_industry";
    pub const CUSTOMER_SOURCE: &str = "customer_source";
    pub const LEAD_SOURCE: &str = "lead_source";
    pub const DISQUALIFY_REASON: &str = "disqualify_reason";
    pub const LOST_REASON: &str = "lost_reason";
    pub const VISIT_OUTCOME: &str = "visit_outcome";
    pub const FOLLOWUP_TYPE: &str = "followup_type";
    pub const PAYMENT_METHOD: &str = "payment_method";
    pub const PRODUCT_CATEGORY: &str = "product_category";
    pub const PRODUCT_UNIT: &str = "product_unit";
}

/// One choice of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptionItem {
    /// Stable key, stored on records: `[a-z][a-z0-9_]*`, at most 40 characters.
    #[cfg_attr(feature = "openapi", schema(example = "manufacturing"))]
    pub key: String,
    #[cfg_attr(feature = "openapi", schema(example = "制造业"))]
    pub label_zh: String,
    #[cfg_attr(feature = "openapi", schema(example = "Manufacturing"))]
    pub label_en: String,
    /// Retired options stay readable on old records but cannot be chosen anew.
    pub active: bool,
}

impl OptionItem {
    /// The label in the reader's language (`en…` → English, anything else → Chinese).
    pub fn label(&self, lang: &str) -> &str {
        if lang.starts_with("en") {
            &self.label_en
        } else {
            &self.label_zh
        }
    }
}

/// A list with its options in display order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptionList {
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(example = "customer_industry"))]
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    /// One of the lists every installation has; its key is fixed.
    pub builtin: bool,
    pub options: Vec<OptionItem>,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

impl OptionList {
    pub fn option(&self, key: &str) -> Option<&OptionItem> {
        self.options.iter().find(|o| o.key == key)
    }
}

/// A new option on a list: active unless said otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OptionInput {
    #[cfg_attr(
        feature = "openapi",
        schema(example = "manufacturing", pattern = "^[a-z][a-z0-9_]{0,39}$")
    )]
    pub key: String,
    #[cfg_attr(
        feature = "openapi",
        schema(example = "制造业", min_length = 1, max_length = 64)
    )]
    pub label_zh: String,
    #[cfg_attr(
        feature = "openapi",
        schema(example = "Manufacturing", min_length = 1, max_length = 64)
    )]
    pub label_en: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OptionListCreate {
    #[cfg_attr(
        feature = "openapi",
        schema(example = "purchase_cycle", pattern = "^[a-z][a-z0-9_]{0,39}$")
    )]
    pub key: String,
    #[cfg_attr(
        feature = "openapi",
        schema(example = "采购周期", min_length = 1, max_length = 64)
    )]
    pub name_zh: String,
    #[cfg_attr(
        feature = "openapi",
        schema(example = "Purchase cycle", min_length = 1, max_length = 64)
    )]
    pub name_en: String,
    #[serde(default)]
    pub options: Vec<OptionInput>,
}

/// Renames a list and/or sets its options: `options` is the whole list in its new order — new
/// keys are added, missing existing keys are refused (retire them with `active: false`).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OptionListUpdate {
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub name_zh: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub name_en: Patch<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<OptionInput>>,
}

/// Checks a built-in field that holds an option key (a customer's industry, say): `value` must be
/// an active option of `list`, or the key the record already holds (`before`) — a retired option
/// stays where it was.
pub fn check_choice(
    errors: &mut Vec<FieldError>,
    field: &str,
    list: Option<&OptionList>,
    value: Option<&str>,
    before: Option<&str>,
) {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return;
    };
    if before == Some(v) {
        return;
    }
    match list.and_then(|l| l.option(v)) {
        Some(o) if o.active => {}
        Some(_) => errors.push(FieldError::new(
            field,
            FieldCode::NotAllowed,
            "this option is retired",
        )),
        None => errors.push(FieldError::new(
            field,
            FieldCode::UnknownReference,
            "not an option of the field's list (GET /api/v1/option-lists)",
        )),
    }
}

/// At most this many options in one list.
pub const MAX_OPTIONS: usize = 200;

/// Whether `key` is a valid key of a list, an option or a custom field: a lower-case letter, then
/// lower-case letters, digits and `_`, at most 40 characters.
pub fn key_is_valid(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some('a'..='z'))
        && key.len() <= 40
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

pub(crate) fn check_key(e: &mut Errors, field: &str, key: &str) {
    if !key_is_valid(key) {
        e.add(
            field,
            FieldCode::InvalidFormat,
            "a key is a lower-case letter, then lower-case letters, digits or _ (at most 40)",
        );
    }
}

fn check_options(e: &mut Errors, options: &[OptionInput]) {
    if options.len() > MAX_OPTIONS {
        e.add(
            "options",
            FieldCode::TooMany,
            format!("at most {MAX_OPTIONS} options"),
        );
    }
    for (i, o) in options.iter().enumerate() {
        let at = format!("options[{i}]");
        check_key(e, &format!("{at}.key"), &o.key);
        e.required_text(&format!("{at}.label_zh"), &o.label_zh, limits::SHORT);
        e.required_text(&format!("{at}.label_en"), &o.label_en, limits::SHORT);
        if options[..i].iter().any(|p| p.key == o.key) {
            e.add(
                format!("{at}.key"),
                FieldCode::NotAllowed,
                "the key appears twice",
            );
        }
    }
}

impl OptionListCreate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        check_key(&mut e, "key", &self.key);
        e.required_text("name_zh", &self.name_zh, limits::SHORT);
        e.required_text("name_en", &self.name_en, limits::SHORT);
        check_options(&mut e, &self.options);
        e.finish()
    }
}

impl OptionListUpdate {
    /// Validates the update against the list as it is (`current` option keys).
    pub fn validate(&self, current: &[OptionItem]) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        for (field, value) in [("name_zh", &self.name_zh), ("name_en", &self.name_en)] {
            match value {
                Patch::Absent => {}
                Patch::Null => e.add(field, FieldCode::Required, format!("{field} is required")),
                Patch::Value(v) => e.required_text(field, v, limits::SHORT),
            }
        }
        if let Some(options) = &self.options {
            check_options(&mut e, options);
            for old in current {
                if !options.iter().any(|o| o.key == old.key) {
                    e.add(
                        "options",
                        FieldCode::NotAllowed,
                        format!(
                            "option {} is missing: options are retired (active: false), never removed",
                            old.key
                        ),
                    );
                }
            }
        }
        e.finish()
    }

    pub fn is_empty(&self) -> bool {
        self.name_zh.is_absent() && self.name_en.is_absent() && self.options.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(key: &str) -> OptionInput {
        OptionInput {
            key: key.into(),
            label_zh: "标签".into(),
            label_en: "Label".into(),
            active: true,
        }
    }

    #[test]
    fn keys_are_lower_snake_case() {
        for ok in ["a", "purchase_cycle", "q3_2026", &"x".repeat(40)] {
            assert!(key_is_valid(ok), "{ok}");
        }
        for bad in ["", "1a", "_a", "A", "a-b", "a b", "采购", &"x".repeat(41)] {
            assert!(!key_is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn an_update_may_not_drop_an_option() {
        let current = vec![OptionItem {
            key: "old".into(),
            label_zh: "旧".into(),
            label_en: "Old".into(),
            active: true,
        }];
        let drop = OptionListUpdate {
            options: Some(vec![input("new")]),
            ..Default::default()
        };
        let errs = drop.validate(&current).unwrap_err();
        assert_eq!(errs[0].field, "options");
        assert_eq!(errs[0].code, FieldCode::NotAllowed);
        let retire = OptionListUpdate {
            options: Some(vec![
                input("new"),
                OptionInput {
                    active: false,
                    ..input("old")
                },
            ]),
            ..Default::default()
        };
        assert!(retire.validate(&current).is_ok());
    }

    #[test]
    fn duplicate_and_blank_options_are_refused() {
        let create = OptionListCreate {
            key: "cycle".into(),
            name_zh: "周期".into(),
            name_en: "Cycle".into(),
            options: vec![
                input("a"),
                input("a"),
                OptionInput {
                    label_en: " ".into(),
                    ..input("b")
                },
            ],
        };
        let errs = create.validate().unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["options[1].key", "options[2].label_en"]);
    }
}
