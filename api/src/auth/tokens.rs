//! Access tokens: short-lived EdDSA JWTs (RFC 9068 `at+jwt`) with `kid`, `iss`, `aud`, `exp`.
//! Refresh tokens are opaque random strings stored hashed (see `services::sessions`).

use chrono::Utc;
use jsonwebtoken::{Algorithm, Header, Validation};
use kaidan_shared::ErrorCode;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::keys::Keys;
use crate::config::AuthSettings;
use crate::error::AppError;

pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    /// `iat` to the millisecond, so a password reset refuses every token issued before it, even
    /// one from the same second.
    #[serde(default)]
    pub iat_ms: i64,
    pub nbf: i64,
    pub jti: String,
    /// The session (refresh-token family) this token belongs to; empty for an API client's.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sid: String,
    /// An API client's token: the client (`sub` is its service user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// An API client's token: the scopes granted, space-separated (RFC 8693 `scope`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// An API client's token: the rotation of the secret it was issued under, so a rotation
    /// stops the old secret's tokens when its grace ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sv: Option<i64>,
}

/// Issues an access token for `user_id` in session `family_id`; returns it with its lifetime.
pub fn issue_access(
    keys: &Keys,
    s: &AuthSettings,
    user_id: Uuid,
    family_id: Uuid,
) -> Result<(String, i64), AppError> {
    sign(keys, s, user_id, |c| c.sid = family_id.to_string())
}

/// What an API client's token says beside its service user.
pub struct ClientGrant<'a> {
    pub client_id: Uuid,
    /// Space-separated scopes.
    pub scope: &'a str,
    pub secret_version: i64,
}

/// Issues an API client's access token (no session: a client asks again when it runs out).
pub fn issue_client(
    keys: &Keys,
    s: &AuthSettings,
    user_id: Uuid,
    grant: ClientGrant<'_>,
) -> Result<(String, i64), AppError> {
    sign(keys, s, user_id, |c| {
        c.client_id = Some(grant.client_id.to_string());
        c.scope = Some(grant.scope.to_owned());
        c.sv = Some(grant.secret_version);
    })
}

fn sign(
    keys: &Keys,
    s: &AuthSettings,
    user_id: Uuid,
    fill: impl FnOnce(&mut Claims),
) -> Result<(String, i64), AppError> {
    let issued = Utc::now();
    let now = issued.timestamp();
    let mut claims = Claims {
        iss: s.issuer.clone(),
        aud: s.audience.clone(),
        sub: user_id.to_string(),
        exp: now + s.access_ttl_secs,
        iat: now,
        iat_ms: issued.timestamp_millis(),
        nbf: now,
        jti: Uuid::now_v7().to_string(),
        sid: String::new(),
        client_id: None,
        scope: None,
        sv: None,
    };
    fill(&mut claims);
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(keys.kid.clone());
    header.typ = Some(ACCESS_TOKEN_TYP.into());
    let token =
        jsonwebtoken::encode(&header, &claims, &keys.encoding).map_err(AppError::internal)?;
    Ok((token, s.access_ttl_secs))
}

/// Tokens that passed [`verify_access`] with one key, by their exact text, so the signature of a
/// token is checked once rather than on every request it is sent with (the check was a tenth of a
/// get's time; docs/benchmarks.md). A hit is still refused once the token's `exp` has passed.
/// Kept per key, so a token is only ever taken as verified by the key that verified it; bounded,
/// emptied when full.
#[derive(Default)]
pub struct Verified(std::sync::Mutex<std::collections::HashMap<String, Claims>>);

const MAX_VERIFIED: usize = 20_000;
/// Seconds of clock skew allowed on `exp` and `nbf`.
const LEEWAY: i64 = 5;

/// Verifies signature, algorithm, type, issuer, audience and expiry — once per token text and key;
/// later calls with the same token only check that it has not expired since.
pub fn verify_access(keys: &Keys, s: &AuthSettings, token: &str) -> Result<Claims, AppError> {
    let now = Utc::now().timestamp();
    let mut memo = keys.verified.0.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(c) = memo.get(token) {
        if c.exp + LEEWAY < now {
            memo.remove(token);
            return Err(AppError::new(ErrorCode::TokenExpired));
        }
        return Ok(c.clone());
    }
    drop(memo);
    let claims = verify_signed(keys, s, token)?;
    let mut memo = keys.verified.0.lock().unwrap_or_else(|p| p.into_inner());
    if memo.len() >= MAX_VERIFIED {
        memo.clear();
    }
    memo.insert(token.to_owned(), claims.clone());
    Ok(claims)
}

fn verify_signed(keys: &Keys, s: &AuthSettings, token: &str) -> Result<Claims, AppError> {
    let mut v = Validation::new(Algorithm::EdDSA);
    v.set_issuer(&[&s.issuer]);
    v.set_audience(&[&s.audience]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub", "nbf"]);
    v.validate_nbf = true;
    v.leeway = LEEWAY as u64;
    let data =
        jsonwebtoken::decode::<Claims>(token, &keys.decoding, &v).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                AppError::new(ErrorCode::TokenExpired)
            }
            _ => AppError::new(ErrorCode::Unauthenticated).with_detail("invalid access token"),
        })?;
    if data.header.typ.as_deref() != Some(ACCESS_TOKEN_TYP)
        || data.header.kid.as_deref() != Some(&keys.kid)
    {
        return Err(AppError::new(ErrorCode::Unauthenticated).with_detail("invalid access token"));
    }
    Ok(data.claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn keys() -> Keys {
        let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
        use ed25519_dalek::pkcs8::{spki::der::pem::LineEnding, EncodePrivateKey};
        Keys::from_pem(&key.to_pkcs8_pem(LineEnding::LF).unwrap(), "test").unwrap()
    }

    #[test]
    fn issued_tokens_verify_and_carry_the_user() {
        let k = keys();
        let s = Settings::default().auth;
        let user = Uuid::now_v7();
        let (t, ttl) = issue_access(&k, &s, user, Uuid::now_v7()).unwrap();
        assert!(ttl <= 900);
        let c = verify_access(&k, &s, &t).unwrap();
        assert_eq!(c.sub, user.to_string());
        let header = jsonwebtoken::decode_header(&t).unwrap();
        assert_eq!(header.alg, Algorithm::EdDSA);
        assert_eq!(header.kid.as_deref(), Some(k.kid.as_str()));
    }

    #[test]
    fn tokens_from_another_key_or_audience_fail() {
        let s = Settings::default().auth;
        let (t, _) = issue_access(&keys(), &s, Uuid::now_v7(), Uuid::now_v7()).unwrap();
        assert!(verify_access(&keys(), &s, &t).is_err());
        let k = keys();
        let (t, _) = issue_access(&k, &s, Uuid::now_v7(), Uuid::now_v7()).unwrap();
        let mut other = s.clone();
        other.audience = "someone-else".into();
        assert!(verify_access(&k, &other, &t).is_err());
    }

    #[test]
    fn a_remembered_token_is_refused_once_it_expires_and_by_other_keys() {
        let s = Settings::default().auth;
        let k = keys();
        let (t, _) = issue_access(&k, &s, Uuid::now_v7(), Uuid::now_v7()).unwrap();
        verify_access(&k, &s, &t).unwrap();
        // Another key never takes it, although this key remembers it.
        assert!(verify_access(&keys(), &s, &t).is_err());
        // The remembered claims run out like the token does.
        k.verified.0.lock().unwrap().get_mut(&t).unwrap().exp = Utc::now().timestamp() - 60;
        let e = verify_access(&k, &s, &t).unwrap_err();
        assert_eq!(e.code, ErrorCode::TokenExpired);
    }
}
