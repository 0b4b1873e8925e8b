//! The wire shape of every error: RFC 9457 problem details with a stable machine `code`.
//!
//! Clients (the SPA, DingTalk/ERP integrations) match on `code`, never on `title` or `detail`,
//! which are for people and may be reworded or translated.

use serde::{Deserialize, Serialize};

use crate::duplicate::DuplicateMatch;

/// Stable machine-readable error codes. Adding one is fine; renaming one breaks clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body, query or path could not be parsed (malformed JSON, unknown field, wrong type).
    BadRequest,
    /// One or more fields failed validation; see `errors`.
    ValidationFailed,
    /// No valid access token was presented.
    Unauthenticated,
    /// The token was valid once but has expired; refresh it.
    TokenExpired,
    /// Wrong username or password (deliberately not saying which).
    InvalidCredentials,
    /// The refresh token is unknown, expired or revoked.
    InvalidRefreshToken,
    /// A refresh token was used twice; the whole session family has been revoked.
    RefreshTokenReused,
    /// The role may not perform this action at all.
    Forbidden,
    /// An API client's token lacks the scope the operation needs (see the operation's
    /// `security`), or the operation is for people only.
    InsufficientScope,
    /// A cookie-authenticated request lacked the `X-CSRF-Token` header matching its CSRF cookie.
    CsrfFailed,
    /// The role may perform the action, but not on this field or value (e.g. setting `owner_id`).
    FieldForbidden,
    /// The record does not exist or is outside the caller's data scope.
    NotFound,
    /// The HTTP method is not supported on this path.
    MethodNotAllowed,
    /// Likely duplicates exist; resend with `force: true` to create anyway. See `duplicates`.
    DuplicateSuspected,
    /// A unique value (username, name) is already taken.
    Conflict,
    /// PATCH/DELETE without `If-Match`.
    PreconditionRequired,
    /// `If-Match` does not match the current version: someone else changed the record.
    VersionConflict,
    /// The same `Idempotency-Key` was sent with a different request.
    IdempotencyKeyReused,
    /// A request with this `Idempotency-Key` is still being processed.
    IdempotencyInProgress,
    /// The password is too short, too long or too common.
    WeakPassword,
    /// The current password given for a password change is wrong.
    WrongPassword,
    /// The pagination cursor is malformed or belongs to another sort.
    InvalidCursor,
    /// Too many requests (or failed sign-ins); see `Retry-After`.
    TooManyRequests,
    /// The request body exceeds the size limit.
    PayloadTooLarge,
    /// The request body is not `application/json`.
    UnsupportedMediaType,
    /// The record is archived and must be restored first.
    Archived,
    /// The lead was converted: it is read-only.
    Converted,
    /// The customer is not in a public pool (any more): someone claimed it first.
    NotInPool,
    /// You claimed as many customers from the pools today as a day allows.
    ClaimLimitReached,
    /// You hold as many customers as the pool allows a rep to hold.
    HeldCapReached,
    /// You released (or lost) this customer recently; its ex-owner may claim it back only after
    /// the pool's cool-down.
    ClaimCooldown,
    /// The visit's customer is no longer its owner's to visit: transferred to someone they cannot
    /// reach, released to a public pool or archived since the visit was planned.
    CustomerMoved,
    /// The record's status does not allow the change: a sent quote is frozen (revise it), an
    /// approved contract is locked (send it back through approval).
    InvalidState,
    /// The database or another dependency is unavailable.
    ServiceUnavailable,
    /// Something went wrong on the server; the `instance` request id finds it in the logs.
    Internal,
}

impl ErrorCode {
    /// The default HTTP status for the code.
    pub fn status(self) -> u16 {
        use ErrorCode::*;
        match self {
            BadRequest | InvalidCursor => 400,
            Unauthenticated | TokenExpired | InvalidCredentials | InvalidRefreshToken
            | RefreshTokenReused => 401,
            Forbidden | InsufficientScope | FieldForbidden | WrongPassword | CsrfFailed => 403,
            NotFound => 404,
            MethodNotAllowed => 405,
            DuplicateSuspected
            | Conflict
            | IdempotencyInProgress
            | Archived
            | Converted
            | NotInPool
            | ClaimLimitReached
            | HeldCapReached
            | ClaimCooldown
            | CustomerMoved
            | InvalidState => 409,
            VersionConflict => 412,
            PayloadTooLarge => 413,
            UnsupportedMediaType => 415,
            ValidationFailed | WeakPassword | IdempotencyKeyReused => 422,
            PreconditionRequired => 428,
            TooManyRequests => 429,
            Internal => 500,
            ServiceUnavailable => 503,
        }
    }

    /// The default human title (English; the SPA shows its own translated text per code).
    pub fn title(self) -> &'static str {
        use ErrorCode::*;
        match self {
            BadRequest => "Malformed request",
            ValidationFailed => "Some fields are invalid",
            Unauthenticated => "Sign-in required",
            TokenExpired => "Session expired",
            InvalidCredentials => "Wrong username or password",
            InvalidRefreshToken => "Session is no longer valid",
            RefreshTokenReused => "Session revoked",
            Forbidden => "Not allowed",
            InsufficientScope => "The token's scopes do not allow this",
            CsrfFailed => "Cross-site request refused",
            FieldForbidden => "Not allowed to change this field",
            NotFound => "Not found",
            MethodNotAllowed => "Method not allowed",
            DuplicateSuspected => "Possible duplicate",
            Conflict => "Already exists",
            PreconditionRequired => "If-Match header required",
            VersionConflict => "Changed by someone else",
            IdempotencyKeyReused => "Idempotency-Key reused with a different request",
            IdempotencyInProgress => "Request with this Idempotency-Key is in progress",
            WeakPassword => "Password not acceptable",
            WrongPassword => "Current password is wrong",
            InvalidCursor => "Invalid pagination cursor",
            TooManyRequests => "Too many requests",
            PayloadTooLarge => "Request body too large",
            UnsupportedMediaType => "Unsupported media type",
            Archived => "Record is archived",
            Converted => "Lead already converted",
            NotInPool => "Not in a public pool",
            ClaimLimitReached => "Daily claim limit reached",
            HeldCapReached => "Too many customers held",
            ClaimCooldown => "Ex-owner cool-down",
            CustomerMoved => "The customer is no longer yours to visit",
            InvalidState => "Not allowed in this state",
            ServiceUnavailable => "Service unavailable",
            Internal => "Internal error",
        }
    }
}

/// What is wrong with a field: a stable machine code the web app translates and third parties
/// branch on. New codes may be added; clients map codes they do not know to `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldCode {
    /// Missing or blank.
    Required,
    TooLong,
    TooShort,
    /// Not the expected shape (phone number, e-mail, username, …).
    InvalidFormat,
    /// A check digit does not match (unified social credit code).
    InvalidChecksum,
    /// Contains characters no text field may hold (NUL).
    InvalidCharacters,
    OutOfRange,
    TooMany,
    /// The caller may not set this field, or not to this value.
    NotAllowed,
    /// Names a record that does not exist or is outside the caller's scope.
    UnknownReference,
    /// A password on the list of common passwords.
    TooCommon,
    /// A password that contains the username.
    ContainsUsername,
    /// A key no definition has (a custom field that does not exist).
    UnknownField,
    /// A code this build does not know (from a newer server).
    #[serde(other)]
    Other,
}

/// One invalid field in a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// JSON path of the field, e.g. `name` or `contacts[0].email`.
    pub field: String,
    pub code: FieldCode,
    /// Human explanation (English).
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: FieldCode, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// RFC 9457 problem details, as every 4xx/5xx body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the problem type: `https://kaidan.dev/problems/<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request id (also in the `X-Request-Id` header), to find the request in the logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub code: ErrorCode,
    /// Each invalid field, for `validation_failed` and `weak_password`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The likely duplicates, for `duplicate_suspected`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duplicates: Vec<DuplicateMatch>,
}

impl Problem {
    pub fn new(code: ErrorCode) -> Self {
        Problem {
            type_: format!("https://kaidan.dev/problems/{}", code_slug(code)),
            title: code.title().to_owned(),
            status: code.status(),
            detail: None,
            instance: None,
            code,
            errors: Vec::new(),
            duplicates: Vec::new(),
        }
    }
}

fn code_slug(code: ErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', "-")))
        .unwrap_or_else(|| "internal".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_serialises_with_type_and_code() {
        let p = Problem::new(ErrorCode::VersionConflict);
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["type"], "https://kaidan.dev/problems/version-conflict");
        assert_eq!(v["status"], 412);
        assert_eq!(v["code"], "version_conflict");
        assert!(v.get("errors").is_none());
    }
}
