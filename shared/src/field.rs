//! Custom fields (自定义字段): fields an admin adds to a record type without a release.
//!
//! A record carries its custom values in one `custom` object keyed by field key. This module holds
//! the definitions, the rules a write must pass (type, required, options, lengths, who may see and
//! who may edit) and the JSON Schema published for third parties — pure functions, so the web app
//! checks a form with exactly the server's rules.
//!
//! The rules in short:
//! - A value of the wrong type, a retired option chosen anew, an unknown key, or a field the role
//!   may not see or edit is refused as `custom.<key>`.
//! - Sending a value equal to the stored one is never a change: a client may echo back what it
//!   read, including retired fields' values and retired options.
//! - `null` (or `""`, or `[]` for multiple choice) clears a value; a required field refuses it.
//! - On create, absent fields get their default; a required field the role may edit and that has
//!   no default must be given. Required is not re-checked on updates that leave the field alone,
//!   so making a field required does not block unrelated edits of older records.
//! - Values of fields a role may not see, and of retired fields, are kept but never shown.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::error::{FieldCode, FieldError};
use crate::option_list::{check_key, OptionList};
use crate::patch::Patch;
use crate::policy::{Resource, Role};
use crate::validate::{email_is_valid, has_nul, limits, phone_is_valid, Errors};

/// A record's custom values, keyed by field key.
pub type CustomValues = Map<String, Value>;

/// The record types that have custom fields. A module adds its resource here (docs/modules.md).
pub const RESOURCES: [Resource; 9] = [
    Resource::Customer,
    Resource::Contact,
    Resource::Opportunity,
    Resource::Lead,
    Resource::Visit,
    Resource::FollowUp,
    Resource::Product,
    Resource::Quote,
    Resource::Contract,
];

/// At most this many custom fields per record type.
pub const MAX_FIELDS: usize = 100;
/// Text fields: at most this many characters.
pub const TEXT_MAX: usize = limits::NAME;
/// Long text fields.
pub const LONG_TEXT_MAX: usize = limits::NOTES;
pub const URL_MAX: usize = 2000;
/// Integers stay exact in JavaScript clients: |n| ≤ 2^53 − 1.
pub const INTEGER_MAX: i64 = 9_007_199_254_740_991;
/// Money in 分: at most ¥10 trillion either way.
pub const MONEY_MAX: i64 = 1_000_000_000_000_000;
/// Decimals: at most 18 digits before the point and 6 after.
pub const DECIMAL_INT_DIGITS: usize = 18;
pub const DECIMAL_FRACTION_DIGITS: usize = 6;

/// The type of a custom field: what its value looks like on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// A string of at most 200 characters.
    Text,
    /// A string of at most 5,000 characters.
    LongText,
    /// A JSON integer, |n| ≤ 2^53 − 1.
    Integer,
    /// A decimal as a string (`"12.5"`), exact: at most 18 digits before the point and 6 after.
    Decimal,
    /// An amount of money as an integer number of 分 (¥1.00 = 100).
    Money,
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339; stored and returned in UTC, to the second.
    DateTime,
    /// One option key of the field's option list.
    Choice,
    /// An array of option keys of the field's option list, without repeats.
    MultiChoice,
    /// `true` or `false`.
    Bool,
    Phone,
    Email,
    /// An `http://` or `https://` address.
    Url,
    /// The id of a user of the company.
    User,
}

impl FieldKind {
    pub const ALL: [FieldKind; 14] = [
        FieldKind::Text,
        FieldKind::LongText,
        FieldKind::Integer,
        FieldKind::Decimal,
        FieldKind::Money,
        FieldKind::Date,
        FieldKind::DateTime,
        FieldKind::Choice,
        FieldKind::MultiChoice,
        FieldKind::Bool,
        FieldKind::Phone,
        FieldKind::Email,
        FieldKind::Url,
        FieldKind::User,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::LongText => "long_text",
            FieldKind::Integer => "integer",
            FieldKind::Decimal => "decimal",
            FieldKind::Money => "money",
            FieldKind::Date => "date",
            FieldKind::DateTime => "date_time",
            FieldKind::Choice => "choice",
            FieldKind::MultiChoice => "multi_choice",
            FieldKind::Bool => "bool",
            FieldKind::Phone => "phone",
            FieldKind::Email => "email",
            FieldKind::Url => "url",
            FieldKind::User => "user",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether values come from an option list.
    pub fn has_options(self) -> bool {
        matches!(self, FieldKind::Choice | FieldKind::MultiChoice)
    }

    /// Whether lists can be filtered by the field's values (the value index holds them): choices,
    /// yes/no and user references — values that are keys, never free text.
    pub fn filterable(self) -> bool {
        matches!(
            self,
            FieldKind::Choice | FieldKind::MultiChoice | FieldKind::Bool | FieldKind::User
        )
    }

    /// The rows the value index keeps for a stored value: for the filterable kinds one per chosen
    /// key (what a filter names, and for single values also the sort key); for the other
    /// sortable kinds one order-preserving sort key (`sort_key`); nothing for long text.
    pub fn index_values(self, v: &Value) -> Vec<String> {
        match (self, v) {
            (FieldKind::MultiChoice, Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => self.sort_key(v).into_iter().collect(),
        }
    }

    /// The text whose byte order is the order of the field's values, as the value index stores
    /// it (at most `SORT_KEY_MAX` characters), so a list sorts by a custom field with an index
    /// walk on every database:
    /// - text, phone, e-mail, URL: lower-cased, cut to 64 characters (longer texts that agree
    ///   on their first 64 characters tie, then go by record);
    /// - integer, money, decimal: the number × 10⁶ offset by 10²⁵, as 26 digits (negative
    ///   numbers sort before positive ones, and all three kinds share the rule);
    /// - date and date-time: their fixed-width ISO form as stored;
    /// - single choice and user reference: the key or id (grouping, not the option's position,
    ///   which an admin can change without touching records); yes/no: `false` < `true`.
    ///
    /// `None` for a kind that does not sort (multiple choice, long text) or a value of the
    /// wrong shape.
    pub fn sort_key(self, v: &Value) -> Option<String> {
        match (self, v) {
            (FieldKind::MultiChoice | FieldKind::LongText, _) => None,
            (FieldKind::Bool, Value::Bool(b)) => Some(b.to_string()),
            (FieldKind::Integer | FieldKind::Money, Value::Number(n)) => {
                n.as_i64().map(|n| number_key(i128::from(n) * 1_000_000))
            }
            (FieldKind::Decimal, Value::String(s)) => decimal_micros(s).map(number_key),
            (
                FieldKind::Text | FieldKind::Phone | FieldKind::Email | FieldKind::Url,
                Value::String(s),
            ) => Some(s.to_lowercase().chars().take(SORT_KEY_MAX).collect()),
            (
                FieldKind::Date | FieldKind::DateTime | FieldKind::Choice | FieldKind::User,
                Value::String(s),
            ) => Some(s.chars().take(SORT_KEY_MAX).collect()),
            _ => None,
        }
    }

    /// Whether a list can be sorted by the field (one value per record).
    pub fn sortable(self) -> bool {
        !matches!(self, FieldKind::MultiChoice | FieldKind::LongText)
    }
}

/// A custom field of a record type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldDef {
    pub id: Uuid,
    /// The record type: `customer`, `contact`, …
    pub resource: Resource,
    /// The key in the record's `custom` object; fixed once a record holds a value (`used`).
    #[cfg_attr(feature = "openapi", schema(example = "purchase_cycle"))]
    pub key: String,
    #[cfg_attr(feature = "openapi", schema(example = "采购周期"))]
    pub label_zh: String,
    #[cfg_attr(feature = "openapi", schema(example = "Purchase cycle"))]
    pub label_en: String,
    pub kind: FieldKind,
    pub required: bool,
    /// The value a new record gets when none is given (same shape as the value).
    pub default: Option<Value>,
    pub help_zh: Option<String>,
    pub help_en: Option<String>,
    /// The form section the field sits in (a free name; fields without one come last).
    pub section: Option<String>,
    /// Order among the record type's fields, ascending.
    pub position: i32,
    /// The option list of a choice field (its key).
    #[cfg_attr(feature = "openapi", schema(example = "purchase_cycle"))]
    pub option_list: Option<String>,
    /// Roles that see the field's values; everyone else never receives them.
    pub visible_to: Vec<Role>,
    /// Roles that may set the field (each also sees it).
    pub editable_by: Vec<Role>,
    /// Whether lists can be filtered by the field.
    pub filterable: bool,
    /// Retired fields keep their values, shown again when the field is reactivated.
    pub active: bool,
    /// Whether some record holds a value: the key and type can no longer change.
    pub used: bool,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

impl FieldDef {
    pub fn label(&self, lang: &str) -> &str {
        if lang.starts_with("en") {
            &self.label_en
        } else {
            &self.label_zh
        }
    }
    /// Whether `role` sees the field. An API client's identity sees what admins see: it works
    /// on the company's behalf, within the scopes and the place it was given.
    pub fn visible_to_role(&self, role: Role) -> bool {
        self.active && self.visible_to.contains(&for_fields(role))
    }
    pub fn editable_by_role(&self, role: Role) -> bool {
        self.visible_to_role(role) && self.editable_by.contains(&for_fields(role))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FieldDefCreate {
    pub resource: Resource,
    #[cfg_attr(
        feature = "openapi",
        schema(example = "purchase_cycle", pattern = "^[a-z][a-z0-9_]{0,39}$")
    )]
    pub key: String,
    #[cfg_attr(
        feature = "openapi",
        schema(example = "采购周期", min_length = 1, max_length = 64)
    )]
    pub label_zh: String,
    #[cfg_attr(
        feature = "openapi",
        schema(example = "Purchase cycle", min_length = 1, max_length = 64)
    )]
    pub label_en: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub default: Option<Value>,
    #[serde(default)]
    pub help_zh: Option<String>,
    #[serde(default)]
    pub help_en: Option<String>,
    #[serde(default)]
    pub section: Option<String>,
    /// Defaults to after the last field.
    #[serde(default, deserialize_with = "crate::de::opt")]
    pub position: Option<i32>,
    /// Required for choice and multiple-choice fields: the key of an existing option list.
    #[serde(default)]
    pub option_list: Option<String>,
    /// Defaults to every role.
    #[serde(default)]
    pub visible_to: Option<Vec<Role>>,
    /// Defaults to every role that sees the field.
    #[serde(default)]
    pub editable_by: Option<Vec<Role>>,
    #[serde(default)]
    pub filterable: bool,
}

/// Changes a field; `key` and `kind` only while no record holds a value.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FieldDefUpdate {
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub key: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub label_zh: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub label_en: Patch<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<FieldKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub default: Patch<Value>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub help_zh: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub help_en: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub section: Patch<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt"
    )]
    pub position: Option<i32>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub option_list: Patch<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_to: Option<Vec<Role>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub editable_by: Option<Vec<Role>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filterable: Option<bool>,
    /// `false` retires the field, `true` brings it back with its values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// A record type's fields as `GET /api/v1/fields` publishes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldSet {
    pub resource: Resource,
    /// In `position` order: for admins every field, retired ones included (`active: false`); for
    /// other roles the active fields they see.
    pub fields: Vec<FieldDef>,
    /// JSON Schema (2020-12) of the record's `custom` object for writes, with the active fields
    /// the caller may see.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub schema: Value,
    /// The record type's layout as the caller draws it: form and detail sections with the
    /// fields it sees, and its list columns (`/api/v1/layouts/{resource}`).
    #[serde(default)]
    pub layout: crate::layout::Resolved,
}

impl FieldDefCreate {
    /// The definition's own rules; the server adds what needs the database (the option list
    /// exists, the key is free).
    pub fn validate(&self, list: Option<&OptionList>) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if !RESOURCES.contains(&self.resource) {
            e.add(
                "resource",
                FieldCode::NotAllowed,
                "this record type has no custom fields",
            );
        }
        check_key(&mut e, "key", &self.key);
        e.required_text("label_zh", &self.label_zh, limits::SHORT);
        e.required_text("label_en", &self.label_en, limits::SHORT);
        e.optional_text("help_zh", self.help_zh.as_deref(), limits::REASON);
        e.optional_text("help_en", self.help_en.as_deref(), limits::REASON);
        e.optional_text("section", self.section.as_deref(), limits::SHORT);
        let visible = self
            .visible_to
            .clone()
            .unwrap_or_else(|| Role::ALL.to_vec());
        let editable = self.editable_by.clone().unwrap_or_else(|| visible.clone());
        check_roles(&mut e, &visible, &editable);
        check_list(&mut e, self.kind, self.option_list.as_deref(), list);
        check_filterable(&mut e, self.kind, self.filterable);
        if let Some(d) = &self.default {
            check_default(&mut e, self.kind, d, list);
        }
        e.finish()
    }
}

impl FieldDefUpdate {
    /// Validates the change against the field as it is, and `list`, the option list the field
    /// will use after it.
    pub fn validate(
        &self,
        current: &FieldDef,
        list: Option<&OptionList>,
    ) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        match &self.key {
            Patch::Absent => {}
            Patch::Null => e.add("key", FieldCode::Required, "key is required"),
            Patch::Value(k) if *k == current.key => {}
            Patch::Value(_) if current.used => e.add(
                "key",
                FieldCode::NotAllowed,
                "records hold values under this key: it can no longer change",
            ),
            Patch::Value(k) => check_key(&mut e, "key", k),
        }
        let mut kind = self.kind.unwrap_or(current.kind);
        if kind != current.kind && current.used {
            e.add(
                "kind",
                FieldCode::NotAllowed,
                "records hold values of this type: it can no longer change",
            );
            // Judge the rest against the type the field keeps.
            kind = current.kind;
        }
        for (field, value) in [("label_zh", &self.label_zh), ("label_en", &self.label_en)] {
            match value {
                Patch::Absent => {}
                Patch::Null => e.add(field, FieldCode::Required, format!("{field} is required")),
                Patch::Value(v) => e.required_text(field, v, limits::SHORT),
            }
        }
        e.optional_text(
            "help_zh",
            self.help_zh.value().map(String::as_str),
            limits::REASON,
        );
        e.optional_text(
            "help_en",
            self.help_en.value().map(String::as_str),
            limits::REASON,
        );
        e.optional_text(
            "section",
            self.section.value().map(String::as_str),
            limits::SHORT,
        );
        let list_key = match &self.option_list {
            Patch::Absent => current.option_list.as_deref(),
            Patch::Null => None,
            Patch::Value(k) => Some(k.as_str()),
        };
        if current.used && kind.has_options() && list_key != current.option_list.as_deref() {
            e.add(
                "option_list",
                FieldCode::NotAllowed,
                "records hold keys of this list: it can no longer change",
            );
        } else if self.kind.is_some() || !self.option_list.is_absent() {
            check_list(&mut e, kind, list_key, list);
        }
        let visible = self
            .visible_to
            .clone()
            .unwrap_or_else(|| current.visible_to.clone());
        let editable = self
            .editable_by
            .clone()
            .unwrap_or_else(|| current.editable_by.clone());
        check_roles(&mut e, &visible, &editable);
        let default = match &self.default {
            Patch::Absent => current.default.as_ref(),
            Patch::Null => None,
            Patch::Value(v) => Some(v),
        };
        if let Some(d) = default {
            if !self.default.is_absent() || self.kind.is_some() || !self.option_list.is_absent() {
                check_default(&mut e, kind, d, list);
            }
        }
        e.finish()
    }
}

fn check_filterable(e: &mut Errors, kind: FieldKind, filterable: bool) {
    if filterable && !kind.filterable() {
        e.add(
            "filterable",
            FieldCode::NotAllowed,
            "lists filter by choice, multiple-choice, yes/no and user fields",
        );
    }
}

fn check_roles(e: &mut Errors, visible: &[Role], editable: &[Role]) {
    if let Some(r) = editable.iter().find(|r| !visible.contains(r)) {
        e.add(
            "editable_by",
            FieldCode::NotAllowed,
            format!("{} may edit the field but not see it", r.as_str()),
        );
    }
}

fn check_list(e: &mut Errors, kind: FieldKind, key: Option<&str>, list: Option<&OptionList>) {
    match (kind.has_options(), key) {
        (true, None) => e.add(
            "option_list",
            FieldCode::Required,
            "a choice field needs an option list",
        ),
        (true, Some(_)) if list.is_none() => e.add(
            "option_list",
            FieldCode::UnknownReference,
            "no option list has this key",
        ),
        (false, Some(_)) => e.add(
            "option_list",
            FieldCode::NotAllowed,
            "only choice fields have an option list",
        ),
        _ => {}
    }
}

fn check_default(e: &mut Errors, kind: FieldKind, value: &Value, list: Option<&OptionList>) {
    let probe = FieldDef {
        id: Uuid::nil(),
        resource: Resource::Customer,
        key: "default".into(),
        label_zh: String::new(),
        label_en: String::new(),
        kind,
        required: false,
        default: None,
        help_zh: None,
        help_en: None,
        section: None,
        position: 0,
        option_list: list.map(|l| l.key.clone()),
        visible_to: Vec::new(),
        editable_by: Vec::new(),
        filterable: false,
        active: true,
        used: false,
        version: 0,
        updated_at: DateTime::<Utc>::MIN_UTC,
    };
    let lists: Vec<OptionList> = list.cloned().into_iter().collect();
    if let Err(errs) = normalize(&probe, value, None, &lists) {
        for err in errs {
            e.add("default", err.code, err.message);
        }
    }
}

/// Checks the custom values a caller with `role` sends (`input`), against the stored ones
/// (`previous`, `None` on create), and returns the values to store: the previous ones with the
/// changes applied. Errors name `custom.<key>`.
pub fn apply(
    defs: &[FieldDef],
    lists: &[OptionList],
    role: Role,
    input: &CustomValues,
    previous: Option<&CustomValues>,
) -> Result<CustomValues, Vec<FieldError>> {
    let mut e = Errors::new();
    let mut out = previous.cloned().unwrap_or_default();
    for (key, value) in input {
        let field = format!("custom.{key}");
        let before = previous.and_then(|p| p.get(key));
        let Some(def) = defs.iter().find(|d| d.key == *key) else {
            e.add(
                field,
                FieldCode::UnknownField,
                "no custom field has this key",
            );
            continue;
        };
        if !def.visible_to_role(role) {
            // Echoing back a retired field's stored value is no change; anything else is refused.
            if def.active || before != Some(value) {
                let why = if def.active {
                    "this field is not available to your role"
                } else {
                    "this field is retired"
                };
                e.add(field, FieldCode::NotAllowed, why);
            }
            continue;
        }
        let stored = match normalize(def, value, before, lists) {
            Ok(v) => v,
            Err(errs) => {
                for err in errs {
                    e.add(field.clone(), err.code, err.message);
                }
                continue;
            }
        };
        if stored.as_ref() == before {
            continue;
        }
        if !def.editable_by_role(role) {
            e.add(
                field,
                FieldCode::NotAllowed,
                "this field is read-only for your role",
            );
            continue;
        }
        match stored {
            Some(v) => {
                out.insert(key.clone(), v);
            }
            None if def.required => {
                e.add(
                    field,
                    FieldCode::Required,
                    format!("{} is required", def.label_en),
                );
            }
            None => {
                out.remove(key);
            }
        }
    }
    if previous.is_none() {
        for def in defs
            .iter()
            .filter(|d| d.active && !input.contains_key(&d.key))
        {
            if let Some(d) = &def.default {
                if let Ok(Some(v)) = normalize(def, d, None, lists) {
                    out.insert(def.key.clone(), v);
                    continue;
                }
            }
            if def.required && def.editable_by_role(role) {
                e.add(
                    format!("custom.{}", def.key),
                    FieldCode::Required,
                    format!("{} is required", def.label_en),
                );
            }
        }
    }
    e.finish().map(|()| out)
}

/// The values `role` may see: active fields visible to the role.
pub fn visible(defs: &[FieldDef], role: Role, values: &CustomValues) -> CustomValues {
    values
        .iter()
        .filter(|(k, _)| defs.iter().any(|d| d.key == **k && d.visible_to_role(role)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The keys whose values differ between two stored states, in definition order, then unknown keys.
pub fn changed_keys<'a>(
    defs: &'a [FieldDef],
    old: &'a CustomValues,
    new: &'a CustomValues,
) -> Vec<&'a str> {
    let mut keys: Vec<&str> = old.keys().chain(new.keys()).map(String::as_str).collect();
    keys.sort_by_key(|k| defs.iter().position(|d| d.key == *k).unwrap_or(usize::MAX));
    keys.dedup();
    keys.retain(|k| old.get(*k) != new.get(*k));
    keys
}

/// The users a set of values names (user fields), for the server to check they exist.
pub fn user_refs(defs: &[FieldDef], values: &CustomValues) -> Vec<(String, Uuid)> {
    defs.iter()
        .filter(|d| d.kind == FieldKind::User)
        .filter_map(|d| {
            let id = values.get(&d.key)?.as_str()?.parse().ok()?;
            Some((d.key.clone(), id))
        })
        .collect()
}

/// One value of `def`, checked and put into its stored form; `Ok(None)` clears the value.
/// `before` is the stored value: a retired option stays acceptable where it already was.
pub fn normalize(
    def: &FieldDef,
    value: &Value,
    before: Option<&Value>,
    lists: &[OptionList],
) -> Result<Option<Value>, Vec<FieldError>> {
    let bad = |code: FieldCode, msg: &str| Err(vec![FieldError::new(&def.key, code, msg)]);
    if value.is_null() {
        return Ok(None);
    }
    let text = |max: usize| -> Result<Option<Value>, Vec<FieldError>> {
        let Some(s) = value.as_str() else {
            return bad(FieldCode::InvalidFormat, "expected a string");
        };
        if s.trim().is_empty() {
            return Ok(None);
        }
        if has_nul(s) {
            return bad(
                FieldCode::InvalidCharacters,
                "must not contain NUL characters",
            );
        }
        if s.chars().count() > max {
            return bad(FieldCode::TooLong, &format!("at most {max} characters"));
        }
        Ok(Some(Value::String(s.trim().to_owned())))
    };
    let list = || {
        def.option_list
            .as_deref()
            .and_then(|k| lists.iter().find(|l| l.key == k))
    };
    match def.kind {
        FieldKind::Text => text(TEXT_MAX),
        FieldKind::LongText => text(LONG_TEXT_MAX),
        FieldKind::Phone => match text(limits::PHONE)? {
            Some(Value::String(p)) if !phone_is_valid(&p) => {
                bad(FieldCode::InvalidFormat, "not a phone number")
            }
            v => Ok(v),
        },
        FieldKind::Email => match text(limits::EMAIL)? {
            Some(Value::String(m)) if !email_is_valid(&m) => {
                bad(FieldCode::InvalidFormat, "not an e-mail address")
            }
            v => Ok(v),
        },
        FieldKind::Url => match text(URL_MAX)? {
            Some(Value::String(u)) if !url_is_valid(&u) => {
                bad(FieldCode::InvalidFormat, "not an http(s) address")
            }
            v => Ok(v),
        },
        FieldKind::Integer | FieldKind::Money => {
            let max = if def.kind == FieldKind::Money {
                MONEY_MAX
            } else {
                INTEGER_MAX
            };
            match value.as_i64() {
                Some(n) if n.abs() <= max => Ok(Some(json!(n))),
                Some(_) => bad(FieldCode::OutOfRange, &format!("at most {max} either way")),
                None if def.kind == FieldKind::Money => {
                    bad(FieldCode::InvalidFormat, "expected a whole number of 分")
                }
                None => bad(FieldCode::InvalidFormat, "expected a whole number"),
            }
        }
        FieldKind::Decimal => {
            let raw = match value {
                Value::String(s) => s.trim().to_owned(),
                Value::Number(n) => n.to_string(),
                _ => {
                    return bad(
                        FieldCode::InvalidFormat,
                        "expected a decimal string like \"12.5\"",
                    )
                }
            };
            if raw.is_empty() {
                return Ok(None);
            }
            match canonical_decimal(&raw) {
                Some(d) => Ok(Some(Value::String(d))),
                None => bad(
                    FieldCode::InvalidFormat,
                    "expected a decimal like \"12.5\" (at most 18 digits before the point, 6 after)",
                ),
            }
        }
        FieldKind::Date => match value.as_str().map(str::trim) {
            Some("") => Ok(None),
            Some(s) if s.len() == 10 && NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => {
                Ok(Some(Value::String(s.to_owned())))
            }
            _ => bad(FieldCode::InvalidFormat, "expected a date as YYYY-MM-DD"),
        },
        FieldKind::DateTime => match value.as_str().map(str::trim) {
            Some("") => Ok(None),
            Some(s) => match DateTime::parse_from_rfc3339(s) {
                Ok(t) => Ok(Some(Value::String(
                    t.with_timezone(&Utc)
                        .format("%Y-%m-%dT%H:%M:%SZ")
                        .to_string(),
                ))),
                Err(_) => bad(FieldCode::InvalidFormat, "expected an RFC 3339 date-time"),
            },
            None => bad(FieldCode::InvalidFormat, "expected an RFC 3339 date-time"),
        },
        FieldKind::Bool => match value {
            Value::Bool(b) => Ok(Some(Value::Bool(*b))),
            _ => bad(FieldCode::InvalidFormat, "expected true or false"),
        },
        FieldKind::User => match value.as_str().map(|s| s.trim().parse::<Uuid>()) {
            Some(Ok(id)) => Ok(Some(Value::String(id.to_string()))),
            _ => bad(FieldCode::InvalidFormat, "expected a user id"),
        },
        FieldKind::Choice => {
            let Some(key) = value.as_str() else {
                return bad(FieldCode::InvalidFormat, "expected an option key");
            };
            if key.is_empty() {
                return Ok(None);
            }
            if before.and_then(Value::as_str) == Some(key) {
                return Ok(Some(Value::String(key.to_owned())));
            }
            match list().and_then(|l| l.option(key)) {
                Some(o) if o.active => Ok(Some(Value::String(key.to_owned()))),
                Some(_) => bad(FieldCode::NotAllowed, "this option is retired"),
                None => bad(
                    FieldCode::UnknownReference,
                    "not an option of the field's list",
                ),
            }
        }
        FieldKind::MultiChoice => {
            let Some(items) = value.as_array() else {
                return bad(FieldCode::InvalidFormat, "expected an array of option keys");
            };
            if items.len() > crate::option_list::MAX_OPTIONS {
                return bad(FieldCode::TooMany, "too many options");
            }
            let had: Vec<&str> = before
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut keys: Vec<String> = Vec::with_capacity(items.len());
            for item in items {
                let Some(key) = item.as_str() else {
                    return bad(FieldCode::InvalidFormat, "expected an array of option keys");
                };
                if keys.iter().any(|k| k == key) {
                    return bad(FieldCode::NotAllowed, "an option appears twice");
                }
                if !had.contains(&key) {
                    match list().and_then(|l| l.option(key)) {
                        Some(o) if o.active => {}
                        Some(_) => return bad(FieldCode::NotAllowed, "this option is retired"),
                        None => {
                            return bad(
                                FieldCode::UnknownReference,
                                "not an option of the field's list",
                            )
                        }
                    }
                }
                keys.push(key.to_owned());
            }
            if keys.is_empty() {
                Ok(None)
            } else {
                Ok(Some(json!(keys)))
            }
        }
    }
}

fn url_is_valid(u: &str) -> bool {
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !r.chars().any(|c| c.is_whitespace() || c.is_control())
    })
}

/// The longest sort key the value index stores, in characters (its column's width).
pub const SORT_KEY_MAX: usize = 64;

/// 26 digits whose text order is the order of `micros` (|micros| < 10²⁵).
fn number_key(micros: i128) -> String {
    format!("{:026}", micros + 10i128.pow(25))
}

/// A canonical decimal (`canonical_decimal`) in millionths, exactly.
fn decimal_micros(d: &str) -> Option<i128> {
    let (neg, body) = match d.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, d),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if frac.len() > DECIMAL_FRACTION_DIGITS || int.len() > DECIMAL_INT_DIGITS {
        return None;
    }
    let int: i128 = int.parse().ok()?;
    let frac: i128 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}").parse().ok()?
    };
    let m = int * 1_000_000 + frac;
    Some(if neg { -m } else { m })
}

/// `-?digits(.digits)?` with at most 18 and 6 digits, without leading zeros or trailing
/// fractional zeros (`"007.50"` → `"7.5"`, `"-0"` → `"0"`); `None` when it is not such a number.
pub fn canonical_decimal(raw: &str) -> Option<String> {
    let (neg, body) = match raw.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, raw.strip_prefix('+').unwrap_or(raw)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || (body.contains('.') && frac.is_empty()) {
        return None;
    }
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    if int.len() > DECIMAL_INT_DIGITS || frac.len() > DECIMAL_FRACTION_DIGITS {
        return None;
    }
    let int = if int.is_empty() { "0" } else { int };
    let zero = int == "0" && frac.is_empty();
    let sign = if neg && !zero { "-" } else { "" };
    Some(if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    })
}

/// Yuan as typed by a person (`"1,234.5"`, `"¥12"`) in 分, exactly (no floating point): at most
/// two decimals; `None` when it is not such an amount.
pub fn yuan_to_fen(text: &str) -> Option<i64> {
    let cleaned: String = text
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
        .collect();
    let canonical = canonical_decimal(&cleaned)?;
    let (neg, body) = match canonical.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, canonical.as_str()),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if frac.len() > 2 {
        return None;
    }
    let fen = int
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(format!("{frac:0<2}").parse::<i64>().ok()?)?;
    Some(if neg { -fen } else { fen })
}

/// 分 as yuan with two decimals and thousands separators: `123450` → `"1,234.50"`.
pub fn fen_to_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let int = (abs / 100).to_string();
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

/// JSON Schema (2020-12) of the `custom` object a caller with `role` may send: the active fields
/// the role sees, each with its type, labels and, for choices, the active option keys.
pub fn schema(defs: &[FieldDef], lists: &[OptionList], role: Role) -> Value {
    let mut props = Map::new();
    for def in defs.iter().filter(|d| d.visible_to_role(role)) {
        let keys: Vec<Value> = def
            .option_list
            .as_deref()
            .and_then(|k| lists.iter().find(|l| l.key == k))
            .map(|l| {
                l.options
                    .iter()
                    .filter(|o| o.active)
                    .map(|o| Value::String(o.key.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let mut s = match def.kind {
            FieldKind::Text => json!({"type": ["string", "null"], "maxLength": TEXT_MAX}),
            FieldKind::LongText => json!({"type": ["string", "null"], "maxLength": LONG_TEXT_MAX}),
            FieldKind::Integer => {
                json!({"type": ["integer", "null"], "minimum": -INTEGER_MAX, "maximum": INTEGER_MAX})
            }
            FieldKind::Money => {
                json!({"type": ["integer", "null"], "minimum": -MONEY_MAX, "maximum": MONEY_MAX, "description": "分 (¥1.00 = 100)"})
            }
            FieldKind::Decimal => {
                json!({"type": ["string", "null"], "pattern": r"^[-+]?\d{1,18}(\.\d{1,6})?$"})
            }
            FieldKind::Date => json!({"type": ["string", "null"], "format": "date"}),
            FieldKind::DateTime => json!({"type": ["string", "null"], "format": "date-time"}),
            FieldKind::Choice => {
                let mut e = keys.clone();
                e.push(Value::Null);
                json!({"enum": e})
            }
            FieldKind::MultiChoice => {
                json!({"type": ["array", "null"], "items": {"enum": keys}, "uniqueItems": true})
            }
            FieldKind::Bool => json!({"type": ["boolean", "null"]}),
            FieldKind::Phone => json!({"type": ["string", "null"], "maxLength": limits::PHONE}),
            FieldKind::Email => {
                json!({"type": ["string", "null"], "format": "email", "maxLength": limits::EMAIL})
            }
            FieldKind::Url => {
                json!({"type": ["string", "null"], "format": "uri", "maxLength": URL_MAX})
            }
            FieldKind::User => json!({"type": ["string", "null"], "format": "uuid"}),
        };
        if let Value::Object(o) = &mut s {
            o.insert("title".into(), Value::String(def.label_zh.clone()));
            o.insert("x-label-en".into(), Value::String(def.label_en.clone()));
            o.insert("x-kind".into(), Value::String(def.kind.as_str().into()));
            if let Some(h) = &def.help_en {
                o.insert("description".into(), Value::String(h.clone()));
            }
            if !def.editable_by_role(role) {
                o.insert("readOnly".into(), Value::Bool(true));
            }
        }
        props.insert(def.key.clone(), s);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": false,
        "properties": props,
    })
}

/// `GET /api/v1/fields?resource=customer`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct FieldQuery {
    /// The record type: `customer` or `contact`.
    pub resource: Resource,
}

/// The role whose field rules `role` follows (`Integration` follows `Admin`).
fn for_fields(role: Role) -> Role {
    match role {
        Role::Integration => Role::Admin,
        r => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::option_list::OptionItem;

    fn def(key: &str, kind: FieldKind) -> FieldDef {
        FieldDef {
            id: Uuid::nil(),
            resource: Resource::Customer,
            key: key.into(),
            label_zh: key.into(),
            label_en: key.into(),
            kind,
            required: false,
            default: None,
            help_zh: None,
            help_en: None,
            section: None,
            position: 0,
            option_list: kind.has_options().then(|| "cycle".into()),
            visible_to: Role::ALL.to_vec(),
            editable_by: Role::ALL.to_vec(),
            filterable: false,
            active: true,
            used: false,
            version: 1,
            updated_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    fn lists() -> Vec<OptionList> {
        let o = |key: &str, active| OptionItem {
            key: key.into(),
            label_zh: key.into(),
            label_en: key.into(),
            active,
        };
        vec![OptionList {
            id: Uuid::nil(),
            key: "cycle".into(),
            name_zh: "周期".into(),
            name_en: "Cycle".into(),
            builtin: false,
            options: vec![o("month", true), o("quarter", true), o("decade", false)],
            version: 1,
            updated_at: DateTime::<Utc>::MIN_UTC,
        }]
    }

    fn values(v: Value) -> CustomValues {
        v.as_object().cloned().unwrap_or_default()
    }

    fn check(kind: FieldKind, v: Value) -> Result<Option<Value>, FieldCode> {
        normalize(&def("f", kind), &v, None, &lists()).map_err(|e| e[0].code)
    }

    #[test]
    fn every_type_takes_its_values_and_refuses_others() {
        use FieldKind::*;
        let ok: &[(FieldKind, Value, Value)] = &[
            (Text, json!(" 三个月 "), json!("三个月")),
            (LongText, json!("x".repeat(5000)), json!("x".repeat(5000))),
            (Integer, json!(-42), json!(-42)),
            (Money, json!(1_234_500), json!(1_234_500)),
            (Decimal, json!("007.50"), json!("7.5")),
            (Decimal, json!(2.25), json!("2.25")),
            (Date, json!("2026-02-28"), json!("2026-02-28")),
            (
                DateTime,
                json!("2026-11-26T10:00:00+08:00"),
                json!("2026-11-26T02:00:00Z"),
            ),
            (Choice, json!("month"), json!("month")),
            (
                MultiChoice,
                json!(["quarter", "month"]),
                json!(["quarter", "month"]),
            ),
            (Bool, json!(false), json!(false)),
            (Phone, json!("13812345678"), json!("13812345678")),
            (Email, json!("li@example.com"), json!("li@example.com")),
            (
                Url,
                json!("https://example.com/a?b"),
                json!("https://example.com/a?b"),
            ),
            (
                User,
                json!("0190a0a0-0000-7000-8000-000000000001"),
                json!("0190a0a0-0000-7000-8000-000000000001"),
            ),
        ];
        for (kind, input, stored) in ok {
            assert_eq!(
                check(*kind, input.clone()),
                Ok(Some(stored.clone())),
                "{kind:?} {input}"
            );
        }
        let bad: &[(FieldKind, Value, FieldCode)] = &[
            (Text, json!(3), FieldCode::InvalidFormat),
            (Text, json!("x".repeat(201)), FieldCode::TooLong),
            (Text, json!("a\0b"), FieldCode::InvalidCharacters),
            (Integer, json!(1.5), FieldCode::InvalidFormat),
            (Integer, json!("3"), FieldCode::InvalidFormat),
            (Integer, json!(INTEGER_MAX + 1), FieldCode::OutOfRange),
            (Money, json!(99.5), FieldCode::InvalidFormat),
            (Money, json!(MONEY_MAX + 1), FieldCode::OutOfRange),
            (Decimal, json!("1.2345678"), FieldCode::InvalidFormat),
            (Decimal, json!("1e5"), FieldCode::InvalidFormat),
            (Decimal, json!("."), FieldCode::InvalidFormat),
            (Date, json!("2026-02-30"), FieldCode::InvalidFormat),
            (Date, json!("26-2-1"), FieldCode::InvalidFormat),
            (
                DateTime,
                json!("2026-11-26 10:00"),
                FieldCode::InvalidFormat,
            ),
            (Choice, json!("year"), FieldCode::UnknownReference),
            (Choice, json!("decade"), FieldCode::NotAllowed),
            (Choice, json!(["month"]), FieldCode::InvalidFormat),
            (
                MultiChoice,
                json!(["month", "month"]),
                FieldCode::NotAllowed,
            ),
            (MultiChoice, json!("month"), FieldCode::InvalidFormat),
            (MultiChoice, json!(["decade"]), FieldCode::NotAllowed),
            (Bool, json!("true"), FieldCode::InvalidFormat),
            (Phone, json!("call me"), FieldCode::InvalidFormat),
            (Email, json!("not-mail"), FieldCode::InvalidFormat),
            (Url, json!("javascript:alert(1)"), FieldCode::InvalidFormat),
            (Url, json!("https://"), FieldCode::InvalidFormat),
            (User, json!("rep_east1"), FieldCode::InvalidFormat),
        ];
        for (kind, input, code) in bad {
            assert_eq!(check(*kind, input.clone()), Err(*code), "{kind:?} {input}");
        }
        for (kind, empty) in [
            (Text, json!("  ")),
            (MultiChoice, json!([])),
            (Choice, json!("")),
            (Integer, Value::Null),
        ] {
            assert_eq!(check(kind, empty), Ok(None), "{kind:?} clears");
        }
    }

    #[test]
    fn money_is_typed_in_yuan_and_kept_in_fen_exactly() {
        for (typed, fen) in [
            ("1,234.5", 123_450),
            ("¥0.07", 7),
            ("-12", -1200),
            ("0.1", 10),
            ("19.99", 1999),
        ] {
            assert_eq!(yuan_to_fen(typed), Some(fen), "{typed}");
        }
        for bad in ["1.234", "abc", "", "1e3"] {
            assert_eq!(yuan_to_fen(bad), None, "{bad}");
        }
        assert_eq!(fen_to_yuan(123_450), "1,234.50");
        assert_eq!(fen_to_yuan(-7), "-0.07");
        assert_eq!(fen_to_yuan(100_000_000), "1,000,000.00");
    }

    #[test]
    fn positions_may_come_as_whole_floats() {
        let base = json!({"resource": "customer", "key": "k", "label_zh": "x", "label_en": "x", "kind": "text"});
        for (pos, want) in [
            (json!(3), Some(3)),
            (json!(162.0), Some(162)),
            (json!(-2147483648.0), Some(i32::MIN)),
            (Value::Null, None),
        ] {
            let mut v = base.clone();
            v["position"] = pos;
            let c: FieldDefCreate = serde_json::from_value(v).unwrap();
            assert_eq!(c.position, want);
        }
        let mut v = base.clone();
        v["position"] = json!(1.5);
        assert!(serde_json::from_value::<FieldDefCreate>(v).is_err());
        let u: FieldDefUpdate = serde_json::from_value(json!({"position": 4.0})).unwrap();
        assert_eq!(u.position, Some(4));
    }

    #[test]
    fn decimals_are_canonical() {
        for (raw, want) in [
            ("0", "0"),
            ("-0.0", "0"),
            ("+1.10", "1.1"),
            ("-000.000001", "-0.000001"),
        ] {
            assert_eq!(canonical_decimal(raw).as_deref(), Some(want), "{raw}");
        }
        for raw in ["", "-", "1.", ".5", "1.2.3", "１", &"9".repeat(19)] {
            assert_eq!(canonical_decimal(raw), None, "{raw}");
        }
    }

    #[test]
    fn a_retired_option_stays_where_it_was_but_cannot_be_chosen_anew() {
        let d = def("cycle", FieldKind::Choice);
        let old = json!("decade");
        assert_eq!(
            normalize(&d, &old, Some(&old), &lists()).unwrap(),
            Some(old.clone())
        );
        assert!(normalize(&d, &old, Some(&json!("month")), &lists()).is_err());
        let m = def("cycles", FieldKind::MultiChoice);
        let had = json!(["decade"]);
        assert!(normalize(&m, &json!(["decade", "month"]), Some(&had), &lists()).is_ok());
    }

    #[test]
    fn create_applies_defaults_and_requires_what_the_role_may_fill() {
        let mut cycle = def("cycle", FieldKind::Choice);
        cycle.default = Some(json!("quarter"));
        let mut budget = def("budget", FieldKind::Money);
        budget.required = true;
        let mut audit_note = def("audit_note", FieldKind::Text);
        audit_note.required = true;
        audit_note.editable_by = vec![Role::Admin];
        let defs = [cycle, budget, audit_note];
        let errs = apply(&defs, &lists(), Role::SalesRep, &CustomValues::new(), None).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(fields, [("custom.budget", FieldCode::Required)]);
        let out = apply(
            &defs,
            &lists(),
            Role::SalesRep,
            &values(json!({"budget": 500_000})),
            None,
        )
        .unwrap();
        assert_eq!(out, values(json!({"budget": 500_000, "cycle": "quarter"})));
        // An update may leave a required field alone, but not clear it.
        let prev = out.clone();
        assert!(apply(
            &defs,
            &lists(),
            Role::SalesRep,
            &values(json!({"cycle": "month"})),
            Some(&prev)
        )
        .is_ok());
        let errs = apply(
            &defs,
            &lists(),
            Role::SalesRep,
            &values(json!({"budget": null})),
            Some(&prev),
        )
        .unwrap_err();
        assert_eq!(errs[0].code, FieldCode::Required);
    }

    #[test]
    fn roles_see_and_edit_only_their_fields() {
        let mut margin = def("margin", FieldKind::Decimal);
        margin.visible_to = vec![Role::Admin, Role::Supervisor];
        margin.editable_by = vec![Role::Admin];
        let defs = [margin, def("cycle", FieldKind::Choice)];
        let stored = values(json!({"margin": "0.3", "cycle": "month"}));
        assert_eq!(
            visible(&defs, Role::SalesRep, &stored),
            values(json!({"cycle": "month"}))
        );
        assert_eq!(visible(&defs, Role::Supervisor, &stored), stored);
        // A rep may not send the hidden field at all; a supervisor may echo it but not change it.
        let rep = apply(
            &defs,
            &lists(),
            Role::SalesRep,
            &values(json!({"margin": "0.3"})),
            Some(&stored),
        );
        assert_eq!(rep.unwrap_err()[0].code, FieldCode::NotAllowed);
        assert!(apply(
            &defs,
            &lists(),
            Role::Supervisor,
            &values(json!({"margin": "0.30"})),
            Some(&stored)
        )
        .is_ok());
        let change = apply(
            &defs,
            &lists(),
            Role::Supervisor,
            &values(json!({"margin": "0.4"})),
            Some(&stored),
        );
        assert_eq!(change.unwrap_err()[0].field, "custom.margin");
        let admin = apply(
            &defs,
            &lists(),
            Role::Admin,
            &values(json!({"margin": "0.4"})),
            Some(&stored),
        )
        .unwrap();
        assert_eq!(admin["margin"], json!("0.4"));
    }

    #[test]
    fn retired_fields_keep_their_values_and_unknown_keys_are_refused() {
        let mut old = def("old", FieldKind::Text);
        old.active = false;
        let defs = [old];
        let stored = values(json!({"old": "kept"}));
        assert!(visible(&defs, Role::Admin, &stored).is_empty());
        let echo = apply(
            &defs,
            &lists(),
            Role::Admin,
            &values(json!({"old": "kept"})),
            Some(&stored),
        )
        .unwrap();
        assert_eq!(echo, stored);
        let write = apply(
            &defs,
            &lists(),
            Role::Admin,
            &values(json!({"old": "new"})),
            Some(&stored),
        );
        assert_eq!(write.unwrap_err()[0].code, FieldCode::NotAllowed);
        let unknown = apply(
            &defs,
            &lists(),
            Role::Admin,
            &values(json!({"nope": 1})),
            Some(&stored),
        );
        assert_eq!(unknown.unwrap_err()[0].code, FieldCode::UnknownField);
    }

    #[test]
    fn definitions_are_checked() {
        let create = FieldDefCreate {
            resource: Resource::Customer,
            key: "cycle".into(),
            label_zh: "采购周期".into(),
            label_en: "Purchase cycle".into(),
            kind: FieldKind::Choice,
            required: false,
            default: Some(json!("decade")),
            help_zh: None,
            help_en: None,
            section: None,
            position: None,
            option_list: Some("cycle".into()),
            visible_to: Some(vec![Role::Admin]),
            editable_by: Some(vec![Role::Admin, Role::SalesRep]),
            filterable: true,
        };
        let l = lists();
        let errs = create.validate(l.first()).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["editable_by", "default"]);
        let no_list = FieldDefCreate {
            option_list: None,
            default: None,
            editable_by: None,
            ..create.clone()
        };
        assert_eq!(no_list.validate(None).unwrap_err()[0].field, "option_list");
        let mut used = def("cycle", FieldKind::Choice);
        used.used = true;
        let rename = FieldDefUpdate {
            key: Patch::Value("cycle2".into()),
            kind: Some(FieldKind::Text),
            ..Default::default()
        };
        let errs = rename.validate(&used, l.first()).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["key", "kind"]);
    }

    #[test]
    fn the_schema_lists_what_the_role_sees() {
        let mut margin = def("margin", FieldKind::Decimal);
        margin.visible_to = vec![Role::Admin];
        let defs = [margin, def("cycle", FieldKind::Choice)];
        let s = schema(&defs, &lists(), Role::SalesRep);
        assert_eq!(s["additionalProperties"], json!(false));
        assert!(s["properties"].get("margin").is_none());
        assert_eq!(
            s["properties"]["cycle"]["enum"],
            json!(["month", "quarter", null])
        );
        let (old, new) = (
            values(json!({"cycle": "month"})),
            values(json!({"cycle": "quarter", "margin": "1"})),
        );
        let changed = changed_keys(&defs, &old, &new);
        assert_eq!(changed, ["margin", "cycle"]);
    }

    #[test]
    fn sort_keys_order_like_the_values() {
        use FieldKind::*;
        let ordered = |kind: FieldKind, values: Vec<Value>| {
            let keys: Vec<String> = values.iter().map(|v| kind.sort_key(v).unwrap()).collect();
            for pair in keys.windows(2) {
                assert!(pair[0] < pair[1], "{kind:?}: {} !< {}", pair[0], pair[1]);
            }
            assert!(keys.iter().all(|k| k.chars().count() <= SORT_KEY_MAX));
        };
        ordered(
            Integer,
            vec![
                json!(-INTEGER_MAX),
                json!(-10),
                json!(-9),
                json!(0),
                json!(9),
                json!(10),
                json!(INTEGER_MAX),
            ],
        );
        ordered(
            Money,
            vec![
                json!(-MONEY_MAX),
                json!(-1),
                json!(0),
                json!(99),
                json!(MONEY_MAX),
            ],
        );
        ordered(
            Decimal,
            [
                "-999999999999999999.999999",
                "-10.5",
                "-10.05",
                "-0.000001",
                "0",
                "0.5",
                "2",
                "10.05",
                "10.5",
                "999999999999999999.999999",
            ]
            .into_iter()
            .map(|d| json!(canonical_decimal(d).unwrap()))
            .collect(),
        );
        // Integers and decimals share the rule: 10 sorts between 9.5 and 10.5.
        assert!(Decimal.sort_key(&json!("9.5")) < Integer.sort_key(&json!(10)));
        assert!(Integer.sort_key(&json!(10)) < Decimal.sort_key(&json!("10.5")));
        ordered(Text, vec![json!("Apple"), json!("banana"), json!("Cherry")]);
        ordered(
            Date,
            vec![
                json!("2025-12-31"),
                json!("2026-01-02"),
                json!("2026-10-01"),
            ],
        );
        ordered(
            DateTime,
            vec![json!("2026-01-02T03:04:05Z"), json!("2026-01-02T13:04:05Z")],
        );
        ordered(Bool, vec![json!(false), json!(true)]);
        assert_eq!(
            Text.sort_key(&json!("长".repeat(100)))
                .unwrap()
                .chars()
                .count(),
            SORT_KEY_MAX
        );
        assert_eq!(MultiChoice.sort_key(&json!(["a"])), None);
        assert_eq!(LongText.sort_key(&json!("x")), None);
        assert_eq!(MultiChoice.index_values(&json!(["a", "b"])), ["a", "b"]);
        assert_eq!(Choice.index_values(&json!("a")), ["a"]);
        assert_eq!(
            Integer.index_values(&json!("not a number")),
            Vec::<String>::new()
        );
    }
}
