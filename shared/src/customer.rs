//! Customers (客户): the companies and people a sales team sells to.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::contact::{Contact, ContactInput};
use crate::error::{FieldCode, FieldError};
use crate::field::CustomValues;
use crate::patch::Patch;
use crate::validate::{credit_code_is_valid, lat_lng_errors, limits, Errors};

/// A company (企业客户) or a person (个人客户).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    #[default]
    Company,
    Individual,
}

impl CustomerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerKind::Company => "company",
            CustomerKind::Individual => "individual",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "company" => Some(Self::Company),
            "individual" => Some(Self::Individual),
            _ => None,
        }
    }
}

/// Customer grade: A (key account), B (normal), C (small or cold).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Level {
    A,
    B,
    C,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::A => "A",
            Level::B => "B",
            Level::C => "C",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "A" => Some(Level::A),
            "B" => Some(Level::B),
            "C" => Some(Level::C),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Customer {
    pub id: Uuid,
    pub kind: CustomerKind,
    pub name: String,
    /// 统一社会信用代码 (companies).
    pub credit_code: Option<String>,
    pub industry: Option<String>,
    pub level: Option<Level>,
    pub tags: Vec<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// WGS-84 latitude, for visit check-in distance.
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub source: Option<String>,
    pub notes: Option<String>,
    /// The company's own fields (自定义字段) by key: those the reader's role may see. Their
    /// definitions and JSON Schema: `GET /api/v1/fields?resource=customer`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
    pub archived: bool,
    /// The public pool (公海) it is in; while it is, its phone numbers and e-mails (its own and
    /// its contacts') are masked in every response. Absent when it has an owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_id: Option<Uuid>,
    #[serde(default)]
    pub pooled_at: Option<DateTime<Utc>>,
    /// Why it went to the pool (`reclaimed` when the reclaim job took it back).
    #[serde(default)]
    pub pool_reason: Option<String>,
    /// The last follow-up: the pool's reclaim period counts from here.
    #[serde(default)]
    pub followed_up_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Customer {
    /// The customer as a reader outside its owner sees it while it is in a pool: phone masked.
    pub fn masked_if_pooled(mut self) -> Customer {
        if self.pool_id.is_some() {
            self.phone = self.phone.as_deref().map(crate::normalize::mask_phone);
        }
        self
    }
}

/// A customer with its contacts, as the detail screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerDetail {
    #[serde(flatten)]
    pub customer: Customer,
    pub contacts: Vec<Contact>,
}

impl CustomerDetail {
    /// [`Customer::masked_if_pooled`], contacts included.
    pub fn masked_if_pooled(mut self) -> CustomerDetail {
        if self.customer.pool_id.is_some() {
            self.contacts = self.contacts.into_iter().map(Contact::masked).collect();
        }
        self.customer = self.customer.masked_if_pooled();
        self
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomerCreate {
    #[serde(default)]
    pub kind: CustomerKind,
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "杭州星辰科技有限公司",
            min_length = 1,
            max_length = 200,
            pattern = r"\S"
        )
    )]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "91350100M000100Y43"))]
    pub credit_code: Option<String>,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub level: Option<Level>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lng: Option<f64>,
    /// Defaults to the caller. Only supervisors and above may name someone else, inside their scope.
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// Custom field values by key, checked against the definitions
    /// (`GET /api/v1/fields?resource=customer`); absent fields get their default.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
    /// Contacts created together with the customer.
    #[serde(default)]
    pub contacts: Vec<ContactInput>,
    /// Create even when likely duplicates exist (after the user saw the warning).
    #[serde(default)]
    pub force: bool,
}

fn tags_errors(e: &mut Errors, tags: &[String]) {
    if tags.len() > limits::TAGS {
        e.add(
            "tags",
            FieldCode::TooMany,
            format!("at most {} tags", limits::TAGS),
        );
    }
    for (i, t) in tags.iter().enumerate() {
        let field = format!("tags[{i}]");
        if t.trim().is_empty() {
            e.add(field, FieldCode::Required, "a tag cannot be empty");
        } else if t.chars().count() > limits::TAG {
            e.add(
                field,
                FieldCode::TooLong,
                format!("at most {} characters", limits::TAG),
            );
        }
    }
}

fn credit_code_errors(e: &mut Errors, code: Option<&str>) {
    if let Some(code) = code {
        if !credit_code_is_valid(code) {
            e.add(
                "credit_code",
                FieldCode::InvalidChecksum,
                "not a valid unified social credit code (18 characters, GB 32100 check digit)",
            );
        }
    }
}

impl CustomerCreate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.required_text("name", &self.name, limits::NAME);
        credit_code_errors(&mut e, self.credit_code.as_deref());
        e.optional_text("industry", self.industry.as_deref(), limits::SHORT);
        tags_errors(&mut e, &self.tags);
        e.phone("phone", self.phone.as_deref());
        e.optional_text("address", self.address.as_deref(), limits::ADDRESS);
        lat_lng_errors(&mut e, self.lat, self.lng);
        e.optional_text("source", self.source.as_deref(), limits::SHORT);
        e.optional_text("notes", self.notes.as_deref(), limits::NOTES);
        if self.contacts.len() > limits::CONTACTS_ON_CREATE {
            e.add(
                "contacts",
                FieldCode::TooMany,
                "too many contacts in one request",
            );
        }
        for (i, c) in self.contacts.iter().enumerate() {
            if let Err(errs) = c.validate() {
                e.merge(&format!("contacts[{i}]"), Errors(errs));
            }
        }
        if self.contacts.iter().filter(|c| c.is_primary).count() > 1 {
            e.add(
                "contacts",
                FieldCode::NotAllowed,
                "only one primary contact",
            );
        }
        e.finish()
    }
}

/// A partial update; absent fields stay as they are, `null` clears an optional field.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomerUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<CustomerKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"\S")
    )]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub credit_code: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub industry: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub level: Patch<Level>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub phone: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub address: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub lat: Patch<f64>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub lng: Patch<f64>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub source: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub notes: Patch<String>,
    /// Changing the owner here is the same as a transfer: supervisors and above, inside their scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<Uuid>,
    /// Custom field values to change, by key: `null` clears one, keys left out stay as they are.
    #[serde(default, skip_serializing_if = "CustomValues::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
}

impl CustomerUpdate {
    /// Validates the update applied to the current coordinates (lat and lng go together).
    pub fn validate(
        &self,
        current_lat: Option<f64>,
        current_lng: Option<f64>,
    ) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(name) = &self.name {
            e.required_text("name", name, limits::NAME);
        }
        credit_code_errors(&mut e, self.credit_code.value().map(String::as_str));
        e.optional_text(
            "industry",
            self.industry.value().map(String::as_str),
            limits::SHORT,
        );
        if let Some(tags) = &self.tags {
            tags_errors(&mut e, tags);
        }
        e.phone("phone", self.phone.value().map(String::as_str));
        e.optional_text(
            "address",
            self.address.value().map(String::as_str),
            limits::ADDRESS,
        );
        let lat = self.lat.or_current(current_lat.as_ref()).copied();
        let lng = self.lng.or_current(current_lng.as_ref()).copied();
        lat_lng_errors(&mut e, lat, lng);
        e.optional_text(
            "source",
            self.source.value().map(String::as_str),
            limits::SHORT,
        );
        e.optional_text(
            "notes",
            self.notes.value().map(String::as_str),
            limits::NOTES,
        );
        e.finish()
    }

    pub fn is_empty(&self) -> bool {
        self.kind.is_none()
            && self.name.is_none()
            && self.credit_code.is_absent()
            && self.industry.is_absent()
            && self.level.is_absent()
            && self.tags.is_none()
            && self.phone.is_absent()
            && self.address.is_absent()
            && self.lat.is_absent()
            && self.lng.is_absent()
            && self.source.is_absent()
            && self.notes.is_absent()
            && self.owner_id.is_none()
            && self.custom.is_empty()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// The new owner: an active user inside the caller's scope who may own customers.
    pub owner_id: Uuid,
    #[serde(default)]
    pub reason: Option<String>,
}

impl TransferRequest {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.optional_text("reason", self.reason.as_deref(), limits::REASON);
        e.finish()
    }
}

/// Sort orders for the customer list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CustomerSort {
    /// Most recently changed first (default).
    #[default]
    UpdatedDesc,
    /// Newest first.
    CreatedDesc,
    /// By name, A→Z / by code point.
    NameAsc,
}

impl CustomerSort {
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerSort::UpdatedDesc => "updated_desc",
            CustomerSort::CreatedDesc => "created_desc",
            CustomerSort::NameAsc => "name_asc",
        }
    }
}

crate::list_query! {
    /// Filters, search and sort for the customer list.
    pub struct CustomerListQuery {
        /// Name or phone contains this text.
        #[cfg_attr(feature = "openapi", param(max_length = 100))]
        pub q: Option<String>,
        pub owner_id: Option<Uuid>,
        pub level: Option<Level>,
        #[cfg_attr(feature = "openapi", param(max_length = 64))]
        pub industry: Option<String>,
        #[cfg_attr(feature = "openapi", param(max_length = 32))]
        pub tag: Option<String>,
        /// Only customers changed at or after this time (RFC 3339).
        pub updated_since: Option<DateTime<Utc>>,
        pub sort: Option<CustomerSort>,
        /// List archived customers instead of active ones.
        pub archived: Option<bool>,
        /// Custom field filters, `key:value`, several separated by commas
        /// (`purchase_cycle:quarter,vip:true`): fields marked `filterable` that the caller sees;
        /// a multiple-choice field matches records that chose the key among others.
        #[cfg_attr(feature = "openapi", param(max_length = 400, example = "purchase_cycle:quarter"))]
        pub custom: Option<String>,
        /// Sort by a custom field instead of `sort`: its key, or `-key` for descending. Any
        /// field the caller sees except multiple choice and long text; records without a value
        /// come last either way. Texts sort by their first 64 characters, ignoring case;
        /// choices group by option key.
        #[cfg_attr(feature = "openapi", param(max_length = 41, example = "-purchase_cycle"))]
        pub custom_sort: Option<String>,
    }
}

impl CustomerListQuery {
    /// The longest search text, in characters.
    pub const MAX_SEARCH: usize = 100;

    /// The checks the server makes before it builds the query: the page size in range and the
    /// search text and filters within their lengths. (The cursor is checked against the sort
    /// order by `crate::cursor::decode`, with its own error code.)
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if crate::page::checked_limit(self.limit).is_none() {
            e.add(
                "limit",
                FieldCode::OutOfRange,
                "limit must be between 1 and 200",
            );
        }
        if let Some(q) = &self.q {
            if crate::validate::has_nul(q) {
                e.add(
                    "q",
                    FieldCode::InvalidCharacters,
                    "must not contain NUL characters",
                );
            } else if q.trim().chars().count() > Self::MAX_SEARCH {
                e.add("q", FieldCode::TooLong, "at most 100 characters");
            }
        }
        e.optional_text("industry", self.industry.as_deref(), limits::SHORT);
        e.optional_text("tag", self.tag.as_deref(), limits::TAG);
        e.optional_text("custom_sort", self.custom_sort.as_deref(), 41);
        e.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `dto_json` fuzz target: an update sent every absent field as `null` and so
    /// cleared it.
    #[test]
    fn absent_update_fields_stay_absent_on_the_wire() {
        assert_eq!(
            serde_json::to_value(CustomerUpdate::default()).unwrap(),
            serde_json::json!({})
        );
        let clear = CustomerUpdate {
            phone: Patch::Null,
            ..Default::default()
        };
        let back: CustomerUpdate =
            serde_json::from_value(serde_json::to_value(&clear).unwrap()).unwrap();
        assert_eq!(back.phone, Patch::Null);
        assert_eq!(back.address, Patch::Absent);
    }

    fn valid() -> CustomerCreate {
        CustomerCreate {
            name: "杭州星辰科技有限公司".into(),
            credit_code: Some("91350100M000100Y43".into()),
            phone: Some("0571-8888 6666".into()),
            lat: Some(30.27),
            lng: Some(120.15),
            contacts: vec![ContactInput {
                name: "李雷".into(),
                phones: vec!["13800138000".into()],
                is_primary: true,
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_customer_validates() {
        assert!(valid().validate().is_ok());
    }

    #[test]
    fn every_bad_field_is_listed() {
        let mut c = valid();
        c.name = "  ".into();
        c.credit_code = Some("91350100M000100Y44".into());
        c.contacts[0].email = Some("nope".into());
        c.tags = vec!["".into()];
        let errs = c.validate().unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["name", "credit_code", "tags[0]", "contacts[0].email"]
        );
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let r: Result<CustomerCreate, _> =
            serde_json::from_str(r#"{"name":"x","owner":"someone"}"#);
        assert!(r.is_err());
    }

    #[test]
    fn patch_distinguishes_absent_from_null() {
        let u: CustomerUpdate = serde_json::from_str(r#"{"phone":null}"#).unwrap();
        assert_eq!(u.phone, Patch::Null);
        assert_eq!(u.address, Patch::Absent);
        let u: CustomerUpdate = serde_json::from_str(r#"{}"#).unwrap();
        assert!(u.is_empty());
    }

    #[test]
    fn lat_without_lng_is_invalid_even_in_patch() {
        let u: CustomerUpdate = serde_json::from_str(r#"{"lng":null}"#).unwrap();
        assert!(u.validate(Some(30.0), Some(120.0)).is_err());
        assert!(u.validate(None, None).is_ok());
    }
}
