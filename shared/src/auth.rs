//! Sign-in, tokens and the signed-in user.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::policy::Role;

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[cfg_attr(feature = "openapi", schema(example = "rep_east1"))]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(example = "Kaidan-demo-2026", format = Password))]
    pub password: String,
    /// For the web app: put the refresh token in an `HttpOnly`, `SameSite=Strict` cookie scoped
    /// to `/api/v1/auth` (with a readable `kaidan_csrf` cookie to echo in `X-CSRF-Token`) instead
    /// of the body, so no script can read it. Other clients leave it out.
    #[serde(default)]
    pub refresh_in_cookie: bool,
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token; leave it out to use the `kaidan_refresh` cookie (then `X-CSRF-Token`
    /// must echo the `kaidan_csrf` cookie). No `serde(default)`: a missing `Option` field is
    /// `None` in an object, while a JSON array is refused instead of read as an empty struct.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    /// The refresh token; leave it out to end the cookie session (with `X-CSRF-Token`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// Tokens issued at sign-in and refresh.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// EdDSA-signed JWT; send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires (at most 900).
    pub expires_in: i64,
    /// Opaque; exchange at `/api/v1/auth/refresh`. Single use: each refresh returns a new one.
    /// Absent when it was set as the `kaidan_refresh` cookie instead (`refresh_in_cookie`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: i64,
    pub user: Me,
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team_id: Option<Uuid>,
    pub team_name: Option<String>,
    pub region_id: Option<Uuid>,
    pub region_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Permissions beside the role.
    #[serde(default)]
    pub grants: Vec<crate::policy::Grant>,
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub current_password: String,
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub new_password: String,
}

/// One key of the JSON Web Key Set (RFC 8037 OKP key for Ed25519).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    pub kid: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub use_: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// Health of the service and its database.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// Things an operator must fix that do not stop the service, e.g. `demo_password_in_use`
    /// (an active account still has the password published in the README).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    pub time: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_bodies_are_objects_not_arrays() {
        let r: RefreshRequest = serde_json::from_str("{}").unwrap();
        assert!(r.refresh_token.is_none());
        assert!(serde_json::from_str::<RefreshRequest>("[]").is_err());
        assert!(serde_json::from_str::<LogoutRequest>("[]").is_err());
        let l: LogoutRequest = serde_json::from_str(r#"{"refresh_token":"x"}"#).unwrap();
        assert_eq!(l.refresh_token.as_deref(), Some("x"));
    }
}

/// Redacted `Debug` for the types that carry passwords or tokens, so a stray `{:?}` in a log line
/// can never print one.
const REDACTED: &str = "[redacted]";

fn redacted_opt<T>(v: &Option<T>) -> &'static str {
    if v.is_some() {
        REDACTED
    } else {
        "None"
    }
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("username", &self.username)
            .field("password", &REDACTED)
            .field("refresh_in_cookie", &self.refresh_in_cookie)
            .finish()
    }
}

impl std::fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("refresh_token", &redacted_opt(&self.refresh_token))
            .finish()
    }
}

impl std::fmt::Debug for LogoutRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogoutRequest")
            .field("refresh_token", &redacted_opt(&self.refresh_token))
            .finish()
    }
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &REDACTED)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &redacted_opt(&self.refresh_token))
            .field("refresh_expires_in", &self.refresh_expires_in)
            .field("user", &self.user)
            .finish()
    }
}

impl std::fmt::Debug for ChangePasswordRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangePasswordRequest")
            .field("current_password", &REDACTED)
            .field("new_password", &REDACTED)
            .finish()
    }
}

#[cfg(test)]
mod redaction_tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_passwords_or_tokens() {
        let l = LoginRequest {
            username: "rep".into(),
            password: "hunter2-secret".into(),
            refresh_in_cookie: false,
        };
        let c = ChangePasswordRequest {
            current_password: "old-secret".into(),
            new_password: "new-secret".into(),
        };
        let r = RefreshRequest {
            refresh_token: Some("refresh-secret".into()),
        };
        let printed = format!("{l:?} {c:?} {r:?}");
        assert!(!printed.contains("secret"), "{printed}");
        assert!(printed.contains("rep"));
    }
}
