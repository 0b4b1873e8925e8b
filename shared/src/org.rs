//! The organisation: regions and teams (users are in `user`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::FieldError;
use crate::patch::Patch;
use crate::validate::{limits, Errors};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Region {
    pub id: Uuid,
    pub name: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegionInput {
    #[cfg_attr(
        feature = "openapi",
        schema(example = "华东", min_length = 1, max_length = 64, pattern = r"\S")
    )]
    pub name: String,
}

impl RegionInput {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.required_text("name", &self.name, limits::SHORT);
        e.finish()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Team {
    pub id: Uuid,
    pub name: String,
    pub region_id: Uuid,
    /// The 主管 who leads the team.
    pub supervisor_id: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TeamCreate {
    #[cfg_attr(
        feature = "openapi",
        schema(example = "华东一组", min_length = 1, max_length = 64, pattern = r"\S")
    )]
    pub name: String,
    pub region_id: Uuid,
    #[serde(default)]
    pub supervisor_id: Option<Uuid>,
}

impl TeamCreate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.required_text("name", &self.name, limits::SHORT);
        e.finish()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TeamUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"\S")
    )]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_id: Option<Uuid>,
    /// `null` removes the supervisor.
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>))]
    pub supervisor_id: Patch<Uuid>,
}

impl TeamUpdate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(name) = &self.name {
            e.required_text("name", name, limits::SHORT);
        }
        e.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_team_update_sends_nothing() {
        assert_eq!(
            serde_json::to_value(TeamUpdate::default()).unwrap(),
            serde_json::json!({})
        );
        let clear = TeamUpdate {
            supervisor_id: Patch::Null,
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&clear).unwrap(),
            serde_json::json!({"supervisor_id": null})
        );
    }
}
