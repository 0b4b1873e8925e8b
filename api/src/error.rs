//! One error type for the whole server, answered as RFC 9457 problem+json.
//!
//! Internal causes (database errors, I/O) are logged with their chain and never sent to the
//! client: the body says `internal` and the `X-Request-Id` header finds the log line.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use kaidan_shared::duplicate::DuplicateMatch;
use kaidan_shared::{ErrorCode, FieldCode, FieldError, Problem};

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, thiserror::Error)]
#[error("{code:?}: {}", detail.as_deref().unwrap_or(""))]
pub struct AppError {
    pub code: ErrorCode,
    pub detail: Option<String>,
    pub errors: Vec<FieldError>,
    pub duplicates: Vec<DuplicateMatch>,
    pub retry_after_secs: Option<u64>,
    /// The cause, for the log only.
    #[source]
    pub source: Option<anyhow::Error>,
}

impl AppError {
    pub fn new(code: ErrorCode) -> Self {
        AppError {
            code,
            detail: None,
            errors: Vec::new(),
            duplicates: Vec::new(),
            retry_after_secs: None,
            source: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn not_found() -> Self {
        AppError::new(ErrorCode::NotFound)
    }

    pub fn forbidden() -> Self {
        AppError::new(ErrorCode::Forbidden)
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut e = AppError::new(ErrorCode::ValidationFailed);
        e.errors = errors;
        e
    }

    pub fn field(field: &str, code: FieldCode, message: &str) -> Self {
        AppError::validation(vec![FieldError::new(field, code, message)])
    }

    pub fn field_forbidden(field: &str, message: &str) -> Self {
        let mut e = AppError::new(ErrorCode::FieldForbidden).with_detail(message);
        e.errors = vec![FieldError::new(field, FieldCode::NotAllowed, message)];
        e
    }

    pub fn duplicates(found: Vec<DuplicateMatch>) -> Self {
        let mut e = AppError::new(ErrorCode::DuplicateSuspected).with_detail(
            "Customers that look the same already exist; resend with \"force\": true to create anyway.",
        );
        e.duplicates = found;
        e
    }

    /// A unique-key violation underneath becomes 409 `conflict` with `detail` (two records may not
    /// share the value); any other error stays as it is.
    pub fn on_conflict(self, detail: &str) -> Self {
        let unique = self
            .source
            .as_ref()
            .and_then(|s| s.downcast_ref::<sea_orm::DbErr>())
            .is_some_and(crate::services::is_unique_violation);
        if unique {
            AppError::new(ErrorCode::Conflict).with_detail(detail)
        } else {
            self
        }
    }

    pub fn too_many(retry_after_secs: u64) -> Self {
        let mut e = AppError::new(ErrorCode::TooManyRequests);
        e.retry_after_secs = Some(retry_after_secs.max(1));
        e
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        let mut e = AppError::new(ErrorCode::Internal);
        e.source = Some(cause.into());
        e
    }

    pub fn problem(&self) -> Problem {
        let mut p = Problem::new(self.code);
        p.detail = self.detail.clone();
        p.errors = self.errors.clone();
        p.duplicates = self.duplicates.clone();
        p
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        use sea_orm::DbErr;
        let code = match &e {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => ErrorCode::ServiceUnavailable,
            // Lost a race on a unique key that the service checked (or could not check) first:
            // the caller's write conflicts with another's, it is not the server's fault.
            _ if crate::services::is_unique_violation(&e) => ErrorCode::Conflict,
            _ => ErrorCode::Internal,
        };
        let mut err = AppError::new(code);
        err.source = Some(e.into());
        err
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(e: sea_orm::TransactionError<AppError>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        if matches!(
            self.code,
            ErrorCode::Internal | ErrorCode::ServiceUnavailable
        ) {
            tracing::error!(error = ?self.source, code = ?self.code, "request failed");
        }
        problem_response(self.status_code(), &self.problem(), self.retry_after_secs)
    }
}

/// Writes a problem body with its media type (and `Retry-After` when given).
pub fn problem_response(
    status: StatusCode,
    problem: &Problem,
    retry_after: Option<u64>,
) -> HttpResponse {
    let mut b = HttpResponse::build(status);
    b.insert_header((header::CONTENT_TYPE, "application/problem+json"));
    if let Some(secs) = retry_after {
        b.insert_header((header::RETRY_AFTER, secs.to_string()));
    }
    if status == StatusCode::UNAUTHORIZED {
        b.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"kaidan\""));
    }
    // RFC 6750 §3.1: a client's token without the scope says so where clients look.
    if problem.code == ErrorCode::InsufficientScope {
        b.insert_header((
            header::WWW_AUTHENTICATE,
            "Bearer realm=\"kaidan\", error=\"insufficient_scope\"",
        ));
    }
    b.body(serde_json::to_string(problem).unwrap_or_else(|_| "{}".into()))
}
