//! Contacts (联系人): the people of a customer. A contact is inside a caller's scope exactly when
//! its customer is.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{FieldCode, FieldError};
use crate::field::CustomValues;
use crate::patch::Patch;
use crate::validate::{limits, Errors};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub name: String,
    pub title: Option<String>,
    pub phones: Vec<String>,
    pub email: Option<String>,
    pub wechat: Option<String>,
    pub is_primary: bool,
    pub notes: Option<String>,
    /// The company's own fields by key: those the reader's role may see
    /// (`GET /api/v1/fields?resource=contact`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Contact {
    /// The contact with its phone numbers, e-mail and WeChat masked (its customer is in a pool).
    pub fn masked(mut self) -> Contact {
        self.phones = self
            .phones
            .iter()
            .map(|p| crate::normalize::mask_phone(p))
            .collect();
        self.email = self.email.as_deref().map(crate::normalize::mask_email);
        self.wechat = self.wechat.as_deref().map(crate::normalize::mask_email);
        self
    }
}

/// The keys under which audit rows of customers and contacts hold ways to reach someone.
pub const REACH_KEYS: [&str; 4] = ["phone", "phones", "email", "wechat"];

/// Masks the ways to reach someone in one side of an audit row (a pooled customer's history).
pub fn mask_reach(v: &mut serde_json::Value) {
    let Some(map) = v.as_object_mut() else {
        return;
    };
    for key in REACH_KEYS {
        match map.get_mut(key) {
            Some(serde_json::Value::String(s)) => {
                *s = if key == "phone" {
                    crate::normalize::mask_phone(s)
                } else {
                    crate::normalize::mask_email(s)
                }
            }
            Some(serde_json::Value::Array(a)) => {
                for p in a.iter_mut() {
                    if let serde_json::Value::String(s) = p {
                        *s = crate::normalize::mask_phone(s);
                    }
                }
            }
            _ => {}
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    #[cfg_attr(
        feature = "openapi",
        schema(example = "李雷", min_length = 1, max_length = 64, pattern = r"\S")
    )]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "采购经理"))]
    pub title: Option<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub wechat: Option<String>,
    #[serde(default)]
    pub is_primary: bool,
    #[serde(default)]
    pub notes: Option<String>,
    /// Custom field values by key (`GET /api/v1/fields?resource=contact`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
}

fn phones_errors(e: &mut Errors, phones: &[String]) {
    if phones.len() > limits::PHONES {
        e.add(
            "phones",
            FieldCode::TooMany,
            format!("at most {} phone numbers", limits::PHONES),
        );
    }
    for (i, p) in phones.iter().enumerate() {
        e.phone(&format!("phones[{i}]"), Some(p));
    }
}

impl ContactInput {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.required_text("name", &self.name, limits::SHORT);
        e.optional_text("title", self.title.as_deref(), limits::SHORT);
        phones_errors(&mut e, &self.phones);
        e.email("email", self.email.as_deref());
        e.optional_text("wechat", self.wechat.as_deref(), limits::SHORT);
        e.optional_text("notes", self.notes.as_deref(), limits::NOTES);
        e.finish()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"\S")
    )]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub title: Patch<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phones: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub email: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub wechat: Patch<String>,
    /// `true` makes this the customer's primary contact (the previous one stops being primary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_primary: Option<bool>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub notes: Patch<String>,
    /// Custom field values to change: `null` clears one, keys left out stay as they are.
    #[serde(default, skip_serializing_if = "CustomValues::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
}

impl ContactUpdate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(name) = &self.name {
            e.required_text("name", name, limits::SHORT);
        }
        e.optional_text(
            "title",
            self.title.value().map(String::as_str),
            limits::SHORT,
        );
        if let Some(phones) = &self.phones {
            phones_errors(&mut e, phones);
        }
        e.email("email", self.email.value().map(String::as_str));
        e.optional_text(
            "wechat",
            self.wechat.value().map(String::as_str),
            limits::SHORT,
        );
        e.optional_text(
            "notes",
            self.notes.value().map(String::as_str),
            limits::NOTES,
        );
        e.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `dto_json` fuzz target: marking a contact primary from the detail screen sent
    /// every other field as `null` and so cleared its title, e-mail and notes.
    #[test]
    fn absent_update_fields_stay_absent_on_the_wire() {
        let primary = ContactUpdate {
            is_primary: Some(true),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&primary).unwrap(),
            serde_json::json!({"is_primary": true})
        );
    }
}
