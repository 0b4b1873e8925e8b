//! The bearer token of a request (`Authorization: Bearer …`).

use actix_web::HttpRequest;

/// The token of an `Authorization: Bearer` header (scheme case-insensitive), if any.
pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}
