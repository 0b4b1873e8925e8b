//! The request id: made (or kept, when the client's is sane) by the `request_context`
//! middleware, put in the request's extensions, answered in `X-Request-Id`, logged, and written
//! into audit rows and problem bodies so a user's report leads to the log lines.

use actix_web::{HttpMessage, HttpRequest};

/// The id of the current request, in request extensions and the `X-Request-Id` header.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

pub const REQUEST_ID: &str = "x-request-id";

/// The current request's id, when the middleware ran.
pub fn of(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<RequestId>().map(|r| r.0.clone())
}
