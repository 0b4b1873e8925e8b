//! Users (用户): the people who sign in, their role and their place in the org.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{FieldCode, FieldError};
use crate::patch::Patch;
use crate::policy::{Grant, Role};
use crate::validate::{email_is_valid, limits, phone_is_valid, username_is_valid, Errors};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team_id: Option<Uuid>,
    pub region_id: Option<Uuid>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Permissions beside the role (`product_manager`: keeps the catalogue).
    #[serde(default)]
    pub grants: Vec<Grant>,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    #[cfg_attr(feature = "openapi", schema(example = "rep_east3"))]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(example = "王芳"))]
    pub display_name: String,
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub password: String,
    pub role: Role,
    /// Required for supervisors, sales reps and customer service.
    #[serde(default)]
    pub team_id: Option<Uuid>,
    /// Required for regional managers (others take their team's region).
    #[serde(default)]
    pub region_id: Option<Uuid>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 8))]
    pub grants: Vec<Grant>,
}

fn contact_field_errors(e: &mut Errors, email: Option<&str>, phone: Option<&str>) {
    if let Some(email) = email {
        if !email_is_valid(email) || email.chars().count() > limits::EMAIL {
            e.add("email", FieldCode::InvalidFormat, "not an e-mail address");
        }
    }
    if let Some(phone) = phone {
        if !phone_is_valid(phone) {
            e.add("phone", FieldCode::InvalidFormat, "not a phone number");
        }
    }
}

fn org_placement_errors(
    e: &mut Errors,
    role: Role,
    team_id: Option<Uuid>,
    region_id: Option<Uuid>,
) {
    if role == Role::Integration {
        e.add(
            "role",
            FieldCode::NotAllowed,
            "API clients are registered as clients, not as users",
        );
    }
    if role.needs_team() && team_id.is_none() {
        e.add(
            "team_id",
            FieldCode::Required,
            "this role belongs to a team",
        );
    }
    if role.needs_region() && region_id.is_none() {
        e.add(
            "region_id",
            FieldCode::Required,
            "a regional manager owns a region",
        );
    }
    if role == Role::Admin && (team_id.is_some() || region_id.is_some()) {
        e.add(
            "team_id",
            FieldCode::NotAllowed,
            "admins stand above teams and regions",
        );
    }
    if role == Role::RegionalManager && team_id.is_some() {
        e.add(
            "team_id",
            FieldCode::NotAllowed,
            "a regional manager owns a region, not a team",
        );
    }
}

impl UserCreate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if !username_is_valid(&self.username) {
            e.add(
                "username",
                FieldCode::InvalidFormat,
                "3–32 of a-z, 0-9, '.', '_', '-', starting with a letter or digit",
            );
        }
        e.required_text("display_name", &self.display_name, limits::SHORT);
        if let Some(mut err) = crate::validate::password_length_error(&self.password) {
            err.field = "password".into();
            e.0.push(err);
        }
        org_placement_errors(&mut e, self.role, self.team_id, self.region_id);
        contact_field_errors(&mut e, self.email.as_deref(), self.phone.as_deref());
        e.finish()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>))]
    pub team_id: Patch<Uuid>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>))]
    pub region_id: Patch<Uuid>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub email: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub phone: Patch<String>,
    /// Replaces the person's grants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 8))]
    pub grants: Option<Vec<Grant>>,
}

impl UserUpdate {
    /// Validates the update as applied to `current` (role/team/region must fit together).
    pub fn validate(&self, current: &User) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(name) = &self.display_name {
            e.required_text("display_name", name, limits::SHORT);
        }
        let role = self.role.unwrap_or(current.role);
        let team = self.team_id.or_current(current.team_id.as_ref()).copied();
        // A manager's region is their own; others follow their team, so only check it for managers.
        let region = self
            .region_id
            .or_current(current.region_id.as_ref())
            .copied();
        org_placement_errors(
            &mut e,
            role,
            team,
            if role.needs_region() { region } else { None },
        );
        contact_field_errors(
            &mut e,
            self.email.value().map(String::as_str),
            self.phone.value().map(String::as_str),
        );
        e.finish()
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub new_password: String,
}

crate::list_query! {
    /// Filters for the user list.
    pub struct UserListQuery {
        pub team_id: Option<Uuid>,
        pub region_id: Option<Uuid>,
        pub role: Option<Role>,
        /// Include deactivated users (default false).
        pub include_inactive: Option<bool>,
        /// Matches username or display name.
        pub q: Option<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `dto_json` fuzz target: an update that leaves a field out must not send it
    /// as `null`, which the server reads as "clear it" — the admin screen changing a user's role
    /// used to wipe their e-mail and phone.
    #[test]
    fn absent_update_fields_stay_absent_on_the_wire() {
        let body = UserUpdate {
            display_name: Some("李明".into()),
            ..Default::default()
        };
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json, serde_json::json!({"display_name": "李明"}));
        let back: UserUpdate = serde_json::from_value(json).unwrap();
        assert_eq!(
            (back.team_id, back.email, back.phone),
            (Patch::Absent, Patch::Absent, Patch::Absent)
        );
        let clear = UserUpdate {
            email: Patch::Null,
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&clear).unwrap(),
            serde_json::json!({"email": null})
        );
    }
}

/// One client address that may not try this account's password until `locked_until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInLock {
    pub ip: String,
    /// Password checks from this address in the window.
    pub attempts: i64,
    pub locked_until: chrono::DateTime<chrono::Utc>,
}

/// An account's sign-in throttling right now (admins see it and can clear it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInLocks {
    /// Failed sign-ins from any address within the window.
    pub failures_in_window: i64,
    /// How long each password check of this account currently waits (the slow-down that
    /// replaces a lock across addresses).
    pub slowdown_ms: u64,
    /// Addresses that used up their guesses for this account.
    pub locked_addresses: Vec<SignInLock>,
}

impl std::fmt::Debug for UserCreate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserCreate")
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .field("password", &"[redacted]")
            .field("role", &self.role)
            .field("team_id", &self.team_id)
            .field("region_id", &self.region_id)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ResetPasswordRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResetPasswordRequest")
            .field("new_password", &"[redacted]")
            .finish()
    }
}
