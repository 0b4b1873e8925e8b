//! Likely duplicates found when a record is created: the same answer shape for every resource
//! that checks (customers now, leads next), so the web app shows them with one component.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::policy::Resource;

/// Which field made two records look alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DuplicateField {
    /// The unified social credit code.
    CreditCode,
    /// The phone number (digits only).
    Phone,
    /// The e-mail address (case-insensitive).
    Email,
    /// The normalised company or person name.
    Name,
}

/// A likely duplicate. `id` and the full name are given only when the caller may see the record;
/// otherwise the name comes masked (`杭州******公司`) with the owner, so the rep knows whom to
/// talk to without opening it. Such answers are limited per user per hour and each is written to
/// the matched record's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DuplicateMatch {
    /// What kind of record matched.
    pub resource: Resource,
    pub id: Option<Uuid>,
    pub name: String,
    pub owner_name: Option<String>,
    pub matched_on: Vec<DuplicateField>,
}
